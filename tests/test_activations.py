"""Built-in activations, their closed-form derivatives and backward rules."""

import math
import warnings

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import elementwise_grad, jacobian
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from skffnn import activations

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu"]

# Written apart from skffnn with autograd.numpy, so that autograd differentiates
# formulas that share no code with the closed forms under test.
REFERENCE = {
    "identity": lambda z: 1.0 * z,
    "sigmoid": lambda z: 1.0 / (1.0 + anp.exp(-z)),
    "tanh": lambda z: 1.0 - 2.0 / (anp.exp(2.0 * z) + 1.0),
    "relu": lambda z: z * (z > 0),
    "leaky_relu": lambda z: anp.where(z > 0, z, 0.01 * z),
    "elu": lambda z: anp.where(z > 0, z, anp.exp(z) - 1.0),
}

# Away from the ReLU-family kink at 0 and from overflow in the references.
nonzero = st.one_of(
    st.floats(min_value=-30.0, max_value=-1e-3),
    st.floats(min_value=1e-3, max_value=30.0),
)
z_arrays = arrays(
    np.float64, array_shapes(min_dims=1, max_dims=2, max_side=6), elements=nonzero
)

E = math.e
KNOWN = [
    ("identity", [-2.0, 0.0, 3.5], [-2.0, 0.0, 3.5]),
    ("sigmoid", [0.0, 1.0, -1.0], [0.5, 1 / (1 + 1 / E), 1 / (1 + E)]),
    (
        "tanh",
        [0.0, 1.0, -1.0],
        [0.0, (E - 1 / E) / (E + 1 / E), -(E - 1 / E) / (E + 1 / E)],
    ),
    ("relu", [-2.0, 0.0, 3.0], [0.0, 0.0, 3.0]),
    ("leaky_relu", [-2.0, 0.0, 3.0], [-0.02, 0.0, 3.0]),
    ("elu", [-1.0, 0.0, 2.0], [1 / E - 1, 0.0, 2.0]),
]


@pytest.mark.parametrize(("name", "z", "expected"), KNOWN)
def test_known_values(name, z, expected):
    out = activations.ACTIVATIONS[name](np.array(z))
    np.testing.assert_allclose(out, expected, rtol=1e-14, atol=1e-15)


def test_softmax_known_values():
    out = activations.softmax(np.array([[0.0, 0.0], [0.0, math.log(3.0)]]))
    np.testing.assert_allclose(out, [[0.5, 0.5], [0.25, 0.75]], rtol=1e-14)


def test_softmax_is_shift_invariant_per_row():
    z = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])
    shifted = z + np.array([[100.0], [-50.0]])
    np.testing.assert_allclose(
        activations.softmax(shifted), activations.softmax(z), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("name", "z", "expected"),
    [
        ("identity", [-3.0, 2.0], [1.0, 1.0]),
        ("sigmoid", [0.0], [0.25]),
        ("tanh", [0.0], [1.0]),
        ("relu", [-3.0, 2.0], [0.0, 1.0]),
        ("leaky_relu", [-3.0, 2.0], [0.01, 1.0]),
        ("elu", [-1.0, 2.0], [1 / E, 1.0]),
    ],
)
def test_known_derivatives(name, z, expected):
    out = activations.derivative(name)(np.array(z))
    np.testing.assert_allclose(out, expected, rtol=1e-14)


@pytest.mark.parametrize("name", HIDDEN)
@given(z=z_arrays)
def test_derivative_by_name_matches_autograd(name, z):
    expected = elementwise_grad(REFERENCE[name])(z)
    out = activations.derivative(name)(z)
    assert out.shape == z.shape
    np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("name", HIDDEN)
@given(z=z_arrays)
def test_derivative_of_builtin_function_matches_autograd(name, z):
    func = activations.ACTIVATIONS[name]
    expected = elementwise_grad(REFERENCE[name])(z)
    np.testing.assert_allclose(
        activations.derivative(func)(z), expected, rtol=1e-9, atol=1e-13
    )


@pytest.mark.parametrize("name", HIDDEN)
@given(z=z_arrays)
def test_values_match_reference(name, z):
    out = activations.ACTIVATIONS[name](z)
    np.testing.assert_allclose(out, REFERENCE[name](z), rtol=1e-12, atol=1e-15)


def _x_sin(z):
    return z * anp.sin(z)


@given(z=z_arrays)
def test_custom_callable_gets_autograds_derivative(z):
    out = activations.derivative(_x_sin)(z)
    # d/dz z sin z = sin z + z cos z, written out by hand.
    np.testing.assert_allclose(out, np.sin(z) + z * np.cos(z), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(out, elementwise_grad(_x_sin)(z), rtol=1e-15)


def test_custom_callable_resolves_to_its_values_and_autograd_backward():
    func, _, backward = activations.resolve(_x_sin)
    z = np.array([[0.3, -1.2], [2.0, 0.7]])
    np.testing.assert_array_equal(func(z), _x_sin(z))
    delta = np.array([[1.0, -2.0], [0.5, 3.0]])
    out = backward(delta.copy(), z, func(z))
    np.testing.assert_allclose(out, delta * (np.sin(z) + z * np.cos(z)), rtol=1e-12)


@given(
    z=arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 6)),
        elements=st.floats(-50.0, 50.0),
    )
)
def test_softmax_rows_sum_to_one(z):
    out = activations.softmax(z)
    assert out.shape == z.shape
    assert np.all(out >= 0)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("func", ["softmax", activations.softmax])
