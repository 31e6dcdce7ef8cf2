"""Selection on real tables: faithful and harmful pools, every selector, three models.

The protocol of the research notes (sections 5 and 6) on tables bundled with scikit-learn (no
download): per table and seed, a small real training split (25-40 rows per class), a disjoint
split that trains six pool generators (Gaussian copula, Gaussian mixture, SMOTE's rule:
faithful; truncated, 25 % wrong labels, label drift: harmful), 15 pool rows per real row, and
a real test split. Methods: the real rows alone, the real upper bound, the whole pool, random
rows at 1, 2 and 4 per real row, and every registered selector at 2 per real row, and also at
its own amount when it decides the amount (``--methods`` to choose). Models: logistic
regression, random forest, histogram gradient boosting. The report gives, per (pool kind,
model), mean accuracy, paired differences against random rows and against the real rows alone,
and the regret against the best fixed choice; pooled by family.

The library is ``benchmarks/_tabular.py``; this file is its command line::

    python benchmarks/paper_tabular.py            # every table, 6 seeds
    python benchmarks/paper_tabular.py --quick    # 2-3 minutes on one core, written elsewhere
    python benchmarks/paper_tabular.py --methods covariance_matching:method=greedy verifier
    python benchmarks/paper_tabular.py --from-results   # redraw from the saved records
    python benchmarks/paper_tabular.py --add-methods auto   # a new selector, same cells

Outputs: ``paper_tabular.md``, ``.inc`` (the docs include it), ``_summary.csv``,
``_results.csv`` (one row per table, kind, seed, method, model), ``_run.json`` and three PNGs.
"""

import argparse
import dataclasses
import json
import os
import shlex
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tabular as harness  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DOCS_OUTPUT = REPO / "docs" / "_static" / "benchmarks"
QUICK_OUTPUT = REPO / "benchmarks" / "results" / "paper_tabular_quick"
QUICK_KINDS = ("copula", "gmm", "wrong_labels", "drift")  # two faithful, two harmful


def parse_args(argv=None):
    """The command line: ``(args, Config)``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="breast_cancer and iris, 4 pool kinds, 1 seed: 2-3 minutes",
    )
    parser.add_argument("--seeds", type=int, default=None, help="default: 6 (quick: 1)")
    parser.add_argument("--tables", nargs="+", choices=list(harness.TABLES), default=None)
    parser.add_argument("--kinds", nargs="+", choices=list(harness.POOL_KINDS), default=None)
    parser.add_argument("--models", nargs="+", choices=list(harness.MODELS), default=None)
    parser.add_argument(
        "--methods",
        nargs="+",
        default=None,
        help="selectors: names of the default list "
        f"({', '.join(harness.default_selectors())}) or registry names with parameters, "
        "e.g. covariance_matching:method=greedy,covariance_estimator=None (default: all)",
    )
    parser.add_argument("--ratio", type=float, default=2.0, help="selected rows per real row")
    parser.add_argument(
        "--random-ratios", type=float, nargs="+", default=[1.0, 2.0, 4.0], help="random baselines"
    )
    parser.add_argument("--pool-factor", type=int, default=15, help="pool rows per real row")
    parser.add_argument(
        "--n-components", type=int, default=None, help="the selectors' PCA dimension"
    )
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG files")
    parser.add_argument(
        "--from-results", action="store_true", help="redraw from the output's results CSV"
    )
    parser.add_argument(
        "--add-methods",
        nargs="+",
        default=None,
        metavar="SPEC",
        help="measure these selectors (as --methods) on the saved run's cells and merge them "
        "into its results (rows of the same name are replaced)",
    )
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    specs = args.methods or list(harness.default_selectors())
    selectors = dict(harness.parse_method(s, args.ratio, args.n_components) for s in specs)
    config = harness.Config(
        tables=args.tables
        or (["breast_cancer", "iris"] if args.quick else harness.available_tables()),
        kinds=args.kinds or (list(QUICK_KINDS) if args.quick else list(harness.POOL_KINDS)),
        models=args.models or list(harness.MODELS),
        n_seeds=args.seeds or (1 if args.quick else 6),
        selectors=selectors,
        ratio=args.ratio,
        random_ratios=tuple(args.random_ratios),
        pool_factor=args.pool_factor,
    )
    return args, config


def _shown(argv):
    """The arguments without ``--output-dir``: where a run was written is not its config."""
    shown = list(argv)
    if "--output-dir" in shown:
        at = shown.index("--output-dir")
        del shown[at : at + 2]
    return shown


def setup_text(config, run):
    """The paragraph that opens the reports, from the run's saved ``argv`` and time."""
    command = shlex.join(["python", "benchmarks/paper_tabular.py", *_shown(run["argv"])])
    if run.get("added"):
        command += "`, then `" + shlex.join(["--add-methods", *run["added"]])
    return (
        f"Tables {', '.join(config.tables)}; pool kinds {', '.join(config.kinds)}; models "
        f"{', '.join(config.models)}; {config.n_seeds} seed(s); pools of {config.pool_factor} "
        f"rows per real row; selectors at {config.ratio:g} rows per real row. Wall time "
        f"{run['wall_seconds'] / 60:.1f} min on one thread of a shared 2-core machine "
        f"(`{command}`)."
    )


