"""Training loops: minibatch epochs with a scheduler, or full-batch L-BFGS.

The loop owns everything that happens between epochs, as short named steps
that both loops share where they apply: the progress bar (:class:`_Progress`),
the record of an epoch (:class:`_EpochLog`: validation scores, `History`, the
bar), the divergence guard (:class:`_DivergenceGuard`), patience with the best
weights (:class:`_Patience`), and the step itself (:class:`_MinibatchStep`).
It knows nothing of scikit-learn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np

from skffnn import _dropout, _kernels, schedulers
from skffnn._network import Network
from skffnn._validation import LoopSettings
from skffnn.schedulers import Scheduler
from skffnn.schedules import Schedule

Array = np.ndarray
Accuracy = Callable[[Array, Array], float]
Score = Callable[["Dataset", str], float]


@dataclass(frozen=True)
class Dataset:
    """Inputs, encoded targets and raw sample weights (None: all ones)."""

    X: Any
    y: Array
    sample_weight: Array | None = None

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    def has_weight(self) -> bool:
        """Whether any sample carries weight, so that there is a loss to learn."""
        return self.sample_weight is None or bool(np.any(self.sample_weight > 0))

    def batch_weights(self, rows: Any) -> tuple[Array | None, float]:
        """Return the weights of `rows` scaled to sum to one, and their sum.

        Unweighted data gives ``(None, n_rows)``. Rows whose weights sum to
        zero give ``(None, 0.0)``: their weighted mean is undefined, and the
        loop skips them.
        """
        if self.sample_weight is None:
            if isinstance(rows, slice):
                return None, float(len(range(*rows.indices(self.n_samples))))
            return None, float(len(rows))
        weights = self.sample_weight[rows]
        total = float(weights.sum())
        if total <= 0:
            return None, 0.0
        return weights / total, total

    def normalized_weights(self) -> Array | None:
        """All weights scaled to sum to one; None when unweighted."""
        if self.sample_weight is None:
            return None
        weights, total = self.batch_weights(slice(None))
        return weights if total > 0 else self.sample_weight * 0


@dataclass
class History:
    """Per-epoch records; keys appear only where they apply."""

    # train_loss is always there, even before the first epoch.
    records: dict[str, list[float]] = field(default_factory=lambda: {"train_loss": []})

    def append(self, **values: float) -> None:
        """Record one epoch's values; a key missing on either side gets NaN.

        So ``records[key][i]`` is always epoch ``i``, even when a warm start adds
        or drops the validation set.
        """
        n_epochs = len(self.records.get("train_loss", []))
        for key in values.keys() - self.records.keys():
            self.records[key] = [np.nan] * n_epochs
        for key, column in self.records.items():
            column.append(float(values.get(key, np.nan)))

    def lengths(self) -> dict[str, int]:
        """Return the number of records per key, for :meth:`truncate`."""
        return {key: len(values) for key, values in self.records.items()}

    def truncate(self, lengths: dict[str, int]) -> None:
        """Forget what was recorded after `lengths` was taken."""
        for key in list(self.records):
            if key in lengths:
                del self.records[key][lengths[key] :]
            else:
                del self.records[key]

    def as_arrays(self) -> dict[str, Array]:
        """Return the records as a dict of 1-D float arrays."""
        return {key: np.asarray(values) for key, values in self.records.items()}


class EpochCallbacks(Protocol):
    """What the loop tells the user's callbacks (see :mod:`skffnn._callbacks`)."""

    def begin_epoch(self) -> None:
        """Say that an epoch begins."""

    def end_epoch(self) -> bool:
        """Say that an epoch was recorded; return True to stop training."""


class _NoCallbacks:
    def begin_epoch(self) -> None:
        pass

    def end_epoch(self) -> bool:
        return False


@dataclass(frozen=True)
class EtaPlan:
    """How the scheduler's rate follows the eta schedule in this call.

    Parameters
    ----------
    schedule : Schedule
        The estimator's running schedule (a plateau's state carries over).
    base : float
        The rate it scales: ``eta``, or a Scheduler instance's own.
    first_epoch : int
        ``t`` of this call's first epoch: the epochs trained before it.
    epochs : int
        ``T`` of the formulas: the estimator's ``epochs``.
    sets_rate : bool
        Whether to set the scheduler's ``eta`` (else it is only recorded).
    """

    schedule: Schedule
    base: float
    first_epoch: int
    epochs: int
    sets_rate: bool = True

    def rate(self, epoch: int) -> float:
        """Return the rate of this call's `epoch` (from 0)."""
        return float(
            self.schedule.rate(self.base, self.first_epoch + epoch, self.epochs)
        )


