"""
Grid search on a Dask cluster through joblib's dask backend
===========================================================

``GridSearchCV`` hands its fits to joblib, and joblib can hand them on to a
Dask cluster: inside ``with joblib.parallel_backend("dask"):`` every
cross-validation fit of the search becomes a task on the cluster's workers.
Nothing about the estimator changes, and with a fixed ``random_state`` the
results are the same as on one core. By default this script starts a small
local cluster (two workers with one thread each, inside this process); pass
``--scheduler tcp://HOST:8786`` to use a running cluster instead, whose workers
must have skffnn installed. Needs the optional extra: ``pip install
"skffnn[dask]"``.

The figures show the cross-validated accuracy of every (eta, lam) pair and the
cluster's task stream: which worker ran which batch of fits, and when.
"""

# %%
# The imports: Dask's distributed client and joblib's ``dask`` backend are all the grid
# search needs to run on a cluster.

import argparse
import sys
import time
import warnings
from contextlib import ExitStack, nullcontext
from pathlib import Path

import joblib
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from dask.distributed import Client, LocalCluster, get_task_stream
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skffnn import FFNNClassifier

SEED = 2023


# %%
# Connecting: a running scheduler's address, or a small local cluster started here. Each
# worker keeps BLAS to one thread, so that the fits in parallel do not compete for the
# cores.


def connect(stack, scheduler):
    """Return a Client for `scheduler`, or for a new small local cluster."""
    if scheduler is not None:
        return stack.enter_context(Client(scheduler))
    # Threads in this process: starts in a second and copies nothing between
    # processes. The dashboard takes any free port, not 8787, which may be taken.
    cluster = stack.enter_context(
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        )
    )
    return stack.enter_context(Client(cluster))


def blas_limit(scheduler):
    """One BLAS thread per worker thread of the local cluster.

    Its workers are threads of this process and share one BLAS thread pool:
    left alone, two workers each asking for every core ran this demo ten times
    slower. Dask's own worker processes (``--scheduler``) get one BLAS thread
    each from their nanny already.
    """
    if scheduler is not None:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# %%
# The figure: the cross-validated accuracy of every (eta, lam) pair, and the task
# stream, one row per worker thread, showing which fits ran where and when.


def plot_results(out_dir, results, eta_values, lam_values, tasks):
    fig, (ax_grid, ax_stream) = plt.subplots(
        1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 1.5]}
    )
    scores = np.full((len(eta_values), len(lam_values)), np.nan)
    for params, score in zip(
        results["params"], results["mean_test_score"], strict=True
    ):
        row = list(eta_values).index(params["ffnnclassifier__eta"])
        col = list(lam_values).index(params["ffnnclassifier__lam"])
        scores[row, col] = score
    image = ax_grid.imshow(scores, cmap="viridis", vmin=0, vmax=1)
    for (row, col), value in np.ndenumerate(scores):
        color = "black" if value > 0.6 else "white"
        ax_grid.text(col, row, f"{value:.3f}", ha="center", va="center", color=color)
    ax_grid.set_xticks(range(len(lam_values)), [f"{lam:g}" for lam in lam_values])
    ax_grid.set_yticks(range(len(eta_values)), [f"{eta:g}" for eta in eta_values])
    ax_grid.set(xlabel="lam", ylabel="eta", title="Cross-validated accuracy")
    fig.colorbar(image, ax=ax_grid, shrink=0.8)

    # The task stream: one row per worker, one bar per task (a batch of fits).
    workers = sorted({task["worker"] for task in tasks})
    start = min(period["start"] for task in tasks for period in task["startstops"])
    for task in tasks:
        row = workers.index(task["worker"])
        for period in task["startstops"]:
            if period["action"] == "compute":
                ax_stream.barh(
                    row,
                    period["stop"] - period["start"],
                    left=period["start"] - start,
                    color=f"C{row}",
                    edgecolor="white",
                )
    ax_stream.set_yticks(
        range(len(workers)), [f"worker {i}" for i in range(len(workers))]
    )
    ax_stream.set(
        xlabel="seconds since the first task",
        title=f"Task stream: {len(tasks)} tasks on {len(workers)} workers",
    )
    fig.tight_layout()
    path = Path(out_dir) / "dask_grid_search.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` runs the same ``GridSearchCV`` inside ``joblib.parallel_backend('dask')``,
# prints the best pair and its held-out accuracy, and saves the figure.


def main(out_dir, quick=False, scheduler=None):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if quick:
        eta_values, lam_values, epochs = [1e-3, 1e-2], [1e-4, 1e-1], 5
    else:
        eta_values, lam_values, epochs = [1e-4, 1e-3, 1e-2, 1e-1], [1e-4, 1e-2, 1], 60

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=SEED
    )
    pipeline = make_pipeline(
        StandardScaler(),
        FFNNClassifier(hidden_layer_sizes=(100,), epochs=epochs, random_state=SEED),
    )
    grid = {"ffnnclassifier__eta": eta_values, "ffnnclassifier__lam": lam_values}
    search = GridSearchCV(pipeline, grid, cv=3)

    with ExitStack() as stack:
        client = connect(stack, scheduler)
        n_workers = len(client.scheduler_info()["workers"])
        with warnings.catch_warnings():
            # The epochs are capped to keep the demo short; the warning would
            # come once per fit, from every worker.
            warnings.simplefilter("ignore", ConvergenceWarning)
            started = time.perf_counter()
            with (
                blas_limit(scheduler),
                get_task_stream(client) as stream,
                joblib.parallel_backend("dask"),
            ):
                search.fit(X_train, y_train)
            seconds = time.perf_counter() - started
        tasks = stream.data

    results = search.cv_results_
    print(f"{'eta':>8} {'lam':>8} {'cv accuracy':>12} {'std':>7} {'rank':>5}")
    for i in np.argsort(results["rank_test_score"]):
        params = results["params"][i]
        print(
            f"{params['ffnnclassifier__eta']:>8g} {params['ffnnclassifier__lam']:>8g} "
            f"{results['mean_test_score'][i]:>12.4f} "
            f"{results['std_test_score'][i]:>7.4f} "
            f"{results['rank_test_score'][i]:>5d}"
        )
    n_fits = len(results["params"]) * search.n_splits_
    print(
        f"{n_fits} fits in {len(tasks)} Dask tasks on {n_workers} workers, "
        f"{seconds:.1f} s"
    )
    test_accuracy = search.score(X_test, y_test)
    print(f"best: {search.best_params_}")
    print(f"held-out test accuracy: {test_accuracy:.4f}")

    plot_results(out_dir, results, eta_values, lam_values, tasks)
    return {
        "best_cv_accuracy": float(search.best_score_),
        "test_accuracy": float(test_accuracy),
        "n_fits": n_fits,
        "n_tasks": len(tasks),
        "n_workers": n_workers,
        "seconds": seconds,
    }


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the accuracy grid and task stream, then the printed
# results.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="Grid search on a Dask cluster through joblib's dask backend"
    )
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_dask_grid_search",
        help="folder for the PNG figures",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler (default: a local cluster)",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick, scheduler=args.scheduler)