def test_softmax_derivative_is_refused(func):
    with pytest.raises(ValueError, match="softmax"):
        activations.derivative(func)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "softmax", "elu", "tanh"])
def test_extreme_inputs_stay_finite_without_warnings(name, dtype):
    huge = 1e38 if dtype == np.float32 else 1e300
    z = np.array(
        [[huge, -huge, 1e4, -1e4], [-huge, 1e4, -1e4, huge], [0.0, -0.0, 1.0, -1.0]],
        dtype=dtype,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = activations.ACTIVATIONS[name](z)
        if name != "softmax":
            prime = activations.derivative(name)(z)
            assert prime.dtype == dtype
            assert np.all(np.isfinite(prime))
    assert out.dtype == dtype
    assert np.all(np.isfinite(out))
    if name == "sigmoid":
        np.testing.assert_array_equal(out[0], [1.0, 0.0, 1.0, 0.0])
    if name == "tanh":
        np.testing.assert_array_equal(out[0], [1.0, -1.0, 1.0, -1.0])
    if name == "elu":
        np.testing.assert_allclose(out[0], [huge, -1.0, 1e4, -1.0])
    if name == "softmax":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-6)
        np.testing.assert_array_equal(out[0], [1.0, 0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", [*HIDDEN, "softmax"])
def test_float32_in_float32_out(name):
    z = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    assert activations.ACTIVATIONS[name](z).dtype == np.float32
    if name != "softmax":
        assert activations.derivative(name)(z).dtype == np.float32


@pytest.mark.parametrize("name", HIDDEN)
@given(z=z_arrays, data=st.data())
def test_backward_rule_is_delta_times_derivative(name, z, data):
    delta = data.draw(arrays(np.float64, z.shape, elements=st.floats(-10, 10)))
    func, _, backward = activations.resolve(name)
    a = func(z)
    z_before, a_before = z.copy(), np.array(a, copy=True)
    out = backward(delta.copy(), z, a)
    np.testing.assert_allclose(
        out, delta * activations.derivative(name)(z), rtol=1e-9, atol=1e-12
    )
    # The rule may overwrite delta, never the stored z and a.
    np.testing.assert_array_equal(z, z_before)
    np.testing.assert_array_equal(a, a_before)


def _reference_softmax(z):
    exp = anp.exp(z - anp.max(z))
    return exp / anp.sum(exp)


@given(
    z=arrays(np.float64, st.integers(1, 6), elements=st.floats(-20, 20)),
    data=st.data(),
)
def test_softmax_backward_is_jacobian_vector_product(z, data):
    delta = data.draw(arrays(np.float64, z.shape, elements=st.floats(-10, 10)))
    backward = activations.resolve("softmax").backward
    a = activations.softmax(z[None, :])
    out = backward(delta[None, :].copy(), z[None, :], a)
    jac = jacobian(_reference_softmax)(z)  # jac[k, j] = d a_k / d z_j
    np.testing.assert_allclose(out[0], jac.T @ delta, rtol=1e-9, atol=1e-12)


def test_softmax_backward_on_a_known_row():
    # a = (1/2, 1/4, 1/4); a * (delta - a . delta) for delta = (1, 0, 0).
    z = np.log(np.array([[2.0, 1.0, 1.0]]))
    backward = activations.resolve("softmax").backward
    out = backward(np.array([[1.0, 0.0, 0.0]]), z, activations.softmax(z))
    np.testing.assert_allclose(out, [[0.25, -0.125, -0.125]], rtol=1e-14)


@pytest.mark.parametrize("name", [*HIDDEN, "softmax"])
def test_resolve_builtin_by_name_and_by_function(name):
    func = activations.ACTIVATIONS[name]
    assert activations.resolve(name).apply is func
    assert activations.resolve(func).apply is func
    assert activations.resolve(name).backward is activations.resolve(func).backward


@pytest.mark.parametrize("name", HIDDEN)
def test_apply_into_equals_apply(name):
    rule = activations.resolve(name)
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    out = np.full_like(z, np.nan)
    np.testing.assert_allclose(rule.apply_into(z, out), rule.apply(z), rtol=1e-15)


def test_apply_into_of_a_custom_callable_writes_the_buffer():
    rule = activations.resolve(_x_sin)
    z = np.linspace(-3, 3, 12).reshape(3, 4)
    out = np.zeros_like(z)
    assert rule.apply_into(z, out) is out
    np.testing.assert_allclose(out, _x_sin(z), rtol=1e-15)
