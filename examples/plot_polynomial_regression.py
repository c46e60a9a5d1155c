"""
Polynomial regression: a network without hidden layers is linear regression
===========================================================================

The course notes fit the 2-D polynomial ``f(x, y) = x + 2y + 3x^2 + 4xy + 5y^2``
with a network that has no hidden layer, fed the polynomial design matrix made
by ``create_X`` (here of degree 3). With an identity output and the mean squared
error that network *is* ordinary least squares, trained by gradient descent
instead of solved in closed form. Next to it, a small network with one hidden
layer gets only the raw coordinates ``(x, y)`` and has to find the curvature by
itself. Both are scored on held-out grid points, against the closed-form
least-squares fit and against the noise level, which no model can beat.
"""

# %%
# The imports and the settings of the demo.

import argparse
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import train_test_split

from skffnn import FFNNRegressor

SEED = 2023
NOISE = 0.1
TRUE_COEFFICIENTS = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0, 0.0])


# %%
# The course notes' target function and their ``create_X``, which builds the polynomial
# design matrix of the two coordinates.


# The data: the seed's function on a grid, plus a little Gaussian noise.
def skranke_function(x, y):
    return np.ravel(1 * x + 2 * y + 3 * x**2 + 4 * x * y + 5 * y**2)


# Named as in the course notes, hence the capital X.
def create_X(x, y, degree):  # noqa: N802
    """Return the columns ``x**(i - k) * y**k`` for ``1 <= i <= degree``.

    The column order is the seed's: x, y, x^2, xy, y^2, x^3, x^2 y, ... The
    seed's column of ones is left out, since the network's bias is the intercept.
    """
    x, y = np.ravel(x), np.ravel(y)
    columns = [x ** (i - k) * y**k for i in range(1, degree + 1) for k in range(i + 1)]
    return np.column_stack(columns)


# %%
# Two figures: the target and the fitted surfaces side by side, and the training loss of
# both networks per epoch against the noise level.


# The figures.
def plot_surfaces(out_dir, coords, z, test, surfaces, titles):
    """Fitted surfaces over the unit square, with the test points on top."""
    fig = plt.figure(figsize=(13, 4.6))
    for i, (surface, title) in enumerate(zip(surfaces, titles, strict=True)):
        ax = fig.add_subplot(1, len(surfaces), i + 1, projection="3d")
        ax.plot_surface(*surface, cmap="viridis", alpha=0.6, linewidth=0)
        ax.scatter(*coords[test].T, z[test], color="crimson", s=8, depthshade=False)
        ax.set(xlabel="x", ylabel="y", zlabel="z", zlim=(z.min(), z.max()))
        ax.set_title(title)
        ax.view_init(elev=25, azim=-125)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.08, top=0.95, wspace=0.1)
    fig.text(0.5, 0.02, "red dots: the held-out noisy points", ha="center")
    path = Path(out_dir) / "surfaces.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_loss_curves(out_dir, models, noise_mse):
    fig, ax = plt.subplots(figsize=(6, 4))
    for label, model in models.items():
        ax.semilogy(model.loss_curve_, label=label)
    # skffnn's "mse" is the plain mean of squared errors, so the noise variance is
    # the level a perfect fit would reach.
    ax.axhline(noise_mse, color="grey", linestyle="--", label="noise variance")
    ax.set(xlabel="epoch", ylabel="training loss (MSE)", title="Training loss")
    ax.legend()
    fig.tight_layout()
    path = Path(out_dir) / "loss_curves.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


# %%
# ``main`` fits the network without hidden layers on the design matrix and the small
# tanh network on the raw coordinates, compares both with the closed-form least-squares
# fit on held-out points, and saves the figures.


