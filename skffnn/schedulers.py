"""Learning-rate schedulers: the update rules of gradient descent.

A scheduler turns the gradient ``g = dC/dtheta`` of one minibatch into the change
that is subtracted from the parameters, ``theta <- theta - update_change(g)``.
State (velocities, accumulated squares, moments) is kept per parameter element
and persists across epochs until :meth:`Scheduler.reset`.

The network keeps all parameters in one flat array, so each rule below is a few
vectorised operations on one array per step. The training loop calls
:func:`step_in_place` for the built-in rules, which subtracts the change from the
parameters without handing out a copy of it (Adam then allocates nothing per
step); any other scheduler goes through :meth:`Scheduler.update_change`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "Adagrad",
    "AdagradMomentum",
    "Adam",
    "Constant",
    "Momentum",
    "RMSprop",
    "Scheduler",
]

Array = np.ndarray

EPS = 1e-8
"""Added to denominators so that a zero gradient never divides by zero."""


def _carry(velocity: Array | None, step: Array, momentum: float) -> Array:
    """Return ``momentum * velocity + step``, updating `velocity` in place."""
    if velocity is None:
        return step.copy()
    velocity *= momentum
    velocity += step
    return velocity


class Scheduler:
    """Base class of the update rules.

    Subclass it and override :meth:`update_change` (and :meth:`reset` when the
    rule keeps state) to use a rule of your own as an estimator's `scheduler`.

    Parameters
    ----------
    eta : float
        Learning rate.
    """

    def __init__(self, eta: float) -> None:
        self.eta = eta

    def update_change(self, gradient: Array) -> Array:
        """Return the step to subtract from the parameters.

        Parameters
        ----------
        gradient : ndarray
            dC/dtheta for one minibatch.

        Returns
        -------
        change : ndarray
            Same shape as `gradient`.
        """
        raise NotImplementedError("Scheduler subclasses define update_change")

    def reset(self) -> None:
        """Clear the rule's state, as before the first step."""

    def __repr__(self) -> str:
        """Show the class and its hyperparameters."""
        params = ", ".join(f"{key}={value!r}" for key, value in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self) -> dict[str, float]:
        return {"eta": self.eta}


class Constant(Scheduler):
    """Plain gradient descent with a constant learning rate.

    Notes
    -----
    ``change = eta * g``.
    """

    def update_change(self, gradient: Array) -> Array:
        """Return ``eta * gradient``."""
        return self.eta * gradient


class Momentum(Scheduler):
    """Gradient descent with momentum.

    Parameters
    ----------
    eta : float
        Learning rate.
    momentum : float
        Fraction of the previous change carried into this one, in [0, 1).

    Notes
    -----
    ``v <- momentum * v + eta * g``; ``change = v``.
    """

    change: Array | None

    def __init__(self, eta: float, momentum: float) -> None:
        super().__init__(eta)
        self.momentum = momentum
        self.reset()

    def update_change(self, gradient: Array) -> Array:
        """Return the new velocity ``momentum * v + eta * gradient``."""
        self.change = _carry(self.change, self.eta * gradient, self.momentum)
        return self.change.copy()  # the velocity is state: never hand it out

    def _subtract(self, theta: Array, gradient: Array) -> None:
        # Reading the velocity in place needs no copy of it.
        self.change = _carry(self.change, self.eta * gradient, self.momentum)
        theta -= self.change

    def reset(self) -> None:
        """Forget the velocity."""
        self.change = None

    def _params(self) -> dict[str, float]:
        return {"eta": self.eta, "momentum": self.momentum}


