"""The learning-rate schedules against their formulas, and as parameters."""

import copy
import math
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import ParameterGrid

from skffnn import schedules

etas = st.floats(1e-6, 10.0)
times = st.integers(0, 500)
totals = st.integers(1, 500)


@given(eta=etas, t=times, epochs=totals)
def test_constant_is_eta(eta, t, epochs):
    assert schedules.Constant().rate(eta, t, epochs) == eta


@given(eta=etas, t=times, epochs=totals, power_t=st.floats(0.0, 3.0))
def test_invscaling_formula(eta, t, epochs, power_t):
    rate = schedules.InvScaling(power_t=power_t).rate(eta, t, epochs)
    assert rate == pytest.approx(eta / (t + 1) ** power_t, rel=1e-12)


def test_invscaling_defaults_to_the_mlp_power():
    schedule = schedules.resolve("invscaling")
    assert schedule.power_t == 0.5
    assert schedule.rate(1.0, 3, 10) == pytest.approx(0.5)


@given(
    eta=etas,
    t=times,
    epochs=totals,
    gamma=st.floats(0.01, 1.0),
    step_size=st.integers(1, 50),
)
def test_step_formula(eta, t, epochs, gamma, step_size):
    rate = schedules.Step(gamma=gamma, step_size=step_size).rate(eta, t, epochs)
    assert rate == pytest.approx(eta * gamma ** (t // step_size), rel=1e-12)


def test_step_holds_then_drops():
    schedule = schedules.Step(gamma=0.1, step_size=3)
    rates = [schedule.rate(1.0, t, 100) for t in range(7)]
    np.testing.assert_allclose(rates, [1, 1, 1, 0.1, 0.1, 0.1, 0.01])


@given(eta=etas, t=times, epochs=totals, eta_min=st.floats(0.0, 1e-3))
def test_cosine_formula(eta, t, epochs, eta_min):
    rate = schedules.Cosine(eta_min=eta_min).rate(eta, t, epochs)
    expected = eta_min + (eta - eta_min) * (1 + math.cos(math.pi * t / epochs)) / 2
    assert rate == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_cosine_goes_from_eta_to_eta_min():
    schedule = schedules.Cosine(eta_min=0.01)
    assert schedule.rate(1.0, 0, 10) == pytest.approx(1.0)
    assert schedule.rate(1.0, 5, 10) == pytest.approx(0.505)
    assert schedule.rate(1.0, 10, 10) == pytest.approx(0.01)
    rates = [schedule.rate(1.0, t, 10) for t in range(11)]
    assert np.all(np.diff(rates) < 0)


def _feed(schedule, values, eta=1.0):
    """Rates of successive epochs, each followed by its monitored value."""
    rates = []
    for t, value in enumerate(values):
        rates.append(schedule.rate(eta, t, len(values)))
        schedule.update(value)
    return rates


def test_plateau_reduces_after_patience_epochs_without_improvement():
    schedule = schedules.Plateau(factor=0.5, patience=2, tol=1e-3)
    # Improves for 3 epochs, then stalls: the 2nd stalled epoch reduces.
    rates = _feed(schedule, [3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5])
    assert rates == [1, 1, 1, 1, 1, 0.5, 0.5, 0.25]
    assert schedule.n_reductions == 2
    assert schedule.best == 0.5


def test_plateau_needs_an_improvement_of_tol():
    schedule = schedules.Plateau(factor=0.5, patience=2, tol=0.1)
    # Each epoch is lower, but by less than tol: a plateau all the same.
    _feed(schedule, [1.0, 0.95, 0.9, 0.85, 0.8])
    assert schedule.n_reductions == 2
    assert schedule.best == 0.8


def test_plateau_counts_nan_as_no_improvement():
    schedule = schedules.Plateau(factor=0.5, patience=1)
    _feed(schedule, [1.0, float("nan")])
    assert schedule.n_reductions == 1
    assert schedule.best == 1.0


def test_plateau_stops_at_eta_min_and_never_raises_the_rate():
    schedule = schedules.Plateau(factor=0.1, patience=1, eta_min=0.05)
    rates = _feed(schedule, [1.0] * 5)
    assert rates == pytest.approx([1.0, 1.0, 0.1, 0.05, 0.05])
    # A base rate already below eta_min is kept, not raised.
    assert schedule.rate(0.01, 5, 5) == 0.01


def test_plateau_with_a_score_negated():
    # A score that keeps rising is an improvement once negated.
    schedule = schedules.Plateau(patience=1)
    _feed(schedule, [-score for score in [0.5, 0.6, 0.7, 0.8]])
    assert schedule.n_reductions == 0


def test_resolve_names_give_fresh_defaults():
    for name, cls in schedules.SCHEDULES.items():
        first, second = schedules.resolve(name), schedules.resolve(name)
        assert type(first) is cls
        assert first == cls() and first is not second


def test_resolve_copies_and_resets_an_instance():
    given_schedule = schedules.Plateau(patience=1)
    _feed(given_schedule, [1.0, 1.0])
    assert given_schedule.n_reductions == 1
    resolved = schedules.resolve(given_schedule)
    assert resolved is not given_schedule
    assert resolved == given_schedule
    assert resolved.n_reductions == 0
    assert given_schedule.n_reductions == 1  # the user's object is untouched


def test_copies_are_independent():
    schedule = schedules.resolve("plateau")
    schedule.update(1.0)
    for copied in [copy.deepcopy(schedule), pickle.loads(pickle.dumps(schedule))]:
        assert copied.__dict__ == schedule.__dict__
        copied.update(2.0)
        copied.update(3.0)
        assert copied.count == 2
        assert schedule.count == 0


@pytest.mark.parametrize(
    "value",
    [
        "linear",
        "Constant",
        None,
        0.1,
        schedules.Step,  # the class, not an instance
        lambda eta, t, epochs: eta,
    ],
)
def test_resolve_refuses_anything_else(value):
    with pytest.raises(ValueError, match="eta_schedule must be one of"):
        schedules.resolve(value)


@pytest.mark.parametrize(
    "schedule, name",
    [
        (schedules.InvScaling(power_t=-0.5), "power_t"),
        (schedules.InvScaling(power_t=float("nan")), "power_t"),
        (schedules.Step(gamma=0.0), "gamma"),
        (schedules.Step(gamma=1.5), "gamma"),
        (schedules.Step(step_size=0), "step_size"),
        (schedules.Step(step_size=2.0), "step_size"),
        (schedules.Step(step_size=True), "step_size"),
        (schedules.Cosine(eta_min=-1.0), "eta_min"),
        (schedules.Cosine(eta_min="0"), "eta_min"),
        (schedules.Plateau(factor=1.0), "factor"),
        (schedules.Plateau(factor=0.0), "factor"),
        (schedules.Plateau(patience=0), "patience"),
        (schedules.Plateau(tol=-1e-4), "tol"),
        (schedules.Plateau(eta_min=float("inf")), "eta_min"),
    ],
)
def test_bad_parameters_name_eta_schedule_and_the_parameter(schedule, name):
    with pytest.raises(ValueError, match=rf"eta_schedule=.*\.{name} must be"):
        schedules.resolve(schedule)


def test_parameters_are_stored_unchanged():
    schedule = schedules.Step(gamma=2, step_size=-1)  # checked later, by resolve
    assert schedule.get_params() == {"gamma": 2, "step_size": -1}


def test_repr_equality_and_hash():
    step = schedules.Step(gamma=0.1, step_size=5)
    assert repr(step) == "Step(gamma=0.1, step_size=5)"
    assert repr(schedules.Constant()) == "Constant()"
    assert step == schedules.Step(gamma=0.1, step_size=5)
    assert step != schedules.Step(gamma=0.2, step_size=5)
    assert step != schedules.Cosine()
    assert step != "step"
    assert hash(step) == hash(schedules.Step(gamma=0.1, step_size=5))
    # State is not a parameter: a plateau that has reduced equals a fresh one.
    plateau = schedules.Plateau(patience=1)
    _feed(plateau, [1.0, 1.0])
    assert plateau == schedules.Plateau(patience=1)


def test_set_params_and_unknown_names():
    step = schedules.Step().set_params(gamma=0.25)
    assert step.gamma == 0.25
    with pytest.raises(ValueError, match="Invalid parameter 'gama'"):
        step.set_params(gama=0.1)


def test_a_user_subclass_is_a_schedule():
    class Halving(schedules.Schedule):
        def __init__(self, *, every=2):
            self.every = every

        def rate(self, eta, t, epochs):
            return eta / 2 ** (t // self.every)

    schedule = schedules.resolve(Halving(every=3))
    assert schedule.get_params() == {"every": 3}
    assert schedule.rate(1.0, 6, 10) == 0.25
    assert repr(schedule) == "Halving(every=3)"


class _Toy(BaseEstimator):
    """Stands for an estimator with an ``eta_schedule`` parameter."""

    def __init__(self, eta_schedule="constant"):
        self.eta_schedule = eta_schedule


def test_clone_and_grid_search_parameters():
    # clone() copies a parameter object that has get_params the way it copies an
    # estimator: a new object with equal parameters, and its sanity check
    # passes when the estimator stores the parameter unchanged.
    estimator = _Toy(eta_schedule=schedules.Step(gamma=0.1))
    cloned = clone(estimator)
    assert cloned.eta_schedule == estimator.eta_schedule
    assert cloned.eta_schedule is not estimator.eta_schedule
    assert estimator.get_params(deep=True)["eta_schedule__gamma"] == 0.1
    assert "Step(gamma=0.1" in repr(estimator)
    # A grid over nested parameters changes each candidate's clone only.
    for candidate in ParameterGrid({"eta_schedule__gamma": [0.2, 0.5]}):
        changed = clone(estimator).set_params(**candidate)
        assert changed.eta_schedule.gamma == candidate["eta_schedule__gamma"]
    assert estimator.eta_schedule.gamma == 0.1
    # A grid over schedule objects and names.
    grid = ParameterGrid({"eta_schedule": ["cosine", schedules.Step(gamma=0.5)]})
    resolved = [schedules.resolve(c["eta_schedule"]) for c in grid]
    assert resolved == [schedules.Cosine(), schedules.Step(gamma=0.5)]


def test_skops_round_trip_trusts_only_skffnn_types():
    sio = pytest.importorskip("skops.io")
    schedule = schedules.resolve(schedules.Plateau(patience=2))
    _feed(schedule, [1.0, 2.0])
    data = sio.dumps(schedule)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == ["skffnn.schedules.Plateau"]
    loaded = sio.loads(data, trusted=untrusted)
    assert loaded.__dict__ == schedule.__dict__
