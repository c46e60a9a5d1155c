"""Every parameter's bad values, the data errors, and inputs left untouched."""

import copy
from decimal import Decimal

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from skffnn import FFNNClassifier, FFNNRegressor, schedulers

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NAN = float("nan")

BAD_SHARED = {
    "hidden_layer_sizes": [
        0,
        -3,
        (5, 0),
        (4, -1),
        (2.5,),
        2.5,
        "10",
        None,
        True,
        (True,),
        [NAN],
        (np.float64(3.0),),
        {4, 5},
        {4: "a"},
    ],
    "activation": [
        "softmax",
        "Relu",
        "sigmoid2",
        None,
        3,
        ["relu", "tanh"],
        ["nope"],
        [None],
        (),
    ],
    "scheduler": [
        "sgd",
        "Adam",
        "",
        "lbfgs ",
        None,
        0.1,
        schedulers.Adam,
        object(),
    ],
    "eta": [0, 0.0, -1e-3, NAN, -np.inf, "0.01", True, None, [0.01], 1j],
    "lam": [-0.1, NAN, -np.inf, np.inf, "0", True, None],
    "momentum": [-0.1, 1.0, 2, NAN, True, "0.9", None],
    "rho": [-0.1, 1.0, NAN, True, "0.9", None],
    "rho2": [-0.1, 1.0, 1.5, NAN, False, "0.999"],
    "batch_size": [
        0,
        -1,
        2.5,
        "big",
        "AUTO",
        True,
        NAN,
        None,
        np.float64(10.0),
        np.array([5, 6]),
    ],
    "epochs": [0, -5, 1.5, True, "10", None, NAN, np.inf],
    "shuffle": [1, 0, "True", None, NAN],
    "tol": [-1e-4, NAN, "0", True, None],
    "n_iter_no_change": [0, -1, 2.5, True, None, np.inf],
    "early_stopping": [1, "yes", None, 0.0],
    "validation_fraction": [0, 0.0, 1, 1.0, -0.1, 1.5, NAN, True, None, "0.1"],
    "warm_start": [1, "no", None],
    "weight_init": ["xavier", "He", "", None, 1],
    "dropout": [-0.1, 1.0, 1.5, NAN, True, "0.5", None],
    "batch_norm": [1, "yes", None],
    "clip_norm": [0, 0.0, -1, NAN, "1", True, [1.0]],
    "verbose": [-1, 1.5, "high", None, NAN, "True"],
}

BAD_REGRESSOR = {
    "output_activation": ["softmaxx", "linear", "", None, 1],
    "cost": ["mae", "cross-entropy", "MSE", None, 1],
}

BAD_CLASSIFIER = {
    "class_weight": [
        "auto",
        "balance",
        [1.0, 2.0],
        1.0,
        np.array([1.0, 2.0, 3.0]),
        {0: "a", 1: 1.0, 2: 1.0},
        {0: -1.0, 1: 1.0, 2: 1.0},
        {0: 1.0, 1: NAN, 2: 1.0},
    ],
}


def _cases(table):
    return [
        pytest.param(name, value, id=f"{name}={value!r}")
        for name, values in table.items()
        for value in values
    ]


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3))
    y_reg = X[:, 0] - X[:, 1]
    y_cls = np.arange(24) % 3
    return X, y_reg, y_cls


def _small(estimator_class, **params):
    params = {"hidden_layer_sizes": (3,), "epochs": 2, "random_state": 0, **params}
    return estimator_class(**params)


@pytest.mark.parametrize("estimator_class", [FFNNRegressor, FFNNClassifier])
@pytest.mark.parametrize(("name", "value"), _cases(BAD_SHARED))
def test_bad_shared_parameter_is_named(estimator_class, name, value, data):
    X, y_reg, y_cls = data
    y = y_reg if estimator_class is FFNNRegressor else y_cls
    model = _small(estimator_class, **{name: value})
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        model.fit(X, y)
    assert getattr(model, name) is value  # stored unchanged, even when bad


@pytest.mark.parametrize(("name", "value"), _cases(BAD_REGRESSOR))
def test_bad_regressor_parameter_is_named(name, value, data):
    X, y, _ = data
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        _small(FFNNRegressor, **{name: value}).fit(X, y)


