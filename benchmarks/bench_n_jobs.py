"""``n_jobs``: the selectors that solve classes (or fit models) at once, with 1 job and with more.

On the 10-class pool of ``bench_solvers.py --selectors`` (``make_classification``, d = 20, 200
real rows per class, ``n_select=5.0``), each selector with an ``n_jobs`` parameter is fit with
``n_jobs=1`` and with ``n_jobs=N`` alternately, ``--repeats`` times, in one process with one
BLAS thread per job. The table gives the median times, their ratio, and whether the selections
are identical (they must be: every random draw is made class by class, in order)::

    python benchmarks/bench_n_jobs.py                     # all, 1e5 rows (about 7 min)
    python benchmarks/bench_n_jobs.py --only covariance_matching ds3 --repeats 5
    python benchmarks/bench_n_jobs.py --out docs/_static/benchmarks/bench_n_jobs.md

The ratio is bounded by the machine: a pass over a tall pool (``N x 20``) is limited by memory
bandwidth, which the cores share, while tree building (the curation) is limited by arithmetic.
"""

import os

# One BLAS thread per job, set before NumPy loads: the jobs are the parallelism measured.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from bench_solvers import make_pool  # noqa: E402

from skl_synthsel import (  # noqa: E402
    AutoSelector,
    CovarianceMatchingSelector,
    DS3Selector,
    LearningDynamicsSelector,
)

SELECTORS = {
    "covariance_matching": (CovarianceMatchingSelector, {"n_select": 5.0}),
    "covariance_matching:paper": (
        CovarianceMatchingSelector,
        {"n_select": 5.0, "target": "empirical"},
    ),
    "ds3": (DS3Selector, {"n_select": 5.0}),
    "learning_dynamics": (LearningDynamicsSelector, {"n_select": 5.0}),
    "auto": (AutoSelector, {}),
}


def measure(name, data, n_jobs, repeats):
    """Median seconds of ``fit`` with 1 job and with ``n_jobs``, run alternately."""
    selector_class, params = SELECTORS[name]
    real, y_real, pool, y_pool = data
    seconds = {1: [], n_jobs: []}
    selections = {}
    for _ in range(repeats):
        for jobs in (1, n_jobs):
            selector = selector_class((pool, y_pool), random_state=0, n_jobs=jobs, **params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                start = time.perf_counter()
                selector.fit(real, y_real)
                seconds[jobs].append(time.perf_counter() - start)
            selections[jobs] = selector.selected_indices_
    one, many = statistics.median(seconds[1]), statistics.median(seconds[n_jobs])
    return {
        "selector": name,
        "one_job": one,
        "n_jobs": many,
        "speed_up": one / many,
        "same": bool(np.array_equal(selections[1], selections[n_jobs])),
        "repeats": repeats,
    }


def table(rows, n_rows, n_jobs):
    lines = [
        f"Written by ``benchmarks/bench_n_jobs.py`` on {platform.machine()} "
        f"({os.cpu_count()} cores), one BLAS thread per job; {n_rows} pool rows in 10 classes, "
        "d = 20, 200 real rows per class; medians of the fits, with 1 job and with more run "
        "alternately.",
        "",
        f"| selector | fits | n_jobs=1 (s) | n_jobs={n_jobs} (s) | speed-up | same selection |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['selector']} | {row['repeats']} | {row['one_job']:.2f} | {row['n_jobs']:.2f} "
            f"| {row['speed_up']:.2f}x | {'yes' if row['same'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100000, help="pool rows")
    parser.add_argument("--n-jobs", type=int, default=os.cpu_count(), help="jobs to compare")
    parser.add_argument("--repeats", type=int, default=3, help="fits of each, per setting")
    parser.add_argument(
        "--slow-repeats", type=int, default=1, help="fits of the curation and AutoSelector"
    )
    parser.add_argument("--only", nargs="+", choices=sorted(SELECTORS), help="selectors")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args(argv)
    data = make_pool(args.rows, 200 * 10, 10, 20)  # the pool of bench_solvers --selectors
    rows = []
    for name in args.only or list(SELECTORS):
        slow = name in ("learning_dynamics", "auto")  # a minute and more a fit
        repeats = args.slow_repeats if slow else args.repeats
        rows.append(measure(name, data, args.n_jobs, repeats))
        print(rows[-1], flush=True)
    text = table(rows, args.rows, args.n_jobs)
    print(text)
    if args.out:
        with open(args.out, "w") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
