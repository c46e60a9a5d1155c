"""
Remedies for networks that train badly: init, batch norm, dropout, clipping
===========================================================================

The course notes name four remedies. Each panel trains the same network with and
without one of them and draws the training (solid) and validation (dashed) loss
per epoch from ``history_``:

1. A deep tanh network (8 layers of 100 units, plain SGD) whose N(0, 1) weights
   saturate every unit: it stalls, while Glorot weights or batch normalization
   train it.
2. A wide network on a small, noisy problem overfits; dropout narrows the gap
   between training and validation loss.
3. Plain SGD on unscaled regression data diverges; clipping the gradient's norm
   keeps the run finite.
"""

# %%
# The imports and the shared settings.

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skffnn import FFNNClassifier, FFNNRegressor

SEED = 0


# %%
# The three experiments, each a dict of fitted models keyed by a label: N(0, 1) against
# Glorot weights and batch normalization in a deep tanh network; a wide network with and
# without dropout; plain SGD on unscaled data with and without gradient clipping.


def deep_network_runs(quick):
    X, y = make_classification(
        n_samples=600, n_features=20, n_informative=10, random_state=SEED
    )
    X = StandardScaler().fit_transform(X)
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=SEED)
    settings = {
        "N(0, 1) weights": dict(weight_init="normal"),
        "Glorot weights": dict(weight_init="glorot"),
        "N(0, 1) + batch norm": dict(weight_init="normal", batch_norm=True),
    }
    runs = {}
    for label, params in settings.items():
        model = FFNNClassifier(
            hidden_layer_sizes=(100,) * 8,
            activation="tanh",
            scheduler="constant",
            eta=0.05,
            batch_size=32,
            epochs=5 if quick else 40,
            random_state=SEED,
            **params,
        )
        runs[label] = model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    return runs


def dropout_runs(quick):
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(300, 10))
    y = (X[:, 0] + 0.8 * rng.normal(size=300) > 0).astype(int)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.5, random_state=SEED
    )
    runs = {}
    for rate in (0.0, 0.5):
        model = FFNNClassifier(
            hidden_layer_sizes=(64, 64),
            dropout=rate,
            eta=3e-3,
            epochs=20 if quick else 150,
            tol=0,
            n_iter_no_change=1000,
            random_state=SEED,
        )
        label = f"dropout={rate}"
        runs[label] = model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    return runs


def clipping_runs(quick):
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(300, 5)) * 10
    y = X @ rng.normal(size=5) * 10
    X_train, X_val, y_train, y_val = train_test_split(X, y, random_state=SEED)
    runs = {}
    for clip_norm in (None, 1.0):
        model = FFNNRegressor(
            hidden_layer_sizes=(32,),
            scheduler="constant",
            eta=1e-3,
            clip_norm=clip_norm,
            epochs=10 if quick else 50,
            random_state=SEED,
        )
        runs[f"clip_norm={clip_norm}"] = model.fit(
            X_train, y_train, X_val=X_val, y_val=y_val
        )
    return runs


# %%
# ``main`` runs the three experiments and draws one panel each: training (solid) and
# validation (dashed) loss per epoch, on a log scale.


def plot_panel(ax, runs, title, ylabel):
    for (label, model), color in zip(runs.items(), ["C0", "C1", "C2"], strict=False):
        history = model.history_
        epochs = np.arange(1, len(history["train_loss"]) + 1)
        ax.plot(epochs, history["train_loss"], color=color, label=label)
        ax.plot(epochs, history["val_loss"], "--", color=color)
    ax.set(xlabel="epoch", ylabel=ylabel, yscale="log", title=title)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Stalls, capped epochs and the divergence are what this demo shows;
        # the table below reports them instead of one warning per fit.
        warnings.simplefilter("ignore", ConvergenceWarning)
        panels = {
            "Deep tanh network, plain SGD": (deep_network_runs(quick), "log-loss"),
            "Small noisy problem, wide network": (dropout_runs(quick), "log-loss"),
            "Unscaled regression, SGD": (clipping_runs(quick), "squared error"),
        }
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, (title, (runs, ylabel)) in zip(axes, panels.items(), strict=True):
        plot_panel(ax, runs, title, ylabel)
    fig.suptitle("Training (solid) and validation (dashed) loss per epoch")
    fig.tight_layout()
    fig.savefig(out_dir / "remedies.png", dpi=100)
    plt.close(fig)

    results = {}
    print(f"{'run':<32} {'epochs':>6} {'final train':>12} {'final val':>12}")
    for runs, _ in panels.values():
        for label, model in runs.items():
            history = model.history_
            train, val = history["train_loss"][-1], history["val_loss"][-1]
            results[label] = {"epochs": model.n_iter_, "train": train, "val": val}
            print(f"{label:<32} {model.n_iter_:>6d} {train:>12.4g} {val:>12.4g}")
    return results


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the three panels, then the printed final losses of every
# run.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="Remedies for networks that train badly"
    )
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_remedies",
        help="folder for the PNG figures",
    )
    arguments = parser.parse_args()
    main(arguments.out, quick=arguments.quick)
