"""Write the performance page's tables from the benchmarks' saved results.

``benchmarks/bench.py --json`` saves every measurement; the user guide's
performance page shows a summary of them, so that the site shows the numbers
of the last committed run and never a copy that drifts from them.
"""

import csv
import json
import statistics

COLUMNS = [
    "workload",
    "batch",
    "n_train",
    "skffnn s/epoch",
    "sklearn s/epoch",
    "ratio",
    "skffnn score",
    "sklearn score",
    "skffnn peak MiB",
    "sklearn peak MiB",
]


def _median(runs, key):
    return statistics.median(run[key] for run in runs)


def rows(results):
    """One summary row per workload: medians over repeats, peaks at their max."""
    for result in results:
        workload, runs = result["workload"], result["runs"]
        ours, theirs = runs["skffnn"], runs["sklearn"]
        epoch_ours = _median(ours, "epoch_seconds")
        epoch_theirs = _median(theirs, "epoch_seconds")
        yield [
            workload["name"],
            workload["batch"],
            f"{workload['n_train']:,}",
            f"{epoch_ours:.4g}",
            f"{epoch_theirs:.4g}",
            f"{epoch_ours / epoch_theirs:.2f}",
            f"{_median(ours, 'score'):.4f}",
            f"{_median(theirs, 'score'):.4f}",
            f"{max(run['peak_mib'] for run in ours):.1f}",
            f"{max(run['peak_mib'] for run in theirs):.1f}",
        ]


def caption(meta):
    """Say where and when the numbers were measured."""
    threads = meta["blas"][0]["num_threads"] if meta.get("blas") else "?"
    kernels = {"auto": "with the fast extra's kernels", "off": "NumPy only"}
    mode = kernels.get(meta.get("kernels", "off"), "NumPy only")
    return (
        f"Measured {meta['date'][:10]} on {meta['nproc']} cores ({meta['cpu']}), "
        f"{threads} BLAS thread(s), skffnn {mode}; scikit-learn "
        f"{meta['sklearn']}, NumPy {meta['numpy']}, skffnn {meta['skffnn']}."
    )


RESULTS = (
    "results",
    "results-numpy",
    "results-2threads",
    "results-2threads-numpy",
)


def write_tables(benchmarks, out):
    """Write ``<name>.csv`` and ``<name>.txt`` (the caption) per results file."""
    out.mkdir(parents=True, exist_ok=True)
    for name in RESULTS:
        saved = json.loads((benchmarks / f"{name}.json").read_text())
        with open(out / f"{name}.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows(rows(saved["results"]))
        (out / f"{name}.txt").write_text(caption(saved["meta"]) + "\n")