@dataclass(frozen=True)
class Run:
    """What one call of a training loop works on.

    Parameters
    ----------
    network : Network
        Trained in place.
    train : Dataset
        Training data.
    validation : Dataset or None
        Scored at the end of every epoch.
    settings : LoopSettings
        Loop hyperparameters.
    epochs : int
        Epochs (or L-BFGS iterations) at most in this call.
    history : History
        Appended to, one entry per epoch.
    accuracy : callable or None
        ``accuracy(y, out)`` for classifiers, recorded in `history`.
    score : callable or None
        ``score(data, which)``, higher is better: the user's `scoring`, with
        `which` naming the data for error messages. When given, it is
        recorded and watched instead of the loss.
    eta_plan : EtaPlan or None
        The learning-rate schedule (minibatch training only).
    callbacks : EpochCallbacks or None
        Told when each epoch begins and ends; may stop training.
    kernels : bool or None
        Whether minibatch steps use the compiled kernels of
        :mod:`skffnn._kernels`; None decides by the fit's size
        (:func:`skffnn._kernels.worth_compiling`).
    """

    network: Network
    train: Dataset
    validation: Dataset | None
    settings: LoopSettings
    epochs: int
    history: History
    accuracy: Accuracy | None = None
    score: Score | None = None
    eta_plan: EtaPlan | None = None
    callbacks: EpochCallbacks = field(default_factory=_NoCallbacks)
    kernels: bool | None = None

    def use_kernels(self) -> bool:
        """Whether the compiled kernels pay for this minibatch run."""
        if self.kernels is not None:
            return self.kernels and _kernels.AVAILABLE
        network, n_samples = self.network, self.train.n_samples
        return _kernels.worth_compiling(
            n_samples,
            sum(network.hidden_widths),
            network.theta.size,
            self.settings.batch_size_for(n_samples),
            self.epochs,
            network.dtype,
        )

    @property
    def watches_validation(self) -> bool:
        """Whether patience watches the validation set (early stopping)."""
        return self.settings.early_stopping and self.validation is not None

    @property
    def monitored(self) -> str:
        """The history key that patience watches."""
        prefix = "val_" if self.watches_validation else "train_"
        return prefix + ("score" if self.score is not None else "loss")

    def lower_is_better(self, record: dict[str, float]) -> float:
        """Return the monitored value of `record`, negated if it is a score."""
        value = record[self.monitored]
        return -value if self.score is not None else value


@dataclass(frozen=True)
class Continuation:
    """Where earlier calls left a minibatch run (fresh for a new fit).

    Parameters
    ----------
    rng : numpy.random.Generator
        Shuffles the samples.
    seed : int
        Seeds the dropout masks.
    first_step : int
        Optimizer steps taken by earlier calls, so that masks never repeat.
    best : float
        Best monitored value of earlier calls, lower is better (a score
        negated), for patience across calls.
    """

    rng: np.random.Generator
    seed: int = 0
    first_step: int = 0
    best: float = np.inf


@dataclass
class TrainingResult:
    """What one call of a training loop did."""

    n_iter: int = 0
    steps: int = 0
    converged: bool = False
    best: float = np.inf  # of the monitored value, lower is better
    messages: list[str] = field(default_factory=list)


# ----- steps shared by both loops ---------------------------------------------


class _Progress:
    """A tqdm bar over epochs when ``verbose > 0``; nothing otherwise."""

    def __init__(self, verbose: int, total: int) -> None:
        self.bar = None
        if verbose > 0:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="epoch", leave=True)

    def update(self, record: dict[str, float]) -> None:
        if self.bar is not None:
            self.bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
            self.bar.update()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def _session(run: Run) -> Iterator[_Progress]:
    """Open the progress bar; always close it and free the training buffers."""
    progress = _Progress(run.settings.verbose, run.epochs)
    try:
        yield progress
    finally:
        run.network.release()
        progress.close()


