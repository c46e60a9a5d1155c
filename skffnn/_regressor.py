"""`FFNNRegressor`: an identity (or chosen) output layer and a regression cost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

from skffnn import _validation, activations, costs
from skffnn._base import SHARED_ATTRIBUTES_DOC, SHARED_PARAMETERS_DOC, _BaseFFNN

Array = np.ndarray


@dataclass(kw_only=True, eq=False, repr=False)
class FFNNRegressor(RegressorMixin, _BaseFFNN):
    output_activation: Any = "identity"
    cost: Any = "mse"

    _numeric_targets = True

    def _weights(self, y: Any, sample_weight: Array | None) -> Array | None:
        """Refuse sample weights for a cost that returns one number per batch."""
        if sample_weight is not None:
            rows = np.asarray(y, dtype=np.float64)[:2]
            if costs.is_batch_cost(self.cost, rows.reshape(len(rows), -1)):
                label = getattr(self.cost, "__name__", repr(self.cost))
                raise ValueError(
                    f"cost={label} returns one number for the whole batch (a "
                    "mean), so sample_weight and sample_weight_val cannot weigh "
                    "its samples. Return one loss per sample to use weights."
                )
        return sample_weight

    def _check_own_params(self) -> None:
        _validation.check_output_activation(self.output_activation)
        _validation.check_cost(self.cost)

    def _output_layer(self) -> tuple[Any, Any]:
        return self.output_activation, self.cost

    def _softmax_cross_entropy(self) -> bool:
        output, cost = self.output_activation, self.cost
        return output in ("softmax", activations.softmax) and cost in (
            "cross_entropy",
            costs.cross_entropy,
        )

    def _encode_targets(
        self, y: Any, *, first_call: bool, classes: Any, dtype: Any
    ) -> Array:
        y = np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"FFNNRegressor needs numeric targets; got y of dtype {y.dtype}."
            )
        if not np.all(np.isfinite(y)):
            raise ValueError("y contains NaN or infinity.")
        if first_call:
            self._y_ndim = y.ndim
        targets = y.reshape(-1, 1) if y.ndim == 1 else y
        if self._softmax_cross_entropy() and not np.allclose(targets.sum(axis=1), 1):
            raise ValueError(
                "cost='cross_entropy' with output_activation='softmax' needs "
                "targets whose rows sum to one (one-hot or probabilities)."
            )
        if not first_call and targets.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {targets.shape[1]} outputs but the estimator was fitted with "
                f"{self.n_outputs_}."
            )
        with np.errstate(over="ignore"):
            targets = targets.astype(dtype, copy=False)
        if not np.all(np.isfinite(targets)):
            raise ValueError(
                f"y has values too large for {np.dtype(dtype).name}, the dtype of "
                "X; scale y, or pass X as float64."
            )
        return targets

    def _decode_targets(self, targets: Array) -> Array:
        return targets.ravel() if self._y_ndim == 1 else targets

    def predict(self, X: Any) -> Array:
        """Predict targets for `X`.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One-dimensional when the model was fitted on a one-dimensional `y`.
        """
        out = self._forward(X)
        return out.ravel() if self._y_ndim == 1 else out

    def __sklearn_tags__(self) -> Any:
        """Declare multi-output support."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


FFNNRegressor.__doc__ = (
    """Feed-forward neural network regressor trained by backpropagation.

    Parameters
    ----------"""
    + SHARED_PARAMETERS_DOC
    + """
    output_activation : str or callable, default="identity"
        Activation of the output layer: a name from
        :data:`skffnn.activations.ACTIVATIONS` or an ``autograd.numpy`` callable.

    cost : str or callable, default="mse"
        ``"mse"`` (squared error averaged over outputs), another name from
        :data:`skffnn.costs.COSTS`, or a callable ``cost(y_true, y_pred)``
        written with ``autograd.numpy`` that returns one loss per sample.

    Attributes
    ----------"""
    + SHARED_ATTRIBUTES_DOC
    + """
    Examples
    --------
    >>> import numpy as np
    >>> from skffnn import FFNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(-1, 1, (200, 2))
    >>> y = X[:, 0] ** 2 + X[:, 1]
    >>> model = FFNNRegressor(hidden_layer_sizes=(20,), eta=1e-2, random_state=0)
    >>> model.fit(X, y).score(X, y) > 0.9
    True
    """
)
