"""Benchmark skffnn against scikit-learn's MLPClassifier / MLPRegressor.

Both libraries train the same network on the same data: same hidden layers
(ReLU), Adam with learning rate 1e-3, the same batch size and number of epochs,
the same initialization scheme (Glorot's uniform range for weights and
biases, which scikit-learn always uses and skffnn's ``weight_init="auto"``
now draws), no L2 penalty (skffnn
``lam=0``, scikit-learn ``alpha=0``), no early stopping,
and ``tol=0`` with a huge ``n_iter_no_change`` so that neither stops before the
last epoch. The two libraries alternate repeat by repeat within one run
(skffnn first on even repeats, scikit-learn first on odd ones), so that slow
phases of a busy machine hit both alike; the table shows medians over repeats.
The ``defaults`` workload is the exception: both libraries keep every default
but ``random_state`` (so each stops by its own rule), on a standardized
20,000 x 20 classification problem, and it is compared per fit.

Run it from the repository root as::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench.py \\
        --json benchmarks/results.json --plot benchmarks/epoch_time.png

Some machines set ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE``, which make
OpenBLAS pick slower kernels; they only take effect when NumPy is loaded, so
they must be unset before that. If they are set anyway, the script says so and
re-executes itself without them before importing NumPy. ``PYTHONPATH`` picks
the skffnn that is measured (e.g. ``PYTHONPATH=/path/to/checkout``); the
output names its path and git commit.

Every fit runs in a fresh Python subprocess (this same file with ``--worker``),
which loads the data from ``.npy`` files written by the parent, fits the
estimator once on a few hundred rows as a warm-up (imports, BLAS buffers and
first-call costs stay out of the measurement), then times one fit. With
``--kernels auto`` the warm-up fit is made to compile skffnn's numba kernels
(its compile-cost estimate is set to zero for the warm-up only): compiling is
a first-call cost, measured apart by ``compile_cost.py``. The timed fit then
decides by itself; the worker records whether it used the kernels, and whether
``_kernels.worth_compiling`` would have chosen them in a fresh process. Peak memory
of the fit is the child's ``getrusage(RUSAGE_SELF).ru_maxrss`` after the fit
minus its resident set size just before it: the extra memory the fit needed,
copies of ``X`` included, the input data itself excluded. Just before the fit
the child resets its peak RSS (writing ``5`` to ``/proc/self/clear_refs``,
Linux 4.0 and newer), and reads the peak as ``VmHWM`` from
``/proc/self/status``, the counter behind ``ru_maxrss``: otherwise the
transient peak of importing SciPy and scikit-learn, or the parent's RSS that
``ru_maxrss`` inherits at exec, would hide the peak of every smaller fit.

The GEMM ceiling is measured in the parent, once per repeat, in the workload's
dtype: the forward and backward matrix products of one minibatch (for every
layer ``n_in -> n_out``: ``(batch x n_in) @ (n_in x n_out)``,
``(n_in x batch) @ (batch x n_out)`` and ``(batch x n_out) @ (n_out x n_in)``)
on preallocated arrays, i.e. exactly the ``6 x n_parameters`` FLOPs per sample
that an epoch is counted as (biases aside). "% of GEMM" is the library's
``6 x n_parameters x n_train / seconds_per_epoch`` divided by that rate. The
plain first-layer product ``(batch x features) @ (features x hidden)`` is
reported too.

Options: ``--workloads`` takes names or shell patterns (``clf-*``),
``--kernels off`` makes every skffnn worker set ``skffnn._kernels.AVAILABLE =
False`` before its warm-up fit, so that one environment with numba installed
measures the NumPy path too (default ``auto``: the library decides, see
below), ``--quick`` shrinks everything for a smoke test of 30-60 s,
``--threads N`` limits BLAS / OpenMP threads everywhere (use 1 when the
machine is shared: multithreaded OpenBLAS slows down many times over when
other processes hold the cores), ``--json`` saves the results, ``--plot``
saves a PNG of seconds per epoch against batch size, ``--from-json`` re-prints
the tables (and plot) of a saved run, ``--profile NAME`` runs cProfile on one
skffnn epoch of that workload in this process. See benchmarks/README.md for
the columns.
"""

from __future__ import annotations

import os
import sys

SLOW_BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_REMOVED_MARK = "SKFFNN_BENCH_REMOVED_ENV"


def _reexec_without_slow_blas_variables() -> None:
    """Restart this script without the OpenBLAS variables, before NumPy loads."""
    found = {
        name: os.environ[name] for name in SLOW_BLAS_VARIABLES if name in os.environ
    }
    if not found or "--worker" in sys.argv:
        return
    env = {key: value for key, value in os.environ.items() if key not in found}
    env[_REMOVED_MARK] = " ".join(f"{key}={value}" for key, value in found.items())
    print(
        f"bench: {env[_REMOVED_MARK]} set; re-executing without "
        f"{' and '.join(found)} (they slow NumPy's OpenBLAS and must be unset "
        "before NumPy is imported)",
        flush=True,
    )
    script = os.path.abspath(__file__)
    os.execve(sys.executable, [sys.executable, script, *sys.argv[1:]], env)


if __name__ == "__main__":
    _reexec_without_slow_blas_variables()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime  # noqa: E402
import fnmatch  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import asdict, dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

