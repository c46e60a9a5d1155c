"""Both estimators inside scikit-learn's tools: pipelines, searches, clone."""

import pickle
from typing import Any, NamedTuple

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    RandomizedSearchCV,
    StratifiedKFold,
    cross_val_score,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier, FFNNRegressor
from skffnn.schedulers import Momentum

pytestmark = pytest.mark.filterwarnings(
    "ignore:Stopped after the maximum:sklearn.exceptions.ConvergenceWarning"
)

SMALL = {
    "hidden_layer_sizes": (8,),
    "eta": 1e-2,
    "epochs": 20,
    "batch_size": 32,
    "random_state": 0,
}


class Case(NamedTuple):
    est_class: Any
    X: np.ndarray
    y: np.ndarray
    threshold: float


@pytest.fixture(params=["regressor", "classifier"])
def case(request):
    # Unscaled features (offsets and scales far from 0 and 1): a scaler matters.
    scales = np.array([100.0, 0.01, 5.0])
    if request.param == "regressor":
        X, y = request.getfixturevalue("regression_data")
        return Case(FFNNRegressor, X * scales + 50, y, 0.7)
    X, y = request.getfixturevalue("multiclass_data")
    X = np.column_stack([X, np.zeros(len(y))])
    return Case(FFNNClassifier, X * scales + 50, y, 0.9)


def test_pipeline_with_standard_scaler(case):
    pipe = make_pipeline(StandardScaler(), case.est_class(**SMALL))
    pipe.fit(case.X, case.y)
    assert pipe.score(case.X, case.y) > case.threshold
    by_hand = case.est_class(**SMALL).fit(
        StandardScaler().fit_transform(case.X), case.y
    )
    scaled = StandardScaler().fit(case.X).transform(case.X)
    np.testing.assert_array_equal(pipe.predict(case.X), by_hand.predict(scaled))
    unscaled = case.est_class(**SMALL).fit(case.X, case.y)
    assert unscaled.score(case.X, case.y) < pipe.score(case.X, case.y)


def test_pickled_pipeline_predicts_the_same(case):
    pipe = make_pipeline(StandardScaler(), case.est_class(**SMALL))
    pipe.fit(case.X, case.y)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(case.X), pipe.predict(case.X))
    if case.est_class is FFNNClassifier:
        np.testing.assert_array_equal(
            restored.predict_proba(case.X), pipe.predict_proba(case.X)
        )


def _grid_search(case, n_jobs):
    name = case.est_class.__name__.lower()  # make_pipeline's step name
    search = GridSearchCV(
        make_pipeline(StandardScaler(), case.est_class(**SMALL)),
        {
            f"{name}__eta": [1e-3, 3e-2],
            f"{name}__lam": [0.0, 1e-2],
            f"{name}__hidden_layer_sizes": [(), (8,)],
        },
        cv=3,
        n_jobs=n_jobs,
    )
    return search.fit(case.X, case.y)


def test_grid_search_is_the_same_in_parallel(case):
    serial = _grid_search(case, n_jobs=1)
    parallel = _grid_search(case, n_jobs=2)
    assert len(serial.cv_results_["params"]) == 8
    np.testing.assert_array_equal(
        serial.cv_results_["mean_test_score"], parallel.cv_results_["mean_test_score"]
    )
    assert serial.best_params_ == parallel.best_params_
    assert np.all(np.isfinite(serial.cv_results_["mean_test_score"]))
    # The grid matters: its candidates do not all score alike.
    assert np.ptp(serial.cv_results_["mean_test_score"]) > 0.05
    np.testing.assert_array_equal(
        serial.predict(case.X), parallel.best_estimator_.predict(case.X)
    )
    assert serial.best_score_ > case.threshold - 0.2


def test_grid_search_over_the_estimator_directly(case):
    X = StandardScaler().fit_transform(case.X)
    search = GridSearchCV(
        case.est_class(**SMALL),
        {"eta": [1e-3, 3e-2], "hidden_layer_sizes": [(4,), (8, 4)]},
        cv=3,
    ).fit(X, case.y)
    best = search.best_estimator_
    assert best.get_params()["eta"] == search.best_params_["eta"]
    refit = case.est_class(**{**SMALL, **search.best_params_}).fit(X, case.y)
    np.testing.assert_array_equal(best.predict(X), refit.predict(X))


def test_cross_val_score_matches_a_manual_loop(case):
    pipe = make_pipeline(StandardScaler(), case.est_class(**SMALL))
    splitter = StratifiedKFold(4) if case.est_class is FFNNClassifier else KFold(4)
    scores = cross_val_score(pipe, case.X, case.y, cv=splitter)
    manual = [
        clone(pipe).fit(case.X[train], case.y[train]).score(case.X[test], case.y[test])
        for train, test in splitter.split(case.X, case.y)
    ]
    np.testing.assert_array_equal(scores, manual)
    assert np.mean(scores) > case.threshold - 0.2


