"""The data side of a fit: weights, the validation set and its split.

Sample weights are checked here, class weights are turned into sample weights
here, a validation set given to `fit` is paired up here, and the early-stopping
split is cut here. So are the rules for samples of weight zero:

* ``sample_weight`` must give some sample a positive weight
  (:func:`check_sample_weight`);
* training data whose weights (times the class weights) are all zero trains
  nothing (:data:`NOTHING_TO_LEARN`), as ``SGDClassifier`` makes no step;
* an early-stopping split that leaves no positive weight to train on is
  refused (:func:`early_stopping_split`);
* a validation set whose weights are all zero is monitored with a fallback
  (:func:`monitorable`).

The training loop's :class:`~skffnn._training.Dataset` holds the one rule it
needs itself: a minibatch of zero total weight is skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Number
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.validation import check_array

from skffnn._training import Dataset

Array = np.ndarray

NOTHING_TO_LEARN = (
    "Every training sample has weight 0 (sample_weight times class_weight): the "
    "network was left as initialized."
)


def _is_scalar(value: Any) -> bool:
    """Whether `value` is one value rather than a sequence or array-like."""
    if isinstance(value, str | bytes | Number | np.generic):
        return True
    return not any(hasattr(value, name) for name in ("__len__", "__array__", "shape"))


def _scalar_weight(value: Any, name: str) -> float:
    """Return one number given as the weight of every sample, or raise."""
    try:
        refused = str | bytes | bool | np.bool_
        if isinstance(value, refused) or np.iscomplexobj(value):
            raise TypeError
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            f"{name} must be an array of one weight per sample or a real "
            f"number; got {value!r}."
        ) from None


def check_sample_weight(sample_weight: Any, n_samples: int, name: str) -> Array | None:
    """Return `sample_weight` as a new float64 array, or None if not given.

    Parameters
    ----------
    sample_weight : array-like, number or None
        One weight per sample, or one number for all, as scikit-learn takes.
    n_samples : int
        Rows of the data the weights belong to.
    name : str
        The parameter's name, for the error messages.
    """
    if sample_weight is None:
        return None
    if getattr(sample_weight, "shape", None) == ():  # 0-d arrays of any library
        sample_weight = np.asarray(sample_weight).item()
    if _is_scalar(sample_weight):
        sample_weight = np.full(n_samples, _scalar_weight(sample_weight, name))
    weights = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name=name, copy=True
    )
    if weights.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one weight per sample; "
            f"got shape {weights.shape}."
        )
    if np.any(weights < 0):
        raise ValueError(f"{name} must be non-negative; got a negative weight.")
    if not np.any(weights > 0):
        raise ValueError(
            f"{name} must contain at least one non-zero weight; all are zero."
        )
    return weights


@dataclass(frozen=True)
class ValidationInput:
    """A validation set as given to `fit`: ``X_val``, ``y_val``, weights."""

    X: Any
    y: Any
    sample_weight: Any = None

    @classmethod
    def from_fit(
        cls, X_val: Any, y_val: Any, sample_weight_val: Any
    ) -> ValidationInput | None:
        """Pair up fit's validation arguments; None when none was given."""
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if sample_weight_val is not None and X_val is None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        return None if X_val is None else cls(X_val, y_val, sample_weight_val)


@dataclass(frozen=True)
class Given:
    """The targets and sample weights as given, validated but not encoded."""

    y: Any
    sample_weight: Array | None


def class_weights_of(
    class_weight: Any, classes: Array, y: Array, sample_weight: Array | None
) -> Array:
    """Return one weight per class for `class_weight` (a dict or "balanced").

    "balanced" counts the classes with the sample weights, so that integer
    weights give the weights of the data with repeated rows. A class whose
    samples all weigh zero gets weight 0 (it multiplies only zeros).
    """
    with np.errstate(divide="ignore"):
        weights = compute_class_weight(
            class_weight, classes=classes, y=y, sample_weight=sample_weight
        )
    weights[~np.isfinite(weights)] = 0.0
    return weights


def with_class_weights(per_sample: Array, sample_weight: Array | None) -> Array:
    """Multiply the class weight of each sample by its sample weight."""
    return per_sample if sample_weight is None else per_sample * sample_weight


def multilabel_class_weights(class_weight: Any, y: Array) -> Array:
    """Return each sample's class weight for a label indicator `y`."""
    return compute_sample_weight(class_weight, y)


def monitorable(validation: Dataset, fallback: Array | None = None) -> Dataset:
    """Return `validation`, reweighted by `fallback` if its weights are all zero.

    A weighted mean over no weight is undefined. The user's own validation
    weights without class_weight, or else the plain mean, still tell when to
    stop (say for bagging's out-of-bag rows, or a class_weight that zeroes
    every validation sample).
    """
    if validation.has_weight():
        return validation
    if fallback is not None and not np.any(fallback > 0):
        fallback = None
    return Dataset(validation.X, validation.y, fallback)


@dataclass(frozen=True)
class Split:
    """How to cut the early-stopping split."""

    fraction: float
    seed: int
    stratify: Any  # labels to stratify on, or None


def early_stopping_split(
    data: Dataset, given: Given, split: Split
) -> tuple[Dataset, Dataset]:
    """Hold out ``split.fraction`` of `data`; return the training and validation sets.

    Stratified where every class can be represented in both parts; refused
    when the held-out part takes every sample of positive weight.
    """
    train_rows, val_rows = _split_rows(data.n_samples, split)

    def take(rows: Array) -> Dataset:
        weights = None if data.sample_weight is None else data.sample_weight[rows]
        return Dataset(data.X[rows], data.y[rows], weights)

    train = take(train_rows)
    if data.has_weight() and not train.has_weight():
        raise ValueError(
            "early_stopping: the validation split holds every sample of "
            f"positive weight (validation_fraction={split.fraction}), leaving "
            "none to train on. Give more samples positive weight, or pass X_val "
            "and y_val."
        )
    fallback = None if given.sample_weight is None else given.sample_weight[val_rows]
    return train, monitorable(take(val_rows), fallback)


def _split_rows(n_samples: int, split: Split) -> tuple[Array, Array]:
    """Return the training and validation rows of the early-stopping split.

    Stratified for classifiers where every class can be represented; a plain
    random split where it cannot (small folds of many classes).
    """
    rows = np.arange(n_samples)
    attempts = [split.stratify, None] if split.stratify is not None else [None]
    error = None
    for stratify in attempts:
        try:
            train_rows, val_rows = train_test_split(
                rows,
                test_size=split.fraction,
                random_state=split.seed,
                stratify=stratify,
            )
            return train_rows, val_rows
        except ValueError as failure:
            error = failure
    # train_test_split speaks of test_size; the user set these two.
    raise ValueError(
        f"early_stopping cannot hold out validation_fraction={split.fraction} of "
        f"{n_samples} samples: {str(error).rstrip('.')}. Change "
        "validation_fraction, or pass X_val and y_val."
    ) from error
