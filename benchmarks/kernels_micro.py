"""Micro-benchmark: each fused kernel of skffnn._kernels against its NumPy path.

For every piece of a training step's elementwise work, at the shapes of
``bench.py``'s ``clf-b256`` workloads (batch 256, 100 features, hidden layers
(256, 128), 10 classes, so 60,042 parameters), it prints microseconds per call
of the NumPy code the network runs today and of the compiled kernel, in float32
and float64, with one BLAS thread unless ``--threads`` says otherwise::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/kernels_micro.py

``--compile`` instead measures, in fresh processes, what a fit pays before its
first step: importing numba and compiling (or loading from numba's disk cache)
the kernels of a ReLU classifier trained with Adam, per dtype, with an empty
cache and then with the cache the first process wrote. It reports wall and CPU
seconds (``time.process_time``, which a busy machine inflates less) from the
first kernel call to the last, skffnn's own import excluded.

The NumPy rows are written out here as ``_network`` and ``_training`` run them
(``np.maximum(z, 0, out=)`` after ``z += b``, ``costs.softmax_cross_entropy``
then ``out - y`` and the row scaling, the classifier's accuracy as two argmax
and a mean), so that the two columns time the same work.
"""

from __future__ import annotations

import argparse
import itertools
import os
import subprocess
import sys
import tempfile
import time

SLOW_BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--compile", action="store_true", help="compile cost only")
    return parser.parse_args()


ARGS = _parse()
# Thread limits and the OpenBLAS variables act when NumPy loads: set them first.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = str(ARGS.threads)
_found = [name for name in SLOW_BLAS_VARIABLES if name in os.environ]
if _found:
    print(f"kernels_micro: unsetting {', '.join(_found)} and re-executing", flush=True)
    env = {key: value for key, value in os.environ.items() if key not in _found}
    os.execve(sys.executable, [sys.executable, *sys.argv], env)

import numpy as np  # noqa: E402

from skffnn import _kernels, activations, costs, schedulers  # noqa: E402

FEATURES, HIDDEN, CLASSES = 100, (256, 128), 10
SIZES = (FEATURES, *HIDDEN, CLASSES)
N_PARAMS = sum(a * b + b for a, b in itertools.pairwise(SIZES))


def _time(funcs, number: int, repeats: int) -> list[float]:
    """Best over `repeats` of the mean time of `number` calls, in µs, per func.

    The functions alternate within each repeat, so that a busy phase of the
    machine hits all of them; the minimum is the least disturbed run.
    """
    for func in funcs:
        func()  # compile, warm caches
    best = [float("inf")] * len(funcs)
    for _ in range(repeats):
        for index, func in enumerate(funcs):
            start = time.perf_counter()
            for _ in range(number):
                func()
            best[index] = min(best[index], (time.perf_counter() - start) / number)
    return [seconds * 1e6 for seconds in best]


def _scheduler_rows(rng, dtype):
    theta = rng.normal(size=N_PARAMS).astype(dtype)
    grad = (rng.normal(size=N_PARAMS) * 1e-2).astype(dtype)
    rules = {
        "constant": lambda: schedulers.Constant(1e-3),
        "momentum": lambda: schedulers.Momentum(1e-3, 0.9),
        "adagrad": lambda: schedulers.Adagrad(1e-3),
        "adagrad_momentum": lambda: schedulers.AdagradMomentum(1e-3, 0.9),
        "rmsprop": lambda: schedulers.RMSprop(1e-3, 0.9),
        "adam": lambda: schedulers.Adam(1e-3, 0.9, 0.999),
    }
    for name, make in rules.items():
        old, lever, fused = make(), make(), make()

        def numpy_step(rule=old):
            # What the loop runs today: a fresh change array, then subtract.
            theta[...] -= rule.update_change(grad)

        def lever_step(rule=lever):
            schedulers.step_in_place(rule, theta, grad)

        def kernel_step(rule=fused):
            _kernels.scheduler_step(rule, theta, grad)

        yield f"{name} ({N_PARAMS} params)", numpy_step, kernel_step, lever_step, None


