"""Rebuild examples/thumbnails/: run every example in full, shrink one figure each.

Each ``plot_*.py`` runs as a script (not in quick mode) into
``examples/output/<name>/``; the figure named in ``FIGURES`` is then scaled to
320 pixels wide and saved as ``examples/thumbnails/<name>.png`` for
``examples/README.md``. Run it after changing an example's figures.
"""

import argparse
import subprocess
import sys
from pathlib import Path

from PIL import Image

EXAMPLES = Path(__file__).resolve().parent
FIGURES = {
    "plot_polynomial_regression": "surfaces.png",
    "plot_breast_cancer": "history.png",
    "plot_digits": "confusion_matrix.png",
    "plot_logic_gates": "decision_regions.png",
    "plot_eta_lambda_grid": "eta_lambda_heatmaps.png",
    "plot_cross_validation": "learning_curves.png",
    "plot_dask_grid_search": "dask_grid_search.png",
    "plot_remedies": "remedies.png",
    "plot_onnx_export": "onnx_agreement.png",
}
WIDTH = 320
MAX_BYTES = 60_000


def make_thumbnail(figure, thumbnail):
    with Image.open(figure) as image:
        height = round(image.height * WIDTH / image.width)
        small = image.convert("RGB").resize((WIDTH, height), Image.Resampling.LANCZOS)
    small.save(thumbnail, optimize=True)
    if thumbnail.stat().st_size > MAX_BYTES:
        # A 256-colour palette keeps plots crisp at a fraction of the size.
        small.quantize(colors=256).save(thumbnail, optimize=True)
    return thumbnail.stat().st_size


def main(names):
    thumbnails = EXAMPLES / "thumbnails"
    thumbnails.mkdir(exist_ok=True)
    for name in names:
        out = EXAMPLES / "output" / name
        print(f"=== {name}", flush=True)
        subprocess.run(
            [sys.executable, str(EXAMPLES / f"{name}.py"), "--out", str(out)],
            check=True,
        )
        size = make_thumbnail(out / FIGURES[name], thumbnails / f"{name}.png")
        print(f"thumbnails/{name}.png: {size / 1000:.1f} kB", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", default=list(FIGURES), help="examples to rebuild (all)"
    )
    main(parser.parse_args().names)
