"""The backprop core on its own: layout, gradients, pickling, dtypes, init."""

import pickle

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.sparse as sp
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st

from skffnn import _dropout, activations, costs
from skffnn._gradcheck import autograd_loss
from skffnn._network import Network


def _softplus(z):
    return anp.logaddexp(0.0, z)


def _sin(z):
    return anp.sin(z)


def _log_cosh(y, p):
    return anp.sum(anp.log(anp.cosh(p - y)), axis=1)


def _net(sizes=(3, 4, 2), hidden=("tanh",), output="identity", cost="mse", **kw):
    return Network(sizes, list(hidden), output, cost, **kw)


def _randomize(network, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    network.theta[:] = rng.normal(scale=scale, size=network.theta.size)


def _autograd_gradient(network, X, y, weights, lam, masks=None):
    if weights is None:
        weights = np.full(X.shape[0], 1.0 / X.shape[0])
    loss = autograd_loss(network, X, y, weights, lam, masks)
    theta = network.theta.astype(np.float64)
    return loss(theta), grad(loss)(theta)


def _split(network, flat):
    """Cut a flat vector in theta's layout into per-layer W and b."""
    weight_blocks, bias_blocks = [], []
    w_start = 0
    b_start = sum(W.size for W in network.W)
    for W in network.W:
        weight_blocks.append(flat[w_start : w_start + W.size].reshape(W.shape))
        bias_blocks.append(flat[b_start : b_start + W.shape[1]])
        w_start += W.size
        b_start += W.shape[1]
    return weight_blocks, bias_blocks


# ----- layout -------------------------------------------------------------------


def test_theta_layout_is_all_weights_then_all_biases():
    network = _net(sizes=(3, 4, 2))
    assert network.theta.shape == (3 * 4 + 4 * 2 + 4 + 2,)
    network.theta[:] = np.arange(network.theta.size)
    np.testing.assert_array_equal(network.W[0], np.arange(12).reshape(3, 4))
    np.testing.assert_array_equal(network.W[1], np.arange(12, 20).reshape(4, 2))
    np.testing.assert_array_equal(network.b[0], np.arange(20, 24))
    np.testing.assert_array_equal(network.b[1], np.arange(24, 26))
    assert network.n_layers == 2
    assert network.n_weights == 20


def test_views_share_memory_with_theta_and_grad():
    network = _net(sizes=(2, 5, 3, 1), hidden=("relu", "sigmoid"))
    for views, flat in [
        (network.W + network.b, network.theta),
        (network.grad_W + network.grad_b, network.grad),
    ]:
        for view in views:
            assert np.shares_memory(view, flat)
    assert not np.shares_memory(network.theta, network.grad)
    # Writes through a view land in theta at the layout's offset, and back.
    network.W[1][2, 1] = 7.0
    assert network.theta[10 + 2 * 3 + 1] == 7.0
    network.theta[-1] = -3.0
    assert network.b[2][0] == -3.0


def test_grad_views_follow_the_same_layout():
    network = _net(sizes=(3, 4, 2))
    network.grad[:] = np.arange(network.grad.size)
    for view, expected in zip(
        network.grad_W + network.grad_b,
        network.W + network.b,
        strict=True,
    ):
        assert view.shape == expected.shape
    np.testing.assert_array_equal(network.grad_W[1], np.arange(12, 20).reshape(4, 2))
    np.testing.assert_array_equal(network.grad_b[0], np.arange(20, 24))


def test_one_activation_per_hidden_layer_is_required():
    with pytest.raises(ValueError, match="one hidden activation per hidden layer"):
        Network((3, 4, 4, 1), ["relu"], "identity", "mse")


# ----- gradient -------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_gradient_matches_autograd_loss(weighted):
    network = _net(sizes=(3, 5, 4, 2), hidden=("tanh", "elu"), output="sigmoid")
    _randomize(network)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 3))
    y = rng.uniform(size=(7, 2))
    weights = rng.uniform(0.1, 1.0, 7) if weighted else None
    if weighted:
        weights /= weights.sum()
    expected_loss, expected = _autograd_gradient(network, X, y, weights, 0.3)
    loss, out = network.gradient(X, y, weights, 0.3)
    np.testing.assert_allclose(network.grad, expected, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-12)
    np.testing.assert_allclose(
        network.evaluate(X, y, weights, 0.3)[0], loss, rtol=1e-14
    )
    np.testing.assert_allclose(out, network.forward(X), rtol=1e-14)


