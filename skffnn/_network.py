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

With batch normalization, each hidden ``z`` is normalized (and scaled by
``gamma``, shifted by ``beta``, both stored after the biases in ``theta``) before
its activation; :mod:`skffnn._batchnorm` holds that layer's own backward pass.
With dropout, hidden activations are multiplied by a mask ``m / (1 - rate)``
during training, and ``delta`` by the same mask on the way back; the masks are
drawn by the training loop (:mod:`skffnn._dropout`) and passed in.

The forward pass in training returns what the backward pass needs as a value,
a :class:`Trace`; the object keeps no per-step state between the two. Work
buffers it owns (one :class:`_Workspace` per batch size) keep each step free of
large allocations.

This module knows nothing of scikit-learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from skffnn import _batchnorm, _initialization, _kernels, activations, costs

Array = np.ndarray

# Output layer and cost pairs whose dC/dz collapses to a - y (no Jacobian
# needed), and whose loss is computed from z exactly, however saturated a is.
_CANONICAL_PAIRS: dict[tuple[str | None, str | None], Any] = {
    ("sigmoid", "binary_cross_entropy"): costs.sigmoid_binary_cross_entropy,
    ("softmax", "cross_entropy"): costs.softmax_cross_entropy,
}


def network_names(funcs: Sequence[Any]) -> list[Any]:
    """Return activations or costs as the network stores them: built-ins by name.

    Costs and activations share no names, so one lookup serves both.
    """
    registries = {**activations.ACTIVATIONS, **costs.COSTS}
    return [_builtin_name(func, registries) or func for func in funcs]


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
    batch_norm : bool
        Normalize each hidden layer's ``z`` before its activation.
    """

    def __init__(
        self,
        layer_sizes: Sequence[int],
        hidden_activations: Sequence[Any],
        output_activation: Any,
        cost: Any,
        dtype: str = "float64",
        *,
        batch_norm: bool = False,
    ) -> None:
        self.layer_sizes = tuple(int(size) for size in layer_sizes)
        if len(hidden_activations) != len(self.layer_sizes) - 2:
            raise ValueError("need one hidden activation per hidden layer")
        # Built-ins are kept by name, so that the state holds no functions.
        self.hidden_activations = network_names(hidden_activations)
        self.output_activation, self.cost = network_names([output_activation, cost])
        self.dtype = np.dtype(dtype).name
        self.batch_norm = bool(batch_norm)
        n_hidden_units = sum(self.layer_sizes[1:-1])
        n_params = sum(n_in * n_out + n_out for n_in, n_out in self._shapes())
        n_params += 2 * n_hidden_units if self.batch_norm else 0
        self.theta = np.zeros(n_params, self.dtype)
        n_running = n_hidden_units if self.batch_norm else 0
        self.running_mean = np.zeros(n_running, self.dtype)
        self.running_var = np.ones(n_running, self.dtype)
        self._build()

    def _shapes(self) -> list[tuple[int, int]]:
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:], strict=True))

    # Only the definition, theta and the running statistics are state; the rest
    # is derived, so that pickles and skops files hold no duplicates or functions.
    _STATE: tuple[str, ...] = ("layer_sizes", "hidden_activations")
    _STATE += ("output_activation", "cost", "dtype", "batch_norm")
    _STATE += ("theta", "running_mean", "running_var")

    def __getstate__(self) -> dict[str, Any]:
        """Return the defining state: architecture, functions and arrays."""
        return {key: self.__dict__[key] for key in self._STATE}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the state and rebuild the views into ``theta``."""
        # Models saved by skffnn 0.1 kept the dropout rate here; it is now a
        # training setting.
        self.__dict__.update({k: v for k, v in state.items() if k != "dropout"})
        self.layer_sizes = tuple(self.layer_sizes)
        self._build()

    def _build(self) -> None:
        """Make the per-layer views, gradient buffer and resolved functions."""
        shapes = self._shapes()
        self.n_weights = sum(n_in * n_out for n_in, n_out in shapes)
        self.grad = np.zeros_like(self.theta)
        hidden_widths = [n_out for _, n_out in shapes[:-1]]
        carve = _Carver(self.theta, self.grad)
        self.W, self.grad_W = carve.many(shapes)
        self.b, self.grad_b = carve.many([(n_out,) for _, n_out in shapes])
        widths = [(width,) for width in hidden_widths] if self.batch_norm else []
        self.gamma, self.grad_gamma = carve.many(widths)
        self.beta, self.grad_beta = carve.many(widths)
        running = _Carver(self.running_mean, self.running_var)
        self.mean, self.var = running.many(widths)
        self._hidden = [activations.resolve(f) for f in self.hidden_activations]
        self._output = activations.resolve(self.output_activation)
        self._workspaces: dict[int, _Workspace] = {}
        self._cost, self._cost_gradient = costs.resolve(self.cost)
        pair = (
            _builtin_name(self.output_activation, activations.ACTIVATIONS),
            _builtin_name(self.cost, costs.COSTS),
        )
        self._output_with_cost = _CANONICAL_PAIRS.get(pair)
        self._pair = (self.output_activation, self.cost)

    @property
    def n_layers(self) -> int:
        """Number of weight layers (hidden layers plus the output layer)."""
        return len(self.W)

    def initialize(self, rng: np.random.Generator, weight_init: str = "auto") -> None:
        """Draw initial weights in place (see :func:`skffnn._initialization.draw`).

        Biases start at zero but for "auto"; batch normalization starts as the
        identity: ``gamma = 1``, ``beta = 0``.
        """
        self.theta[:] = 0
        for gamma in self.gamma:
            gamma[:] = 1
        self.running_mean[:] = 0
        self.running_var[:] = 1
        _initialization.draw(rng, self.W, self.b, weight_init)

    @property
    def hidden_widths(self) -> list[int]:
        """Widths of the hidden layers (what dropout masks are drawn for)."""
        return list(self.layer_sizes[1:-1])

    def forward(self, X: Any) -> Array:
        """Return the output activations for the rows of `X`, as at prediction.

        Parameters
        ----------
        X : ndarray or scipy sparse matrix of shape (n_samples, n_features)
            Input in the network's dtype; a sparse `X` is multiplied directly.
            Batch normalization uses its running statistics; nothing is dropped.
        """
        return np.asarray(self._output.apply(self._logits(X)))

    def _train_forward(
        self, X: Any, masks: list[Array] | None, weights: Array | None, fast: bool
    ) -> Trace:
        """Run the forward pass of training; return what backward needs.

        Batch normalization uses the batch's statistics, weighted by `weights`
        (shape (n_samples, 1)), and updates the running ones; hidden units are
        multiplied by the dropout `masks`.
        """
        # Training reuses one workspace per batch size: no allocation per step
        # for the big arrays, whose products BLAS writes in place.
        work = self._workspace(X.shape[0])
        trace = Trace([X], [], [], [])
        a = X
        for layer in range(self.n_layers):
            z = work.z[layer]
            if isinstance(a, np.ndarray):
                np.matmul(a, self.W[layer], out=z)
            else:  # sparse input: the product comes back dense
                z[...] = a @ self.W[layer]
            if layer == self.n_layers - 1:
                z += self.b[layer]
                trace.z.append(z)
                return trace
            if self.batch_norm:
                assert weights is not None  # gradient() gives batch norm weights
                z += self.b[layer]
                z, cache = self._normalize_batch(z, layer, weights)
                trace.bn.append(cache)
                a = self._activate(layer, z, None, work.a[layer], fast)
            else:
                a = self._activate(layer, z, self.b[layer], work.a[layer], fast)
            trace.z.append(z)
            trace.f.append(a)
            if masks is not None:
                a = a * masks[layer]
            trace.inputs.append(a)
        raise AssertionError("unreachable: the output layer returns")

    def _activate(
        self, layer: int, z: Array, b: Array | None, out: Array, fast: bool
    ) -> Array:
        """Add the bias `b` (if given) to `z` in place; return ``f(z)`` in `out`."""
        name = self.hidden_activations[layer]
        a = _kernels.hidden_forward(name, z, b, out) if fast else None
        if a is not None:
            return a
        if b is not None:
            z += b
        return self._hidden[layer].apply_into(z, out)

    def _logits(self, X: Any) -> Array:
        """Return the output layer's ``z`` at prediction."""
        a = X
        for layer in range(self.n_layers - 1):
            z = a @ self.W[layer] + self.b[layer]
            if self.batch_norm:
                z = self._normalize(z, layer)
            a = self._hidden[layer].apply(z)
        return np.asarray(a @ self.W[-1] + self.b[-1])

    def _output_and_loss(self, y: Array, z: Array) -> tuple[Array, Array]:
        """Return the output activations and the per-sample costs for `z`."""
        if self._output_with_cost is not None:
            return self._output_with_cost(y, z)
        out = self._output.apply(z)
        return out, self._cost(y, out)

    def release(self) -> None:
        """Drop the training buffers; the next training step makes them again."""
        self._workspaces.clear()

    def _workspace(self, n_samples: int) -> _Workspace:
        work = self._workspaces.get(n_samples)
        if work is None:
            # Two sizes are in use: the full batch and the epoch's last one.
            if len(self._workspaces) >= 2:
                self._workspaces.clear()
            work = _Workspace(n_samples, self.layer_sizes[1:], self.dtype)
            self._workspaces[n_samples] = work
        return work

    def _normalize(self, z: Array, layer: int) -> Array:
        """Batch-normalize hidden `z` at prediction, with the running statistics."""
        return _batchnorm.forward_inference(
            z, self.gamma[layer], self.beta[layer], self.mean[layer], self.var[layer]
        )

    def _normalize_batch(
        self, z: Array, layer: int, weights: Array
    ) -> tuple[Array, _batchnorm.Cache]:
        """Batch-normalize hidden `z` in training; update the running statistics."""
        out, cache, mean, var = _batchnorm.forward_train(
            z, self.gamma[layer], self.beta[layer], weights
        )
        _batchnorm.update_running(self.mean[layer], mean)
        _batchnorm.update_running(self.var[layer], var)
        return out, cache

    def evaluate(
        self, X: Any, y: Array, weights: Array | None = None, lam: float = 0.0
    ) -> tuple[float, Array]:
        """Return the loss at prediction and the output.

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
        out : ndarray of shape (n_samples, n_outputs)
            The output activations.
        """
        out, per_sample = self._output_and_loss(y, self._logits(X))
        return self.total_loss(per_sample, weights, lam), out

    def total_loss(self, per_sample: Array, weights: Array | None, lam: float) -> float:
        """Combine per-sample costs into the training loss (see :meth:`evaluate`)."""
        # sum / n rather than np.mean, whose Python-level wrapper costs more.
        if weights is None:
            data = np.add.reduce(per_sample) / per_sample.shape[0]
        else:
            data = np.dot(weights, per_sample)
        return float(data + self._penalty(lam))

    def _penalty(self, lam: float) -> float:
        """Return the L2 term ``lam / 2 * sum(W ** 2)``."""
        if not lam:
            return 0.0
        weights_flat = self.theta[: self.n_weights]
        return float(0.5 * lam * np.dot(weights_flat, weights_flat))

    def gradient(
        self,
        X: Any,
        y: Array,
        weights: Array | None = None,
        lam: float = 0.0,
        masks: list[Array] | None = None,
        *,
        fast: bool = False,
    ) -> tuple[float, Array]:
        """Run forward and backward; fill :attr:`grad`, return loss and output.

        Parameters are as for :meth:`evaluate`, plus dropout `masks`, and
        `fast` to use the compiled kernels of :mod:`skffnn._kernels` where
        they apply (the NumPy code is the reference they match). After the
        call ``grad`` holds ``dC/dtheta`` in the layout of ``theta``. The
        network's output is returned so that callers can score the batch
        without a second forward pass.
        """
        step = self.batch_gradient(X, y, weights, lam, masks, fast=fast)
        return step.loss, step.out

    def batch_gradient(
        self,
        X: Any,
        y: Array,
        weights: Array | None = None,
        lam: float = 0.0,
        masks: list[Array] | None = None,
        *,
        fast: bool = False,
    ) -> BatchResult:
        """Run :meth:`gradient`; also return the count of right rows, if known.

        The fused output kernels count the rows classified correctly on the
        way; the NumPy path leaves ``correct`` None for the caller to count.
        """
        # Row scale of dC/dz: the weighted mean makes sample i count w_i.
        n_samples = X.shape[0]
        column = None if weights is None else weights[:, None].astype(self.dtype)
        if self.batch_norm and column is None:
            column = np.full((n_samples, 1), 1.0 / n_samples, self.dtype)
        trace = self._train_forward(X, masks, column, fast)
        work = self._workspace(n_samples)
        fused = None
        if fast:
            fused = _kernels.output_loss_delta(
                self._pair, trace.z[-1], y, weights, work.delta[-1]
            )
        if fused is not None:
            # The kernel left the output in z and the scaled dC/dz in delta.
            out, delta, correct = trace.z[-1], work.delta[-1], fused[1]
            loss = fused[0] + self._penalty(lam)
        else:
            out, per_sample = self._output_and_loss(y, trace.z[-1])
            loss = self.total_loss(per_sample, weights, lam)
            delta = self._output_delta(y, out, work.delta[-1], trace.z[-1])
            delta *= 1.0 / n_samples if weights is None else column
            correct = None
        self._backward(delta, trace, masks, fast)
        if lam:
            self.grad[: self.n_weights] += lam * self.theta[: self.n_weights]
        return BatchResult(loss, out, correct)

    def _backward(
        self, delta: Array, trace: Trace, masks: list[Array] | None, fast: bool
    ) -> None:
        """Fill ``grad`` from the output layer's ``dC/dz`` (the four equations)."""
        work = self._workspace(delta.shape[0])
        for layer in range(self.n_layers - 1, -1, -1):
            a_prev = trace.inputs[layer]
            if isinstance(a_prev, np.ndarray):
                np.matmul(a_prev.T, delta, out=self.grad_W[layer])
            else:  # sparse input: the product comes back dense
                self.grad_W[layer][:] = a_prev.T @ delta
            # Column sums as a matrix-vector product: faster than np.sum(axis=0).
            np.matmul(work.ones, delta, out=self.grad_b[layer])
            if layer > 0:
                back = np.matmul(delta, self.W[layer].T, out=work.delta[layer - 1])
                delta = self._hidden_delta(back, layer - 1, masks, trace, fast)

    def _hidden_delta(
        self,
        delta: Array,
        layer: int,
        masks: list[Array] | None,
        trace: Trace,
        fast: bool,
    ) -> Array:
        """Turn ``dC/da`` of hidden `layer` into ``dC/dz`` (before the bias)."""
        if masks is not None:
            delta *= masks[layer]
        name, z, f = self.hidden_activations[layer], trace.z[layer], trace.f[layer]
        if not (fast and _kernels.hidden_backward(name, delta, z, f)):
            delta = self._hidden[layer].backward(delta, z, f)
        if self.batch_norm:
            delta, grad_gamma, grad_beta = _batchnorm.backward(
                delta, trace.bn[layer], self.gamma[layer]
            )
            self.grad_gamma[layer][:] = grad_gamma
            self.grad_beta[layer][:] = grad_beta
        return delta

    def _output_delta(self, y: Array, out: Array, buffer: Array, z: Array) -> Array:
        """Return ``dC_i/dz_L`` per sample, before weighting, in `buffer`."""
        if self._output_with_cost is not None:
            return np.subtract(out, y, out=buffer)
        buffer[...] = self._cost_gradient(y, out)
        return self._output.backward(buffer, z, out)


