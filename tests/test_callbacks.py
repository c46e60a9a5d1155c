"""scikit-learn's callbacks (``sklearn.callback``, scikit-learn >= 1.9) on both nets.

Only the estimators' public API is used, so that these tests hold whatever
the shape of the training loop behind it.
"""

import pickle
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier, FFNNRegressor

try:
    from sklearn.callback import ProgressBar, ScoringMonitor
except ImportError:  # scikit-learn < 1.9: only the fallback test runs
    ProgressBar = ScoringMonitor = None

# Older scikit-learn has no callbacks to test; CI installs 1.9, so these run.
requires_callbacks = pytest.mark.skipif(
    ScoringMonitor is None, reason="sklearn.callback needs scikit-learn >= 1.9"
)

SMALL = {"hidden_layer_sizes": (4,), "eta": 0.01, "random_state": 0}


@pytest.fixture(params=["classifier", "regressor"])
def case(request, binary_data, regression_data):
    if request.param == "classifier":
        return FFNNClassifier, *binary_data, "accuracy"
    return FFNNRegressor, *regression_data, "r2"


class Recorder:
    """Records every hook call as (hook, estimator class, task name)."""

    def __init__(self, stop_after=None, fail_after=None):
        self.events = []
        self.fitted = []
        self.stop_after = stop_after
        self.fail_after = fail_after

    def setup(self, estimator, context):
        self.events.append(("setup", type(estimator).__name__, context.task_name))

    def teardown(self, estimator, context):
        self.events.append(("teardown", type(estimator).__name__, context.task_name))

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", type(estimator).__name__, context.task_name))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", type(estimator).__name__, context.task_name))
        if context.task_name != "epoch":
            return False
        self.fitted.append(fitted_estimator)
        if self.fail_after is not None and len(self.fitted) == self.fail_after:
            raise RuntimeError("callback failed")
        return self.stop_after is not None and len(self.fitted) == self.stop_after

    def count(self, hook, task_name):
        return sum(
            1 for event in self.events if event[0] == hook and event[2] == task_name
        )


def _quiet_fit(est, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kwargs)


@requires_callbacks
def test_a_root_task_per_fit_and_a_subtask_per_epoch(case):
    est_class, X, y, _ = case
    recorder = Recorder()
    est = est_class(**SMALL, epochs=4, n_iter_no_change=100).set_callbacks(recorder)
    _quiet_fit(est, X, y)
    assert recorder.events[:2] == [
        ("setup", est_class.__name__, "fit"),
        ("begin", est_class.__name__, "fit"),
    ]
    assert recorder.events[-2:] == [
        ("end", est_class.__name__, "fit"),
        ("teardown", est_class.__name__, "fit"),
    ]
    assert recorder.count("begin", "epoch") == recorder.count("end", "epoch") == 4
    # partial_fit: its own root task, with its one epoch.
    est.partial_fit(X, y)
    assert recorder.count("begin", "partial_fit") == 1
    assert recorder.count("end", "epoch") == 5


@requires_callbacks
@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_scoring_monitor_scores_each_epoch_as_a_shorter_fit_would(case, scheduler):
    est_class, X, y, scoring = case
    params = {**SMALL, "scheduler": scheduler, "n_iter_no_change": 100, "tol": 0}
    monitor = ScoringMonitor(scoring=scoring)
    est = est_class(**params, epochs=4).set_callbacks(monitor)
    _quiet_fit(est, X, y)
    rows = monitor.get_logs().data
    epochs = [row[scoring] for row in rows if row["task_name"] == "epoch"]
    assert len(epochs) == est.n_iter_
    # The weights after epoch k are those of a fit of k epochs (same seed).
    expected = [
        _quiet_fit(est_class(**params, epochs=k), X, y).score(X, y)
        for k in range(1, est.n_iter_ + 1)
    ]
    np.testing.assert_allclose(epochs, expected, rtol=1e-12)
    (root,) = [row[scoring] for row in rows if row["task_name"] == "fit"]
    assert root == pytest.approx(est.score(X, y))


@requires_callbacks
def test_fitted_copies_do_not_share_the_live_network(case):
    est_class, X, y, _ = case
    recorder = Recorder()
    est = est_class(**SMALL, epochs=3, n_iter_no_change=100).set_callbacks(recorder)
    _quiet_fit(est, X, y)
    first, *_, last = recorder.fitted
    assert not any(
        np.shares_memory(a, b) for a in first.coefs_ for b in est.coefs_ + last.coefs_
    )
    assert not np.allclose(first.coefs_[0], last.coefs_[0])  # copies of each epoch
    np.testing.assert_array_equal(last.predict(X), est.predict(X))