def _hidden_rows(rng, dtype, batch):
    for width in HIDDEN:
        for name in _kernels.HIDDEN:
            rule = activations.resolve(name)
            z = rng.normal(size=(batch, width)).astype(dtype)
            b = rng.normal(size=width).astype(dtype) * dtype(1e-4)
            out = np.empty_like(z)
            delta0 = rng.normal(size=(batch, width)).astype(dtype)
            delta = delta0.copy()
            a = np.asarray(rule.apply(z), dtype)

            # Each call adds a tiny bias: values stay where they started.
            def numpy_forward(rule=rule, z=z, b=b, out=out):
                z += b
                rule.apply_into(z, out)

            # _forward: also the kernels that hidden_forward leaves to NumPy.
            def kernel_forward(name=name, z=z, b=b, out=out):
                _kernels._forward(name, z, b, out)

            # delta is restored before each backward call (repeated products
            # would reach subnormal numbers); the copy's time is subtracted.
            def numpy_backward(rule=rule, delta=delta, delta0=delta0, z=z, a=a):
                np.copyto(delta, delta0)
                rule.backward(delta, z, a)

            def kernel_backward(name=name, delta=delta, delta0=delta0, z=z, a=a):
                np.copyto(delta, delta0)
                _kernels.hidden_backward(name, delta, z, a)

            def copy_only(delta=delta, delta0=delta0):
                np.copyto(delta, delta0)

            shape = f"{batch}x{width}"
            yield (
                f"{name} + bias forward {shape}",
                numpy_forward,
                kernel_forward,
                None,
                None,
            )
            yield (
                f"{name} backward {shape}",
                numpy_backward,
                kernel_backward,
                None,
                copy_only,
            )


def _output_rows(rng, dtype, batch):
    n_outputs = {"softmax": CLASSES, "sigmoid": 1, "identity": 1}
    for pair in _kernels.OUTPUT_PAIRS:
        k = n_outputs[pair[0]]
        z0 = rng.normal(size=(batch, k)).astype(dtype)
        if pair[0] == "softmax":
            y = np.eye(k, dtype=dtype)[rng.integers(0, k, batch)]
        elif pair[0] == "sigmoid":
            y = (rng.random((batch, k)) < 0.5).astype(dtype)
        else:
            y = rng.normal(size=(batch, k)).astype(dtype)
        z, delta = z0.copy(), np.empty_like(z0)

        def numpy_output(pair=pair, z0=z0, y=y, delta=delta):
            # _network: output and per-sample loss, total_loss, _output_delta and
            # the 1/n scaling; _classifier._accuracy on the output.
            if pair[0] == "softmax":
                out, per_sample = costs.softmax_cross_entropy(y, z0)
            elif pair[0] == "sigmoid":
                out, per_sample = costs.sigmoid_binary_cross_entropy(y, z0)
            else:
                out, per_sample = z0, costs.mse(y, z0)
            float(np.add.reduce(per_sample) / per_sample.shape[0])
            if pair[0] == "identity":
                delta[...] = costs.gradient("mse")(y, out)
            else:
                np.subtract(out, y, out=delta)
            delta *= 1.0 / batch
            if pair[0] == "softmax":
                float(np.mean(np.argmax(out, axis=1) == np.argmax(y, axis=1)))
            elif pair[0] == "sigmoid":
                float(np.mean(np.all((out > 0.5) == (y > 0.5), axis=1)))

        def kernel_output(pair=pair, z0=z0, z=z, y=y, delta=delta):
            z[...] = z0  # the kernel overwrites z with the output
            _kernels.output_loss_delta(pair, z, y, None, delta)

        label = f"{pair[0]} + {pair[1]} (+ delta, accuracy) {batch}x{k}"
        yield label, numpy_output, kernel_output, None, None


