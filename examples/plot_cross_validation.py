"""
Cross-validation and learning curves for a Pipeline with an FFNNClassifier
==========================================================================

An FFNNClassifier is an ordinary scikit-learn estimator, so the model selection
tools take it as they are. This example scores two ``StandardScaler ->
FFNNClassifier`` pipelines on the digits data with ``cross_val_score`` over five
stratified folds: logistic regression (no hidden layer) and a network with one
hidden layer of 100 ReLU units. ``learning_curve`` then refits both on growing
parts of the training folds, to show how training and validation accuracy
change with the amount of data.
"""

# %%
# The imports and the two pipelines compared: logistic regression and one hidden layer
# of 100 ReLU units, each after a StandardScaler.

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
from sklearn.model_selection import StratifiedKFold, cross_val_score, learning_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier

SEED = 2023


# %%
# Two figures: the accuracy of each fold for both pipelines, and the learning curves,
# where the training and validation accuracy meet as the training set grows.


def plot_fold_scores(out_dir, scores):
    """One dot per fold and the mean, per model."""
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for position, values in enumerate(scores.values()):
        ax.plot(np.full(len(values), position), values, "o", alpha=0.6)
        ax.errorbar(
            position + 0.15,
            values.mean(),
            yerr=values.std(),
            fmt="D",
            color="k",
            capsize=4,
        )
    ax.set_xticks(range(len(scores)), list(scores))
    ax.set(
        xlim=(-0.5, len(scores) - 0.5),
        ylabel="accuracy",
        title="cross_val_score: folds (dots), mean ± std",
    )
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    path = Path(out_dir) / "cv_scores.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_learning_curves(out_dir, curves):
    """Training and validation accuracy against the number of training samples."""
    fig, axes = plt.subplots(
        1, len(curves), figsize=(5 * len(curves), 4), sharey=True, squeeze=False
    )
    for ax, (label, (sizes, train, val)) in zip(axes[0], curves.items(), strict=True):
        for scores, name, color in (
            (train, "training", "C0"),
            (val, "validation", "C1"),
        ):
            mean, std = scores.mean(axis=1), scores.std(axis=1)
            ax.plot(sizes, mean, "o-", color=color, label=name)
            ax.fill_between(sizes, mean - std, mean + std, color=color, alpha=0.2)
        ax.set(xlabel="training samples", title=label)
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("accuracy")
    axes[0, 0].legend(loc="lower right")
    fig.suptitle("Learning curves (bands: ± one std over the folds)")
    fig.tight_layout()
    path = Path(out_dir) / "learning_curves.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` runs ``cross_val_score`` and ``learning_curve`` exactly as for any scikit-
# learn classifier, prints the mean and spread of the fold scores and saves both
# figures.


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if quick:
        n_splits, train_sizes, epochs, n_jobs = 3, np.linspace(0.2, 1.0, 3), 10, 1
    else:
        n_splits, train_sizes, epochs, n_jobs = 5, np.linspace(0.1, 1.0, 6), 200, 2

    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=SEED)
    models = {
        "logistic regression": make_pipeline(
            StandardScaler(),
            FFNNClassifier(
                hidden_layer_sizes=(), eta=1e-2, epochs=epochs, random_state=SEED
            ),
        ),
        "network (100,)": make_pipeline(
            StandardScaler(),
            FFNNClassifier(
                hidden_layer_sizes=(100,), eta=1e-3, epochs=epochs, random_state=SEED
            ),
        ),
    }

    scores, curves = {}, {}
    with warnings.catch_warnings():
        # The network on the learning curve's smallest training sets, and every
        # fit in quick mode, stop at the epoch cap; the curves show the effect.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for label, model in models.items():
            scores[label] = cross_val_score(model, X, y, cv=cv, n_jobs=n_jobs)
            curves[label] = learning_curve(
                model, X, y, train_sizes=train_sizes, cv=cv, n_jobs=n_jobs
            )

    print(f"{'model':<20} {'fold accuracies':<{7 * n_splits}} {'mean':>7} {'std':>7}")
    for label, values in scores.items():
        folds = " ".join(f"{value:.4f}" for value in values)
        print(
            f"{label:<20} {folds:<{7 * n_splits}} {values.mean():>7.4f} "
            f"{values.std():>7.4f}"
        )
    print(f"\n{'model':<20} {'train samples':>13} {'train acc':>10} {'val acc':>8}")
    for label, (sizes, train, val) in curves.items():
        for size, train_row, val_row in zip(sizes, train, val, strict=True):
            print(
                f"{label:<20} {size:>13d} {train_row.mean():>10.4f} "
                f"{val_row.mean():>8.4f}"
            )

    plot_fold_scores(out_dir, scores)
    plot_learning_curves(out_dir, curves)
    (logistic, network) = scores.values()
    return {
        "cv_mean_logistic": float(logistic.mean()),
        "cv_mean_network": float(network.mean()),
        "cv_std_logistic": float(logistic.std()),
        "cv_std_network": float(network.std()),
        "val_accuracy_by_size": {
            label: dict(zip(sizes.tolist(), val.mean(axis=1).tolist(), strict=True))
            for label, (sizes, _, val) in curves.items()
        },
    }


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the two figures, then the printed fold scores.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Cross-validation and learning curves")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_cross_validation",
        help="folder for the PNG figures",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
