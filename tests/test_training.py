"""The training loop, and the remedies of the seed's notes doing their job.

Thresholds were measured over several seeds and set with a wide margin.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier, FFNNRegressor
from skffnn._training import History


@pytest.fixture(scope="module")
def deep_problem():
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=10, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    return train_test_split(X, y, random_state=0)


def _deep_tanh(seed, **params):
    # Eight tanh layers of 100 units trained by plain SGD: with N(0, 1) weights
    # every pre-activation has a standard deviation near 10 and saturates.
    return FFNNClassifier(
        hidden_layer_sizes=(100,) * 8,
        activation="tanh",
        scheduler="constant",
        eta=0.05,
        batch_size=32,
        epochs=20,
        tol=0,
        n_iter_no_change=100,
        random_state=seed,
        **params,
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_deep_network_stalls_with_normal_init_and_trains_with_the_remedies(
    deep_problem, seed
):
    X_train, _, y_train, _ = deep_problem
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        normal = _deep_tanh(seed, weight_init="normal").fit(X_train, y_train)
        glorot = _deep_tanh(seed, weight_init="glorot").fit(X_train, y_train)
        normalized = _deep_tanh(seed, weight_init="normal", batch_norm=True).fit(
            X_train, y_train
        )
    # Measured: normal ends near 1.5-1.6, Glorot near 0.4, batch norm near 0.2-0.3.
    assert normal.loss_curve_[-1] > 1.0
    assert glorot.loss_curve_[-1] < 0.6
    assert normalized.loss_curve_[-1] < 0.6


def test_dropout_narrows_the_gap_between_training_and_validation_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10))
    y = (X[:, 0] + 0.8 * rng.normal(size=300) > 0).astype(int)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.5, random_state=0
    )
    gaps = {}
    for rate in (0.0, 0.5):
        model = FFNNClassifier(
            hidden_layer_sizes=(64, 64),
            dropout=rate,
            eta=3e-3,
            epochs=150,
            tol=0,
            n_iter_no_change=1000,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X_train, y_train)
        gaps[rate] = log_loss(y_val, model.predict_proba(X_val)) - log_loss(
            y_train, model.predict_proba(X_train)
        )
    # Measured over three seeds: 1.15 to 1.3 without dropout, 0.2 to 0.3 with it.
    assert gaps[0.5] < 0.5 * gaps[0.0]


def _exploding_regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5)) * 10
    return X, X @ rng.normal(size=5) * 10


def test_clipping_keeps_finite_a_run_that_diverges_without_it():
    X, y = _exploding_regression()
    params = dict(hidden_layer_sizes=(32,), scheduler="constant", eta=1e-3)
    with pytest.warns(ConvergenceWarning, match="diverged") as record:
        unclipped = FFNNRegressor(epochs=50, random_state=0, **params).fit(X, y)
    assert sum("diverged" in str(w.message) for w in record) == 1
    assert unclipped.n_iter_ < 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no divergence warning at all
        warnings.simplefilter("ignore", ConvergenceWarning)
        clipped = FFNNRegressor(epochs=50, clip_norm=1.0, random_state=0, **params).fit(
            X, y
        )
    assert clipped.n_iter_ == 50
    assert np.all(np.isfinite(clipped.loss_curve_))
    assert clipped.loss_curve_[-1] < clipped.loss_curve_[0]
    assert np.all(np.isfinite(clipped.predict(X)))


def test_clipping_bounds_every_step():
    from skffnn.schedulers import Constant

    class Recording(Constant):
        def update_change(self, gradient):
            self.norms.append(float(np.linalg.norm(gradient)))
            return super().update_change(gradient)

        def reset(self):
            self.norms = []

    X, y = _exploding_regression()
    model = FFNNRegressor(
        hidden_layer_sizes=(8,),
        scheduler=Recording(1e-4),
        clip_norm=0.5,
        epochs=3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    norms = model._scheduler.norms
    assert len(norms) == model.t_
    assert max(norms) <= 0.5 * (1 + 1e-12)
    assert min(norms) > 0.49  # unscaled targets: every raw gradient is larger


def test_diverged_run_keeps_the_lowest_loss_weights():
    X, y = _exploding_regression()
    with pytest.warns(ConvergenceWarning, match="diverged"):
        model = FFNNRegressor(
            hidden_layer_sizes=(32,),
            scheduler="constant",
            eta=1e-3,
            epochs=50,
            random_state=0,
        ).fit(X, y)
    predictions = model.predict(X)
    assert np.all(np.isfinite(predictions))
    assert model.n_iter_ < 50
    # One full batch per epoch: the kept weights, those that began the
    # lowest-loss epoch, give exactly that loss.
    mse = np.mean((predictions - y) ** 2)
    np.testing.assert_allclose(mse, min(model.loss_curve_), rtol=1e-9)
    assert mse < 1e-3 * max(model.loss_curve_)


def test_dropout_predictions_are_deterministic_and_runs_repeat():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    params = dict(hidden_layer_sizes=(16,), dropout=0.3, epochs=20, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        first = FFNNClassifier(**params).fit(X, y)
        second = FFNNClassifier(**params).fit(X, y)
        other_seed = FFNNClassifier(**{**params, "random_state": 4}).fit(X, y)
    np.testing.assert_array_equal(first.predict_proba(X), first.predict_proba(X))
    np.testing.assert_array_equal(first.coefs_[0], second.coefs_[0])
    assert not np.array_equal(first.coefs_[0], other_seed.coefs_[0])


def test_dropout_changes_training():
    X, y = make_classification(n_samples=120, n_features=6, random_state=0)
    params = dict(hidden_layer_sizes=(16,), epochs=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        plain = FFNNClassifier(**params).fit(X, y)
        dropped = FFNNClassifier(dropout=0.5, **params).fit(X, y)
    assert not np.allclose(plain.coefs_[0], dropped.coefs_[0])


def test_batch_norm_trains_on_batches_of_one_sample_without_nan():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    model = FFNNClassifier(
        hidden_layer_sizes=(8, 8),
        batch_norm=True,
        batch_size=1,
        epochs=5,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert np.all(np.isfinite(model.loss_curve_))
    assert np.all(np.isfinite(model.predict_proba(X)))
    for gamma in model.batch_norm_scales_:
        assert np.all(np.isfinite(gamma))


def test_batch_norm_attributes_and_prediction_uses_running_statistics():
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    X = X * 5 + 3
    model = FFNNClassifier(
        hidden_layer_sizes=(8, 4), batch_norm=True, epochs=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert [g.shape for g in model.batch_norm_scales_] == [(8,), (4,)]
    assert [b.shape for b in model.batch_norm_shifts_] == [(8,), (4,)]
    # The scale and shift were trained, away from their start at 1 and 0.
    assert not np.allclose(model.batch_norm_scales_[0], 1)
    assert not np.allclose(model.batch_norm_shifts_[0], 0)
    # Running means track the first layer's z = X @ W + b over the data.
    z = X @ model.coefs_[0] + model.intercepts_[0]
    np.testing.assert_allclose(
        model.batch_norm_means_[0], z.mean(axis=0), atol=0.5 * z.std(axis=0).max()
    )
    assert np.all(model.batch_norm_vars_[0] > 0)
    # Prediction is row by row: one sample predicts as it does in a batch.
    np.testing.assert_allclose(
        model.predict_proba(X[:1]), model.predict_proba(X)[:1], rtol=1e-12
    )


def test_batch_norm_attributes_are_absent_without_batch_norm(binary_data):
    X, y = binary_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = FFNNClassifier(hidden_layer_sizes=(4,), epochs=2).fit(X, y)
    assert not hasattr(model, "batch_norm_scales_")


def test_history_pads_missing_keys_with_nan():
    history = History()
    history.append(train_loss=1.0)
    history.append(train_loss=0.5, val_loss=0.7)
    history.append(train_loss=0.4)
    arrays = history.as_arrays()
    np.testing.assert_array_equal(arrays["train_loss"], [1.0, 0.5, 0.4])
    np.testing.assert_array_equal(arrays["val_loss"], [np.nan, 0.7, np.nan])


def test_history_truncates_to_an_earlier_point():
    history = History()
    history.append(train_loss=1.0, train_accuracy=0.5)
    history.append(train_loss=0.5, train_accuracy=0.6)
    point = history.lengths()
    history.append(train_loss=0.4, train_accuracy=0.7, val_loss=0.9)
    history.truncate(point)
    assert history.records == {"train_loss": [1.0, 0.5], "train_accuracy": [0.5, 0.6]}


def test_patience_stops_when_the_loss_stops_improving(regression_data):
    X, y = regression_data
    model = FFNNRegressor(
        hidden_layer_sizes=(16,),
        eta=1e-2,
        epochs=2000,
        tol=1e-3,
        n_iter_no_change=5,
        random_state=0,
    ).fit(X, y)
    assert model.n_iter_ < 2000
    curve = np.asarray(model.loss_curve_)
    # Each of the last six epochs failed to beat the best before it by tol.
    for epoch in range(len(curve) - 6, len(curve)):
        assert curve[epoch] > curve[:epoch].min() - 1e-3


def test_a_tiny_loss_that_wobbles_is_not_called_divergence():
    # Widely separated classes drive the loss to about 1e-22, then dropout
    # noise lifts it to about 5e-3: far above its lowest, far below its start.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(int)
    X[:, 0] += np.where(y == 1, 20.0, -20.0)
    model = FFNNClassifier(
        hidden_layer_sizes=(20,),
        dropout=0.5,
        epochs=300,
        random_state=0,
        tol=0,
        n_iter_no_change=1000,
        eta=5e-2,
        # He's wider draw reaches the tiny loss within the 300 epochs.
        weight_init="he",
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert not any("diverged" in str(w.message) for w in caught)
    assert model.loss_curve_[-1] > 1e6 * min(model.loss_curve_)  # the wobble
    assert model.loss_curve_[-1] < 1e-2 * model.loss_curve_[0]


def test_training_buffers_are_released_and_pickles_hold_weights_and_moments():
    import pickle

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 50))
    y = rng.integers(0, 3, 300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = FFNNClassifier(hidden_layer_sizes=(64,), epochs=2).fit(X, y)
    assert model._network._workspaces == {}
    assert pickle.loads(pickle.dumps(model._scheduler))._step is None
    theta_bytes = model._network.theta.nbytes
    # theta, Adam's two moments, and small change: not the scratch buffers.
    assert len(pickle.dumps(model)) < 3.5 * theta_bytes


# ----- the loop's steps, one by one -------------------------------------------


def test_dataset_batch_weights_normalize_and_skip_zero_batches():
    from skffnn._training import Dataset

    X, y = np.zeros((5, 1)), np.zeros((5, 1))
    unweighted = Dataset(X, y)
    assert unweighted.batch_weights(slice(3, 8)) == (None, 2.0)
    assert unweighted.batch_weights(np.array([0, 4, 1])) == (None, 3.0)
    weighted = Dataset(X, y, np.array([1.0, 3.0, 0.0, 0.0, 4.0]))
    weights, total = weighted.batch_weights(np.array([0, 1]))
    np.testing.assert_allclose(weights, [0.25, 0.75])
    assert total == 4.0
    assert weighted.batch_weights(slice(2, 4)) == (None, 0.0)
    np.testing.assert_allclose(
        weighted.normalized_weights(), np.array([1, 3, 0, 0, 4]) / 8
    )
    assert weighted.has_weight()
    assert not Dataset(X, y, np.zeros(5)).has_weight()


def test_patience_counts_epochs_without_improving_by_tol():
    from skffnn._training import _Patience
    from skffnn._validation import check_common

    params = {**FFNNRegressor().get_params(), "tol": 0.1, "n_iter_no_change": 2}
    settings = check_common(params).loop
    theta = np.zeros(3)
    patience = _Patience(settings, np.inf, theta, keep_best=True)
    assert not patience.update(1.0, theta + 1)  # improved
    assert not patience.update(0.95, theta + 2)  # better, but not by tol: 1
    assert not patience.update(0.93, theta + 3)  # 2
    assert patience.update(0.92, theta + 4)  # 3 > n_iter_no_change
    assert patience.best == 0.92
    np.testing.assert_array_equal(patience.best_theta, theta + 4)


def test_divergence_guard_keeps_the_weights_of_the_lowest_loss():
    from skffnn._training import _DivergenceGuard

    guard = _DivergenceGuard(np.zeros(2))
    for loss, start in [(5.0, 0.0), (1.0, 1.0), (3.0, 2.0)]:
        guard.update(loss, np.full(2, start))
    assert not guard.blew_up()  # 3 is not 10 times the lowest
    guard.update(60.0, np.full(2, 3.0))
    assert guard.blew_up()
    np.testing.assert_array_equal(guard.theta, [1.0, 1.0])
    wobble = _DivergenceGuard(np.zeros(2))
    for loss in [1.0, 1e-20, 1e-3]:
        wobble.update(loss, np.zeros(2))
    assert not wobble.blew_up()  # far above its lowest, but below its first


# ----- the compiled kernels inside training -----------------------------------


KERNEL_CASES = {
    "adam-relu-softmax": (FFNNClassifier, {}, "multiclass"),
    "momentum-tanh-sigmoid": (
        FFNNClassifier,
        {"scheduler": "momentum", "activation": "tanh", "eta": 0.05},
        "binary",
    ),
    "rmsprop-leaky-mse": (
        FFNNRegressor,
        {"scheduler": "rmsprop", "activation": "leaky_relu"},
        "regression",
    ),
    "adagrad-elu-batchnorm-dropout": (
        FFNNRegressor,
        {"scheduler": "adagrad_momentum", "activation": "elu", "batch_norm": True},
        "regression",
    ),
    "constant-identity-weighted": (
        FFNNClassifier,
        {"scheduler": "constant", "activation": "identity", "eta": 0.1},
        "weighted",
    ),
    # Only the first product touches a sparse X; the kernels see dense z.
    "adam-relu-sparse": (FFNNClassifier, {}, "sparse"),
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(KERNEL_CASES))
def test_training_with_the_kernels_matches_the_numpy_path(monkeypatch, case, dtype):
    from skffnn import _kernels

    if not _kernels.AVAILABLE:
        # An optional extra: the test extra installs it, so CI always runs this.
        pytest.skip("the fast extra (numba) is not installed")
    est_class, params, kind = KERNEL_CASES[case]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 5)).astype(dtype)
    y = {
        "sparse": rng.integers(0, 3, 150),
        "multiclass": rng.integers(0, 3, 150),
        "binary": rng.integers(0, 2, 150),
        "weighted": rng.integers(0, 2, 150),
        "regression": X[:, 0] - X[:, 1] ** 2,
    }[kind]
    weights = rng.uniform(0, 2, 150) if kind == "weighted" else None
    if kind == "sparse":
        X[np.abs(X) < 1] = 0
        X = sp.csr_matrix(X)
    params = {
        "hidden_layer_sizes": (16, 8),
        "epochs": 3,
        "batch_size": 32,
        "random_state": 0,
        "dropout": 0.2 if "dropout" in case else 0.0,
        **params,
    }
    fits = {}
    for fast in (False, True):
        monkeypatch.setattr(_kernels, "worth_compiling", lambda *a, fast=fast: fast)
        fits[fast] = est_class(**params).fit(X, y, sample_weight=weights)
    assert _kernels._compiled_for(np.dtype(dtype))  # the kernels did run
    rtol = 1e-5 if dtype == "float32" else 1e-12
    for slow, fused in zip(fits[False].coefs_, fits[True].coefs_, strict=True):
        np.testing.assert_allclose(fused, slow, rtol=rtol, atol=rtol)
    for key, values in fits[False].history_.items():
        np.testing.assert_allclose(fits[True].history_[key], values, rtol=rtol)