class Adagrad(Scheduler):
    """Adagrad: a per-element learning rate shrinking with the summed squares.

    Notes
    -----
    ``G <- G + g * g`` (elementwise, not the seed's outer product);
    ``change = eta * g / (sqrt(G) + eps)``.
    """

    G: Array | None

    def __init__(self, eta: float) -> None:
        super().__init__(eta)
        self.reset()

    def _scaled(self, gradient: Array) -> Array:
        if self.G is None:
            self.G = np.zeros_like(gradient)
        self.G += gradient * gradient
        return self.eta * gradient / (np.sqrt(self.G) + EPS)

    def update_change(self, gradient: Array) -> Array:
        """Return ``eta * g / (sqrt(G) + eps)`` after accumulating ``g * g``."""
        return self._scaled(gradient)

    def reset(self) -> None:
        """Forget the accumulated squares."""
        self.G = None


class AdagradMomentum(Adagrad):
    """Adagrad with momentum on the scaled step.

    Parameters
    ----------
    eta : float
        Learning rate.
    momentum : float
        Fraction of the previous change carried into this one, in [0, 1).

    Notes
    -----
    ``G <- G + g * g``; ``v <- momentum * v + eta * g / (sqrt(G) + eps)``;
    ``change = v``.
    """

    change: Array | None

    def __init__(self, eta: float, momentum: float) -> None:
        self.momentum = momentum
        super().__init__(eta)

    def update_change(self, gradient: Array) -> Array:
        """Return the new velocity built from Adagrad's scaled step."""
        self.change = _carry(self.change, self._scaled(gradient), self.momentum)
        return self.change.copy()  # the velocity is state: never hand it out

    def _subtract(self, theta: Array, gradient: Array) -> None:
        self.change = _carry(self.change, self._scaled(gradient), self.momentum)
        theta -= self.change

    def reset(self) -> None:
        """Forget the accumulated squares and the velocity."""
        super().reset()
        self.change = None

    def _params(self) -> dict[str, float]:
        return {"eta": self.eta, "momentum": self.momentum}


class RMSprop(Scheduler):
    """RMSprop: Adagrad with an exponentially decaying average of squares.

    Parameters
    ----------
    eta : float
        Learning rate.
    rho : float
        Decay rate of the average of squared gradients, in [0, 1).

    Notes
    -----
    ``s <- rho * s + (1 - rho) * g * g``; ``change = eta * g / (sqrt(s) + eps)``.
    """

    second: Array | None

    def __init__(self, eta: float, rho: float) -> None:
        super().__init__(eta)
        self.rho = rho
        self.reset()

    def update_change(self, gradient: Array) -> Array:
        """Return ``eta * g / (sqrt(s) + eps)`` after updating ``s``."""
        if self.second is None:
            self.second = np.zeros_like(gradient)
        self.second *= self.rho
        self.second += (1 - self.rho) * gradient * gradient
        return self.eta * gradient / (np.sqrt(self.second) + EPS)

    def reset(self) -> None:
        """Forget the average of squares."""
        self.second = None

    def _params(self) -> dict[str, float]:
        return {"eta": self.eta, "rho": self.rho}


