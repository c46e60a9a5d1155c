"""Dropout masks that are a function of the sample, the step and the unit.

Inverted dropout keeps each hidden unit with probability ``1 - rate`` and scales
the kept ones by ``1 / (1 - rate)``. Instead of drawing masks from a stream,
each mask entry is hashed from a key of the sample's content, the optimizer
step and the unit (SplitMix64). Masks are still independent across samples,
units and steps, and repeat with the seed; in addition a sample of weight 2 sees
exactly the noise that two copies of it see, so sample weights stay equivalent
to repeated samples, as scikit-learn expects of them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

Array = np.ndarray

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _mix(x: Array) -> Array:
    """SplitMix64's finalizer on a uint64 array (wrapping arithmetic)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


def row_keys(X: Any, seed: int) -> Array:
    """Return one uint64 key per row of `X`, equal for equal rows.

    A dense row is hashed bit by bit, column after column (a BLAS product could
    round equal rows differently at different positions). A sparse row is
    hashed through the bits of a random projection, which CSR computes row by
    row in a fixed order.
    """
    keys = np.full(X.shape[0], seed, np.uint64)
    if isinstance(X, np.ndarray):
        for column in range(X.shape[1]):
            bits = np.ascontiguousarray(X[:, column], np.float64).view(np.uint64)
            keys = _mix(keys ^ bits)
        return keys
    direction = np.random.default_rng(seed).standard_normal(X.shape[1])
    projection = np.ascontiguousarray(np.asarray(X @ direction, np.float64).ravel())
    return _mix(keys ^ projection.view(np.uint64))


def masks(
    keys: Array, step: int, widths: list[int], rate: float, dtype: str
) -> list[Array]:
    """Return one inverted-dropout mask per hidden layer for a minibatch.

    Parameters
    ----------
    keys : ndarray of uint64, shape (n_samples,)
        From :func:`row_keys`, for the batch's rows.
    step : int
        Optimizer step: a new step draws new masks.
    widths : list of int
        Hidden layer widths.
    rate : float
        Probability of dropping a unit, in [0, 1).
    dtype : str
        dtype of the masks.

    Returns
    -------
    masks : list of ndarray of shape (n_samples, width)
        Entries ``0`` or ``1 / (1 - rate)``.
    """
    keep = 1.0 - rate
    step_key = _mix(np.array([step], np.uint64))
    result = []
    offset = 0
    for width in widths:
        units = _mix(np.arange(offset, offset + width, dtype=np.uint64) ^ step_key)
        bits = _mix(keys[:, None] ^ units[None, :])
        uniform = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
        result.append(((uniform < keep) / keep).astype(dtype))
        offset += width
    return result
