"""Export fitted skffnn estimators to ONNX through skl2onnx.

skl2onnx converts a scikit-learn model, or a whole ``Pipeline``, once it knows a
shape calculator and a converter for each step. :func:`register` gives it
both for :class:`~skffnn.FFNNRegressor` and :class:`~skffnn.FFNNClassifier`;
afterwards ``skl2onnx.to_onnx(pipeline, X[:1])`` converts pipelines and column
transformers that hold them, as it does for scikit-learn's MLP.

The graph is the network at prediction: batch normalization is folded into the
weights of its layer, and dropout, which acts only in training, is absent. It
computes in double precision for a double input and in single precision
otherwise, whatever the estimator was trained in. A classifier's outputs are
``predict``'s labels and ``predict_proba``'s probabilities (as a ZipMap unless
the option ``zipmap`` is False); a regressor's output has shape
``(n_samples, n_outputs)``, as for skl2onnx's own regressors.

This module needs the ``onnx`` extra (``pip install "skffnn[onnx]"``);
importing ``skffnn`` alone never imports skl2onnx.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxArgMax,
    OnnxCast,
    OnnxClip,
    OnnxConcat,
    OnnxDiv,
    OnnxElu,
    OnnxExp,
    OnnxGather,
    OnnxGreater,
    OnnxIdentity,
    OnnxLeakyRelu,
    OnnxMatMul,
    OnnxMax,
    OnnxMin,
    OnnxMul,
    OnnxReduceSumApi11,
    OnnxRelu,
    OnnxReshape,
    OnnxSigmoid,
    OnnxSoftmax,
    OnnxSub,
    OnnxTanh,
    OnnxWhere,
)
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)

from skffnn import _batchnorm, activations
from skffnn._classifier import FFNNClassifier
from skffnn._regressor import FFNNRegressor

__all__ = ["register"]

Array = np.ndarray


def register() -> None:
    """Teach skl2onnx to convert skffnn's estimators.

    Call it once per process, before ``skl2onnx.to_onnx``; calling it again does
    no harm.

    Notes
    -----
    Registers a shape calculator and a converter for each estimator through
    ``skl2onnx.update_registered_converter``. The classifier accepts skl2onnx's
    usual ``zipmap`` option (``True``, ``False`` or ``"columns"``).
    onnxruntime's ZipMap takes no doubles, so a model converted with a double
    input needs ``options={FFNNClassifier: {"zipmap": False}}``, as
    scikit-learn's MLP does.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> import skffnn.onnx
    >>> from skffnn import FFNNRegressor
    >>> X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)
    >>> model = FFNNRegressor(hidden_layer_sizes=(4,), epochs=5).fit(X, X[:, 0])
    >>> skffnn.onnx.register()
    >>> onx = to_onnx(model, X[:1])
    >>> [output.name for output in onx.graph.output]
    ['variable']
    """
    update_registered_converter(
        FFNNRegressor,
        "SkffnnFFNNRegressor",
        _regressor_shapes,
        _convert_regressor,
    )
    update_registered_converter(
        FFNNClassifier,
        "SkffnnFFNNClassifier",
        _classifier_shapes,
        _convert_classifier,
        # skl2onnx's ZipMap asks every classifier for "nocl" (class indices in
        # place of labels); only its default is offered.
        options={"zipmap": [True, False, "columns"], "nocl": [False]},
    )


# ----- reading the fitted network ---------------------------------------------


class _Layer(NamedTuple):
    """One layer at prediction: ``f(a @ W + b)``, batch normalization folded in."""

    W: Array
    b: Array
    activation: str


def _activation_name(func: Any) -> str:
    """Return a built-in activation's name; refuse a custom callable by name."""
    if isinstance(func, str):
        return func
    label = getattr(func, "__name__", repr(func))
    raise ValueError(
        f"Cannot export a network with the custom activation {label!r} to ONNX: "
        "only the built-in activations "
        f"{', '.join(activations.ACTIVATIONS)} have an ONNX counterpart."
    )


