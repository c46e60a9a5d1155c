"""Learning-rate schedules: how ``eta`` changes from one epoch to the next.

A schedule is separate from the update rule (:mod:`skffnn.schedulers`): it
decides the rate of each epoch, and the rule uses that rate for every step of
the epoch. The training loop asks for the rate before an epoch with
:meth:`Schedule.rate` and reports the monitored quantity after it with
:meth:`Schedule.update` (only :class:`Plateau` listens).

Schedules are small objects whose ``__init__`` stores its keyword arguments
unchanged, with ``get_params`` / ``set_params``, a readable ``repr`` and
equality by type and parameters, so that one can be the value of an
estimator's ``eta_schedule`` parameter, be cloned by scikit-learn and be
searched by ``GridSearchCV`` (``eta_schedule=[Step(gamma=0.5), Cosine()]`` or
``eta_schedule__gamma=[0.1, 0.5]``). An estimator never trains with the object
it was given: :func:`resolve` checks it and returns a fresh copy, whose state
(a plateau's reductions) belongs to the fitted estimator.

In every formula ``t`` is the epoch, counted from 0 over the estimator's
whole training (see :func:`resolve` for how it continues across ``partial_fit``
calls and warm starts), and ``T`` is the ``epochs`` parameter.
"""

from __future__ import annotations

import copy
import inspect
import math
from numbers import Integral, Real
from typing import Any

__all__ = [
    "SCHEDULES",
    "Constant",
    "Cosine",
    "InvScaling",
    "Plateau",
    "Schedule",
    "Step",
    "resolve",
]


