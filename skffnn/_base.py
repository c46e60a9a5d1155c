"""`_BaseFFNN`: everything the regressor and the classifier share.

The estimators are thin: they check input with scikit-learn's public helpers,
encode targets, and hand a :class:`~skffnn._network.Network` and a scheduler to
the training loops in :mod:`skffnn._training`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Number
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from skffnn import _validation
from skffnn._network import Network, network_names
from skffnn._training import (
    Dataset,
    History,
    TrainingConfig,
    train_lbfgs,
    train_minibatch,
    warn_all,
)

Array = np.ndarray

SHARED_PARAMETERS_DOC = """
    hidden_layer_sizes : tuple of int, default=(100,)
        Widths of the hidden layers. ``()`` gives a network with no hidden layer
        (linear or logistic regression).

    activation : str, callable or list of these, default="relu"
        Hidden activation: ``"identity"``, ``"sigmoid"``, ``"tanh"``, ``"relu"``,
        ``"leaky_relu"``, ``"elu"``, or an elementwise callable written with
        ``autograd.numpy`` (differentiated by autograd). A list or tuple gives
        one activation per hidden layer.

    scheduler : str or Scheduler, default="adam"
        Update rule: ``"constant"``, ``"momentum"``, ``"adagrad"``,
        ``"adagrad_momentum"``, ``"rmsprop"``, ``"adam"``, ``"lbfgs"``
        (full-batch quasi-Newton through SciPy), or a
        :class:`skffnn.schedulers.Scheduler` instance (copied, never changed).
        An instance carries its own rates: `eta`, `momentum`, `rho` and `rho2`
        then have no effect (they are still checked), so tune an instance's
        rates by searching over several instances.

    eta : float, default=1e-3
        Learning rate of the named minibatch schedulers (not ``"lbfgs"``,
        which sets its own steps).

    lam : float, default=0.0
        L2 penalty on the weights (not the biases): the loss gains
        ``lam / 2 * sum(W ** 2)``.

    momentum : float, default=0.9
        Momentum of ``"momentum"`` and ``"adagrad_momentum"``.

    rho : float, default=0.9
        Decay rate of RMSprop's average of squares and of Adam's first moment.

    rho2 : float, default=0.999
        Decay rate of Adam's second moment.

    batch_size : int or "auto", default="auto"
        Minibatch size; ``"auto"`` is ``min(200, n_samples)``.

    epochs : int, default=200
        Passes over the training data (iterations for ``"lbfgs"``).

    shuffle : bool, default=True
        Reshuffle the samples every epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, shuffling, dropout and the validation split.
        The same integer gives bit-identical results.

    tol : float, default=1e-4
        Training stops when the monitored loss (validation loss with early
        stopping, else training loss) has not improved by `tol` for
        `n_iter_no_change` consecutive epochs. For ``"lbfgs"`` it is the
        tolerance on the projected gradient instead.

    n_iter_no_change : int, default=10
        Patience, in epochs.

    early_stopping : bool, default=False
        Hold out `validation_fraction` of the training data (stratified for
        classifiers when every class fits in both parts, else at random), or
        use ``X_val`` / ``y_val`` when given to `fit`, stop on
        its loss and restore the best weights. Minibatch schedulers only:
        ``"lbfgs"`` has no epochs to stop between and ignores it, and
        `partial_fit` refuses it.

    validation_fraction : float, default=0.1
        Fraction held out for early stopping. If every held-out sample has
        weight 0, their loss is monitored unweighted.

    warm_start : bool, default=False
        `fit` continues from the current weights instead of starting anew.

    weight_init : {"auto", "glorot", "he", "normal"}, default="auto"
        Initial weights: Glorot uniform, He normal or the standard normal,
        with biases at zero. ``"auto"`` is scikit-learn's MLP initialization:
        weights and biases uniform on ``+-sqrt(6 / (n_in + n_out))`` on every
        layer (with the default settings it beat He before ReLU layers and
        zero biases in benchmarks/defaults_study.py).

    dropout : float, default=0.0
        Inverted dropout on hidden units during training: each unit is dropped
        with this probability and the kept ones are scaled by
        ``1 / (1 - dropout)``. Prediction uses every unit and is deterministic.

    batch_norm : bool, default=False
        Batch normalization before each hidden activation, with learnt scale
        and shift; batch statistics in training, running averages at
        prediction.

    clip_norm : float or None, default=None
        Clip each step's gradient to this global L2 norm.

    verbose : int or bool, default=0
        ``0`` (or False) is silent; ``> 0`` (or True) shows a progress bar over
        epochs with the training and validation loss (and accuracy for
        classifiers).