LIBRARIES = ("skffnn", "sklearn")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
NO_CHANGE = 1_000_000  # n_iter_no_change for both: never stop before max epochs
MEMORY_METHOD = (
    "peak memory: fresh subprocess per fit; after loading the data and a warm-up "
    "fit, the peak RSS is reset (/proc/self/clear_refs), and the fit's peak is "
    "the peak RSS (VmHWM, i.e. ru_maxrss) after the fit minus the RSS just "
    "before it"
)


@dataclass(frozen=True)
class Workload:
    """One benchmark configuration."""

    name: str
    task: str  # "clf", "reg", "digits" or "defaults"
    n_train: int
    n_test: int
    n_features: int
    hidden: tuple[int, ...]
    batch: int
    epochs: int
    dtype: str
    repeats: int


def default_workloads(epochs: int = 2, repeats: int = 3) -> list[Workload]:
    """Return the full-size workloads, in the order they run."""
    workloads = []
    for dtype, suffix in (("float64", "f64"), ("float32", "f32")):
        for batch in (64, 256, 1024):
            workloads.append(
                Workload(
                    f"clf-b{batch}-{suffix}",
                    "clf",
                    80_000,
                    20_000,
                    100,
                    (256, 128),
                    batch,
                    epochs,
                    dtype,
                    repeats,
                )
            )
    workloads += [
        Workload(
            "reg-b256",
            "reg",
            80_000,
            20_000,
            100,
            (256, 128),
            256,
            epochs,
            "float64",
            repeats,
        ),
        Workload("digits", "digits", 1437, 360, 64, (100,), 200, 50, "float64", 5),
        # Each library's own defaults (batch 200, at most 200 epochs): only the
        # hidden layers, batch and epoch budget are stated here, for the tables.
        Workload(
            "defaults", "defaults", 20_000, 5_000, 20, (100,), 200, 200, "float64", 3
        ),
        Workload(
            "scale", "clf", 1_000_000, 20_000, 100, (256, 128), 1024, 1, "float32", 1
        ),
    ]
    return workloads


def quick_version(workload: Workload) -> Workload:
    """Shrink a workload so that all of them together run in about 30 s."""
    if workload.task == "digits":
        return replace(workload, epochs=3, repeats=1)
    if workload.task == "defaults":
        return replace(workload, n_train=2_000, n_test=500, repeats=1)
    n_train = 10_000 if workload.name == "scale" else 2_000
    return replace(workload, n_train=n_train, n_test=500, epochs=1, repeats=1)


def n_classes(workload: Workload) -> int:
    """Width of the output layer."""
    return {"clf": 10, "digits": 10, "reg": 1, "defaults": 4}[workload.task]


def layer_sizes(workload: Workload) -> list[int]:
    """Widths from the input to the output layer."""
    return [workload.n_features, *workload.hidden, n_classes(workload)]


def n_parameters(workload: Workload) -> int:
    """Weights and biases of the network."""
    sizes = layer_sizes(workload)
    return sum(n_in * n_out + n_out for n_in, n_out in itertools.pairwise(sizes))


# --------------------------------------------------------------------- data


def make_data(workload: Workload) -> dict[str, np.ndarray]:
    """Return the train / test split of a workload, in its dtype."""
    from sklearn.datasets import load_digits, make_classification, make_regression
    from sklearn.model_selection import train_test_split

    n = workload.n_train + workload.n_test
    if workload.task == "clf":
        X, y = make_classification(
            n_samples=n,
            n_features=workload.n_features,
            n_informative=50,
            n_classes=10,
            random_state=0,
        )
        stratify: Any = y
    elif workload.task == "defaults":
        X, y = make_classification(
            n_samples=n,
            n_features=workload.n_features,
            n_informative=10,
            n_classes=4,
            random_state=0,
        )
        stratify = y
    elif workload.task == "reg":
        X, y = make_regression(
            n_samples=n, n_features=workload.n_features, noise=10, random_state=0
        )
        stratify = None
    else:
        X, y = load_digits(return_X_y=True)
        X = X / 16.0
        stratify = y
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=workload.n_test, random_state=0, stratify=stratify
    )
    if workload.task == "defaults":
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    if workload.task == "reg":  # standardize y with the training statistics
        mean, std = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / std, (y_test - mean) / std
        y_train = y_train.astype(workload.dtype)
        y_test = y_test.astype(workload.dtype)
    dtype = np.dtype(workload.dtype)
    return {
        "X_train": np.ascontiguousarray(X_train, dtype=dtype),
        "y_train": np.ascontiguousarray(y_train),
        "X_test": np.ascontiguousarray(X_test, dtype=dtype),
        "y_test": np.ascontiguousarray(y_test),
    }


def data_key(workload: Workload) -> str:
    """Workloads with equal keys share their data files."""
    return f"{workload.task}-{workload.n_train}-{workload.n_test}-{workload.dtype}"


# ------------------------------------------------------------------ workers