@pytest.mark.parametrize(("name", "value"), _cases(BAD_CLASSIFIER))
def test_bad_classifier_parameter_is_named(name, value, data):
    X, _, y = data
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        _small(FFNNClassifier, **{name: value}).fit(X, y)


@pytest.mark.parametrize(
    ("name", "value"),
    [("eta", "fast"), ("eta", -1.0), ("momentum", 2.0), ("rho", NAN), ("rho2", -1)],
)
def test_numeric_parameters_are_checked_with_a_scheduler_instance(name, value, data):
    # The scheduler instance brings its own rates, yet a bad value is still bad,
    # as it is for "lbfgs", which uses none of them either.
    X, y, _ = data
    model = _small(FFNNRegressor, scheduler=schedulers.Constant(0.01), **{name: value})
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        model.fit(X, y)


def _sin(z):
    return anp.sin(z)


def _log_cosh(y, p):
    return anp.sum(anp.log(anp.cosh(p - y)), axis=1)


GOOD = [
    pytest.param({"hidden_layer_sizes": ()}, [(3, 1)], id="no-hidden-layer"),
    pytest.param({"hidden_layer_sizes": 4}, [(3, 4), (4, 1)], id="int-width"),
    pytest.param(
        {"hidden_layer_sizes": np.array([4, 2])},
        [(3, 4), (4, 2), (2, 1)],
        id="array-widths",
    ),
    pytest.param(
        {"hidden_layer_sizes": [np.int64(2)]}, [(3, 2), (2, 1)], id="numpy-int-width"
    ),
    pytest.param(
        {"hidden_layer_sizes": (4, 2), "activation": ["tanh", "relu"]},
        [(3, 4), (4, 2), (2, 1)],
        id="activation-list",
    ),
    pytest.param(
        {"hidden_layer_sizes": (4,), "activation": ("elu",)},
        [(3, 4), (4, 1)],
        id="activation-tuple",
    ),
    pytest.param(
        {"hidden_layer_sizes": (4, 2), "activation": [_sin, "leaky_relu"]},
        [(3, 4), (4, 2), (2, 1)],
        id="activation-list-with-callable",
    ),
    pytest.param(
        {"hidden_layer_sizes": (), "activation": "sigmoid"},
        [(3, 1)],
        id="activation-without-hidden-layer",
    ),
    pytest.param({"activation": _sin}, [(3, 3), (3, 1)], id="activation-callable"),
    pytest.param(
        {"eta": np.float32(0.01), "lam": 0, "momentum": 0, "scheduler": "momentum"},
        None,
        id="numpy-eta-zero-momentum",
    ),
    pytest.param({"eta": 1, "scheduler": "adagrad"}, None, id="int-eta"),
    pytest.param(
        {"rho": 0, "rho2": 0.0, "scheduler": "adam"}, None, id="zero-decay-rates"
    ),
    pytest.param({"rho": 0.5, "scheduler": "rmsprop"}, None, id="rmsprop"),
    pytest.param({"scheduler": "adagrad_momentum"}, None, id="adagrad-momentum"),
    pytest.param({"scheduler": "constant"}, None, id="constant"),
    pytest.param({"scheduler": "lbfgs"}, None, id="lbfgs"),
    pytest.param(
        {"scheduler": schedulers.RMSprop(0.01, 0.9)}, None, id="scheduler-instance"
    ),
    pytest.param(
        {"tol": 0, "n_iter_no_change": 1, "epochs": 1}, None, id="minimal-patience"
    ),
    pytest.param(
        {"shuffle": False, "warm_start": True, "batch_norm": False},
        None,
        id="bool-flags",
    ),
    pytest.param(
        {"early_stopping": True, "validation_fraction": 0.5},
        None,
        id="early-stopping",
    ),
    pytest.param({"clip_norm": 1e-3}, None, id="tiny-clip-norm"),
    pytest.param({"clip_norm": 5}, None, id="int-clip-norm"),
    pytest.param({"weight_init": "glorot"}, None, id="glorot"),
    pytest.param({"weight_init": "he"}, None, id="he"),
    pytest.param({"weight_init": "normal"}, None, id="normal"),
    pytest.param({"verbose": 0, "dropout": 0.0, "lam": 1.5}, None, id="zeros"),
]