class Adam(Scheduler):
    """Adam: momentum on the gradient and RMSprop scaling, bias-corrected.

    Parameters
    ----------
    eta : float
        Learning rate.
    rho : float
        Decay rate of the first moment, in [0, 1).
    rho2 : float
        Decay rate of the second moment, in [0, 1).

    Notes
    -----
    With ``t`` the number of steps taken so far (including this one),
    ``m <- rho m + (1 - rho) g``, ``s <- rho2 s + (1 - rho2) g^2``, and
    ``change = eta * m_hat / (sqrt(s_hat) + eps)`` where
    ``m_hat = m / (1 - rho^t)`` and ``s_hat = s / (1 - rho2^t)``.
    Moments and ``t`` persist across epochs (the seed reset them every epoch).
    """

    moment: Array | None
    second: Array | None
    _step: Array | None
    t: int

    def __init__(self, eta: float, rho: float, rho2: float) -> None:
        super().__init__(eta)
        self.rho = rho
        self.rho2 = rho2
        self.reset()

    def update_change(self, gradient: Array) -> Array:
        """Return the bias-corrected Adam step for this gradient."""
        moment, denominator = self._moment_and_denominator(gradient)
        return np.divide(moment, denominator)

    def _subtract(self, theta: Array, gradient: Array) -> None:
        # The quotient goes into the scratch buffer too: no array per step.
        moment, denominator = self._moment_and_denominator(gradient)
        theta -= np.divide(moment, denominator, out=denominator)

    def _moment_and_denominator(self, gradient: Array) -> tuple[Array, Array]:
        """Update the moments; return ``m`` and ``change``'s denominator.

        ``change = m / denominator`` equals ``eta * m_hat / (sqrt(s_hat) + eps)``;
        the denominator is written into the scratch buffer.
        """
        if self.moment is None or self.second is None:
            self.moment = np.zeros_like(gradient)
            self.second = np.zeros_like(gradient)
        if self._step is None:  # also after unpickling, which drops it
            self._step = np.empty_like(gradient)
        self.t += 1
        # In place on the flat parameter vector: no temporaries per step.
        step = self._step
        self.moment *= self.rho
        self.moment += np.multiply(gradient, 1 - self.rho, out=step)
        self.second *= self.rho2
        np.multiply(gradient, gradient, out=step)
        step *= 1 - self.rho2
        self.second += step
        # eta * m_hat / (sqrt(s_hat) + eps) = m / ((sqrt(s) k + eps) / c), with
        # the bias corrections k = 1 / sqrt(1 - rho2^t), c = eta / (1 - rho^t).
        # Python floats: a NumPy float64 scalar would upcast a float32 step.
        k, c = self._bias_corrections()
        np.sqrt(self.second, out=step)
        step *= k / c
        step += EPS / c
        return self.moment, step

    def _bias_corrections(self) -> tuple[float, float]:
        """Return ``k = 1 / sqrt(1 - rho2^t)`` and ``c = eta / (1 - rho^t)``.

        With them, ``change = m / (sqrt(s) * k / c + eps / c)``; the compiled
        kernels use the same two numbers, so that both paths round alike.
        """
        k = 1 / math.sqrt(1 - self.rho2**self.t)
        c = self.eta / (1 - self.rho**self.t)
        return k, c

    def __getstate__(self) -> dict[str, object]:
        """Return the state without the scratch buffer, which is rebuilt."""
        return {**self.__dict__, "_step": None}

    def reset(self) -> None:
        """Forget both moments and the step count."""
        self.moment = None
        self.second = None
        self._step = None
        self.t = 0

    def _params(self) -> dict[str, float]:
        return {"eta": self.eta, "rho": self.rho, "rho2": self.rho2}


def _subtract_update_change(
    scheduler: Scheduler, theta: Array, gradient: Array
) -> None:
    theta -= scheduler.update_change(gradient)


# Exact types, not isinstance: a user's subclass may override update_change,
# which the in-place rules would then bypass.
_IN_PLACE: dict[type, Callable[[Any, Array, Array], None]] = {
    Constant: _subtract_update_change,
    Momentum: Momentum._subtract,
    Adagrad: _subtract_update_change,
    AdagradMomentum: AdagradMomentum._subtract,
    RMSprop: _subtract_update_change,
    Adam: Adam._subtract,
}


def step_in_place(scheduler: Scheduler, theta: Array, gradient: Array) -> bool:
    """Subtract a built-in rule's change from `theta` in place.

    Parameters
    ----------
    scheduler : Scheduler
        The rule; only the six built-in classes themselves are handled here.
    theta : ndarray
        Parameters, updated in place.
    gradient : ndarray
        dC/dtheta for one minibatch, same shape as `theta`.

    Returns
    -------
    done : bool
        False, with nothing changed, for any other scheduler (a user's class or
        subclass): the caller then subtracts ``update_change(gradient)`` itself,
        after checking its shape.

    Notes
    -----
    The state and the result are those of ``theta -= update_change(gradient)``,
    bit for bit; only the copies of the velocity (Momentum, AdagradMomentum)
    and Adam's quotient array are saved.
    """
    subtract = _IN_PLACE.get(type(scheduler))
    if subtract is None:
        return False
    subtract(scheduler, theta, gradient)
    return True
