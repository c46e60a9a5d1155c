"""Training loops: minibatch epochs with a scheduler, or full-batch L-BFGS.

The loop owns everything that happens between epochs: shuffling, patience
(``tol`` / ``n_iter_no_change``), early stopping with best-weight restore, the
divergence guard, Ctrl-C, the per-epoch :class:`History` and the progress bar.
It knows nothing of scikit-learn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from skffnn import _dropout
from skffnn._network import Network
from skffnn.schedulers import Scheduler

Array = np.ndarray
Accuracy = Callable[[Array, Array], float]


@dataclass
class Dataset:
    """Inputs, encoded targets and raw sample weights (None: all ones)."""

    X: Any
    y: Array
    sample_weight: Array | None = None

    @property
    def n_samples(self) -> int:
        """Number of rows."""
        return int(self.X.shape[0])

    def normalized_weights(self, rows: Any = slice(None)) -> Array | None:
        """Weights of `rows` scaled to sum to one; None when unweighted."""
        if self.sample_weight is None:
            return None
        weights = self.sample_weight[rows]
        total = weights.sum()
        return weights / total if total > 0 else weights * 0


@dataclass
class TrainingConfig:
    """Hyperparameters of the loop (already validated)."""

    epochs: int = 200
    batch_size: int = 200
    shuffle: bool = True
    tol: float = 1e-4
    n_iter_no_change: int = 10
    lam: float = 0.0
    clip_norm: float | None = None
    early_stopping: bool = False
    verbose: int = 0


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


@dataclass
class TrainingResult:
    """What one call of a training loop did."""

    n_iter: int = 0
    steps: int = 0
    converged: bool = False
    best_loss: float = np.inf
    messages: list[str] = field(default_factory=list)


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
        y = np.take(self.data.y, rows, axis=0, out=self.y[:size])
        if not self.dense:
            return self.data.X[rows], y
        return np.take(self.data.X, rows, axis=0, out=self.X[:size]), y


def _progress(config: TrainingConfig, total: int) -> Any:
    if config.verbose <= 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="epoch", leave=True)


def _clip(gradient: Array, clip_norm: float | None) -> None:
    """Scale `gradient` in place so that its L2 norm is at most `clip_norm`."""
    if clip_norm is None:
        return
    norm = float(np.sqrt(np.dot(gradient, gradient)))
    if norm > clip_norm:
        gradient *= clip_norm / norm


def _evaluate(
    network: Network,
    data: Dataset,
    lam: float,
    accuracy: Accuracy | None,
) -> tuple[float, float | None]:
    """Return the loss and (when given a metric) the accuracy on `data`."""
    loss, out = network.evaluate(data.X, data.y, data.normalized_weights(), lam)
    return loss, (accuracy(data.y, out) if accuracy is not None else None)


class _Patience:
    """``n_iter_no_change`` epochs without improving by ``tol`` ends training."""

    def __init__(self, tol: float, n_iter_no_change: int, best: float) -> None:
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.best = best
        self.count = 0

    def update(self, loss: float) -> tuple[bool, bool]:
        """Return ``(improved, exhausted)`` after seeing this epoch's loss."""
        self.count = self.count + 1 if loss > self.best - self.tol else 0
        improved = loss < self.best
        if improved:
            self.best = loss
        return improved, self.count > self.n_iter_no_change


