"""Fused compiled kernels for the hot elementwise work of a training step.

With the ``fast`` extra (numba) installed, one loop over memory replaces the
several NumPy passes and temporaries of:

* each built-in update rule, subtracting its change from ``theta`` in place
  (:func:`scheduler_step`);
* a built-in hidden activation with the bias add before it,
  ``z += b; a = f(z)`` (:func:`hidden_forward`), and its backward rule
  ``delta *= f'(z)`` (:func:`hidden_backward`);
* a canonical output layer with its loss, ``dC/dz`` scaled by the sample
  weights, and the count of correctly classified rows
  (:func:`output_loss_delta`).

The NumPy code in :mod:`skffnn.schedulers`, :mod:`skffnn.activations`,
:mod:`skffnn.costs` and ``_network`` stays the reference: every kernel repeats
its operations in the same order and in the array's dtype (scalars are cast to
it first, as NumPy does with Python floats; only sums run in another order, and
the update rules come out bit for bit equal), and the tests hold them to it
within 1e-6 (float32) and 1e-12 (float64) relative. Kernels are compiled on
first use, per function and dtype, and cached on disk by numba.

Each dispatcher returns False (or None) when it does not handle its input, and
the caller then takes the NumPy path. So these keep the NumPy path:

* user :class:`~skffnn.schedulers.Scheduler` classes and subclasses of the
  built-ins (dispatch on the exact type), custom activations and costs, and
  output layers other than the three canonical pairs;
* arrays other than float32 / float64; the dispatchers never see sparse input,
  since only the first layer's product touches it;
* batch normalization sits between the bias add and the activation: its own
  maths stays NumPy, and the activation is fused alone by passing
  ``b=None`` to :func:`hidden_forward`; the backward rule is unchanged;
* dropout masks stay NumPy multiplications after :func:`hidden_forward` and
  before :func:`hidden_backward` (the unmasked activation is what backward
  reads);
* ``clip_norm`` scales the gradient with NumPy before :func:`scheduler_step`;
* sample weights go into :func:`output_loss_delta`, which applies them to the
  loss and to ``delta`` exactly as ``Network.total_loss`` and
  ``Network.gradient`` do; the L2 term is left to the caller.

Whether compiling pays for a given fit is :func:`worth_compiling`.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from skffnn import activations, schedulers

Array = np.ndarray

AVAILABLE: bool = importlib.util.find_spec("numba") is not None
"""Whether numba is installed; nothing here imports it before a kernel is used."""

HIDDEN = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu")
"""The hidden activations that have kernels (backward: all of them)."""

FORWARD = ("identity", "relu", "leaky_relu")
"""The hidden activations whose fused forward kernel :func:`hidden_forward` uses.