def _layers(estimator: Any) -> list[_Layer]:
    """Return the fitted network's layers, in float64, as prediction runs them.

    Batch normalization at prediction is affine,
    ``(z - mean) * s + beta`` with ``s = gamma / sqrt(var + eps)``; on
    ``z = a @ W + b`` it equals ``a @ (W * s) + ((b - mean) * s + beta)``, so it
    folds into the layer's own weights and bias.
    """
    network = estimator._network
    names = [
        _activation_name(func)
        for func in [*network.hidden_activations, network.output_activation]
    ]
    weights = [np.asarray(W, np.float64) for W in estimator.coefs_]
    biases = [np.asarray(b, np.float64) for b in estimator.intercepts_]
    if network.batch_norm:
        folded = zip(
            estimator.batch_norm_scales_,
            estimator.batch_norm_shifts_,
            estimator.batch_norm_means_,
            estimator.batch_norm_vars_,
            strict=True,
        )
        for layer, (gamma, beta, mean, var) in enumerate(folded):
            scale = np.asarray(gamma, np.float64) / np.sqrt(
                np.asarray(var, np.float64) + _batchnorm.EPS
            )
            weights[layer] = weights[layer] * scale
            biases[layer] = (biases[layer] - mean) * scale + beta
    return [_Layer(*layer) for layer in zip(weights, biases, names, strict=True)]


def _check_exportable(estimator: Any) -> None:
    """Fail early, while skl2onnx still parses, on a network it cannot export."""
    network = estimator._network
    for func in [*network.hidden_activations, network.output_activation]:
        _activation_name(func)


# ----- shape calculators -------------------------------------------------------


def _float_type(operator: Any) -> type:
    """Double tensors for a double input, float tensors for anything else."""
    if isinstance(operator.inputs[0].type, DoubleTensorType):
        return DoubleTensorType
    return FloatTensorType


def _regressor_shapes(operator: Any) -> None:
    """Declare the regressor's output: ``(n_samples, n_outputs)``."""
    estimator = operator.raw_operator
    _check_exportable(estimator)
    n_samples = operator.inputs[0].get_first_dimension()
    tensor = _float_type(operator)
    operator.outputs[0].type = tensor([n_samples, estimator.n_outputs_])


def _label_classes(estimator: Any) -> Array:
    """Return ``classes_`` as ONNX holds labels: int64 or strings."""
    classes = np.asarray(estimator.classes_)
    # Float labels are integral: scikit-learn refuses others as continuous.
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64)
    return np.array([str(label) for label in classes], dtype=object)


def _classifier_shapes(operator: Any) -> None:
    """Declare the classifier's outputs: labels and probabilities."""
    estimator = operator.raw_operator
    _check_exportable(estimator)
    n_samples = operator.inputs[0].get_first_dimension()
    n_classes = len(estimator.classes_)
    classes = _label_classes(estimator)
    label = StringTensorType if classes.dtype == object else Int64TensorType
    if estimator._target_type == "multilabel-indicator":
        operator.outputs[0].type = label([n_samples, n_classes])
    else:
        operator.outputs[0].type = label([n_samples])
    operator.outputs[1].type = _float_type(operator)([n_samples, n_classes])


# ----- converters --------------------------------------------------------------


def _activation(name: str, z: Any, dtype: type, opv: int) -> Any:
    """Return the ONNX node computing the activation `name` of `z`."""
    if name == "identity":
        return z
    if name == "softmax":
        return OnnxSoftmax(z, axis=1, op_version=opv)
    if name == "leaky_relu":
        return _leaky_relu(z, dtype, opv)
    if name == "elu":
        return _elu(z, dtype, opv)
    simple = {"sigmoid": OnnxSigmoid, "tanh": OnnxTanh, "relu": OnnxRelu}
    return simple[name](z, op_version=opv)


def _leaky_relu(z: Any, dtype: type, opv: int) -> Any:
    """Leaky ReLU: ``z`` for ``z > 0``, ``slope * z`` otherwise."""
    slope = activations.LEAKY_RELU_SLOPE
    if dtype is np.float32:
        return OnnxLeakyRelu(z, alpha=slope, op_version=opv)
    # onnxruntime's LeakyRelu takes floats only; for a slope below one the
    # function is max(z, slope * z).
    scaled = OnnxMul(z, np.array([slope], dtype), op_version=opv)
    return OnnxMax(z, scaled, op_version=opv)


