"""A bridge from the training loop to scikit-learn's callbacks (``sklearn.callback``).

scikit-learn 1.9 lets users attach callbacks (``ProgressBar``, ``ScoringMonitor``
or their own) with ``estimator.set_callbacks(...)``; an estimator supports them
by subclassing ``CallbackSupportMixin`` and reporting a tree of tasks: here a
root task per ``fit`` / ``partial_fit`` with one subtask per epoch. This module
keeps that protocol out of the loop: the estimator opens a :class:`FitCallbacks`
(or gets a :class:`NoCallbacks` where scikit-learn has no callback support) and
the loop only calls :meth:`~FitCallbacks.begin_epoch` and
:meth:`~FitCallbacks.end_epoch`.

On scikit-learn < 1.9 the import below fails quietly: :data:`CallbackSupport`
is then an empty class, so the estimators have no ``set_callbacks`` and train
exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

try:
    from sklearn.callback import CallbackSupportMixin, with_callbacks
except ImportError:  # scikit-learn < 1.9
    CallbackSupportMixin = None
    with_callbacks = None

Result = TypeVar("Result")
Snapshot = Callable[[], Mapping[str, Any]]

SUPPORTED = CallbackSupportMixin is not None
"""Whether the installed scikit-learn has ``sklearn.callback``."""


class _NoCallbackSupport:
    """Stands in for ``CallbackSupportMixin`` on scikit-learn < 1.9."""


# The first base of _BaseFFNN, chosen once, at import time.
CallbackSupport: type = CallbackSupportMixin or _NoCallbackSupport

# Attributes that scikit-learn's callback machinery sets on an estimator:
# the user's callbacks (set_callbacks) and the task tree of a fit in progress.
_CALLBACK_STATE = (
    "_skl_callbacks",
    "_skl_callbacks_to_teardown",
    "_callback_fit_ctx",
    "_parent_callback_ctx",
)


def run(estimator: Any, body: Callable[[], Result]) -> Result:
    """Return ``body()``, then tear the estimator's callbacks down.

    The teardown runs whether `body` returns or raises (the error then
    propagates). It must run before the fit transaction restores the
    estimator's ``__dict__``, which would otherwise drop the record of the
    callbacks that were set up.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted.
    body : callable
        Takes no argument; runs the fit, opening :class:`FitCallbacks` at most
        once.

    Returns
    -------
    result
        What `body` returned.
    """
    if with_callbacks is None:
        return body()
    return with_callbacks(lambda _: body())(estimator)


def open_fit(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    max_epochs: int,
    snapshot: Snapshot,
    task_name: str = "fit",
) -> FitCallbacks | NoCallbacks:
    """Set up the callbacks of one fit and begin its root task.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted, inside :func:`run`.
    X, y : array-like
        The training data as the user gave them: callbacks such as
        ``ScoringMonitor`` score the fitted copies on them.
    sample_weight : array-like or None
        The user's sample weights, passed to the callbacks as metadata.
    max_epochs : int
        At most this many epochs (subtasks) will be begun.
    snapshot : callable
        Returns the attributes that make a copy of the estimator predict as
        the network does at the time of the call, without sharing it: at least
        a copy of the network. Called only when a callback asks for the fitted
        copy (``ScoringMonitor`` does), at the end of an epoch or of the fit.
    task_name : str
        ``"fit"`` or ``"partial_fit"``.

    Returns
    -------
    callbacks : FitCallbacks or NoCallbacks
        :class:`NoCallbacks` when scikit-learn has no callback support or the
        estimator has no callbacks.
    """
    # Without callbacks of its own (set, or propagated by a meta-estimator)
    # no hook would be called: skip the task tree, which costs ~20 us an epoch.
    if not SUPPORTED or not getattr(estimator, "_skl_callbacks", None):
        return NoCallbacks()
    return FitCallbacks(
        estimator,
        X,
        y,
        sample_weight,
        max_epochs=max_epochs,
        snapshot=snapshot,
        task_name=task_name,
    )


def without_callbacks(state: dict[str, Any], *, fitted: bool) -> dict[str, Any]:
    """Return an estimator's pickled state without the callback machinery.

    A fit's task tree is never kept. The callbacks themselves are dropped
    from a fitted estimator (a model to save, which must load with only
    skffnn's types trusted) but kept on an unfitted one, which is how
    ``GridSearchCV(n_jobs=2)`` sends a clone and its callbacks to a worker.

    Parameters
    ----------
    state : dict
        The estimator's ``__dict__`` (not changed).
    fitted : bool
        Whether the estimator holds a trained network.

    Returns
    -------
    state : dict
        A new dict.
    """
    dropped = _CALLBACK_STATE if fitted else _CALLBACK_STATE[1:]
    return {key: value for key, value in state.items() if key not in dropped}


class NoCallbacks:
    """The loop's callbacks when there are none to call: every hook does nothing."""

    def begin_epoch(self) -> None:
        """Do nothing."""

    def end_epoch(self) -> bool:
        """Never ask to stop.

        Returns
        -------
        stop : bool
            False.
        """
        return False

    def close(self) -> None:
        """Do nothing."""


class FitCallbacks:
    """The task tree of one ``fit`` or ``partial_fit``: a root task, one per epoch.

    Create it with :func:`open_fit` inside :func:`run`. The loop calls
    :meth:`begin_epoch` before each epoch and :meth:`end_epoch` after it; the
    estimator calls :meth:`close` once the fit has succeeded (after the fitted
    attributes are final). On an error nothing more is called: :func:`run`
    tears the callbacks down.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted.
    X, y, sample_weight : array-like
        See :func:`open_fit`.
    max_epochs : int
        At most this many epochs will be begun.
    snapshot : callable
        See :func:`open_fit`.
    task_name : str
        Name of the root task.
    """

    def __init__(
        self,
        estimator: Any,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        max_epochs: int,
        snapshot: Snapshot,
        task_name: str = "fit",
    ) -> None:
        self._estimator = estimator
        self._snapshot = snapshot
        self._data = {
            "X": X,
            "y": y,
            "metadata": None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        }
        self._root = estimator._init_callback_context(
            task_name=task_name, max_subtasks=max_epochs
        )
        self._root.call_on_fit_task_begin(estimator=estimator, **self._data)
        self._epoch: Any = None

    def begin_epoch(self) -> None:
        """Begin the next epoch's subtask."""
        self._epoch = self._root.subcontext(task_name="epoch")
        self._epoch.call_on_fit_task_begin(estimator=self._estimator, **self._data)

    def end_epoch(self) -> bool:
        """End the current epoch's subtask; return whether a callback asks to stop.

        Returns
        -------
        stop : bool
            True when a callback asks to stop training after this epoch.
        """
        epoch, self._epoch = self._epoch, None
        return bool(
            epoch.call_on_fit_task_end(
                estimator=self._estimator,
                reconstruction_attributes=self._snapshot,
                **self._data,
            )
        )

    def close(self) -> None:
        """End the root task, once the fit has succeeded.

        An epoch begun but not finished (the loop stopped inside it: divergence,
        Ctrl-C, or L-BFGS ending its iterations itself) is ended first, with
        nothing for the callbacks to score.
        """
        if self._epoch is not None:
            self._epoch.call_on_fit_task_end(estimator=self._estimator)
            self._epoch = None
        self._root.call_on_fit_task_end(
            estimator=self._estimator,
            reconstruction_attributes=self._snapshot,
            **self._data,
        )
