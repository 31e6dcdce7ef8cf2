"""Time and covariance gap of relaxed (cvxpy) vs greedy vs random covariance matching.

Run: ``python benchmarks/bench_covariance.py`` (add ``--quick`` for a smaller run).

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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=1e3 only, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
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
