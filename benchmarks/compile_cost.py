"""Whole-process wall time of small fits: what the compiled kernels cost up front.

``bench.py`` warms every worker up before it times a fit, which hides the
first-call costs a user pays once per process: imports, and with the ``fast``
extra numba's import and the compiling (or loading from numba's disk cache) of
skffnn's kernels. This script times whole fresh ``python -c`` processes
instead, from start to exit, for two small jobs on ``load_digits``:

``digits``
    ``make_pipeline(StandardScaler(), FFNNClassifier(random_state=0)).fit(X, y)``
    on all 1,797 samples, every other parameter at its default.
``grid``
    ``GridSearchCV(FFNNClassifier(random_state=0), {"eta": [1e-3, 1e-2],
    "hidden_layer_sizes": [(50,), (100,)]}, cv=3, n_jobs=2)`` on the
    standardized data: 12 fits in two joblib (loky) worker processes, each of
    which starts, imports and decides about the kernels on its own, and the
    refit in the parent.

Each job runs for four contenders, alternated within every repetition (the
order rotates by one from one repetition to the next):

``skffnn warm cache``
    skffnn as installed (kernels ``auto``), ``NUMBA_CACHE_DIR`` pointing at one
    directory shared by all its runs, filled beforehand by one unmeasured run
    of each job;
``skffnn cold cache``
    the same with a new, empty ``NUMBA_CACHE_DIR`` for every process, as on
    the first run after installing;
``skffnn kernels off``
    numba hidden from every process of the job: a ``sitecustomize`` module,
    put first on ``PYTHONPATH``, sets ``sys.modules["numba"] = None``, so that
    ``skffnn._kernels.AVAILABLE`` is False in the parent and in joblib's
    workers alike (the parent also sets it to False itself before fitting);
``MLP``
    scikit-learn's ``MLPClassifier(random_state=0)`` in its place (the grid
    uses ``learning_rate_init`` for ``eta``).

Every child reports, from its main process, whether numba was imported and
whether any kernel was compiled there (joblib's workers are not inspected).
The table shows medians over the repetitions, the ratios of the medians to the
MLP's, and the load average before each job.

Run it from the repository root as::

    python benchmarks/compile_cost.py --repeats 5 --json benchmarks/compile_cost.json

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are removed from the children's
environment (they make OpenBLAS pick slower kernels); BLAS threads are the
libraries' defaults unless ``--threads N`` is given.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CONTENDERS = ("skffnn warm cache", "skffnn cold cache", "skffnn kernels off", "MLP")
JOBS = ("digits", "grid")
SLOW_BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_PRELUDE = """
import json, sys, warnings
warnings.simplefilter("ignore")
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
X, y = load_digits(return_X_y=True)
"""

_SKFFNN = """
import numpy as np
import skffnn
from skffnn import _kernels
from skffnn import FFNNClassifier as Estimator
if {off}:
    _kernels.AVAILABLE = False
rate = "eta"
"""

_MLP = """
from sklearn.neural_network import MLPClassifier as Estimator
rate = "learning_rate_init"
"""

_JOB = {
    "digits": """
from sklearn.pipeline import make_pipeline
make_pipeline(StandardScaler(), Estimator(random_state=0)).fit(X, y)
""",
    "grid": """
from sklearn.model_selection import GridSearchCV
grid = {rate: [1e-3, 1e-2], "hidden_layer_sizes": [(50,), (100,)]}
search = GridSearchCV(Estimator(random_state=0), grid, cv=3, n_jobs=2)
search.fit(StandardScaler().fit_transform(X), y)
""",
}

_REPORT_SKFFNN = """
numba = sys.modules.get("numba")
print(json.dumps({
    "skffnn": skffnn.__file__,
    "available": _kernels.AVAILABLE,
    "numba_imported": numba is not None,
    "compiled": any(_kernels._compiled_for(np.dtype(d)) for d in ("f4", "f8")),
}))
"""

_REPORT_MLP = """
print(json.dumps({}))
"""


def child_code(contender: str, job: str) -> str:
    """The ``python -c`` program of one contender and job."""
    if contender == "MLP":
        return _PRELUDE + _MLP + _JOB[job] + _REPORT_MLP
    off = contender == "skffnn kernels off"
    return _PRELUDE + _SKFFNN.format(off=off) + _JOB[job] + _REPORT_SKFFNN


class Environments:
    """The environment variables of each contender's processes."""

    def __init__(self, root: Path, threads: int | None) -> None:
        self.root = root
        self.base = {
            key: value
            for key, value in os.environ.items()
            if key not in SLOW_BLAS_VARIABLES
        }
        if threads:
            self.base.update({name: str(threads) for name in THREAD_VARIABLES})
        self.warm_cache = root / "numba-cache-warm"
        self.warm_cache.mkdir()
        self.hide_numba = root / "hide-numba"
        self.hide_numba.mkdir()
        (self.hide_numba / "sitecustomize.py").write_text(
            "import sys\n\nsys.modules['numba'] = None\n"
        )
        self.cold = 0

    def __call__(self, contender: str) -> dict[str, str]:
        """A fresh environment for one process of `contender`."""
        env = dict(self.base)
        if contender == "skffnn cold cache":
            self.cold += 1
            cache = self.root / f"numba-cache-cold-{self.cold}"
            cache.mkdir()
            env["NUMBA_CACHE_DIR"] = str(cache)
        else:
            env["NUMBA_CACHE_DIR"] = str(self.warm_cache)
        if contender == "skffnn kernels off":
            paths = [str(self.hide_numba), env.get("PYTHONPATH", "")]
            env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
        return env


