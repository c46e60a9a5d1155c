"""Check each hyperparameter and turn names into objects.

Every bad value raises a ``ValueError`` that names the parameter, shows the value
and says what it accepts. The checked values come back as small frozen
settings objects (:class:`Settings`), which the estimator hands down to the
network and the training loop. Only the concept modules are imported here.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from skffnn import _initialization, activations, costs, schedulers, schedules

SCHEDULERS = (
    "constant",
    "momentum",
    "adagrad",
    "adagrad_momentum",
    "rmsprop",
    "adam",
    "lbfgs",
)


def _fail(name: str, value: Any, accepts: str) -> ValueError:
    return ValueError(f"{name} must be {accepts}; got {value!r}.")


def check_real(
    name: str,
    value: Any,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return `value` as a float, or raise if it is not a real in the interval."""
    left, right = "(" if low_open else "[", ")" if high_open else "]"
    accepts = f"a real number in {left}{low}, {high}{right}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise _fail(name, value, accepts)
    value = float(value)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):  # also refuses NaN
        raise _fail(name, value, accepts)
    return float(value)


def check_int(name: str, value: Any, *, low: int) -> int:
    """Return `value` as an int, or raise if it is not an integer >= `low`."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise _fail(name, value, f"an integer >= {low}")
    return int(value)


def _bool_as_int(value: Any) -> Any:
    """Return True / False as 1 / 0, as scikit-learn's estimators take them."""
    return int(value) if isinstance(value, bool | np.bool_) else value


