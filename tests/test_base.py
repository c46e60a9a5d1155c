"""Behaviour both estimators share, parametrized over the regressor and classifier."""

import pickle
import warnings
from typing import Any, NamedTuple

import autograd.numpy as anp
import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

from skffnn import FFNNClassifier, FFNNRegressor
from skffnn._validation import SCHEDULERS
from skffnn.schedulers import Scheduler

# Most fits here run a handful of epochs on purpose; the tests about the
# warning itself catch it explicitly.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Stopped after the maximum:sklearn.exceptions.ConvergenceWarning"
)

SMALL = {"hidden_layer_sizes": (8,), "eta": 1e-2, "epochs": 10, "random_state": 0}


class Case(NamedTuple):
    est_class: Any
    X: np.ndarray
    y: np.ndarray


@pytest.fixture(params=["regressor", "classifier"])
def case(request):
    if request.param == "regressor":
        X, y = request.getfixturevalue("regression_data")
        return Case(FFNNRegressor, X, y)
    X, y = request.getfixturevalue("binary_data")
    return Case(FFNNClassifier, X, y)


def model_loss(est, X, y):
    """Mean training cost of a fitted model on (X, y), recomputed from predictions."""
    if is_classifier(est):
        proba = est.predict_proba(X)
        rows = np.arange(len(y))
        return -np.mean(np.log(proba[rows, np.searchsorted(est.classes_, y)]))
    pred = est.predict(X).reshape(len(y), -1)
    return np.mean((pred - np.asarray(y).reshape(len(y), -1)) ** 2)


def noisy_problem(est_class, n, seed):
    """A one-feature signal in five features with heavy noise: easy to overfit."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 5))
    signal = X[:, 0] + rng.normal(scale=0.5, size=n)
    return X, (signal if est_class is FFNNRegressor else (signal > 0).astype(int))


# ----- parameters and fitted attributes -----------------------------------------


@pytest.mark.parametrize("est_class", [FFNNRegressor, FFNNClassifier])
def test_every_parameter_is_documented(est_class):
    # numpydoc entries: "    name : type" at the section's indentation.
    documented = {
        line.split(" : ")[0].strip()
        for line in est_class.__doc__.splitlines()
        if " : " in line and line.startswith("    ") and line[4] != " "
    }
    params = set(est_class().get_params())
    assert {"eta", "lam", "scheduler", "hidden_layer_sizes"} <= params
    assert params - documented == set()


@pytest.mark.parametrize("with_validation", [False, True])
def test_fitted_attributes(case, with_validation):
    est = case.est_class(
        hidden_layer_sizes=(8, 5), eta=1e-2, epochs=7, batch_size=32, random_state=0
    )
    X, y = case.X, case.y
    if with_validation:
        est.fit(X[:100], y[:100], X_val=X[100:], y_val=y[100:])
        n_train = 100
    else:
        est.fit(X, y)
        n_train = len(y)
    n_features = X.shape[1]
    assert [W.shape for W in est.coefs_] == [(n_features, 8), (8, 5), (5, 1)]
    assert [b.shape for b in est.intercepts_] == [(8,), (5,), (1,)]
    assert est.n_features_in_ == n_features
    assert est.n_outputs_ == 1
    assert est.n_layers_ == 4
    assert isinstance(est.n_iter_, int)
    assert est.n_iter_ == 7
    assert isinstance(est.t_, int)
    assert est.t_ == est.n_iter_ * int(np.ceil(n_train / 32))
    assert len(est.loss_curve_) == est.n_iter_
    assert all(np.isfinite(est.loss_curve_))
    assert np.isfinite(est.best_loss_)
    assert est.best_loss_ == min(est.loss_curve_)
    expected_keys = {"train_loss", "eta"}  # Adam's rate, constant by default
    if is_classifier(est):
        expected_keys.add("train_accuracy")
        np.testing.assert_array_equal(est.classes_, [0, 1])
    if with_validation:
        expected_keys.add("val_loss")
        if is_classifier(est):
            expected_keys.add("val_accuracy")
    history = est.history_
    assert set(history) == expected_keys
    for values in history.values():
        assert isinstance(values, np.ndarray)
        assert values.shape == (est.n_iter_,)
    np.testing.assert_array_equal(history["train_loss"], est.loss_curve_)
    np.testing.assert_array_equal(history["eta"], np.full(est.n_iter_, est.eta))


@pytest.mark.parametrize("est_class", [FFNNRegressor, FFNNClassifier])
def test_no_hidden_layer_has_one_weight_matrix(est_class, regression_data):
    X, y = regression_data
    target = y if est_class is FFNNRegressor else (y > 0).astype(int)
    est = est_class(hidden_layer_sizes=(), epochs=3, random_state=0).fit(X, target)
    assert est.n_layers_ == 2
    assert [W.shape for W in est.coefs_] == [(3, 1)]
    assert [b.shape for b in est.intercepts_] == [(1,)]


def forward_by_hand(est, X):
    """The network's output before the output activation, from coefs_/intercepts_."""
    a = X
    for W, b in zip(est.coefs_[:-1], est.intercepts_[:-1], strict=True):
        a = np.maximum(a @ W + b, 0)
    return a @ est.coefs_[-1] + est.intercepts_[-1]