def test_l2_term_covers_weights_not_biases():
    network = _net(sizes=(2, 3, 1))
    _randomize(network)
    X = np.zeros((4, 2))
    y = np.zeros((4, 1))
    network.gradient(X, y, None, 0.0)
    plain = network.grad.copy()
    network.gradient(X, y, None, 2.0)
    penalty = network.grad - plain
    n_weights = network.n_weights
    np.testing.assert_allclose(penalty[:n_weights], 2.0 * network.theta[:n_weights])
    np.testing.assert_array_equal(penalty[n_weights:], 0.0)
    np.testing.assert_allclose(
        network.evaluate(X, y, None, 2.0)[0] - network.evaluate(X, y, None, 0.0)[0],
        np.sum(network.theta[:n_weights] ** 2),
    )


# Hidden choices: every built-in (by name and as a function) and custom callables.
HIDDEN_CHOICES = [
    *activations.HIDDEN_ACTIVATIONS,
    activations.tanh,
    activations.relu,
    _softplus,
    _sin,
]

# (output activation, cost, target kind)
OUTPUT_COSTS = [
    ("identity", "mse", "real"),
    ("sigmoid", "binary_cross_entropy", "binary"),
    ("softmax", "cross_entropy", "onehot"),
    ("sigmoid", "mse", "unit"),
    ("identity", _log_cosh, "real"),
    ("softmax", "mse", "onehot"),
    ("tanh", "mse", "real"),
    (_sin, "mse", "real"),
    (activations.sigmoid, costs.binary_cross_entropy, "binary"),
    ("sigmoid", _log_cosh, "unit"),
]


def _targets(kind, rng, n_samples, n_outputs):
    if kind == "real":
        return rng.normal(size=(n_samples, n_outputs))
    if kind == "unit":
        return rng.uniform(size=(n_samples, n_outputs))
    if kind == "binary":
        return rng.integers(0, 2, size=(n_samples, n_outputs)).astype(float)
    return np.eye(n_outputs)[rng.integers(0, n_outputs, n_samples)]