@pytest.mark.parametrize("estimator_class", [FFNNRegressor, FFNNClassifier])
@pytest.mark.parametrize(("params", "shapes"), GOOD)
def test_good_edge_values_are_accepted(estimator_class, params, shapes, data):
    X, y_reg, y_cls = data
    y = y_reg if estimator_class is FFNNRegressor else y_cls
    model = _small(estimator_class, **params).fit(X, y)
    n_out = 1 if estimator_class is FFNNRegressor else 3
    coef_shapes = [W.shape for W in model.coefs_]
    if shapes is not None:
        assert coef_shapes == [*shapes[:-1], (shapes[-1][0], n_out)]
        assert model.n_layers_ == len(shapes) + 1
    assert coef_shapes[-1][1] == n_out
    assert model.predict(X).shape == (len(X),)
    assert np.all(np.isfinite(model.predict(X).astype(float)))
    assert model.n_iter_ >= 1


@pytest.mark.parametrize(
    "name", ["shuffle", "early_stopping", "warm_start", "batch_norm"]
)
@pytest.mark.parametrize("value", [np.True_, np.False_], ids=["True_", "False_"])
def test_numpy_bools_are_accepted(name, value, data):
    # A flag read from a NumPy array (e.g. a grid of parameters) is a np.bool.
    X, y, _ = data
    model = _small(FFNNRegressor, **{name: value}).fit(X, y)
    assert model.n_iter_ >= 1


@pytest.mark.parametrize("batch_size", [1, 5, 24, 1000])
def test_batch_size_sets_the_number_of_steps(batch_size, data):
    X, y, _ = data
    model = _small(FFNNRegressor, batch_size=batch_size, epochs=3, tol=0).fit(X, y)
    assert model.t_ == 3 * -(-24 // min(batch_size, 24))


@pytest.mark.parametrize(
    "params",
    [
        {"output_activation": "sigmoid"},
        {"output_activation": "tanh", "cost": "mse"},
        {"output_activation": _sin},
        {"cost": _log_cosh},
        {"output_activation": "softmax", "cost": "mse"},
    ],
)
def test_good_regressor_output_layers_are_accepted(params, data):
    X, y, _ = data
    targets = np.column_stack([np.tanh(y), -np.tanh(y)]) / 2 + 0.5
    model = _small(FFNNRegressor, **params).fit(X, targets)
    assert model.predict(X).shape == (24, 2)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 2.0, 2: 0.5}])
def test_good_class_weights_are_accepted(class_weight, data):
    X, _, y = data
    model = _small(FFNNClassifier, class_weight=class_weight).fit(X, y)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])


# ----- data errors -------------------------------------------------------------


def _with(array, index, value):
    out = np.array(array, dtype=float)
    out[index] = value
    return out


def _mean_squared_error(y, p):
    return anp.mean((p - y) ** 2)


def _regressor(**params):
    return _small(FFNNRegressor, **params)


def _classifier(**params):
    return _small(FFNNClassifier, **params)


def _split_weight(n_samples, validation_fraction, random_state, part):
    """Weights of 1 on the rows the estimator's split puts in `part`, else 0."""
    from sklearn.model_selection import train_test_split

    X = np.zeros((n_samples, 1))
    seed = _regressor(random_state=random_state).fit(X, X[:, 0])._seed
    train, val = train_test_split(
        np.arange(n_samples), test_size=validation_fraction, random_state=seed
    )
    weights = np.zeros(n_samples)
    weights[val if part == "validation" else train] = 1.0
    return weights


class _FirstOnly(schedulers.Scheduler):
    """Returns one number instead of one change per parameter."""

    def update_change(self, gradient):
        return self.eta * gradient[:1]


# Errors about the validation set say so: scikit-learn's own say only "X" / "y".
VAL = r"^Validation set \(X_val, y_val\): "