"""

SHARED_ATTRIBUTES_DOC = """
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape ``(n_in, n_out)``: the weights of layer ``i``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape ``(n_out,)``: the biases of layer ``i``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Feature names, when fitted on a DataFrame with string column names.

    n_outputs_ : int
        Number of output units.

    n_layers_ : int
        Number of layers, counting the input and output layers.

    n_iter_ : int
        Epochs (or L-BFGS iterations) run, accumulated over warm starts and
        `partial_fit` calls.

    t_ : int
        Optimizer steps taken.

    loss_curve_ : list of float
        Training loss after each epoch.

    best_loss_ : float
        Best monitored loss (validation loss with early stopping).

    history_ : dict of ndarray
        Per-epoch ``train_loss`` and, where they apply, ``val_loss``,
        ``train_accuracy`` and ``val_accuracy``. As in Keras, the training
        numbers average the epoch's minibatches while the weights move (with
        dropout active); the validation numbers are computed at the end of the
        epoch. A key absent in some epochs (a validation set given to only one
        of several warm-started fits) holds NaN there.

    batch_norm_scales_, batch_norm_shifts_ : list of ndarray
        With ``batch_norm=True``: the learnt scale ``gamma`` and shift ``beta``
        of each hidden layer's normalization.

    batch_norm_means_, batch_norm_vars_ : list of ndarray
        With ``batch_norm=True``: running averages of each hidden layer's batch
        mean and variance (momentum 0.9), used at prediction.
"""


def _is_scalar(value: Any) -> bool:
    """Whether `value` is one value rather than a sequence or array-like."""
    if isinstance(value, str | bytes | Number | np.generic):
        return True
    return not any(hasattr(value, name) for name in ("__len__", "__array__", "shape"))


def _check_sample_weight(sample_weight: Any, n_samples: int, name: str) -> Array | None:
    """Return `sample_weight` as a new float64 array, or None if not given."""
    if sample_weight is None:
        return None
    if getattr(sample_weight, "shape", None) == ():  # 0-d arrays of any library
        sample_weight = np.asarray(sample_weight).item()
    if _is_scalar(sample_weight):  # one weight for all, as scikit-learn takes
        try:
            refused = str | bytes | bool | np.bool_
            if isinstance(sample_weight, refused) or np.iscomplexobj(sample_weight):
                raise TypeError
            value = float(sample_weight)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                f"{name} must be an array of one weight per sample or a real "
                f"number; got {sample_weight!r}."
            ) from None
        sample_weight = np.full(n_samples, value)
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


class _Given(NamedTuple):
    """The targets and sample weights as given, validated but not encoded."""

    y: Any
    sample_weight: Array | None


def _monitorable(validation: Dataset, fallback: Array | None = None) -> Dataset:
    """Return `validation`, reweighted by `fallback` if its weights are all zero.

    A weighted mean over no weight is undefined. The user's own validation
    weights without class_weight, or else the plain mean, still tell when to
    stop (say for bagging's out-of-bag rows, or a class_weight that zeroes
    every validation sample).
    """
    weights = validation.sample_weight
    if weights is not None and not np.any(weights > 0):
        return Dataset(validation.X, validation.y, fallback)
    return validation


def _rollback(network: Network) -> Callable[[], None]:
    """Return a function that puts `network`'s weights back as they are now."""
    arrays = [network.theta, network.running_mean, network.running_var]
    copies = [array.copy() for array in arrays]
    dropout = network.dropout

    def rollback() -> None:
        for array, copied in zip(arrays, copies, strict=True):
            array[...] = copied
        network.dropout = dropout

    return rollback