def make_estimator(
    library: str, workload: Workload, seed: int, epochs: int | None
) -> Any:
    """The estimator of `library` configured as described in the docstring.

    For the ``defaults`` workload only `seed` and, when not None (the warm-up
    fit), `epochs` are set.
    """
    if workload.task == "defaults":
        return make_default_estimator(library, seed, epochs)
    if library == "skffnn":
        from skffnn import FFNNClassifier, FFNNRegressor

        cls = FFNNRegressor if workload.task == "reg" else FFNNClassifier
        return cls(
            hidden_layer_sizes=workload.hidden,
            activation="relu",
            # Glorot's uniform range for weights and biases on every layer,
            # scikit-learn's only scheme; stated although it is the default.
            weight_init="auto",
            scheduler="adam",
            eta=1e-3,
            lam=0.0,
            batch_size=workload.batch,
            epochs=epochs,
            shuffle=True,
            random_state=seed,
            tol=0.0,
            n_iter_no_change=NO_CHANGE,
            early_stopping=False,
            verbose=0,
        )
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    cls = MLPRegressor if workload.task == "reg" else MLPClassifier
    return cls(
        hidden_layer_sizes=workload.hidden,
        activation="relu",
        solver="adam",
        learning_rate_init=1e-3,
        alpha=0.0,
        batch_size=workload.batch,
        max_iter=epochs,
        shuffle=True,
        random_state=seed,
        tol=0.0,
        n_iter_no_change=NO_CHANGE,
        early_stopping=False,
        verbose=False,
    )


def make_default_estimator(library: str, seed: int, epochs: int | None) -> Any:
    """A classifier of `library` with its defaults, but for the seed."""
    if library == "skffnn":
        from skffnn import FFNNClassifier

        budget = {} if epochs is None else {"epochs": epochs}
        return FFNNClassifier(random_state=seed, **budget)
    from sklearn.neural_network import MLPClassifier

    budget = {} if epochs is None else {"max_iter": epochs}
    return MLPClassifier(random_state=seed, **budget)


def current_rss_kib() -> int:
    """Resident set size of this process now, in KiB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def peak_rss_kib() -> int:
    """Peak resident set size of this process, in KiB.

    ``VmHWM`` of /proc/self/status, the same high-water mark that
    ``getrusage(RUSAGE_SELF).ru_maxrss`` reports, except that ``ru_maxrss`` is
    also at least the RSS of the parent when it started this process (the kernel
    carries it over at exec), which for a child of a benchmark holding large
    arrays is larger than anything the child does.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak_rss() -> bool:
    """Make the peak RSS start again from the current RSS (Linux >= 4.0).

    Without this, the transient peak of importing SciPy and scikit-learn hides
    the peak of any fit smaller than it.
    """
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def run_worker(spec_path: str) -> None:
    """Child process: warm up, time one fit, measure its memory, score it."""
    spec = json.loads(Path(spec_path).read_text())
    workload = Workload(
        **{**spec["workload"], "hidden": tuple(spec["workload"]["hidden"])}
    )
    files = spec["files"]
    X = np.load(files["X_train"])
    y = np.load(files["y_train"])
    warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, wanted
    kernels = None
    if spec["library"] == "skffnn":
        kernels = _KernelProbe(spec.get("kernels", "auto"), workload)
    warm_rows = min(len(X), max(4 * workload.batch, 500))
    warm = make_estimator(spec["library"], workload, spec["seed"], 1)
    if kernels is None:
        warm.fit(X[:warm_rows], y[:warm_rows])
    else:
        with kernels.warming_up():
            warm.fit(X[:warm_rows], y[:warm_rows])
    del warm
    gc.collect()
    epochs = None if workload.task == "defaults" else workload.epochs
    estimator = make_estimator(spec["library"], workload, spec["seed"], epochs)
    if kernels is not None:
        kernels.decisions.clear()
    reset = reset_peak_rss()
    rss_before = current_rss_kib()
    maxrss_before = peak_rss_kib()
    start = time.perf_counter()
    estimator.fit(X, y)
    seconds = time.perf_counter() - start
    maxrss_after = peak_rss_kib()
    score = estimator.score(np.load(files["X_test"]), np.load(files["y_test"]))
    n_iter = int(estimator.n_iter_)
    result = {
        "fit_seconds": seconds,
        # the defaults workload stops by its own rule: per epoch actually run
        "epoch_seconds": seconds / max(n_iter, 1),
        "n_iter": n_iter,
        "score": float(score),
        "peak_mib": (maxrss_after - rss_before) / 1024,
        "rss_before_mib": rss_before / 1024,
        "maxrss_before_mib": maxrss_before / 1024,
        "maxrss_after_mib": maxrss_after / 1024,
        # False: the peak could not be reset and the fit stayed below an earlier
        # peak, so peak_mib is only an upper bound
        "peak_exact": reset or maxrss_after > maxrss_before,
    }
    if kernels is not None:
        result.update(kernels.report())
    print(json.dumps(result))


