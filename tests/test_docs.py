"""The documentation's hooks in the package: doctests and the HTML repr link."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest
from sklearn.utils import estimator_html_repr

import skffnn
from skffnn import FFNNClassifier, FFNNRegressor
from skffnn._base import DOCS_URL

MODULES = sorted(
    info.name for info in pkgutil.iter_modules(skffnn.__path__, prefix="skffnn.")
)
DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES_WITH_EXAMPLES = ["user_guide/network.rst", "user_guide/schedulers.rst"]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=FLAGS, verbose=False)
    assert result.failed == 0


@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES)
def test_user_guide_examples_run(page):
    path = DOCS / page
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=FLAGS, verbose=False
    )
    assert result.attempted > 0, f"{page} has no example to run"
    assert result.failed == 0


def test_the_estimators_have_docstring_examples():
    # A doctest runner that found nothing to run would pass vacuously.
    finder = doctest.DocTestFinder()
    for estimator in (FFNNClassifier, FFNNRegressor):
        tests = finder.find(estimator, estimator.__name__)
        assert any(test.examples for test in tests), estimator.__name__


@pytest.mark.parametrize("estimator", [FFNNClassifier, FFNNRegressor])
def test_html_repr_links_to_the_class_api_page(estimator):
    page = f"{DOCS_URL}/api/generated/skffnn.{estimator.__name__}.html"
    assert estimator()._get_doc_link() == page
    assert f'href="{page}"' in estimator_html_repr(estimator())


@pytest.mark.parametrize("estimator", [FFNNClassifier, FFNNRegressor])
def test_doc_link_hooks_are_not_parameters(estimator):
    params = estimator().get_params()
    assert not any(name.startswith("_doc_link") for name in params)