class Schedule:
    """Base class of the learning-rate schedules.

    Subclass it and override :meth:`rate` (and :meth:`update` / :meth:`reset`
    when the schedule keeps state) to use a schedule of your own as an
    estimator's ``eta_schedule``. A subclass's ``__init__`` takes keyword
    arguments and stores each one unchanged under its own name, as
    scikit-learn's estimators do.
    """

    def rate(self, eta: float, t: int, epochs: int) -> float:
        """Return the learning rate of epoch `t`.

        Parameters
        ----------
        eta : float
            The base rate: the estimator's ``eta``, or a ``Scheduler``
            instance's own ``eta``.
        t : int
            The epoch, from 0.
        epochs : int
            ``T`` of the formulas: the planned number of epochs (the
            estimator's ``epochs``).

        Returns
        -------
        eta_t : float
            The rate to use throughout epoch `t`.
        """
        raise NotImplementedError("Schedule subclasses define rate")

    def update(self, monitored: float) -> None:
        """Take note of the quantity monitored at the end of an epoch.

        Parameters
        ----------
        monitored : float
            The monitored loss, or a score negated: lower is better.
        """

    def reset(self) -> None:
        """Forget the state, as before the first epoch."""

    def check(self) -> None:
        """Raise a ValueError if a parameter is out of range.

        Called by :func:`resolve`, at fit time, rather than by ``__init__``, so
        that construction stores the parameters unchanged.
        """

    # ----- scikit-learn's parameter protocol -----------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            name
            for name, parameter in signature.parameters.items()
            if name != "self"
            and parameter.kind
            in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the parameters given to ``__init__``.

        Parameters
        ----------
        deep : bool, default=True
            Ignored: a schedule holds no nested objects.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Schedule:
        """Set parameters, as ``GridSearchCV`` does with ``eta_schedule__name``.

        Parameters
        ----------
        **params : dict
            Parameter names mapped to new values.

        Returns
        -------
        self : Schedule
        """
        names = self._param_names()
        for name, value in params.items():
            if name not in names:
                raise ValueError(
                    f"Invalid parameter {name!r} for schedule {type(self).__name__}; "
                    f"valid parameters are {names}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        """Show the class and its parameters."""
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    def __eq__(self, other: object) -> bool:
        """Equal when of the same type with equal parameters (state ignored)."""
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Schedule)
        return self.get_params() == other.get_params()

    def __hash__(self) -> int:
        """Hash the type and the parameters, as equality compares them."""
        return hash((type(self), tuple(self.get_params().items())))


def _check_real(
    schedule: Schedule, name: str, low: float, high: float, *, open_low: bool
) -> None:
    value = getattr(schedule, name)
    ok = isinstance(value, Real) and not isinstance(value, bool)
    if ok and high == math.inf:
        ok = math.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and value <= high
    if not ok:  # also refuses NaN
        left = "(" if open_low else "["
        accepts = (
            f"a finite real number >= {low}"
            if high == math.inf
            else f"a real number in {left}{low}, {high}]"
        )
        raise ValueError(
            f"{type(schedule).__name__}.{name} must be {accepts}; got {value!r}."
        )


def _check_int(schedule: Schedule, name: str, low: int) -> None:
    value = getattr(schedule, name)
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise ValueError(
            f"{type(schedule).__name__}.{name} must be an integer >= {low}; "
            f"got {value!r}."
        )


class Constant(Schedule):
    """The same rate in every epoch.

    Notes
    -----
    ``eta_t = eta``.
    """

    def rate(self, eta: float, t: int, epochs: int) -> float:
        """Return `eta`."""
        return float(eta)


class InvScaling(Schedule):
    """Inverse scaling, as in scikit-learn's ``MLPClassifier``.

    Parameters
    ----------
    power_t : float, default=0.5
        Exponent of the decay, >= 0 (0 gives the constant rate).

    Notes
    -----
    ``eta_t = eta / (t + 1) ** power_t``.
    """

    def __init__(self, *, power_t: float = 0.5) -> None:
        self.power_t = power_t

    def check(self) -> None:
        """Refuse a negative or non-finite exponent."""
        _check_real(self, "power_t", 0.0, math.inf, open_low=False)

    def rate(self, eta: float, t: int, epochs: int) -> float:
        """Return ``eta / (t + 1) ** power_t``."""
        return float(eta / (t + 1) ** self.power_t)


class Step(Schedule):
    """Step decay: the rate is multiplied by `gamma` every `step_size` epochs.

    Parameters
    ----------
    gamma : float, default=0.5
        Factor of each decay, in (0, 1].
    step_size : int, default=10
        Epochs between decays, >= 1.

    Notes
    -----
    ``eta_t = eta * gamma ** (t // step_size)``.
    """

    def __init__(self, *, gamma: float = 0.5, step_size: int = 10) -> None:
        self.gamma = gamma
        self.step_size = step_size

    def check(self) -> None:
        """Refuse a factor outside (0, 1] or a step below one epoch."""
        _check_real(self, "gamma", 0.0, 1.0, open_low=True)
        _check_int(self, "step_size", 1)

    def rate(self, eta: float, t: int, epochs: int) -> float:
        """Return ``eta * gamma ** (t // step_size)``."""
        return float(eta * self.gamma ** (t // self.step_size))


class Cosine(Schedule):
    """Cosine annealing from `eta` down towards `eta_min` over `T` epochs.

    Parameters
    ----------
    eta_min : float, default=0.0
        The rate that epoch ``t = T`` would use, >= 0.

    Notes
    -----
    ``eta_t = eta_min + (eta - eta_min) * (1 + cos(pi * t / T)) / 2``.

    Epochs ``0 .. T - 1`` go from `eta` to just above `eta_min`. Beyond ``T``
    (``partial_fit`` or warm starts that train longer than ``epochs``) the
    formula is kept as it is: the rate rises back towards `eta` with period
    ``2 T``, as PyTorch's ``CosineAnnealingLR`` does, rather than freezing at
    `eta_min` (which, at its default of 0, would stop learning).
    """

    def __init__(self, *, eta_min: float = 0.0) -> None:
        self.eta_min = eta_min

    def check(self) -> None:
        """Refuse a negative or non-finite floor."""
        _check_real(self, "eta_min", 0.0, math.inf, open_low=False)

    def rate(self, eta: float, t: int, epochs: int) -> float:
        """Return ``eta_min + (eta - eta_min) * (1 + cos(pi * t / T)) / 2``."""
        return float(
            self.eta_min
            + (eta - self.eta_min) * (1 + math.cos(math.pi * t / epochs)) / 2
        )


class Plateau(Schedule):
    """Reduce the rate when the monitored quantity stops improving.

    Parameters
    ----------
    factor : float, default=0.1
        Multiplies the rate at each reduction, in (0, 1).
    patience : int, default=5
        Epochs without an improvement of at least `tol` before a reduction,
        >= 1. Keep it below the estimator's ``n_iter_no_change`` so that the
        rate drops before training stops.
    tol : float, default=1e-4
        Smallest decrease that counts as an improvement, >= 0.
    eta_min : float, default=0.0
        The rate is never reduced below this, >= 0 (nor raised to it when
        `eta` is already lower).

    Attributes
    ----------
    n_reductions : int
        Reductions made so far.
    best : float
        Lowest monitored value so far.
    count : int
        Epochs since the last improvement or reduction.

    Notes
    -----
    ``eta_t = max(eta * factor ** n_reductions, min(eta, eta_min))``.

    After each epoch, :meth:`update` receives the monitored value ``m`` (lower
    is better: a loss, or a score negated). An epoch with ``m > best - tol``
    (or ``m`` not a number) adds one to `count`; another resets it; ``best``
    follows the lowest ``m`` seen, as the estimators' own ``tol`` /
    ``n_iter_no_change`` patience does. When `count` reaches `patience`, the
    rate is reduced and `count` starts again from 0.

    This patience and the estimator's early-stopping patience count
    independently on the same monitored quantity, as Keras'
    ``ReduceLROnPlateau`` and ``EarlyStopping`` do: with the defaults
    (``patience=5``, ``n_iter_no_change=10``) a plateau first lowers the rate
    twice, and training stops only if it still does not improve.
    """

    n_reductions: int
    best: float
    count: int

    def __init__(
        self,
        *,
        factor: float = 0.1,
        patience: int = 5,
        tol: float = 1e-4,
        eta_min: float = 0.0,
    ) -> None:
        self.factor = factor
        self.patience = patience
        self.tol = tol
        self.eta_min = eta_min
        self.reset()

    def check(self) -> None:
        """Refuse a factor outside (0, 1) and negative tolerances or floors."""
        _check_real(self, "factor", 0.0, 1.0, open_low=True)
        if self.factor == 1:
            raise ValueError(
                "Plateau.factor must be below 1: a factor of 1 never reduces the "
                "rate; use the constant schedule instead."
            )
        _check_int(self, "patience", 1)
        _check_real(self, "tol", 0.0, math.inf, open_low=False)
        _check_real(self, "eta_min", 0.0, math.inf, open_low=False)

    def reset(self) -> None:
        """Forget the reductions and the best value seen."""
        self.n_reductions = 0
        self.best = math.inf
        self.count = 0

    def rate(self, eta: float, t: int, epochs: int) -> float:
        """Return ``max(eta * factor ** n_reductions, min(eta, eta_min))``."""
        return float(max(eta * self.factor**self.n_reductions, min(eta, self.eta_min)))

    def update(self, monitored: float) -> None:
        """Count an epoch without improvement; reduce after `patience` of them."""
        # Written so that NaN counts as no improvement.
        improved = monitored <= self.best - self.tol
        self.count = 0 if improved else self.count + 1
        if monitored < self.best:
            self.best = float(monitored)
        if self.count >= self.patience:
            self.n_reductions += 1
            self.count = 0


SCHEDULES: dict[str, type[Schedule]] = {
    "constant": Constant,
    "invscaling": InvScaling,
    "step": Step,
    "cosine": Cosine,
    "plateau": Plateau,
}
"""The built-in schedules by the name ``eta_schedule`` accepts."""


def resolve(value: Any) -> Schedule:
    """Return a fresh, checked schedule for the ``eta_schedule`` parameter.

    Parameters
    ----------
    value : str or Schedule
        A name of :data:`SCHEDULES` (with that schedule's defaults) or a
        :class:`Schedule` instance, which is deep-copied and reset, never
        changed.

    Returns
    -------
    schedule : Schedule
        A new object, owned by the caller, in its initial state.

    Raises
    ------
    ValueError
        Naming ``eta_schedule``, for anything else or a parameter out of range.

    Notes
    -----
    The estimator keeps the resolved schedule with its fitted state and asks
    it for epoch ``t = n_iter_`` (the epochs already trained, over every fit
    and ``partial_fit`` call since the network was built), with ``T`` its
    ``epochs``. So ``partial_fit`` calls and ``warm_start`` fits continue the
    schedule where it stopped, and a plateau's reductions carry over; a new
    network, or a changed ``eta_schedule`` (compared with ``==``), starts a
    fresh one from ``t = n_iter_``.
    """
    if isinstance(value, str) and value in SCHEDULES:
        schedule: Schedule = SCHEDULES[value]()
    elif isinstance(value, Schedule):
        schedule = copy.deepcopy(value)
        schedule.reset()
    else:
        names = ", ".join(f'"{name}"' for name in SCHEDULES)
        raise ValueError(
            f"eta_schedule must be one of {names} or a "
            f"skffnn.schedules.Schedule instance; got {value!r}."
        )
    try:
        schedule.check()
    except ValueError as error:
        raise ValueError(f"eta_schedule={value!r}: {error}") from None
    return schedule
