"""scikit-learn's own estimator checks, with no skips and no expected failures."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skffnn import FFNNClassifier, FFNNRegressor

ESTIMATORS = [
    FFNNClassifier(),
    FFNNRegressor(),
    FFNNClassifier(scheduler="lbfgs"),
    FFNNRegressor(scheduler="lbfgs"),
    FFNNClassifier(hidden_layer_sizes=(), eta=1e-2),
    FFNNRegressor(hidden_layer_sizes=(), scheduler="momentum", eta=1e-2),
    FFNNClassifier(hidden_layer_sizes=(16, 8), activation=["tanh", "relu"]),
    # The remedies of issue 5, each switched on.
    FFNNClassifier(batch_norm=True, dropout=0.2),
    FFNNRegressor(batch_norm=True, dropout=0.2),
    FFNNClassifier(clip_norm=1.0, weight_init="glorot"),
    FFNNRegressor(clip_norm=1.0, weight_init="he"),
    FFNNClassifier(weight_init="normal"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)
