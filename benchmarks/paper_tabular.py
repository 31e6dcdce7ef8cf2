"""Selection on real tables: faithful and harmful pools, every selector, three models.

The protocol of the research notes (sections 5 and 6) on tables bundled with scikit-learn (no
download): per table and seed, a small real training split (25-40 rows per class), a disjoint
split that trains six pool generators (Gaussian copula, Gaussian mixture, SMOTE's rule:
faithful; truncated, 25 % wrong labels, label drift: harmful), 15 pool rows per real row, and
a real test split. Methods: the real rows alone, the real upper bound, the whole pool, random
rows at 1, 2 and 4 per real row, and every registered selector at 2 per real row (``--methods``
to choose). Models: logistic regression, random forest, histogram gradient boosting. The
report gives, per (pool kind, model), mean accuracy, paired differences against random rows and
against the real rows alone, and the regret against the best fixed choice; pooled by family.

The library is ``benchmarks/_tabular.py``; this file is its command line::

    python benchmarks/paper_tabular.py            # the documentation's run
    python benchmarks/paper_tabular.py --quick    # 2-3 minutes, written elsewhere
    python benchmarks/paper_tabular.py --methods covariance_matching:method=greedy verifier
    python benchmarks/paper_tabular.py --from-results   # redraw from the saved records

Outputs: ``paper_tabular.md``, ``.inc`` (the docs include it), ``_summary.csv``,
``_results.csv`` (one row per table, kind, seed, method, model), ``_run.json`` and three PNGs.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _tabular as harness  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DOCS_OUTPUT = REPO / "docs" / "_static" / "benchmarks"
QUICK_OUTPUT = REPO / "benchmarks" / "results" / "paper_tabular_quick"


def parse_args(argv=None):
    """The command line: ``(args, Config)``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="breast_cancer and iris, 1 seed: 2-3 minutes"
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
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    specs = args.methods or list(harness.default_selectors())
    selectors = dict(harness.parse_method(s, args.ratio, args.n_components) for s in specs)
    config = harness.Config(
        tables=args.tables or (["breast_cancer", "iris"] if args.quick else list(harness.TABLES)),
        kinds=args.kinds or list(harness.POOL_KINDS),
        models=args.models or list(harness.MODELS),
        n_seeds=args.seeds or (1 if args.quick else 6),
        selectors=selectors,
        ratio=args.ratio,
        random_ratios=tuple(args.random_ratios),
        pool_factor=args.pool_factor,
    )
    return args, config


def setup_text(config, wall_seconds, argv):
    """The paragraph that opens the reports."""
    shown = list(argv)
    if "--output-dir" in shown:  # where a run was written is not part of its configuration
        at = shown.index("--output-dir")
        del shown[at : at + 2]
    command = " ".join(["python benchmarks/paper_tabular.py", *shown])
    return (
        f"Tables {', '.join(config.tables)}; pool kinds {', '.join(config.kinds)}; models "
        f"{', '.join(config.models)}; {config.n_seeds} seed(s); pools of {config.pool_factor} "
        f"rows per real row; selectors at {config.ratio:g} rows per real row. Wall time "
        f"{wall_seconds / 60:.1f} min on one thread of a shared 2-core machine (`{command}`)."
    )


def main(argv=None):
    """Run (or redraw) the benchmark and write its outputs; returns the output directory."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args, config = parse_args(argv)
    output = args.output_dir or (QUICK_OUTPUT if args.quick else DOCS_OUTPUT)
    output.mkdir(parents=True, exist_ok=True)
    if args.from_results:  # the saved run's configuration, redrawn
        results = pd.read_csv(output / "paper_tabular_results.csv")
        run = json.loads((output / "paper_tabular_run.json").read_text())
        wall, argv = run["wall_seconds"], run["argv"]
        config = parse_args(argv)[1]
    else:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        start = time.perf_counter()
        results = harness.run(config, progress=harness.print_progress)
        wall = time.perf_counter() - start
        results.to_csv(output / "paper_tabular_results.csv", index=False, float_format="%.5g")
        (output / "paper_tabular_run.json").write_text(
            json.dumps({"wall_seconds": wall, "argv": argv}, indent=1) + "\n"
        )
    harness.write_reports(results, config, output, setup_text(config, wall, argv))
    if not args.no_plots:
        harness.write_plots(results, config, output)
    print((output / "paper_tabular.md").read_text())
    return output


if __name__ == "__main__":
    main()