def test_randomized_search(case):
    name = case.est_class.__name__.lower()
    search = RandomizedSearchCV(
        make_pipeline(StandardScaler(), case.est_class(**SMALL)),
        {
            f"{name}__eta": loguniform(1e-3, 1e-1),
            f"{name}__hidden_layer_sizes": [(4,), (8,), (8, 4)],
            f"{name}__activation": ["relu", "tanh"],
        },
        n_iter=4,
        cv=3,
        random_state=0,
    ).fit(case.X, case.y)
    etas = [params[f"{name}__eta"] for params in search.cv_results_["params"]]
    assert len(set(etas)) == 4
    assert all(1e-3 <= eta <= 1e-1 for eta in etas)
    best = search.best_estimator_[-1]
    assert best.n_iter_ > 0
    assert best.eta == search.best_params_[f"{name}__eta"]
    assert search.score(case.X, case.y) > case.threshold - 0.2


@pytest.mark.parametrize("est_class", [FFNNRegressor, FFNNClassifier])
def test_clone_gives_an_unfitted_copy_with_the_same_parameters(
    est_class, regression_data
):
    X, y = regression_data
    target = y if est_class is FFNNRegressor else (y > 0).astype(int)
    scheduler = Momentum(0.05, 0.5)
    est = est_class(**{**SMALL, "scheduler": scheduler, "activation": ["tanh"]})
    est.fit(X, target)
    copy = clone(est)
    assert type(copy) is est_class
    assert not hasattr(copy, "n_iter_")
    with pytest.raises(NotFittedError):
        copy.predict(X)
    params, copied = est.get_params(), copy.get_params()
    assert params.keys() == copied.keys()
    for key in params:
        if key != "scheduler":
            assert copied[key] == params[key], key
    assert copy.scheduler is not scheduler
    assert type(copy.scheduler) is Momentum
    assert (copy.scheduler.eta, copy.scheduler.momentum) == (0.05, 0.5)
    # The clone trains exactly like the original.
    np.testing.assert_array_equal(copy.fit(X, target).predict(X), est.predict(X))


def test_text_classification_pipeline_stays_sparse():
    docs = [
        "the cat sat on the mat",
        "a cat and a kitten purr",
        "my cat chases the mouse",
        "kittens and cats sleep",
        "the dog barked at the mailman",
        "a dog and a puppy play",
        "my dog fetches the ball",
        "puppies and dogs run",
    ] * 3
    labels = np.array(["cat", "cat", "cat", "cat", "dog", "dog", "dog", "dog"] * 3)
    pipe = make_pipeline(
        TfidfVectorizer(),
        FFNNClassifier(hidden_layer_sizes=(8,), eta=0.05, epochs=50, random_state=0),
    ).fit(docs, labels)
    assert pipe.score(docs, labels) == 1
    np.testing.assert_array_equal(
        pipe.predict(["a sleepy kitten", "the puppy barked"]), ["cat", "dog"]
    )
    assert pipe[-1].n_features_in_ == len(pipe[0].vocabulary_)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_bagging_on_a_rare_class(early_stopping):
    # Bagging passes bootstrap counts as sample_weight, which often gives the
    # rare class weight 0 in a bag: each member must still train.
    from sklearn.datasets import make_classification
    from sklearn.ensemble import BaggingClassifier

    X, y = make_classification(n_samples=100, weights=[0.97], flip_y=0, random_state=0)
    member = FFNNClassifier(
        hidden_layer_sizes=(8,), eta=0.02, epochs=50, early_stopping=early_stopping
    )
    bagging = BaggingClassifier(member, n_estimators=10, random_state=1).fit(X, y)
    assert bagging.score(X, y) >= 0.97  # at least the majority-class rate
    assert sum(np.all(np.isfinite(m.coefs_[0])) for m in bagging.estimators_) == 10


def test_weights_leaving_one_class_train_towards_that_class():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.arange(60) % 2
    model = FFNNClassifier(hidden_layer_sizes=(8,), eta=0.05, epochs=50, random_state=0)
    model.fit(X, y, sample_weight=(y == 1).astype(float))
    assert np.all(model.predict(X) == 1)


def test_bagging_with_a_class_weight_of_zero():
    # Some bags hold only samples whose class has weight 0: those members are
    # left untrained (with a warning) instead of failing the whole ensemble.
    from sklearn.ensemble import BaggingClassifier
    from sklearn.exceptions import ConvergenceWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 0] > 0).astype(int)
    member = FFNNClassifier(
        hidden_layer_sizes=(5,), class_weight={0: 0.0, 1: 1.0}, epochs=5
    )
    bagging = BaggingClassifier(member, n_estimators=20, max_samples=3, random_state=0)
    with pytest.warns(ConvergenceWarning, match="left as initialized"):
        bagging.fit(X, y)
    assert bagging.predict_proba(X).shape == (60, 2)
    assert 0 < sum(m.n_iter_ == 0 for m in bagging.estimators_) < 20
