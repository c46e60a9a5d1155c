"""How sphinx-gallery runs skffnn's examples, and how it finds their figures.

Each example runs as a script with ``--out`` pointing at a folder of its own,
and ``--quick`` for CI's short build. The examples save their figures as PNG
files and close them (as scripts and tests want), so matplotlib's own scraper
finds no open figure; :class:`SavedPNGScraper` instead collects, after every
code cell, the PNGs that cell wrote into the example's folder.
"""

import shutil
from pathlib import Path

from sphinx_gallery.scrapers import figure_rst


class reset_argv:  # noqa: N801 (named after the sphinx-gallery option it fills)
    """Build an example's command line, and empty its figure folder first."""

    def __init__(self, quick, out_root):
        self.quick = quick
        self.out_root = Path(out_root)

    def __call__(self, gallery_conf, script_vars):
        """Return ``sys.argv[1:]`` for the example in ``script_vars``."""
        out = self.out_root / Path(script_vars["src_file"]).stem
        shutil.rmtree(out, ignore_errors=True)  # old PNGs are not this run's
        return [*(["--quick"] if self.quick else []), "--out", str(out)]

    def __repr__(self):
        """Name the settings, so that Sphinx sees when they change."""
        return f"reset_argv(quick={self.quick})"


class SavedPNGScraper:
    """Show the PNGs an example saved during a code cell, in saving order."""

    def __init__(self, out_root):
        self.out_root = Path(out_root)
        self.seen = {}

    def __call__(self, block, block_vars, gallery_conf):
        """Copy the cell's new PNGs to the gallery and return their reST."""
        out = self.out_root / Path(block_vars["src_file"]).stem
        saved = sorted(
            out.glob("*.png"), key=lambda path: (path.stat().st_mtime_ns, path.name)
        )
        new = [path for path in saved if self.seen.get(path) != path.stat().st_mtime_ns]
        image_paths = []
        for path in new:
            self.seen[path] = path.stat().st_mtime_ns
            image_paths.append(next(block_vars["image_path_iterator"]))
            shutil.copyfile(path, image_paths[-1])
        return figure_rst(image_paths, gallery_conf["src_dir"])

    def __repr__(self):
        """Name the scraper, so that Sphinx sees when it changes."""
        return "SavedPNGScraper()"