@dataclass(kw_only=True, eq=False, repr=False)
class _BaseFFNN(BaseEstimator):
    """Shared parameters, fitting, prediction and fitted attributes."""

    hidden_layer_sizes: Any = (100,)
    activation: Any = "relu"
    scheduler: Any = "adam"
    eta: float = 1e-3
    lam: float = 0.0
    momentum: float = 0.9
    rho: float = 0.9
    rho2: float = 0.999
    batch_size: Any = "auto"
    epochs: int = 200
    shuffle: bool = True
    random_state: Any = None
    tol: float = 1e-4
    n_iter_no_change: int = 10
    early_stopping: bool = False
    validation_fraction: float = 0.1
    warm_start: bool = False
    weight_init: str = "auto"
    dropout: float = 0.0
    batch_norm: bool = False
    clip_norm: Any = None
    verbose: int = 0

    # ----- hooks for the estimators -------------------------------------------

    def _check_output_params(self) -> dict[str, Any]:
        """Validate the estimator's own parameters; return output settings."""
        raise NotImplementedError

    def _encode_targets(
        self, y: Any, *, first_call: bool, classes: Any, dtype: Any
    ) -> Array:
        """Check `y`, set target attributes on the first call, return 2-D targets.

        The targets come back in `dtype`, the network's.
        """
        raise NotImplementedError

    def _output_layer(self) -> tuple[Any, Any]:
        """Return ``(output_activation, cost)`` for the encoded targets."""
        raise NotImplementedError

    def _weights(self, y: Any, sample_weight: Array | None) -> Array | None:
        """Combine `sample_weight` with any class weights."""
        return sample_weight

    def _stratify(self, y: Any) -> Any:
        """Labels to stratify the validation split on, or None."""
        return None

    def _metric(self) -> Any:
        """Return ``accuracy(targets, out)`` to record in history_, or None."""
        return None

    _numeric_targets = False

    # ----- fitted attributes derived from the network and the history ---------

    @property
    def coefs_(self) -> list[Array]:
        """Weights per layer, views into the network's parameter vector."""
        check_is_fitted(self, "_network")
        return list(self._network.W)

    @property
    def intercepts_(self) -> list[Array]:
        """Biases per layer, views into the network's parameter vector."""
        check_is_fitted(self, "_network")
        return list(self._network.b)

    def _batch_norm_arrays(self, name: str) -> list[Array]:
        check_is_fitted(self, "_network")
        if not self._network.batch_norm:
            raise AttributeError("batch normalization attributes need batch_norm=True")
        return list(getattr(self._network, name))

    @property
    def batch_norm_scales_(self) -> list[Array]:
        """Batch-norm scales ``gamma`` per hidden layer (with batch_norm=True)."""
        return self._batch_norm_arrays("gamma")

    @property
    def batch_norm_shifts_(self) -> list[Array]:
        """Batch-norm shifts ``beta`` per hidden layer (with batch_norm=True)."""
        return self._batch_norm_arrays("beta")

    @property
    def batch_norm_means_(self) -> list[Array]:
        """Running means of the hidden ``z`` used at prediction."""
        return self._batch_norm_arrays("mean")

    @property
    def batch_norm_vars_(self) -> list[Array]:
        """Running variances of the hidden ``z`` used at prediction."""
        return self._batch_norm_arrays("var")

    @property
    def history_(self) -> dict[str, Array]:
        """Per-epoch records as arrays."""
        check_is_fitted(self, "_history")
        return self._history.as_arrays()

    @property
    def loss_curve_(self) -> list[float]:
        """Training loss after each epoch."""
        check_is_fitted(self, "_history")
        return list(self._history.records.get("train_loss", []))

    # ----- fitting -------------------------------------------------------------

    def fit(
        self,
        X: Any,
        y: Any,
        sample_weight: Any = None,
        *,
        X_val: Any = None,
        y_val: Any = None,
        sample_weight_val: Any = None,
    ) -> _BaseFFNN:
        """Train the network on `X`, `y`.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample's term in the loss.
        X_val, y_val : array-like, default=None
            A validation set scored every epoch into `history_`; with
            ``early_stopping=True`` it replaces the held-out split.
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the validation samples (times `class_weight`, for the
            classifier). Should `class_weight` zero all of them, these weights
            alone are used, and without them the plain mean.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if sample_weight_val is not None and X_val is None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        first_call = not (self.warm_start and hasattr(self, "_network"))
        return self._fit(
            X,
            y,
            sample_weight,
            first_call=first_call,
            validation=(X_val, y_val, sample_weight_val),
            epochs=None,
        )

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> _BaseFFNN:
        """Train for one epoch, continuing from the current weights.

        Parameters
        ----------
        X : array-like, DataFrame or sparse matrix of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample's term in the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._partial_fit(X, y, sample_weight, classes=None)

    def _partial_fit(
        self, X: Any, y: Any, sample_weight: Any, classes: Any
    ) -> _BaseFFNN:
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True: each call sees "
                "one batch, with nothing to hold out. Score a validation set "
                "yourself between calls."
            )
        first_call = not hasattr(self, "_network")
        return self._fit(
            X,
            y,
            sample_weight,
            first_call=first_call,
            validation=(None, None, None),
            epochs=1,
            classes=classes,
            incremental=True,
        )

    def _setup(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        first_call: bool,
        classes: Any = None,
        incremental: bool = False,
    ) -> tuple[dict[str, Any], Dataset, _Given]:
        """Validate everything and build the network when needed.

        Returns the validated parameters, the training data and what was
        given: the validated targets before encoding and the sample weights
        before class weights. `incremental` (partial_fit) accepts a
        single sample, as scikit-learn's online learners do.
        """
        params = _validation.check_common(self.get_params())
        params.update(self._check_output_params())
        if first_call:
            _validation.probe_custom_activations(
                self.activation, params.get("output_activation")
            )
        X, y = validate_data(
            self,
            X,
            y,
            reset=first_call,
            accept_sparse="csr",
            dtype=(np.float64, np.float32) if first_call else self._network.dtype,
            multi_output=True,
            ensure_min_samples=1 if incremental else 2,
            y_numeric=self._numeric_targets,
        )
        if sp.issparse(y):  # e.g. MultiLabelBinarizer(sparse_output=True)
            y = y.toarray()
        if not first_call:
            self._check_same_architecture(params)
        targets = self._encode_targets(
            y, first_call=first_call, classes=classes, dtype=X.dtype
        )
        given_weights = _check_sample_weight(sample_weight, X.shape[0], "sample_weight")
        weights = self._weights(y, given_weights)
        if first_call:
            try:
                random_state = check_random_state(self.random_state)
            except ValueError as error:
                raise ValueError(
                    "random_state must be None, an int or a numpy RandomState; "
                    f"got {self.random_state!r}."
                ) from error
            self._seed = int(random_state.randint(np.iinfo(np.int32).max))
            output_activation, cost = self._output_layer()
            self._network: Network = Network(
                (X.shape[1], *params["hidden_layer_sizes"], targets.shape[1]),
                params["activation"],
                output_activation,
                cost,
                dtype=X.dtype.name,
                batch_norm=params["batch_norm"],
                dropout=params["dropout"],
            )
            self._network.initialize(
                np.random.default_rng(self._seed), params["weight_init"]
            )
            self._history = History()
            self.n_iter_ = self.t_ = 0
            self.best_loss_ = np.inf
            self.n_outputs_ = targets.shape[1]
            self.n_layers_ = len(params["hidden_layer_sizes"]) + 2
        data = Dataset(X, targets, weights)
        return params, data, _Given(y, given_weights)

    def _check_same_architecture(self, params: dict[str, Any]) -> None:
        """Refuse to continue training a network whose definition has changed."""
        network = self._network
        output_activation, cost = self._output_layer()
        wanted = {
            "hidden_layer_sizes": params["hidden_layer_sizes"],
            "activation": network_names(params["activation"]),
            "batch_norm": params["batch_norm"],
            "output_activation": network_names([output_activation])[0],
            "cost": network_names([cost])[0],
        }
        built = {
            "hidden_layer_sizes": network.layer_sizes[1:-1],
            "activation": network.hidden_activations,
            "batch_norm": network.batch_norm,
            "output_activation": network.output_activation,
            "cost": network.cost,
        }
        changed = [name for name in wanted if wanted[name] != built[name]]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the network was built; "
                "warm_start and partial_fit continue the same network. Set "
                "warm_start=False (or clone the estimator) to train a new one."
            )

    def _validation_data(
        self, params: dict[str, Any], data: Dataset, raw: _Given, given: tuple
    ) -> tuple[Dataset, Dataset | None]:
        """Return the training data and the validation set, split if needed."""
        X_val, y_val, sample_weight_val = given
        if X_val is not None:
            try:
                X_val, y_val = validate_data(
                    self,
                    X_val,
                    y_val,
                    reset=False,
                    accept_sparse="csr",
                    dtype=self._network.dtype,
                    multi_output=True,
                    y_numeric=self._numeric_targets,
                )
                if sp.issparse(y_val):
                    y_val = y_val.toarray()
                targets_val = self._encode_targets(
                    y_val, first_call=False, classes=None, dtype=self._network.dtype
                )
                given_weights = _check_sample_weight(
                    sample_weight_val, X_val.shape[0], "sample_weight_val"
                )
                weights = self._weights(y_val, given_weights)
            except ValueError as error:
                # scikit-learn's checks call every input "X" or "y".
                raise ValueError(f"Validation set (X_val, y_val): {error}") from error
            return data, _monitorable(
                Dataset(X_val, targets_val, weights), given_weights
            )
        if not params["early_stopping"] or params["scheduler"] == "lbfgs":
            return data, None
        fraction = params["validation_fraction"]
        train_rows, val_rows = self._split_rows(data.n_samples, fraction, raw.y)

        def take(rows: Array) -> Dataset:
            weights = None if data.sample_weight is None else data.sample_weight[rows]
            return Dataset(data.X[rows], data.y[rows], weights)

        train = take(train_rows)
        if (
            data.sample_weight is not None
            and train.sample_weight is not None
            and np.any(data.sample_weight > 0)
            and not np.any(train.sample_weight > 0)
        ):
            raise ValueError(
                "early_stopping: the validation split holds every sample of "
                f"positive weight (validation_fraction={fraction}), leaving none "
                "to train on. Give more samples positive weight, or pass X_val "
                "and y_val."
            )
        fallback = None if raw.sample_weight is None else raw.sample_weight[val_rows]
        if fallback is not None and not np.any(fallback > 0):
            fallback = None
        return train, _monitorable(take(val_rows), fallback)

    def _split_rows(
        self, n_samples: int, fraction: float, y_raw: Any
    ) -> tuple[Array, Array]:
        """Return the training and validation rows of the early-stopping split.

        Stratified for classifiers where every class can be represented; a
        plain random split where it cannot (small folds of many classes).
        """
        rows = np.arange(n_samples)
        stratify = self._stratify(y_raw)
        error = None
        for attempt in [stratify, None] if stratify is not None else [None]:
            try:
                train_rows, val_rows = train_test_split(
                    rows, test_size=fraction, random_state=self._seed, stratify=attempt
                )
                return train_rows, val_rows
            except ValueError as failure:
                error = failure
        # train_test_split speaks of test_size; the user set these two.
        raise ValueError(
            f"early_stopping cannot hold out validation_fraction={fraction} of "
            f"{n_samples} samples: {str(error).rstrip('.')}. Change "
            "validation_fraction, or pass X_val and y_val."
        ) from error

    def _fit(
        self, *args: Any, first_call: bool, incremental: bool = False, **kwargs: Any
    ) -> _BaseFFNN:
        """Run :meth:`_fit_and_record`; on an error, restore the estimator.

        A bad input found halfway (say an `X_val` with the wrong number of
        features) must not leave a half-reset estimator or lose the model a
        previous fit trained, and an error raised during training (say by a
        user's scheduler) must not leave half-trained weights. Warnings are
        issued only once the fit has succeeded, so that turning them into
        errors does not undo a finished fit.
        """
        restore = self._snapshot(first_call, incremental)
        try:
            messages = self._fit_and_record(
                *args, first_call=first_call, incremental=incremental, **kwargs
            )
        except BaseException:
            restore()
            raise
        # Point at the user's line: above fit, or above partial_fit's two frames.
        warn_all(messages, ConvergenceWarning, stacklevel=4 if incremental else 3)
        return self

    def _snapshot(self, first_call: bool, incremental: bool) -> Callable[[], None]:
        """Return a function that puts the estimator back as it is now.

        Attributes are only ever replaced, except the network's weights (and
        dropout rate), the history and, in partial_fit, the scheduler, which
        training changes in place: only those are copied, and only when this
        fit continues them.
        """
        saved = dict(self.__dict__)
        undo: list[Callable[[], None]] = []
        if not first_call:  # a first fit replaces all, changing nothing old
            history, lengths = self._history, self._history.lengths()
            undo += [_rollback(self._network), lambda: history.truncate(lengths)]
            if incremental and "_scheduler" in saved:
                saved["_scheduler"] = copy.deepcopy(saved["_scheduler"])

        def restore() -> None:
            self.__dict__.clear()
            self.__dict__.update(saved)
            for step in undo:
                step()

        return restore

    def _fit_and_record(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        first_call: bool,
        validation: tuple[Any, Any, Any],
        epochs: int | None,
        classes: Any = None,
        incremental: bool = False,
    ) -> list[str]:
        """Validate, build or continue the network, train it; return warnings."""
        params, data, raw = self._setup(
            X,
            y,
            sample_weight,
            first_call=first_call,
            classes=classes,
            incremental=incremental,
        )
        train, val = self._validation_data(params, data, raw, validation)
        if train.sample_weight is not None and not np.any(train.sample_weight > 0):
            # Nothing to learn from (say class_weight zeroes every class in a
            # bag, or a streamed batch): no step, as SGDClassifier makes none.
            if incremental:
                return []
            return [
                "Every training sample has weight 0 (sample_weight times "
                "class_weight): the network was left as initialized."
            ]
        # Everything is checked: from here on the network changes in place.
        self._network.dropout = params["dropout"]  # a warm start may change it
        if first_call or not incremental or not hasattr(self, "_scheduler"):
            self._scheduler = params["scheduler"]
        batch_size = params["batch_size"]
        config = TrainingConfig(
            epochs=epochs or params["epochs"],
            batch_size=(
                min(200, train.n_samples) if batch_size == "auto" else batch_size
            ),
            shuffle=params["shuffle"],
            tol=params["tol"],
            n_iter_no_change=params["n_iter_no_change"],
            lam=params["lam"],
            clip_norm=params["clip_norm"],
            early_stopping=params["early_stopping"],
            verbose=params["verbose"],
        )
        if self._scheduler == "lbfgs":
            result = train_lbfgs(
                self._network,
                train,
                config,
                self._history,
                validation=val,
                accuracy=self._metric(),
            )
        else:
            # A fresh stream per call, so warm starts and partial_fit calls shuffle
            # differently yet reproducibly.
            rng = np.random.default_rng([self._seed, self.n_iter_])
            result = train_minibatch(
                self._network,
                self._scheduler,
                train,
                config,
                rng,
                self._history,
                validation=val,
                accuracy=self._metric(),
                best_loss=self.best_loss_ if incremental else np.inf,
                seed=self._seed,
                first_step=self.t_,
            )
        self.n_iter_ += result.n_iter
        self.t_ += result.steps
        self.best_loss_ = float(result.best_loss)
        ran_out = not result.converged and result.n_iter == config.epochs
        if not incremental and ran_out and not result.messages:
            return [
                f"Stopped after the maximum of {config.epochs} epochs before the "
                "loss converged; raise epochs or eta, or loosen tol."
            ]
        return result.messages

    # ----- prediction ----------------------------------------------------------

    def _forward(self, X: Any) -> Array:
        """Check `X` against the fit and return the network's output."""
        check_is_fitted(self, "_network")
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=self._network.dtype
        )
        out = self._network.forward(X)
        # predict never returns NaN: it says why instead.
        if np.isnan(out).any():
            rows = int(np.isnan(out).any(axis=1).sum())
            raise ValueError(
                f"The network's output is NaN for {rows} of {out.shape[0]} rows of "
                "X: their values overflow the network (scale X), or a custom "
                "activation is undefined for them (it was probed only on "
                "[-10, 10] at fit)."
            )
        return out

    def __sklearn_tags__(self) -> Any:
        """Declare sparse input support."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
