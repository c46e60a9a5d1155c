"""Activation functions and their derivatives.

Every built-in activation has a closed-form derivative. The network's backward
pass needs ``f'(z)``; for most built-ins that is cheaper to compute from the
activation ``a = f(z)`` it already holds, so each built-in also has a
``backward`` rule that multiplies ``delta`` by ``f'(z)`` in place.

A user's activation is any elementwise callable written with ``autograd.numpy``;
its derivative comes from ``autograd.elementwise_grad``, built once per fit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, cast

import numpy as np
from scipy.special import expit

__all__ = [
    "ACTIVATIONS",
    "derivative",
    "elu",
    "identity",
    "leaky_relu",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]

Array = np.ndarray
Activation = Callable[[Array], Array]

LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0


def identity(z: Array) -> Array:
    """Return `z` unchanged: ``f(z) = z``."""
    return z


def sigmoid(z: Array) -> Array:
    """Logistic function ``f(z) = 1 / (1 + exp(-z))``.

    Notes
    -----
    Computed by :func:`scipy.special.expit`, which never overflows.
    """
    return expit(z)


def tanh(z: Array) -> Array:
    """Hyperbolic tangent ``f(z) = tanh(z)``."""
    return np.tanh(z)


def relu(z: Array) -> Array:
    """Rectified linear unit ``f(z) = max(z, 0)``."""
    return np.maximum(z, 0)


def leaky_relu(z: Array) -> Array:
    """Leaky ReLU ``f(z) = z`` for ``z > 0`` and ``0.01 z`` otherwise."""
    return np.where(z > 0, z, LEAKY_RELU_SLOPE * z)


def elu(z: Array) -> Array:
    """Exponential linear unit ``f(z) = z`` for ``z > 0``, ``exp(z) - 1`` otherwise.

    Notes
    -----
    Uses ``alpha = 1``; ``expm1`` of ``min(z, 0)`` keeps the unused branch from
    overflowing for large positive `z`.
    """
    return np.where(z > 0, z, ELU_ALPHA * np.expm1(np.minimum(z, 0)))


def softmax(z: Array) -> Array:
    """Softmax over the last axis, ``f(z)_k = exp(z_k) / sum_j exp(z_j)``.

    Notes
    -----
    The row maximum is subtracted first, so no exponential overflows.
    """
    shifted = z - np.max(z, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=-1, keepdims=True)


ACTIVATIONS: dict[str, Activation] = {
    "identity": identity,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "softmax": softmax,
}
"""Built-in activations by name. Softmax is for output layers only."""

HIDDEN_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu")


def _identity_prime(z: Array) -> Array:
    return np.ones_like(z)


def _sigmoid_prime(z: Array) -> Array:
    a = expit(z)
    return a * (1 - a)


def _tanh_prime(z: Array) -> Array:
    return 1 - np.tanh(z) ** 2


def _relu_prime(z: Array) -> Array:
    return (z > 0).astype(z.dtype)


def _leaky_relu_prime(z: Array) -> Array:
    return np.where(z > 0, 1, LEAKY_RELU_SLOPE).astype(z.dtype)


def _elu_prime(z: Array) -> Array:
    return np.where(z > 0, 1, ELU_ALPHA * np.exp(np.minimum(z, 0))).astype(z.dtype)


_DERIVATIVES: dict[str, Activation] = {
    "identity": _identity_prime,
    "sigmoid": _sigmoid_prime,
    "tanh": _tanh_prime,
    "relu": _relu_prime,
    "leaky_relu": _leaky_relu_prime,
    "elu": _elu_prime,
}


def _name_of(func: Activation) -> str | None:
    """Return the registry name of a built-in activation, else None."""
    for name, builtin in ACTIVATIONS.items():
        if func is builtin:
            return name
    return None


def derivative(func: str | Activation) -> Activation:
    """Return the elementwise derivative ``f'(z)`` of an activation.

    Parameters
    ----------
    func : str or callable
        A name from :data:`ACTIVATIONS` (softmax excluded), a built-in activation
        function, or an elementwise callable written with ``autograd.numpy``.

    Returns
    -------
    derivative : callable
        ``derivative(z)`` with the shape of `z`: the closed form for built-ins,
        ``autograd.elementwise_grad(func)`` for anything else.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.activations import derivative
    >>> derivative("relu")(np.array([-1.0, 2.0]))
    array([0., 1.])
    """
    name = func if isinstance(func, str) else _name_of(func)
    if name == "softmax":
        raise ValueError(
            "softmax is not elementwise; its derivative is a Jacobian. It is only "
            "used as an output layer with cross-entropy, where dC/dz = a - y."
        )
    if name is not None:
        return _DERIVATIVES[name]
    from autograd import elementwise_grad

    return elementwise_grad(func)


# Backward rules: multiply delta = dC/da by f'(z) in place, reusing a = f(z)
# where that is cheaper than recomputing from z.


def _identity_backward(delta: Array, z: Array, a: Array) -> Array:
    return delta


def _sigmoid_backward(delta: Array, z: Array, a: Array) -> Array:
    delta *= a
    delta *= 1 - a
    return delta


def _tanh_backward(delta: Array, z: Array, a: Array) -> Array:
    delta *= 1 - a * a
    return delta


def _relu_backward(delta: Array, z: Array, a: Array) -> Array:
    delta *= z > 0
    return delta


def _leaky_relu_backward(delta: Array, z: Array, a: Array) -> Array:
    delta *= np.where(z > 0, 1, LEAKY_RELU_SLOPE).astype(delta.dtype, copy=False)
    return delta


def _elu_backward(delta: Array, z: Array, a: Array) -> Array:
    # For z <= 0, f'(z) = exp(z) = a + 1 (alpha = 1).
    delta *= np.where(z > 0, 1, a + ELU_ALPHA)
    return delta


def _softmax_backward(delta: Array, z: Array, a: Array) -> Array:
    # Softmax couples a row's units: the Jacobian-vector product is
    # a * (delta - sum_k delta_k a_k).
    delta -= np.sum(delta * a, axis=-1, keepdims=True)
    delta *= a
    return delta


BackwardRule = Callable[[Array, Array, Array], Array]

_BACKWARD: dict[str, BackwardRule] = {
    "identity": _identity_backward,
    "sigmoid": _sigmoid_backward,
    "tanh": _tanh_backward,
    "relu": _relu_backward,
    "leaky_relu": _leaky_relu_backward,
    "elu": _elu_backward,
    "softmax": _softmax_backward,
}


# Forward rules that write f(z) into a preallocated buffer during training.
# Identity returns z itself: nothing downstream writes to it.


def _leaky_relu_into(z: Array, out: Array) -> Array:
    # For a slope below one, leaky ReLU is max(z, slope * z).
    np.multiply(z, LEAKY_RELU_SLOPE, out=out)
    return np.maximum(z, out, out=out)


ForwardInto = Callable[[Array, Array], Array]

_FORWARD_INTO: dict[str, ForwardInto] = {
    "identity": lambda z, out: z,
    "sigmoid": lambda z, out: expit(z, out=out),
    "tanh": lambda z, out: np.tanh(z, out=out),
    "relu": lambda z, out: np.maximum(z, 0, out=out),
    "leaky_relu": _leaky_relu_into,
}


def _checked(func: Activation) -> Activation:
    """Wrap a custom activation so that a wrong shape fails with a clear message.

    It would otherwise broadcast silently or crash deep inside the network.
    (Whether the function is defined on the reals is checked with the other
    hyperparameters, at fit.)
    """
    label = getattr(func, "__name__", repr(func))

    def apply(z: Array) -> Array:
        a = np.asarray(func(z))
        if a.shape != np.shape(z):
            raise ValueError(
                f"The custom activation {label} returned shape {a.shape} for z of "
                f"shape {np.shape(z)}; an activation must be elementwise."
            )
        return a

    return apply


class Rule(NamedTuple):
    """An activation resolved for the network's forward and backward passes."""

    apply: Activation
    apply_into: ForwardInto
    backward: BackwardRule


def resolve(func: str | Activation) -> Rule:
    """Return the :class:`Rule` of an activation name or callable.

    ``apply_into(z, out)`` returns ``f(z)``, written into `out` where it can be;
    ``backward(delta, z, a)`` returns ``delta * f'(z)``, in place for built-ins.
    For a custom callable the derivative is built here, once.
    """
    name = func if isinstance(func, str) else _name_of(func)
    # A string that is not a built-in's name was refused by validation.
    apply = ACTIVATIONS[name] if name is not None else _checked(cast(Activation, func))

    def apply_into(z: Array, out: Array) -> Array:
        out[...] = apply(z)
        return out

    if name is not None:
        return Rule(apply, _FORWARD_INTO.get(name, apply_into), _BACKWARD[name])
    prime = derivative(func)

    def custom_backward(delta: Array, z: Array, a: Array) -> Array:
        delta *= prime(z)
        return delta

    return Rule(apply, apply_into, custom_backward)
