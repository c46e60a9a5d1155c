"""`scoring`: the score recorded each epoch, watched by patience and early stopping."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, get_scorer, r2_score, roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier, FFNNRegressor

pytestmark = pytest.mark.filterwarnings(
    "ignore:Stopped after the maximum:sklearn.exceptions.ConvergenceWarning"
)

SMALL = {"hidden_layer_sizes": (16,), "eta": 1e-2, "epochs": 25, "random_state": 0}


@pytest.fixture
def classification():
    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def regression():
    X, y = make_regression(n_samples=300, n_features=6, noise=10, random_state=0)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


CASES = [
    (FFNNClassifier, "classification", "accuracy", accuracy_score, "predict"),
    (FFNNClassifier, "classification", "roc_auc", roc_auc_score, "proba"),
    (FFNNRegressor, "regression", "r2", r2_score, "predict"),
]


def _prediction(est, X, kind):
    return est.predict_proba(X)[:, 1] if kind == "proba" else est.predict(X)


@pytest.mark.parametrize(("est_class", "data", "scoring", "metric", "kind"), CASES)
def test_validation_score_is_recorded_watched_and_its_best_weights_kept(
    request, est_class, data, scoring, metric, kind
):
    X, y = request.getfixturevalue(data)
    X_val, y_val = X[200:], y[200:]
    est = est_class(**SMALL, scoring=scoring, early_stopping=True)
    est.fit(X[:200], y[:200], X_val=X_val, y_val=y_val)
    history = est.history_
    assert len(history["val_score"]) == est.n_iter_
    assert "train_score" not in history
    # The weights kept are those of the best epoch's score, as a user scores it.
    assert est.best_score_ == pytest.approx(np.max(history["val_score"]), abs=1e-12)
    assert metric(y_val, _prediction(est, X_val, kind)) == pytest.approx(
        est.best_score_, abs=1e-12
    )
    assert est.best_loss_ == pytest.approx(np.min(history["val_loss"]))


@pytest.mark.parametrize(("est_class", "data", "scoring", "metric", "kind"), CASES)
def test_without_a_validation_set_the_score_is_taken_on_the_training_data(
    request, est_class, data, scoring, metric, kind
):
    X, y = request.getfixturevalue(data)
    est = est_class(**SMALL, scoring=scoring).fit(X, y)
    history = est.history_
    assert "val_score" not in history
    assert len(history["train_score"]) == est.n_iter_
    # Scored at the end of each epoch: the last is the final model's score.
    assert metric(y, _prediction(est, X, kind)) == pytest.approx(
        history["train_score"][-1], abs=1e-12
    )
    assert est.best_score_ == pytest.approx(np.max(history["train_score"]))


def test_a_validation_set_without_early_stopping_is_scored_but_training_watched(
    classification,
):
    X, y = classification
    est = FFNNClassifier(**SMALL, scoring="accuracy").fit(
        X[:200], y[:200], X_val=X[200:], y_val=y[200:]
    )
    assert {"train_score", "val_score"} <= est.history_.keys()


def test_scoring_changes_when_patience_stops(classification):
    # Accuracy plateaus long before the loss does: watching it stops earlier.
    X, y = classification
    params = {**SMALL, "epochs": 200, "early_stopping": True, "n_iter_no_change": 5}
    by_loss = FFNNClassifier(**params).fit(X, y)
    by_score = FFNNClassifier(**params, scoring="accuracy").fit(X, y)
    assert by_score.n_iter_ != by_loss.n_iter_


def test_a_score_that_cannot_be_computed_names_scoring(classification):
    X, y = classification
    one_class = y == 1
    est = FFNNClassifier(**SMALL, scoring="roc_auc")
    with pytest.raises(ValueError, match=r"scoring='roc_auc'.*validation set"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's own UndefinedMetric
            est.fit(X, y, X_val=X[one_class][:20], y_val=y[one_class][:20])
    assert not hasattr(est, "_network")  # the failed fit left nothing behind


@pytest.mark.parametrize("scoring", ["no_such_score", 3, ["accuracy", "f1"]])
def test_a_bad_scoring_is_refused_by_name(classification, scoring):
    X, y = classification
    with pytest.raises(ValueError, match="scoring"):
        FFNNClassifier(**SMALL, scoring=scoring).fit(X, y)


def test_a_callable_scorer_and_a_grid_search_over_scoring(regression):
    X, y = regression

    def negative_max_error(estimator, X, y):
        return -np.max(np.abs(estimator.predict(X) - y))

    est = FFNNRegressor(**SMALL, scoring=negative_max_error).fit(X, y)
    assert np.all(est.history_["train_score"] <= 0)
    search = GridSearchCV(
        FFNNRegressor(**SMALL), {"scoring": [None, "r2"]}, cv=2, scoring="r2"
    ).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_partial_fit_keeps_watching_the_score(classification):
    X, y = classification
    est = FFNNClassifier(**SMALL, scoring=get_scorer("accuracy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(3):
            est.partial_fit(X, y, classes=[0, 1])
    assert len(est.history_["train_score"]) == 3
    assert est.best_score_ == pytest.approx(np.max(est.history_["train_score"]))
