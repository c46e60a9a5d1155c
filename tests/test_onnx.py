"""ONNX exports agree with predict and predict_proba, inside a scaling Pipeline.

Every model is trained briefly on data whose features have very different
scales, wrapped in a Pipeline with a StandardScaler, converted with
``skl2onnx.to_onnx`` and run in onnxruntime on held-out rows.
"""

import subprocess
import sys
import warnings

import autograd.numpy as anp
import numpy as np
import onnxruntime as ort
import pytest
from skl2onnx import to_onnx
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skffnn.onnx
from skffnn import FFNNClassifier, FFNNRegressor

# The bounds on the probabilities; regression outputs are held to the
# same bounds relative to their largest value.
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]
HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu"]
N_TRAIN = 150


@pytest.fixture(scope="module", autouse=True)
def registered():
    skffnn.onnx.register()


def make_data(target, dtype, seed=0):
    """Return train and held-out X, y for a target kind, in `dtype`."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(200, 5))
    # Offsets and scales that only the StandardScaler undoes.
    X = (latent * [1.0, 10.0, 100.0, 0.1, 3.0] + [0, 5, -50, 1, 0]).astype(dtype)
    signal = latent[:, 0] + latent[:, 1] ** 2 - latent[:, 2]
    y = {
        # String labels: the graph must give back the labels, not indices.
        "binary": np.where(signal > 1, "yes", "no"),
        # Labels that are not 0..n-1.
        "multiclass": np.array([3, 5, 7])[np.digitize(signal, [0.2, 1.8])],
        "multilabel": (latent[:, :3] + 0.5 * latent[:, 3:4] > 0).astype(int),
        "single": np.tanh(signal),
        "multi": np.column_stack([np.tanh(signal), np.sin(latent[:, 3])]),
    }[target]
    return X[:N_TRAIN], X[N_TRAIN:], y[:N_TRAIN], y[N_TRAIN:]


def fitted(estimator, X, y):
    model = make_pipeline(StandardScaler(), estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def run_onnx(model, X_train, X_test, **to_onnx_kwargs):
    onx = to_onnx(model, X_train[:1], **to_onnx_kwargs)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X_test})


def classifier(**params):
    defaults = dict(hidden_layer_sizes=(8, 6), eta=1e-2, epochs=30, random_state=0)
    return FFNNClassifier(**{**defaults, **params})


def regressor(**params):
    defaults = dict(hidden_layer_sizes=(8, 6), eta=1e-2, epochs=30, random_state=0)
    return FFNNRegressor(**{**defaults, **params})


def as_matrix(zipped, classes):
    """Turn ZipMap's list of {label: probability} into predict_proba's layout."""
    return np.array([[row[label] for label in classes] for row in zipped])


def check_classifier(model, X_train, X_test, dtype, zipmap=False, **kwargs):
    """Compare the exported classifier's label and probabilities with the model's."""
    options = {FFNNClassifier: {"zipmap": zipmap}}
    label, *proba = run_onnx(model, X_train, X_test, options=options, **kwargs)
    expected_label = model.predict(X_test)
    expected_proba = model.predict_proba(X_test)
    # Comparing constant predictions would prove little.
    assert len(np.unique(expected_label, axis=0)) > 1
    np.testing.assert_array_equal(label, expected_label)
    classes = model[-1].classes_
    if zipmap is True:
        proba = as_matrix(proba[0], classes)
    elif zipmap == "columns":
        proba = np.column_stack(proba)
    else:
        (proba,) = proba
        assert proba.dtype == dtype
    np.testing.assert_allclose(proba, expected_proba, rtol=0, atol=TOLERANCE[dtype])


def check_regressor(model, X_train, X_test, dtype):
    (out,) = run_onnx(model, X_train, X_test)
    expected = model.predict(X_test)
    assert out.dtype == dtype
    assert out.shape == (len(X_test), model[-1].n_outputs_)
    assert np.ptp(expected) > 0.1
    # Relative to the outputs' scale: an output near zero carries the rounding
    # error of the larger terms that cancelled in it.
    bound = TOLERANCE[dtype] * np.abs(expected).max()
    np.testing.assert_allclose(
        out.reshape(expected.shape), expected, rtol=0, atol=bound
    )


# ----- agreement ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize(
    ("dtype", "zipmap"),
    # onnxruntime's ZipMap takes no doubles; its per-column form does.
    [
        (np.float32, True),
        (np.float32, False),
        (np.float64, False),
        (np.float64, "columns"),
    ],
)
def test_classifier_matches(target, dtype, zipmap):
    X_train, X_test, y_train, _ = make_data(target, dtype)
    model = fitted(classifier(activation="tanh"), X_train, y_train)
    check_classifier(model, X_train, X_test, dtype, zipmap)


@pytest.mark.parametrize("activation", HIDDEN)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_hidden_activation_matches(activation, dtype):
    # A softmax output: multiclass.
    X_train, X_test, y_train, _ = make_data("multiclass", dtype)
    model = fitted(classifier(activation=activation), X_train, y_train)
    check_classifier(model, X_train, X_test, dtype)


ARCHITECTURES = {
    "no_hidden_layer": dict(hidden_layer_sizes=()),
    "per_layer_activations": dict(
        hidden_layer_sizes=(8, 6, 4), activation=["elu", "leaky_relu", "sigmoid"]
    ),
    "batch_norm": dict(batch_norm=True, activation="tanh"),
    "dropout": dict(dropout=0.3),
    "batch_norm_and_dropout": dict(batch_norm=True, dropout=0.2, activation="elu"),
}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_classifier_architectures_match(architecture, dtype):
    X_train, X_test, y_train, _ = make_data("binary", dtype)
    model = fitted(classifier(**ARCHITECTURES[architecture]), X_train, y_train)
    check_classifier(model, X_train, X_test, dtype)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_regressor_architectures_match(architecture, dtype):
    X_train, X_test, y_train, _ = make_data("multi", dtype)
    model = fitted(regressor(**ARCHITECTURES[architecture]), X_train, y_train)
    check_regressor(model, X_train, X_test, dtype)


@pytest.mark.parametrize(
    "output_activation", ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu"]
)
@pytest.mark.parametrize("target", ["single", "multi"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_regressor_outputs_match(output_activation, target, dtype):
    X_train, X_test, y_train, _ = make_data(target, dtype)
    # "auto" draws the biases too (as scikit-learn does), which can start a
    # single ReLU output unit dead on every row; zero biases cannot.
    init = "glorot" if output_activation == "relu" else "auto"
    estimator = regressor(output_activation=output_activation, weight_init=init)
    model = fitted(estimator, X_train, y_train)
    check_regressor(model, X_train, X_test, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_regressor_softmax_output_matches(dtype):
    X_train, X_test, _, _ = make_data("multi", dtype)
    rng = np.random.default_rng(3)
    shares = rng.dirichlet([1, 1, 1], size=len(X_train))
    estimator = regressor(output_activation="softmax", cost="cross_entropy")
    model = fitted(estimator, X_train, shares)
    check_regressor(model, X_train, X_test, dtype)


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_saturated_probabilities_stay_inside_zero_and_one(target, dtype):
    # Far-out rows saturate the output to exactly 0 or 1; predict_proba clips
    # it to [eps, 1 - eps] (then renormalizes softmax rows), so that
    # log-probabilities stay finite, and so must the graph.
    X_train, X_test, y_train, _ = make_data(target, dtype)
    model = fitted(classifier(), X_train, y_train)
    far = (X_test * 1e4).astype(dtype)
    _, proba = run_onnx(model, X_train, far, options={"zipmap": False})
    expected = model.predict_proba(far)
    assert expected.min() <= np.finfo(dtype).eps  # saturated, then clipped
    assert proba.min() > 0
    np.testing.assert_allclose(proba, expected, rtol=0, atol=TOLERANCE[dtype])


def test_a_custom_cost_exports():
    # The cost shapes training only; prediction, and so the graph, never sees it.
    def absolute_error(y, p):
        return anp.sum(anp.abs(y - p), axis=1)

    X_train, X_test, y_train, _ = make_data("multi", np.float64)
    model = fitted(regressor(cost=absolute_error), X_train, y_train)
    check_regressor(model, X_train, X_test, np.float64)


@pytest.mark.parametrize("target_opset", [11, None])
def test_older_opsets_give_the_same_graph_results(target_opset):
    X_train, X_test, y_train, _ = make_data("multiclass", np.float32)
    model = fitted(classifier(batch_norm=True), X_train, y_train)
    check_classifier(model, X_train, X_test, np.float32, target_opset=target_opset)


def test_column_transformer_pipelines_convert():
    X_train, X_test, y_train, _ = make_data("binary", np.float32)
    columns = ColumnTransformer(
        [("scaled", StandardScaler(), [1, 2, 4])], remainder="passthrough"
    )
    model = make_pipeline(columns, classifier())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    check_classifier(model, X_train, X_test, np.float32)


def test_integer_input_and_float_labels_convert():
    # Integer features reach the network cast to float, as for skl2onnx's MLP;
    # integral float labels come back as int64.
    rng = np.random.default_rng(4)
    X = rng.integers(0, 5, size=(200, 3)).astype(np.int64)
    y = (X.sum(axis=1) > 6).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make_pipeline(classifier(epochs=60)).fit(X, y)
    check_classifier(model, X, X, np.float32)


# ----- refusals ----------------------------------------------------------------


def wave(z):
    return anp.sin(z)


@pytest.mark.parametrize(
    "estimator",
    [classifier(activation=wave), regressor(activation=["relu", wave])],
    ids=["classifier", "regressor"],
)
def test_custom_hidden_activations_are_refused_by_name(estimator):
    X_train, _, y_train, _ = make_data("binary", np.float64)
    if isinstance(estimator, FFNNRegressor):
        y_train = (y_train == "yes").astype(float)
    model = fitted(estimator, X_train, y_train)
    with pytest.raises(ValueError, match="custom activation 'wave'"):
        to_onnx(model, X_train[:1], options={FFNNClassifier: {"zipmap": False}})


def test_a_custom_output_activation_is_refused_by_name():
    X_train, _, y_train, _ = make_data("single", np.float64)
    model = fitted(regressor(output_activation=wave), X_train, y_train)
    with pytest.raises(ValueError, match="custom activation 'wave'"):
        to_onnx(model, X_train[:1])


def test_zipmap_on_doubles_is_refused_with_the_remedy():
    X_train, _, y_train, _ = make_data("binary", np.float64)
    model = fitted(classifier(), X_train, y_train)
    with pytest.raises(ValueError, match=r"'zipmap': False"):
        to_onnx(model, X_train[:1])


def test_importing_skffnn_does_not_import_skl2onnx():
    code = "import sys, skffnn; print('skl2onnx' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