def saved_config(run):
    """The configuration of a saved run: its arguments, plus the methods added later."""
    args, config = parse_args(run["argv"])
    added = [harness.parse_method(s, config.ratio, args.n_components) for s in run.get("added", [])]
    return dataclasses.replace(config, selectors={**config.selectors, **dict(added)})


def add_methods(output, specs):
    """Measure the selectors ``specs`` on a saved run's cells and merge them into its records.

    The splits, pools and seeds are those of the saved run, so the new rows pair with its
    baselines; rows of a method of the same name are replaced. Returns ``(results, run)``.
    """
    results = pd.read_csv(output / "paper_tabular_results.csv")
    run = json.loads((output / "paper_tabular_run.json").read_text())
    args, config = parse_args(run["argv"])
    added = dict(harness.parse_method(s, config.ratio, args.n_components) for s in specs)
    extra = dataclasses.replace(config, selectors=added, baselines=False)
    start = time.perf_counter()
    new = harness.run(extra, progress=harness.print_progress)
    results = pd.concat([results[~results["method"].isin(added)], new], ignore_index=True)
    run["wall_seconds"] += time.perf_counter() - start
    run["added"] = list(dict.fromkeys([*run.get("added", []), *specs]))
    return results, run


def _save(results, run, output):
    results.to_csv(output / "paper_tabular_results.csv", index=False, float_format="%.5g")
    (output / "paper_tabular_run.json").write_text(json.dumps(run, indent=1) + "\n")


def main(argv=None):
    """Run, extend or redraw the benchmark and write its outputs; returns the output directory."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args, config = parse_args(argv)
    output = args.output_dir or (QUICK_OUTPUT if args.quick else DOCS_OUTPUT)
    output.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.add_methods:
        results, run = add_methods(output, args.add_methods)
        _save(results, run, output)
    elif args.from_results:
        results = pd.read_csv(output / "paper_tabular_results.csv")
        run = json.loads((output / "paper_tabular_run.json").read_text())
    else:
        start = time.perf_counter()
        results = harness.run(config, progress=harness.print_progress)
        run = {"wall_seconds": time.perf_counter() - start, "argv": argv}
        _save(results, run, output)
    if args.add_methods or args.from_results:
        config = saved_config(run)
    harness.write_reports(results, config, output, setup_text(config, run))
    if not args.no_plots:
        harness.write_plots(results, config, output)
    print((output / "paper_tabular.md").read_text())
    return output


if __name__ == "__main__":
    main()