class _KernelProbe:
    """Set skffnn's kernel mode in a worker and record what the timed fit used.

    ``off`` sets ``skffnn._kernels.AVAILABLE = False`` (as if numba were not
    installed). ``auto`` leaves the decision to skffnn, but lets the warm-up
    fit compile the kernels (see :meth:`warming_up`). Every decision of the
    training loop (``_training.Run.use_kernels``) is recorded, so the worker
    reports what the timed fit actually ran.
    """

    def __init__(self, mode: str, workload: Workload) -> None:
        self.mode, self.fresh = mode, False
        self.decisions: list[bool] = []
        import skffnn

        # A core from before the kernels, put first by PYTHONPATH. Its missing
        # submodules would be found in the installed (editable) skffnn, so
        # look for the file rather than import it.
        if not (Path(skffnn.__file__).parent / "_kernels.py").exists():
            self.mode = "absent"
            return
        from skffnn import _kernels, _training

        self.kernels = _kernels
        if mode == "off":
            _kernels.AVAILABLE = False
        decide = _training.Run.use_kernels

        def recorded(run: Any) -> bool:
            used = bool(decide(run))
            self.decisions.append(used)
            return used

        _training.Run.use_kernels = recorded  # type: ignore[method-assign]
        # What skffnn would choose for the timed fit in a fresh process, where
        # nothing is compiled yet and the compile cost counts.
        self.fresh = bool(
            _kernels.worth_compiling(
                workload.n_train,
                sum(workload.hidden),
                n_parameters(workload),
                workload.batch,
                workload.epochs,
                np.dtype(workload.dtype),
            )
        )

    @contextlib.contextmanager
    def warming_up(self) -> Any:
        """Let the warm-up fit compile the kernels, so the timed fit need not.

        Compiling is a first-call cost like the imports the warm-up exists to
        hide; ``compile_cost.py`` measures it in fresh processes.
        """
        if self.mode == "absent":
            yield
            return
        saved = self.kernels.COMPILE_SECONDS
        if self.mode == "auto":
            self.kernels.COMPILE_SECONDS = 0.0
        try:
            yield
        finally:
            self.kernels.COMPILE_SECONDS = saved

    def report(self) -> dict[str, Any]:
        """The kernel mode and what the timed fit used, for the result."""
        return {
            "kernels_mode": self.mode,
            "kernels_used": bool(self.decisions) and all(self.decisions),
            "kernels_decisions": self.decisions,
            "kernels_fresh": self.fresh,
        }


def limit_threads(threads: int | None) -> None:
    """Limit BLAS and OpenMP threads of this process for the rest of its life."""
    if threads:
        import sklearn.neural_network  # noqa: F401 - loads every thread pool
        import threadpoolctl

        _THREAD_LIMITS.append(threadpoolctl.threadpool_limits(limits=threads))


_THREAD_LIMITS: list[Any] = []  # keeps the limits in force


