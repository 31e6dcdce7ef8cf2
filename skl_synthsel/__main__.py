"""Command line: ``python -m skl_synthsel demo``."""

import argparse
import sys

from ._demo import DATASETS, format_table, run_demo


def _demo(args):
    rows = run_demo(args.dataset, n_real_per_class=args.n_real_per_class, ratio=args.ratio,
                    n_seeds=args.seeds, verbose=not args.quiet)
    title = (f"## {args.dataset}: {args.n_real_per_class} real rows per class, "
             f"{args.ratio:g} synthetic rows per real row selected from a flawed pool, "
             f"logistic regression, {args.seeds} seeds")
    print(format_table(rows, title=title))
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m skl_synthsel",
        description="Choose which synthetic rows to add to a small real training set.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="compare selectors on a bundled dataset with a flawed synthetic pool",
        description="Train on a small real split plus synthetic rows chosen by each selector "
                    "from a flawed pool; print real-test accuracy over seeds.",
    )
    demo.add_argument("--dataset", choices=sorted(DATASETS), default="breast_cancer")
    demo.add_argument("--n-real-per-class", type=int, default=25)
    demo.add_argument("--ratio", type=float, default=2.0,
                      help="synthetic rows selected per real row")
    demo.add_argument("--seeds", type=int, default=5)
    demo.add_argument("--quiet", action="store_true", help="no progress output")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