def train_minibatch(
    network: Network,
    scheduler: Scheduler,
    train: Dataset,
    config: TrainingConfig,
    rng: np.random.Generator,
    history: History,
    *,
    validation: Dataset | None = None,
    accuracy: Accuracy | None = None,
    best_loss: float = np.inf,
    seed: int = 0,
    first_step: int = 0,
) -> TrainingResult:
    """Run up to ``config.epochs`` epochs of minibatch gradient descent.

    Parameters
    ----------
    network : Network
        Trained in place.
    scheduler : Scheduler
        Update rule; its state carries over between the calls that share it
        (the estimators share it across partial_fit calls).
    train, validation : Dataset
        Training data and an optional validation set scored every epoch.
    config : TrainingConfig
        Loop hyperparameters.
    rng : numpy.random.Generator
        Shuffles the samples.
    history : History
        Appended to, one entry per epoch.
    accuracy : callable, optional
        ``accuracy(y, out)`` for classifiers, recorded in `history`.
    best_loss : float
        Best monitored loss of earlier calls (for patience across warm starts).
    seed : int
        Seeds the dropout masks.
    first_step : int
        Optimizer steps taken by earlier calls, so that masks never repeat.

    Returns
    -------
    result : TrainingResult
    """
    result = TrainingResult(best_loss=best_loss)
    monitor_validation = config.early_stopping and validation is not None
    patience = _Patience(config.tol, config.n_iter_no_change, best_loss)
    best_theta = network.theta.copy()  # of the best monitored loss
    # Weights of the lowest training loss so far (the starting ones at first).
    lowest = _Lowest(network.theta)
    epochs = _Epochs(network, scheduler, train, config, rng, accuracy, seed)
    epochs.step = first_step
    bar = _progress(config, config.epochs)
    try:
        for _ in range(config.epochs):
            epoch_start = network.theta.copy()
            # Overflow on the way to divergence is expected; it is caught below.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                record = epochs.run()
                finite = np.isfinite(record["train_loss"]) and np.all(
                    np.isfinite(network.theta)
                )
                if finite and validation is not None:
                    _score(network, validation, config.lam, accuracy, record)
            result.steps = epochs.step - first_step
            if not finite:
                network.theta[:] = lowest.theta
                result.messages.append(
                    _diverged(result.n_iter + 1, "stopped being finite")
                )
                break
            result.n_iter += 1
            history.append(**record)
            lowest.update(record["train_loss"], epoch_start)
            if bar is not None:
                bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
                bar.update()
            monitored = (
                record["val_loss"] if monitor_validation else record["train_loss"]
            )
            improved, exhausted = patience.update(monitored)
            if improved and monitor_validation:
                best_theta[:] = network.theta
            if exhausted:
                result.converged = True
                break
    except KeyboardInterrupt:
        result.steps = epochs.step - first_step
        result.messages.append(
            f"Training interrupted after {result.n_iter} epochs; the weights reached "
            "so far were kept. Fit again with warm_start=True to continue."
        )
    finally:
        network.release()
        if bar is not None:
            bar.close()
    if monitor_validation and np.isfinite(patience.best):
        network.theta[:] = best_theta
    elif lowest.blew_up() and not result.messages:
        network.theta[:] = lowest.theta
        result.converged = False
        result.messages.append(
            _diverged(
                result.n_iter,
                f"grew to {lowest.last:.3g}, over 10 times "
                f"its lowest ({lowest.loss:.3g})",
            )
        )
    result.best_loss = patience.best
    return result


def _diverged(epoch: int, what: str) -> str:
    return (
        f"Training diverged in epoch {epoch}: the loss {what}. The weights of the "
        "epoch with the lowest finite loss were kept. Try a smaller eta, scaling "
        "the inputs (e.g. StandardScaler), or clip_norm."
    )


def _score(
    network: Network,
    data: Dataset,
    lam: float,
    accuracy: Accuracy | None,
    record: dict[str, float],
) -> None:
    """Add the validation loss (and accuracy) of `data` to `record`."""
    val_loss, val_accuracy = _evaluate(network, data, lam, accuracy)
    record["val_loss"] = val_loss
    if val_accuracy is not None:
        record["val_accuracy"] = val_accuracy


class _Lowest:
    """Remembers the weights that began the epoch with the lowest training loss.

    An epoch's loss is measured on the way through it, so the weights at its
    start, not its end, are the ones known to give about that loss.
    """

    BLOW_UP = 10.0

    def __init__(self, theta: Array) -> None:
        self.theta = theta.copy()
        self.loss = self.last = self.first = np.inf

    def update(self, loss: float, theta: Array) -> None:
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