def main(out_dir, quick=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    n_grid, epochs = (10, 100) if quick else (20, 2000)

    x, y = np.meshgrid(np.linspace(0, 1, n_grid), np.linspace(0, 1, n_grid))
    z = skranke_function(x, y) + rng.normal(scale=NOISE, size=x.size)
    X_poly = create_X(x, y, degree=3)
    coords = np.column_stack([x.ravel(), y.ravel()])
    train, test = train_test_split(np.arange(x.size), test_size=0.2, random_state=SEED)

    # Closed-form least squares on the same design matrix, with an intercept.
    design = np.column_stack([np.ones(x.size), X_poly])
    beta, *_ = np.linalg.lstsq(design[train], z[train], rcond=None)

    common = dict(eta=1e-2, epochs=epochs, batch_size=32, tol=1e-6, n_iter_no_change=50)
    linear = FFNNRegressor(hidden_layer_sizes=(), random_state=SEED, **common)
    network = FFNNRegressor(
        hidden_layer_sizes=(20,), activation="tanh", random_state=SEED, **common
    )
    with warnings.catch_warnings():
        # Quick mode caps the epochs far below convergence on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        linear.fit(X_poly[train], z[train])
        network.fit(coords[train], z[train])

    predictions = {
        "least squares (closed form)": design[test] @ beta,
        "FFNN, no hidden layer, degree-3 features": linear.predict(X_poly[test]),
        "FFNN, hidden (20,) tanh, raw (x, y)": network.predict(coords[test]),
    }
    print(f"{'model':<42} {'test MSE':>9} {'R2':>7}")
    scores = {}
    for label, z_pred in predictions.items():
        scores[label] = mean_squared_error(z[test], z_pred)
        print(f"{label:<42} {scores[label]:>9.5f} {r2_score(z[test], z_pred):>7.4f}")
    print(f"{'noise variance (the floor)':<42} {NOISE**2:>9.5f}")

    # Gradient descent and the closed form agree on the predictions, not on every
    # coefficient: the cubic columns are nearly collinear on [0, 1].
    names = ["x", "y", "x^2", "xy", "y^2", "x^3", "x^2y", "xy^2", "y^3"]
    print(f"\n{'coefficient':<12} {'true':>6} {'lstsq':>7} {'FFNN ()':>8}")
    for name, true, ols, net in zip(
        names, TRUE_COEFFICIENTS, beta[1:], linear.coefs_[0].ravel(), strict=True
    ):
        print(f"{name:<12} {true:>6.2f} {ols:>7.2f} {net:>8.2f}")

    fine = np.linspace(0, 1, 40)
    x_fine, y_fine = np.meshgrid(fine, fine)
    coords_fine = np.column_stack([x_fine.ravel(), y_fine.ravel()])
    surfaces = [
        (x_fine, y_fine, skranke_function(x_fine, y_fine).reshape(x_fine.shape)),
        (
            x_fine,
            y_fine,
            linear.predict(create_X(x_fine, y_fine, 3)).reshape(x_fine.shape),
        ),
        (x_fine, y_fine, network.predict(coords_fine).reshape(x_fine.shape)),
    ]
    titles = [
        "true f(x, y)",
        "no hidden layer (linear regression)",
        "hidden layer (20,) on (x, y)",
    ]
    plot_surfaces(out_dir, coords, z, test, surfaces, titles)
    plot_loss_curves(
        out_dir, {"no hidden layer": linear, "hidden (20,)": network}, NOISE**2
    )

    values = list(scores.values())
    return {
        "mse_least_squares": float(values[0]),
        "mse_linear": float(values[1]),
        "mse_network": float(values[2]),
        "noise_variance": NOISE**2,
        "epochs_linear": int(linear.n_iter_),
        "epochs_network": int(network.n_iter_),
    }


# %%
# Run the demo. As a script it takes ``--quick`` (a tiny run in seconds) and ``--out``
# (the folder for the PNG files); the gallery runs it with ``--quick`` in CI's build and
# in full for a release. Below: the surfaces and the loss curves, then the printed test
# errors.

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Polynomial regression")
    parser.add_argument("--quick", action="store_true", help="a tiny run in seconds")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(sys.argv[0]).resolve().parent
        / "output"
        / "plot_polynomial_regression",
        help="folder for the PNG figures",
    )
    args = parser.parse_args()
    main(args.out, quick=args.quick)
