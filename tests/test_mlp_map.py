"""The README's map for MLPClassifier / MLPRegressor users, checked.

Each claim that public attributes can show: the penalty relation between
``alpha`` and ``lam``, the halved squared error of the MLP regressor, what
``t_`` counts, and ``partial_fit``'s one epoch per call.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skffnn import FFNNClassifier, FFNNRegressor
from skffnn.schedulers import Constant


def _loss_at_the_mlps_weights(est, mlp, X, y):
    """Return skffnn's full training loss (L2 term included) at the MLP's weights.

    Through public API only: the weights are copied into ``coefs_`` /
    ``intercepts_`` (views of the network's parameters), and one epoch with a
    vanishing learning rate scores the training data as a validation set.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        pairs = zip(
            est.coefs_ + est.intercepts_, mlp.coefs_ + mlp.intercepts_, strict=True
        )
        for ours, theirs in pairs:
            ours[...] = theirs
        est.set_params(warm_start=True, scheduler=Constant(1e-300), epochs=1)
        est.fit(X, y, X_val=X, y_val=y)
    return est.history_["val_loss"][-1]


def _mlp(mlp_class, alpha, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mlp_class(
            hidden_layer_sizes=(7,),
            solver="lbfgs",
            alpha=alpha,
            max_iter=20,
            random_state=0,
        ).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_lam_is_alpha_over_the_weight_sum(n_classes):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = rng.integers(0, n_classes, 60)
    alpha = 0.3
    mlp = _mlp(MLPClassifier, alpha, X, y)
    est = FFNNClassifier(hidden_layer_sizes=(7,), lam=alpha / len(X), epochs=1)
    # MLP's loss_ after L-BFGS is its full-batch loss at its final weights.
    np.testing.assert_allclose(
        _loss_at_the_mlps_weights(est, mlp, X, y), mlp.loss_, rtol=1e-9
    )


def test_regressor_lam_is_twice_alpha_over_the_weight_sum_for_the_halved_error():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    y = X[:, 0] - X[:, 1] ** 2
    alpha = 0.2
    mlp = _mlp(MLPRegressor, alpha, X, y)
    est = FFNNRegressor(hidden_layer_sizes=(7,), lam=2 * alpha / len(X), epochs=1)
    # MLPRegressor minimizes half the mean squared error: twice its loss is ours.
    np.testing.assert_allclose(
        _loss_at_the_mlps_weights(est, mlp, X, y), 2 * mlp.loss_, rtol=1e-9
    )


def test_t_counts_optimizer_steps_where_the_mlp_counts_samples():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(130, 3)), rng.integers(0, 2, 130)
    params = {"hidden_layer_sizes": (5,), "batch_size": 50, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = FFNNClassifier(epochs=4, **params).fit(X, y)
        theirs = MLPClassifier(max_iter=4, **params).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 4
    assert ours.t_ == 4 * 3  # ceil(130 / 50) steps an epoch
    assert theirs.t_ == 4 * 130


def test_partial_fit_is_one_epoch_per_call_as_for_the_mlp():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(90, 3)), rng.integers(0, 3, 90)
    ours = FFNNClassifier(batch_size=30, random_state=0)
    theirs = MLPClassifier(batch_size=30, random_state=0)
    for _ in range(3):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        theirs.partial_fit(X, y, classes=[0, 1, 2])
    # Both made three passes over the 90 samples; our n_iter_ counts them,
    # the MLP's counts only the last call's.
    assert theirs.t_ == 3 * 90
    assert ours.n_iter_ == 3
    assert theirs.n_iter_ == 1
    assert ours.t_ == 3 * 3