def run_child(
    library: str,
    workload: Workload,
    seed: int,
    files: dict,
    threads: int | None,
    kernels: str,
) -> dict:
    """Run one fit in a fresh subprocess and return its measurements."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(
            {
                "library": library,
                "workload": asdict(workload),
                "seed": seed,
                "files": files,
                "kernels": kernels,
            },
            handle,
        )
    env = dict(os.environ)
    if threads:
        for name in THREAD_VARIABLES:
            env[name] = str(threads)
    try:
        done = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", handle.name],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        message = done.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        print(f"    {library} failed: {message[0]}", flush=True)
        return {"error": done.stderr[-4000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------- GEMM


def gemm_rates(workload: Workload, min_seconds: float) -> dict[str, float]:
    """FLOP/s of the workload's matrix products on this machine, right now.

    ``first_layer``: ``(batch x features) @ (features x hidden[0])``;
    ``fwd_bwd``: every layer's forward, weight-gradient and delta products.
    ``needed_step_seconds``: the time of one training step's products without
    the first layer's delta, which neither library computes (nothing is
    upstream of the input): at this BLAS's rate, no implementation of the
    step can take less.
    """
    rng = np.random.default_rng(0)
    dtype = np.dtype(workload.dtype)
    b = workload.batch
    sizes = layer_sizes(workload)
    products = []
    for n_in, n_out in itertools.pairwise(sizes):
        a = rng.standard_normal((b, n_in)).astype(dtype)
        w = rng.standard_normal((n_in, n_out)).astype(dtype)
        d = rng.standard_normal((b, n_out)).astype(dtype)
        products += [
            (a, w, np.empty((b, n_out), dtype)),
            (a.T, d, np.empty((n_in, n_out), dtype)),
            (d, w.T, np.empty((b, n_in), dtype)),
        ]
    flops_all = sum(
        2.0 * p[0].shape[0] * p[0].shape[1] * p[1].shape[1] for p in products
    )

    def seconds(chosen: list) -> float:
        """Seconds for one round of the `chosen` products."""
        for left, right, out in chosen:  # warm up
            np.matmul(left, right, out=out)
        count, elapsed = 1, 0.0
        while True:
            start = time.perf_counter()
            for _ in range(count):
                for left, right, out in chosen:
                    np.matmul(left, right, out=out)
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                return elapsed / count
            count *= 2

    first = products[0]
    flops_first = 2.0 * b * sizes[0] * sizes[1]
    needed = [p for i, p in enumerate(products) if i != 2]  # 2: first delta
    return {
        "first_layer": flops_first / seconds([first]),
        "fwd_bwd": flops_all / seconds(products),
        "needed_step_seconds": seconds(needed),
    }


# ------------------------------------------------------------------ running


def median(values: list[float]) -> float:
    """Median of the finite values, nan when there are none."""
    finite = [v for v in values if v is not None and np.isfinite(v)]
    return statistics.median(finite) if finite else float("nan")


def run_workload(
    workload: Workload,
    files: dict,
    gemm_seconds: float,
    X_mib: float,
    threads: int | None,
    kernels: str = "auto",
) -> dict:
    """Alternate the two libraries over the repeats; return raw and summary."""
    runs: dict[str, list[dict]] = {library: [] for library in LIBRARIES}
    gemm: list[dict[str, float]] = []
    print(
        f"{workload.name}: n_train={workload.n_train} batch={workload.batch} "
        f"epochs={workload.epochs} {workload.dtype} repeats={workload.repeats}, "
        f"X_train {X_mib:.1f} MiB (load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    for repeat in range(workload.repeats):
        order = LIBRARIES if repeat % 2 == 0 else LIBRARIES[::-1]
        for library in order:
            result = run_child(library, workload, repeat, files, threads, kernels)
            runs[library].append(result)
            if "error" not in result:
                used = result.get("kernels_used")
                print(
                    f"  repeat {repeat} {library:7s} {result['epoch_seconds']:8.3f} "
                    f"s/epoch  score {result['score']:.4f}  "
                    f"peak {result['peak_mib']:7.1f} MiB  n_iter {result['n_iter']}"
                    f"{'' if used is None else '  kernels ' + _yes(used)}",
                    flush=True,
                )
        gemm.append(gemm_rates(workload, gemm_seconds))
    flops_per_epoch = 6.0 * n_parameters(workload) * workload.n_train
    summary: dict[str, Any] = {
        "gemm_fwd_bwd_flops": median([g["fwd_bwd"] for g in gemm]),
        "gemm_first_layer_flops": median([g["first_layer"] for g in gemm]),
        # The products alone, one full batch's worth per step (the last, smaller
        # batch counted by its share of rows).
        "gemm_floor_epoch_seconds": median([g["needed_step_seconds"] for g in gemm])
        * workload.n_train
        / workload.batch,
        "flops_per_epoch": flops_per_epoch,
        "X_train_mib": X_mib,
    }
    for library in LIBRARIES:
        ok = [r for r in runs[library] if "error" not in r]
        epoch = median([r["epoch_seconds"] for r in ok])
        summary[library] = {
            "epoch_seconds": epoch,
            "fit_seconds": median([r["fit_seconds"] for r in ok]),
            "score": median([r["score"] for r in ok]),
            "peak_mib": max((r["peak_mib"] for r in ok), default=float("nan")),
            "peak_exact": all(r.get("peak_exact", True) for r in ok),
            "n_iter": sorted({r["n_iter"] for r in ok}),
            "gemm_fraction": flops_per_epoch / epoch / summary["gemm_fwd_bwd_flops"],
            "failures": len(runs[library]) - len(ok),
        }
        if library == "skffnn":
            summary[library]["kernels_used"] = [r.get("kernels_used") for r in ok]
            summary[library]["kernels_fresh"] = [r.get("kernels_fresh") for r in ok]
        for result in ok:
            if workload.task != "defaults" and result["n_iter"] != workload.epochs:
                print(
                    f"  WARNING: {library} ran {result['n_iter']} epochs, "
                    f"not {workload.epochs}",
                    flush=True,
                )
    sklearn_epoch = summary["sklearn"]["epoch_seconds"]
    summary["ratio"] = summary["skffnn"]["epoch_seconds"] / sklearn_epoch
    summary["fit_ratio"] = (
        summary["skffnn"]["fit_seconds"] / summary["sklearn"]["fit_seconds"]
    )
    summary["floor_ratio"] = summary["gemm_floor_epoch_seconds"] / sklearn_epoch
    return {
        "workload": asdict(workload),
        "n_parameters": n_parameters(workload),
        "runs": runs,
        "gemm_runs": gemm,
        "summary": summary,
        "load_average_after": os.getloadavg()[0],
    }


# ------------------------------------------------------------- information


def git_info(path: Path) -> dict[str, Any]:
    """Commit and dirtiness of the checkout that holds `path` (read-only)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "--no-optional-locks", "-C", str(path), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--", ".")),
    }


def source_digest(package: Path) -> str:
    """SHA-256 over the package's .py files, to tell cores apart exactly."""
    digest = hashlib.sha256()
    for file in sorted(package.glob("*.py")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def numba_version() -> str | None:
    """numba's version if installed, without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba")
    except PackageNotFoundError:
        return None


def cpu_model() -> str:
    """CPU model name (and family/model numbers) from /proc/cpuinfo."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or "unknown"
    name = fields.get("model name", "unknown")
    return f"{name} (family {fields.get('cpu family')}, model {fields.get('model')})"


def machine_info() -> dict[str, Any]:
    """What the numbers depend on: machine, BLAS, library versions, core commit."""
    import sklearn
    import threadpoolctl

    import skffnn

    package = Path(skffnn.__file__).resolve().parent
    blas = [
        {
            key: info.get(key)
            for key in (
                "internal_api",
                "version",
                "num_threads",
                "architecture",
                "threading_layer",
                "filepath",
            )
        }
        for info in threadpoolctl.threadpool_info()
    ]
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "nproc": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "skffnn": skffnn.__version__,
        "skffnn_path": str(package),
        "skffnn_git": git_info(package),
        "skffnn_source_sha256": source_digest(package),
        "blas": blas,
        "env_removed": os.environ.get(_REMOVED_MARK, ""),
        "env": {name: os.environ.get(name) for name in SLOW_BLAS_VARIABLES},
        "memory_method": MEMORY_METHOD,
        "load_average_start": os.getloadavg()[0],
    }


