"""`eta_schedule` in the estimators: the rate of each epoch, recorded and used."""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from skffnn import FFNNClassifier, FFNNRegressor
from skffnn.schedulers import Adam, Constant, Scheduler
from skffnn.schedules import Cosine, InvScaling, Plateau, Step

pytestmark = pytest.mark.filterwarnings(
    "ignore:Stopped after the maximum:sklearn.exceptions.ConvergenceWarning"
)

EPOCHS = 12
# Patience off (tol=0 and long patience): every run goes the whole way.
PARAMS = {"hidden_layer_sizes": (6,), "epochs": EPOCHS, "random_state": 0}
PARAMS |= {"tol": 0.0, "n_iter_no_change": 1000, "eta": 0.02}


def _formulas(eta, t, T):  # noqa: N803 (the issue's notation)
    return {
        "constant": eta,
        "invscaling": eta / (t + 1) ** 0.5,
        "step": eta * 0.5 ** (t // 10),
        "cosine": 0.5 * eta * (1 + math.cos(math.pi * t / T)),
    }


@pytest.mark.parametrize("name", ["constant", "invscaling", "step", "cosine"])
def test_each_schedule_records_its_formula(regression_data, name):
    X, y = regression_data
    est = FFNNRegressor(**PARAMS, eta_schedule=name).fit(X, y)
    expected = [_formulas(0.02, t, EPOCHS)[name] for t in range(EPOCHS)]
    np.testing.assert_allclose(est.history_["eta"], expected, rtol=1e-14)


def test_the_rate_is_the_one_the_update_rule_used(regression_data):
    # Plain gradient descent with a schedule equals, epoch by epoch, plain
    # gradient descent at that epoch's rate.
    X, y = regression_data
    params = {**PARAMS, "scheduler": "constant", "shuffle": False, "epochs": 3}
    scheduled = FFNNRegressor(**params, eta_schedule=Step(gamma=0.1, step_size=1))
    scheduled.fit(X, y)
    by_hand = FFNNRegressor(**{**params, "epochs": 1}, warm_start=True)
    for eta in [0.02, 0.002, 0.0002]:
        by_hand.set_params(eta=eta).fit(X, y)
    np.testing.assert_allclose(scheduled.predict(X), by_hand.predict(X), rtol=1e-12)


def test_a_scheduler_instance_has_its_own_rate_scaled(regression_data):
    X, y = regression_data
    est = FFNNRegressor(
        **PARAMS, scheduler=Adam(eta=0.05, rho=0.9, rho2=0.999), eta_schedule="step"
    ).fit(X, y)
    np.testing.assert_allclose(est.history_["eta"][[0, 10]], [0.05, 0.025])


def test_plateau_reduces_the_rate_when_the_loss_stops_improving(regression_data):
    X, y = regression_data
    schedule = Plateau(factor=0.5, patience=2, tol=10.0)  # no epoch improves by 10
    est = FFNNRegressor(**PARAMS, eta_schedule=schedule).fit(X, y)
    eta = est.history_["eta"]
    assert eta[0] == 0.02
    assert np.all(np.diff(eta) <= 0)
    assert eta[-1] < 0.02 * 0.5**2
    assert schedule.get_params()["factor"] == 0.5  # the user's object untouched


def test_schedules_continue_across_partial_fit_and_warm_start(binary_data):
    X, y = binary_data
    streamed = FFNNClassifier(**PARAMS, eta_schedule="invscaling")
    for _ in range(4):
        streamed.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_allclose(
        streamed.history_["eta"], [0.02 / (t + 1) ** 0.5 for t in range(4)]
    )
    warm = FFNNClassifier(**{**PARAMS, "epochs": 3}, eta_schedule="invscaling")
    warm.set_params(warm_start=True).fit(X, y).fit(X, y)
    np.testing.assert_allclose(
        warm.history_["eta"], [0.02 / (t + 1) ** 0.5 for t in range(6)]
    )


def test_a_failed_partial_fit_restores_the_plateau_state(binary_data):
    X, y = binary_data
    est = FFNNClassifier(**PARAMS, eta_schedule=Plateau(patience=1, tol=10.0))
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1])
    kept = est._eta_schedule.get_params(), vars(est._eta_schedule).copy()
    with pytest.raises(ValueError):
        est.partial_fit(X[:, :2], y)
    assert (est._eta_schedule.get_params(), vars(est._eta_schedule)) == kept


def test_lbfgs_takes_only_the_constant_schedule(regression_data):
    X, y = regression_data
    FFNNRegressor(scheduler="lbfgs", epochs=5).fit(X, y)  # "constant": fine
    with pytest.raises(ValueError, match=r"eta_schedule=.cosine.*lbfgs"):
        FFNNRegressor(scheduler="lbfgs", eta_schedule="cosine").fit(X, y)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("linear", "eta_schedule must be one of"),
        (Step(gamma=2.0), "eta_schedule=.*gamma"),
        (InvScaling(power_t=-1), "eta_schedule=.*power_t"),
        (3, "eta_schedule must be one of"),
    ],
)
def test_bad_schedules_name_eta_schedule(regression_data, value, message):
    X, y = regression_data
    with pytest.raises(ValueError, match=message):
        FFNNRegressor(eta_schedule=value).fit(X, y)


def test_a_users_scheduler_keeps_its_own_rate_under_the_constant_schedule(
    regression_data,
):
    class Halving(Scheduler):
        def update_change(self, gradient):
            self.eta *= 0.5
            return self.eta * gradient

        def reset(self):
            pass

    X, y = regression_data
    est = FFNNRegressor(**{**PARAMS, "epochs": 2}, scheduler=Halving(1.0))
    est.set_params(batch_size=len(X)).fit(X, y)  # one step an epoch
    np.testing.assert_allclose(est.history_["eta"], [1.0, 0.5])


def test_grid_search_over_schedules(binary_data):
    X, y = binary_data
    search = GridSearchCV(
        FFNNClassifier(**PARAMS),
        {"eta_schedule": ["constant", Cosine(), Step(gamma=0.1, step_size=3)]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 3
    assert search.best_estimator_.history_["eta"].shape == (EPOCHS,)


def test_constant_scheduler_of_the_user_is_scaled(regression_data):
    X, y = regression_data
    est = FFNNRegressor(**PARAMS, scheduler=Constant(0.01), eta_schedule="cosine")
    est.fit(X, y)
    assert est.history_["eta"][0] == 0.01
    assert est.history_["eta"][-1] < 0.001
