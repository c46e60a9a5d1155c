"""Initial weights: Glorot's and He's schemes, the seed's N(0, 1), and "auto".

Pure functions of a random generator and the layers' shapes, drawn in place.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Array = np.ndarray

SCHEMES = ("auto", "glorot", "he", "normal")


def draw(
    rng: np.random.Generator,
    weights: Sequence[Array],
    biases: Sequence[Array],
    weight_init: str = "auto",
) -> None:
    """Draw every layer's weights (and for "auto" its biases) in place.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    weights, biases : sequence of ndarray
        ``W`` of shape ``(n_in, n_out)`` and ``b`` of shape ``(n_out,)`` per
        layer; biases not drawn are left as they are (zero after a reset).
    weight_init : {"auto", "glorot", "he", "normal"}
        ``"glorot"``: uniform on ``+-sqrt(6 / (n_in + n_out))``; ``"he"``:
        normal with standard deviation ``sqrt(2 / n_in)``; ``"normal"``: the
        seed's N(0, 1). ``"auto"`` is scikit-learn's MLP initialization:
        Glorot's range on every layer for the weights and the biases alike.
        With the default settings it scored better than He before ReLU layers
        and than zero biases (benchmarks/defaults_study.py).
    """
    if weight_init not in SCHEMES:
        raise ValueError(f"unknown weight_init {weight_init!r}")
    for W, b in zip(weights, biases, strict=True):
        n_in, n_out = W.shape
        if weight_init in ("auto", "glorot"):
            bound = np.sqrt(6.0 / (n_in + n_out))
            W[:] = rng.uniform(-bound, bound, W.shape)
            if weight_init == "auto":
                # As scikit-learn's MLP: zero biases put every ReLU kink
                # through the origin; spread ones scored better (the study).
                b[:] = rng.uniform(-bound, bound, n_out)
        elif weight_init == "he":
            W[:] = rng.standard_normal(W.shape) * np.sqrt(2.0 / n_in)
        else:
            W[:] = rng.standard_normal(W.shape)
