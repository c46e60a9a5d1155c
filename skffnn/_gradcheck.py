"""`gradient_error`: the backward pass checked against autograd.

The loss here is written a second time, apart from the core, with
``autograd.numpy``: its own activations, its own costs (computed from the output
layer's ``z`` where that is exact), its own unpacking of the flat parameters.
Autograd's gradient of it is compared with :meth:`Network.gradient`.
"""

from __future__ import annotations

import copy
from typing import Any

import autograd.numpy as anp
import numpy as np
from autograd import grad
from sklearn.base import clone

from skffnn import _batchnorm, _dropout, activations, costs
from skffnn._network import Network

Array = np.ndarray


_FLOOR = 1e-6


def _softmax(z: Any) -> Any:
    exp = anp.exp(z - anp.max(z, axis=1, keepdims=True))
    return exp / anp.sum(exp, axis=1, keepdims=True)


_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": lambda z: 0.5 * (anp.tanh(0.5 * z) + 1),
    "tanh": anp.tanh,
    "relu": lambda z: anp.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: anp.where(z > 0, z, activations.LEAKY_RELU_SLOPE * z),
    "elu": lambda z: anp.where(z > 0, z, anp.exp(anp.minimum(z, 0.0)) - 1),
    "softmax": _softmax,
}


def _clipped(p: Any) -> Any:
    eps = np.finfo(np.float64).eps
    return anp.clip(p, eps, 1 - eps)


_COSTS = {
    "mse": lambda y, p: anp.mean((p - y) ** 2, axis=1),
    "binary_cross_entropy": lambda y, p: (
        -anp.sum(y * anp.log(_clipped(p)) + (1 - y) * anp.log(_clipped(1 - p)), axis=1)
    ),
    "cross_entropy": lambda y, p: -anp.sum(y * anp.log(_clipped(p)), axis=1),
}


def _logsumexp(z: Any) -> Any:
    top = anp.max(z, axis=1, keepdims=True)
    return anp.log(anp.sum(anp.exp(z - top), axis=1)) + top[:, 0]


# Costs written on the output layer's z, exact for any size of z.
_COSTS_FROM_LOGITS = {
    ("sigmoid", "binary_cross_entropy"): lambda y, z: anp.sum(
        anp.logaddexp(0.0, z) - y * z, axis=1
    ),
    ("softmax", "cross_entropy"): lambda y, z: _logsumexp(z) - anp.sum(y * z, axis=1),
}


def _lookup(func: Any, table: dict[str, Any], registry: dict[str, Any]) -> Any:
    """Map a built-in (by name or identity) to this module's version."""
    for name, builtin in registry.items():
        if func == name or func is builtin:
            return name, table[name]
    return None, func


def _batch_normalized(z: Any, gamma: Any, beta: Any, weights: Array) -> Any:
    mean = anp.sum(weights[:, None] * z, axis=0)
    var = anp.sum(weights[:, None] * (z - mean) ** 2, axis=0)
    return (z - mean) / anp.sqrt(var + _batchnorm.EPS) * gamma + beta


def autograd_loss(
    network: Network,
    X: Array,
    y: Array,
    weights: Array,
    lam: float,
    masks: list[Array] | None = None,
):
    """Return ``loss(theta)``, the network's training loss written with autograd.

    Parameters
    ----------
    network : Network
        Supplies the architecture and functions (not its forward pass).
    X : ndarray of shape (n_samples, n_features)
        Dense float64 inputs.
    y : ndarray of shape (n_samples, n_outputs)
        Encoded targets.
    weights : ndarray of shape (n_samples,)
        Sample weights summing to one.
    lam : float
        L2 penalty on the weights.
    masks : list of ndarray, optional
        Dropout masks, one per hidden layer, as :func:`skffnn._dropout.masks`
        draws them.
    """
    shapes = list(zip(network.layer_sizes[:-1], network.layer_sizes[1:], strict=True))
    hidden = [
        _lookup(f, _ACTIVATIONS, activations.ACTIVATIONS)[1]
        for f in network.hidden_activations
    ]
    out_name, output = _lookup(
        network.output_activation, _ACTIVATIONS, activations.ACTIVATIONS
    )
    cost_name, cost = _lookup(network.cost, _COSTS, costs.COSTS)
    from_logits = _COSTS_FROM_LOGITS.get((out_name, cost_name))

    n_weights = sum(n_in * n_out for n_in, n_out in shapes)
    n_hidden_units = sum(n_out for _, n_out in shapes[:-1])
    bn_start = n_weights + sum(n_out for _, n_out in shapes)

    def loss(theta: Any) -> Any:
        w_start, b_start, a = 0, n_weights, X
        gamma_start, beta_start = bn_start, bn_start + n_hidden_units
        penalty = 0.0
        for layer, (n_in, n_out) in enumerate(shapes):
            W = anp.reshape(theta[w_start : w_start + n_in * n_out], (n_in, n_out))
            b = theta[b_start : b_start + n_out]
            w_start, b_start = w_start + n_in * n_out, b_start + n_out
            penalty = penalty + anp.sum(W**2)
            z = anp.dot(a, W) + b
            if layer == len(shapes) - 1:
                break
            if network.batch_norm:
                gamma = theta[gamma_start : gamma_start + n_out]
                beta = theta[beta_start : beta_start + n_out]
                gamma_start, beta_start = gamma_start + n_out, beta_start + n_out
                z = _batch_normalized(z, gamma, beta, weights)
            a = hidden[layer](z)
            if masks is not None:
                a = a * masks[layer]
        per_sample = from_logits(y, z) if from_logits else cost(y, output(z))
        return anp.sum(weights * per_sample) + 0.5 * lam * penalty

    return loss


