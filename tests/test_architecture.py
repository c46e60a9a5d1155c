"""Lint as a test, and the import rules between skffnn's modules."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "skffnn"

CONCEPTS = {"activations", "costs", "schedulers", "schedules", "_batchnorm"}
CONCEPTS |= {"_dropout", "_initialization"}
# What each module may import from skffnn: only what stands to its left.
ALLOWED = {
    "activations": set(),
    "costs": set(),
    "schedulers": set(),
    "schedules": set(),
    "_batchnorm": set(),
    "_dropout": set(),
    "_initialization": set(),
    "_network": CONCEPTS | {"_kernels"},
    "_kernels": CONCEPTS,
    # The loop reads the checked settings, so _validation stands beside the
    # concepts, below the loop.
    "_training": CONCEPTS | {"_network", "_validation", "_kernels"},
    "_validation": CONCEPTS,
    "_data": CONCEPTS | {"_network", "_training"},
    "_scoring": {"_training"},
    # The bridge to sklearn.callback: beside the data module, below _base.
    "_callbacks": set(),
    "_base": CONCEPTS
    | {"_network", "_training", "_validation", "_data", "_scoring", "_callbacks"},
    "_regressor": CONCEPTS | {"_base", "_validation"},
    "_classifier": CONCEPTS | {"_base", "_validation", "_data"},
    "_gradcheck": CONCEPTS | {"_network"},
    "__init__": CONCEPTS | {"_regressor", "_classifier", "_gradcheck"},
    # The ONNX converters read the fitted estimators and two constants.
    "onnx": {"activations", "_batchnorm", "_regressor", "_classifier"},
}
SKLEARN_USERS = {"_data", "_scoring", "_base", "_regressor", "_classifier"}
SKLEARN_USERS |= {"_gradcheck", "_callbacks"}


def _imports(path):
    """Yield every module name imported by the file at `path`."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module or ""
            if node.module == "skffnn":
                yield from (f"skffnn.{alias.name}" for alias in node.names)


def _module_names():
    return sorted(path.stem for path in PACKAGE.glob("*.py"))


def test_every_module_has_import_rules():
    assert set(_module_names()) == set(ALLOWED)


@pytest.mark.parametrize("module", _module_names())
def test_imports_only_what_stands_to_its_left(module):
    imported = set(_imports(PACKAGE / f"{module}.py"))
    internal = {name.split(".")[1] for name in imported if name.startswith("skffnn.")}
    assert internal <= ALLOWED[module], internal - ALLOWED[module]


@pytest.mark.parametrize("module", _module_names())
def test_scikit_learn_only_in_the_estimator_layer_and_only_public(module):
    sklearn = {
        name
        for name in _imports(PACKAGE / f"{module}.py")
        if name.startswith("sklearn")
    }
    if module not in SKLEARN_USERS:
        assert not sklearn
    private = {
        name for name in sklearn if any(p.startswith("_") for p in name.split("."))
    }
    assert not private


def _code_lines(path):
    """Count the lines that are neither blank, comments nor docstrings."""
    source = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
            if ast.get_docstring(node) is not None:
                first = node.body[0]
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), 1)
        if line.strip()
        and not line.strip().startswith("#")
        and number not in docstrings
    )


def test_network_reads_in_one_sitting():
    # STYLE.md: about 300 lines of code; its docstrings come on top.
    assert _code_lines(PACKAGE / "_network.py") <= 300


def _ruff():
    ruff = shutil.which("ruff")
    return [ruff] if ruff else [sys.executable, "-m", "ruff"]


def test_mypy():
    # setup.cfg holds the configuration: strict flags on the core modules.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "skffnn"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command):
    result = subprocess.run(
        [*_ruff(), *command, str(ROOT)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


ESTIMATOR_LAYER = ["_base", "_training", "_validation", "_data", "_regressor"]
ESTIMATOR_LAYER += ["_classifier", "_scoring", "_callbacks"]


def _function_code_lines(path):
    """Yield (name, code lines) for every function in the file at `path`."""
    source = path.read_text().splitlines()
    for node in ast.walk(ast.parse("\n".join(source))):
        if not isinstance(node, ast.FunctionDef):
            continue
        skip = set()
        if ast.get_docstring(node) is not None:
            first = node.body[0]
            skip = set(range(first.lineno, first.end_lineno + 1))
        count = sum(
            1
            for number in range(node.lineno, node.end_lineno + 1)
            if number not in skip
            and source[number - 1].strip()
            and not source[number - 1].strip().startswith("#")
        )
        yield node.name, count


@pytest.mark.parametrize("module", ESTIMATOR_LAYER)
def test_estimator_layer_functions_fit_on_a_screen(module):
    # STYLE.md: a function in the estimator layer is about 40 lines at most.
    long = {
        name: lines
        for name, lines in _function_code_lines(PACKAGE / f"{module}.py")
        if lines > 40
    }
    assert not long


@pytest.mark.parametrize("module", ESTIMATOR_LAYER)
def test_estimator_layer_passes_no_values_through_args_or_kwargs(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    variadic = [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and (node.args.vararg is not None or node.args.kwarg is not None)
    ]
    # History.append(**values) takes a record's named columns: that is its API.
    assert set(variadic) <= {"append"}
