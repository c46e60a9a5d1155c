"""Write the small intersphinx inventories the documentation links to.

The site links to Python, NumPy, SciPy, scikit-learn and pandas, but its build
must not need the network. Each project's ``objects.inv`` here lists only the
names skffnn's pages link, with their address on that project's site. Rerun
this script (``python docs/make_inventories.py``, it needs ``sphobjinv`` from
the ``docs`` extra) after linking a new name; the nitpicky build says which
name is missing.
"""

from pathlib import Path

import sphobjinv as soi

HERE = Path(__file__).resolve().parent / "_inventories"

PYTHON = "library/functions.html#"
NUMPY = "reference/generated/"
SCIPY = "reference/generated/"
SKLEARN = "modules/generated/"

# project -> (version, [(name, domain:role, address relative to the site)])
INVENTORIES = {
    "python": (
        "3",
        [
            *(
                (name, "py:class", PYTHON + name)
                for name in ("int", "float", "str", "bool", "dict", "list", "tuple")
            ),
            ("object", "py:class", PYTHON + "object"),
            ("callable", "py:function", PYTHON + "callable"),
            ("None", "py:data", "library/constants.html#None"),
            ("True", "py:data", "library/constants.html#True"),
            ("False", "py:data", "library/constants.html#False"),
            ("ValueError", "py:exception", "library/exceptions.html#ValueError"),
            ("TypeError", "py:exception", "library/exceptions.html#TypeError"),
            (
                "KeyboardInterrupt",
                "py:exception",
                "library/exceptions.html#KeyboardInterrupt",
            ),
            (
                "bltin-boolean-values",
                "std:label",
                "library/stdtypes.html#bltin-boolean-values",
            ),
            ("pickle", "py:module", "library/pickle.html#module-pickle"),
            ("copy.deepcopy", "py:function", "library/copy.html#copy.deepcopy"),
        ],
    ),
    "numpy": (
        "stable",
        [
            ("numpy.ndarray", "py:class", NUMPY + "numpy.ndarray.html#numpy.ndarray"),
            (
                "numpy.random.RandomState",
                "py:class",
                "reference/random/legacy.html#numpy.random.RandomState",
            ),
            (
                "numpy.float32",
                "py:attribute",
                "reference/arrays.scalars.html#numpy.float32",
            ),
            (
                "numpy.float64",
                "py:attribute",
                "reference/arrays.scalars.html#numpy.float64",
            ),
            ("numpy.errstate", "py:class", NUMPY + "numpy.errstate.html"),
            ("array_like", "std:term", "glossary.html#term-array_like"),
        ],
    ),
    "scipy": (
        "stable",
        [
            ("scipy.sparse", "py:module", "reference/sparse.html#module-scipy.sparse"),
            (
                "scipy.sparse.csr_matrix",
                "py:class",
                SCIPY + "scipy.sparse.csr_matrix.html#scipy.sparse.csr_matrix",
            ),
            (
                "scipy.optimize.minimize",
                "py:function",
                SCIPY + "scipy.optimize.minimize.html#scipy.optimize.minimize",
            ),
            (
                "scipy.special.expit",
                "py:function",
                SCIPY + "scipy.special.expit.html#scipy.special.expit",
            ),
        ],
    ),
    "sklearn": (
        "stable",
        [
            *(
                (name, role, f"{SKLEARN}{name}.html#{name}")
                for name, role in (
                    ("sklearn.base.BaseEstimator", "py:class"),
                    ("sklearn.base.ClassifierMixin", "py:class"),
                    ("sklearn.base.RegressorMixin", "py:class"),
                    ("sklearn.base.clone", "py:function"),
                    ("sklearn.neural_network.MLPClassifier", "py:class"),
                    ("sklearn.neural_network.MLPRegressor", "py:class"),
                    ("sklearn.pipeline.Pipeline", "py:class"),
                    ("sklearn.pipeline.make_pipeline", "py:function"),
                    ("sklearn.model_selection.GridSearchCV", "py:class"),
                    ("sklearn.model_selection.cross_val_score", "py:function"),
                    ("sklearn.model_selection.learning_curve", "py:function"),
                    ("sklearn.model_selection.train_test_split", "py:function"),
                    ("sklearn.preprocessing.StandardScaler", "py:class"),
                    ("sklearn.ensemble.HistGradientBoostingClassifier", "py:class"),
                    ("sklearn.linear_model.SGDClassifier", "py:class"),
                    ("sklearn.exceptions.ConvergenceWarning", "py:class"),
                    ("sklearn.utils.estimator_checks.check_estimator", "py:function"),
                    (
                        "sklearn.utils.estimator_checks.parametrize_with_checks",
                        "py:function",
                    ),
                    ("sklearn.metrics.accuracy_score", "py:function"),
                    ("sklearn.multioutput.MultiOutputRegressor", "py:class"),
                    ("sklearn.metrics.r2_score", "py:function"),
                    ("sklearn.metrics.log_loss", "py:function"),
                    ("sklearn.set_config", "py:function"),
                    ("sklearn.config_context", "py:function"),
                )
            ),
            ("array-like", "std:term", "glossary.html#term-array-like"),
            ("sample_weight", "std:term", "glossary.html#term-sample_weight"),
            ("warm_start", "std:term", "glossary.html#term-warm_start"),
            ("partial_fit", "std:term", "glossary.html#term-partial_fit"),
            ("random_state", "std:term", "glossary.html#term-random_state"),
            ("r2_score", "std:label", "modules/model_evaluation.html#r2-score"),
            (
                "accuracy_score",
                "std:label",
                "modules/model_evaluation.html#accuracy-score",
            ),
            (
                "metadata_routing",
                "std:label",
                "metadata_routing.html#metadata-routing",
            ),
        ],
    ),
    "pandas": (
        "stable",
        [
            (
                "pandas.DataFrame",
                "py:class",
                "reference/api/pandas.DataFrame.html#pandas.DataFrame",
            ),
        ],
    ),
}


# Section labels need their title as the text to show.
LABELS = {
    "metadata_routing": "Metadata Routing",
    "bltin-boolean-values": "Boolean Values",
    "r2_score": "R² score, the coefficient of determination",
    "accuracy_score": "Accuracy score",
}


def write(project, version, entries):
    """Write ``_inventories/<project>.inv`` from ``(name, role, uri)`` rows."""
    inventory = soi.Inventory()
    inventory.project = project
    inventory.version = version
    for name, domain_role, uri in entries:
        domain, role = domain_role.split(":")
        inventory.objects.append(
            soi.DataObjStr(
                name=name,
                domain=domain,
                role=role,
                priority="1",
                uri=uri,
                dispname=LABELS.get(name, "-"),
            )
        )
    path = HERE / f"{project}.inv"
    soi.writebytes(path, soi.compress(inventory.data_file(contract=True)))
    return path


if __name__ == "__main__":
    HERE.mkdir(exist_ok=True)
    for project, (version, entries) in INVENTORIES.items():
        write(project, version, entries)
