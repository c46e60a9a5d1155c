"""`scoring`: a scikit-learn scorer, made into the loop's per-epoch score.

The training loop calls ``score(data, which)`` at the end of an epoch, with a
:class:`~skffnn._training.Dataset` of encoded targets. Here the scorer is
checked once per fit and called on the live estimator with the targets decoded
back into what `fit` took, so that any scorer scikit-learn accepts works.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.metrics import check_scoring

from skffnn._training import Dataset

Score = Callable[[Dataset, str], float]


def check(estimator: Any, scoring: Any) -> Any:
    """Return the scorer for `scoring` (None stays None), or raise naming it."""
    if scoring is None:
        return None
    if not (isinstance(scoring, str) or callable(scoring)):
        raise ValueError(
            "scoring must be None, a scorer name such as 'accuracy' or 'r2', or "
            f"a callable scorer(estimator, X, y); got {scoring!r}."
        )
    try:
        return check_scoring(estimator, scoring=scoring)
    except ValueError as error:
        raise ValueError(f"scoring={scoring!r}: {error}") from error


def epoch_score(
    estimator: Any, scoring: Any, decode: Callable[[np.ndarray], Any]
) -> Score | None:
    """Return ``score(data, which)`` for the loop, or None without `scoring`.

    Parameters
    ----------
    estimator : FFNNRegressor or FFNNClassifier
        The estimator being fitted; its network is scored as it is.
    scoring : str, callable or None
        The estimator's `scoring` parameter.
    decode : callable
        Turns encoded targets back into labels or values.
    """
    scorer = check(estimator, scoring)
    if scorer is None:
        return None

    def score(data: Dataset, which: str) -> float:
        y = decode(data.y)
        weights = {}
        if data.sample_weight is not None:
            weights["sample_weight"] = data.sample_weight
        try:
            with warnings.catch_warnings():
                # The loop holds X as a validated array, without the column
                # names of a DataFrame the estimator may have been fitted on.
                warnings.filterwarnings(
                    "ignore", message="X does not have valid feature names"
                )
                value = float(scorer(estimator, data.X, y, **weights))
        except ValueError as error:
            raise ValueError(
                f"scoring={scoring!r} cannot be computed on the {which}: {error}"
            ) from error
        if not np.isfinite(value):
            raise ValueError(
                f"scoring={scoring!r} is {value} on the {which} (ROC AUC, for "
                "one, is undefined on a split that holds one class). Choose "
                "another scoring, or a validation set that allows it."
            )
        return value

    return score
