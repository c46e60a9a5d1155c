"""Cost functions: per-sample losses and their closed-form gradients.

A cost takes ``(y, p)``, targets and network outputs of shape
``(n_samples, n_outputs)``, and returns one loss per sample. The training loss is
the (weighted) mean of these over the samples, plus the L2 term. A user's cost is
any callable of that form written with ``autograd.numpy``; its gradient with
respect to ``p`` comes from autograd. A user's cost may also return one number
for the whole batch (a mean, as the course notes' ``CostOLS``): that number is
then the batch's loss, and sample weights cannot apply to it
(:func:`is_batch_cost` tells).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
from scipy.special import expit, xlogy

__all__ = [
    "COSTS",
    "binary_cross_entropy",
    "cross_entropy",
    "gradient",
    "is_batch_cost",
    "mse",
]

Array = np.ndarray
Cost = Callable[[Array, Array], Array]


def _clip_probabilities(p: Array) -> Array:
    # Keep log() finite: a saturated sigmoid or softmax can return exactly 0 or 1.
    eps = np.finfo(p.dtype).eps if p.dtype.kind == "f" else np.finfo(float).eps
    return np.clip(p, eps, 1 - eps)


def mse(y: Array, p: Array) -> Array:
    """Squared error averaged over outputs, one value per sample.

    Notes
    -----
    ``C_i = (1 / n_outputs) sum_k (p_ik - y_ik)^2``; the seed's OLS cost.
    """
    return np.mean((p - y) ** 2, axis=1)


def binary_cross_entropy(y: Array, p: Array) -> Array:
    """Binary cross-entropy (log-loss) summed over outputs, one value per sample.

    Notes
    -----
    ``C_i = -sum_k [y_ik log p_ik + (1 - y_ik) log(1 - p_ik)]``, with `p` clipped
    to ``[eps, 1 - eps]`` so that no logarithm of zero is taken.
    """
    p = _clip_probabilities(p)
    return -np.sum(xlogy(y, p) + xlogy(1 - y, 1 - p), axis=1)


def cross_entropy(y: Array, p: Array) -> Array:
    """Categorical cross-entropy of one-hot `y`, one value per sample.

    Notes
    -----
    ``C_i = -sum_k y_ik log p_ik``, with `p` clipped away from zero.
    """
    return -np.sum(xlogy(y, _clip_probabilities(p)), axis=1)


def binary_cross_entropy_from_logits(y: Array, z: Array) -> Array:
    """Binary cross-entropy of ``p = sigmoid(z)``, computed from `z` exactly.

    Notes
    -----
    ``C_i = sum_k [log(1 + exp(z_ik)) - y_ik z_ik]``, with ``logaddexp`` so that
    no exponential overflows: exact even where ``p`` rounds to 0 or 1.
    """
    return np.sum(np.logaddexp(0, z) - y * z, axis=1)


def sigmoid_binary_cross_entropy(y: Array, z: Array) -> tuple[Array, Array]:
    """Return ``sigmoid(z)`` and its binary cross-entropy, computed from `z`."""
    return expit(z), binary_cross_entropy_from_logits(y, z)


def softmax_cross_entropy(y: Array, z: Array) -> tuple[Array, Array]:
    """Return ``softmax(z)`` and its cross-entropy, sharing the work.

    Notes
    -----
    With ``s = z - max(z)``: ``p = exp(s) / sum(exp(s))`` and
    ``C_i = log(sum_k exp(s_ik)) - sum_k y_ik s_ik``, exact when the rows of `y`
    sum to one (one-hot or probability targets).
    """
    shifted = z - np.max(z, axis=1, keepdims=True)
    p = np.exp(shifted)
    total = np.add.reduce(p, axis=1, keepdims=True)
    p /= total
    return p, np.log(total[:, 0]) - np.einsum("ij,ij->i", y, shifted)


COSTS: dict[str, Cost] = {
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "cross_entropy": cross_entropy,
}
"""Built-in costs by name."""


def _mse_gradient(y: Array, p: Array) -> Array:
    return (2.0 / p.shape[1]) * (p - y)


def _binary_cross_entropy_gradient(y: Array, p: Array) -> Array:
    p = _clip_probabilities(p)
    return (p - y) / (p * (1 - p))


def _cross_entropy_gradient(y: Array, p: Array) -> Array:
    return -y / _clip_probabilities(p)


_GRADIENTS: dict[str, Cost] = {
    "mse": _mse_gradient,
    "binary_cross_entropy": _binary_cross_entropy_gradient,
    "cross_entropy": _cross_entropy_gradient,
}


def _name_of(func: Cost) -> str | None:
    for name, builtin in COSTS.items():
        if func is builtin:
            return name
    return None


def gradient(cost: str | Cost) -> Cost:
    """Return ``dC_i/dp``, the gradient of a per-sample cost with respect to `p`.

    Parameters
    ----------
    cost : str or callable
        A name from :data:`COSTS`, a built-in cost, or a callable
        ``cost(y, p) -> (n_samples,)`` written with ``autograd.numpy``.

    Returns
    -------
    gradient : callable
        ``gradient(y, p)`` with the shape of `p`. Row ``i`` is the derivative of
        sample ``i``'s loss, so a weighted mean's gradient is a row scaling.
    """
    name = cost if isinstance(cost, str) else _name_of(cost)
    if name is not None:
        return _GRADIENTS[name]
    from autograd import make_vjp

    custom = cast(Cost, cost)

    def custom_gradient(y: Array, p: Array) -> Array:
        backward, value = make_vjp(lambda q: custom(y, q))(p)
        if np.ndim(value) == 0:
            # A batch mean's gradient already holds the 1 / n that the network
            # applies to per-sample rows: undo it, not divide twice.
            return cast(Array, backward(1.0) * len(p))
        # The losses of different samples are independent, so the gradient of
        # their sum holds each sample's own gradient in its row.
        return cast(Array, backward(np.ones_like(value)))

    return custom_gradient


def is_batch_cost(cost: str | Cost, y: Array) -> bool:
    """Whether a custom `cost` returns one number for a batch, not one per sample.

    Parameters
    ----------
    cost : str or callable
        A cost name or callable ``cost(y, p)``.
    y : ndarray of shape (n_samples, n_outputs)
        Targets to call it on (with ``p = y``), at least two rows.

    Returns
    -------
    batch : bool
        True for a custom cost whose value on `y` is a scalar.
    """
    if isinstance(cost, str) or _name_of(cost) is not None:
        return False
    with np.errstate(all="ignore"):
        return bool(np.ndim(cost(y, y.copy())) == 0)


def resolve(cost: str | Cost) -> tuple[Cost, Cost]:
    """Return ``(cost, gradient)`` for a cost name or callable."""
    name = cost if isinstance(cost, str) else _name_of(cost)
    func = COSTS[name] if name is not None else _checked(cast(Cost, cost))
    return func, gradient(cost)


def _checked(cost: Cost) -> Cost:
    """Wrap a custom cost so that a wrong shape fails clearly.

    Returning fewer values than samples (slicing, or summing over the wrong
    axis) would otherwise crash deep inside the network or be silently
    broadcast. One number is the batch's loss: every sample is given it, so
    that their mean is that number. A NaN is left to the training loop's
    divergence guard: an unclipped log can meet a saturated prediction late in
    training.
    """
    label = getattr(cost, "__name__", repr(cost))

    def checked(y: Array, p: Array) -> Array:
        per_sample = np.asarray(cost(y, p))
        if per_sample.shape == ():
            return np.full(len(p), per_sample, dtype=p.dtype)
        if per_sample.shape != (len(p),):
            raise ValueError(
                f"The custom cost {label} returned shape {per_sample.shape} for "
                f"{len(p)} samples; it must return one value per sample, shape "
                f"({len(p)},) (e.g. sum over axis=1), or one number for the batch."
            )
        return per_sample

    return checked