def run_once(code: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """Run one fresh process; return its wall time and what it reported."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no stderr)"]
        raise RuntimeError(f"child failed: {tail[0]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, **report}


def measure(repeats: int, threads: int | None) -> dict[str, Any]:
    """Time every contender on every job, alternated; return the raw runs."""
    root = Path(tempfile.mkdtemp(prefix="skffnn-compile-cost-"))
    try:
        envs = Environments(root, threads)
        workdir = root / "cwd"  # so that '' on sys.path finds no checkout
        workdir.mkdir()
        for job in JOBS:  # fill the shared cache; not measured
            run_once(
                child_code("skffnn warm cache", job), envs("skffnn warm cache"), workdir
            )
        runs: dict[str, Any] = {}
        for job in JOBS:
            load = os.getloadavg()[0]
            print(f"{job}: load average {load:.2f}", flush=True)
            runs[job] = {"load_average_before": load}
            times: dict[str, list[dict[str, Any]]] = {c: [] for c in CONTENDERS}
            for repeat in range(repeats):
                shift = repeat % len(CONTENDERS)
                for contender in CONTENDERS[shift:] + CONTENDERS[:shift]:
                    result = run_once(
                        child_code(contender, job), envs(contender), workdir
                    )
                    times[contender].append(result)
                    print(
                        f"  repeat {repeat} {contender:20s} "
                        f"{result['seconds']:7.2f} s"
                        f"{_flags(result)}",
                        flush=True,
                    )
            runs[job]["runs"] = times
        return runs
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _flags(result: dict[str, Any]) -> str:
    if "available" not in result:
        return ""
    return (
        f"  (kernels available {result['available']}, numba imported "
        f"{result['numba_imported']}, compiled {result['compiled']})"
    )


def summarize(runs: dict[str, Any]) -> dict[str, Any]:
    """Medians per job and contender, and their ratios to the MLP's."""
    summary: dict[str, Any] = {}
    for job, entry in runs.items():
        medians = {
            contender: statistics.median(r["seconds"] for r in results)
            for contender, results in entry["runs"].items()
        }
        summary[job] = {
            "median_seconds": medians,
            "min_seconds": {
                c: min(r["seconds"] for r in results)
                for c, results in entry["runs"].items()
            },
            "max_seconds": {
                c: max(r["seconds"] for r in results)
                for c, results in entry["runs"].items()
            },
            "ratio_to_mlp": {c: medians[c] / medians["MLP"] for c in CONTENDERS},
            "compiled_in_parent": {
                c: sorted({r.get("compiled") for r in results} - {None})
                for c, results in entry["runs"].items()
            },
            "load_average_before": entry["load_average_before"],
        }
    return summary


def table(summary: dict[str, Any], repeats: int) -> str:
    """The Markdown table of the medians and ratios."""
    head = " | ".join(f"{c} s" for c in CONTENDERS)
    ratios = " | ".join(f"{c} / MLP" for c in CONTENDERS[:-1])
    lines = [
        f"| job | {head} | {ratios} | kernels compiled (parent) | load before |",
        "|---|" + "---:|" * (2 * len(CONTENDERS) - 1) + "---|---:|",
    ]
    for job, s in summary.items():
        seconds = " | ".join(f"{s['median_seconds'][c]:.2f}" for c in CONTENDERS)
        ratio = " | ".join(f"{s['ratio_to_mlp'][c]:.2f}" for c in CONTENDERS[:-1])
        compiled = ", ".join(
            f"{c.removeprefix('skffnn ')}: {'/'.join(map(str, v)) or '-'}"
            for c, v in s["compiled_in_parent"].items()
            if c != "MLP"
        )
        lines.append(
            f"| {job} | {seconds} | {ratio} | {compiled} "
            f"| {s['load_average_before']:.2f} |"
        )
    return "\n".join(lines) + (
        f"\n\nMedians of {repeats} fresh processes per cell, whole-process wall time."
    )


def main(argv: list[str]) -> None:
    """Measure, print the table, save the JSON when asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="processes per cell")
    parser.add_argument("--threads", type=int, help="BLAS threads (default: all)")
    parser.add_argument("--json", metavar="PATH", help="save the runs as JSON")
    args = parser.parse_args(argv)
    from importlib.metadata import version

    import sklearn

    import skffnn

    started = datetime.datetime.now(datetime.timezone.utc)
    print(
        f"date {started.isoformat(timespec='seconds')}; skffnn {skffnn.__version__} "
        f"from {Path(skffnn.__file__).parent}; scikit-learn {sklearn.__version__}; "
        f"numba {version('numba')}; python {sys.version.split()[0]}; "
        f"threads {args.threads or 'default'}; load average "
        f"{os.getloadavg()[0]:.2f}",
        flush=True,
    )
    runs = measure(args.repeats, args.threads)
    summary = summarize(runs)
    print()
    print(table(summary, args.repeats))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        payload = {
            "date": started.isoformat(timespec="seconds"),
            "threads": args.threads,
            "repeats": args.repeats,
            "runs": runs,
            "summary": summary,
            "load_average_end": os.getloadavg()[0],
        }
        Path(args.json).write_text(json.dumps(payload, indent=1) + "\n")
        print(f"saved to {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
