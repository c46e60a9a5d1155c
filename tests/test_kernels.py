"""The compiled kernels against the NumPy reference they fuse."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skffnn import _kernels, activations, costs, schedulers

# numba is an optional extra; the test extra installs it, so CI runs these.
needs_numba = pytest.mark.skipif(
    not _kernels.AVAILABLE, reason="numba (the fast extra) is not installed"
)

# Relative tolerances of the kernels against NumPy, per dtype. Arrays are
# compared relative to their largest element, so that entries that cancel to
# nearly zero are held to the array's own scale.
RTOL = {np.float32: 1e-6, np.float64: 1e-12}
DTYPES = [np.float32, np.float64]

SCHEDULERS = {
    "constant": lambda: schedulers.Constant(0.1),
    "momentum": lambda: schedulers.Momentum(0.05, 0.9),
    "adagrad": lambda: schedulers.Adagrad(0.1),
    "adagrad_momentum": lambda: schedulers.AdagradMomentum(0.05, 0.9),
    "rmsprop": lambda: schedulers.RMSprop(0.01, 0.9),
    "adam": lambda: schedulers.Adam(1e-3, 0.9, 0.999),
}


def _close(actual, expected, dtype):
    rtol = RTOL[dtype]
    scale = float(np.max(np.abs(expected), initial=0.0))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


def _random(rng, shape, dtype, spread=3.0):
    """Normal values with a few exact zeros, which the rules treat apart."""
    values = rng.normal(scale=spread, size=shape)
    values[rng.random(shape) < 0.1] = 0.0
    return values.astype(dtype)


def test_imports_and_declines_without_numba():
    # Run in a fresh process where numba cannot be imported.
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "from skffnn import _kernels\n"
        "assert not _kernels.AVAILABLE\n"
        "assert not _kernels.worth_compiling(10**9, 10**3, 10**6, 256, 100)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@needs_numba
@given(
    name=st.sampled_from(sorted(SCHEDULERS)),
    dtype=st.sampled_from(DTYPES),
    size=st.integers(1, 300),
    steps=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_scheduler_step_matches_update_change(name, dtype, size, steps, seed):
    rng = np.random.default_rng(seed)
    reference, compiled = SCHEDULERS[name](), SCHEDULERS[name]()
    theta_reference = _random(rng, size, dtype)
    theta = theta_reference.copy()
    for _ in range(steps):
        gradient = _random(rng, size, dtype)
        theta_reference -= reference.update_change(gradient)
        assert _kernels.scheduler_step(compiled, theta, gradient)
        _close(theta, theta_reference, dtype)
    assert theta.dtype == dtype
    # The state moved alike, so the NumPy path can take over.
    gradient = _random(rng, size, dtype)
    _close(compiled.update_change(gradient), reference.update_change(gradient), dtype)


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_step_is_bit_for_bit_the_reference(name, dtype):
    # Same operations in the same order, no fused multiply-add (fastmath off):
    # IEEE arithmetic then rounds alike, element by element.
    rng = np.random.default_rng(4)
    reference, compiled = SCHEDULERS[name](), SCHEDULERS[name]()
    theta_reference = _random(rng, 5_000, dtype)
    theta = theta_reference.copy()
    for _ in range(5):
        gradient = _random(rng, 5_000, dtype)
        theta_reference -= reference.update_change(gradient)
        _kernels.scheduler_step(compiled, theta, gradient)
    np.testing.assert_array_equal(theta, theta_reference)


@needs_numba
def test_adam_bias_correction_and_eps_follow_the_reference():
    # Tiny gradients make eps matter; many steps make rho^t matter.
    reference, compiled = (
        schedulers.Adam(0.1, 0.9, 0.999),
        schedulers.Adam(0.1, 0.9, 0.999),
    )
    theta_reference, theta = np.zeros(3), np.zeros(3)
    for t in range(1, 31):
        gradient = np.array([1e-9, -1e-8, 1.0]) * t
        theta_reference -= reference.update_change(gradient)
        _kernels.scheduler_step(compiled, theta, gradient)
    assert compiled.t == reference.t == 30
    _close(theta, theta_reference, np.float64)


@needs_numba
def test_scheduler_step_declines_user_rules_subclasses_and_other_dtypes():
    class MyAdam(schedulers.Adam):
        def update_change(self, gradient):
            return 2 * super().update_change(gradient)

    class Halving(schedulers.Scheduler):
        def update_change(self, gradient):
            return 0.5 * gradient

    theta = np.ones(4)
    for rule in (MyAdam(0.1, 0.9, 0.999), Halving(0.1)):
        assert not _kernels.scheduler_step(rule, theta, np.ones(4))
    assert not _kernels.scheduler_step(
        schedulers.Constant(0.1), np.ones(4, np.float16), np.ones(4, np.float16)
    )
    np.testing.assert_array_equal(theta, np.ones(4))


shapes = st.tuples(st.integers(1, 40), st.integers(1, 40))


@needs_numba
@given(
    name=st.sampled_from(_kernels.HIDDEN),
    dtype=st.sampled_from(DTYPES),
    shape=shapes,
    with_bias=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_hidden_forward_matches_bias_add_and_apply_into(
    name, dtype, shape, with_bias, seed
):
    rng = np.random.default_rng(seed)
    z = _random(rng, shape, dtype, spread=8.0)
    b = _random(rng, shape[1], dtype) if with_bias else None
    z_reference = z + b if with_bias else z.copy()
    a_reference = activations.resolve(name).apply(z_reference)
    out = np.full(shape, np.nan, dtype)
    # The kernels hidden_forward leaves to NumPy (for speed) are tested too.
    a = _kernels._forward(name, z, b, out)
    assert a is (z if name == "identity" else out)
    _close(z, z_reference, dtype)
    _close(a, a_reference, dtype)


@needs_numba
@given(
    name=st.sampled_from(_kernels.HIDDEN),
    dtype=st.sampled_from(DTYPES),
    shape=shapes,
    seed=st.integers(0, 2**32 - 1),
)
def test_hidden_backward_matches_the_backward_rule(name, dtype, shape, seed):
    rng = np.random.default_rng(seed)
    z = _random(rng, shape, dtype, spread=4.0)
    a = np.asarray(activations.resolve(name).apply(z), dtype)
    delta = _random(rng, shape, dtype)
    expected = activations.resolve(name).backward(delta.copy(), z, a)
    assert _kernels.hidden_backward(name, delta, z, a)
    _close(delta, expected, dtype)


@needs_numba
def test_hidden_kernels_keep_nan_for_the_divergence_guard():
    for name in _kernels.HIDDEN:
        z = np.array([[np.nan, -1.0, 1.0]])
        a = _kernels._forward(name, z, None, np.empty_like(z))
        assert np.isnan(a[0, 0]), name
        delta = np.array([[np.nan, 1.0, 1.0]])
        _kernels.hidden_backward(name, delta, z, a)
        assert np.isnan(delta[0, 0]), name


def test_hidden_kernels_decline_custom_activations():
    def cube(z):
        return z**3

    z = np.ones((2, 2))
    assert _kernels.hidden_forward(cube, z, None, np.empty_like(z)) is None
    for name in set(_kernels.HIDDEN) - set(_kernels.FORWARD):
        assert _kernels.hidden_forward(name, z, None, np.empty_like(z)) is None
    assert not _kernels.hidden_backward(cube, z.copy(), z, z)
    np.testing.assert_array_equal(z, np.ones((2, 2)))


def _targets(rng, pair, shape, dtype):
    n, k = shape
    if pair[0] == "softmax":
        return np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    if pair[0] == "sigmoid":
        return (rng.random(shape) < 0.5).astype(dtype)
    return _random(rng, shape, dtype)


def _reference_output(pair, z, y, weights):
    """``_network``'s output, loss, scaled delta and the classifier's accuracy."""
    n = z.shape[0]
    if pair == ("softmax", "cross_entropy"):
        out, per_sample = costs.softmax_cross_entropy(y, z)
        delta = out - y
        correct = np.count_nonzero(np.argmax(out, axis=1) == np.argmax(y, axis=1))
    elif pair == ("sigmoid", "binary_cross_entropy"):
        out, per_sample = costs.sigmoid_binary_cross_entropy(y, z)
        delta = out - y
        correct = np.count_nonzero(np.all((out > 0.5) == (y > 0.5), axis=1))
    else:
        out, per_sample = z.copy(), costs.mse(y, z)
        delta = costs.gradient("mse")(y, out)
        correct = 0
    if weights is None:
        loss = np.add.reduce(per_sample) / n
        delta *= 1.0 / n
    else:
        loss = np.dot(weights, per_sample)
        delta *= weights[:, None].astype(z.dtype)
    return out, float(loss), delta, correct


@needs_numba
@given(
    pair=st.sampled_from(_kernels.OUTPUT_PAIRS),
    dtype=st.sampled_from(DTYPES),
    shape=st.tuples(st.integers(1, 300), st.integers(1, 12)),
    weighted=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_output_loss_delta_matches_the_network(pair, dtype, shape, weighted, seed):
    if pair[0] == "softmax" and shape[1] == 1:
        shape = (shape[0], 2)
    rng = np.random.default_rng(seed)
    z = _random(rng, shape, dtype, spread=4.0)
    y = _targets(rng, pair, shape, dtype)
    weights = None
    if weighted:
        weights = rng.random(shape[0]) * (rng.random(shape[0]) < 0.9)
        weights /= weights.sum() if weights.sum() > 0 else 1.0
    out, loss, delta, correct = _reference_output(pair, z, y, weights)
    delta_out = np.full(shape, np.nan, dtype)
    got_loss, got_correct = _kernels.output_loss_delta(pair, z, y, weights, delta_out)
    _close(z, out, dtype)
    _close(delta_out, delta, dtype)
    _close(got_loss, loss, dtype)
    assert got_correct == correct


@needs_numba
def test_output_loss_delta_is_exact_where_the_output_saturates():
    # Logits far past where exp over- or underflows: the loss stays finite.
    z = np.array([[800.0, -800.0], [-800.0, 800.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    for pair in _kernels.OUTPUT_PAIRS[:2]:
        reference = _reference_output(pair, z.copy(), y, None)
        got = _kernels.output_loss_delta(pair, z.copy(), y, None, np.empty_like(z))
        assert np.isfinite(got[0])
        np.testing.assert_allclose(got[0], reference[1], rtol=1e-12)
        assert got[1] == reference[3]


def test_output_loss_delta_declines_other_pairs():
    z = np.zeros((2, 2))
    pair = ("softmax", "mse")
    assert _kernels.output_loss_delta(pair, z, z, None, np.empty_like(z)) is None


@pytest.mark.parametrize(
    ("n_samples", "epochs", "worth"),
    [(1_437, 200, False), (80_000, 2, False), (80_000, 20, True)],
)
def test_worth_compiling_tells_small_fits_from_big_ones(n_samples, epochs, worth):
    # The digits fit of the benchmarks, and the clf-b256 network for 2 and 20
    # epochs, in a dtype no kernel has been compiled for.
    digits = n_samples < 2_000
    units, params = (100, 7_510) if digits else (384, 60_042)
    batch = 200 if digits else 256
    got = _kernels.worth_compiling(n_samples, units, params, batch, epochs, "float16")
    assert got == (worth and _kernels.AVAILABLE)


@needs_numba
def test_worth_compiling_counts_no_cost_once_compiled():
    small = (1_437, 100, 7_510, 200, 200)
    assert not _kernels.worth_compiling(*small, "float16")
    theta = np.zeros(3)
    _kernels.scheduler_step(schedulers.Constant(0.1), theta, theta.copy())
    assert _kernels.worth_compiling(*small, "float64")


def _kernel_gradient(network, X, y, weights):
    """One forward and backward pass with every kernel that applies.

    The composition the training loop plugs in: a reference for the
    integration, held to ``Network.gradient`` below. Fills ``network.grad``.
    """
    a, zs, fs = X, [], []
    for layer in range(network.n_layers):
        z = a @ network.W[layer]
        if layer == network.n_layers - 1:
            break
        name = network.hidden_activations[layer]
        a = _kernels.hidden_forward(name, z, network.b[layer], np.empty_like(z))
        if a is None:  # sigmoid, tanh, elu: NumPy's forward
            z += network.b[layer]
            a = activations.resolve(name).apply_into(z, np.empty_like(z))
        zs.append(z)
        fs.append(a)
    z += network.b[-1]
    pair = (network.output_activation, network.cost)
    delta = np.empty_like(z)
    loss, _ = _kernels.output_loss_delta(pair, z, y, weights, delta)
    network.grad[:] = np.nan
    inputs = [X, *fs]
    for layer in range(network.n_layers - 1, -1, -1):
        network.grad_W[layer][...] = inputs[layer].T @ delta
        network.grad_b[layer][...] = delta.sum(axis=0)
        if layer > 0:
            delta = delta @ network.W[layer].T
            name = network.hidden_activations[layer - 1]
            assert _kernels.hidden_backward(name, delta, zs[layer - 1], fs[layer - 1])
    return loss, z


@needs_numba
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    ("hidden", "output", "cost", "n_outputs"),
    [
        (("relu", "tanh"), "softmax", "cross_entropy", 3),
        (("leaky_relu", "sigmoid"), "sigmoid", "binary_cross_entropy", 2),
        (("elu", "identity"), "identity", "mse", 2),
    ],
)
def test_a_step_through_the_kernels_matches_network_gradient(
    hidden, output, cost, n_outputs, weighted, dtype
):
    from skffnn._network import Network

    rng = np.random.default_rng(3)
    network = Network((5, 6, 4, n_outputs), list(hidden), output, cost, dtype)
    network.initialize(rng)
    network.theta[:] += rng.normal(scale=0.1, size=network.theta.shape)
    X = rng.normal(size=(9, 5)).astype(dtype)
    y = _targets(rng, (output, cost), (9, n_outputs), dtype)
    weights = rng.random(9) if weighted else None
    if weighted:
        weights /= weights.sum()
    loss, out = network.gradient(X, y, weights)
    out, grad = out.copy(), network.grad.copy()
    kernel_loss, kernel_out = _kernel_gradient(network, X, y, weights)
    _close(kernel_loss, loss, dtype)
    _close(kernel_out, out, dtype)
    # Gradients go through products too: a few more roundings than one kernel.
    np.testing.assert_allclose(
        network.grad, grad, rtol=0, atol=10 * RTOL[dtype] * np.abs(grad).max()
    )
