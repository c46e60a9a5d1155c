"""`_BaseFFNN`: everything the regressor and the classifier share.

The estimators are thin: they check input with scikit-learn's public helpers,
encode targets, and hand a :class:`~skffnn._network.Network` and a scheduler to
the training loops in :mod:`skffnn._training`. Every `fit` and `partial_fit` is
a transaction: snapshot the estimator, run, record, or roll back on any error.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from skffnn import _callbacks, _data, _scoring, _validation, schedules
from skffnn._data import Given, ValidationInput
from skffnn._network import Network, network_names
from skffnn._training import (
    Continuation,
    Dataset,
    EpochCallbacks,
    EtaPlan,
    History,
    Run,
    TrainingResult,
    train_lbfgs,
    train_minibatch,
    warn_all,
)
from skffnn._validation import Settings

Array = np.ndarray

DOCS_URL = "https://skffnn.example.org"
"""Base URL of the documentation site (a placeholder until it is published)."""

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

    eta_schedule : str or Schedule, default="constant"
        How the learning rate changes from epoch to epoch, apart from the
        update rule: ``"constant"``, ``"invscaling"`` (``eta / (t + 1) **
        0.5``), ``"step"`` (halved every 10 epochs), ``"cosine"`` (down to 0
        over `epochs`), ``"plateau"`` (times 0.1 after 5 epochs without
        improving the monitored loss or score by 1e-4), or a
        :class:`skffnn.schedules.Schedule` with its own parameters, e.g.
        ``Step(gamma=0.1, step_size=30)``. ``t`` counts epochs from 0 over the
        whole training: warm starts and `partial_fit` continue the schedule. It
        scales `eta`, or the own rate of a `scheduler` instance; ``"lbfgs"``
        takes only ``"constant"``. The rate of each epoch is recorded in
        ``history_["eta"]``. ``"plateau"`` counts its own patience apart from
        `n_iter_no_change`: with the defaults the rate drops twice before
        training stops.

    scoring : str, callable or None, default=None
        What `tol` / `n_iter_no_change` and early stopping watch, as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`: ``None``
        watches the loss; a scorer name (``"accuracy"``, ``"roc_auc"``,
        ``"r2"``, ...) or a callable ``scorer(estimator, X, y)`` watches that
        score (higher is better): on the validation set with early stopping,
        restoring the weights of the epoch with the best score, else on the
        training data at the end of each epoch. It is recorded in `history_`
        as ``"val_score"`` (whenever there is a validation set) and
        ``"train_score"`` (when watched). A score that cannot be computed
        (ROC AUC on a one-class validation split) raises a ``ValueError``
        naming `scoring`.
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
        Best monitored loss (validation loss with early stopping). With
        `scoring`, the lowest loss recorded on the set the score watches.

    best_score_ : float
        With `scoring`: the best score watched, whose weights were kept.

    history_ : dict of ndarray
        Per-epoch ``train_loss`` and, where they apply, ``val_loss``,
        ``train_accuracy``, ``val_accuracy``, ``val_score`` and
        ``train_score`` (see `scoring`), and ``eta``, the learning rate of the
        epoch (minibatch schedulers). As in Keras, the training
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


@dataclass(frozen=True)
class _FitCall:
    """One call of `fit` or `partial_fit`, as given."""

    X: Any
    y: Any
    sample_weight: Any
    validation: ValidationInput | None
    first_call: bool  # build a new network (not a warm start or a later call)
    incremental: bool = False  # partial_fit: one epoch, continuing the optimizer
    classes: Any = None

    def epochs(self, settings: Settings) -> int:
        """Epochs this call may run: one for partial_fit, else `epochs`."""
        return 1 if self.incremental else settings.loop.epochs


@dataclass(frozen=True)
class _Prepared:
    """A call's checked settings and its training data, encoded."""

    settings: Settings
    data: Dataset
    given: Given


def _rollback(network: Network) -> Callable[[], None]:
    """Return a function that puts `network`'s weights back as they are now."""
    arrays = [network.theta, network.running_mean, network.running_var]
    copies = [array.copy() for array in arrays]

    def rollback() -> None:
        for array, copied in zip(arrays, copies, strict=True):
            array[...] = copied

    return rollback


