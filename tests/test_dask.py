"""A grid search run on a Dask cluster gives the same results as on one core.

dask[distributed] is the optional ``dask`` extra; without it this module is
skipped, the one skip the suite allows.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skffnn import FFNNClassifier

distributed = pytest.importorskip("dask.distributed")


def make_search(**kwargs):
    pipeline = make_pipeline(
        StandardScaler(),
        FFNNClassifier(hidden_layer_sizes=(16,), epochs=15, random_state=0),
    )
    grid = {"ffnnclassifier__eta": [1e-2, 3e-2], "ffnnclassifier__lam": [0.0, 1e-2]}
    return GridSearchCV(pipeline, grid, cv=3, return_train_score=True, **kwargs)


@pytest.fixture
def digits_subset():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400]


@pytest.fixture
def client():
    with (
        # Worker threads in this process; any free port for the scheduler's HTTP
        # server, since the default 8787 may be taken on a shared machine.
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
        # The worker threads share this process's BLAS thread pool; one BLAS
        # thread each keeps them from fighting over the cores.
        threadpool_limits(limits=1, user_api="blas"),
    ):
        yield client


def test_grid_search_on_dask_matches_one_core(digits_subset, client):
    X, y = digits_subset
    with warnings.catch_warnings():
        # 15 epochs are too few to converge; that is irrelevant to the comparison.
        warnings.simplefilter("ignore", ConvergenceWarning)
        expected = make_search(n_jobs=1).fit(X, y)
        with (
            distributed.get_task_stream(client) as stream,
            joblib.parallel_backend("dask"),
        ):
            on_dask = make_search().fit(X, y)

    # Equal results would prove nothing if every candidate scored the same.
    assert len(set(expected.cv_results_["mean_test_score"])) == 4
    assert expected.best_score_ > 0.5
    # The fits really ran as tasks on the cluster, and all of them succeeded.
    assert len(stream.data) > 0
    assert {task["status"] for task in stream.data} == {"OK"}
    assert on_dask.best_params_ == expected.best_params_
    assert on_dask.best_score_ == expected.best_score_
    assert on_dask.cv_results_["params"] == expected.cv_results_["params"]
    for split in range(3):
        for kind in ("test", "train"):
            key = f"split{split}_{kind}_score"
            np.testing.assert_array_equal(
                on_dask.cv_results_[key], expected.cv_results_[key]
            )
    np.testing.assert_array_equal(
        on_dask.cv_results_["rank_test_score"], expected.cv_results_["rank_test_score"]
    )
