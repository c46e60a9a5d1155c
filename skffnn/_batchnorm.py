"""Batch normalization: pure forward and backward functions.

During training each hidden pre-activation ``z`` is standardized with the
minibatch's own mean and variance, then scaled and shifted by learnable
``gamma`` and ``beta``:

``z_hat = (z - mean) / sqrt(var + eps)``, ``out = gamma * z_hat + beta``.

At prediction the running averages of the batch statistics replace them. A batch
of one sample has zero variance, so ``z_hat = 0`` and ``out = beta``: finite.

The batch statistics are weighted by the samples' (normalized) weights ``w``, so
that a sample of weight 2 acts exactly like the same sample twice:
``mean = sum_i w_i z_i`` and ``var = sum_i w_i (z_i - mean)^2``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

Array = np.ndarray

EPS = 1e-5
"""Added to the variance so that a constant unit never divides by zero."""

MOMENTUM = 0.9
"""Weight of the old running statistics in each update."""


class Cache(NamedTuple):
    """What the backward pass needs from the forward pass."""

    z_hat: Array
    inv_std: Array
    weights: Array


def forward_train(
    z: Array, gamma: Array, beta: Array, weights: Array
) -> tuple[Array, Cache, Array, Array]:
    """Normalize with the weighted batch statistics.

    Parameters
    ----------
    z : ndarray of shape (n_samples, n_units)
        Pre-activations.
    gamma, beta : ndarray of shape (n_units,)
        Scale and shift.
    weights : ndarray of shape (n_samples, 1)
        Sample weights summing to one.

    Returns
    -------
    out : ndarray
        ``gamma * z_hat + beta``.
    cache : Cache
        For :func:`backward`.
    mean, var : ndarray
        The batch statistics, for the running averages.
    """
    mean = weights.T @ z
    centered = z - mean
    var = weights.T @ (centered * centered)
    inv_std = 1.0 / np.sqrt(var + EPS)
    z_hat = centered * inv_std
    return z_hat * gamma + beta, Cache(z_hat, inv_std, weights), mean[0], var[0]


def forward_inference(
    z: Array, gamma: Array, beta: Array, running_mean: Array, running_var: Array
) -> Array:
    """Normalize with the running statistics."""
    return (z - running_mean) * (gamma / np.sqrt(running_var + EPS)) + beta


def update_running(running: Array, batch: Array) -> None:
    """Move a running statistic towards the batch's, in place."""
    running *= MOMENTUM
    running += (1 - MOMENTUM) * batch


def backward(delta: Array, cache: Cache, gamma: Array) -> tuple[Array, Array, Array]:
    """Return ``(dC/dz, dC/dgamma, dC/dbeta)`` given ``delta = dC/dout``.

    Notes
    -----
    With ``g = delta * gamma``, differentiating through the weighted batch mean
    and variance gives
    ``dC/dz_j = inv_std * (g_j - w_j sum_i g_i - w_j z_hat_j sum_i g_i z_hat_i)``;
    with equal weights ``w_j = 1 / N`` this is the usual
    ``inv_std * (g - mean(g) - z_hat * mean(g * z_hat))``.
    """
    grad_gamma = np.sum(delta * cache.z_hat, axis=0)
    grad_beta = np.sum(delta, axis=0)
    g = delta * gamma
    dz = g - cache.weights * (
        np.sum(g, axis=0) + cache.z_hat * np.sum(g * cache.z_hat, axis=0)
    )
    dz *= cache.inv_std
    return dz, grad_gamma, grad_beta