def _data_errors():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))
    y = X[:, 0] + X[:, 2]
    labels = np.arange(24) % 3
    ones = np.ones(24)
    return [
        ("X NaN", lambda: _regressor().fit(_with(X, (0, 1), NAN), y), "NaN"),
        ("X inf", lambda: _regressor().fit(_with(X, (3, 0), np.inf), y), "infinity"),
        (
            "X -inf",
            lambda: _classifier().fit(_with(X, (3, 0), -np.inf), labels),
            "infinity",
        ),
        (
            "sparse X NaN",
            lambda: _regressor().fit(sp.csr_matrix(_with(X, (0, 1), NAN)), y),
            "NaN",
        ),
        ("y NaN", lambda: _regressor().fit(X, _with(y, 2, NAN)), "NaN"),
        ("y inf", lambda: _regressor().fit(X, _with(y, 2, np.inf)), "infinity"),
        ("labels NaN", lambda: _classifier().fit(X, _with(labels, 2, NAN)), "NaN"),
        (
            "X_val NaN",
            lambda: _regressor().fit(X, y, X_val=_with(X, (1, 1), NAN), y_val=y),
            VAL + ".*NaN",
        ),
        (
            "X_val inf",
            lambda: _classifier().fit(
                X, labels, X_val=_with(X, (1, 1), np.inf), y_val=labels
            ),
            VAL + ".*infinity",
        ),
        (
            "y_val NaN",
            lambda: _regressor().fit(X, y, X_val=X, y_val=_with(y, 0, NAN)),
            VAL + ".*NaN",
        ),
        (
            "y_val inf",
            lambda: _regressor().fit(X, y, X_val=X, y_val=_with(y, 0, -np.inf)),
            VAL + ".*infinity",
        ),
        (
            "predict features",
            lambda: _regressor().fit(X, y).predict(X[:, :2]),
            "2 features.*expecting 3",
        ),
        (
            "predict_proba features",
            lambda: _classifier().fit(X, labels).predict_proba(np.hstack([X, X])),
            "6 features.*expecting 3",
        ),
        (
            "X_val features",
            lambda: _regressor().fit(X, y, X_val=X[:, :2], y_val=y),
            VAL + "X has 2 features.*expecting 3",
        ),
        ("empty X", lambda: _regressor().fit(X[:0], y[:0]), "0 sample"),
        (
            "empty X classifier",
            lambda: _classifier().fit(X[:0], labels[:0]),
            "0 sample",
        ),
        (
            "one sample classifier",
            lambda: _classifier().fit(X[:1], labels[:1]),
            "at least 2 classes",
        ),
        (
            "one sample early stopping",
            lambda: _regressor(early_stopping=True).fit(X[:1], y[:1]),
            "early_stopping cannot hold out validation_fraction",
        ),
        ("X y lengths", lambda: _regressor().fit(X, y[:-1]), "inconsistent numbers"),
        ("one class", lambda: _classifier().fit(X, np.zeros(24)), "at least 2 classes"),
        (
            "unseen y_val class",
            lambda: _classifier().fit(
                X[labels < 2], labels[labels < 2], X_val=X, y_val=labels
            ),
            VAL + ".*not seen",
        ),
        (
            "partial_fit no classes",
            lambda: _classifier().partial_fit(X, labels),
            "classes",
        ),
        (
            "partial_fit y outside classes",
            lambda: _classifier().partial_fit(X, labels, classes=[0, 1]),
            "not in classes",
        ),
        ("X_val alone", lambda: _regressor().fit(X, y, X_val=X), "X_val and y_val"),
        (
            "y_val alone",
            lambda: _classifier().fit(X, labels, y_val=labels),
            "X_val and y_val",
        ),
        (
            "sample_weight_val alone",
            lambda: _regressor().fit(X, y, sample_weight_val=ones),
            "sample_weight_val",
        ),
        (
            "sample_weight short",
            lambda: _regressor().fit(X, y, sample_weight=ones[:-1]),
            r"sample_weight must have shape \(24,\)",
        ),
        (
            "sample_weight 2-D",
            lambda: _classifier().fit(X, labels, sample_weight=ones[:, None]),
            r"sample_weight must have shape \(24,\)",
        ),
        (
            "sample_weight a word",
            lambda: _regressor().fit(X, y, sample_weight="heavy"),
            "sample_weight must be an array of one weight per sample or a real",
        ),
        (
            "sample_weight a numpy bool",
            lambda: _regressor().fit(X, y, sample_weight=np.bool_(True)),
            "sample_weight must be an array of one weight per sample or a real",
        ),
        (
            "sample_weight a complex number",
            lambda: _regressor().fit(X, y, sample_weight=1j),
            "sample_weight must be an array of one weight per sample or a real",
        ),
        (
            "sample_weight a negative number",
            lambda: _regressor().fit(X, y, sample_weight=-2.0),
            "sample_weight must be non-negative",
        ),
        (
            "sample_weight negative",
            lambda: _regressor().fit(X, y, sample_weight=_with(ones, 5, -0.5)),
            "sample_weight must be non-negative",
        ),
        (
            "sample_weight all zero",
            lambda: _classifier().fit(X, labels, sample_weight=np.zeros(24)),
            "sample_weight.*non-zero",
        ),
        (
            "sample_weight NaN",
            lambda: _regressor().fit(X, y, sample_weight=_with(ones, 0, NAN)),
            "sample_weight contains NaN",
        ),
        (
            "sample_weight_val negative",
            lambda: _regressor().fit(
                X, y, X_val=X, y_val=y, sample_weight_val=_with(ones, 0, -1)
            ),
            "sample_weight_val must be non-negative",
        ),
        (
            "sample_weight_val short",
            lambda: _regressor().fit(
                X, y, X_val=X, y_val=y, sample_weight_val=ones[:3]
            ),
            r"sample_weight_val must have shape \(24,\)",
        ),
        (
            "regressor string y",
            lambda: _regressor().fit(X, np.array(["a", "b"] * 12)),
            "numeric targets",
        ),
        ("predict before fit", lambda: _regressor().predict(X), "not fitted"),
        (
            "scheduler change of the wrong shape",
            lambda: _regressor(scheduler=_FirstOnly(0.1)).fit(X, y),
            r"scheduler _FirstOnly.update_change returned shape \(1,\) for a "
            r"gradient of shape \(16,\)",
        ),
        (
            "early stopping split leaving no training samples",
            lambda: _regressor(early_stopping=True, validation_fraction=0.97).fit(X, y),
            "early_stopping cannot hold out validation_fraction=0.97 of 24 samples",
        ),
        (
            "early stopping split leaving no positive weight to train on",
            lambda: _regressor(
                early_stopping=True, validation_fraction=0.5, random_state=1
            ).fit(X, y, sample_weight=_split_weight(24, 0.5, 1, part="validation")),
            "early_stopping: the validation split holds every sample of positive",
        ),
        (
            "sample_weight a numpy complex",
            lambda: _regressor().fit(X, y, sample_weight=np.complex64(1 + 2j)),
            "sample_weight must be an array of one weight per sample or a real",
        ),
        (
            "sample_weight beyond float",
            lambda: _regressor().fit(X, y, sample_weight=10**400),
            "sample_weight must be an array of one weight per sample or a real",
        ),
        (
            "per-layer activation undefined on the reals",
            lambda: _regressor(
                hidden_layer_sizes=(3, 3), activation=["tanh", anp.sqrt]
            ).fit(X, y),
            r"activation\[1\]=sqrt returns NaN",
        ),
        (
            "y beyond float32",
            lambda: _regressor().fit(X.astype(np.float32), _with(y, 0, 1e39)),
            "y has values too large for float32",
        ),
        (
            "y_val beyond float32",
            lambda: _regressor().fit(
                X.astype(np.float32), y, X_val=X, y_val=_with(y, 0, -1e39)
            ),
            VAL + "y has values too large for float32",
        ),
        (
            "custom batch-mean cost with sample_weight",
            lambda: _regressor(cost=_mean_squared_error).fit(
                X, y, sample_weight=np.ones(24)
            ),
            "cost=_mean_squared_error returns one number for the whole batch.*"
            "sample_weight and sample_weight_val",
        ),
        (
            "custom batch-mean cost with sample_weight_val",
            lambda: _regressor(cost=_mean_squared_error).fit(
                X, y, X_val=X, y_val=y, sample_weight_val=np.ones(24)
            ),
            VAL + "cost=_mean_squared_error returns one number",
        ),
        (
            "custom cost dropping a sample",
            lambda: _regressor(cost=lambda t, p: anp.sum((p - t) ** 2, 1)[1:]).fit(
                X, y
            ),
            r"custom cost .* returned shape \(23,\)",
        ),
        (
            "custom output activation not elementwise",
            lambda: _regressor(output_activation=lambda z: z[:, :1]).fit(
                X, np.c_[y, y]
            ),
            r"custom activation .* shape \(24, 1\) for z of shape \(24, 2\)",
        ),
        (
            "custom hidden activation not elementwise",
            lambda: _classifier(activation=lambda z: anp.sum(z, axis=1)).fit(X, labels),
            "custom activation .* must be elementwise",
        ),
        (
            "custom activation NaN",
            lambda: _regressor(activation=anp.sqrt).fit(X, y),
            r"activation=sqrt returns NaN for z = -10",
        ),
        (
            "custom activation NaN lbfgs",
            lambda: _classifier(activation=anp.log, scheduler="lbfgs").fit(X, labels),
            r"activation=log returns NaN for z = -10",
        ),
    ]


