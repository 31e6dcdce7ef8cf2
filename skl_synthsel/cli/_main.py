"""Command line: ``python -m skl_synthsel demo`` and ``python -m skl_synthsel select``."""

import argparse
import sys

from ._demo import DATASETS, format_table, run_demo
from ._select import METHODS

# Errors that come from the user's input: printed on one line, exit code 2 (as argparse's).
_INPUT_ERRORS = (ValueError, TypeError, OSError)
_INPUT_ERROR_EXIT = 2


def _demo(args):
    rows = run_demo(
        args.dataset,
        n_real_per_class=args.n_real_per_class,
        ratio=args.ratio,
        n_seeds=args.seeds,
        verbose=not args.quiet,
    )
    title = (
        f"## {args.dataset}: {args.n_real_per_class} real rows per class, "
        f"{args.ratio:g} synthetic rows per real row selected from a flawed pool, "
        f"logistic regression, {args.seeds} seeds"
    )
    print(format_table(rows, title=title))
    return 0


def _select(args):
    from ._select import select_csv, write_table

    def progress(message):
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    table = select_csv(
        args.real,
        args.pool,
        target=args.target,
        n_select=args.n_select,
        method=args.method,
        task=args.task,
        n_components=args.n_components,
        random_state=args.random_state,
        include_real=args.include_real,
        categorical=args.categorical or (),
        source_column=args.source_column,
        progress=progress,
        verbose=0 if args.quiet else 1,
    )
    write_table(table, args.output)
    if args.output != "-":
        progress(f"wrote {len(table)} rows to {args.output}")
    return 0


def _n_select(text):
    from ._select import parse_n_select

    try:
        return parse_n_select(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _n_components(text):
    try:
        value = _n_select(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number: give an int (components) or a float in (0, 1) "
            "(fraction of variance kept)"
        ) from None
    return value


def build_parser():
    """The ``python -m skl_synthsel`` argument parser with its ``demo`` and ``select`` commands.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="python -m skl_synthsel",
        description="Choose which synthetic rows to add to a small real training set.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="compare selectors on a bundled dataset with a flawed synthetic pool",
        description="Train on a small real split plus synthetic rows chosen by each selector "
        "from a flawed pool; print real-test accuracy over seeds.",
    )
    demo.add_argument("--dataset", choices=sorted(DATASETS), default="breast_cancer")
    demo.add_argument("--n-real-per-class", type=int, default=25)
    demo.add_argument(
        "--ratio", type=float, default=2.0, help="synthetic rows selected per real row"
    )
    demo.add_argument("--seeds", type=int, default=5)
    demo.add_argument("--quiet", action="store_true", help="no progress output")
    demo.set_defaults(run=_demo)

    select = commands.add_parser(
        "select",
        help="select rows of a synthetic pool CSV to add to a real CSV",
        description="Read a real table and a pool of synthetic rows (CSV files with the same "
        "columns), select pool rows with one of the selectors, and write the real "
        "rows followed by the selected rows as CSV, in the real file's columns. "
        "Text feature columns are one-hot encoded for the selection and written "
        "out with their original values.",
        epilog="example: python -m skl_synthsel select --real real.csv --pool pool.csv "
        "--target label --n-select 2.0 --output selected.csv",
    )
    select.add_argument("--real", required=True, metavar="CSV", help="the real rows")
    select.add_argument(
        "--pool",
        required=True,
        metavar="CSV",
        help="the candidate synthetic rows, with the real file's columns",
    )
    select.add_argument(
        "--target",
        required=True,
        metavar="COLUMN",
        help="the label (or regression target) column, in both files",
    )
    select.add_argument(
        "--n-select",
        type=_n_select,
        default=1.0,
        metavar="N",
        help="an int is a number of rows (100), a float a number of rows per "
        "real row (2.0); for classes split by the real class proportions "
        "(default: 1.0)",
    )
    select.add_argument(
        "--method",
        choices=list(METHODS),
        default="covariance_matching",
        help="the selector (default: covariance)",
    )
    select.add_argument(
        "--task",
        choices=["auto", "classification", "regression"],
        default="auto",
        help="auto: a continuous target is regression, anything else classes",
    )
    select.add_argument(
        "--n-components",
        type=_n_components,
        default=None,
        metavar="K",
        help="compare rows after a PCA to K components fit on the real rows",
    )
    select.add_argument(
        "--categorical",
        nargs="+",
        metavar="COLUMN",
        help="numeric-looking feature columns to one-hot encode (text "
        "columns are one-hot encoded anyway)",
    )
    select.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the selection (default: 0)",
    )
    real_rows = select.add_mutually_exclusive_group()
    real_rows.add_argument(
        "--include-real",
        dest="include_real",
        action="store_true",
        default=True,
        help="write the real rows followed by the selected rows (default)",
    )
    real_rows.add_argument(
        "--selected-only",
        dest="include_real",
        action="store_false",
        help="write the selected rows alone",
    )
    select.add_argument(
        "--source-column", metavar="NAME", help="add a column NAME holding 'real' or 'synthetic'"
    )
    select.add_argument(
        "--output",
        default="-",
        metavar="CSV",
        help="the output file ('-', the default, is standard output)",
    )
    select.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    select.set_defaults(run=_select)
    return parser


def main(argv=None):
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : list of str or None, default=None
        The arguments; ``None`` reads ``sys.argv``.

    Returns
    -------
    code : int
        0 on success, 2 on bad input (with ``error: <message>`` on standard error).
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except _INPUT_ERRORS as exc:
        # pandas' EmptyDataError and ParserError are ValueErrors; file problems are OSErrors.
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return _INPUT_ERROR_EXIT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