@st.composite
def problems(draw):
    n_hidden = draw(st.integers(0, 3))
    widths = draw(st.lists(st.integers(1, 8), min_size=n_hidden, max_size=n_hidden))
    hidden = draw(
        st.lists(st.sampled_from(HIDDEN_CHOICES), min_size=n_hidden, max_size=n_hidden)
    )
    output, cost, kind = draw(st.sampled_from(OUTPUT_COSTS))
    n_features = draw(st.integers(1, 5))
    n_outputs = draw(st.integers(2 if kind == "onehot" else 1, 4))
    n_samples = draw(st.integers(1, 20))
    lam = draw(st.floats(0.0, 1.0))
    weighted = draw(st.booleans())
    batch_norm = draw(st.booleans())
    dropout = draw(st.sampled_from([0.0, 0.5]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    network = Network(
        (n_features, *widths, n_outputs),
        hidden,
        output,
        cost,
        batch_norm=batch_norm,
    )
    network.theta[:] = rng.normal(scale=0.7, size=network.theta.size)
    X = rng.normal(size=(n_samples, n_features))
    y = _targets(kind, rng, n_samples, n_outputs)
    weights = None
    if weighted:
        weights = rng.uniform(0.0, 1.0, n_samples) + 1e-3
        weights /= weights.sum()
    # One fixed draw of dropout masks, shared by both sides.
    masks = None
    if dropout:
        keys = _dropout.row_keys(X, seed=seed % 1000)
        masks = _dropout.masks(
            keys, seed % 7, network.hidden_widths, dropout, "float64"
        )
    return network, X, y, weights, lam, masks


def _fast_paths():
    # The compiled kernels (the fast extra) are checked too wherever numba is
    # installed, as the test extra installs it for CI.
    from skffnn import _kernels

    return [False, True] if _kernels.AVAILABLE else [False]


@pytest.mark.parametrize("fast", _fast_paths(), ids=lambda fast: f"fast={fast}")
@given(problem=problems())
def test_backward_matches_autograd_for_random_networks(problem, fast):
    network, X, y, weights, lam, masks = problem
    expected_loss, expected = _autograd_gradient(network, X, y, weights, lam, masks)
    loss, _ = network.gradient(X, y, weights, lam, masks, fast=fast)
    expected_weights, expected_biases = _split(network, expected)
    for layer in range(network.n_layers):
        np.testing.assert_allclose(
            network.grad_W[layer],
            expected_weights[layer],
            rtol=1e-7,
            atol=1e-10,
            err_msg=f"W[{layer}]",
        )
        np.testing.assert_allclose(
            network.grad_b[layer],
            expected_biases[layer],
            rtol=1e-7,
            atol=1e-10,
            err_msg=f"b[{layer}]",
        )
    # Batch norm's scales and shifts follow the biases in the same vector.
    np.testing.assert_allclose(
        network.grad, expected, rtol=1e-7, atol=1e-10, err_msg="gamma, beta"
    )
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-9, atol=1e-12)


# ----- pickling -------------------------------------------------------------------


def test_pickle_round_trip_rebuilds_views():
    network = _net(sizes=(3, 4, 3, 2), hidden=("relu", "tanh"), output="softmax")
    network.cost = "cross_entropy"
    network._build()
    _randomize(network)
    restored = pickle.loads(pickle.dumps(network))
    np.testing.assert_array_equal(restored.theta, network.theta)
    assert not np.shares_memory(restored.theta, network.theta)
    for view in restored.W + restored.b:
        assert np.shares_memory(view, restored.theta)
    for view in restored.grad_W + restored.grad_b:
        assert np.shares_memory(view, restored.grad)
    X = np.random.default_rng(2).normal(size=(5, 3))
    y = np.eye(2)[[0, 1, 1, 0, 1]]
    np.testing.assert_array_equal(restored.forward(X), network.forward(X))
    network.gradient(X, y, None, 0.1)
    restored.gradient(X, y, None, 0.1)
    np.testing.assert_array_equal(restored.grad, network.grad)
    # Training the copy moves its views, not the original's.
    restored.theta -= 0.1 * restored.grad
    np.testing.assert_array_equal(restored.W[0], restored.theta[:12].reshape(3, 4))
    assert not np.array_equal(restored.W[0], network.W[0])


def _functions_in(value):
    if isinstance(value, list | tuple):
        return [item for part in value for item in _functions_in(part)]
    if isinstance(value, dict):
        return [item for part in value.values() for item in _functions_in(part)]
    return [value] if callable(value) else []


@pytest.mark.parametrize(
    ("hidden", "output", "cost"),
    [
        (["relu", "tanh"], "sigmoid", "binary_cross_entropy"),
        ([activations.relu, activations.tanh], activations.sigmoid, costs.mse),
    ],
    ids=["names", "builtin-functions"],
)
def test_state_holds_names_not_functions_for_builtins(hidden, output, cost):
    network = Network((3, 4, 4, 1), hidden, output, cost)
    state = network.__getstate__()
    assert set(state) == {
        "layer_sizes",
        "hidden_activations",
        "output_activation",
        "cost",
        "dtype",
        "batch_norm",
        "theta",
        "running_mean",
        "running_var",
    }
    assert _functions_in(state) == []
    assert all(isinstance(name, str) for name in state["hidden_activations"])
    assert isinstance(state["output_activation"], str)
    assert isinstance(state["cost"], str)


# ----- sparse input and dtypes ----------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_input_matches_dense(weighted):
    network = _net(sizes=(6, 4, 2), hidden=("sigmoid",), output="identity")
    _randomize(network)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(9, 6)) * (rng.uniform(size=(9, 6)) < 0.3)
    y = rng.normal(size=(9, 2))
    weights = rng.uniform(size=9) / 4.5 if weighted else None
    dense_out = network.forward(X)
    network.gradient(X, y, weights, 0.2)
    dense_grad = network.grad.copy()
    X_sparse = sp.csr_matrix(X)
    np.testing.assert_allclose(network.forward(X_sparse), dense_out, rtol=1e-13)
    assert isinstance(network.forward(X_sparse), np.ndarray)
    network.grad[:] = np.nan
    network.gradient(X_sparse, y, weights, 0.2)
    np.testing.assert_allclose(network.grad, dense_grad, rtol=1e-12, atol=1e-15)