class _EpochLog:
    """Completes an epoch's record and writes it to the history and the bar."""

    def __init__(self, run: Run, progress: _Progress) -> None:
        self.run, self.progress = run, progress

    def score_validation(self, record: dict[str, float]) -> None:
        """Add the validation loss, accuracy and score to `record`.

        And the training score, when patience watches it.
        """
        run = self.run
        if run.score is not None and run.monitored == "train_score":
            record["train_score"] = run.score(run.train, "training data")
        if run.validation is None:
            return
        data = run.validation
        loss, out = run.network.evaluate(
            data.X, data.y, data.normalized_weights(), run.settings.lam
        )
        record["val_loss"] = loss
        if run.accuracy is not None:
            record["val_accuracy"] = run.accuracy(data.y, out)
        if run.score is not None:
            record["val_score"] = run.score(data, "validation set")

    def write(self, record: dict[str, float]) -> None:
        """Append `record` to the history and show it on the bar."""
        self.run.history.append(**record)
        self.progress.update(record)


class _DivergenceGuard:
    """Keeps the weights that began the epoch with the lowest training loss.

    An epoch's loss is measured on the way through it, so the weights at its
    start, not its end, are the ones known to give about that loss. A loss that
    stops being finite, or ends far above its lowest and above its first,
    means divergence: those weights are put back.
    """

    BLOW_UP = 10.0

    def __init__(self, theta: Array) -> None:
        self.theta = theta.copy()
        self.loss = self.last = self.first = np.inf

    def update(self, loss: float, theta: Array) -> None:
        """Note an epoch's training loss and the weights it started from."""
        if not np.isfinite(self.first):
            self.first = loss
        self.last = loss
        if loss < self.loss:
            self.loss = loss
            self.theta[:] = theta

    def blew_up(self) -> bool:
        """Whether the loss ended far above its lowest value and above its first.

        Both conditions: a run whose loss fell to 1e-20 and ends at 1e-3 has
        only wobbled, and one that ends where it began has not converged.
        """
        return bool(
            np.isfinite(self.loss)
            and self.last > self.BLOW_UP * max(self.loss, 0)
            and self.last > self.first
        )

    def restore(self, network: Network) -> None:
        """Put back the weights of the lowest finite loss."""
        network.theta[:] = self.theta


def _diverged(epoch: int, what: str) -> str:
    return (
        f"Training diverged in epoch {epoch}: the loss {what}. The weights of the "
        "epoch with the lowest finite loss were kept. Try a smaller eta, scaling "
        "the inputs (e.g. StandardScaler), or clip_norm."
    )


class _Patience:
    """``n_iter_no_change`` epochs without improving by ``tol`` ends training.

    With `keep_best` (early stopping, which restores them) it also keeps the
    weights of the best epoch; without, it copies nothing.
    """

    def __init__(
        self, settings: LoopSettings, best: float, theta: Array, keep_best: bool
    ) -> None:
        self.tol = settings.tol
        self.n_iter_no_change = settings.n_iter_no_change
        self.best = best
        self.count = 0
        self.best_theta = theta.copy() if keep_best else None

    def update(self, monitored: float, theta: Array) -> bool:
        """Note this epoch's monitored loss; return whether patience ran out."""
        self.count = self.count + 1 if monitored > self.best - self.tol else 0
        if monitored < self.best:
            self.best = monitored
            if self.best_theta is not None:
                self.best_theta[:] = theta
        return self.count > self.n_iter_no_change

    def restore(self, network: Network) -> None:
        """Put back the weights of the best monitored epoch, if there was one."""
        if self.best_theta is not None and np.isfinite(self.best):
            network.theta[:] = self.best_theta


# ----- minibatch training -----------------------------------------------------


