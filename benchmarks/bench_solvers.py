"""Relaxed covariance matching on large pools: cvxpy over the whole pool vs the fast solver.

Run: ``python benchmarks/bench_solvers.py`` (about 10 to 20 minutes on 2 cores) or
``python benchmarks/bench_solvers.py --quick`` (under a minute).
``python benchmarks/bench_solvers.py --sweep`` runs instead a regime sweep of the fast solver
(paper, intermediate, reachable and singular targets; 1, 10 and 100 classes; d in 8, 20, 50;
then one and 20 classes in 30 dimensions, between the grid's regimes) and an all-selectors
table at N = 100,000 rows in 10 classes, each time also in BLAS passes (time divided by the
time of one ``Xp.T @ Xp`` over the whole pool), and writes both tables to
``docs/_static/benchmarks/bench_solvers.md``.
``python benchmarks/bench_solvers.py --selectors`` runs only the all-selectors table (sizes
``--selector-rows``, default 100,000; ``--only`` restricts the selectors) and the paper's greedy
at ``--greedy N k`` (default 100,000 and 10,000), and rewrites the selectors section of that
file. With ``--baseline PATH`` (a source tree of another version, e.g. from
``git archive HEAD skl_synthsel | tar -x -C PATH``) every row also runs with ``PATH`` first on
``PYTHONPATH``, right after the current code's run, so that the two are measured side by side;
the table then has both and their ratio.

Every problem: a pool of N rows from N(0.1, KMS(0.5)) in d dimensions, k = N / 10 rows to
select, and a target covariance. ``paper``: KMS(0.9), the paper's geometry, out of reach of any
k rows; ``reachable``: 0.8 KMS(0.5), matched exactly by many weightings. Each solver runs in its
own subprocess with the same BLAS thread count (``--threads``, 1 by default: Clarabel uses one
core), so its wall time and peak resident memory (``getrusage`` of that subprocess) are its own;
cvxpy runs under a time limit and is not started where its time, extrapolated from the first
run by ``N p^2`` (p = d(d+1)/2), exceeds 2.5 times the limit. The fast solver also reports the
peak of the memory it allocated beyond the pool (``tracemalloc``), its iterations against the
BLAS limit (``4 N d^2`` flops per iteration at the GFlop/s this machine measures on a large
matrix product), and the rounding of its weights to exactly k rows against its certified lower
bound.
Every objective is ``||sum_i w_i u_i u_i^T / k - C||_F``; every certificate is the Frank-Wolfe
duality gap over the whole pool (objective minus certified lower bound), the same check for
both solvers.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

_CHUNK_ROWS = 65536


def make_problem(n_rows, d, seed, target_kind):
    """Pool rows (centred at the real mean, 0) and the target covariance; built in chunks."""
    import numpy as np

    rng = np.random.default_rng(seed)
    index = np.arange(d)
    kms = 0.5 ** np.abs(index[:, None] - index[None, :])
    mixing = np.linalg.cholesky(kms).T
    pool = np.empty((n_rows, d))
    for start in range(0, n_rows, _CHUNK_ROWS):
        stop = min(start + _CHUNK_ROWS, n_rows)
        pool[start:stop] = rng.standard_normal((stop - start, d)) @ mixing + 0.1
    if target_kind == "paper":
        target = 0.9 ** np.abs(index[:, None] - index[None, :])
    else:
        target = 0.8 * kms
    return pool, target


# -- workers: one solver on one problem, in a subprocess; print one JSON line ----------------
def _peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _indicator(n_rows, rows):
    import numpy as np

    weights = np.zeros(n_rows)
    weights[rows] = 1.0
    return weights


def worker_cvxpy(n_rows, d, seed, target_kind):
    from skl_synthsel._solvers import certify, solve_relaxed_cvxpy

    pool, target = make_problem(n_rows, d, seed, target_kind)
    k = n_rows // 10
    started = time.perf_counter()
    weights, _ = solve_relaxed_cvxpy(pool, target, k)
    seconds = time.perf_counter() - started
    certificate = certify(pool, target, weights)
    return {
        "seconds": seconds,
        "objective": certificate.objective,
        "duality_gap": certificate.duality_gap,
        "peak_rss_mb": _peak_rss_mb(),
    }


def worker_fast(n_rows, d, seed, target_kind):
    import tracemalloc

    import numpy as np

    from skl_synthsel._solvers import certify, round_relaxed_weights, solve_relaxed_fast

    pool, target = make_problem(n_rows, d, seed, target_kind)
    k = n_rows // 10
    tracemalloc.start()
    started = time.perf_counter()
    solution = solve_relaxed_fast(pool, target, k)
    seconds = time.perf_counter() - started
    extra_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    started = time.perf_counter()
    selected, n_swaps = round_relaxed_weights(pool, target, solution.weights, k)
    rounding_seconds = time.perf_counter() - started
    certificate = solution.certificate
    return {
        "seconds": seconds,
        "objective": certificate.objective,
        "lower_bound": certificate.lower_bound,
        "duality_gap": certificate.duality_gap,
        "converged": solution.converged,
        "peak_rss_mb": _peak_rss_mb(),
        "extra_mb": extra_mb,
        "pool_mb": pool.nbytes / 2**20,
        "n_first_order_iter": solution.n_first_order_iter,
        "median_iteration_s": float(np.median(solution.iteration_seconds))
        if solution.iteration_seconds
        else float("nan"),
        "n_interior_point_iter": solution.n_interior_point_iter,
        "working_set_size": solution.working_set_size,
        "phases": solution.seconds,
        "rounded_gap": certify(pool, target, _indicator(n_rows, selected)).objective,
        "n_swaps": n_swaps,
        "rounding_seconds": rounding_seconds,
        "target_norm": float(np.linalg.norm(target)),
    }


def worker_greedy(n_rows, d, seed, target_kind):
    import numpy as np

    from skl_synthsel._solvers import certify, greedy_covariance_matching

    pool, target = make_problem(n_rows, d, seed, target_kind)
    k = n_rows // 10
    start_index = int(np.argmin(np.einsum("ij,ij->i", pool, pool)))
    times = []
    for _ in range(3):
        started = time.perf_counter()
        selected = greedy_covariance_matching(pool, target, k, start_index=start_index)
        times.append(time.perf_counter() - started)
    certificate = certify(pool, target, _indicator(n_rows, selected))
    return {
        "seconds": float(np.median(times)),
        "objective": certificate.objective,
        "lower_bound": certificate.lower_bound,
        "peak_rss_mb": _peak_rss_mb(),
    }


def worker_greedy_table(n_rows, d, k):
    """One run of the paper's greedy on the ``paper`` problem; seconds and BLAS passes."""
    import numpy as np

    from skl_synthsel._solvers import greedy_covariance_matching

    pool, target = make_problem(n_rows, d, 0, "paper")
    unit = _blas_pass_seconds(pool)
    start_index = int(np.argmin(np.einsum("ij,ij->i", pool, pool)))
    started = time.perf_counter()
    selected = greedy_covariance_matching(pool, target, k, start_index=start_index)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "passes": seconds / unit,
        "unit_ms": unit * 1e3,
        "selected": int(len(selected)),
        "checksum": int(np.sum(selected[: min(k, 1000)])),
        "warnings": [],
    }


