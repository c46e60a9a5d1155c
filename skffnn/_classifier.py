"""`FFNNClassifier`: label encoding, a sigmoid or softmax output, cross-entropy."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from skffnn import _data, _validation
from skffnn._base import SHARED_ATTRIBUTES_DOC, SHARED_PARAMETERS_DOC, _BaseFFNN

Array = np.ndarray


@dataclass(kw_only=True, eq=False, repr=False)
class FFNNClassifier(ClassifierMixin, _BaseFFNN):
    class_weight: Any = None

    def _check_own_params(self) -> None:
        _validation.check_class_weight(self.class_weight)

    def _output_layer(self) -> tuple[Any, Any]:
        if self._target_type == "multiclass":
            return "softmax", "cross_entropy"
        return "sigmoid", "binary_cross_entropy"

    def _encode_targets(
        self, y: Any, *, first_call: bool, classes: Any, dtype: Any
    ) -> Array:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; it was "
                "flattened.",
                DataConversionWarning,
                stacklevel=4,
            )
            y = y.ravel()
        check_classification_targets(y)
        if first_call:
            self._fit_classes(y, classes)
        if self._target_type == "multilabel-indicator":
            if y.ndim != 2 or y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y must be a label indicator matrix with {len(self.classes_)} "
                    "columns, as in the first fit."
                )
            return y.astype(dtype)
        if y.ndim != 1:
            raise ValueError("y must be one-dimensional for binary/multiclass targets.")
        unseen = ~np.isin(y, self.classes_)
        if np.any(unseen):
            raise ValueError(
                f"y contains labels not seen in the first fit: {np.unique(y[unseen])}; "
                f"known classes are {self.classes_}."
            )
        indices = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return indices.reshape(-1, 1).astype(dtype)
        # Built in place: one (n_samples, n_classes) array in the final dtype.
        one_hot = np.zeros((len(y), len(self.classes_)), dtype)
        one_hot[np.arange(len(y)), indices] = 1
        return one_hot

    def _fit_classes(self, y: Array, classes: Any) -> None:
        self._target_type = type_of_target(y)
        if self._target_type == "multilabel-indicator":
            self.classes_ = np.arange(y.shape[1])
            return
        present = np.unique(y)
        if classes is not None:
            self.classes_ = np.unique(np.asarray(classes))
            missing = ~np.isin(present, self.classes_)
            if np.any(missing):
                raise ValueError(
                    f"y has labels {present[missing]} that are not in classes "
                    f"{self.classes_}."
                )
        else:
            self.classes_ = present
        if len(self.classes_) < 2:
            raise ValueError(
                "FFNNClassifier needs samples of at least 2 classes; got 1 class "
                f"({self.classes_[0]!r})."
            )
        self._target_type = "binary" if len(self.classes_) == 2 else "multiclass"
        self._class_weights: Array | None = None
        self._class_weight_used: Any = None

    def _weights(self, y: Any, sample_weight: Array | None) -> Array | None:
        y = np.asarray(y)
        if self._target_type != "multilabel-indicator" and y.ndim == 2:
            y = y.ravel()  # a column vector, flattened with a warning already
        if self.class_weight is not None:
            if self._target_type == "multilabel-indicator":
                class_weights = _data.multilabel_class_weights(self.class_weight, y)
            else:
                indices = np.searchsorted(self.classes_, y)
                per_class = self._weight_per_class(y, sample_weight)
                class_weights = per_class[indices]
            sample_weight = _data.with_class_weights(class_weights, sample_weight)
        # Weights that leave one class are fine: the weighted loss is still
        # defined (bagging's bootstrap counts do this on rare classes).
        return sample_weight

    def _weight_per_class(self, y: Array, sample_weight: Array | None) -> Array:
        """Return one weight per class, computed from the first `y` seen.

        "balanced" counts each class with `sample_weight`, as scikit-learn's
        linear classifiers do: integer weights act as repeated rows.

        Later batches and validation sets may lack classes, and "balanced" must
        not drift from batch to batch; so the weights are kept until
        `class_weight` itself changes (a warm start after ``set_params``).
        """
        # Models pickled before class_weight changes were tracked lack the record.
        used = getattr(self, "_class_weight_used", self.class_weight)
        if self._class_weights is None or used != self.class_weight:
            self._class_weights = _data.class_weights_of(
                self.class_weight, self.classes_, y, sample_weight
            )
            self._class_weight_used = copy.deepcopy(self.class_weight)
        return self._class_weights

    def _decode_targets(self, targets: Array) -> Array:
        if self._target_type == "multilabel-indicator":
            return targets.astype(int)
        if self._target_type == "binary":
            return self.classes_[(targets[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(targets, axis=1)]

    def _stratify(self, y: Any) -> Any:
        return None if self._target_type == "multilabel-indicator" else y

    def _metric(self) -> Any:
        return self._accuracy

    def _accuracy(self, targets: Array, out: Array) -> float:
        # Called on every minibatch: count hits without a second argmax (the
        # one-hot row holds 1 at the predicted class exactly when it is right).
        n_samples = len(out)
        if self._target_type == "multiclass":
            predicted = np.argmax(out, axis=1)
            hits = np.count_nonzero(targets[np.arange(n_samples), predicted])
        elif out.shape[1] == 1:
            hits = np.count_nonzero((out[:, 0] > 0.5) == (targets[:, 0] > 0.5))
        else:
            hits = np.count_nonzero(np.all((out > 0.5) == (targets > 0.5), axis=1))
        return hits / n_samples

    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> FFNNClassifier:
        """Train for one epoch, continuing from the current weights.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Labels, or a label indicator matrix.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample's term in the loss.
        classes : array-like of shape (n_classes,), default=None
            Every label that will ever be seen; required on the first call.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: it would "
                "be computed from each batch. Give a dict of class weights."
            )
        if hasattr(self, "_network") and classes is not None:
            if not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
                raise ValueError(
                    f"classes {np.unique(np.asarray(classes))} differ from the "
                    f"classes_ of the first partial_fit call, {self.classes_}."
                )
        if not hasattr(self, "_network") and classes is None:
            if type_of_target(np.asarray(y)) != "multilabel-indicator":
                raise ValueError(
                    "classes must be given on the first call to partial_fit: the "
                    "complete list of labels, since later batches may hold others."
                )
        return self._partial_fit(X, y, sample_weight, classes=classes)

    def predict_proba(self, X: Any) -> Array:
        """Return class probabilities for `X`.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Rows sum to one for binary and multiclass targets; for multilabel
            targets, each column is the probability of its label.
        """
        out = self._forward(X)
        # A saturated output can round to exactly 0 or 1; keep every probability
        # strictly inside (0, 1) so that its logarithm is finite.
        eps = np.finfo(out.dtype).eps
        out = np.clip(out, eps, 1 - eps)
        if self._target_type == "binary":
            return np.hstack([1 - out, out])
        if self._target_type == "multiclass":
            out /= out.sum(axis=1, keepdims=True)
        return out

    def predict_log_proba(self, X: Any) -> Array:
        """Return the logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Finite, since probabilities are kept away from 0 and 1.
        """
        return np.log(self.predict_proba(X))

    def predict(self, X: Any) -> Array:
        """Predict labels for `X`.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Labels from `classes_`, or a 0/1 indicator matrix for multilabel fits.
        """
        out = self._forward(X)
        if self._target_type == "multilabel-indicator":
            return (out > 0.5).astype(int)
        if self._target_type == "binary":
            return self.classes_[(out[:, 0] > 0.5).astype(int)]
        return self.classes_[np.argmax(out, axis=1)]

    def __sklearn_tags__(self) -> Any:
        """Declare multilabel support."""
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


FFNNClassifier.__doc__ = (
    """Feed-forward neural network classifier trained by backpropagation.

    The output layer follows the target: one sigmoid unit with binary
    cross-entropy for binary targets, one sigmoid unit per label for multilabel
    indicator targets, softmax with categorical cross-entropy for multiclass.

    Parameters
    ----------"""
    + SHARED_PARAMETERS_DOC
    + """
    class_weight : dict, "balanced" or None, default=None
        Weights multiplying `sample_weight`: ``{label: weight}``, or
        ``"balanced"`` for ``n_samples / (n_classes * bincount(y))``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (``arange(n_labels)`` for multilabel targets).
"""
    + SHARED_ATTRIBUTES_DOC
    + """
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skffnn import FFNNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> model = make_pipeline(
    ...     StandardScaler(), FFNNClassifier(eta=1e-2, random_state=0)
    ... )
    >>> model.fit(X, y).score(X, y) > 0.95
    True
    """
)