@pytest.mark.parametrize(
    ("call", "match"),
    [pytest.param(call, match, id=name) for name, call, match in _data_errors()],
)
def test_data_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_predict_before_fit_is_not_fitted_error(data):
    X, _, _ = data
    with pytest.raises(NotFittedError):
        FFNNClassifier().predict_proba(X)


# ----- inputs left untouched ----------------------------------------------------


def _snapshot(value):
    if sp.issparse(value):
        return value.copy()
    return copy.deepcopy(value)


def _assert_same(before, after):
    if sp.issparse(before):
        assert sp.issparse(after)
        assert (before != after).nnz == 0
        np.testing.assert_array_equal(before.indptr, after.indptr)
        return
    np.testing.assert_array_equal(before, after)
    assert np.asarray(before).dtype == np.asarray(after).dtype


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    ("estimator_class", "params"),
    [
        (FFNNRegressor, {"shuffle": False}),
        (FFNNRegressor, {"early_stopping": True}),
        (FFNNRegressor, {"scheduler": "lbfgs", "lam": 0.1}),
        (FFNNClassifier, {"shuffle": False, "class_weight": "balanced"}),
        (FFNNClassifier, {"early_stopping": True}),
    ],
)
def test_fit_does_not_modify_inputs(estimator_class, params, dtype, sparse, data):
    X, y_reg, y_cls = data
    X = X.astype(dtype)
    if estimator_class is FFNNRegressor:
        y = np.column_stack([y_reg, 2 * y_reg]).astype(dtype)  # 2-D float target
    else:
        y = y_cls
    X_in = sp.csr_matrix(X) if sparse else X
    rng = np.random.default_rng(3)
    inputs = {
        "X": X_in,
        "y": y,
        "sample_weight": rng.uniform(0.5, 2.0, 24),
        "X_val": X_in[:10],
        "y_val": y[:10],
        "sample_weight_val": np.ones(10),
    }
    before = {key: _snapshot(value) for key, value in inputs.items()}
    model = _small(estimator_class, **params)
    model.fit(
        inputs["X"],
        inputs["y"],
        inputs["sample_weight"],
        X_val=inputs["X_val"],
        y_val=inputs["y_val"],
        sample_weight_val=inputs["sample_weight_val"],
    )
    model.predict(inputs["X"])
    for key, value in inputs.items():
        _assert_same(before[key], value)