class _Batches:
    """Gathers shuffled minibatches into buffers reused across steps."""

    def __init__(self, data: Dataset, batch_size: int) -> None:
        self.data = data
        self.dense = isinstance(data.X, np.ndarray)
        if self.dense:
            self.X = np.empty((batch_size, data.X.shape[1]), data.X.dtype)
        self.y = np.empty((batch_size, data.y.shape[1]), data.y.dtype)

    def take(self, rows: Any) -> tuple[Any, Array]:
        """Return the batch's inputs and targets (views of the buffers)."""
        if isinstance(rows, slice):
            return self.data.X[rows], self.data.y[rows]
        size = len(rows)
        # mode="clip" writes straight into `out`; the default mode goes
        # through a temporary to be safe against bad indices (ours are valid).
        y = np.take(self.data.y, rows, axis=0, out=self.y[:size], mode="clip")
        if not self.dense:
            return self.data.X[rows], y
        X = np.take(self.data.X, rows, axis=0, out=self.X[:size], mode="clip")
        return X, y


class _MinibatchStep:
    """One optimizer step on one minibatch: gradient, clipping, update.

    With kernels, the built-in update rules, hidden activations and canonical
    output layers run compiled (see :mod:`skffnn._kernels`); user schedulers,
    custom activations and costs, batch normalization's own maths, dropout's
    masks and ``clip_norm`` stay NumPy.
    """

    def __init__(self, run: Run, scheduler: Scheduler, start: Continuation) -> None:
        self.run, self.scheduler = run, scheduler
        self.network, self.settings = run.network, run.settings
        self.batches = _Batches(
            run.train, run.settings.batch_size_for(run.train.n_samples)
        )
        self.keys = None
        if run.settings.dropout and self.network.hidden_widths:
            self.keys = _dropout.row_keys(run.train.X, start.seed)
        self.t = start.first_step
        self.fast = run.use_kernels()

    def _masks(self, rows: Any) -> list[Array] | None:
        if self.keys is None:
            return None
        return _dropout.masks(
            self.keys[rows],
            self.t,
            self.network.hidden_widths,
            self.settings.dropout,
            self.network.dtype,
        )

    def __call__(self, rows: Any, weights: Array | None) -> _Stepped:
        """Take a step on `rows`; return the batch's loss, output and targets."""
        network = self.network
        X_batch, y_batch = self.batches.take(rows)
        batch = network.batch_gradient(
            X_batch,
            y_batch,
            weights,
            self.settings.lam,
            self._masks(rows),
            fast=self.fast,
        )
        if np.isfinite(batch.loss):
            _clip(network.grad, self.settings.clip_norm)
            self._update(network.theta, network.grad)
            self.t += 1
        return _Stepped(batch.loss, batch.out, y_batch, batch.correct)

    def _update(self, theta: Array, grad: Array) -> None:
        """Subtract the scheduler's change from `theta`, in place when it can."""
        if self.fast and _kernels.scheduler_step(self.scheduler, theta, grad):
            return
        if schedulers.step_in_place(self.scheduler, theta, grad):
            return
        change = self.scheduler.update_change(grad)
        if np.shape(change) != theta.shape:
            raise ValueError(
                f"scheduler {type(self.scheduler).__name__}.update_change "
                f"returned shape {np.shape(change)} for a gradient of shape "
                f"{theta.shape}; it must return one change per parameter "
                "(np.zeros_like(gradient) for no change)."
            )
        theta -= change


class _Stepped(NamedTuple):
    """What one minibatch step saw: its loss, output, targets, right rows."""

    loss: float
    out: Array
    y: Array
    correct: int | None  # counted by a fused kernel, else None


def _clip(gradient: Array, clip_norm: float | None) -> None:
    """Scale `gradient` in place so that its L2 norm is at most `clip_norm`."""
    if clip_norm is None:
        return
    norm = float(np.sqrt(np.dot(gradient, gradient)))
    if norm > clip_norm:
        gradient *= clip_norm / norm