def _elu(z: Any, dtype: type, opv: int) -> Any:
    """ELU: ``z`` for ``z > 0``, ``alpha * (exp(z) - 1)`` otherwise."""
    if dtype is np.float32:
        return OnnxElu(z, alpha=activations.ELU_ALPHA, op_version=opv)
    # onnxruntime's Elu takes floats only; for doubles it is spelt out, with
    # min(z, 0) so that the unused branch never overflows.
    zero: Array = np.zeros(1, dtype)
    negative = OnnxMul(
        OnnxSub(
            OnnxExp(OnnxMin(z, zero, op_version=opv), op_version=opv),
            np.ones(1, dtype),
            op_version=opv,
        ),
        np.array([activations.ELU_ALPHA], dtype),
        op_version=opv,
    )
    return OnnxWhere(OnnxGreater(z, zero, op_version=opv), z, negative, op_version=opv)


def _network_output(operator: Any, container: Any) -> tuple[Any, type]:
    """Return the network's output node and the dtype it computes in."""
    opv = container.target_opset
    source = operator.inputs[0]
    double = isinstance(source.type, DoubleTensorType)
    dtype: type = np.float64 if double else np.float32
    a = source
    if not double and not isinstance(source.type, FloatTensorType):
        a = OnnxCast(source, to=TensorProto.FLOAT, op_version=opv)
    for layer in _layers(operator.raw_operator):
        z = OnnxAdd(
            OnnxMatMul(a, layer.W.astype(dtype), op_version=opv),
            layer.b.astype(dtype),
            op_version=opv,
        )
        a = _activation(layer.activation, z, dtype, opv)
    return a, dtype


def _convert_regressor(scope: Any, operator: Any, container: Any) -> None:
    """Write the regressor's graph: the network's output, one column per target."""
    out, _ = _network_output(operator, container)
    result = OnnxIdentity(
        out, op_version=container.target_opset, output_names=operator.outputs[:1]
    )
    result.add_to(scope, container)


def _convert_classifier(scope: Any, operator: Any, container: Any) -> None:
    """Write the classifier's graph: ``predict`` and ``predict_proba``."""
    estimator = operator.raw_operator
    options = container.get_options(estimator, {"zipmap": True})
    out, dtype = _network_output(operator, container)
    if options["zipmap"] is True and dtype is np.float64:
        raise ValueError(
            "A double input needs the option zipmap=False (or 'columns'), since "
            "onnxruntime's ZipMap takes no doubles: pass "
            "options={FFNNClassifier: {'zipmap': False}} to to_onnx, or convert "
            "with a float32 input."
        )
    opv = container.target_opset
    label_name, proba_name = operator.outputs[:2]
    label = _labels(estimator, out, dtype, opv, label_name)
    proba = _probabilities(estimator._target_type, out, dtype, opv, proba_name)
    label.add_to(scope, container)
    proba.add_to(scope, container)


def _labels(estimator: Any, out: Any, dtype: type, opv: int, name: Any) -> Any:
    """Return the node for ``predict``, from the output before clipping."""
    target_type = estimator._target_type
    if target_type == "multiclass":
        index = OnnxArgMax(out, axis=1, keepdims=0, op_version=opv)
    else:
        above = OnnxGreater(out, np.array([0.5], dtype), op_version=opv)
        index = OnnxCast(above, to=TensorProto.INT64, op_version=opv)
        if target_type == "multilabel-indicator":
            return OnnxIdentity(index, op_version=opv, output_names=[name])
        index = OnnxReshape(index, np.array([-1], np.int64), op_version=opv)
    classes = _label_classes(estimator)
    return OnnxGather(classes, index, axis=0, op_version=opv, output_names=[name])


def _probabilities(target_type: str, out: Any, dtype: type, opv: int, name: Any) -> Any:
    """Return the node for ``predict_proba``: clipped as it clips, then completed.

    The output is kept inside ``[eps, 1 - eps]``; a binary model's single
    sigmoid unit becomes ``[1 - p, p]`` and softmax rows are renormalized.
    """
    eps = np.finfo(dtype).eps
    clipped = OnnxClip(
        out, np.array(eps, dtype), np.array(1 - eps, dtype), op_version=opv
    )
    if target_type == "binary":
        negative = OnnxSub(np.ones(1, dtype), clipped, op_version=opv)
        return OnnxConcat(
            negative, clipped, axis=1, op_version=opv, output_names=[name]
        )
    if target_type == "multiclass":
        total = OnnxReduceSumApi11(clipped, axes=[1], keepdims=1, op_version=opv)
        return OnnxDiv(clipped, total, op_version=opv, output_names=[name])
    return OnnxIdentity(clipped, op_version=opv, output_names=[name])