def print_machine_info(meta: dict) -> None:
    """The header of a run."""
    print(f"date: {meta['date']}")
    print(f"machine: nproc={meta['nproc']}, cpu: {meta['cpu']}")
    print(
        f"python {meta['python']}, numpy {meta['numpy']}, "
        f"scikit-learn {meta['sklearn']}, skffnn {meta['skffnn']}"
    )
    git = meta["skffnn_git"]
    print(
        f"skffnn from {meta['skffnn_path']} (commit {git['commit'][:10] or '?'} "
        f"on {git['branch'] or '?'}{', uncommitted changes' if git['dirty'] else ''}; "
        f"source sha256 {meta['skffnn_source_sha256']})"
    )
    for name in SLOW_BLAS_VARIABLES:
        state = meta["env"][name]
        print(f"{name}: {'set to ' + repr(state) if state is not None else 'unset'}")
    if meta["env_removed"]:
        print(f"  (re-executed without {meta['env_removed']})")
    print("threadpoolctl:")
    for info in meta["blas"]:
        print(
            f"  {info['internal_api']} {info['version']}: {info['num_threads']} "
            f"threads, architecture {info['architecture']}, "
            f"{Path(info['filepath']).name}"
        )
    if meta.get("threads_limit"):
        print(f"threads limited to {meta['threads_limit']} (--threads)")
    off = "; skffnn workers set _kernels.AVAILABLE = False"
    print(
        f"kernels: {meta['kernels']} (numba {meta['numba'] or 'not installed'}"
        f"{off if meta['kernels'] == 'off' else ''})"
    )
    print(meta["memory_method"])
    print(flush=True)


# ------------------------------------------------------------------ output


def _fmt(value: float, spec: str) -> str:
    return "-" if value is None or not np.isfinite(value) else format(value, spec)


def _spread(entry: dict, library: str) -> str:
    """Slowest over fastest epoch time of the repeats, e.g. ``1.12x``."""
    times = [r["epoch_seconds"] for r in entry["runs"][library] if "error" not in r]
    return f"{max(times) / min(times):.2f}x" if times else "-"


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "no")


def _kernels_cell(summary: dict) -> str:
    """Whether skffnn's timed fits used the kernels: ``yes``, ``no`` or mixed.

    A ``*`` marks fits that used them only because the warm-up compiled them:
    in a fresh process skffnn would have stayed on NumPy for that fit.
    """
    used = summary.get("kernels_used")
    if not used or None in used:
        return "-"
    cell = _yes(used[0]) if len(set(used)) == 1 else f"{sum(used)}/{len(used)}"
    fresh = summary.get("kernels_fresh") or []
    return cell + ("*" if any(used) and not all(fresh) else "")


def _peak(summary: dict) -> str:
    bound = "" if summary.get("peak_exact", True) else "≤ "
    return bound + _fmt(summary["peak_mib"], ".1f")


