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

from skffnn import activations, costs
from skffnn._network import Network

Array = np.ndarray


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


def autograd_loss(network: Network, X: Array, y: Array, weights: Array, lam: float):
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

    def loss(theta: Any) -> Any:
        n_weights = sum(n_in * n_out for n_in, n_out in shapes)
        w_start, b_start, a = 0, n_weights, X
        penalty = 0.0
        for layer, (n_in, n_out) in enumerate(shapes):
            W = anp.reshape(theta[w_start : w_start + n_in * n_out], (n_in, n_out))
            b = theta[b_start : b_start + n_out]
            w_start, b_start = w_start + n_in * n_out, b_start + n_out
            penalty = penalty + anp.sum(W**2)
            z = anp.dot(a, W) + b
            if layer < len(shapes) - 1:
                a = hidden[layer](z)
        per_sample = from_logits(y, z) if from_logits else cost(y, output(z))
        return anp.sum(weights * per_sample) + 0.5 * lam * penalty

    return loss


def _prepared(estimator: Any, X: Any, y: Any) -> tuple[Any, Any, dict[str, Any]]:
    """Return an initialized copy of `estimator`, its data and parameters."""
    fitted = hasattr(estimator, "_network")
    model = copy.deepcopy(estimator) if fitted else clone(estimator)
    params, data, _ = model._setup(X, y, None, first_call=not fitted)
    return model, data, params


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
        ``max over layers of ||g_backprop - g_autograd|| / max(||g_backprop||,
        ||g_autograd||)`` taken separately for every weight matrix and every bias
        vector (0 where both are zero). A correct float64 network gives about
        1e-7 or less.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn import FFNNRegressor, gradient_error
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    >>> gradient_error(FFNNRegressor(hidden_layer_sizes=(5,)), X, y) < 1e-7
    True
    """
    model, data, params = _prepared(estimator, X, y)
    network: Network = model._network
    X_dense = data.X.toarray() if hasattr(data.X, "toarray") else np.asarray(data.X)
    weights = data.normalized_weights()
    if weights is None:
        weights = np.full(data.n_samples, 1.0 / data.n_samples)
    network.gradient(data.X, data.y, weights.astype(network.dtype), params["lam"])
    loss = autograd_loss(
        network,
        X_dense.astype(np.float64),
        data.y.astype(np.float64),
        weights,
        params["lam"],
    )
    reference = Network.__new__(Network)
    reference.__setstate__(network.__getstate__())
    reference.theta = reference.theta.astype(np.float64)
    reference._build()
    reference.grad[:] = grad(loss)(reference.theta.copy())
    error = 0.0
    pairs = zip(
        network.grad_W + network.grad_b,
        reference.grad_W + reference.grad_b,
        strict=True,
    )
    for backprop, auto in pairs:
        scale = max(np.linalg.norm(backprop), np.linalg.norm(auto))
        if scale > 0:
            error = max(error, float(np.linalg.norm(backprop - auto) / scale))
    return error