def worker_gflops():
    import numpy as np

    matrix = np.random.default_rng(0).standard_normal((2000, 2000))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        matrix @ matrix
        times.append(time.perf_counter() - started)
    return {"gflops": 2 * 2000**3 / min(times) / 1e9}


_WORKERS = {
    "cvxpy": worker_cvxpy,
    "fast": worker_fast,
    "greedy": worker_greedy,
    "gflops": worker_gflops,
    "greedy_table": worker_greedy_table,
}


# -- the parent: run workers under a time limit, gather, print --------------------------------
def run_worker(name, args, threads, limit, pythonpath=None):
    """Run a worker in a subprocess; returns its JSON, or a dict with a ``status``.

    ``pythonpath``: a source tree put first on ``PYTHONPATH`` (another version of the package).
    """
    environment = dict(
        os.environ,
        OPENBLAS_NUM_THREADS=str(threads),
        OMP_NUM_THREADS=str(threads),
        MKL_NUM_THREADS=str(threads),
    )
    if pythonpath:
        environment["PYTHONPATH"] = os.pathsep.join(
            [pythonpath, *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    command = [sys.executable, __file__, "--worker", name, *map(str, args)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment
    )
    started = time.perf_counter()
    status = None
    while True:
        pid, exit_status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if limit is not None and time.perf_counter() - started > limit:
            process.kill()
            _, exit_status, usage = os.wait4(process.pid, 0)
            status = f"killed at {limit:.0f} s"
            break
        time.sleep(0.1)
    output = process.stdout.read().decode()
    process.stdout.close()
    peak_mb = usage.ru_maxrss / 1024
    if status is None and exit_status == 0 and output.strip():
        return json.loads(output.strip().splitlines()[-1])
    return {
        "status": status or f"failed (exit {exit_status})",
        "peak_rss_mb": peak_mb,
        "killed_after": limit if status else None,
    }


def _p(d):
    return d * (d + 1) // 2


# -- the regime sweep and the all-selectors table (``--sweep``) ------------------------------
_SWEEP_ROWS = 20000  # pool rows over all classes, per sweep run
_SWEEP_REGIMES = ("paper", "intermediate", "reachable", "singular")
# Rows after the grid (d, classes), the default sweep only: 1,000-row classes in 30 dimensions,
# k = 100 below p = 465, where the first-order phase crawls for its first hundred iterations (a
# regime between the grid's), and the single class in 30 dimensions to compare them with.
_SWEEP_BEYOND_GRID = ((30, 1), (30, 20))
_TABLE_PATH = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "docs", "_static", "benchmarks"
)


def _blas_pass_seconds(pool, repeats=10):
    """Median time of one ``pool.T @ pool``: the unit of the BLAS-pass columns."""
    import numpy as np

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        pool.T @ pool
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _sweep_class(rng, n_rows, d, regime):
    """One class: pool rows centred at the real mean, the target, k."""
    import numpy as np

    index = np.arange(d)
    kms = 0.5 ** np.abs(index[:, None] - index[None, :])
    pool = rng.standard_normal((n_rows, d)) @ np.linalg.cholesky(kms).T + 0.1
    k = max(n_rows // 10, 1)
    if regime == "paper":  # the paper's geometry: out of reach of any k rows
        target = 0.9 ** np.abs(index[:, None] - index[None, :])
    elif regime == "intermediate":  # just out of reach
        target = 0.6 ** np.abs(index[:, None] - index[None, :])
    elif regime == "reachable":  # matched exactly by many weightings
        target = 0.8 * kms
    else:  # singular: fewer real rows than dimensions
        real = rng.standard_normal((max(d // 2, 2), d)) @ np.linalg.cholesky(kms).T
        real -= real.mean(axis=0)
        target = real.T @ real / len(real)
    return pool, target, k


def run_sweep(cells, seed, repeat=1):
    """The fast solver over regimes, for each ``(d, classes)`` of ``cells``: rows of the table.

    Each row is solved ``repeat`` times, a BLAS pass timed before each; the table gives the
    medians (seconds, and passes: each run's seconds over its own unit). On a shared machine
    single runs of the same row vary by a factor of two.
    """
    import numpy as np

    from skl_synthsel._solvers._fast_relaxed import solve_relaxed_fast_classes

    rows = []
    for d, n_classes in cells:
        for regime in _SWEEP_REGIMES:
            rng = np.random.default_rng(seed)
            per_class = _SWEEP_ROWS // n_classes
            problems = [_sweep_class(rng, per_class, d, regime) for _ in range(n_classes)]
            pool = np.vstack([problem[0] for problem in problems])
            runs = []
            for _ in range(repeat):
                unit = _blas_pass_seconds(pool)
                start = time.perf_counter()
                gaps, certified, steps, ipm = [], 0, 0, 0
                # The classes in lockstep, as the selector solves them with one job.
                solutions = solve_relaxed_fast_classes(
                    [(class_pool, target, k, None) for class_pool, target, k in problems]
                )
                for solution, (_, target, _) in zip(solutions, problems, strict=True):
                    certificate = solution.certificate
                    gaps.append(certificate.duality_gap / np.linalg.norm(target))
                    certified += solution.converged
                    steps += solution.n_reachable_steps
                    ipm += solution.n_interior_point_iter
                seconds = time.perf_counter() - start
                runs.append((seconds, seconds / unit))
            rows.append(
                dict(
                    regime=regime,
                    classes=n_classes,
                    d=d,
                    rows_per_class=per_class,
                    k=problems[0][2],
                    seconds=float(np.median([run[0] for run in runs])),
                    passes=float(np.median([run[1] for run in runs])),
                    certified=f"{certified}/{n_classes}",
                    max_gap=float(max(gaps)),
                    newton_steps=steps,
                    ipm_iters=ipm,
                )
            )
            print(_sweep_line(rows[-1]), flush=True)
    return rows


_SWEEP_HEADER = (
    "| target | classes | d | rows / class | k / class | time (s) | BLAS passes "
    "| certified | max gap / ‖C‖ | Newton steps | IPM iters |\n"
    "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
)


def _sweep_line(row):
    return (
        f"| {row['regime']} | {row['classes']} | {row['d']} | {row['rows_per_class']} "
        f"| {row['k']} | {row['seconds']:.2f} | {row['passes']:.0f} | {row['certified']} "
        f"| {row['max_gap']:.1e} | {row['newton_steps']} | {row['ipm_iters']} |"
    )


# Named variants of a selector in the table; any other ``name:variant`` sets ``method=variant``.
_VARIANTS = {
    "paper": {"method": "relaxed", "target": "empirical"},
    # The paper's target from fewer real rows per class than dimensions: a singular target.
    "singular": {"method": "relaxed", "target": "empirical"},
}
# Real rows per class (on average: the first rows of the shuffled problem): 200, or d // 2
# for the singular variant.
_REAL_ROWS = {"singular": lambda d: d // 2}


def make_pool(n_rows, n_real, n_classes, d):
    """``X_real, y_real, X_pool, y_pool``: the first rows of one ``make_classification`` draw."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=n_rows + n_real,
        n_features=d,
        n_informative=min(10, d),
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=0,
    )
    return X[:n_real], y[:n_real], X[n_real:], y[n_real:]


def worker_selector(name, n_rows, n_classes, d):
    """One selector's ``fit`` on the 10-class ``make_classification`` problem; a JSON row."""
    import warnings

    import numpy as np

    from skl_synthsel.cli._select import METHODS

    method, _, variant = name.partition(":")
    params = _VARIANTS.get(variant, {"method": variant}) if variant else {}
    n_real = _REAL_ROWS.get(variant, lambda d: 200)(d) * n_classes
    real, y_real, pool, y_pool = make_pool(n_rows, n_real, n_classes, d)
    unit = _blas_pass_seconds(pool)
    selector = METHODS[method]((pool, y_pool), n_select=5.0, random_state=0, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        selector.fit(real, y_real)
        seconds = time.perf_counter() - start
    notes = sorted({type(w.message).__name__ for w in caught})
    if hasattr(selector, "duality_gap_"):  # covariance matching's certificate
        gap = np.max(selector.duality_gap_ / selector.target_norm_)
        notes.append(f"max gap / ‖C‖ {gap:.1e}")
    return {
        "seconds": seconds,
        "passes": seconds / unit,
        "unit_ms": unit * 1e3,
        "selected": int(len(selector.selected_indices_)),
        "warnings": notes,
    }


_WORKERS["selector"] = worker_selector


def _selector_names():
    from skl_synthsel.cli._select import METHODS

    names = []
    for method in METHODS:
        if method == "covariance_matching":
            # The default (relaxed, pool_shrunk), the paper's target, the other methods.
            names += [
                method,
                *(f"{method}:{variant}" for variant in ("paper", "singular", "entropy", "greedy")),
            ]
        else:
            names.append(method)
    return names


def run_selector_table(threads, limit, n_rows=100000, n_classes=10, d=20):
    rows = []
    for name in _selector_names():
        result = run_worker("selector", [name, n_rows, n_classes, d], threads, limit)
        rows.append((name, result))
        print(_selector_line(name, result), flush=True)
    return rows


_SELECTOR_HEADER = (
    "| selector | time (s) | BLAS passes | rows selected | warnings, certificate |\n"
    "|---|---:|---:|---:|---|"
)


def _selector_line(name, result):
    if "seconds" not in result:
        return f"| {name} | {result.get('status', 'failed')} | n/a | n/a | |"
    return (
        f"| {name} | {result['seconds']:.2f} | {result['passes']:.0f} | {result['selected']} "
        f"| {', '.join(result['warnings'])} |"
    )


def main_sweep(args):

    dims = args.dims or [8, 20, 50]
    import scipy.linalg  # noqa: F401  (SciPy's own BLAS: loaded, so that the limit reaches it)
    from threadpoolctl import threadpool_limits

    print(
        f"Regime sweep of the fast relaxed solver (one process, {args.threads} BLAS thread(s), "
        f"medians of {args.repeat} runs).\n"
    )
    print(_SWEEP_HEADER)
    # The table says how many BLAS threads ran: set them (the BLAS default is one per core, and
    # on the 100-class rows' small solves two threads take 3-4 times as long as one).
    with threadpool_limits(limits=args.threads, user_api="blas"):
        cells = [(d, n_classes) for d in dims for n_classes in (1, 10, 100)]
        if not args.dims:  # the default grid, then the cells beyond it
            cells += _SWEEP_BEYOND_GRID
        sweep = run_sweep(cells, args.seed, args.repeat)
    if args.sweep_only:
        _replace_sweep_section(sweep, args.threads, args.repeat)
        return
    print(
        "\nAll selectors, N = 100,000 pool rows in 10 classes, d = 20, 200 real rows per "
        f"class, n_select = 5.0; each in a subprocess with {args.threads} BLAS thread(s), "
        f"limit {args.selector_limit:.0f} s.\n"
    )
    print(_SELECTOR_HEADER)
    selectors = run_selector_table(args.threads, args.selector_limit)
    lines = [
        *_sweep_section(sweep, args.threads, args.repeat),
        "## All selectors at N = 100,000 (10 classes, d = 20, n_select = 5.0)",
        "",
        _SELECTOR_HEADER,
        *(_selector_line(name, result) for name, result in selectors),
        "",
    ]
    os.makedirs(_TABLE_PATH, exist_ok=True)
    with open(os.path.join(_TABLE_PATH, "bench_solvers.md"), "w") as handle:
        handle.write("\n".join(lines))


def _sweep_section(sweep, threads, repeat):
    """The file's head and its regime-sweep section, as lines."""
    import platform

    return [
        "# bench_solvers.py --sweep",
        "",
        f"Written by ``benchmarks/bench_solvers.py --sweep`` on {platform.machine()} "
        f"({os.cpu_count()} cores, shared), {threads} BLAS thread(s). A BLAS pass is the "
        "time of one ``Xp.T @ Xp`` over the whole pool of the run, measured next to it. "
        f"Each row: the medians of {repeat} runs.",
        "",
        f"## Regime sweep: the fast relaxed solver, {_SWEEP_ROWS} pool rows over all classes, "
        "k = rows per class / 10",
        "",
        "Targets: paper = KMS(0.9) (out of reach), intermediate = KMS(0.6), reachable = "
        "0.8 KMS(0.5) (the pool's own covariance scaled), singular = the covariance of d/2 "
        "real rows (fewer real rows than dimensions). Pool rows N(0.1, KMS(0.5)). A row's "
        "classes are solved together (``solve_relaxed_fast_classes``: their interior points "
        "in lockstep, as the selector solves classes of up to 2,000 rows with one job).",
        "",
        _SWEEP_HEADER,
        *(_sweep_line(row) for row in sweep),
        "",
    ]


def _replace_sweep_section(sweep, threads, repeat):
    """Write the sweep over the file's head and sweep section, keeping the selector tables."""
    path = os.path.join(_TABLE_PATH, "bench_solvers.md")
    previous = open(path).read() if os.path.exists(path) else ""
    marker = previous.find("## All selectors")
    rest = previous[marker:] if marker >= 0 else ""
    os.makedirs(_TABLE_PATH, exist_ok=True)
    with open(path, "w") as handle:
        handle.write("\n".join(_sweep_section(sweep, threads, repeat)) + "\n" + rest)


_COMPARE_HEADER = (
    "| selector | N | time (s) | BLAS passes | baseline time (s) | baseline BLAS passes "
    "| speed-up (time / passes) | rows selected | warnings, certificate |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---|"
)


def _compare_line(name, n_rows, result, baseline):
    def cells(entry):
        if entry is None:
            return "not run | n/a"
        if "seconds" not in entry:
            return f"{entry.get('status', 'failed')} | n/a"
        return f"{entry['seconds']:.2f} | {entry['passes']:.0f}"

    if result is not None and baseline is not None and "seconds" in baseline:
        if "seconds" in result:
            ratio = (
                f"{baseline['seconds'] / result['seconds']:.1f}x / "
                f"{baseline['passes'] / result['passes']:.1f}x"
            )
        else:
            ratio = "n/a"
    elif result is not None and "seconds" in result and baseline is not None:
        killed = baseline.get("killed_after")
        ratio = f">{killed / result['seconds']:.1f}x" if killed else "n/a"
    else:
        ratio = "n/a"
    selected = result.get("selected", "n/a") if result else "n/a"
    warnings_cell = ", ".join(result.get("warnings", [])) if result else ""
    return (
        f"| {name} | {n_rows} | {cells(result)} | {cells(baseline)} | {ratio} | {selected} "
        f"| {warnings_cell} |"
    )


def run_selector_comparison(args):
    """The selectors (and the greedy) at each size, each with the baseline right after it."""
    names = args.only or _selector_names()
    lines = []
    for n_rows in args.selector_rows:
        for name in names:
            result = run_worker(
                "selector", [name, n_rows, 10, 20], args.threads, args.selector_limit
            )
            baseline = None
            if args.baseline:
                baseline = run_worker(
                    "selector",
                    [name, n_rows, 10, 20],
                    args.threads,
                    args.selector_limit,
                    pythonpath=args.baseline,
                )
            lines.append(_compare_line(name, n_rows, result, baseline))
            print(lines[-1], flush=True)
    if args.greedy:
        n_rows, k = args.greedy
        label = f"greedy (k = {k})"
        result = run_worker("greedy_table", [n_rows, 20, k], args.threads, args.selector_limit)
        baseline = None
        if args.baseline:
            baseline = run_worker(
                "greedy_table",
                [n_rows, 20, k],
                args.threads,
                args.selector_limit,
                pythonpath=args.baseline,
            )
            same = "checksum" in result and result.get("checksum") == baseline.get("checksum")
            result["warnings"] = ["same first 1000 rows" if same else "selections differ"]
        lines.append(_compare_line(label, n_rows, result, baseline))
        print(lines[-1], flush=True)
    return lines


def main_selectors(args):
    import platform

    print(_COMPARE_HEADER, flush=True)
    lines = run_selector_comparison(args)
    sizes = ", ".join(f"{n:,}" for n in args.selector_rows)
    baseline_note = (
        f" Baseline: the source tree ``{os.path.basename(os.path.normpath(args.baseline))}`` "
        "(an earlier version), each run right after the current code's."
        if args.baseline
        else ""
    )
    section = [
        f"## All selectors at N = {sizes} (10 classes, d = 20, n_select = 5.0)",
        "",
        f"Written by ``benchmarks/bench_solvers.py --selectors`` on {platform.machine()} "
        f"({os.cpu_count()} cores, shared), {args.threads} BLAS thread(s), limit "
        f"{args.selector_limit:.0f} s per run; 200 real rows per class. A BLAS pass is one "
        "``Xp.T @ Xp`` over the run's pool, timed in the same process just before the fit; "
        "under contention the passes are steadier than the seconds." + baseline_note,
        "The greedy row: the paper's forward greedy on the ``paper`` problem (one class, "
        "KMS(0.5) pool, KMS(0.9) target).",
        "",
        _COMPARE_HEADER,
        *lines,
        "",
    ]
    path = os.path.join(_TABLE_PATH, "bench_solvers.md")
    previous = open(path).read() if os.path.exists(path) else "# bench_solvers.py\n"
    marker = previous.find("## All selectors")
    head = previous if marker < 0 or args.append else previous[:marker]
    with open(path, "w") as handle:
        handle.write(head.rstrip("\n") + "\n\n" + "\n".join(section))


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="N in {2000, 10000}, d = 20 only (under a minute)"
    )
    parser.add_argument("--sizes", type=float, nargs="+", help="pool sizes N")
    parser.add_argument("--dims", type=int, nargs="+", help="dimensions d")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads per solver")
    parser.add_argument(
        "--cvxpy-limit", type=float, default=120.0, help="time limit of one cvxpy run in seconds"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each regime-sweep row (medians reported)"
    )
    parser.add_argument(
        "--sweep", action="store_true", help="the regime sweep and the all-selectors table"
    )
    parser.add_argument(
        "--sweep-only",
        action="store_true",
        help="with --sweep: only the regime sweep (the selector tables in the file are kept)",
    )
    parser.add_argument(
        "--selector-limit", type=float, default=60.0, help="time limit of one selector fit (s)"
    )
    parser.add_argument(
        "--selectors", action="store_true", help="only the all-selectors table (and the greedy)"
    )
    parser.add_argument(
        "--selector-rows", type=int, nargs="+", default=[100000], help="pool sizes N"
    )
    parser.add_argument("--only", nargs="+", help="selector names (as in the table)")
    parser.add_argument(
        "--greedy",
        type=int,
        nargs=2,
        default=[100000, 10000],
        metavar=("N", "K"),
        help="the greedy row's pool size and k (0 0: none)",
    )
    parser.add_argument("--baseline", help="a source tree of another version, run side by side")
    parser.add_argument(
        "--append", action="store_true", help="append to the selectors section, not replace it"
    )
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        name, *rest = args.worker
        if name == "selector":
            values = [rest[0], int(rest[1]), int(rest[2]), int(rest[3])]
        elif name == "greedy_table":
            values = [int(value) for value in rest]
        else:
            values = [int(rest[0]), int(rest[1]), int(rest[2]), rest[3]] if rest else []
        print(json.dumps(_WORKERS[name](*values)))
        return
    if args.sweep:
        main_sweep(args)
        return
    if args.selectors:
        if args.greedy == [0, 0]:
            args.greedy = None
        main_selectors(args)
        return

    sizes = [int(n) for n in (args.sizes or ([2000, 10000] if args.quick else [1e4, 1e5, 1e6]))]
    dims = args.dims or ([20] if args.quick else [20, 50])
    gflops = run_worker("gflops", [], args.threads, None)["gflops"]
    print(
        f"BLAS threads per solver: {args.threads}; measured {gflops:.1f} GFlop/s (dgemm "
        f"2000^3); cvxpy (Clarabel, linear-map form) limit {args.cvxpy_limit:.0f} s.\n"
    )

    cvxpy_rate = None  # seconds per unit of N p^2, from the first cvxpy run
    rows = []
    scenarios = [("paper", d, n) for d in dims for n in sizes]
    scenarios += [("reachable", dims[0], n) for n in sizes]
    for target_kind, d, n_rows in scenarios:
        cost = n_rows * _p(d) ** 2
        predicted = None if cvxpy_rate is None else cvxpy_rate * cost
        if predicted is not None and predicted > 2.5 * args.cvxpy_limit:
            cvxpy = {"status": f"not run (>limit: ~{predicted:.0f} s predicted)"}
        else:
            cvxpy = run_worker(
                "cvxpy", [n_rows, d, args.seed, target_kind], args.threads, args.cvxpy_limit
            )
            if "seconds" in cvxpy and cvxpy_rate is None:
                cvxpy_rate = cvxpy["seconds"] / cost
            elif "seconds" not in cvxpy and cvxpy_rate is None:
                cvxpy_rate = args.cvxpy_limit / cost
        fast = run_worker("fast", [n_rows, d, args.seed, target_kind], args.threads, None)
        rows.append((target_kind, n_rows, d, cvxpy, fast))
        _print_row(rows[-1], gflops, header=len(rows) == 1)
    _print_details(rows, gflops)

    greedy_cases = [(10000, 32)] if args.quick else [(10000, 32), (100000, 20)]
    print(
        "\nThe paper's greedy (exact forward selection, O(N d) per step), k = N / 10, "
        "paper target; median of 3 runs; certificate = gap minus the Frank-Wolfe lower "
        "bound at its own subset.\n"
    )
    print("| N | d | k | time (s) | peak RSS MB | objective | certified lower bound |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n_rows, d in greedy_cases:
        greedy = run_worker("greedy", [n_rows, d, args.seed, "paper"], args.threads, None)
        print(
            f"| {n_rows} | {d} | {n_rows // 10} | {greedy['seconds']:.2f} "
            f"| {greedy['peak_rss_mb']:.0f} | {greedy['objective']:.6g} "
            f"| {greedy['lower_bound']:.6g} |",
            flush=True,
        )


def _print_row(row, gflops, header):
    target_kind, n_rows, d, cvxpy, fast = row
    if header:
        print(
            "| target | N | d | k | cvxpy time (s) | cvxpy peak RSS MB | cvxpy objective "
            "| cvxpy cert. gap | fast time (s) | fast peak RSS MB | fast extra MB "
            "| fast objective | fast cert. gap | objective rel. diff | speed-up |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    if "seconds" in cvxpy:
        cvxpy_cells = (
            f"{cvxpy['seconds']:.2f} | {cvxpy['peak_rss_mb']:.0f} "
            f"| {cvxpy['objective']:.10g} | {cvxpy['duality_gap']:.2e}"
        )
        difference = fast["objective"] - cvxpy["objective"]
        if cvxpy["objective"] > 1e-6 * fast["target_norm"]:
            difference = f"{difference / cvxpy['objective']:+.2e}"
        else:  # a reachable target: both near 0, compare on the target's scale
            difference = f"{difference / fast['target_norm']:+.1e} of ‖C‖"
        ratio_cells = f"{difference} | {cvxpy['seconds'] / fast['seconds']:.0f}x"
    else:
        rss = cvxpy.get("peak_rss_mb")
        cvxpy_cells = f"{cvxpy['status']} | {_fmt(rss, '.0f')} | n/a | n/a"
        killed_after = cvxpy.get("killed_after")
        ratio_cells = "n/a | " + (
            f">{killed_after / fast['seconds']:.0f}x" if killed_after else "n/a"
        )
    print(
        f"| {target_kind} | {n_rows} | {d} | {n_rows // 10} | {cvxpy_cells} "
        f"| {fast['seconds']:.2f} | {fast['peak_rss_mb']:.0f} | {fast['extra_mb']:.0f} "
        f"| {fast['objective']:.10g} | {fast['duality_gap']:.2e} | {ratio_cells} |",
        flush=True,
    )


def _print_details(rows, gflops):
    print(
        "\nThe fast solver in detail: first-order iterations against the BLAS limit "
        f"(4 N d^2 flops at {gflops:.1f} GFlop/s), the exact solve on the working set, and "
        "the rounding to exactly k rows (top-k or systematic start, then swap repair).\n"
    )
    print(
        "| target | N | d | pool MB | FO iters | median iter (s) | BLAS limit (s) "
        "| iter / limit | IPM iters | working set | phases FO / WS / IPM / cert (s) "
        "| certified | rounded gap | rounded / bound | rounded / ‖C‖ | swaps | rounding (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|")
    for target_kind, n_rows, d, _, fast in rows:
        limit = 4 * n_rows * d * d / (gflops * 1e9)
        phases = " / ".join(
            f"{fast['phases'][name]:.2f}"
            for name in ("first_order", "working_set", "interior_point", "certificate")
        )
        bound = fast["lower_bound"]
        ratio = f"{fast['rounded_gap'] / bound:.4f}" if bound > 0 else "n/a (bound 0)"
        print(
            f"| {target_kind} | {n_rows} | {d} | {fast['pool_mb']:.0f} "
            f"| {fast['n_first_order_iter']} | {fast['median_iteration_s']:.4f} "
            f"| {limit:.4f} | {fast['median_iteration_s'] / limit:.1f}x "
            f"| {fast['n_interior_point_iter']} | {fast['working_set_size']} | {phases} "
            f"| {'yes' if fast['converged'] else 'no'} | {fast['rounded_gap']:.6g} "
            f"| {ratio} | {fast['rounded_gap'] / fast['target_norm']:.2e} "
            f"| {fast['n_swaps']} | {fast['rounding_seconds']:.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