def results_table(results: list[dict]) -> str:
    """The two Markdown tables: speed / quality, and fit / memory."""
    speed = [
        "| workload | dtype | batch | epochs | n_train | skffnn s/epoch "
        "| sklearn s/epoch | ratio | GEMM-only ratio | kernels | metric "
        "| skffnn score | sklearn score | GEMM GFLOP/s | skffnn % GEMM "
        "| sklearn % GEMM |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    defaults = [
        "| workload | n_train x features | skffnn s/fit | sklearn s/fit "
        "| ratio (per fit) | n_iter skffnn / sklearn | kernels | skffnn accuracy "
        "| sklearn accuracy | repeats |",
        "|---|---|---:|---:|---:|---|---|---:|---:|---:|",
    ]
    memory = [
        "| workload | X_train MiB | skffnn peak MiB | sklearn peak MiB "
        "| skffnn s/fit | sklearn s/fit | n_iter skffnn / sklearn | repeats "
        "| spread skffnn / sklearn | first-layer GEMM GFLOP/s |",
        "|---|---:|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for entry in results:
        w, s = entry["workload"], entry["summary"]
        ours, theirs = s["skffnn"], s["sklearn"]
        n_iter = "/".join(
            ",".join(str(n) for n in s[library]["n_iter"]) or "-"
            for library in LIBRARIES
        )
        if w["task"] == "defaults":
            defaults.append(
                f"| {w['name']} | {w['n_train']} x {w['n_features']} "
                f"| {_fmt(ours['fit_seconds'], '.4g')} "
                f"| {_fmt(theirs['fit_seconds'], '.4g')} "
                f"| {_fmt(s.get('fit_ratio'), '.2f')} | {n_iter} "
                f"| {_kernels_cell(ours)} | {_fmt(ours['score'], '.4f')} "
                f"| {_fmt(theirs['score'], '.4f')} | {w['repeats']} |"
            )
            continue
        speed.append(
            f"| {w['name']} | {w['dtype']} | {w['batch']} | {w['epochs']} "
            f"| {w['n_train']} | {_fmt(ours['epoch_seconds'], '.4g')} "
            f"| {_fmt(theirs['epoch_seconds'], '.4g')} | {_fmt(s['ratio'], '.2f')} "
            f"| {_fmt(s.get('floor_ratio'), '.2f')} | {_kernels_cell(ours)} "
            f"| {'R²' if w['task'] == 'reg' else 'accuracy'} "
            f"| {_fmt(ours['score'], '.4f')} | {_fmt(theirs['score'], '.4f')} "
            f"| {_fmt(s['gemm_fwd_bwd_flops'] / 1e9, '.1f')} "
            f"| {_fmt(100 * ours['gemm_fraction'], '.1f')} "
            f"| {_fmt(100 * theirs['gemm_fraction'], '.1f')} |"
        )
        memory.append(
            f"| {w['name']} | {s['X_train_mib']:.1f} "
            f"| {_peak(ours)} | {_peak(theirs)} "
            f"| {_fmt(ours['fit_seconds'], '.4g')} "
            f"| {_fmt(theirs['fit_seconds'], '.4g')} | {n_iter} | {w['repeats']} "
            f"| {_spread(entry, 'skffnn')} / {_spread(entry, 'sklearn')} "
            f"| {_fmt(s['gemm_first_layer_flops'] / 1e9, '.1f')} |"
        )
    tables = ["\n".join(speed), "\n".join(memory)]
    if len(defaults) > 2:
        tables.append("\n".join(defaults))
    if any("*" in line for line in speed + defaults):
        tables.append(
            "kernels: * = compiled by the warm-up fit; in a fresh process skffnn "
            "would have kept this fit on NumPy (_kernels.worth_compiling)."
        )
    return "\n\n".join(tables)


def table_caption(meta: dict) -> str:
    """One line naming what was measured, for under the table."""
    git = meta["skffnn_git"]
    blases = [b for b in meta["blas"] if b["internal_api"] != "openmp"]
    numpy_blas = [b for b in blases if "numpy" in (b["filepath"] or "")]
    limit = meta.get("threads_limit")
    threads = f"; --threads {limit}" if limit else ""
    blas = (numpy_blas or blases or [{}])[0]
    return (
        f"Measured {meta['date']} on {meta['nproc']} cores ({meta['cpu']}), "
        f"{blas.get('internal_api')} {blas.get('version')} "
        f"({blas.get('architecture')}, {blas.get('num_threads')} BLAS thread(s)); "
        f"skffnn {meta['skffnn']} at commit {git['commit'][:10] or '?'}"
        f"{' + uncommitted changes' if git['dirty'] else ''} "
        f"(source sha256 {meta['skffnn_source_sha256']}), scikit-learn "
        f"{meta['sklearn']}, numpy {meta['numpy']}; "
        f"OpenBLAS variables unset: "
        f"{all(meta['env'][name] is None for name in SLOW_BLAS_VARIABLES)}; "
        f"load average {meta['load_average_start']:.1f} at the start, "
        f"{meta.get('load_average_end', float('nan')):.1f} at the end"
        f"{'; --quick' if meta.get('quick') else ''}"
        f"{threads}; --kernels {meta.get('kernels', 'auto')}"
        f" (numba {meta.get('numba') or 'not installed'})."
    )


def save_plot(payload: dict, path: str) -> None:
    """Seconds per epoch against batch size, per library and dtype."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter

    results, meta = payload["results"], payload["meta"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    styles = {"skffnn": ("C0", "o"), "sklearn": ("C1", "s")}
    lines = 0
    for library in LIBRARIES:
        for dtype, dash in (("float64", "-"), ("float32", "--")):
            points = sorted(
                (e["workload"]["batch"], e["summary"][library]["epoch_seconds"])
                for e in results
                if e["workload"]["task"] == "clf"
                and e["workload"]["name"].startswith("clf-")
                and e["workload"]["dtype"] == dtype
            )
            if not points:
                continue
            color, marker = styles[library]
            batches, seconds = zip(*points, strict=True)
            ax.plot(
                batches,
                seconds,
                dash,
                color=color,
                marker=marker,
                label=f"{'scikit-learn' if library == 'sklearn' else library} {dtype}",
            )
            lines += 1
    if lines:
        clf = next(
            e["workload"] for e in results if e["workload"]["name"][:4] == "clf-"
        )
        ax.set_title(
            f"Adam, hidden {tuple(clf['hidden'])}, {clf['n_train']} x "
            f"{clf['n_features']} training samples"
        )
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks([64, 256, 1024], ["64", "256", "1024"])
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    ax.tick_params(axis="y", which="minor", labelsize=7)
    blas = meta["blas"][0] if meta["blas"] else {}
    threads = meta.get("threads_limit") or blas.get("num_threads")
    fig.text(
        0.01,
        0.01,
        f"skffnn {meta['skffnn_git']['commit'][:10]}, {meta['date'][:10]}, "
        f"{meta['nproc']} cores, {threads} BLAS thread(s), "
        f"kernels {meta.get('kernels', 'auto')}",
        fontsize=7,
        color="0.4",
    )
    ax.set_xlabel("batch size")
    ax.set_ylabel("seconds per epoch (median)")
    ax.grid(True, which="both", alpha=0.3)
    if lines:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"plot saved to {path}")


def report(payload: dict, args: argparse.Namespace) -> None:
    """Print the tables; save the JSON and plot when asked."""
    print()
    print(results_table(payload["results"]))
    print()
    print(table_caption(payload["meta"]))
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=1) + "\n")
        print(f"results saved to {args.json}")
    if args.plot:
        save_plot(payload, args.plot)


# --------------------------------------------------------------- profiling


def profile_workload(workload: Workload) -> None:
    """Print cProfile's top functions for one skffnn epoch of `workload`."""
    import cProfile
    import pstats

    data = make_data(workload)
    warnings.simplefilter("ignore")
    one_epoch = replace(workload, epochs=1)
    make_estimator("skffnn", one_epoch, 0, 1).fit(
        data["X_train"][:500], data["y_train"][:500]
    )
    estimator = make_estimator("skffnn", one_epoch, 0, 1)
    profiler = cProfile.Profile()
    profiler.enable()
    estimator.fit(data["X_train"], data["y_train"])
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs().sort_stats("tottime")
    stats.print_stats(20)


# --------------------------------------------------------------------- main


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description="skffnn vs scikit-learn MLP: time, score, memory, GEMM fraction",
        epilog="Run as: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "
        "python benchmarks/bench.py",
    )
    names = ", ".join(w.name for w in default_workloads())
    parser.add_argument(
        "--workloads",
        default="all",
        help=f"comma-separated names or patterns (default all): {names}",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: a 30-60 s smoke test"
    )
    parser.add_argument("--repeats", type=int, help="override every repeat count")
    parser.add_argument(
        "--epochs", type=int, default=2, help="epochs of clf-* and reg-* (default 2)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="limit BLAS/OpenMP threads in every fit (OPENBLAS_NUM_THREADS etc. "
        "in its subprocess) and GEMM measurement (threadpoolctl); default: the "
        "libraries' own (all cores)",
    )
    parser.add_argument(
        "--kernels",
        choices=("auto", "off"),
        default="auto",
        help="skffnn's numba kernels: auto (skffnn decides; the warm-up fit "
        "compiles them) or off (_kernels.AVAILABLE = False in each worker)",
    )
    parser.add_argument("--json", metavar="PATH", help="save results as JSON")
    parser.add_argument("--plot", metavar="PATH", help="save a PNG of s/epoch vs batch")
    parser.add_argument(
        "--from-json", metavar="PATH", help="re-print tables (and --plot) of a run"
    )
    parser.add_argument(
        "--profile", metavar="NAME", help="cProfile one skffnn epoch of a workload"
    )
    parser.add_argument("--worker", metavar="SPEC", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def select(args: argparse.Namespace) -> list[Workload]:
    """The workloads the command line asks for, shrunk by --quick."""
    everything = default_workloads(epochs=args.epochs)
    patterns = [p.strip() for p in args.workloads.split(",") if p.strip()]
    chosen = [
        w
        for w in everything
        if "all" in patterns or any(fnmatch.fnmatchcase(w.name, p) for p in patterns)
    ]
    unknown = [
        p
        for p in patterns
        if p != "all" and not any(fnmatch.fnmatchcase(w.name, p) for w in everything)
    ]
    if unknown:
        known = ", ".join(w.name for w in everything)
        sys.exit(f"unknown workload(s): {', '.join(unknown)}; known: {known}")
    if args.quick:
        chosen = [quick_version(w) for w in chosen]
    if args.repeats:
        chosen = [replace(w, repeats=args.repeats) for w in chosen]
    return chosen


def main(argv: list[str]) -> None:
    """Run the benchmark (or a worker, or a re-print) as the arguments say."""
    args = parse_arguments(argv)
    if args.worker:
        run_worker(args.worker)
        return
    if args.from_json:
        report(json.loads(Path(args.from_json).read_text()), args)
        return
    workloads = select(args)
    limit_threads(args.threads)
    if args.profile:
        chosen = [w for w in workloads if w.name == args.profile]
        if not chosen:
            sys.exit(f"--profile: no workload named {args.profile}")
        profile_workload(chosen[0])
        return
    meta = machine_info()
    meta["quick"] = args.quick
    meta["threads_limit"] = args.threads
    meta["kernels"] = args.kernels
    meta["numba"] = numba_version()
    print_machine_info(meta)
    gemm_seconds = 0.02 if args.quick else 0.25
    workdir = Path(tempfile.mkdtemp(prefix="skffnn-bench-"))
    files_by_key: dict[str, dict[str, str]] = {}
    mib_by_key: dict[str, float] = {}
    results = []
    started = time.perf_counter()
    try:
        for workload in workloads:
            key = data_key(workload)
            if key not in files_by_key:
                data = make_data(workload)
                mib_by_key[key] = data["X_train"].nbytes / 2**20
                files_by_key[key] = {}
                for part, array in data.items():
                    path = workdir / f"{key}-{part}.npy"
                    np.save(path, array)
                    files_by_key[key][part] = str(path)
                del data
            files = files_by_key[key]
            results.append(
                run_workload(
                    workload,
                    files,
                    gemm_seconds,
                    mib_by_key[key],
                    args.threads,
                    args.kernels,
                )
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    meta["total_seconds"] = time.perf_counter() - started
    meta["load_average_end"] = os.getloadavg()[0]
    print(
        f"\ntotal {meta['total_seconds']:.0f} s; load average "
        f"{meta['load_average_start']:.1f} at the start, "
        f"{meta['load_average_end']:.1f} at the end"
    )
    report({"meta": meta, "results": results}, args)


if __name__ == "__main__":
    main(sys.argv[1:])