Sigmoid, tanh and ELU call ``exp`` / ``tanh`` once per element, and numba's
scalar libm calls are slower than NumPy's vectorised loops (65,536 elements,
float32: tanh 2,470 us against 47, exp 410 against 52; benchmarks/kernels_micro.py
shows the whole rows), so their forward pass stays NumPy. Their kernels are kept
and tested for a numba with Intel's SVML, which vectorises those calls.
"""

OUTPUT_PAIRS = (
    ("softmax", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("identity", "mse"),
)
"""The ``(output activation, cost)`` pairs that have a fused output kernel."""

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_NO_WEIGHTS = np.empty(0, np.float64)
_NO_BIAS = {dtype: np.empty(0, dtype) for dtype in _FLOATS}
_EPS = schedulers.EPS
_SLOPE = activations.LEAKY_RELU_SLOPE
_ALPHA = activations.ELU_ALPHA

# Break-even of worth_compiling, from benchmarks/kernels_micro.py and the
# figures of issue 16 on a 2-core Xeon, one BLAS thread, float32 (float64 saves
# more per element, so these err towards NumPy). A busy machine measured about
# twice these savings and three times the compile cost.
COMPILE_SECONDS = 0.5
"""CPU seconds to import numba and load one fit's kernels from numba's disk
cache (measured 0.34-0.5 s; the very first process, with an empty cache, pays
0.8-1.7 s once)."""
SAVED_PER_STEP = 50e-6
"""Seconds saved per optimizer step whatever its size: the output layer's
NumPy passes over small arrays are mostly call overhead."""
SAVED_PER_UNIT = 0.9e-9
"""Seconds saved per sample and hidden unit in a step (ReLU forward with the
bias, and backward)."""
SAVED_PER_PARAMETER = 1.0e-9
"""Seconds saved per parameter in a step (Adam)."""


# Update rules. Each one mirrors ``theta -= update_change(g)`` of its class in
# skffnn.schedulers, operation for operation.


def _constant(theta: Array, g: Array, eta: Any) -> None:
    for i in range(theta.shape[0]):
        theta[i] -= eta * g[i]


def _momentum(theta: Array, g: Array, v: Array, eta: Any, momentum: Any) -> None:
    for i in range(theta.shape[0]):
        v[i] = v[i] * momentum + eta * g[i]
        theta[i] -= v[i]


def _adagrad(theta: Array, g: Array, squares: Array, eta: Any, eps: Any) -> None:
    for i in range(theta.shape[0]):
        squares[i] += g[i] * g[i]
        theta[i] -= eta * g[i] / (np.sqrt(squares[i]) + eps)


def _adagrad_momentum(
    theta: Array, g: Array, squares: Array, v: Array, eta: Any, eps: Any, momentum: Any
) -> None:
    for i in range(theta.shape[0]):
        squares[i] += g[i] * g[i]
        v[i] = v[i] * momentum + eta * g[i] / (np.sqrt(squares[i]) + eps)
        theta[i] -= v[i]


def _rmsprop(
    theta: Array, g: Array, s: Array, eta: Any, eps: Any, rho: Any, rest: Any
) -> None:
    for i in range(theta.shape[0]):
        s[i] = s[i] * rho + rest * g[i] * g[i]
        theta[i] -= eta * g[i] / (np.sqrt(s[i]) + eps)


def _adam(
    theta: Array,
    g: Array,
    m: Array,
    s: Array,
    rho: Any,
    rest: Any,
    rho2: Any,
    rest2: Any,
    k_over_c: Any,
    eps_over_c: Any,
) -> None:
    # change = m / (sqrt(s) k / c + eps / c): Adam.update_change's form.
    for i in range(theta.shape[0]):
        m[i] = m[i] * rho + g[i] * rest
        s[i] = s[i] * rho2 + g[i] * g[i] * rest2
        theta[i] -= m[i] / (np.sqrt(s[i]) * k_over_c + eps_over_c)


# Hidden activations, forward: z += b (skipped for an empty b), a = f(z).
# ReLU, leaky ReLU and the identity run the bias add and the activation as two
# simple loops over each row: LLVM vectorises those, not one loop that writes
# both arrays (256 x 256, float32: 19 us against 35; float64: 33 against 61).
# The bias loop is repeated in each: a kernel cannot call a Python function.


def _identity_forward(z: Array, b: Array, out: Array) -> None:
    if b.shape[0] != 0:
        for i in range(z.shape[0]):
            row = z[i]
            for j in range(z.shape[1]):
                row[j] += b[j]


def _sigmoid_forward(z: Array, b: Array, out: Array) -> None:
    bias = b.shape[0] != 0
    one = z.dtype.type(1)
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[i, j] + b[j] if bias else z[i, j]
            z[i, j] = v
            if v >= 0:
                out[i, j] = one / (one + np.exp(-v))
            else:
                e = np.exp(v)
                out[i, j] = e / (one + e)


def _tanh_forward(z: Array, b: Array, out: Array) -> None:
    bias = b.shape[0] != 0
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[i, j] + b[j] if bias else z[i, j]
            z[i, j] = v
            out[i, j] = np.tanh(v)


def _relu_forward(z: Array, b: Array, out: Array) -> None:
    if b.shape[0] != 0:
        for i in range(z.shape[0]):
            row = z[i]
            for j in range(z.shape[1]):
                row[j] += b[j]
    zero = z.dtype.type(0)
    for i in range(z.shape[0]):
        row, out_row = z[i], out[i]
        for j in range(z.shape[1]):
            # "v < 0", not "v > 0": a NaN passes through, as in np.maximum,
            # so that the divergence guard still sees it.
            v = row[j]
            out_row[j] = zero if v < zero else v


def _leaky_relu_forward(z: Array, b: Array, out: Array, slope: Any) -> None:
    if b.shape[0] != 0:
        for i in range(z.shape[0]):
            row = z[i]
            for j in range(z.shape[1]):
                row[j] += b[j]
    for i in range(z.shape[0]):
        row, out_row = z[i], out[i]
        for j in range(z.shape[1]):
            v = row[j]
            leak = v * slope
            out_row[j] = leak if leak > v else v


def _elu_forward(z: Array, b: Array, out: Array, alpha: Any) -> None:
    bias = b.shape[0] != 0
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            v = z[i, j] + b[j] if bias else z[i, j]
            z[i, j] = v
            out[i, j] = v if v > 0 else alpha * np.expm1(v)


# Hidden activations, backward: delta *= f'(z), from a = f(z) where NumPy does.


def _sigmoid_backward(delta: Array, z: Array, a: Array) -> None:
    one = delta.dtype.type(1)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            delta[i, j] = delta[i, j] * a[i, j] * (one - a[i, j])


def _tanh_backward(delta: Array, z: Array, a: Array) -> None:
    one = delta.dtype.type(1)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            delta[i, j] *= one - a[i, j] * a[i, j]


def _relu_backward(delta: Array, z: Array, a: Array) -> None:
    # A multiplication by 0 rather than a store of 0: NaN and inf propagate.
    one, zero = delta.dtype.type(1), delta.dtype.type(0)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            delta[i, j] *= one if z[i, j] > 0 else zero


def _leaky_relu_backward(delta: Array, z: Array, a: Array, slope: Any) -> None:
    one = delta.dtype.type(1)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            delta[i, j] *= one if z[i, j] > 0 else slope


def _elu_backward(delta: Array, z: Array, a: Array, alpha: Any) -> None:
    # For z <= 0, f'(z) = exp(z) = a + alpha.
    one = delta.dtype.type(1)
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            delta[i, j] *= one if z[i, j] > 0 else a[i, j] + alpha


# Output layers: write the output into z, dC/dz (scaled per row) into delta;
# return the data loss (float64 sum, weighted or divided by n) and the number
# of rows classified correctly. An empty `weights` means 1/n each.


def _softmax_cross_entropy(
    z: Array, y: Array, weights: Array, scale: Any, delta: Array
) -> tuple[float, int]:
    dtype = z.dtype.type
    n, k = z.shape
    loss = 0.0
    correct = 0
    for i in range(n):
        top = z[i, 0]
        for j in range(1, k):
            top = max(top, z[i, j])
        total = dtype(0)
        y_dot_shifted = dtype(0)
        for j in range(k):
            shifted = z[i, j] - top
            y_dot_shifted += y[i, j] * shifted
            z[i, j] = np.exp(shifted)
            total += z[i, j]
        # C_i = log(sum_k exp(s_ik)) - sum_k y_ik s_ik (costs.softmax_cross_entropy).
        sample_loss = np.log(total) - y_dot_shifted
        row = dtype(scale if weights.shape[0] == 0 else weights[i])
        best_p = best_y = 0
        for j in range(k):
            z[i, j] = z[i, j] / total
            delta[i, j] = (z[i, j] - y[i, j]) * row
            if z[i, j] > z[i, best_p]:
                best_p = j
            if y[i, j] > y[i, best_y]:
                best_y = j
        if best_p == best_y:
            correct += 1
        loss += sample_loss / n if weights.shape[0] == 0 else weights[i] * sample_loss
    return loss, correct


def _sigmoid_binary_cross_entropy(
    z: Array, y: Array, weights: Array, scale: Any, delta: Array
) -> tuple[float, int]:
    dtype = z.dtype.type
    one, zero, half = dtype(1), dtype(0), dtype(0.5)
    n, k = z.shape
    loss = 0.0
    correct = 0
    for i in range(n):
        row = dtype(scale if weights.shape[0] == 0 else weights[i])
        sample_loss = zero
        right = True
        for j in range(k):
            v = z[i, j]
            # log(1 + exp(v)) as np.logaddexp(0, v) computes it.
            if v > 0:
                softplus = v + np.log1p(np.exp(-v))
                p = one / (one + np.exp(-v))
            else:
                e = np.exp(v)
                softplus = np.log1p(e) if v < 0 else dtype(math.log(2.0))
                p = e / (one + e)
            sample_loss += softplus - y[i, j] * v
            z[i, j] = p
            delta[i, j] = (p - y[i, j]) * row
            right = right and ((p > half) == (y[i, j] > half))
        if right:
            correct += 1
        loss += sample_loss / n if weights.shape[0] == 0 else weights[i] * sample_loss
    return loss, correct


def _identity_mse(
    z: Array, y: Array, weights: Array, scale: Any, delta: Array
) -> tuple[float, int]:
    dtype = z.dtype.type
    n, k = z.shape
    two_over_k = dtype(2.0 / k)
    loss = 0.0
    for i in range(n):
        row = dtype(scale if weights.shape[0] == 0 else weights[i])
        squares = dtype(0)
        for j in range(k):
            error = z[i, j] - y[i, j]
            squares += error * error
            delta[i, j] = two_over_k * error * row
        sample_loss = squares / k
        loss += sample_loss / n if weights.shape[0] == 0 else weights[i] * sample_loss
    return loss, 0


_COMPILED: dict[Callable[..., Any], Callable[..., Any]] = {}


def _kernel(func: Callable[..., Any]) -> Callable[..., Any]:
    """Return `func` compiled by numba, building the dispatcher on first use."""
    compiled = _COMPILED.get(func)
    if compiled is None:
        import numba

        # error_model="numpy": division by zero gives inf / NaN as in NumPy,
        # without the checks that made a fused Adam slower than NumPy.
        jit = numba.njit(cache=True, error_model="numpy", fastmath=False)
        compiled = _COMPILED[func] = jit(func)
    return compiled


def _state(scheduler: Any, name: str, like: Array) -> Array:
    value = getattr(scheduler, name)
    if value is None:
        value = np.zeros_like(like)
        setattr(scheduler, name, value)
    return value


def scheduler_step(scheduler: schedulers.Scheduler, theta: Array, grad: Array) -> bool:
    """Subtract a built-in rule's change from `theta` with one compiled loop.

    Parameters
    ----------
    scheduler : Scheduler
        Its state arrays (created at zero on the first step) are updated in
        place, so both paths can take turns on the same object.
    theta : ndarray of shape (n_params,)
        Parameters, float32 or float64, updated in place.
    grad : ndarray of shape (n_params,)
        dC/dtheta, same dtype.

    Returns
    -------
    done : bool
        False, with nothing changed, for any scheduler other than the six
        built-in classes themselves or any other dtype: use the NumPy path.
    """
    step = _STEPS.get(type(scheduler))
    if step is None or theta.dtype not in _FLOATS:
        return False
    step(scheduler, theta, grad)
    return True


def _constant_step(rule: schedulers.Constant, theta: Array, grad: Array) -> None:
    _kernel(_constant)(theta, grad, theta.dtype.type(rule.eta))


def _momentum_step(rule: schedulers.Momentum, theta: Array, grad: Array) -> None:
    cast = theta.dtype.type
    v = _state(rule, "change", theta)
    _kernel(_momentum)(theta, grad, v, cast(rule.eta), cast(rule.momentum))


def _adagrad_step(rule: schedulers.Adagrad, theta: Array, grad: Array) -> None:
    cast = theta.dtype.type
    squares = _state(rule, "G", theta)
    _kernel(_adagrad)(theta, grad, squares, cast(rule.eta), cast(_EPS))


def _adagrad_momentum_step(
    rule: schedulers.AdagradMomentum, theta: Array, grad: Array
) -> None:
    cast = theta.dtype.type
    squares, v = _state(rule, "G", theta), _state(rule, "change", theta)
    _kernel(_adagrad_momentum)(
        theta, grad, squares, v, cast(rule.eta), cast(_EPS), cast(rule.momentum)
    )


def _rmsprop_step(rule: schedulers.RMSprop, theta: Array, grad: Array) -> None:
    cast = theta.dtype.type
    s = _state(rule, "second", theta)
    _kernel(_rmsprop)(
        theta, grad, s, cast(rule.eta), cast(_EPS), cast(rule.rho), cast(1 - rule.rho)
    )


def _adam_step(rule: schedulers.Adam, theta: Array, grad: Array) -> None:
    cast = theta.dtype.type
    m, s = _state(rule, "moment", theta), _state(rule, "second", theta)
    rule.t += 1
    k, c = rule._bias_corrections()
    _kernel(_adam)(
        theta,
        grad,
        m,
        s,
        cast(rule.rho),
        cast(1 - rule.rho),
        cast(rule.rho2),
        cast(1 - rule.rho2),
        cast(k / c),
        cast(_EPS / c),
    )


# Exact types: a user's subclass may override update_change.
_STEPS: dict[type, Callable[[Any, Array, Array], None]] = {
    schedulers.Constant: _constant_step,
    schedulers.Momentum: _momentum_step,
    schedulers.Adagrad: _adagrad_step,
    schedulers.AdagradMomentum: _adagrad_momentum_step,
    schedulers.RMSprop: _rmsprop_step,
    schedulers.Adam: _adam_step,
}


_FORWARD: dict[str, Callable[..., None]] = {
    "identity": _identity_forward,
    "sigmoid": _sigmoid_forward,
    "tanh": _tanh_forward,
    "relu": _relu_forward,
    "leaky_relu": _leaky_relu_forward,
    "elu": _elu_forward,
}
_BACKWARD: dict[str, Callable[..., None]] = {
    "sigmoid": _sigmoid_backward,
    "tanh": _tanh_backward,
    "relu": _relu_backward,
    "leaky_relu": _leaky_relu_backward,
    "elu": _elu_backward,
}
# The activation's constant, passed in the array's dtype.
_CONSTANT = {"leaky_relu": _SLOPE, "elu": _ALPHA}


def hidden_forward(name: Any, z: Array, b: Array | None, out: Array) -> Array | None:
    """Add the bias to `z` in place and return ``f(z)``, written into `out`.

    Parameters
    ----------
    name : str or callable
        The layer's activation as the network stores it (a name for built-ins).
    z : ndarray of shape (n_samples, n_units)
        ``a_prev @ W``; becomes ``a_prev @ W + b``.
    b : ndarray of shape (n_units,) or None
        The bias; None when it was added already (batch normalization).
    out : ndarray of shape (n_samples, n_units)
        Receives ``f(z)``.

    Returns
    -------
    a : ndarray or None
        `out`, or `z` itself for the identity (as ``apply_into`` does); None,
        with nothing changed, for an activation outside :data:`FORWARD` or
        another dtype.
    """
    if not isinstance(name, str) or name not in FORWARD:
        return None
    return _forward(name, z, b, out)


def _forward(name: str, z: Array, b: Array | None, out: Array) -> Array | None:
    """Run the forward kernel of any of the :data:`HIDDEN` activations."""
    func = _FORWARD.get(name)
    if func is None or z.dtype not in _FLOATS:
        return None
    bias = _NO_BIAS[z.dtype] if b is None else b
    if name in _CONSTANT:
        _kernel(func)(z, bias, out, z.dtype.type(_CONSTANT[name]))
    else:
        _kernel(func)(z, bias, out)
    return z if name == "identity" else out


def hidden_backward(name: Any, delta: Array, z: Array, a: Array) -> bool:
    """Multiply ``delta = dC/da`` by ``f'(z)`` in place.

    Parameters
    ----------
    name : str or callable
        The layer's activation as the network stores it.
    delta : ndarray of shape (n_samples, n_units)
        Becomes ``dC/dz``.
    z, a : ndarray of shape (n_samples, n_units)
        The layer's pre-activation and (unmasked) activation.

    Returns
    -------
    done : bool
        False, with nothing changed, for a custom activation or another dtype.
    """
    if name == "identity" and delta.dtype in _FLOATS:
        return True  # f'(z) = 1
    func = _BACKWARD.get(name) if isinstance(name, str) else None
    if func is None or delta.dtype not in _FLOATS:
        return False
    if name in _CONSTANT:
        _kernel(func)(delta, z, a, delta.dtype.type(_CONSTANT[name]))
    else:
        _kernel(func)(delta, z, a)
    return True


_OUTPUT: dict[tuple[Any, Any], Callable[..., tuple[float, int]]] = {
    ("softmax", "cross_entropy"): _softmax_cross_entropy,
    ("sigmoid", "binary_cross_entropy"): _sigmoid_binary_cross_entropy,
    ("identity", "mse"): _identity_mse,
}


def output_loss_delta(
    pair: tuple[Any, Any],
    z: Array,
    y: Array,
    weights: Array | None,
    delta_out: Array,
) -> tuple[float, int] | None:
    """Run the output layer, its loss, ``dC/dz`` and the accuracy in one pass.

    Parameters
    ----------
    pair : tuple
        ``(output activation, cost)`` as the network stores them.
    z : ndarray of shape (n_samples, n_outputs)
        The output layer's ``z``, overwritten with its activation ``a``
        (the network's output, as ``Network.gradient`` returns it).
    y : ndarray of shape (n_samples, n_outputs)
        Encoded targets, in the network's dtype.
    weights : ndarray of shape (n_samples,) or None
        Sample weights summing to one; None means ``1 / n_samples`` each.
    delta_out : ndarray of shape (n_samples, n_outputs)
        Receives ``dC/dz`` of the weighted mean loss: ``a - y`` (or mse's
        ``2 (a - y) / n_outputs``) times each row's weight.

    Returns
    -------
    result : tuple of (float, int) or None
        The data loss ``sum_i w_i C_i`` (no L2 term) and the number of rows
        classified correctly (0 for the regression pair): argmax against
        argmax for softmax, every output on the right side of 0.5 for sigmoid.
        None, with nothing changed, for another pair or dtype.

    Notes
    -----
    The per-sample costs are computed in the network's dtype, as
    :func:`skffnn.costs.softmax_cross_entropy` and
    :func:`skffnn.costs.binary_cross_entropy_from_logits` do, and summed in
    float64.
    """
    func = _OUTPUT.get(pair)
    if func is None or z.dtype not in _FLOATS:
        return None
    n_samples = z.shape[0]
    given = _NO_WEIGHTS if weights is None else weights
    loss, correct = _kernel(func)(z, y, given, 1.0 / n_samples, delta_out)
    return float(loss), int(correct)


def worth_compiling(
    n_samples: int,
    n_hidden_units: int,
    n_params: int,
    batch_size: int,
    epochs: int,
    dtype: Any = np.float64,
) -> bool:
    """Return whether a fit is big enough for the kernels' compile cost to pay.

    Parameters
    ----------
    n_samples : int
        Training rows per epoch.
    n_hidden_units : int
        Hidden units, summed over the hidden layers.
    n_params : int
        Length of ``theta``.
    batch_size : int
        Rows per optimizer step.
    epochs : int
        Epochs the fit will run at most.
    dtype : dtype
        The network's; kernels already compiled for it in this process cost
        nothing more.

    Returns
    -------
    worth : bool
        True when numba is installed and the expected saving exceeds the
        compile cost.

    Notes
    -----
    ``saving = epochs * ceil(n_samples / batch_size) * (SAVED_PER_STEP
    + batch_size * n_hidden_units * SAVED_PER_UNIT
    + n_params * SAVED_PER_PARAMETER)``, against :data:`COMPILE_SECONDS`
    (zero once a kernel has run for `dtype` in this process).
    """
    if not AVAILABLE:
        return False
    batch = max(1, min(batch_size, n_samples))
    steps = epochs * math.ceil(n_samples / batch)
    per_step = (
        SAVED_PER_STEP
        + batch * n_hidden_units * SAVED_PER_UNIT
        + n_params * SAVED_PER_PARAMETER
    )
    cost = 0.0 if _compiled_for(np.dtype(dtype)) else COMPILE_SECONDS
    return steps * per_step > cost


def _compiled_for(dtype: np.dtype) -> bool:
    """Whether some kernel has been compiled for `dtype` in this process."""
    # A signature's first type is a numba array type; its dtype prints as
    # NumPy's name (float32, float64).
    return any(
        str(getattr(signature[0], "dtype", "")) == dtype.name
        for kernel in _COMPILED.values()
        for signature in getattr(kernel, "signatures", ())
    )
