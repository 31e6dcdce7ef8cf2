"""Time and covariance gap of relaxed (cvxpy) vs greedy vs random covariance matching.

Run: ``python benchmarks/bench_covariance.py`` (add ``--quick`` for a smaller run).
``--large``: the issue's case instead, ``CovarianceMatchingSelector(method="relaxed",
solver="fast")`` on a 100,000-row pool in 10 classes (``make_classification``, d = 20, the first
2,000 rows real, n_select = 5.0), per class and in total, with and without the reachable-target
projection (``solver_options={"reachable": False}`` is the solver before it), side by side, in
seconds and in BLAS passes (one ``Xp.T @ Xp`` over the pool, timed next to each run). Set
``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`` for one BLAS thread.

Each problem is one class: a target covariance from 200 real rows and a pool of N rows from a
different distribution (part of the pool is over-dispersed, part collapsed), k = N / 10 rows to
select, in the standardised feature space. Gaps are relative: ||C_selected - C_target||_F /
||C_target||_F about the real mean, the objective every solver shares. Medians over repeats.
"""

import argparse
import time

import numpy as np

from skl_synthsel._solvers import (
    covariance_gap,
    greedy_covariance_matching,
    round_relaxed_weights,
    solve_relaxed_cvxpy,
)


def make_problem(n_pool, d, seed):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    real = rng.normal(size=(200, d)) @ mixing
    pool = rng.normal(size=(n_pool, d)) @ mixing
    pool[: n_pool // 4] *= 2.0  # over-dispersed part
    pool[n_pool // 4 : n_pool // 2] = pool[n_pool // 4] + 0.1 * rng.normal(size=(n_pool // 4, d))
    mean, scale = real.mean(axis=0), real.std(axis=0)
    real, pool = (real - mean) / scale, (pool - mean) / scale
    return pool - real.mean(axis=0), np.cov(real.T, bias=True)


def indicator(n_rows, rows):
    weights = np.zeros(n_rows)
    weights[rows] = 1.0
    return weights


def run_case(n_pool, d, seed):
    centred, target = make_problem(n_pool, d, seed)
    k = n_pool // 10
    norm = np.linalg.norm(target)
    start = time.perf_counter()
    weights, bound = solve_relaxed_cvxpy(centred, target, k)
    solve_time = time.perf_counter() - start
    rounded, _ = round_relaxed_weights(centred, target, weights, k)
    relaxed_time = time.perf_counter() - start
    start = time.perf_counter()
    nearest = int(np.argmin(np.einsum("ij,ij->i", centred, centred)))
    greedy = greedy_covariance_matching(centred, target, k, start_index=nearest)
    greedy_time = time.perf_counter() - start
    rng = np.random.default_rng(seed)
    random_gap = np.median(
        [
            covariance_gap(centred, target, indicator(n_pool, rng.choice(n_pool, k, replace=False)))
            for _ in range(10)
        ]
    )
    return {
        "relaxed_s": relaxed_time,
        "solve_s": solve_time,
        "greedy_s": greedy_time,
        "bound": bound / norm,
        "relaxed": covariance_gap(centred, target, indicator(n_pool, rounded)) / norm,
        "greedy": covariance_gap(centred, target, indicator(n_pool, greedy)) / norm,
        "random": random_gap / norm,
    }


def _blas_pass(pool, repeats=20):
    start = time.perf_counter()
    for _ in range(repeats):
        pool.T @ pool
    return (time.perf_counter() - start) / repeats


def run_large():
    """The 10-class, 100,000-row relaxed covariance matching case, before and after."""
    from sklearn.datasets import make_classification

    from skl_synthsel import CovarianceMatchingSelector
    from skl_synthsel._solvers import solve_relaxed_fast

    X, y = make_classification(
        n_samples=102000,
        n_features=20,
        n_informative=10,
        n_classes=10,
        n_clusters_per_class=1,
        random_state=0,
    )
    X_real, y_real, X_pool, y_pool = X[:2000], y[:2000], X[2000:], y[2000:]
    print("| solver | class | N | k | time (s) | BLAS passes | Newton steps | IPM iters | gap |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    mean, scale = X_real.mean(axis=0), X_real.std(axis=0)
    real, pool = (X_real - mean) / scale, (X_pool - mean) / scale
    for label, options in (("before", {"reachable": False}), ("after", {})):
        for label_value in range(10):
            rows = real[y_real == label_value]
            centred = pool[y_pool == label_value] - rows.mean(axis=0)
            target = np.cov(rows.T, bias=True)
            unit = _blas_pass(pool)
            start = time.perf_counter()
            solution = solve_relaxed_fast(centred, target, 5 * len(rows), **options)
            seconds = time.perf_counter() - start
            print(
                f"| {label} | {label_value} | {len(centred)} | {5 * len(rows)} | {seconds:.2f} "
                f"| {seconds / unit:.0f} | {solution.n_reachable_steps} "
                f"| {solution.n_interior_point_iter} "
                f"| {solution.certificate.duality_gap:.1e} |",
                flush=True,
            )
    print("\n| selector fit | time (s) | BLAS passes | max duality gap | max covariance gap |")
    print("|---|---:|---:|---:|---:|")
    for label, options in (("before", {"reachable": False}), ("after", None)):
        unit = _blas_pass(X_pool)
        start = time.perf_counter()
        selector = CovarianceMatchingSelector(
            (X_pool, y_pool),
            n_select=5.0,
            method="relaxed",
            solver="fast",
            solver_options=options,
            random_state=0,
        ).fit(X_real, y_real)
        seconds = time.perf_counter() - start
        unit = (unit + _blas_pass(X_pool)) / 2
        print(
            f"| {label} | {seconds:.2f} | {seconds / unit:.0f} "
            f"| {np.nanmax(selector.duality_gap_):.1e} | {selector.certificate_.max():.5f} |",
            flush=True,
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=1e3 only, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--large", action="store_true", help="the 10-class 100,000-row case, before and after"
    )
    args = parser.parse_args(argv)
    if args.large:
        run_large()
        return
    sizes = [1000] if args.quick else [1000, 10000]
    repeats = 1 if args.quick else args.repeats
    print(
        "| N | d | k | relaxed time (s) [cvxpy part] | greedy time (s) | time ratio "
        "relaxed/greedy | relaxed bound | gap relaxed+rounding | gap greedy | gap random "
        "| random/relaxed |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n_pool in sizes:
        for d in (5, 20):
            runs = [run_case(n_pool, d, seed) for seed in range(repeats)]
            med = {key: float(np.median([run[key] for run in runs])) for key in runs[0]}
            print(
                f"| {n_pool} | {d} | {n_pool // 10} | {med['relaxed_s']:.2f} "
                f"[{med['solve_s']:.2f}] | {med['greedy_s']:.3f} "
                f"| {med['relaxed_s'] / med['greedy_s']:.0f}x | {med['bound']:.4f} "
                f"| {med['relaxed']:.4f} | {med['greedy']:.4f} | {med['random']:.4f} "
                f"| {med['random'] / med['relaxed']:.1f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()
