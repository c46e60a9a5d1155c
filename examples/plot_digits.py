"""
Handwritten digits: multiclass classification with a softmax output
===================================================================

The course notes' multiclass demo: the 8x8 digit images, a network with hidden
layers of 100 and 30 leaky-ReLU units and a softmax output trained on the
categorical cross-entropy with Adam. Here the network sits in a Pipeline after a
StandardScaler and is scored on a held-out quarter of the images. The figures
show the confusion matrix and the test digits the network got wrong.
"""

# %%
# The imports and the network: two hidden layers of leaky-ReLU units and a softmax
# output, which FFNNClassifier picks by itself for a multiclass target.

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
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier

SEED = 2023


# %%
# Two figures: the confusion matrix of the held-out digits, and the digits the network
# got wrong, each with its predicted label and the probability the network gave it.


def plot_confusion_matrix(out_dir, y_test, y_pred, accuracy):
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ConfusionMatrixDisplay.from_predictions(
        y_test, y_pred, ax=ax, colorbar=False, cmap="Blues"
    )
    ax.set_title(f"Digits, held-out test set (accuracy {accuracy:.3f})")
    fig.tight_layout()
    path = Path(out_dir) / "confusion_matrix.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_misclassified(out_dir, images, y_test, y_pred, confidence, n_max=12):
    """The first `n_max` wrong test digits, titled true -> predicted (confidence)."""
    wrong = np.flatnonzero(y_pred != y_test)[:n_max]
    n_cols = 6
    n_rows = max(1, -(-len(wrong) // n_cols))
    fig, axes = plt.subplots(
        n_rows, n_cols, figsize=(1.6 * n_cols, 1.9 * n_rows), squeeze=False
    )
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), wrong, strict=False):
        ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"{y_test[i]} -> {y_pred[i]} ({confidence[i]:.2f})", fontsize=10)
    if len(wrong) == 0:
        axes[0, 0].text(0, 0.5, "no test digit was misclassified")
    fig.suptitle("Misclassified test digits: true -> predicted (probability)")
    fig.tight_layout()
    path = Path(out_dir) / "misclassified.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` fits the pipeline on three quarters of the images, scores it on the rest and
# saves both figures.


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    digits = load_digits()
    X, y = digits.data, digits.target
    indices = np.arange(len(y))
    train, test = train_test_split(
        indices, test_size=0.25, stratify=y, random_state=SEED
    )
    model = make_pipeline(
        StandardScaler(),
        FFNNClassifier(
            hidden_layer_sizes=(100, 30),
            activation="leaky_relu",
            eta=1e-3,
            epochs=20 if quick else 300,
            random_state=SEED,
        ),
    )
    with warnings.catch_warnings():
        # Quick mode stops at 20 epochs, before the loss has settled.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[train], y[train])

    y_pred = model.predict(X[test])
    confidence = model.predict_proba(X[test]).max(axis=1)
    train_accuracy = model.score(X[train], y[train])
    test_accuracy = float(np.mean(y_pred == y[test]))
    n_wrong = int(np.sum(y_pred != y[test]))

    network = model[-1]
    print(f"epochs run       {network.n_iter_:>6d}")
    print(f"train accuracy   {train_accuracy:>6.4f}")
    print(f"test accuracy    {test_accuracy:>6.4f}  ({n_wrong} of {len(test)} wrong)")
    matrix = confusion_matrix(y[test], y_pred)
    off_diagonal = matrix - np.diag(np.diag(matrix))
    print("most frequent mistakes (true -> predicted: count)")
    for flat in np.argsort(off_diagonal, axis=None)[::-1][:3]:
        true, predicted = np.unravel_index(flat, matrix.shape)
        if off_diagonal[true, predicted]:
            print(f"  {true} -> {predicted}: {off_diagonal[true, predicted]}")

    plot_confusion_matrix(out_dir, y[test], y_pred, test_accuracy)
    plot_misclassified(out_dir, digits.images[test], y[test], y_pred, confidence)
    return {
        "train_accuracy": float(train_accuracy),
        "test_accuracy": test_accuracy,
        "n_misclassified": n_wrong,
        "epochs": int(network.n_iter_),
    }


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the confusion matrix and the mistakes, then the printed
# accuracy.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Handwritten digits")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_digits",
        help="folder for the PNG figures",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
