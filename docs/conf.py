"""Sphinx configuration of skffnn's documentation site.

The build needs no network: intersphinx reads the small inventories committed
in ``_inventories/`` (written by ``make_inventories.py``), and MathJax is
served from the build, copied from the ``django-static-mathjax`` package of
the ``docs`` extra.
"""

import os
import shutil
import sys
from pathlib import Path

import mathjax

import skffnn

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS))

from bench_tables import write_tables  # noqa: E402
from gallery_scraper import SavedPNGScraper, reset_argv  # noqa: E402

project = "skffnn"
author = "skffnn developers"
copyright = "skffnn developers"
release = skffnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = [
    "_build",
    "_generated",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
]
templates_path = ["_templates"]
nitpicky = True
# Single backticks name a parameter, as in numpydoc docstrings: shown as code.
default_role = "literal"

# ----- API reference ---------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # numpydoc's "Parameters" sections say it better
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
# Words of numpydoc type descriptions that are prose, not names to link.
numpydoc_xref_ignore = {
    "of",
    "or",
    "and",
    "shape",
    "default",
    "optional",
    "instance",
    "these",
    "n_samples",
    "n_features",
    "n_outputs",
    "n_classes",
    "n_val_samples",
    "n_in",
    "n_out",
    "n_labels",
    "matrix",
}
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "Schedule": "skffnn.schedules.Schedule",
    "array-like": ":term:`array-like <array_like>`",
    "array_like": ":term:`array_like`",
    "DataFrame": "pandas.DataFrame",
    "sparse": "scipy.sparse",
    "RandomState": "numpy.random.RandomState",
    "Scheduler": "skffnn.schedulers.Scheduler",
    "estimator": "sklearn.base.BaseEstimator",
}

# ----- cross-references, offline -----------------------------------------------
INVENTORIES = DOCS / "_inventories"
intersphinx_mapping = {
    name: (url, str(INVENTORIES / f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "scipy": "https://docs.scipy.org/doc/scipy/",
        "sklearn": "https://scikit-learn.org/stable/",
        "pandas": "https://pandas.pydata.org/docs/",
    }.items()
}

# ----- maths, from the build ---------------------------------------------------
MATHJAX_SOURCE = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"
mathjax_path = "mathjax/tex-chtml.js"


def copy_mathjax(app, exception):
    """Copy MathJax's CommonHTML bundle and its fonts into the built site."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(MATHJAX_SOURCE / "tex-chtml.js", target / "tex-chtml.js")
    fonts = Path("output") / "chtml" / "fonts" / "woff-v2"
    shutil.copytree(MATHJAX_SOURCE / fonts, target / fonts, dirs_exist_ok=True)


def setup(app):
    """Write the benchmark tables; register the MathJax copy step."""
    write_tables(DOCS.parent / "benchmarks", DOCS / "_generated")
    app.connect("build-finished", copy_mathjax)


# ----- gallery ---------------------------------------------------------------
# SKFFNN_GALLERY=full renders the examples' full runs (for a release); the
# default quick runs keep CI's build short.
MODE = "quick" if os.environ.get("SKFFNN_GALLERY", "quick") != "full" else "full"
GALLERY = DOCS / "auto_examples"
# sphinx-gallery reruns an example only when its source changed; a build in the
# other mode than the last must rerun them all, or it would show stale output.
MODE_FILE = GALLERY / ".gallery_mode"
STALE = not MODE_FILE.is_file() or MODE_FILE.read_text() != MODE
GALLERY.mkdir(exist_ok=True)
MODE_FILE.write_text(MODE)
sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"make_thumbnails\.py",
    "reset_argv": reset_argv(
        quick=MODE == "quick", out_root=DOCS / "_build" / "gallery_png"
    ),
    "run_stale_examples": STALE,
    "image_scrapers": (SavedPNGScraper(DOCS / "_build" / "gallery_png"),),
    # The scripts read their options with argparse: a notebook sets them first.
    "first_notebook_cell": (
        "# The example reads its options from the command line: figures go to\n"
        "# ./figures (add '--quick' for a tiny run).\n"
        "import sys\n\n"
        'sys.argv = ["example", "--out", "figures"]'
    ),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "min_reported_time": 0,
    # Each example page shows its own run time; the summary pages would load
    # their table scripts from a CDN, and the site must work offline.
    "write_computation_times": False,
    "show_memory": False,
}

# ----- HTML ------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skffnn {release}"
html_static_path = ["_static"]
html_css_files = ["skffnn.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