def test_partial_fit_does_not_modify_inputs(data):
    X, _, y = data
    weights = np.linspace(0.1, 1.0, 24)
    before = X.copy(), y.copy(), weights.copy()
    model = _small(FFNNClassifier)
    for _ in range(2):
        model.partial_fit(X, y, weights, classes=[0, 1, 2])
    for kept, value in zip(before, (X, y, weights), strict=True):
        np.testing.assert_array_equal(kept, value)


@pytest.mark.parametrize("method", ["fit", "warm_start", "partial_fit"])
def test_user_scheduler_instance_is_not_modified(method, data):
    X, y, _ = data
    user = schedulers.Momentum(0.01, 0.5)
    user.update_change(np.full(3, 2.0))  # the user's own state: a velocity
    state = copy.deepcopy(user.__dict__)
    model = _small(FFNNRegressor, scheduler=user, warm_start=method == "warm_start")
    for _ in range(2):
        if method == "partial_fit":
            model.partial_fit(X, y)
        else:
            model.fit(X, y)
    assert model.t_ > 0
    assert model.get_params()["scheduler"] is user
    assert set(user.__dict__) == set(state)
    assert user.eta == state["eta"] and user.momentum == state["momentum"]
    np.testing.assert_array_equal(user.change, state["change"])
    assert user.change.shape == (3,)


