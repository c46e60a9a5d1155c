"""Every example runs as a script in quick mode and writes its figures.

A few examples are also imported and their ``main`` called, to check the
numbers they report, not only that they ran.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import skffnn

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PLOT_SCRIPTS = sorted(EXAMPLES.glob("plot_*.py"))
# Examples that need an optional extra, and the module that extra provides.
OPTIONAL_EXTRAS = {
    "plot_dask_grid_search": "dask.distributed",
    "plot_onnx_export": "skl2onnx",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def script_env():
    env = dict(os.environ, MPLBACKEND="Agg")
    # The examples multiply small matrices: BLAS threads only compete for the
    # cores (with each other and with other jobs), which made quick runs several
    # times slower on a busy 2-core machine.
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    # The scripts must import the same skffnn as this test session.
    package_root = str(Path(skffnn.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(
        [package_root, *filter(None, [env.get("PYTHONPATH")])]
    )
    return env


def run_script(path, *args):
    return subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        env=script_env(),
        timeout=120,
        check=False,
    )


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def test_every_example_is_collected():
    # A glob that matched nothing would make the parametrized test vacuous.
    names = {path.stem for path in PLOT_SCRIPTS}
    assert {
        "plot_polynomial_regression",
        "plot_breast_cancer",
        "plot_digits",
        "plot_logic_gates",
        "plot_eta_lambda_grid",
        "plot_cross_validation",
        "plot_dask_grid_search",
        "plot_onnx_export",
    } <= names


@pytest.mark.parametrize("path", PLOT_SCRIPTS, ids=lambda path: path.stem)
def test_plot_script_runs_quick_and_saves_pngs(path, tmp_path):
    if path.stem in OPTIONAL_EXTRAS:
        pytest.importorskip(OPTIONAL_EXTRAS[path.stem])
    out = tmp_path / path.stem
    result = run_script(path, "--quick", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), "the example printed no table"
    pngs = sorted(out.glob("*.png"))
    assert pngs, f"{path.name} saved no PNG into {out}"
    for png in pngs:
        content = png.read_bytes()
        assert content.startswith(PNG_SIGNATURE), png.name
        assert len(content) > 5_000, f"{png.name} is suspiciously small"


def test_quickstart_runs_quick():
    result = run_script(EXAMPLES / "quickstart.py", "--quick")
    assert result.returncode == 0, result.stderr
    assert "held-out test accuracy" in result.stdout


def test_logic_gates_only_xor_needs_a_hidden_layer(tmp_path, one_blas_thread):
    accuracy = load_example("plot_logic_gates").main(tmp_path, quick=True)["accuracy"]
    assert accuracy["hidden"] == {"XOR": 1.0, "AND": 1.0, "OR": 1.0, "NAND": 1.0}
    assert accuracy["no_hidden"]["XOR"] < 1.0
    for gate in ("AND", "OR", "NAND"):
        assert accuracy["no_hidden"][gate] == 1.0
    assert (tmp_path / "decision_regions.png").is_file()


def test_breast_cancer_models_classify_well(tmp_path, one_blas_thread):
    results = load_example("plot_breast_cancer").main(tmp_path, quick=True)
    assert results["logistic_accuracy"] > 0.9
    assert results["network_accuracy"] > 0.9
    assert (tmp_path / "history.png").is_file()


def test_eta_lambda_heatmaps_match_the_search(tmp_path, one_blas_thread):
    results = load_example("plot_eta_lambda_grid").main(tmp_path, quick=True)
    cv_grid = results["cv_accuracy_grid"]
    assert cv_grid.shape == results["train_accuracy_grid"].shape == (3, 3)
    assert not np.isnan(cv_grid).any()
    # The best candidate of the search sits in its own (eta, lam) cell of the
    # drawn heatmap, and that cell is the heatmap's maximum.
    row = list(results["eta_values"]).index(results["best_eta"])
    col = list(results["lam_values"]).index(results["best_lam"])
    assert cv_grid[row, col] == results["best_cv_accuracy"] == cv_grid.max()
    assert results["best_cv_accuracy"] > 0.5
    assert (tmp_path / "eta_lambda_heatmaps.png").is_file()


def test_onnx_export_agrees_with_the_pipelines(tmp_path, one_blas_thread):
    pytest.importorskip("skl2onnx")
    results = load_example("plot_onnx_export").main(tmp_path, quick=True)
    for dtype, bound in (("float32", 1e-5), ("float64", 1e-10)):
        assert results[dtype]["label_agreement"] == 1.0
        assert results[dtype]["max_proba_error"] < bound
        assert results[dtype]["accuracy"] > 0.8
    assert results["regressor"]["max_relative_error"] < 1e-10
    assert results["regressor"]["r2"] > 0.2
    for name in ("digits_float32", "digits_float64", "diabetes_float64"):
        assert (tmp_path / f"{name}.onnx").stat().st_size > 1_000
    assert (tmp_path / "onnx_agreement.png").is_file()