def _float64_copy(network: Network) -> Network:
    """Return a float64 copy of `network` (its definition and arrays)."""
    state = network.__getstate__()
    for key in ("theta", "running_mean", "running_var"):
        state[key] = np.array(state[key], dtype=np.float64)
    state["dtype"] = "float64"
    copy64 = Network.__new__(Network)
    copy64.__setstate__(state)
    return copy64


def _prepared(estimator: Any, X: Any, y: Any) -> tuple[Any, Any]:
    """Return an initialized copy of `estimator` and its checked, encoded data."""
    if not callable(getattr(estimator, "_prepare_for_check", None)):
        raise TypeError(
            "gradient_error checks an FFNNRegressor or FFNNClassifier; got "
            f"{type(estimator).__name__}."
        )
    fitted = hasattr(estimator, "_network")
    model = copy.deepcopy(estimator) if fitted else clone(estimator)
    return model, model._prepare_for_check(X, y)


def gradient_error(estimator: Any, X: Any, y: Any) -> float:
    """Return the largest relative difference between backprop and autograd.

    Both gradients are of the estimator's training loss on `X`, `y` (mean cost
    plus the L2 term), at its current weights; an unfitted estimator is
    initialized first, on a copy. The estimator itself is never changed.

    Parameters
    ----------
    estimator : FFNNRegressor or FFNNClassifier
        A configured estimator, fitted or not.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Inputs.
    y : array-like
        Targets, as for `fit`.

    Returns
    -------
    error : float
        ``||g_backprop - g_autograd|| / max(||g_backprop||, ||g_autograd||,
        1e-6 ||g||)`` taken separately for every weight matrix, bias vector and
        batch-norm scale and shift, and the largest of these returned; ``||g||``
        is the norm of the whole gradient, so that blocks whose true gradient is
        zero compare their rounding noise with it. Both gradients are computed in
        float64 (a float32 model is copied to float64 first), so a correct
        network gives about 1e-7 or less.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn import FFNNRegressor, gradient_error
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    >>> gradient_error(FFNNRegressor(hidden_layer_sizes=(5,)), X, y) < 1e-7
    True
    """
    model, prepared = _prepared(estimator, X, y)
    data, loop = prepared.data, prepared.settings.loop
    # Both sides in float64, so that a float32 model's check measures the
    # maths, not float32 rounding.
    network = _float64_copy(model._network)
    X_64, y_64 = data.X.astype(np.float64), data.y.astype(np.float64)
    X_dense = X_64.toarray() if hasattr(X_64, "toarray") else np.asarray(X_64)
    weights = data.normalized_weights()
    if weights is None:
        weights = np.full(data.n_samples, 1.0 / data.n_samples)
    # Dropout is checked with one fixed draw of masks, shared by both sides.
    masks = None
    if loop.dropout:
        keys = _dropout.row_keys(data.X, seed=0)
        masks = _dropout.masks(keys, 0, network.hidden_widths, loop.dropout, "float64")
    network.gradient(X_64, y_64, weights, loop.lam, masks)
    loss = autograd_loss(network, X_dense, y_64, weights, loop.lam, masks)
    reference = _float64_copy(network)
    reference.grad[:] = grad(loss)(reference.theta.copy())
    error = 0.0
    pairs = zip(
        network.grad_W + network.grad_b + network.grad_gamma + network.grad_beta,
        reference.grad_W
        + reference.grad_b
        + reference.grad_gamma
        + reference.grad_beta,
        strict=True,
    )
    # A block whose true gradient is zero (a bias under batch norm) holds only
    # rounding noise on both sides; measure it against the whole gradient.
    floor = _FLOOR * max(np.linalg.norm(network.grad), np.linalg.norm(reference.grad))
    for backprop, auto in pairs:
        scale = max(np.linalg.norm(backprop), np.linalg.norm(auto), floor)
        if scale > 0:
            error = max(error, float(np.linalg.norm(backprop - auto) / scale))
    return error