@pytest.mark.parametrize("kind", ["regressor", "binary", "multiclass"])
def test_coefs_are_the_model_predict_uses(
    kind, regression_data, binary_data, multiclass_data
):
    params = {"hidden_layer_sizes": (6, 4), "eta": 1e-2, "epochs": 20}
    if kind == "regressor":
        X, y = regression_data
        est = FFNNRegressor(**params, random_state=0).fit(X, y)
        np.testing.assert_allclose(
            est.predict(X), forward_by_hand(est, X).ravel(), rtol=1e-12, atol=1e-12
        )
        return
    X, y = binary_data if kind == "binary" else multiclass_data
    est = FFNNClassifier(**params, random_state=0).fit(X, y)
    z = forward_by_hand(est, X)
    if kind == "binary":
        assert z.shape == (len(y), 1)
        expected = np.hstack([1 - expit(z), expit(z)])
    else:
        assert z.shape == (len(y), 3)
        expected = softmax(z, axis=1)
    np.testing.assert_allclose(est.predict_proba(X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(est.predict(X), est.classes_[expected.argmax(1)])


def test_loss_curve_decreases(case):
    est = case.est_class(hidden_layer_sizes=(16,), eta=1e-2, epochs=60, random_state=0)
    est.fit(case.X, case.y)
    assert est.loss_curve_[-1] < est.loss_curve_[0] / 2


# ----- randomness and continuation ---------------------------------------------


def test_same_random_state_is_bit_identical(case):
    first = case.est_class(**SMALL, batch_size=16).fit(case.X, case.y)
    second = case.est_class(**SMALL, batch_size=16).fit(case.X, case.y)
    for W1, W2 in zip(first.coefs_, second.coefs_, strict=True):
        assert np.array_equal(W1, W2)
    for b1, b2 in zip(first.intercepts_, second.intercepts_, strict=True):
        assert np.array_equal(b1, b2)
    assert np.array_equal(first.predict(case.X), second.predict(case.X))
    assert first.loss_curve_ == second.loss_curve_


def test_different_random_state_differs(case):
    first = case.est_class(**{**SMALL, "random_state": 0}).fit(case.X, case.y)
    second = case.est_class(**{**SMALL, "random_state": 1}).fit(case.X, case.y)
    assert not np.array_equal(first.coefs_[0], second.coefs_[0])
    assert not np.array_equal(_outputs(first, case.X), _outputs(second, case.X))
    assert first.loss_curve_ != second.loss_curve_


@pytest.mark.parametrize("warm_start", [True, False])
def test_warm_start_continues_from_the_current_weights(case, warm_start):
    # Full batch, no shuffle, plain gradient descent: an epoch's recorded loss is
    # the loss at the weights it started from, so continuity can be checked exactly.
    est = case.est_class(
        hidden_layer_sizes=(8,),
        scheduler="constant",
        eta=0.1,
        epochs=5,
        batch_size=len(case.y),
        shuffle=False,
        random_state=0,
    )
    est.fit(case.X, case.y)
    first_curve = list(est.loss_curve_)
    loss_before = model_loss(est, case.X, case.y)
    est.set_params(warm_start=warm_start)
    est.fit(case.X, case.y)
    if warm_start:
        assert est.n_iter_ == 10
        assert est.t_ == 10
        assert est.loss_curve_[:5] == first_curve
        assert est.loss_curve_[5] == pytest.approx(loss_before, rel=1e-12)
        assert est.loss_curve_[-1] < first_curve[-1]
    else:
        assert est.n_iter_ == 5
        assert est.t_ == 5
        assert est.loss_curve_ == first_curve


@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_warm_start_resumes_near_the_last_loss(case, scheduler):
    params = {**SMALL, "scheduler": scheduler, "epochs": 15}
    est = case.est_class(**params, warm_start=True).fit(case.X, case.y)
    last = est.loss_curve_[-1]
    est.fit(case.X, case.y)
    cold_first = case.est_class(**params).fit(case.X, case.y).loss_curve_[0]
    assert est.n_iter_ == 30
    assert len(est.loss_curve_) == 30
    assert est.loss_curve_[15] < 1.1 * last
    assert abs(est.loss_curve_[15] - last) < 0.25 * abs(cold_first - last)


def test_partial_fit_one_epoch_per_call(case):
    est = case.est_class(hidden_layer_sizes=(8,), eta=1e-2, random_state=0)
    extra = {"classes": [0, 1]} if case.est_class is FFNNClassifier else {}
    for call in range(1, 6):
        est.partial_fit(case.X, case.y, **extra)
        assert est.n_iter_ == call
        assert len(est.loss_curve_) == call
    assert np.all(np.diff(est.loss_curve_) < 0)
    assert est.loss_curve_[-1] < 0.95 * est.loss_curve_[0]


def test_classifier_partial_fit_needs_classes(binary_data):
    X, y = binary_data
    est = FFNNClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes"):
        est.partial_fit(X, y)
    est.partial_fit(X[:10], y[:10], classes=[0, 1, 2])
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.predict_proba(X).shape == (len(y), 3)


def test_partial_fit_trains_on_every_sample_even_with_early_stopping(case):
    # scikit-learn's MLP refuses early_stopping in partial_fit; silently holding
    # out a validation fraction of every batch would be the one wrong answer.
    params = {**SMALL, "batch_size": 16}
    extra = {"classes": [0, 1]} if case.est_class is FFNNClassifier else {}
    est = case.est_class(**params, early_stopping=True)
    try:
        est.partial_fit(case.X, case.y, **extra)
    except ValueError:
        return
    reference = case.est_class(**params).partial_fit(case.X, case.y, **extra)
    assert est.t_ == reference.t_
    np.testing.assert_array_equal(est.coefs_[0], reference.coefs_[0])


def test_user_scheduler_is_not_changed(case):
    class Counting(Scheduler):
        def __init__(self, eta):
            super().__init__(eta)
            self.steps = 0

        def update_change(self, gradient):
            self.steps += 1
            return self.eta * gradient

    scheduler = Counting(0.05)
    est = case.est_class(**{**SMALL, "scheduler": scheduler}).fit(case.X, case.y)
    assert est.scheduler is scheduler
    assert scheduler.steps == 0
    assert est.t_ > 0


@pytest.mark.parametrize("validation_first", [True, False])
def test_history_stays_aligned_with_epochs_across_warm_starts(case, validation_first):
    X, y, X_val, y_val = case.X[:90], case.y[:90], case.X[90:], case.y[90:]
    est = case.est_class(**{**SMALL, "epochs": 4}, warm_start=True)
    if validation_first:
        est.fit(X, y, X_val=X_val, y_val=y_val).fit(X, y)
    else:
        est.fit(X, y).fit(X, y, X_val=X_val, y_val=y_val)
    assert est.n_iter_ == 8
    assert "val_loss" in est.history_
    for key, values in est.history_.items():
        assert len(values) == est.n_iter_, key


def test_warm_start_with_a_new_architecture_is_not_silently_ignored(case):
    est = case.est_class(**SMALL, warm_start=True).fit(case.X, case.y)
    est.set_params(hidden_layer_sizes=(6, 4))
    try:
        est.fit(case.X, case.y)
    except ValueError:
        return
    assert est.n_layers_ == 4
    assert [W.shape[1] for W in est.coefs_] == [6, 4, 1]


# ----- validation and early stopping --------------------------------------------


@pytest.mark.parametrize("est_class", [FFNNRegressor, FFNNClassifier])
def test_early_stopping_restores_the_best_validation_weights(est_class):
    X, y = noisy_problem(est_class, 40, seed=0)
    X_val, y_val = noisy_problem(est_class, 200, seed=1)
    est = est_class(
        hidden_layer_sizes=(64, 64),
        eta=3e-3,
        epochs=300,
        batch_size=40,
        early_stopping=True,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    val_loss = est.history_["val_loss"]
    assert est.n_iter_ < 100
    assert len(val_loss) == est.n_iter_
    # It overfits: the last epochs are worse than the best, so restoring matters.
    assert val_loss[-1] > val_loss.min() + 1e-3
    assert est.best_loss_ == pytest.approx(val_loss.min(), rel=1e-12)
    assert model_loss(est, X_val, y_val) == pytest.approx(val_loss.min(), abs=1e-12)


def test_early_stopping_with_a_held_out_split(case):
    X, y = noisy_problem(case.est_class, 120, seed=0)
    est = case.est_class(
        hidden_layer_sizes=(64, 64),
        eta=3e-3,
        epochs=300,
        batch_size=40,
        early_stopping=True,
        validation_fraction=0.25,
        random_state=0,
    ).fit(X, y)
    assert est.n_iter_ < 300
    assert est.t_ == est.n_iter_ * 3  # 90 training rows in batches of 40
    assert len(est.history_["val_loss"]) == est.n_iter_
    assert est.best_loss_ == pytest.approx(est.history_["val_loss"].min(), rel=1e-12)


def test_classifier_validation_split_is_stratified():
    # Constant inputs: the model can only learn the class frequencies of its
    # training rows. A stratified 20% split of 60/30/10 holds 12/6/2 rows, so the
    # training frequencies are 0.6/0.3/0.1 too, the validation accuracy of always
    # answering class 0 is 0.6, and the validation loss is the prior's entropy.
    y = np.repeat([0, 1, 2], [60, 30, 10])
    X = np.zeros((100, 2))
    priors = np.array([0.6, 0.3, 0.1])
    entropy = -np.sum(priors * np.log(priors))
    for random_state in range(3):
        est = FFNNClassifier(
            hidden_layer_sizes=(),
            eta=0.1,
            epochs=300,
            tol=0.0,
            n_iter_no_change=1000,
            early_stopping=True,
            validation_fraction=0.2,
            random_state=random_state,
        ).fit(X, y)
        np.testing.assert_allclose(est.predict_proba(X[:1])[0], priors, atol=1e-6)
        assert est.history_["val_accuracy"][-1] == pytest.approx(0.6, abs=1e-12)
        assert est.history_["val_loss"][-1] == pytest.approx(entropy, abs=1e-9)


@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_validation_set_is_scored_every_epoch(case, scheduler):
    X, y = case.X[:90], case.y[:90]
    X_val, y_val = case.X[90:], case.y[90:]
    est = case.est_class(**{**SMALL, "scheduler": scheduler}).fit(
        X, y, X_val=X_val, y_val=y_val
    )
    history = est.history_
    assert len(history["val_loss"]) == est.n_iter_ == len(est.loss_curve_)
    assert history["val_loss"][-1] == pytest.approx(
        model_loss(est, X_val, y_val), rel=1e-12
    )
    if is_classifier(est):
        assert history["val_accuracy"][-1] == est.score(X_val, y_val)
    # A validation set never changes the training itself.
    plain = case.est_class(**{**SMALL, "scheduler": scheduler}).fit(X, y)
    np.testing.assert_array_equal(plain.loss_curve_, est.loss_curve_)


# ----- sample weights, dtypes and input types -----------------------------------


def _full_batch(case, scheduler):
    return case.est_class(
        hidden_layer_sizes=(8,),
        scheduler=scheduler,
        eta=1e-2,
        epochs=20,
        batch_size=1000,
        shuffle=False,
        random_state=0,
    )


def _outputs(est, X):
    return est.predict_proba(X) if is_classifier(est) else est.predict(X)


@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_integer_sample_weight_equals_repeating_samples(case, scheduler):
    weights = np.random.default_rng(0).integers(1, 4, len(case.y))
    weighted = _full_batch(case, scheduler).fit(case.X, case.y, sample_weight=weights)
    repeated = _full_batch(case, scheduler).fit(
        np.repeat(case.X, weights, axis=0), np.repeat(case.y, weights)
    )
    np.testing.assert_allclose(
        _outputs(weighted, case.X), _outputs(repeated, case.X), rtol=1e-6
    )
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-6)


@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_zero_sample_weight_equals_removing_samples(case, scheduler):
    keep = np.random.default_rng(1).random(len(case.y)) < 0.7
    weighted = _full_batch(case, scheduler).fit(
        case.X, case.y, sample_weight=keep.astype(float)
    )
    removed = _full_batch(case, scheduler).fit(case.X[keep], case.y[keep])
    np.testing.assert_allclose(
        _outputs(weighted, case.X), _outputs(removed, case.X), rtol=1e-6
    )


def test_sample_weight_changes_the_fit(case):
    weights = np.where(np.arange(len(case.y)) < 60, 10.0, 1.0)
    weighted = _full_batch(case, "adam").fit(case.X, case.y, sample_weight=weights)
    plain = _full_batch(case, "adam").fit(case.X, case.y)
    assert np.max(np.abs(_outputs(weighted, case.X) - _outputs(plain, case.X))) > 1e-3


@pytest.mark.parametrize("batch_norm", [False, True])
def test_partial_fit_learns_from_one_sample_at_a_time(case, batch_norm):
    est = case.est_class(**SMALL, batch_norm=batch_norm)
    classes = {"classes": np.unique(case.y)} if is_classifier(est) else {}
    est.partial_fit(case.X[:1], case.y[:1], **classes)
    first = _outputs(est, case.X)
    est.partial_fit(case.X[1:2], case.y[1:2])
    assert (est.n_iter_, est.t_) == (2, 2)
    assert np.all(np.isfinite(_outputs(est, case.X)))
    assert not np.array_equal(_outputs(est, case.X), first)


@pytest.mark.parametrize("weight", [3.0, np.int64(2)])
def test_one_number_as_sample_weight_weighs_every_sample_alike(case, weight):
    # Weighted means: a common weight changes nothing but must be accepted.
    weighted = _full_batch(case, "adam").fit(case.X, case.y, sample_weight=weight)
    plain = _full_batch(case, "adam").fit(case.X, case.y)
    np.testing.assert_allclose(
        _outputs(weighted, case.X), _outputs(plain, case.X), rtol=1e-12
    )


@pytest.mark.parametrize(
    ("in_dtype", "out_dtype"),
    [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)],
)
def test_dtype_follows_the_input(case, in_dtype, out_dtype):
    X = np.round(case.X * 10).astype(in_dtype)
    est = case.est_class(**SMALL).fit(X, case.y)
    assert all(W.dtype == out_dtype for W in est.coefs_)
    assert all(b.dtype == out_dtype for b in est.intercepts_)
    if is_classifier(est):
        assert est.predict_proba(X).dtype == out_dtype
        assert est.predict(X).dtype == case.y.dtype
    else:
        assert est.predict(X).dtype == out_dtype
    assert all(np.isfinite(est.loss_curve_))


def test_float32_model_matches_float64_model(case):
    est32 = case.est_class(**SMALL).fit(case.X.astype(np.float32), case.y)
    est64 = case.est_class(**SMALL).fit(case.X, case.y)
    np.testing.assert_allclose(
        _outputs(est32, case.X), _outputs(est64, case.X), rtol=1e-3, atol=1e-4
    )


def test_dataframe_sets_and_checks_feature_names(case):
    pd = pytest.importorskip("pandas")
    columns = [f"feature_{i}" for i in range(case.X.shape[1])]
    frame = pd.DataFrame(case.X, columns=columns)
    est = case.est_class(**SMALL).fit(frame, case.y)
    np.testing.assert_array_equal(est.feature_names_in_, columns)
    np.testing.assert_array_equal(
        est.predict(frame), case.est_class(**SMALL).fit(case.X, case.y).predict(case.X)
    )
    renamed = frame.rename(columns={"feature_0": "other"})
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(renamed)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(case.X)
    assert not hasattr(case.est_class(**SMALL).fit(case.X, case.y), "feature_names_in_")


def test_sparse_input_matches_dense(case):
    X = np.where(np.abs(case.X) < 0.5, 0.0, case.X)
    dense = case.est_class(**SMALL, batch_size=32).fit(X, case.y)
    sparse = case.est_class(**SMALL, batch_size=32).fit(sp.csr_matrix(X), case.y)
    np.testing.assert_allclose(
        _outputs(sparse, sp.csr_matrix(X)), _outputs(dense, X), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(sparse.loss_curve_, dense.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize(
    "remedy", [{"dropout": 0.5}, {"batch_norm": True}], ids=["dropout", "batch_norm"]
)
def test_regularizing_layers_change_training(case, remedy):
    params = {**SMALL, "hidden_layer_sizes": (16,), "batch_size": 16}
    plain = case.est_class(**params).fit(case.X, case.y)
    first = case.est_class(**params, **remedy).fit(case.X, case.y)
    second = case.est_class(**params, **remedy).fit(case.X, case.y)
    assert not np.allclose(first.coefs_[0], plain.coefs_[0])
    # Reproducible, and prediction is deterministic and row by row: no dropout
    # mask and no minibatch statistics at inference.
    np.testing.assert_array_equal(_outputs(first, case.X), _outputs(second, case.X))
    np.testing.assert_allclose(
        _outputs(first, case.X[:1]), _outputs(first, case.X)[:1], rtol=1e-12
    )
    assert np.all(np.isfinite(_outputs(first, case.X)))


# ----- warnings, divergence and interruption ------------------------------------


def test_convergence_warning_when_epochs_run_out(case):
    est = case.est_class(**{**SMALL, "epochs": 3})
    with pytest.warns(ConvergenceWarning, match="maximum of 3 epochs"):
        est.fit(case.X, case.y)
    assert est.n_iter_ == 3


def test_no_convergence_warning_when_it_converges(case):
    est = case.est_class(
        hidden_layer_sizes=(8,),
        eta=1e-2,
        epochs=2000,
        tol=1e-3,
        n_iter_no_change=3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est.fit(case.X, case.y)
    assert est.n_iter_ < 2000


@pytest.mark.parametrize("hidden_layer_sizes", [(8,), ()])
def test_divergence_warns_and_keeps_finite_weights(regression_data, hidden_layer_sizes):
    X, y = regression_data
    est = FFNNRegressor(
        hidden_layer_sizes=hidden_layer_sizes,
        scheduler="constant",
        eta=1e6,
        epochs=50,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        est.fit(X * 1000, y)
    assert est.n_iter_ < 50
    assert all(np.all(np.isfinite(W)) for W in est.coefs_)
    assert all(np.all(np.isfinite(b)) for b in est.intercepts_)
    assert not np.any(np.isnan(est.predict(X * 1000)))


class InterruptingScheduler(Scheduler):
    """Plain gradient descent that raises KeyboardInterrupt on its Nth step."""

    def __init__(self, eta, interrupt_at):
        super().__init__(eta)
        self.interrupt_at = interrupt_at
        self.calls = 0

    def update_change(self, gradient):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return self.eta * gradient


class InterruptingActivation:
    """tanh written with autograd that raises KeyboardInterrupt on its Nth call."""

    def __init__(self, interrupt_at):
        self.interrupt_at = interrupt_at
        self.calls = 0

    def __call__(self, z):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return anp.tanh(z)


def _fit_through_an_interrupt(est, X, y):
    # A KeyboardInterrupt that escapes would end the whole pytest session.
    try:
        with pytest.warns(ConvergenceWarning, match="interrupted"):
            est.fit(X, y)
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped fit instead of ending training")


def _check_resumes_after_interrupt(est, X, y):
    assert len(est.loss_curve_) == est.n_iter_
    assert all(np.all(np.isfinite(W)) for W in est.coefs_)
    assert np.all(np.isfinite(_outputs(est, X)))
    loss_before = model_loss(est, X, y)
    n_iter = est.n_iter_
    est.set_params(
        warm_start=True,
        scheduler="constant",
        eta=0.05,
        epochs=3,
        batch_size=len(y),
        shuffle=False,
    )
    est.fit(X, y)
    assert est.n_iter_ == n_iter + 3
    assert est.loss_curve_[n_iter] == pytest.approx(loss_before, rel=1e-12)


def test_keyboard_interrupt_keeps_a_usable_model(case):
    # 120 rows in batches of 40: three steps per epoch, interrupted in epoch 4.
    est = case.est_class(
        hidden_layer_sizes=(8,),
        scheduler=InterruptingScheduler(0.05, interrupt_at=11),
        batch_size=40,
        epochs=50,
        random_state=0,
    )
    _fit_through_an_interrupt(est, case.X, case.y)
    assert est.n_iter_ == 3
    assert est.t_ == 10
    _check_resumes_after_interrupt(est, case.X, case.y)


def test_keyboard_interrupt_during_lbfgs_keeps_a_usable_model(case):
    est = case.est_class(
        hidden_layer_sizes=(8,),
        activation=InterruptingActivation(interrupt_at=25),
        scheduler="lbfgs",
        epochs=200,
        random_state=0,
    )
    _fit_through_an_interrupt(est, case.X, case.y)
    assert 0 < est.n_iter_ < 200
    _check_resumes_after_interrupt(est, case.X, case.y)


@pytest.mark.parametrize("cause", ["epochs", "diverged", "interrupted"])
def test_convergence_warnings_point_at_the_caller(regression_data, cause):
    X, y = regression_data
    params = {
        "epochs": {**SMALL, "epochs": 2},
        "diverged": {**SMALL, "scheduler": "constant", "eta": 1e6, "epochs": 50},
        "interrupted": {**SMALL, "scheduler": InterruptingScheduler(0.05, 2)},
    }[cause]
    est = FFNNRegressor(**params)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            est.fit(X * 1000 if cause == "diverged" else X, y)
        except KeyboardInterrupt:
            pytest.fail("KeyboardInterrupt escaped fit")
    caught = [r for r in records if issubclass(r.category, ConvergenceWarning)]
    assert caught
    assert all(record.filename == __file__ for record in caught)


def test_partial_fit_warnings_point_at_the_caller(case):
    scheduler = InterruptingScheduler(0.05, 2)
    est = case.est_class(**SMALL, scheduler=scheduler, batch_size=8)
    classes = {"classes": np.unique(case.y)} if is_classifier(est) else {}
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        est.partial_fit(case.X, case.y, **classes)
    caught = [r for r in records if issubclass(r.category, ConvergenceWarning)]
    assert caught
    assert all(record.filename == __file__ for record in caught)


def test_a_warning_raised_as_an_error_keeps_the_finished_fit(case):
    est = case.est_class(**{**SMALL, "epochs": 2}, warm_start=True)
    est.fit(case.X, case.y)
    before = _outputs(est, case.X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning, match="maximum of 2 epochs"):
            est.fit(case.X, case.y)
    # As in scikit-learn: the warning reports on a fit that happened.
    assert (est.n_iter_, len(est.loss_curve_)) == (4, 4)
    assert not np.array_equal(_outputs(est, case.X), before)


# ----- progress bar -------------------------------------------------------------


@pytest.mark.parametrize("scheduler", ["adam", "lbfgs"])
def test_verbose_shows_a_progress_bar_with_losses(case, scheduler, capsys):
    est = case.est_class(**{**SMALL, "scheduler": scheduler, "epochs": 4}, verbose=1)
    est.fit(case.X[:90], case.y[:90], X_val=case.X[90:], y_val=case.y[90:])
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "epoch" in captured.err
    assert f"{est.n_iter_}/4" in captured.err
    assert f"train_loss={est.loss_curve_[-1]:.4g}" in captured.err
    assert f"val_loss={est.history_['val_loss'][-1]:.4g}" in captured.err
    if is_classifier(est):
        assert "val_accuracy=" in captured.err


def test_verbose_true_shows_the_bar_as_scikit_learn_takes_it(case, capsys):
    case.est_class(**SMALL, verbose=True).fit(case.X, case.y)
    assert f"{SMALL['epochs']}/{SMALL['epochs']}" in capsys.readouterr().err


@pytest.mark.parametrize("verbose", [0, False])
def test_verbose_zero_prints_nothing(case, capsys, verbose):
    est = case.est_class(**SMALL, verbose=verbose)
    est.fit(case.X[:90], case.y[:90], X_val=case.X[90:], y_val=case.y[90:])
    est.partial_fit(case.X, case.y)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


# ----- persistence --------------------------------------------------------------


def test_pickle_and_joblib_round_trips(case, tmp_path):
    est = case.est_class(**SMALL).fit(case.X, case.y)
    expected = _outputs(est, case.X)
    restored = pickle.loads(pickle.dumps(est))
    assert np.array_equal(_outputs(restored, case.X), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    assert np.array_equal(_outputs(loaded, case.X), expected)
    # The restored model keeps training like the original would.
    est.set_params(warm_start=True)
    loaded.set_params(warm_start=True)
    est.fit(case.X, case.y)
    loaded.fit(case.X, case.y)
    assert np.array_equal(_outputs(loaded, case.X), _outputs(est, case.X))


def test_skops_round_trip_trusts_only_skffnn_types(case, tmp_path):
    sio = pytest.importorskip("skops.io")
    est = case.est_class(**SMALL, early_stopping=True).fit(case.X, case.y)
    path = tmp_path / "model.skops"
    sio.dump(est, path)
    untrusted = sio.get_untrusted_types(data=path.read_bytes())
    assert untrusted
    assert [name for name in untrusted if not name.startswith("skffnn.")] == []
    trusted = [name for name in untrusted if name.startswith("skffnn.")]
    loaded = sio.load(path, trusted=trusted)
    assert np.array_equal(_outputs(loaded, case.X), _outputs(est, case.X))
    assert loaded.get_params() == est.get_params()
    assert loaded.loss_curve_ == est.loss_curve_


def test_a_refit_that_fails_validation_keeps_the_trained_model(case):
    est = case.est_class(**SMALL).fit(case.X, case.y)
    before = _outputs(est, case.X)
    n_iter, n_features = est.n_iter_, est.n_features_in_
    X_val_too_wide = np.hstack([case.X, case.X])  # twice the features
    with pytest.raises(ValueError, match="features"):
        est.fit(case.X[:, :2], case.y, X_val=X_val_too_wide, y_val=case.y)
    assert est.n_features_in_ == n_features
    assert est.n_iter_ == n_iter
    assert np.array_equal(_outputs(est, case.X), before)


class _FailingScheduler(Scheduler):
    """Plain gradient descent that raises once it has taken `fail_after` steps."""

    def __init__(self, eta=0.01, fail_after=None):
        super().__init__(eta)
        self.fail_after = fail_after
        self.steps = 0

    def update_change(self, gradient):
        if self.fail_after is not None and self.steps >= self.fail_after:
            raise RuntimeError("scheduler failed")
        self.steps += 1
        return self.eta * gradient / self.steps**0.5  # state matters

    def reset(self):
        self.steps = 0


@pytest.mark.parametrize("call", ["warm_start_fit", "partial_fit"])
def test_an_error_during_training_keeps_the_trained_model(case, call):
    params = {**SMALL, "warm_start": True, "batch_size": 4, "batch_norm": True}
    est = case.est_class(**params, scheduler=_FailingScheduler()).fit(case.X, case.y)
    twin = case.est_class(**params, scheduler=_FailingScheduler()).fit(case.X, case.y)
    before = _outputs(est, case.X)
    kept = (est.n_iter_, est.t_, est.history_, est.batch_norm_means_)
    # Fail in the second epoch, once the first is recorded with a new
    # val_loss column, and with a changed dropout rate in use.
    fail_after = -(-len(case.X) // 4) + 3
    with pytest.raises(RuntimeError, match="scheduler failed"):
        if call == "partial_fit":
            est._scheduler.fail_after = est._scheduler.steps + 3
            est.set_params(dropout=0.2).partial_fit(case.X, case.y)
        else:
            est.set_params(
                scheduler=_FailingScheduler(fail_after=fail_after), dropout=0.2
            ).fit(case.X, case.y, X_val=case.X, y_val=case.y)
    assert (est.n_iter_, est.t_) == kept[:2]
    assert est.history_.keys() == kept[2].keys()
    for key, values in kept[2].items():
        np.testing.assert_array_equal(est.history_[key], values)
    for mean, kept_mean in zip(est.batch_norm_means_, kept[3], strict=True):
        np.testing.assert_array_equal(mean, kept_mean)
    assert np.array_equal(_outputs(est, case.X), before)
    if call == "partial_fit":
        # The scheduler's state is restored too: continuing matches a twin
        # that never saw the failure.
        est._scheduler.fail_after = None
        est.set_params(dropout=0.0)
        np.testing.assert_array_equal(
            _outputs(est.partial_fit(case.X, case.y), case.X),
            _outputs(twin.partial_fit(case.X, case.y), case.X),
        )


def test_models_pickled_before_class_weight_changes_were_tracked_continue():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.arange(40) % 2
    est = FFNNClassifier(**SMALL, class_weight={0: 1, 1: 2}).fit(X, y)
    del est._class_weight_used  # as in a model pickled by skffnn 0.1.0
    est.partial_fit(X, y)
    np.testing.assert_array_equal(est._class_weights, [1.0, 2.0])


def test_predict_names_the_cause_instead_of_returning_nan():
    def hand_tanh(z):
        return (anp.exp(z) - anp.exp(-z)) / (anp.exp(z) + anp.exp(-z))

    X = np.random.default_rng(0).normal(size=(40, 3))
    est = FFNNRegressor(**SMALL, activation=hand_tanh).fit(X, X[:, 0])
    assert np.all(np.isfinite(est.predict(X)))
    with np.errstate(over="ignore", invalid="ignore"):
        with pytest.raises(ValueError, match="output is NaN for 3 of 3 rows"):
            est.predict(X[:3] * 1e4)  # exp overflows: inf / inf in hand_tanh


def test_a_failed_first_fit_leaves_the_estimator_unfitted(case):
    from sklearn.exceptions import NotFittedError

    est = case.est_class(**SMALL)
    with pytest.raises(ValueError):
        est.fit(case.X, case.y, X_val=case.X[:, :1], y_val=case.y)
    assert not hasattr(est, "n_features_in_")
    with pytest.raises(NotFittedError):
        est.predict(case.X)


@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_every_scheduler_trains(case, scheduler_eta, scheduler):
    est = case.est_class(
        hidden_layer_sizes=(16,),
        scheduler=scheduler,
        eta=scheduler_eta[scheduler],
        epochs=100,
        batch_size=32,
        random_state=0,
    ).fit(case.X, case.y)
    assert est.score(case.X, case.y) > 0.93


def test_fit_on_one_sample_learns_it_and_survives_a_joblib_round_trip(tmp_path):
    # As scikit-learn's own MLP tests do: fit [[2]] -> [4], save, load, predict.
    X, y = np.array([[2.0]]), np.array([4.0])
    est = FFNNRegressor(hidden_layer_sizes=(4,), eta=0.05, epochs=200, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert est.n_iter_ > 1
    assert abs(est.predict(X)[0] - 4.0) < 0.5  # from about 0 untrained
    joblib.dump(est, tmp_path / "one.joblib")
    loaded = joblib.load(tmp_path / "one.joblib")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_fit_on_one_sample_of_a_multilabel_target():
    X, y = np.array([[1.0, -1.0]]), np.array([[1, 0, 1]])
    est = FFNNClassifier(hidden_layer_sizes=(4,), eta=0.05, epochs=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    np.testing.assert_array_equal(est.predict(X), y)
