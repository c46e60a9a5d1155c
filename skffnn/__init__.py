"""skffnn: a scikit-learn compatible feed-forward neural network.

The backward pass is written by hand from the backpropagation equations and
checked against autograd; the estimators plug into Pipelines, grid searches and
cross-validation like any scikit-learn estimator.
"""

from skffnn import activations, costs, schedulers
from skffnn._classifier import FFNNClassifier
from skffnn._gradcheck import gradient_error
from skffnn._regressor import FFNNRegressor

__version__ = "0.1.0"

__all__ = [
    "FFNNClassifier",
    "FFNNRegressor",
    "__version__",
    "activations",
    "costs",
    "gradient_error",
    "schedulers",
]