def check_bool(name: str, value: Any) -> bool:
    """Return `value` as a bool, or raise if it is not True or False."""
    if not isinstance(value, bool | np.bool_):
        raise _fail(name, value, "True or False")
    return bool(value)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return `value` if it is one of `choices`, else raise."""
    if not isinstance(value, str) or value not in choices:
        raise _fail(name, value, "one of " + ", ".join(map(repr, choices)))
    return value


def check_hidden_layer_sizes(value: Any) -> tuple[int, ...]:
    """Return the hidden widths as a tuple of positive ints."""
    accepts = "a tuple of positive integers, e.g. (100,) or () for no hidden layer"
    if isinstance(value, Integral) and not isinstance(value, bool):
        value = (value,)
    # A set has no order and a dict would be read by its keys: neither says
    # which width comes first.
    if isinstance(value, str | AbstractSet | Mapping):
        raise _fail("hidden_layer_sizes", value, accepts)
    try:
        sizes = tuple(value)
    except TypeError:
        raise _fail("hidden_layer_sizes", value, accepts) from None
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, Integral) or size < 1:
            raise _fail("hidden_layer_sizes", value, accepts)
    return tuple(int(size) for size in sizes)


def _check_one_activation(name: str, value: Any, choices: tuple[str, ...]) -> Any:
    if callable(value):
        return value
    return check_choice(name, value, choices)


# z in [-10, 10] in three columns that are never all equal in a row, so that a
# (wrongly) row-wise function such as a layer norm does not divide by zero.
_LINE = np.linspace(-10.0, 10.0, 41)
_PROBE = np.stack([_LINE, -_LINE, 0.5 * _LINE + 1], axis=1)


def probe_custom_activations(activation: Any, output_activation: Any = None) -> None:
    """Refuse custom activations that give NaN for some z in [-10, 10].

    ``sqrt`` or ``log`` would otherwise train a model that predicts NaN. Run
    once, when a network is built: later calls cannot change the answer, and
    a stateful activation should not be called more than training needs.
    """
    if isinstance(activation, list | tuple):
        named = [(f"activation[{i}]", func) for i, func in enumerate(activation)]
    else:
        named = [("activation", activation)]
    named.append(("output_activation", output_activation))
    for name, func in named:
        if callable(func):
            _probe(name, func)


def _probe(name: str, func: Any) -> None:
    # A function that fails on the probe, or returns a wrong shape or a
    # non-float type, is left to its first real call, which reports that.
    with np.errstate(all="ignore"):
        try:
            probed = np.asarray(func(_PROBE))
        except Exception:
            return
    if probed.shape != _PROBE.shape or probed.dtype.kind != "f":
        return
    undefined = _PROBE[np.isnan(probed)]
    if len(undefined):
        label = getattr(func, "__name__", repr(func))
        raise ValueError(
            f"{name}={label} returns NaN for z = {undefined[0]:g}; an activation "
            "must be defined for every real input."
        )


def check_activation(value: Any, n_hidden: int) -> list[Any]:
    """Return one activation (name or callable) per hidden layer."""
    choices = activations.HIDDEN_ACTIVATIONS
    if isinstance(value, list | tuple):
        if len(value) != n_hidden:
            raise ValueError(
                f"activation has {len(value)} entries but hidden_layer_sizes has "
                f"{n_hidden} layers; give one activation per hidden layer."
            )
        return [_check_one_activation("activation", item, choices) for item in value]
    return [_check_one_activation("activation", value, choices)] * n_hidden


def check_class_weight(value: Any) -> Any:
    """Return a valid class_weight: None, "balanced" or {label: weight >= 0}."""
    accepts = "None, 'balanced' or a dict {label: finite weight >= 0}"
    if value is None or (isinstance(value, str) and value == "balanced"):
        return value
    if not isinstance(value, dict):
        raise _fail("class_weight", value, accepts)
    for weight in value.values():
        if isinstance(weight, bool) or not isinstance(weight, Real):
            raise _fail("class_weight", value, accepts)
        if not (0 <= float(weight) < math.inf):
            raise _fail("class_weight", value, accepts)
    return value


def check_output_activation(value: Any) -> Any:
    """Return a valid output activation name or callable."""
    return _check_one_activation(
        "output_activation", value, tuple(activations.ACTIVATIONS)
    )


def check_cost(value: Any) -> Any:
    """Return a valid cost name or callable."""
    if callable(value):
        return value
    return check_choice("cost", value, tuple(costs.COSTS))


def _check_rate(name: str, value: Any) -> float:
    """Check a learning rate (``eta``: positive) or a decay rate (in [0, 1))."""
    if name == "eta":
        return check_real(name, value, low=0, low_open=True, high_open=True)
    return check_real(name, value, low=0, high=1, high_open=True)


BUILTIN_SCHEDULERS = (
    schedulers.Constant,
    schedulers.Momentum,
    schedulers.Adagrad,
    schedulers.AdagradMomentum,
    schedulers.RMSprop,
    schedulers.Adam,
)
"""The update rules skffnn defines (a user's subclass of one is not among them)."""


def _check_builtin_instance(scheduler: schedulers.Scheduler) -> None:
    """Check the rates of a built-in scheduler the user constructed directly.

    ``Adam(0.01, 1.0, 1.0)`` would otherwise divide by zero at its first step.
    A user's own Scheduler subclass is left to define its own rules.
    """
    if not isinstance(scheduler, BUILTIN_SCHEDULERS):
        return
    rates = {"eta", "momentum", "rho", "rho2"}  # a subclass may add settings
    for name, value in scheduler._params().items():
        if name not in rates:
            continue
        try:
            _check_rate(name, value)
        except ValueError as error:
            raise ValueError(f"scheduler={scheduler!r}: {error}") from None


def build_scheduler(params: Mapping[str, Any]) -> schedulers.Scheduler | str:
    """Return a fresh Scheduler for the estimator's parameters, or ``"lbfgs"``.

    A user's Scheduler instance is copied and reset, never changed.
    """
    value = params["scheduler"]
    # Checked even when a Scheduler instance makes them unused: a bad value is
    # a mistake either way.
    eta, momentum, rho, rho2 = (
        _check_rate(name, params[name]) for name in ("eta", "momentum", "rho", "rho2")
    )
    if isinstance(value, schedulers.Scheduler):
        _check_builtin_instance(value)
        scheduler = copy.deepcopy(value)
        scheduler.reset()
        return scheduler
    name = check_choice("scheduler", value, SCHEDULERS)
    if name == "lbfgs":
        return name
    if name == "constant":
        return schedulers.Constant(eta)
    if name == "momentum":
        return schedulers.Momentum(eta, momentum)
    if name == "adagrad":
        return schedulers.Adagrad(eta)
    if name == "adagrad_momentum":
        return schedulers.AdagradMomentum(eta, momentum)
    if name == "rmsprop":
        return schedulers.RMSprop(eta, rho)
    return schedulers.Adam(eta, rho, rho2)


@dataclass(frozen=True)
class NetworkSettings:
    """What defines the network that a fit builds."""

    hidden_layer_sizes: tuple[int, ...]
    activation: tuple[Any, ...]
    batch_norm: bool
    weight_init: str


@dataclass(frozen=True)
class LoopSettings:
    """What the training loop needs beyond the network and the data."""

    epochs: int
    batch_size: int | None  # None: "auto"
    shuffle: bool
    tol: float
    n_iter_no_change: int
    lam: float
    clip_norm: float | None
    early_stopping: bool
    validation_fraction: float
    dropout: float
    verbose: int

    def batch_size_for(self, n_samples: int) -> int:
        """Return the minibatch size for `n_samples` training rows."""
        if self.batch_size is None:
            return min(200, n_samples)
        return min(self.batch_size, n_samples)


@dataclass(frozen=True)
class Settings:
    """Every shared hyperparameter, checked, with the scheduler built."""

    network: NetworkSettings
    loop: LoopSettings
    scheduler: schedulers.Scheduler | str  # a fresh Scheduler, or "lbfgs"
    eta_schedule: schedules.Schedule  # a fresh schedule, in its initial state
    warm_start: bool


def _check_batch_size(value: Any) -> int | None:
    if isinstance(value, str) and value == "auto":
        return None
    return check_int("batch_size", value, low=1)


def _check_network(params: Mapping[str, Any]) -> NetworkSettings:
    hidden = check_hidden_layer_sizes(params["hidden_layer_sizes"])
    return NetworkSettings(
        hidden_layer_sizes=hidden,
        activation=tuple(check_activation(params["activation"], len(hidden))),
        batch_norm=check_bool("batch_norm", params["batch_norm"]),
        weight_init=check_choice(
            "weight_init", params["weight_init"], _initialization.SCHEMES
        ),
    )


def _check_loop(params: Mapping[str, Any]) -> LoopSettings:
    clip_norm = params["clip_norm"]
    if clip_norm is not None:
        clip_norm = check_real("clip_norm", clip_norm, low=0, low_open=True)
    fraction = params["validation_fraction"]
    return LoopSettings(
        epochs=check_int("epochs", params["epochs"], low=1),
        batch_size=_check_batch_size(params["batch_size"]),
        shuffle=check_bool("shuffle", params["shuffle"]),
        tol=check_real("tol", params["tol"], low=0),
        n_iter_no_change=check_int(
            "n_iter_no_change", params["n_iter_no_change"], low=1
        ),
        lam=check_real("lam", params["lam"], low=0, high_open=True),
        clip_norm=clip_norm,
        early_stopping=check_bool("early_stopping", params["early_stopping"]),
        validation_fraction=check_real(
            "validation_fraction",
            fraction,
            low=0,
            high=1,
            low_open=True,
            high_open=True,
        ),
        dropout=check_real("dropout", params["dropout"], low=0, high=1, high_open=True),
        verbose=check_int("verbose", _bool_as_int(params["verbose"]), low=0),
    )


def check_eta_schedule(
    value: Any, scheduler: schedulers.Scheduler | str
) -> schedules.Schedule:
    """Return a fresh schedule for `value`; refuse what the scheduler cannot use.

    L-BFGS sets its own steps, and a user's Scheduler without an ``eta``
    attribute has no rate to scale: both take only the constant schedule.
    """
    schedule = schedules.resolve(value)
    if isinstance(schedule, schedules.Constant):
        return schedule
    if isinstance(scheduler, str):
        raise ValueError(
            f"eta_schedule={value!r} needs a minibatch scheduler; "
            "scheduler='lbfgs' sets its own steps and takes only 'constant'."
        )
    if not isinstance(getattr(scheduler, "eta", None), Real):
        raise ValueError(
            f"eta_schedule={value!r} scales the scheduler's eta, but "
            f"{type(scheduler).__name__} has no numeric eta attribute."
        )
    return schedule


def check_common(params: Mapping[str, Any]) -> Settings:
    """Validate the parameters both estimators share; return them as settings."""
    network = _check_network(params)
    scheduler = build_scheduler(params)
    return Settings(
        network=network,
        loop=_check_loop(params),
        scheduler=scheduler,
        eta_schedule=check_eta_schedule(params["eta_schedule"], scheduler),
        warm_start=check_bool("warm_start", params["warm_start"]),
    )