def run_micro() -> None:
    """Print NumPy and numba µs per call for every kernel and both dtypes."""
    print(
        f"skffnn {_kernels.__file__}; numba available: {_kernels.AVAILABLE}; "
        f"BLAS threads {ARGS.threads}; batch {ARGS.batch}; µs per call, best of "
        f"{ARGS.repeats} runs of 100 calls, the columns alternating"
    )
    totals = {}
    for dtype in (np.float32, np.float64):
        rng = np.random.default_rng(0)
        print(f"\n{np.dtype(dtype).name:<48} {'NumPy':>8} {'lever':>8} {'numba':>8}")
        rows = [
            *_scheduler_rows(rng, dtype),
            *_hidden_rows(rng, dtype, ARGS.batch),
            *_output_rows(rng, dtype, ARGS.batch),
        ]
        # Each row: label, NumPy, kernel, the NumPy lever of an update rule (or
        # None), and work both sides include that is subtracted (or None).
        for label, numpy_func, kernel_func, lever, baseline in rows:
            extra = lever or baseline
            funcs = [numpy_func, kernel_func, *([extra] if extra else [])]
            times = _time(funcs, 100, ARGS.repeats)
            numpy_us, kernel_us = times[0], times[1]
            lever_us = times[2] if lever is not None else None
            if baseline is not None:
                numpy_us, kernel_us = numpy_us - times[2], kernel_us - times[2]
            lever_text = f"{lever_us:8.1f}" if lever_us is not None else f"{'':8}"
            print(f"{label:<48} {numpy_us:8.1f} {lever_text} {kernel_us:8.1f}")
            totals[(dtype, label)] = (numpy_us, lever_us, kernel_us)
        _print_step_total(totals, dtype)


def _print_step_total(totals, dtype) -> None:
    """Sum the rows one ReLU / Adam / softmax training step runs."""
    used = [
        "adam",
        "relu + bias forward",
        "relu backward",
        "softmax + cross_entropy",
    ]
    numpy_sum = lever_sum = kernel_sum = 0.0
    for (row_dtype, label), (numpy_us, lever_us, kernel_us) in totals.items():
        if row_dtype is dtype and any(label.startswith(name) for name in used):
            numpy_sum += numpy_us
            lever_sum += numpy_us if lever_us is None else lever_us
            kernel_sum += kernel_us
    print(
        f"{'one ReLU / Adam / softmax step, these rows':<48} "
        f"{numpy_sum:8.1f} {lever_sum:8.1f} {kernel_sum:8.1f}"
    )


COMPILE_CODE = """
import time, numpy as np
dtype = np.dtype({dtype!r})
from skffnn import _kernels, schedulers
wall, cpu = time.perf_counter(), time.process_time()
theta = np.zeros(1000, dtype); grad = np.ones(1000, dtype)
_kernels.scheduler_step(schedulers.Adam(1e-3, 0.9, 0.999), theta, grad)
z = np.zeros((8, 4), dtype); b = np.zeros(4, dtype)
a = _kernels.hidden_forward("relu", z, b, np.empty_like(z))
_kernels.hidden_backward("relu", np.ones_like(z), z, a)
y = np.eye(4, dtype=dtype)[[0, 1, 2, 3, 0, 1, 2, 3]]
_kernels.output_loss_delta(("softmax", "cross_entropy"), z, y, None, np.empty_like(z))
print(time.perf_counter() - wall, time.process_time() - cpu)
"""


def run_compile() -> None:
    """Time numba's import and the kernels of one fit in fresh processes."""
    for dtype in ("float32", "float64"):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            command = [sys.executable, "-c", COMPILE_CODE.format(dtype=dtype)]
            cold = _seconds(command, env)
            warm = np.median([_seconds(command, env) for _ in range(3)], axis=0)
        print(
            f"{dtype}: numba import + compile of adam, relu forward/backward and "
            f"the softmax output, wall (CPU) seconds: {cold[0]:.2f} ({cold[1]:.2f}) "
            f"with an empty cache, {warm[0]:.2f} ({warm[1]:.2f}) from numba's "
            "disk cache"
        )


def _seconds(command, env) -> np.ndarray:
    """Return the wall and CPU seconds that the child process prints."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(result.stderr)
    return np.array([float(word) for word in result.stdout.split()[-2:]])


if __name__ == "__main__":
    if ARGS.compile:
        run_compile()
    else:
        run_micro()
