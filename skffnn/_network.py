"""The backprop core: a feed-forward network on one flat parameter vector.

All weights and biases live in one contiguous array ``theta`` laid out as
``[W_0, W_1, ..., W_L, b_0, b_1, ..., b_L]``; ``W[layer]`` and ``b[layer]`` are
views into it, and the gradient lives in ``grad`` with the same layout. So an
optimizer step is a few vectorised operations on one array, the L2 penalty is one
dot product over the leading weight block, and L-BFGS needs no packing.

A layer computes ``z = a_prev @ W + b`` and ``a = f(z)``. The backward pass is the
seed's four equations, vectorised over the minibatch:

* ``delta_L = f'(z_L) * dC/da_L`` (or ``a_L - y`` for sigmoid + binary
  cross-entropy and softmax + cross-entropy),
* ``delta_l = (delta_{l+1} @ W_{l+1}.T) * f'(z_l)``,
* ``dC/dW_l = a_{l-1}.T @ delta_l`` and ``dC/db_l = sum over samples of delta_l``.

This module knows nothing of scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from skffnn import activations, costs

Array = np.ndarray

# Output layer and cost pairs whose dC/dz collapses to a - y (no Jacobian needed).
_CANONICAL_PAIRS = {("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy")}

_RELU_FAMILY = ("relu", "leaky_relu", "elu")

WEIGHT_INITS = ("auto", "glorot", "he", "normal")


def _builtin_name(func: Any, registry: dict[str, Any]) -> str | None:
    if isinstance(func, str):
        return func
    for name, builtin in registry.items():
        if func is builtin:
            return name
    return None


class Network:
    """A feed-forward network with a hand-written backward pass.

    Parameters
    ----------
    layer_sizes : sequence of int
        Widths from the input layer to the output layer.
    hidden_activations : sequence of str or callable
        One activation per hidden layer.
    output_activation : str or callable
        Activation of the output layer.
    cost : str or callable
        Per-sample cost ``cost(y, p) -> (n_samples,)``.
    dtype : str
        ``"float64"`` or ``"float32"``: parameters and computations.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        hidden_activations: Sequence[Any],
        output_activation: Any,
        cost: Any,
        dtype: str = "float64",
    ) -> None:
        self.layer_sizes = tuple(int(size) for size in layer_sizes)
        if len(hidden_activations) != len(self.layer_sizes) - 2:
            raise ValueError("need one hidden activation per hidden layer")
        self.hidden_activations = list(hidden_activations)
        self.output_activation = output_activation
        self.cost = cost
        self.dtype = np.dtype(dtype).name
        n_weights = sum(
            n_in * n_out
            for n_in, n_out in zip(
                self.layer_sizes[:-1], self.layer_sizes[1:], strict=True
            )
        )
        self.theta = np.zeros(n_weights + sum(self.layer_sizes[1:]), self.dtype)
        self._build()

    # Only the definition and theta are state; everything else is derived from
    # them, so that pickles and skops files hold no duplicate or function objects.
    def __getstate__(self) -> dict[str, Any]:
        """Return the defining state: architecture, functions and ``theta``."""
        keys = (
            "layer_sizes",
            "hidden_activations",
            "output_activation",
            "cost",
            "dtype",
            "theta",
        )
        return {key: self.__dict__[key] for key in keys}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the state and rebuild the views into ``theta``."""
        self.__dict__.update(state)
        self.layer_sizes = tuple(self.layer_sizes)
        self._build()

    def _build(self) -> None:
        """Make the per-layer views, gradient buffer and resolved functions."""
        shapes = list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))
        self.n_weights = sum(n_in * n_out for n_in, n_out in shapes)
        self.grad = np.zeros_like(self.theta)
        self.W: list[Array] = []
        self.b: list[Array] = []
        self.grad_W: list[Array] = []
        self.grad_b: list[Array] = []
        w_start, b_start = 0, self.n_weights
        for n_in, n_out in shapes:
            w_stop, b_stop = w_start + n_in * n_out, b_start + n_out
            self.W.append(self.theta[w_start:w_stop].reshape(n_in, n_out))
            self.grad_W.append(self.grad[w_start:w_stop].reshape(n_in, n_out))
            self.b.append(self.theta[b_start:b_stop])
            self.grad_b.append(self.grad[b_start:b_stop])
            w_start, b_start = w_stop, b_stop
        self._hidden = [activations.resolve(f) for f in self.hidden_activations]
        self._output, self._output_backward = activations.resolve(
            self.output_activation
        )
        self._cost, self._cost_gradient = costs.resolve(self.cost)
        pair = (
            _builtin_name(self.output_activation, activations.ACTIVATIONS),
            _builtin_name(self.cost, costs.COSTS),
        )
        self._canonical_output = pair in _CANONICAL_PAIRS

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers plus the output layer)."""
        return len(self.W)

    def initialize(self, rng: np.random.Generator, weight_init: str = "auto") -> None:
        """Draw initial weights in place; biases start at zero.

        Parameters
        ----------
        rng : numpy.random.Generator
            Source of randomness.
        weight_init : {"auto", "glorot", "he", "normal"}
            ``"glorot"``: uniform on ``+-sqrt(6 / (n_in + n_out))``; ``"he"``:
            normal with standard deviation ``sqrt(2 / n_in)``; ``"normal"``: the
            seed's N(0, 1). ``"auto"`` picks He for layers feeding a ReLU-family
            activation and Glorot otherwise.
        """
        self.theta[:] = 0
        feeding = [*self.hidden_activations, self.output_activation]
        for W, func in zip(self.W, feeding, strict=True):
            n_in, n_out = W.shape
            scheme = weight_init
            if scheme == "auto":
                name = _builtin_name(func, activations.ACTIVATIONS)
                scheme = "he" if name in _RELU_FAMILY else "glorot"
            if scheme == "glorot":
                bound = np.sqrt(6.0 / (n_in + n_out))
                W[:] = rng.uniform(-bound, bound, W.shape)
            elif scheme == "he":
                W[:] = rng.standard_normal(W.shape) * np.sqrt(2.0 / n_in)
            elif scheme == "normal":
                W[:] = rng.standard_normal(W.shape)
            else:
                raise ValueError(f"unknown weight_init {weight_init!r}")

    def forward(self, X: Any, *, store: bool = False) -> Array:
        """Return the output activations for the rows of `X`.

        Parameters
        ----------
        X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
            Input in the network's dtype; a sparse `X` is multiplied directly.
        store : bool
            Keep every layer's ``z`` and ``a`` for :meth:`gradient`.
        """
        a = X
        if store:
            self._a, self._z = [X], []
        for layer in range(self.n_layers):
            z = a @ self.W[layer]
            z += self.b[layer]
            if layer < self.n_layers - 1:
                a = self._hidden[layer][0](z)
            else:
                a = self._output(z)
            if store:
                self._z.append(z)
                self._a.append(a)
        return np.asarray(a)

    def loss(
        self, X: Any, y: Array, weights: Array | None = None, lam: float = 0.0
    ) -> float:
        """Return the training loss: mean cost over samples plus the L2 term.

        Parameters
        ----------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
            Inputs.
        y : ndarray of shape (n_samples, n_outputs)
            Encoded targets.
        weights : ndarray of shape (n_samples,), optional
            Per-sample weights summing to one; None means ``1 / n_samples`` each.
        lam : float
            L2 penalty on the weights (not the biases).

        Returns
        -------
        loss : float
            ``sum_i w_i C_i + lam / 2 * sum(W ** 2)``.
        """
        return self._total_loss(self._cost(y, self.forward(X)), weights, lam)

    def _total_loss(
        self, per_sample: Array, weights: Array | None, lam: float
    ) -> float:
        data = np.mean(per_sample) if weights is None else np.dot(weights, per_sample)
        weights_flat = self.theta[: self.n_weights]
        return float(data + 0.5 * lam * np.dot(weights_flat, weights_flat))

    def gradient(
        self, X: Any, y: Array, weights: Array | None = None, lam: float = 0.0
    ) -> tuple[float, Array]:
        """Run forward and backward; fill :attr:`grad`, return loss and output.

        Parameters are as for :meth:`loss`. After the call ``grad`` holds
        ``dC/dtheta`` in the layout of ``theta`` (``grad_W`` and ``grad_b`` are
        its per-layer views). The network's output is returned so that callers
        can score the batch without a second forward pass.
        """
        out = self.forward(X, store=True)
        loss = self._total_loss(self._cost(y, out), weights, lam)
        # Row scale of dC/dz: the weighted mean makes sample i count w_i.
        scale = (
            np.full((out.shape[0], 1), 1.0 / out.shape[0], self.dtype)
            if weights is None
            else weights[:, None]
        )
        delta = self._output_delta(y, out) * scale
        for layer in range(self.n_layers - 1, -1, -1):
            a_prev = self._a[layer]
            if isinstance(a_prev, np.ndarray):
                np.matmul(a_prev.T, delta, out=self.grad_W[layer])
            else:  # sparse input: the product comes back dense
                self.grad_W[layer][:] = a_prev.T @ delta
            np.sum(delta, axis=0, out=self.grad_b[layer])
            if layer > 0:
                delta = delta @ self.W[layer].T
                backward = self._hidden[layer - 1][1]
                delta = backward(delta, self._z[layer - 1], self._a[layer])
        if lam:
            self.grad[: self.n_weights] += lam * self.theta[: self.n_weights]
        self._a = self._z = []
        return loss, out

    def _output_delta(self, y: Array, out: Array) -> Array:
        """Return ``dC_i/dz_L`` per sample, before weighting."""
        if self._canonical_output:
            return out - y
        cost_gradient = np.array(self._cost_gradient(y, out), self.dtype)
        return self._output_backward(cost_gradient, self._z[-1], out)