class _Epoch:
    """One pass over shuffled minibatches."""

    def __init__(self, run: Run, step: _MinibatchStep, rng: np.random.Generator):
        self.run, self.step, self.rng = run, step, rng
        self.batch_size = run.settings.batch_size_for(run.train.n_samples)
        self.order = np.arange(run.train.n_samples)

    def _batches(self) -> Iterator[Any]:
        n, size = self.run.train.n_samples, self.batch_size
        if not self.run.settings.shuffle:
            yield from (slice(start, start + size) for start in range(0, n, size))
            return
        self.rng.shuffle(self.order)
        yield from (self.order[start : start + size] for start in range(0, n, size))

    def __call__(self) -> dict[str, float]:
        """Train one epoch; return its mean batch loss (and accuracy).

        The loss is NaN as soon as a batch's loss is not finite.
        """
        train, accuracy = self.run.train, self.run.accuracy
        loss_sum = weight_sum = correct_sum = 0.0
        for rows in self._batches():
            weights, batch_weight = train.batch_weights(rows)
            if batch_weight <= 0:
                continue  # every sample here has zero weight
            stepped = self.step(rows, weights)
            if not np.isfinite(stepped.loss):
                return {"train_loss": np.nan}
            loss_sum += stepped.loss * batch_weight
            weight_sum += batch_weight
            if accuracy is None:
                continue
            if stepped.correct is not None:
                correct_sum += stepped.correct
            else:
                correct_sum += accuracy(stepped.y, stepped.out) * len(stepped.y)
        record = {"train_loss": loss_sum / weight_sum if weight_sum else np.nan}
        if accuracy is not None:
            record["train_accuracy"] = correct_sum / train.n_samples
        return record


def train_minibatch(
    run: Run, scheduler: Scheduler, start: Continuation
) -> TrainingResult:
    """Run up to ``run.epochs`` epochs of minibatch gradient descent.

    Parameters
    ----------
    run : Run
        The network, the data and the settings.
    scheduler : Scheduler
        Update rule; its state carries over between the calls that share it
        (the estimators share it across partial_fit calls).
    start : Continuation
        Where earlier calls left off.

    Returns
    -------
    result : TrainingResult
    """
    return _MinibatchLoop(run, scheduler, start).train()


class _MinibatchLoop:
    """Epochs of minibatch steps, with the steps between them in order."""

    def __init__(self, run: Run, scheduler: Scheduler, start: Continuation) -> None:
        self.run, self.scheduler, self.start = run, scheduler, start
        theta = run.network.theta
        self.result = TrainingResult(best=start.best)
        self.patience = _Patience(
            run.settings, start.best, theta, keep_best=run.watches_validation
        )
        self.guard = _DivergenceGuard(theta)  # the starting weights at first
        self.step = _MinibatchStep(run, scheduler, start)
        self.epoch = _Epoch(run, self.step, start.rng)

    def train(self) -> TrainingResult:
        """Run the epochs; return what they did."""
        result = self.result
        with _session(self.run) as progress:
            log = _EpochLog(self.run, progress)
            try:
                for index in range(self.run.epochs):
                    if self._epoch(index, log):
                        break
            except KeyboardInterrupt:
                result.messages.append(_interrupted(f"{result.n_iter} epochs"))
            finally:
                result.steps = self.step.t - self.start.first_step
        _finish(self.run, result, self.patience, self.guard)
        return result

    def _epoch(self, index: int, log: _EpochLog) -> bool:
        """Train and record epoch `index` of this call; return whether to stop."""
        run, network, result = self.run, self.run.network, self.result
        run.callbacks.begin_epoch()
        eta = self._set_rate(index)
        epoch_start = network.theta.copy()
        record = _checked_epoch(self.epoch, log, network)
        if record is None:
            self.guard.restore(network)
            result.messages.append(_diverged(result.n_iter + 1, "stopped being finite"))
            return True
        if eta is not None:
            record["eta"] = eta
        result.n_iter += 1
        log.write(record)
        self.guard.update(record["train_loss"], epoch_start)
        monitored = run.lower_is_better(record)
        exhausted = self.patience.update(monitored, network.theta)
        if run.eta_plan is not None:
            run.eta_plan.schedule.update(monitored)
        if run.callbacks.end_epoch():
            result.converged = True  # the user's callback stopped it: no warning
            return True
        result.converged = exhausted
        return exhausted

    def _set_rate(self, index: int) -> float | None:
        """Give the scheduler the schedule's rate for epoch `index`; return it."""
        plan = self.run.eta_plan
        if plan is None:
            return None
        if plan.sets_rate:
            self.scheduler.eta = plan.rate(index)
        return float(self.scheduler.eta)