def test_bad_random_state_is_named():
    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(ValueError, match="random_state"):
        FFNNRegressor(random_state="seed").fit(X, X[:, 0])


@pytest.mark.parametrize(
    ("scheduler", "match"),
    [
        (schedulers.Adam(0.01, 0.9, 1.0), r"scheduler=Adam\(.*\): .*rho2"),
        (schedulers.Adam(-1, 0.9, 0.999), r"scheduler=Adam\(.*\): .*eta"),
        (schedulers.Momentum(0.1, NAN), r"scheduler=Momentum\(.*\): .*momentum"),
        (schedulers.AdagradMomentum(0.1, 1.5), "momentum"),
        (schedulers.RMSprop(np.inf, 0.9), r"scheduler=RMSprop\(.*\): .*eta"),
        (schedulers.Constant("0.1"), r"scheduler=Constant\(.*\): .*eta"),
    ],
    ids=repr,
)
def test_bad_rates_of_a_scheduler_instance_are_named(scheduler, match, data):
    X, y_reg, _ = data
    with pytest.raises(ValueError, match=match):
        _regressor(scheduler=scheduler).fit(X, y_reg)


def test_a_user_scheduler_defines_its_own_rules(data):
    X, y_reg, _ = data

    class Halving(schedulers.Scheduler):
        def update_change(self, gradient):
            return gradient / 2

    _regressor(scheduler=Halving(eta=None)).fit(X, y_reg)


def test_a_validation_split_of_zero_weight_is_monitored_unweighted():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))
    y = X[:, 0] + X[:, 2]
    weights = _split_weight(24, 0.5, 1, part="training")  # 0 on held-out rows
    est = _regressor(early_stopping=True, validation_fraction=0.5, random_state=1)
    est.fit(X, y, sample_weight=weights)
    held_out = weights == 0
    # The best weights are restored, and their plain held-out MSE is the best
    # validation loss recorded.
    mse = np.mean((est.predict(X[held_out]) - y[held_out]) ** 2)
    np.testing.assert_allclose(np.min(est.history_["val_loss"]), mse, rtol=1e-10)


def test_early_stopping_splits_at_random_when_classes_cannot_all_be_held_out():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 3))
    labels = np.arange(9) % 3  # one held-out sample cannot stand for 3 classes
    est = _classifier(early_stopping=True, epochs=5).fit(X, labels)
    assert len(est.history_["val_loss"]) == est.n_iter_ > 0


class _ZeroDim:
    """A 0-d array-like of another library (a dask array, a tensor)."""

    shape = ()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(2.0, dtype=dtype)


@pytest.mark.parametrize(
    "weight", [np.array(2.0), _ZeroDim(), Decimal("2"), np.float32(2)], ids=repr
)
def test_one_scalar_of_any_kind_is_one_sample_weight_for_all(weight):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))
    y = X[:, 0] + X[:, 2]
    by_scalar = _regressor().fit(X, y, sample_weight=weight).predict(X)
    by_float = _regressor().fit(X, y, sample_weight=2.0).predict(X)
    np.testing.assert_array_equal(by_scalar, by_float)


def test_the_split_monitors_the_users_weights_when_class_weight_zeroes_it():
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    labels = np.arange(40) % 2
    seed = _classifier().fit(X, labels)._seed  # the split's seed
    _, val = train_test_split(
        np.arange(40), test_size=0.5, random_state=seed, stratify=labels
    )
    # class_weight zeroes class 0; the user zeroes class 1 in the held-out rows.
    weights = np.ones(40)
    weights[val[labels[val] == 1]] = 0.0
    weights[val[labels[val] == 0][:2]] = [0.5, 2.0]
    est = _classifier(
        class_weight={0: 0.0, 1: 1.0}, early_stopping=True, validation_fraction=0.5
    ).fit(X, labels, sample_weight=weights)
    # The held-out loss is weighted by the user's own weights alone.
    best = est.predict_proba(X[val])[np.arange(len(val)), labels[val]]
    expected = np.average(-np.log(best), weights=weights[val])
    assert np.isclose(np.min(est.history_["val_loss"]), expected, rtol=1e-6)