class BatchResult(NamedTuple):
    """What :meth:`Network.batch_gradient` returns besides ``grad``."""

    loss: float
    out: Array
    correct: int | None  # rows classified correctly, when a kernel counted them


class Trace(NamedTuple):
    """What one training forward pass leaves for the backward pass.

    Per layer: the input ``a`` it multiplied (after dropout), its ``z`` (after
    batch normalization, for hidden layers), the hidden activations ``f(z)``
    (before dropout), and the batch-norm caches.
    """

    inputs: list[Any]
    z: list[Array]
    f: list[Array]
    bn: list[_batchnorm.Cache]


class _Workspace:
    """Per-layer ``z``, ``a`` and ``delta`` buffers for one batch size."""

    def __init__(self, n_samples: int, widths: Sequence[int], dtype: str) -> None:
        self.z = [np.empty((n_samples, width), dtype) for width in widths]
        self.a = [np.empty((n_samples, width), dtype) for width in widths[:-1]]
        self.delta = [np.empty((n_samples, width), dtype) for width in widths]
        self.ones = np.ones(n_samples, dtype)


class _Carver:
    """Cuts consecutive views of given shapes out of two parallel flat arrays."""

    def __init__(self, first: Array, second: Array) -> None:
        self.first, self.second, self.start = first, second, 0

    def many(
        self, shapes: Sequence[tuple[int, ...]]
    ) -> tuple[list[Array], list[Array]]:
        firsts, seconds = [], []
        for shape in shapes:
            stop = self.start + int(np.prod(shape))
            firsts.append(self.first[self.start : stop].reshape(shape))
            seconds.append(self.second[self.start : stop].reshape(shape))
            self.start = stop
        return firsts, seconds
