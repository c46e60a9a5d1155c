"""`gradient_error` on both estimators, and that it catches a wrong derivative."""

import copy

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.sparse as sp
from autograd import grad
from sklearn.exceptions import NotFittedError

from skffnn import FFNNClassifier, FFNNRegressor, activations, costs, gradient_error
from skffnn._gradcheck import autograd_loss
from skffnn._network import Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _softplus(z):
    return anp.logaddexp(0.0, z)


def _log_cosh(y, p):
    return anp.sum(anp.log(anp.cosh(p - y)), axis=1)


def _data(target, sparse=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    if target == "regression":
        y = X[:, 0] - np.sin(X[:, 1])
    elif target == "multioutput":
        y = np.column_stack([X[:, 0], X[:, 1] * X[:, 2], np.tanh(X[:, 3])])
    elif target == "unit":
        y = 1 / (1 + np.exp(-X[:, :2]))
    elif target == "binary":
        y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    elif target == "multiclass":
        y = np.arange(30) % 3
    else:  # multilabel
        y = (X[:, :3] > 0).astype(int)
    if sparse:
        X = sp.csr_matrix(X * (rng.uniform(size=X.shape) < 0.4))
    return X, y


CASES = [
    pytest.param(FFNNRegressor, {}, "regression", False, id="regressor"),
    pytest.param(
        FFNNRegressor,
        {"hidden_layer_sizes": (6, 5), "activation": ["tanh", "elu"], "lam": 0.3},
        "multioutput",
        False,
        id="regressor-multioutput-l2",
    ),
    pytest.param(
        FFNNRegressor,
        {"output_activation": "sigmoid", "activation": "sigmoid"},
        "unit",
        False,
        id="regressor-sigmoid-mse",
    ),
    pytest.param(
        FFNNRegressor,
        {"output_activation": "softmax", "activation": "leaky_relu"},
        "unit",
        False,
        id="regressor-softmax-mse",
    ),
    pytest.param(
        FFNNRegressor, {"cost": _log_cosh}, "regression", False, id="custom-cost"
    ),
    pytest.param(
        FFNNRegressor,
        {"hidden_layer_sizes": ()},
        "regression",
        True,
        id="regressor-linear-sparse",
    ),
    pytest.param(FFNNClassifier, {"lam": 0.1}, "binary", False, id="binary"),
    pytest.param(
        FFNNClassifier, {"class_weight": "balanced"}, "binary", True, id="binary-sparse"
    ),
    pytest.param(
        FFNNClassifier,
        {"hidden_layer_sizes": (5, 4), "activation": "tanh"},
        "multiclass",
        False,
        id="multiclass",
    ),
    pytest.param(
        FFNNClassifier,
        {"activation": "elu"},
        "multiclass",
        True,
        id="multiclass-sparse",
    ),
    pytest.param(
        FFNNClassifier, {"activation": "sigmoid"}, "multilabel", False, id="multilabel"
    ),
    pytest.param(
        FFNNClassifier,
        {"activation": _softplus, "hidden_layer_sizes": (4, 3)},
        "multiclass",
        False,
        id="custom-activation",
    ),
    pytest.param(
        FFNNClassifier,
        {"activation": [_softplus, "relu"], "hidden_layer_sizes": (4, 3)},
        "multilabel",
        True,
        id="custom-activation-multilabel-sparse",
    ),
]


def _model(estimator_class, params):
    return estimator_class(
        **{"hidden_layer_sizes": (5,), "random_state": 0, "epochs": 5, **params}
    )


@pytest.mark.parametrize(("estimator_class", "params", "target", "sparse"), CASES)
def test_unfitted_estimator_is_correct_and_stays_unfitted(
    estimator_class, params, target, sparse
):
    X, y = _data(target, sparse)
    model = _model(estimator_class, params)
    before = model.get_params()
    error = gradient_error(model, X, y)
    assert 0 <= error < 1e-7
    assert model.get_params() == before
    assert not hasattr(model, "n_iter_")
    with pytest.raises(NotFittedError):
        model.predict(X)


@pytest.mark.parametrize(("estimator_class", "params", "target", "sparse"), CASES)
def test_fitted_estimator_is_correct_and_unchanged(
    estimator_class, params, target, sparse
):
    X, y = _data(target, sparse)
    model = _model(estimator_class, {**params, "eta": 0.05}).fit(X, y)
    coefs = copy.deepcopy(model.coefs_)
    intercepts = copy.deepcopy(model.intercepts_)
    counters = model.n_iter_, model.t_, list(model.loss_curve_)
    prediction = model.predict(X)
    error = gradient_error(model, X, y)
    assert 0 <= error < 1e-7
    for kept, now in zip(
        coefs + intercepts, model.coefs_ + model.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(kept, now)
    assert (model.n_iter_, model.t_, list(model.loss_curve_)) == counters
    np.testing.assert_array_equal(model.predict(X), prediction)


def _wrong_tanh_backward(delta, z, a):
    delta *= 1 - a  # should be 1 - a * a
    return delta


def test_fitted_check_uses_the_current_weights(monkeypatch):
    # With the hidden layer's weights and biases at zero, a = tanh(0) = 0 and the
    # wrong rule 1 - a agrees with 1 - a * a; at any other weights it does not.
    X, y = _data("regression")
    model = _model(FFNNRegressor, {"activation": "tanh"}).fit(X, y)
    model.coefs_[0][:] = 0.0  # the fitted attributes are views of the weights
    model.intercepts_[0][:] = 0.0
    monkeypatch.setitem(activations._BACKWARD, "tanh", _wrong_tanh_backward)
    assert gradient_error(model, X, y) < 1e-7
    assert gradient_error(_model(FFNNRegressor, {"activation": "tanh"}), X, y) > 1e-3


def test_wrong_hidden_derivative_is_caught(monkeypatch):
    X, y = _data("regression")
    model = _model(FFNNRegressor, {"activation": "tanh"})
    assert gradient_error(model, X, y) < 1e-7
    monkeypatch.setitem(activations._BACKWARD, "tanh", _wrong_tanh_backward)
    assert gradient_error(model, X, y) > 1e-3


def test_wrong_hidden_derivative_is_caught_in_a_fitted_classifier(monkeypatch):
    X, y = _data("multiclass")
    model = _model(FFNNClassifier, {"activation": "tanh", "eta": 0.05}).fit(X, y)
    monkeypatch.setitem(activations._BACKWARD, "tanh", _wrong_tanh_backward)
    assert gradient_error(model, X, y) > 1e-3


def test_wrong_rule_in_a_network_differs_from_autograd(monkeypatch):
    monkeypatch.setitem(activations._BACKWARD, "tanh", _wrong_tanh_backward)
    network = Network((3, 4, 1), ["tanh"], "identity", "mse")
    network.theta[:] = np.random.default_rng(0).normal(size=network.theta.size)
    X = np.random.default_rng(1).normal(size=(6, 3))
    y = np.random.default_rng(2).normal(size=(6, 1))
    network.gradient(X, y)
    expected = grad(autograd_loss(network, X, y, np.full(6, 1 / 6), 0.0))(network.theta)
    difference = np.linalg.norm(network.grad - expected) / np.linalg.norm(expected)
    assert difference > 1e-3


@pytest.mark.parametrize(
    ("output", "wrong"),
    [
        # Softmax's Jacobian-vector product without the coupling term.
        ("softmax", lambda delta, z, a: delta * a),
        # Sigmoid's derivative as a instead of a (1 - a).
        ("sigmoid", lambda delta, z, a: delta * a),
    ],
)
def test_wrong_output_derivative_is_caught(monkeypatch, output, wrong):
    X, y = _data("unit")
    model = _model(FFNNRegressor, {"output_activation": output})
    assert gradient_error(model, X, y) < 1e-7
    monkeypatch.setitem(activations._BACKWARD, output, wrong)
    assert gradient_error(model, X, y) > 1e-3


def test_wrong_cost_gradient_is_caught(monkeypatch):
    X, y = _data("regression")
    model = _model(FFNNRegressor, {})
    monkeypatch.setitem(costs._GRADIENTS, "mse", lambda y, p: (p - y) / p.shape[1])
    assert gradient_error(model, X, y) > 1e-3


def test_float32_models_are_checked_in_float64():
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    y = rng.normal(size=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = FFNNRegressor(hidden_layer_sizes=(8,), epochs=5).fit(X, y)
    assert model.coefs_[0].dtype == np.float32
    before = model.coefs_[0].copy()
    assert gradient_error(model, X, y) < 1e-10
    np.testing.assert_array_equal(model.coefs_[0], before)
    assert model._network.dtype == "float32"


def test_an_estimator_of_another_library_is_refused():
    from sklearn.linear_model import Ridge

    X = np.random.default_rng(0).normal(size=(10, 2))
    with pytest.raises(TypeError, match="FFNNRegressor or FFNNClassifier; got Ridge"):
        gradient_error(Ridge(), X, X[:, 0])