# On scikit-learn >= 1.9 the first base is CallbackSupportMixin (set_callbacks);
# on older versions an empty class, so that the bases are fixed at import.
@dataclass(kw_only=True, eq=False, repr=False)
class _BaseFFNN(_callbacks.CallbackSupport, BaseEstimator):
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
    eta_schedule: Any = "constant"
    scoring: Any = None

    # ----- hooks for the estimators -------------------------------------------

    def _check_own_params(self) -> None:
        """Validate the parameters that only this estimator has."""
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

    def _decode_targets(self, targets: Array) -> Any:
        """Turn encoded targets back into `y` as `fit` took it (for scorers)."""
        raise NotImplementedError

    def _stratify(self, y: Any) -> Any:
        """Labels to stratify the validation split on, or None."""
        return None

    def _metric(self) -> Any:
        """Return ``accuracy(targets, out)`` to record in history_, or None."""
        return None

    _numeric_targets = False

    # The HTML repr's "?" link: the class's API page. Unannotated, so that the
    # dataclass does not take them for parameters.
    _doc_link_module = "skffnn"
    _doc_link_template = (
        DOCS_URL + "/api/generated/{estimator_module}.{estimator_name}.html"
    )

    # ----- fitted attributes derived from the network and the history ---------

    @property
    def coefs_(self) -> list[Array]:
        """Weights per layer: ``coefs_[i]`` of shape ``(n_in, n_out)`` (views)."""
        check_is_fitted(self, "_network")
        return list(self._network.W)

    @property
    def intercepts_(self) -> list[Array]:
        """Biases per layer: ``intercepts_[i]`` of shape ``(n_out,)`` (views)."""
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
        """Per-epoch ``train_loss``, ``val_loss``, accuracies, scores and ``eta``."""
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
        validation = ValidationInput.from_fit(X_val, y_val, sample_weight_val)
        first_call = not (self.warm_start and hasattr(self, "_network"))
        return self._transaction(
            _FitCall(X, y, sample_weight, validation, first_call=first_call)
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
        call = _FitCall(
            X, y, sample_weight, None, first_call, incremental=True, classes=classes
        )
        return self._transaction(call)

    # ----- the fit transaction: snapshot, run, record, or roll back ------------

    def _transaction(self, call: _FitCall) -> _BaseFFNN:
        """Run :meth:`_run_fit`; on an error, restore the estimator.

        A bad input found halfway (say an `X_val` with the wrong number of
        features) must not leave a half-reset estimator or lose the model a
        previous fit trained, and an error raised during training (say by a
        user's scheduler) must not leave half-trained weights. Warnings are
        issued only once the fit has succeeded, so that turning them into
        errors does not undo a finished fit.
        """
        restore = self._snapshot(call)
        try:
            # The callbacks' teardown runs inside, before restore() would
            # forget which callbacks were set up.
            messages = _callbacks.run(self, lambda: self._run_fit(call))
        except BaseException:
            restore()
            raise
        # Point at the user's line: above fit, or above partial_fit's two frames.
        warn_all(messages, ConvergenceWarning, stacklevel=4 if call.incremental else 3)
        return self

    def _snapshot(self, call: _FitCall) -> Callable[[], None]:
        """Return a function that puts the estimator back as it is now.

        Attributes are only ever replaced, except the network's weights, the
        history and, in partial_fit, the scheduler, which training changes in
        place: only those are copied, and only when this fit continues them.
        """
        saved = dict(self.__dict__)
        undo: list[Callable[[], None]] = []
        if not call.first_call:  # a first fit replaces all, changing nothing old
            history, lengths = self._history, self._history.lengths()
            undo += [_rollback(self._network), lambda: history.truncate(lengths)]
            if call.incremental and "_scheduler" in saved:
                saved["_scheduler"] = copy.deepcopy(saved["_scheduler"])
            if "_eta_schedule" in saved:  # a plateau's state changes in place
                saved["_eta_schedule"] = copy.deepcopy(saved["_eta_schedule"])

        def restore() -> None:
            self.__dict__.clear()
            self.__dict__.update(saved)
            for step in undo:
                step()

        return restore

    def _run_fit(self, call: _FitCall) -> list[str]:
        """Check, build or continue the network, train it; return warnings."""
        prepared = self._prepare(call)
        train, validation = self._validation_split(prepared, call.validation)
        if not train.has_weight():
            # Nothing to learn from (say class_weight zeroes every class in a
            # bag, or a streamed batch): no step, as SGDClassifier makes none.
            return [] if call.incremental else [_data.NOTHING_TO_LEARN]
        # Everything is checked: from here on the network changes in place.
        callbacks = self._open_callbacks(call, prepared.settings)
        result = self._train(prepared.settings, train, validation, call, callbacks)
        messages = self._record(
            result, call.epochs(prepared.settings), call.incremental
        )
        callbacks.close()  # once the fitted attributes are final
        return messages

    def _open_callbacks(
        self, call: _FitCall, settings: Settings
    ) -> _callbacks.FitCallbacks | _callbacks.NoCallbacks:
        """Begin the task tree of this fit for the user's callbacks, if any."""
        network = self._network
        return _callbacks.open_fit(
            self,
            call.X,
            call.y,
            sample_weight=call.sample_weight,
            max_epochs=call.epochs(settings),
            # A fitted copy for the callbacks must not share the live network.
            snapshot=lambda: {"_network": copy.deepcopy(network)},
            task_name="partial_fit" if call.incremental else "fit",
        )

    def _check_params(self) -> Settings:
        """Check every parameter; return the shared ones as settings."""
        settings = _validation.check_common(self.get_params())
        self._check_own_params()
        _scoring.check(self, self.scoring)
        return settings

    def _prepare(self, call: _FitCall) -> _Prepared:
        """Check the parameters and the data; build the network on a first call.

        One sample is enough, as for scikit-learn's MLPs (early stopping then
        refuses it: there is nothing to hold out).
        """
        settings = self._check_params()
        if call.first_call:
            _validation.probe_custom_activations(
                self.activation, getattr(self, "output_activation", None)
            )
        X, y = validate_data(
            self,
            call.X,
            call.y,
            reset=call.first_call,
            accept_sparse="csr",
            dtype=(np.float64, np.float32) if call.first_call else self._network.dtype,
            multi_output=True,
            y_numeric=self._numeric_targets,
        )
        if sp.issparse(y):  # e.g. MultiLabelBinarizer(sparse_output=True)
            y = y.toarray()
        if not call.first_call:
            self._check_same_architecture(settings)
        targets = self._encode_targets(
            y, first_call=call.first_call, classes=call.classes, dtype=X.dtype
        )
        given = Given(
            y,
            _data.check_sample_weight(call.sample_weight, X.shape[0], "sample_weight"),
        )
        if call.first_call:
            self._build(settings, X.shape[1], targets.shape[1], X.dtype)
        data = Dataset(X, targets, self._weights(y, given.sample_weight))
        return _Prepared(settings, data, given)

    def _prepare_for_check(self, X: Any, y: Any) -> _Prepared:
        """Check `X`, `y` as `fit` would; build the network if there is none.

        For :func:`skffnn.gradient_error`, which calls it on a copy.
        """
        first_call = not hasattr(self, "_network")
        return self._prepare(_FitCall(X, y, None, None, first_call=first_call))

    def _build(
        self, settings: Settings, n_features: int, n_outputs: int, dtype: Any
    ) -> None:
        """Build and initialize a new network; reset what training records."""
        try:
            random_state = check_random_state(self.random_state)
        except ValueError as error:
            raise ValueError(
                "random_state must be None, an int or a numpy RandomState; "
                f"got {self.random_state!r}."
            ) from error
        self._seed = int(random_state.randint(np.iinfo(np.int32).max))
        output_activation, cost = self._output_layer()
        shape = settings.network
        self._network: Network = Network(
            (n_features, *shape.hidden_layer_sizes, n_outputs),
            shape.activation,
            output_activation,
            cost,
            dtype=np.dtype(dtype).name,
            batch_norm=shape.batch_norm,
        )
        self._network.initialize(np.random.default_rng(self._seed), shape.weight_init)
        self._history = History()
        self.n_iter_ = self.t_ = 0
        self.best_loss_ = self._best_monitored = np.inf
        self.n_outputs_ = n_outputs
        self.n_layers_ = len(shape.hidden_layer_sizes) + 2

    def _check_same_architecture(self, settings: Settings) -> None:
        """Refuse to continue training a network whose definition has changed."""
        network = self._network
        output_activation, cost = self._output_layer()
        wanted = {
            "hidden_layer_sizes": settings.network.hidden_layer_sizes,
            "activation": network_names(settings.network.activation),
            "batch_norm": settings.network.batch_norm,
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

    def _validation_split(
        self, prepared: _Prepared, given: ValidationInput | None
    ) -> tuple[Dataset, Dataset | None]:
        """Return the training data and the validation set, split if needed."""
        if given is not None:
            return prepared.data, self._validation_set(given)
        loop = prepared.settings.loop
        if not loop.early_stopping or prepared.settings.scheduler == "lbfgs":
            return prepared.data, None
        split = _data.Split(
            loop.validation_fraction, self._seed, self._stratify(prepared.given.y)
        )
        return _data.early_stopping_split(prepared.data, prepared.given, split)

    def _validation_set(self, given: ValidationInput) -> Dataset:
        """Check and encode a validation set given to `fit`."""
        try:
            X_val, y_val = validate_data(
                self,
                given.X,
                given.y,
                reset=False,
                accept_sparse="csr",
                dtype=self._network.dtype,
                multi_output=True,
                y_numeric=self._numeric_targets,
            )
            if sp.issparse(y_val):
                y_val = y_val.toarray()
            targets = self._encode_targets(
                y_val, first_call=False, classes=None, dtype=self._network.dtype
            )
            weights = _data.check_sample_weight(
                given.sample_weight, X_val.shape[0], "sample_weight_val"
            )
            validation = Dataset(X_val, targets, self._weights(y_val, weights))
        except ValueError as error:
            # scikit-learn's checks call every input "X" or "y".
            raise ValueError(f"Validation set (X_val, y_val): {error}") from error
        return _data.monitorable(validation, weights)

    def _train(
        self,
        settings: Settings,
        train: Dataset,
        validation: Dataset | None,
        call: _FitCall,
        callbacks: EpochCallbacks,
    ) -> TrainingResult:
        """Run the training loop that the scheduler calls for."""
        if call.first_call or not call.incremental or not hasattr(self, "_scheduler"):
            self._scheduler = settings.scheduler
        run = Run(
            network=self._network,
            train=train,
            validation=validation,
            settings=settings.loop,
            epochs=call.epochs(settings),
            history=self._history,
            accuracy=self._metric(),
            score=_scoring.epoch_score(self, self.scoring, self._decode_targets),
            eta_plan=self._eta_plan(settings, call),
            callbacks=callbacks,
        )
        if isinstance(self._scheduler, str):  # "lbfgs"
            return train_lbfgs(run)
        start = Continuation(
            # A fresh stream per call, so warm starts and partial_fit calls
            # shuffle differently yet reproducibly.
            rng=np.random.default_rng([self._seed, self.n_iter_]),
            seed=self._seed,
            first_step=self.t_,
            best=self._best_monitored if call.incremental else np.inf,
        )
        return train_minibatch(run, self._scheduler, start)

    def _eta_plan(self, settings: Settings, call: _FitCall) -> EtaPlan | None:
        """Return how `eta` follows `eta_schedule` in this call (None: untouched).

        The running schedule is fitted state: warm starts and partial_fit
        continue it (and a plateau's reductions) at epoch ``t = n_iter_``; a
        new network or a changed `eta_schedule` starts a fresh one.
        """
        fresh = settings.eta_schedule
        if call.first_call or getattr(self, "_eta_schedule", None) != fresh:
            self._eta_schedule = fresh
        scheduler = settings.scheduler
        base = getattr(scheduler, "eta", None)
        if isinstance(scheduler, str) or base is None:
            return None  # L-BFGS, or a user's Scheduler without a rate
        # A user's own Scheduler may change its eta itself: a constant
        # schedule leaves it alone (and only records it).
        builtin = type(scheduler) in _validation.BUILTIN_SCHEDULERS
        constant = isinstance(self._eta_schedule, schedules.Constant)
        return EtaPlan(
            self._eta_schedule,
            float(base),
            self.n_iter_,
            settings.loop.epochs,
            sets_rate=builtin or not constant,
        )

    def _record(
        self, result: TrainingResult, epochs: int, incremental: bool
    ) -> list[str]:
        """Add what the loop did to the fitted attributes; return warnings."""
        self.n_iter_ += result.n_iter
        self.t_ += result.steps
        self._best_monitored = float(result.best)
        if self.scoring is None:
            self.best_loss_ = self._best_monitored
        else:
            self.best_score_ = -self._best_monitored
            self.best_loss_ = self._lowest_recorded_loss()
        ran_out = not result.converged and result.n_iter == epochs
        if not incremental and ran_out and not result.messages:
            return [
                f"Stopped after the maximum of {epochs} epochs before the "
                "loss converged; raise epochs or eta, or loosen tol."
            ]
        return result.messages

    def _lowest_recorded_loss(self) -> float:
        """Return the lowest loss recorded on the set that the score watches."""
        key = "val_loss" if self.early_stopping else "train_loss"
        losses = np.asarray(self._history.records.get(key, []), dtype=float)
        losses = losses[np.isfinite(losses)]
        return float(losses.min()) if len(losses) else np.inf

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

    def __getstate__(self) -> dict[str, Any]:
        """Return the state to pickle, without the callbacks of a fitted model."""
        state = super().__getstate__()
        return _callbacks.without_callbacks(state, fitted="_network" in state)

    def __sklearn_tags__(self) -> Any:
        """Declare sparse input support."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