def test_class_weight_zeroing_the_validation_set_monitors_it_unweighted():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    labels = np.arange(40) % 2
    est = _classifier(class_weight={0: 1.0, 1: 0.0}, epochs=5)
    est.fit(X, labels, X_val=X[labels == 1], y_val=labels[labels == 1])
    ones = labels == 1
    # Plain mean log-loss of the validation rows, at the final weights.
    expected = -np.mean(np.log(est.predict_proba(X[ones])[:, 1]))
    np.testing.assert_allclose(est.history_["val_loss"][-1], expected, rtol=1e-6)
    assert expected > 0


def test_settings_a_scheduler_subclass_adds_are_its_own():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))

    class StepDecay(schedulers.Constant):
        def __init__(self, eta, every=100):
            super().__init__(eta)
            self.every = every

        def _params(self):
            return {"eta": self.eta, "every": self.every}

    _regressor(scheduler=StepDecay(0.01)).fit(X, X[:, 0])
    with pytest.raises(ValueError, match=r"scheduler=StepDecay\(.*\): .*eta"):
        _regressor(scheduler=StepDecay(-1.0)).fit(X, X[:, 0])


def test_a_probe_refuses_only_activations_with_nan_on_the_reals():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))
    with pytest.raises(
        ValueError, match=r"output_activation=.* returns NaN for z = -10"
    ):
        _regressor(output_activation=lambda z: anp.log(z + 9)).fit(X, X[:, 0])
    # NaN only for infinite z (never met on finite data) is fine.
    _regressor(activation=lambda z: anp.tanh(z) + 0 * z).fit(X, X[:, 0])


_PROBE_SHAPES = []


def _recorded_tanh(z):
    _PROBE_SHAPES.append(np.shape(z))
    return anp.tanh(z)


def test_activations_are_probed_once_when_the_network_is_built():
    import pickle

    rng = np.random.default_rng(1)
    X = rng.normal(size=(24, 3))
    _PROBE_SHAPES.clear()
    est = _regressor(activation=_recorded_tanh, warm_start=True).fit(X, X[:, 0])
    est.fit(X, X[:, 0]).partial_fit(X, X[:, 0])
    pickle.loads(pickle.dumps(est)).predict(X)
    assert _PROBE_SHAPES.count((41, 3)) == 1  # the probe's z
    assert len(_PROBE_SHAPES) > 10  # the layer's own calls


def test_zero_weight_everywhere_leaves_the_network_untrained():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    labels = np.arange(40) % 2
    fits = []
    for scheduler, epochs in [("adam", 5), ("adam", 50), ("lbfgs", 5)]:
        with pytest.warns(ConvergenceWarning, match="weight 0 .* left as initialized"):
            fits.append(
                _classifier(
                    class_weight={0: 0.0, 1: 0.0}, scheduler=scheduler, epochs=epochs
                ).fit(X, labels)
            )
    assert [(est.n_iter_, list(est.loss_curve_)) for est in fits] == [(0, [])] * 3
    assert [len(est.history_["train_loss"]) for est in fits] == [0] * 3
    for est in fits[1:]:
        np.testing.assert_array_equal(est.coefs_[0], fits[0].coefs_[0])
    # A streamed batch with nothing to learn from is a no-op, as in SGD.
    stream = _classifier(class_weight={0: 0.0, 1: 1.0})
    stream.partial_fit(X, labels, classes=[0, 1])
    before = stream.predict_proba(X)
    stream.partial_fit(X[labels == 0], labels[labels == 0])
    np.testing.assert_array_equal(stream.predict_proba(X), before)
    assert stream.n_iter_ == 1


def test_zero_weight_validation_rows_fall_back_to_sample_weight_val():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    labels = np.arange(40) % 2
    weights_val = np.where(labels == 0, 1.0, 0.0)  # class_weight zeroes class 0
    est = _classifier(class_weight={0: 0.0, 1: 1.0}, epochs=5)
    est.fit(X, labels, X_val=X, y_val=labels, sample_weight_val=weights_val)
    p0 = est.predict_proba(X[labels == 0])[:, 0]
    np.testing.assert_allclose(
        est.history_["val_loss"][-1], -np.mean(np.log(p0)), rtol=1e-6
    )
