"""Built-in costs, their gradients, custom costs and saturated probabilities."""

import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skffnn import costs

NAMES = ["mse", "binary_cross_entropy", "cross_entropy"]

# Per-sample costs written apart from skffnn with autograd.numpy.
REFERENCE = {
    "mse": lambda y, p: anp.sum((p - y) * (p - y), axis=1) / p.shape[1],
    "binary_cross_entropy": lambda y, p: (
        -anp.sum(y * anp.log(p) + (1.0 - y) * anp.log(1.0 - p), axis=1)
    ),
    "cross_entropy": lambda y, p: -anp.sum(y * anp.log(p), axis=1),
}

shapes = st.tuples(st.integers(1, 6), st.integers(1, 4))
probabilities = st.floats(min_value=0.01, max_value=0.99)
targets = {
    "mse": st.floats(-5.0, 5.0),
    "binary_cross_entropy": st.floats(0.0, 1.0),
    "cross_entropy": st.floats(0.0, 1.0),
}


def test_mse_by_hand():
    y = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]])
    p = np.array([[1.0, 4.0], [1.0, -1.0], [3.0, -1.0]])
    # ((0 + 4) / 2, (1 + 1) / 2, 0): the mean over the two outputs.
    np.testing.assert_allclose(costs.mse(y, p), [2.0, 1.0, 0.0], rtol=1e-15)


def test_binary_cross_entropy_by_hand():
    y = np.array([[1.0, 0.0], [0.0, 0.0]])
    p = np.array([[0.8, 0.4], [0.5, 0.9]])
    expected = [
        -(math.log(0.8) + math.log(0.6)),
        -(math.log(0.5) + math.log(0.1)),
    ]
    np.testing.assert_allclose(costs.binary_cross_entropy(y, p), expected, rtol=1e-14)


def test_binary_cross_entropy_soft_targets_by_hand():
    y = np.array([[0.25]])
    p = np.array([[0.5]])
    # -(0.25 log 0.5 + 0.75 log 0.5) = log 2
    np.testing.assert_allclose(
        costs.binary_cross_entropy(y, p), [math.log(2.0)], rtol=1e-14
    )


def test_cross_entropy_by_hand():
    y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    p = np.array([[0.2, 0.5, 0.3], [0.1, 0.6, 0.3]])
    expected = [math.log(2.0), math.log(10.0)]
    np.testing.assert_allclose(costs.cross_entropy(y, p), expected, rtol=1e-14)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mse", [[1.0, 2.0], [1.0, -1.0]]),  # 2 / 2 * (p - y)
        ("binary_cross_entropy", [[-1 / 0.8, 1 / 0.6], [2.0, 1 / 0.1]]),
        ("cross_entropy", [[-1 / 0.8, 0.0], [0.0, 0.0]]),
    ],
)
def test_gradients_by_hand(name, expected):
    y = np.array([[1.0, 0.0], [0.0, 0.0]])
    p = np.array([[0.8, 0.4], [0.5, 0.9]])
    if name == "mse":
        p = np.array([[2.0, 2.0], [1.0, -1.0]])
    np.testing.assert_allclose(costs.gradient(name)(y, p), expected, rtol=1e-14)


def _draw_y_p(name, data):
    shape = data.draw(shapes)
    y = data.draw(arrays(np.float64, shape, elements=targets[name]))
    p = data.draw(arrays(np.float64, shape, elements=probabilities))
    return y, p


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_values_match_reference(name, data):
    y, p = _draw_y_p(name, data)
    out = costs.COSTS[name](y, p)
    assert out.shape == (y.shape[0],)
    np.testing.assert_allclose(out, REFERENCE[name](y, p), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.data())
def test_gradient_matches_autograd_of_per_sample_sum(name, data):
    y, p = _draw_y_p(name, data)
    expected = grad(lambda q: anp.sum(REFERENCE[name](y, q)))(p)
    for cost in (name, costs.COSTS[name]):
        out = costs.gradient(cost)(y, p)
        assert out.shape == p.shape
        np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def _log_cosh(y, p):
    return anp.sum(anp.log(anp.cosh(p - y)), axis=1)


@given(data=st.data())
def test_custom_cost_gets_autograds_gradient(data):
    y, p = _draw_y_p("mse", data)
    out = costs.gradient(_log_cosh)(y, p)
    # d/dp log cosh(p - y) = tanh(p - y), per sample and output.
    np.testing.assert_allclose(out, np.tanh(p - y), rtol=1e-12, atol=1e-15)


def test_resolve_custom_cost():
    func, gradient = costs.resolve(_log_cosh)
    y = np.array([[0.0, 1.0]])
    p = np.array([[0.5, -1.0]])
    np.testing.assert_array_equal(func(y, p), _log_cosh(y, p))
    np.testing.assert_allclose(gradient(y, p), np.tanh(p - y), rtol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_resolve_builtin_by_name_and_by_function(name):
    func, gradient = costs.resolve(name)
    assert func is costs.COSTS[name]
    assert costs.resolve(costs.COSTS[name])[1] is gradient


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["binary_cross_entropy", "cross_entropy"])
def test_saturated_probabilities_are_finite_without_warnings(name, dtype):
    # Rows: right and certain, wrong and certain (both ways), one-hot columns.
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    p = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = costs.COSTS[name](y, p)
        gradient = costs.gradient(name)(y, p)
    assert np.all(np.isfinite(loss))
    assert np.all(np.isfinite(gradient))
    assert loss.dtype == dtype
    assert gradient.dtype == dtype
    eps = np.finfo(dtype).eps
    # Certain and right: (almost) no loss; certain and wrong: about -log(eps).
    assert loss[0] < 10 * eps and loss[3] < 10 * eps
    assert loss[1] > -0.9 * math.log(eps) and loss[2] > -0.9 * math.log(eps)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name, dtype):
    y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=dtype)
    p = np.array([[0.7, 0.3], [0.4, 0.6]], dtype=dtype)
    assert costs.COSTS[name](y, p).dtype == dtype
    assert costs.gradient(name)(y, p).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_costs_from_logits_match_probability_costs_and_stay_exact_when_saturated(
    dtype,
):
    from skffnn.activations import sigmoid, softmax

    z = np.array([[0.3, -1.2, 2.0], [1.5, 0.0, -0.7]], dtype=dtype)
    y_multi = np.array([[0, 0, 1], [1, 0, 0]], dtype=dtype)
    y_binary = np.array([[1, 0, 1], [0, 1, 1]], dtype=dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(
        costs.softmax_cross_entropy(y_multi, z)[1],
        costs.cross_entropy(y_multi, softmax(z)),
        rtol=rtol,
    )
    np.testing.assert_allclose(
        costs.binary_cross_entropy_from_logits(y_binary, z),
        costs.binary_cross_entropy(y_binary, sigmoid(z)),
        rtol=rtol,
    )
    # Confidently wrong by a margin of 1000: the loss is 1000, not a clipped cap.
    wrong = np.array([[1000.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ce = costs.softmax_cross_entropy(np.array([[0, 1]], dtype=dtype), wrong)[1]
        bce = costs.binary_cross_entropy_from_logits(
            np.array([[0.0]], dtype=dtype), wrong[:, :1]
        )
    np.testing.assert_allclose(ce, [1000.0], rtol=1e-6)
    np.testing.assert_allclose(bce, [1000.0], rtol=1e-6)
