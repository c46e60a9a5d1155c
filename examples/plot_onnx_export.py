"""
Exporting a pipeline to ONNX
============================

A ``StandardScaler -> FFNNClassifier`` pipeline trained on the digits is
converted to ONNX with ``skl2onnx.to_onnx``, once ``skffnn.onnx.register()`` has
taught skl2onnx the estimator, then run by onnxruntime, which needs neither
Python's scikit-learn nor skffnn. The same is done in float32 and in float64,
and for an ``FFNNRegressor`` with batch normalization on the diabetes data. The
graph's labels and probabilities are compared with ``predict`` and
``predict_proba`` on held-out rows: the labels agree everywhere, and the
probabilities differ by rounding only.
"""

# %%
# The converters come with the ``onnx`` extra (``pip install "skffnn[onnx]"``),
# which brings skl2onnx and onnxruntime; ``import skffnn`` alone never loads
# them.
import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skffnn.onnx
from skffnn import FFNNClassifier, FFNNRegressor

SEED = 0
NAME = "plot_onnx_export"
# The bounds the test suite holds every export to.
TOLERANCE = {"float32": 1e-5, "float64": 1e-10}

skffnn.onnx.register()


# %%
# Exporting takes one sample of the input, from which skl2onnx reads the
# number of columns and the precision the graph computes in. onnxruntime's
# ZipMap, which turns probabilities into one ``{label: probability}`` dict per
# row, takes no doubles, so the option ``zipmap=False`` keeps them a plain
# matrix, as for scikit-learn's own MLP. The graph is saved to a file and
# loaded back, as a service would load it.
def export(model, X_sample, path):
    """Write the model's ONNX graph to `path`; return an onnxruntime session."""
    options = {FFNNClassifier: {"zipmap": False}}
    onx = to_onnx(model, X_sample, options=options)
    Path(path).write_bytes(onx.SerializeToString())
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def run(session, X):
    """Return the graph's outputs for `X`."""
    return session.run(None, {session.get_inputs()[0].name: X})


def fitted(estimator, X, y):
    """Fit a scaling pipeline around `estimator`."""
    model = make_pipeline(StandardScaler(), estimator)
    with warnings.catch_warnings():
        # Quick runs stop at the epoch cap before converging.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# %%
# The first panel sets every probability onnxruntime computes against the one
# ``predict_proba`` gives for the same row and class: all points sit on the
# diagonal. The second panel shows how far apart they are: a few float32
# roundings, far smaller still in float64, and many exact ties (drawn at the
# left edge).
def plot_agreement(comparisons):
    """Scatter and histogram of the graph's probabilities against the model's."""
    fig, (ax_scatter, ax_hist) = plt.subplots(1, 2, figsize=(11, 4.2))
    first = comparisons["float32"]
    ax_scatter.plot(
        first["expected"].ravel(), first["onnx"].ravel(), ".", ms=3, alpha=0.5
    )
    ax_scatter.plot([0, 1], [0, 1], color="0.6", lw=1, zorder=0)
    ax_scatter.set(
        xlabel="predict_proba (float32)",
        ylabel="onnxruntime (float32)",
        title="Probabilities, every class of every held-out digit",
    )
    floor = 1e-19
    bins = np.logspace(np.log10(floor), -4, 46)
    for (dtype, comparison), color in zip(
        comparisons.items(), ["C0", "C1"], strict=True
    ):
        difference = np.abs(comparison["onnx"] - comparison["expected"]).ravel()
        ax_hist.hist(
            np.maximum(difference, floor),
            bins=bins,
            color=color,
            alpha=0.6,
            label=f"{dtype}: max {difference.max():.1e}",
        )
        ax_hist.axvline(TOLERANCE[dtype], color=color, ls="--", lw=1)
    ax_hist.set(
        xscale="log",
        xlabel="|onnxruntime - predict_proba|  (dashed: the tested bound)",
        ylabel="number of probabilities",
        title="Differences (exact ties at the left edge)",
    )
    ax_hist.legend(fontsize="small")
    fig.tight_layout()
    return fig


# %%
# ``main`` trains the pipelines, exports each, and prints one row per export:
# the held-out accuracy or R^2, the share of labels that agree, and the largest
# difference between the graph's outputs and the pipeline's.
def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    epochs = 10 if quick else 100

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=SEED
    )
    print(f"{'model':<24} {'score':>6} {'labels agree':>12} {'max |diff|':>11}")
    comparisons, results = {}, {}
    for dtype in ("float32", "float64"):
        estimator = FFNNClassifier(
            hidden_layer_sizes=(64,), epochs=epochs, random_state=SEED
        )
        model = fitted(estimator, X_train.astype(dtype), y_train)
        X_held = X_test.astype(dtype)
        session = export(model, X_held[:1], out_dir / f"digits_{dtype}.onnx")
        labels, probabilities = run(session, X_held)
        expected = model.predict_proba(X_held)
        comparisons[dtype] = {"onnx": probabilities, "expected": expected}
        results[dtype] = {
            "accuracy": float(model.score(X_held, y_test)),
            "label_agreement": float(np.mean(labels == model.predict(X_held))),
            "max_proba_error": float(np.abs(probabilities - expected).max()),
        }
        row = results[dtype]
        print(
            f"{'digits, ' + dtype:<24} {row['accuracy']:>6.3f} "
            f"{row['label_agreement']:>12.1%} {row['max_proba_error']:>11.1e}"
        )

    # A regressor with batch normalization, which the export folds into the
    # weights of each hidden layer.
    # The target, in the hundreds, is standardized: the output layer is linear
    # and its weights start small. On these 331 noisy training rows the network
    # overfits after about 20 epochs, so it stops there in both modes.
    X, y = load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)
    estimator = FFNNRegressor(
        hidden_layer_sizes=(16,),
        batch_norm=True,
        eta=1e-2,
        lam=0.1,
        epochs=20,
        random_state=SEED,
    )
    model = fitted(estimator, X_train, y_train)
    session = export(model, X_test[:1], out_dir / "diabetes_float64.onnx")
    (values,) = run(session, X_test)
    predicted = model.predict(X_test)
    results["regressor"] = {
        "r2": float(model.score(X_test, y_test)),
        "max_relative_error": float(
            np.abs(values.ravel() - predicted).max() / np.abs(predicted).max()
        ),
    }
    row = results["regressor"]
    print(
        f"{'diabetes, float64':<24} {row['r2']:>6.3f} {'':>12} "
        f"{row['max_relative_error']:>11.1e}  (relative)"
    )

    fig = plot_agreement(comparisons)
    fig.savefig(out_dir / "onnx_agreement.png", dpi=100)
    return results


# %%
# As a script, the figure and the ``.onnx`` files go to ``--out``.
def default_out():
    """``examples/output/<name>`` whether run from the repository or examples/."""
    examples = Path("examples") if Path("examples").is_dir() else Path()
    return examples / "output" / NAME


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Export a pipeline to ONNX.")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out", type=Path, default=default_out(), help="folder for the outputs"
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