def _checked_epoch(
    epoch: _Epoch, log: _EpochLog, network: Network
) -> dict[str, float] | None:
    """Run an epoch and score it; None if the loss or weights stopped being finite."""
    # Overflow on the way to divergence is expected; the loop handles it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        record = epoch()
        if not (
            np.isfinite(record["train_loss"]) and np.all(np.isfinite(network.theta))
        ):
            return None
        log.score_validation(record)
    return record


def _interrupted(progress: str) -> str:
    return (
        f"Training interrupted after {progress}; the weights reached so far were "
        "kept. Fit again with warm_start=True to continue."
    )


def _finish(
    run: Run,
    result: TrainingResult,
    patience: _Patience,
    guard: _DivergenceGuard,
) -> None:
    """Restore the best weights, or the lowest-loss ones after a blow-up."""
    if run.watches_validation:
        patience.restore(run.network)
    elif guard.blew_up() and not result.messages:
        guard.restore(run.network)
        result.converged = False
        result.messages.append(
            _diverged(
                result.n_iter,
                f"grew to {guard.last:.3g}, over 10 times "
                f"its lowest ({guard.loss:.3g})",
            )
        )
    result.best = patience.best


# ----- full-batch L-BFGS ------------------------------------------------------


def train_lbfgs(run: Run) -> TrainingResult:
    """Minimize the full-batch loss with L-BFGS-B; one iteration per "epoch".

    ``run.epochs`` bounds the number of iterations and the settings' ``tol`` is
    the projected-gradient tolerance. Early stopping does not apply: there are
    no epochs to stop between.
    """
    network, train = run.network, run.train
    result = TrainingResult()
    accepted = network.theta.astype(np.float64)  # the last accepted iterate
    with _session(run) as progress:
        log = _EpochLog(run, progress)

        def record_iteration(intermediate_result: Any) -> None:
            accepted[:] = intermediate_result.x
            network.theta[:] = accepted
            record = {"train_loss": float(intermediate_result.fun)}
            if run.accuracy is not None:
                out = network.forward(train.X)
                record["train_accuracy"] = run.accuracy(train.y, out)
            log.score_validation(record)
            log.write(record)
            result.n_iter += 1
            if run.callbacks.end_epoch():
                raise StopIteration  # SciPy >= 1.11 ends minimize() on it
            if result.n_iter < run.epochs:
                run.callbacks.begin_epoch()

        run.callbacks.begin_epoch()
        try:
            solution = _minimize(run, accepted.copy(), record_iteration)
        except KeyboardInterrupt:
            network.theta[:] = accepted
            result.steps = result.n_iter
            result.messages.append(_interrupted(f"{result.n_iter} L-BFGS iterations"))
            return result
    _accept_lbfgs(network, solution, accepted, result)
    return result


def _minimize(run: Run, theta: Array, callback: Callable[[Any], None]) -> Any:
    """Run SciPy's L-BFGS-B on the network's full-batch loss from `theta`."""
    from scipy.optimize import minimize

    network, train, lam = run.network, run.train, run.settings.lam
    weights = train.normalized_weights()

    def loss_and_gradient(theta: Array) -> tuple[float, Array]:
        network.theta[:] = theta
        loss, _ = network.gradient(train.X, train.y, weights, lam)
        # L-BFGS works in float64 whatever the network's dtype.
        return loss, network.grad.astype(np.float64)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return minimize(
            loss_and_gradient,
            theta,
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={"maxiter": run.epochs, "gtol": run.settings.tol, "maxfun": 15000},
        )


def _accept_lbfgs(
    network: Network, solution: Any, accepted: Array, result: TrainingResult
) -> None:
    """Keep L-BFGS's solution if finite, else its last accepted iterate."""
    if np.isfinite(solution.fun) and np.all(np.isfinite(solution.x)):
        network.theta[:] = solution.x
    else:
        network.theta[:] = accepted
        result.messages.append(
            "L-BFGS diverged: the loss stopped being finite; the last accepted "
            "weights were kept. Scale the inputs (e.g. StandardScaler)."
        )
    result.n_iter = result.steps = int(solution.nit)
    result.best = float(solution.fun)
    result.converged = solution.status == 0


def warn_all(messages: list[str], category: type[Warning], stacklevel: int) -> None:
    """Issue each message as a warning of `category` at the user's call."""
    for message in messages:
        warnings.warn(message, category, stacklevel=stacklevel + 1)
