"""Covariance matching on a pool held as a Dask array, larger than a worker's memory.

The pool is generated lazily, block by block, on the workers
(``dask.array.random.default_rng(seed).standard_normal``; every third row scaled by 1.5 so
that matching has something to repair): it never exists as one array, and each pass over it
regenerates its blocks. Workers are processes of a ``LocalCluster`` with a 400 MB memory
limit each, one thread each.

Prints one table: per run the pool's shape and size, the workers, the fit's wall time, its
passes over the pool (``n_pool_passes_``), pool rows read per second (rows x passes / time),
one bare pass's rows per second, the rows selected and the certificate over the target's norm.

Run::

    python benchmarks/bench_dask.py --output docs/_static/benchmarks/bench_dask.txt
    python benchmarks/bench_dask.py --rows 400000 --scaling-rows 200000   # quicker

(1,000,000 x 32 on 1 and on 2 workers, then 4,000,000 x 32, 1 GB, on 2 workers).
"""

import argparse
import time

import numpy as np


def make_pool(n_rows, n_dims, chunk_rows, seed=0):
    """The lazily generated pool: standard normal rows, every third scaled by 1.5."""
    import dask.array as da

    rows = da.random.default_rng(seed).standard_normal((n_rows, n_dims), chunks=(chunk_rows, -1))
    scale = da.where(da.arange(n_rows, chunks=chunk_rows) % 3 == 0, 1.5, 1.0)
    return rows * scale[:, None]


def bare_pass_seconds(X_pool):
    """Wall time of one pass that reads every block (the rows' squared norms, summed)."""
    started = time.perf_counter()
    (X_pool**2).sum().compute()
    return time.perf_counter() - started


def run(n_rows, n_dims, n_workers, *, n_real=1000, n_select=2.0, chunk_rows=25_000):
    from distributed import Client, LocalCluster

    from skl_synthsel import CovarianceMatchingSelector

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_real, n_dims))
    y = X @ rng.normal(size=n_dims) + rng.normal(size=n_real)
    y_pool = rng.normal(size=n_rows)  # one number per row: small, kept in memory
    with (
        LocalCluster(
            n_workers=n_workers,
            processes=True,
            threads_per_worker=1,
            memory_limit="400MB",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        X_pool = make_pool(n_rows, n_dims, chunk_rows)
        bare_pass_seconds(X_pool)  # warm the workers up
        one_pass = bare_pass_seconds(X_pool)
        selector = CovarianceMatchingSelector(
            (X_pool, y_pool),
            method="relaxed",
            target="empirical",  # the measured configuration (the default adds a pass a class)
            n_select=n_select,
            random_state=0,
        )
        started = time.perf_counter()
        X_res, _ = selector.fit_resample(X, y)
        seconds = time.perf_counter() - started
    passes = selector.n_pool_passes_
    return {
        "rows": n_rows,
        "dims": n_dims,
        "GB": n_rows * n_dims * 8 / 1e9,
        "workers": n_workers,
        "seconds": seconds,
        "passes": passes,
        "rows/s": n_rows * passes / seconds,
        "pass rows/s": n_rows / one_pass,
        "k": len(X_res) - n_real,
        "cert/|C|": float(selector.certificate_[0] / selector.target_norm_[0]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4_000_000, help="the large pool's rows")
    parser.add_argument("--dims", type=int, default=32)
    parser.add_argument(
        "--scaling-rows", type=int, default=1_000_000, help="the pool timed on 1 and 2 workers"
    )
    parser.add_argument("--workers", type=int, default=2, help="workers for the large pool")
    parser.add_argument("--output", default=None, help="also write the table to this file")
    args = parser.parse_args()
    header = (
        f"{'rows':>10} {'dims':>4} {'GB':>5} {'workers':>7} {'seconds':>8} {'passes':>6} "
        f"{'rows/s':>10} {'pass rows/s':>11} {'k':>6} {'cert/|C|':>9}"
    )
    lines = [header, "-" * len(header)]
    print(*lines, sep="\n", flush=True)
    runs = [(args.scaling_rows, 1), (args.scaling_rows, 2), (args.rows, args.workers)]
    for n_rows, n_workers in runs:
        r = run(n_rows, args.dims, n_workers)
        lines.append(
            f"{r['rows']:>10} {r['dims']:>4} {r['GB']:>5.2f} {r['workers']:>7} "
            f"{r['seconds']:>8.1f} {r['passes']:>6} {r['rows/s']:>10.3g} "
            f"{r['pass rows/s']:>11.3g} {r['k']:>6} {r['cert/|C|']:>9.2e}"
        )
        print(lines[-1], flush=True)
    if args.output:
        with open(args.output, "w") as file:
            file.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
