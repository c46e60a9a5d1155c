"""
Breast cancer: logistic regression and a (100, 30) network, epoch by epoch
==========================================================================

The course notes' binary classification demo on the Wisconsin breast cancer
data: a network with no hidden layer (logistic regression, Adam with
``eta=1e-3``) and a ReLU network with hidden layers of 100 and 30 units (Adam
with ``eta=1e-4``), both trained for 1000 epochs. A validation set passed to
``fit`` as ``X_val`` / ``y_val`` is scored after every epoch, and ``history_``
holds the training and validation loss and accuracy that the figure draws.
"""

# %%
# The data and the two models. Both are ordinary FFNNClassifier instances; only
# ``hidden_layer_sizes`` and ``eta`` differ.

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier

SEED = 2023


# %%
# The figure draws ``history_``: training and validation loss on the left, accuracy on
# the right, one colour per model. The gap between the solid and dashed curves is the
# overfitting the validation set reveals.


def plot_history(out_dir, models):
    """Loss and accuracy per epoch: solid lines train, dashed lines validation.

    The training numbers are averages over each epoch's minibatches, taken as the
    weights move (as Keras reports them); the validation numbers are computed at
    the end of each epoch. A dot marks the lowest validation loss.
    """
    fig, (ax_loss, ax_accuracy) = plt.subplots(1, 2, figsize=(11, 4))
    for (label, model), color in zip(models.items(), ["C0", "C1"], strict=False):
        history = model.history_
        epochs = np.arange(1, len(history["train_loss"]) + 1)
        ax_loss.plot(epochs, history["train_loss"], color=color, label=f"{label} train")
        ax_loss.plot(
            epochs, history["val_loss"], "--", color=color, label=f"{label} validation"
        )
        best = np.argmin(history["val_loss"])
        ax_loss.plot(epochs[best], history["val_loss"][best], "o", color=color)
        ax_accuracy.plot(epochs, history["train_accuracy"], color=color)
        ax_accuracy.plot(epochs, history["val_accuracy"], "--", color=color)
    ax_loss.set(
        xlabel="epoch", ylabel="binary cross-entropy", yscale="log", title="Loss"
    )
    ax_accuracy.set(
        xlabel="epoch", ylabel="accuracy", ylim=(0.85, 1.005), title="Accuracy"
    )
    ax_loss.legend(fontsize="small")
    for ax in (ax_loss, ax_accuracy):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    path = Path(out_dir) / "history.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` splits the data, fits both models with ``X_val`` / ``y_val`` so that every
# epoch is scored on the held-out part, prints the final accuracies and saves the
# figure.


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    epochs = 100 if quick else 1000

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=SEED
    )
    # X_val goes straight to the estimator's fit, so a Pipeline would not scale
    # it: fit the scaler on the training part and transform both by hand.
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

    # Patience as long as the run: train every epoch, as the notes do, so that the
    # curves also show what happens after the validation loss stops improving.
    common = dict(epochs=epochs, n_iter_no_change=epochs, random_state=SEED)
    models = {
        "logistic regression": FFNNClassifier(
            hidden_layer_sizes=(), eta=1e-3, **common
        ),
        "network (100, 30)": FFNNClassifier(
            hidden_layer_sizes=(100, 30), activation="relu", eta=1e-4, **common
        ),
    }
    with warnings.catch_warnings():
        # A run this long (or this short, in quick mode) ends at the epoch cap.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in models.values():
            model.fit(X_train, y_train, X_val=X_val, y_val=y_val)

    print(
        f"{'model':<20} {'epochs':>6} {'train acc':>9} {'val acc':>8} "
        f"{'val loss':>9} {'best val loss (epoch)':>22}"
    )
    results = {}
    for label, model in models.items():
        history = model.history_
        best = int(np.argmin(history["val_loss"]))
        accuracy = model.score(X_val, y_val)
        print(
            f"{label:<20} {model.n_iter_:>6d} {history['train_accuracy'][-1]:>9.4f} "
            f"{accuracy:>8.4f} {history['val_loss'][-1]:>9.4f} "
            f"{history['val_loss'][best]:>15.4f} ({best + 1:>4d})"
        )
        results[label] = (accuracy, history["val_loss"][-1])
    plot_history(out_dir, models)

    (logistic_accuracy, logistic_loss), (network_accuracy, network_loss) = (
        results.values()
    )
    return {
        "logistic_accuracy": float(logistic_accuracy),
        "network_accuracy": float(network_accuracy),
        "logistic_val_loss": float(logistic_loss),
        "network_val_loss": float(network_loss),
    }


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the loss and accuracy curves, then the printed table of
# accuracies.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Breast cancer")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_breast_cancer",
        help="folder for the PNG figures",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