def test_sparse_input_without_hidden_layer():
    network = _net(sizes=(5, 3), hidden=(), output="softmax", cost="cross_entropy")
    _randomize(network)
    X = sp.random(8, 5, density=0.4, format="csr", random_state=0)
    y = np.eye(3)[[0, 1, 2, 0, 1, 2, 0, 1]]
    network.gradient(X, y)
    sparse_grad = network.grad.copy()
    network.gradient(X.toarray(), y)
    np.testing.assert_allclose(sparse_grad, network.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("sparse", [False, True])
def test_float32_network_stays_float32(sparse):
    network = _net(sizes=(3, 5, 2), hidden=("elu",), output="sigmoid", dtype="float32")
    network.cost = "binary_cross_entropy"
    network._build()
    assert network.theta.dtype == np.float32
    assert network.grad.dtype == np.float32
    network.initialize(np.random.default_rng(0), "glorot")
    assert network.theta.dtype == np.float32
    rng = np.random.default_rng(4)
    X = rng.normal(size=(6, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=(6, 2)).astype(np.float32)
    weights = np.full(6, 1 / 6, np.float32)
    X_in = sp.csr_matrix(X) if sparse else X
    out = network.forward(X_in)
    assert out.dtype == np.float32
    loss, out = network.gradient(X_in, y, weights, 0.1)
    assert out.dtype == np.float32
    assert network.grad.dtype == np.float32
    assert all(view.dtype == np.float32 for view in network.grad_W + network.grad_b)
    # Close to the float64 gradient at the same weights.
    _, expected = _autograd_gradient(network, X, y.astype(np.float64), None, 0.1)
    np.testing.assert_allclose(network.grad, expected, rtol=1e-4, atol=1e-6)
    assert np.isfinite(loss)


# ----- initialization ---------------------------------------------------------------


def test_glorot_weights_within_bound_and_biases_zero():
    network = _net(sizes=(50, 30, 20), hidden=("tanh",))
    network.theta[:] = 1.0
    network.initialize(np.random.default_rng(0), "glorot")
    for W in network.W:
        bound = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
        assert np.max(np.abs(W)) <= bound
        assert np.max(np.abs(W)) > 0.95 * bound  # uniform fills its interval
        np.testing.assert_allclose(np.std(W), bound / np.sqrt(3), rtol=0.05)
    for b in network.b:
        np.testing.assert_array_equal(b, 0.0)


def test_he_std_is_sqrt_two_over_fan_in():
    network = _net(sizes=(400, 300, 1), hidden=("relu",))
    network.initialize(np.random.default_rng(0), "he")
    W = network.W[0]
    np.testing.assert_allclose(np.std(W), np.sqrt(2.0 / 400), rtol=0.02)
    assert abs(np.mean(W)) < 0.05 * np.sqrt(2.0 / 400)


def test_normal_std_is_one():
    network = _net(sizes=(200, 300, 1), hidden=("tanh",))
    network.initialize(np.random.default_rng(0), "normal")
    np.testing.assert_allclose(np.std(network.W[0]), 1.0, rtol=0.02)
    np.testing.assert_array_equal(network.b[0], 0.0)


@pytest.mark.parametrize("hidden", ["relu", "leaky_relu", "elu", "tanh"])
def test_auto_draws_weights_and_biases_in_glorots_range(hidden):
    # The defaults study: Glorot beat He before ReLU layers with the defaults,
    # and biases drawn from the same range beat zero biases.
    network = _net(sizes=(400, 300, 2), hidden=(hidden,))
    network.initialize(np.random.default_rng(0), "auto")
    for W, b in zip(network.W, network.b, strict=True):
        bound = np.sqrt(6.0 / (W.shape[0] + W.shape[1]))
        for drawn in (W, b):
            assert np.max(np.abs(drawn)) <= bound
            assert np.max(np.abs(drawn)) > 0.5 * bound  # spread, not zero
        np.testing.assert_allclose(np.std(W), bound / np.sqrt(3), rtol=0.05)
    # 300 hidden biases: their spread is that of the uniform range.
    bound = np.sqrt(6.0 / 700)
    np.testing.assert_allclose(np.std(network.b[0]), bound / np.sqrt(3), rtol=0.15)


@pytest.mark.parametrize("scheme", ["auto", "glorot", "he", "normal"])
def test_same_seed_same_weights(scheme):
    first, second, other = (_net(sizes=(4, 6, 3), hidden=("elu",)) for _ in range(3))
    first.initialize(np.random.default_rng(42), scheme)
    second.initialize(np.random.default_rng(42), scheme)
    other.initialize(np.random.default_rng(43), scheme)
    np.testing.assert_array_equal(first.theta, second.theta)
    assert not np.array_equal(first.theta, other.theta)


def test_unknown_weight_init_is_refused():
    with pytest.raises(ValueError, match="weight_init"):
        _net().initialize(np.random.default_rng(0), "xavier")


def test_a_state_saved_by_version_0_1_with_a_dropout_rate_still_loads():
    network = _net(sizes=(3, 4, 1), hidden=("relu",))
    _randomize(network)
    state = {**network.__getstate__(), "dropout": 0.3}  # what 0.1 pickled
    restored = Network.__new__(Network)
    restored.__setstate__(state)
    assert not hasattr(restored, "dropout")
    X = np.random.default_rng(0).normal(size=(5, 3))
    np.testing.assert_array_equal(restored.forward(X), network.forward(X))