class _Epochs:
    """One pass over shuffled minibatches: forward, backward, one step each."""

    def __init__(
        self,
        network: Network,
        scheduler: Scheduler,
        train: Dataset,
        config: TrainingConfig,
        rng: np.random.Generator,
        accuracy: Accuracy | None,
        seed: int,
    ) -> None:
        self.network, self.scheduler, self.train = network, scheduler, train
        self.config, self.rng, self.accuracy = config, rng, accuracy
        self.batch_size = min(config.batch_size, train.n_samples)
        self.order = np.arange(train.n_samples)
        self.batches = _Batches(train, self.batch_size)
        self.keys = _dropout.row_keys(train.X, seed) if network.dropout else None
        self.step = 0

    def run(self) -> dict[str, float]:
        """Train one epoch; return its mean batch loss (and accuracy).

        The loss is NaN as soon as a batch's loss is not finite.
        """
        network, train, config = self.network, self.train, self.config
        n = train.n_samples
        if config.shuffle:
            self.rng.shuffle(self.order)
        loss_sum = weight_sum = correct_sum = 0.0
        for start in range(0, n, self.batch_size):
            rows: Any = self.order[start : start + self.batch_size]
            if not config.shuffle:
                rows = slice(start, start + self.batch_size)
            X_batch, y_batch = self.batches.take(rows)
            # Index the weights once: their sum and their normalized values.
            weights = None
            batch_weight = float(len(y_batch))
            if train.sample_weight is not None:
                weights = train.sample_weight[rows]
                batch_weight = float(weights.sum())
                if batch_weight <= 0:
                    continue  # every sample here has zero weight
                weights = weights / batch_weight
            masks = None
            if self.keys is not None:
                masks = network.masks(self.keys[rows], self.step)
            loss, out = network.gradient(X_batch, y_batch, weights, config.lam, masks)
            if not np.isfinite(loss):
                return {"train_loss": np.nan}
            _clip(network.grad, config.clip_norm)
            change = self.scheduler.update_change(network.grad)
            if np.shape(change) != network.theta.shape:
                raise ValueError(
                    f"scheduler {type(self.scheduler).__name__}.update_change "
                    f"returned shape {np.shape(change)} for a gradient of shape "
                    f"{network.theta.shape}; it must return one change per parameter "
                    "(np.zeros_like(gradient) for no change)."
                )
            network.theta -= change
            self.step += 1
            loss_sum += loss * batch_weight
            weight_sum += batch_weight
            if self.accuracy is not None:
                correct_sum += self.accuracy(y_batch, out) * len(y_batch)
        record = {"train_loss": loss_sum / weight_sum if weight_sum else np.nan}
        if self.accuracy is not None:
            record["train_accuracy"] = correct_sum / n
        return record


def train_lbfgs(
    network: Network,
    train: Dataset,
    config: TrainingConfig,
    history: History,
    *,
    validation: Dataset | None = None,
    accuracy: Accuracy | None = None,
) -> TrainingResult:
    """Minimize the full-batch loss with L-BFGS-B; one iteration per "epoch".

    Parameters are as for :func:`train_minibatch`; ``config.epochs`` bounds the
    number of iterations and ``config.tol`` is the projected-gradient tolerance.
    Early stopping does not apply: there are no epochs to stop between.
    """
    from scipy.optimize import minimize

    result = TrainingResult()
    weights = train.normalized_weights()
    accepted = network.theta.astype(np.float64)  # the last accepted iterate
    bar = _progress(config, config.epochs)

    def loss_and_gradient(theta: Array) -> tuple[float, Array]:
        network.theta[:] = theta
        loss, _ = network.gradient(train.X, train.y, weights, config.lam)
        # L-BFGS works in float64 whatever the network's dtype.
        return loss, network.grad.astype(np.float64)

    def record_iteration(intermediate_result: Any) -> None:
        accepted[:] = intermediate_result.x
        network.theta[:] = accepted
        record = {"train_loss": float(intermediate_result.fun)}
        if accuracy is not None:
            record["train_accuracy"] = accuracy(train.y, network.forward(train.X))
        if validation is not None:
            _score(network, validation, config.lam, accuracy, record)
        history.append(**record)
        result.n_iter += 1
        if bar is not None:
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items()})
            bar.update()

    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            solution = minimize(
                loss_and_gradient,
                accepted.copy(),
                jac=True,
                method="L-BFGS-B",
                callback=record_iteration,
                options={
                    "maxiter": config.epochs,
                    "gtol": config.tol,
                    "maxfun": 15000,
                },
            )
    except KeyboardInterrupt:
        network.theta[:] = accepted
        result.steps = result.n_iter
        result.messages.append(
            f"Training interrupted after {result.n_iter} L-BFGS iterations; the "
            "last accepted weights were kept. Fit again with warm_start=True to "
            "continue."
        )
        return result
    finally:
        network.release()
        if bar is not None:
            bar.close()
    if np.isfinite(solution.fun) and np.all(np.isfinite(solution.x)):
        network.theta[:] = solution.x
    else:
        network.theta[:] = accepted
        result.messages.append(
            "L-BFGS diverged: the loss stopped being finite; the last accepted "
            "weights were kept. Scale the inputs (e.g. StandardScaler)."
        )
    result.n_iter = result.steps = int(solution.nit)
    result.best_loss = float(solution.fun)
    result.converged = solution.status == 0
    return result


def warn_all(messages: list[str], category: type[Warning], stacklevel: int) -> None:
    """Issue each message as a warning of `category` at the user's call."""
    for message in messages:
        warnings.warn(message, category, stacklevel=stacklevel + 1)
