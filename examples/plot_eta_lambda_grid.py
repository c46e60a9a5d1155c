"""
Learning rate and L2 penalty: the eta x lambda grid search as heatmaps
======================================================================

The course notes search a grid of learning rates ``eta`` and L2 penalties
``lambda`` for a digits network with two sigmoid hidden layers (100 and 50
units) trained by plain stochastic gradient descent for 100 epochs with batches
of 100, and draw the training and test accuracy of every pair as a heatmap.
Here the same search is one ``GridSearchCV`` over ``eta`` and ``lam`` of a
``StandardScaler -> FFNNClassifier`` pipeline, with ``return_train_score=True``
so that both heatmaps come out of ``cv_results_``. They are drawn with
matplotlib alone. The best pair, refitted on the whole training set, is then
scored on a held-out test set.
"""

# %%
# The imports and the grid of learning rates and L2 penalties, as in the course notes
# (fewer values in quick mode).

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier

SEED = 2023


# %%
# The heatmaps are built from ``cv_results_``: one cell per (eta, lam) pair, training
# accuracy on the left and cross-validated accuracy on the right.


def grid_of(results, key, eta_values, lam_values):
    """Arrange ``results[key]`` as a matrix: rows eta, columns lam."""
    matrix = np.full((len(eta_values), len(lam_values)), np.nan)
    for params, value in zip(results["params"], results[key], strict=True):
        row = list(eta_values).index(params["ffnnclassifier__eta"])
        col = list(lam_values).index(params["ffnnclassifier__lam"])
        matrix[row, col] = value
    return matrix


def heatmap(ax, matrix, eta_values, lam_values, title):
    """An annotated heatmap: one cell per (eta, lam) pair, accuracy in the cell."""
    image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=1)
    for (row, col), value in np.ndenumerate(matrix):
        # Dark text on the bright end of viridis, light text elsewhere.
        color = "black" if value > 0.6 else "white"
        ax.text(col, row, f"{value:.2f}", ha="center", va="center", color=color)
    ax.set_xticks(range(len(lam_values)), [f"{lam:g}" for lam in lam_values])
    ax.set_yticks(range(len(eta_values)), [f"{eta:g}" for eta in eta_values])
    ax.set(xlabel=r"$\lambda$ (lam)", ylabel=r"$\eta$ (eta)", title=title)
    return image


def plot_heatmaps(out_dir, train, test, eta_values, lam_values):
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.6), layout="constrained")
    heatmap(axes[0], train, eta_values, lam_values, "Training accuracy")
    image = heatmap(
        axes[1], test, eta_values, lam_values, "Cross-validated accuracy (test folds)"
    )
    fig.colorbar(image, ax=axes, shrink=0.8, label="accuracy")
    path = Path(out_dir) / "eta_lambda_heatmaps.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` runs one ``GridSearchCV`` over ``eta`` and ``lam`` with
# ``return_train_score=True``, prints the best pair, scores it on the held-out test set
# and saves the heatmaps.


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if quick:
        eta_values, lam_values = np.logspace(-2, 0, 3), np.logspace(-4, 0, 3)
        epochs, n_jobs = 10, 1
    else:
        eta_values, lam_values = np.logspace(-5, 1, 7), np.logspace(-5, 1, 7)
        epochs, n_jobs = 100, 2

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=0.8, stratify=y, random_state=SEED
    )
    pipeline = make_pipeline(
        StandardScaler(),
        FFNNClassifier(
            hidden_layer_sizes=(100, 50),
            activation="sigmoid",
            scheduler="constant",
            epochs=epochs,
            batch_size=100,
            random_state=SEED,
        ),
    )
    grid = {"ffnnclassifier__eta": eta_values, "ffnnclassifier__lam": lam_values}
    search = GridSearchCV(pipeline, grid, cv=3, return_train_score=True, n_jobs=n_jobs)
    with warnings.catch_warnings():
        # Most cells of the grid stop at the epoch cap or diverge on purpose:
        # that is what the heatmaps show.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # The largest eta and lam diverge. skffnn then keeps the last finite
        # weights and says so in a ConvergenceWarning, but NumPy reports the
        # overflow on the way there as well.
        warnings.filterwarnings(
            "ignore", message="overflow encountered", category=RuntimeWarning
        )
        search.fit(X_train, y_train)

    results = search.cv_results_
    train = grid_of(results, "mean_train_score", eta_values, lam_values)
    test = grid_of(results, "mean_test_score", eta_values, lam_values)
    plot_heatmaps(out_dir, train, test, eta_values, lam_values)

    print(f"{'eta':>8} {'lam':>8} {'train acc':>10} {'cv acc':>8} {'rank':>5}")
    for i in np.argsort(results["rank_test_score"])[:5]:
        params = results["params"][i]
        print(
            f"{params['ffnnclassifier__eta']:>8g} {params['ffnnclassifier__lam']:>8g} "
            f"{results['mean_train_score'][i]:>10.4f} "
            f"{results['mean_test_score'][i]:>8.4f} {results['rank_test_score'][i]:>5d}"
        )
    test_accuracy = search.score(X_test, y_test)
    best = search.best_params_
    print(
        f"best eta={best['ffnnclassifier__eta']:g}, lam={best['ffnnclassifier__lam']:g}"
        f": held-out test accuracy {test_accuracy:.4f}"
    )
    return {
        "best_eta": float(best["ffnnclassifier__eta"]),
        "best_lam": float(best["ffnnclassifier__lam"]),
        "best_cv_accuracy": float(search.best_score_),
        "test_accuracy": float(test_accuracy),
        "eta_values": np.asarray(eta_values),
        "lam_values": np.asarray(lam_values),
        "train_accuracy_grid": train,
        "cv_accuracy_grid": test,
    }


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the heatmaps, where too large a learning rate or too
# strong a penalty both lose accuracy, then the printed best pair and its test accuracy.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Learning rate and L2 penalty")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_eta_lambda_grid",
        help="folder for the PNG figures",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