@requires_callbacks
@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_a_callback_can_stop_training(case, scheduler):
    est_class, X, y, _ = case
    est = est_class(**SMALL, scheduler=scheduler, epochs=50)
    est.set_callbacks(Recorder(stop_after=3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ == 3
    assert len(est.history_["train_loss"]) == 3


@requires_callbacks
def test_a_raising_callback_restores_the_estimator_and_tears_down(case):
    est_class, X, y, _ = case
    recorder = Recorder(fail_after=2)
    est = est_class(**SMALL, epochs=5).set_callbacks(recorder)
    with pytest.raises(RuntimeError, match="callback failed"):
        est.fit(X, y)
    assert recorder.events[-1][0] == "teardown"
    with pytest.raises(NotFittedError):
        est.predict(X)
    # A warm start that fails keeps the model trained before.
    est.set_callbacks()
    _quiet_fit(est, X, y)
    before, n_iter = est.predict(X), est.n_iter_
    loss_curve = est.loss_curve_
    recorder = Recorder(fail_after=2)
    est.set_params(warm_start=True).set_callbacks(recorder)
    with pytest.raises(RuntimeError, match="callback failed"):
        est.fit(X, y)
    assert recorder.events[-1][0] == "teardown"
    assert est.n_iter_ == n_iter
    assert est.loss_curve_ == loss_curve
    np.testing.assert_array_equal(est.predict(X), before)
    recorder.fitted.clear()
    recorder.fail_after = 1
    with pytest.raises(RuntimeError, match="callback failed"):
        est.partial_fit(X, y)
    assert recorder.events[-1][0] == "teardown"
    assert est.n_iter_ == n_iter
    np.testing.assert_array_equal(est.predict(X), before)


@requires_callbacks
def test_progress_bar_bare_on_a_pipeline_and_on_a_search(binary_data):
    X, y = binary_data
    net = FFNNClassifier(**SMALL, epochs=3)
    _quiet_fit(clone(net).set_callbacks(ProgressBar()), X, y)
    pipe = make_pipeline(StandardScaler(), net)
    pipe.set_callbacks(ProgressBar(max_propagation_depth=None))
    _quiet_fit(pipe, X, y)
    assert pipe[-1].n_iter_ == 3
    search = GridSearchCV(
        make_pipeline(StandardScaler(), net),
        {"ffnnclassifier__eta": [0.01, 0.1]},
        cv=2,
        n_jobs=2,
    ).set_callbacks(ProgressBar(max_propagation_depth=None))
    _quiet_fit(search, X, y)
    assert search.best_estimator_[-1].n_iter_ == 3


@requires_callbacks
def test_epochs_nest_under_a_pipeline(binary_data):
    X, y = binary_data

    class Propagated(Recorder):
        max_propagation_depth = None

    recorder = Propagated()
    pipe = make_pipeline(StandardScaler(), FFNNClassifier(**SMALL, epochs=3))
    _quiet_fit(pipe.set_callbacks(recorder), X, y)
    # Set up and torn down once, by the pipeline; the net adds its epochs.
    assert [e[0] for e in recorder.events].count("setup") == 1
    assert ("begin", "FFNNClassifier", "fit") in recorder.events
    assert recorder.count("end", "epoch") == 3
    assert not hasattr(pipe[-1], "_skl_callbacks")


@requires_callbacks
def test_scoring_monitor_on_the_net_in_a_pipeline_searched_in_parallel(binary_data):
    X, y = binary_data
    monitor = ScoringMonitor(scoring="accuracy")
    net = FFNNClassifier(**SMALL, epochs=3, n_iter_no_change=100)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), net.set_callbacks(monitor)),
        {"ffnnclassifier__eta": [0.01, 0.1]},
        cv=2,
        n_jobs=2,
    )
    _quiet_fit(search, X, y)
    rows = monitor.get_logs(select="all")
    epochs = [
        row["accuracy"]
        for log in rows
        for row in log.data
        if row["task_name"] == "epoch"
    ]
    # 2 candidates x 2 folds, then the refit: 5 fits of 3 epochs each.
    assert len(epochs) == 15
    assert all(0 <= score <= 1 for score in epochs)


@requires_callbacks
def test_saved_models_hold_no_callbacks(case, tmp_path):
    sio = pytest.importorskip("skops.io")
    est_class, X, y, scoring = case
    monitor = ScoringMonitor(scoring=scoring)
    est = est_class(**SMALL, epochs=2).set_callbacks(ProgressBar(), monitor)
    # An unfitted estimator keeps them: that is how a worker receives them.
    assert len(pickle.loads(pickle.dumps(est))._skl_callbacks) == 2
    _quiet_fit(est, X, y)
    data = pickle.dumps(est)
    assert b"ScoringMonitor" not in data and b"ProgressBar" not in data
    loaded = pickle.loads(data)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(data=path.read_bytes())
    assert [name for name in untrusted if not name.startswith("skffnn.")] == []
    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # The callbacks stay on the estimator itself, for its next fit.
    _quiet_fit(est, X, y)
    assert len(monitor.get_logs(select="all")) == 2


def test_without_sklearn_callback_the_package_works_as_before():
    # scikit-learn < 1.9 has no sklearn.callback. scikit-learn >= 1.9 needs it
    # for itself, so load what skffnn uses first, then hide it from skffnn.
    code = textwrap.dedent(
        """
        import sys
        import sklearn.metrics, sklearn.model_selection, sklearn.utils.estimator_checks
        sys.modules["sklearn.callback"] = None  # import fails as on old versions
        import numpy as np
        from skffnn import FFNNClassifier
        X = np.random.default_rng(0).normal(size=(40, 3))
        y = (X[:, 0] > 0).astype(int)
        est = FFNNClassifier(hidden_layer_sizes=(3,), epochs=5, random_state=0)
        est.fit(X, y)
        assert not hasattr(est, "set_callbacks")
        assert est.n_iter_ == 5 and est.score(X, y) > 0
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True
    )
    assert result.stdout.strip() == "ok", result.stderr


@requires_callbacks
def test_scoring_monitor_sees_the_data_as_given(binary_data):
    # A DataFrame keeps its feature names, labels stay strings and
    # sample_weight reaches the scorer: no warning, the scores of predict.
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.where(y == 1, "yes", "no")
    weights = np.linspace(0.5, 1.5, len(y))
    monitor = ScoringMonitor(scoring="accuracy")
    est = FFNNClassifier(**SMALL, epochs=2).set_callbacks(monitor)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _quiet_fit(est, X, labels, sample_weight=weights)
    (root,) = [row for row in monitor.get_logs().data if row["task_name"] == "fit"]
    assert root["accuracy"] == pytest.approx(est.score(X, labels, weights))
