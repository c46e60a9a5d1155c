"""
Logic gates: only XOR needs a hidden layer
==========================================

The course notes train logistic regression (a network with no hidden layer) on
the XOR gate. Here the same model, and a network with one hidden layer of four
tanh units, learn the four gates XOR, AND, OR and NAND from their four input
pairs. AND, OR and NAND are linearly separable, so logistic regression gets all
four points right; XOR is not, so no straight line separates its classes, and
only the network with a hidden layer learns it. The figure shows each model's
decision region: the probability of output 1 over the input plane.
"""

# %%
# The four input pairs, the four gates' targets, and the two models: no hidden layer
# (logistic regression) and one hidden layer of four tanh units.

import argparse
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from skffnn import FFNNClassifier

SEED = 2023
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
GATES = {
    "XOR": np.array([0, 1, 1, 0]),
    "AND": np.array([0, 0, 0, 1]),
    "OR": np.array([0, 1, 1, 1]),
    "NAND": np.array([1, 1, 1, 0]),
}


def make_models():
    """The two models of the comparison, keyed by a short name."""
    return {
        "no_hidden": FFNNClassifier(
            hidden_layer_sizes=(), eta=0.1, epochs=1000, random_state=SEED
        ),
        "hidden": FFNNClassifier(
            hidden_layer_sizes=(4,),
            activation="tanh",
            eta=0.1,
            epochs=1000,
            random_state=SEED,
        ),
    }


TITLES = {"no_hidden": "no hidden layer", "hidden": "hidden layer (4,) tanh"}


# %%
# The figure shows, for every gate and model, the predicted probability of output 1 over
# the input plane, the 0.5 boundary in black, and the four training points.


def plot_decision_regions(out_dir, fitted, resolution):
    """One panel per gate and model: P(output = 1) and the 0.5 boundary."""
    grid = np.linspace(-0.5, 1.5, resolution)
    xx, yy = np.meshgrid(grid, grid)
    plane = np.column_stack([xx.ravel(), yy.ravel()])
    fig, axes = plt.subplots(
        len(TITLES), len(GATES), figsize=(11, 5.6), layout="constrained"
    )
    for row, model_name in enumerate(TITLES):
        for col, (gate, y) in enumerate(GATES.items()):
            ax = axes[row, col]
            model = fitted[model_name][gate]
            proba = model.predict_proba(plane)[:, 1].reshape(xx.shape)
            image = ax.contourf(
                xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r"
            )
            ax.contour(xx, yy, proba, levels=[0.5], colors="k", linewidths=1)
            ax.scatter(
                X[:, 0],
                X[:, 1],
                c=y,
                cmap="RdBu_r",
                vmin=0,
                vmax=1,
                s=120,
                edgecolors="k",
            )
            accuracy = model.score(X, y)
            ax.set_title(f"{gate}: accuracy {accuracy:.2f}", fontsize=11)
            ax.set(xticks=[0, 1], yticks=[0, 1], aspect="equal")
            if col == 0:
                ax.set_ylabel(TITLES[model_name])
    fig.colorbar(image, ax=axes, shrink=0.9, label="P(output = 1)")
    fig.suptitle("Decision regions (dots: the four inputs, coloured by target)")
    path = Path(out_dir) / "decision_regions.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` fits both models on every gate, prints their accuracy and final loss, and
# saves the figure.


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    fitted = {name: {} for name in TITLES}
    for gate, y in GATES.items():
        for name, model in make_models().items():
            fitted[name][gate] = model.fit(X, y)

    accuracy = {
        name: {gate: float(fitted[name][gate].score(X, y)) for gate, y in GATES.items()}
        for name in TITLES
    }
    loss = {
        name: {gate: fitted[name][gate].loss_curve_[-1] for gate in GATES}
        for name in TITLES
    }
    print(
        f"{'gate':<6} {'no hidden: acc':>14} {'loss':>6}   "
        f"{'hidden (4,): acc':>16} {'loss':>6}"
    )
    for gate in GATES:
        print(
            f"{gate:<6} {accuracy['no_hidden'][gate]:>14.2f} "
            f"{loss['no_hidden'][gate]:>6.3f}   {accuracy['hidden'][gate]:>16.2f} "
            f"{loss['hidden'][gate]:>6.3f}"
        )
    print(f"(a constant 0.5 output has loss ln 2 = {np.log(2):.3f})")

    plot_decision_regions(out_dir, fitted, resolution=40 if quick else 200)
    return {"accuracy": accuracy, "loss": loss}


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the decision regions, where one straight boundary cannot
# separate XOR's classes, then the printed table: only XOR defeats the model without a
# hidden layer.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Logic gates")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent / "output" / "plot_logic_gates",
        help="folder for the PNG figures",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
