"""``python -m skl_synthsel select``: choose synthetic rows of a pool CSV for a real CSV.

The CSV logic lives here, apart from the argument parsing, so that it can be tested and reused.
Every problem with the input is a :class:`CLIError` (a ``ValueError``) whose message names the
file, the column and the fix on one line; the command line prints it as ``error: <message>``.
"""

import sys
import time
import warnings

import numpy as np
import pandas as pd

from ..exceptions import SelectorWarning
from ..utils._discovery import all_selectors, selector_short_name

# A text column is taken for a numeric column with a few bad cells (a typo, "n/a") when at least
# this fraction of its non-empty cells parse as numbers; below it the column is categorical.
_NUMERIC_MAJORITY = 0.5

# The command line's method names: every public selector that needs nothing but a pool, by its
# snake-case short name (SequentialSelector needs its steps and is for Python code).
METHODS = {
    selector_short_name(cls): cls
    for _, cls in all_selectors()
    if "steps" not in cls._get_param_names()
}


class CLIError(ValueError):
    """A problem with the command line's input, explained on one line."""


def parse_n_select(text):
    """``"100"`` is 100 rows (int), ``"2.0"`` rows per real row (float), ``"all"`` the pool.

    ``"0"`` selects no synthetic row (the real rows alone).

    Parameters
    ----------
    text : str
        The value given to ``--n-select``.

    Returns
    -------
    n_select : int, float or str

    Examples
    --------
    >>> parse_n_select("100"), parse_n_select("2.0"), parse_n_select("1e2"), parse_n_select("all")
    (100, 2.0, 100.0, 'all')
    """
    text = text.strip()
    if text.lower() in ("all", "auto"):
        return text.lower()
    try:
        value = int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"--n-select {text!r} is not a number: give an int (rows, e.g. 100), a "
                "float (rows per real row, e.g. 2.0), 0 (none) or 'all' (the whole pool)"
            ) from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"--n-select must be 0 or positive, got {text!r}")
    return value


def read_table(path, role):
    """Read a CSV file into a DataFrame, with a one-line error for every way it can fail.

    Parameters
    ----------
    path : str
        The file.
    role : str
        ``"real"`` or ``"pool"``, for the messages.

    Returns
    -------
    table : DataFrame
        At least one row and one column.
    """
    try:
        table = pd.read_csv(path, skipinitialspace=True)
    except FileNotFoundError:
        raise CLIError(f"the {role} file {path!r} does not exist") from None
    except IsADirectoryError:
        raise CLIError(f"the {role} file {path!r} is a directory, not a CSV file") from None
    except pd.errors.EmptyDataError:
        raise CLIError(
            f"the {role} file {path!r} is empty: it needs a header line and rows"
        ) from None
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())
        raise CLIError(
            f"the {role} file {path!r} is not a well-formed CSV file ({detail})"
        ) from None
    except UnicodeDecodeError:
        raise CLIError(f"the {role} file {path!r} is not UTF-8 text") from None
    if table.empty:
        raise CLIError(f"the {role} file {path!r} has a header but no rows")
    # pandas renames a repeated header name ("a,a" becomes "a", "a.1"): find repeats in the
    # header as written (names stripped, as the columns are).
    header = pd.read_csv(
        path, header=None, nrows=1, dtype=str, keep_default_na=False, skipinitialspace=True
    ).iloc[0]
    names = [str(name).strip() for name in header]
    duplicated = list(
        dict.fromkeys(name for i, name in enumerate(names) if name and name in names[:i])
    )
    if duplicated:
        raise CLIError(
            f"the {role} file {path!r} repeats the column names {duplicated} in its header; "
            "give every column a unique name"
        )
    table.columns = [str(column).strip() for column in table.columns]
    return table


def _first_bad_number(column):
    """The first cell of a text column that is not a number, and its line in the file."""
    parsed = pd.to_numeric(column, errors="coerce")
    bad = parsed.isna() & column.notna()
    position = int(np.flatnonzero(bad.to_numpy())[0])
    # Line numbers count the header as line 1.
    return column.iloc[position], position + 2


def _is_numeric(column):
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _mostly_numbers(column):
    present = column.dropna()
    if present.empty:
        return False
    return pd.to_numeric(present, errors="coerce").notna().mean() >= _NUMERIC_MAJORITY


def check_columns(real, pool, target, real_path, pool_path, categorical=()):
    """Check the two tables against each other and sort their feature columns.

    Parameters
    ----------
    real, pool : DataFrame
        The tables as read.
    target : str
        The label column, present in both.
    real_path, pool_path : str
        For the messages.
    categorical : sequence of str, default=()
        Columns to treat as categorical even when they hold numbers.

    Returns
    -------
    pool : DataFrame
        The pool with the real table's column order.
    categorical : list of str
        The feature columns that are categorical: non-numeric in the files, or named.
    """
    for table, path in ((real, real_path), (pool, pool_path)):
        if target not in table.columns:
            raise CLIError(
                f"--target {target!r} is not a column of {path!r} "
                f"(its columns: {', '.join(map(str, table.columns))})"
            )
    missing = [c for c in real.columns if c not in set(pool.columns)]
    extra = [c for c in pool.columns if c not in set(real.columns)]
    if missing or extra:
        parts = ([f"missing {missing}"] if missing else []) + (
            [f"unexpected {extra}"] if extra else []
        )
        raise CLIError(
            f"the pool's columns do not match the real table's: {pool_path!r} has "
            f"{' and '.join(parts)}; give both files the same columns"
        )
    pool = pool[list(real.columns)]
    features = [c for c in real.columns if c != target]
    if not features:
        raise CLIError(f"{real_path!r} has no feature columns besides the target {target!r}")
    unknown = [c for c in categorical if c not in features]
    if unknown:
        raise CLIError(
            f"--categorical names {unknown}, which are not feature columns of {real_path!r}"
        )

    for table, path in ((real, real_path), (pool, pool_path)):
        empty_cells = [c for c in table.columns if table[c].isna().any()]
        if empty_cells:
            raise CLIError(
                f"{path!r} has missing values in the columns {empty_cells}; "
                "fill or drop them before selecting"
            )

    chosen = []
    for column in features:
        if column in categorical:
            chosen.append(column)
            continue
        numeric = {
            path: _is_numeric(table[column])
            for table, path in ((real, real_path), (pool, pool_path))
        }
        if all(numeric.values()):
            continue
        for table, path in ((real, real_path), (pool, pool_path)):
            # A column of numbers with a few stray words is a data error, not a category.
            if not numeric[path] and (any(numeric.values()) or _mostly_numbers(table[column])):
                value, line = _first_bad_number(table[column])
                raise CLIError(
                    f"the column {column!r} of {path!r} has the non-numeric value {value!r} "
                    f"on line {line} among numbers; fix it, or pass --categorical {column} "
                    "to treat the column as categorical"
                )
        chosen.append(column)
    return pool, chosen


def categorical_feature_map(categorical):
    """One-hot encode the categorical columns and pass the numeric ones through.

    Parameters
    ----------
    categorical : list of str
        The categorical feature columns.

    Returns
    -------
    feature_map : ColumnTransformer
        Categories seen only in the pool encode as all zeros.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    return ColumnTransformer(
        [
            (
                "categorical",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                list(categorical),
            )
        ],
        remainder="passthrough",
    )


def select_csv(
    real_path,
    pool_path,
    *,
    target,
    n_select=1.0,
    method="covariance",
    task="auto",
    n_components=None,
    random_state=0,
    include_real=True,
    categorical=(),
    source_column=None,
    progress=None,
    verbose=0,
):
    """Read the real and pool CSV files, select pool rows, return the output table.

    Parameters
    ----------
    real_path, pool_path : str
        CSV files with a header line; the same columns (any order in the pool).
    target : str
        The label (or regression target) column.
    n_select : int or float, default=1.0
        Rows to select (int) or rows per real row (float).
    method : str, default="covariance"
        A key of the selector registry.
    task : {"auto", "classification", "regression"}, default="auto"
        Passed to the selector.
    n_components : int, float or None, default=None
        PCA after standardisation, passed to the selector.
    random_state : int, default=0
        Seeds the selection.
    include_real : bool, default=True
        Output the real rows followed by the selected rows, or the selected rows alone.
    categorical : sequence of str, default=()
        Feature columns to one-hot encode even though they hold numbers; text columns are
        one-hot encoded anyway.
    source_column : str or None, default=None
        If set, add a column of that name holding ``"real"`` or ``"synthetic"``.
    progress : callable or None, default=None
        Called with a short message at each stage.
    verbose : int, default=0
        The selector's ``verbose``: 1 shows a progress bar over the pool's rows (with tqdm
        installed, else a line per class) on standard error.

    Returns
    -------
    table : DataFrame
        The output rows in the real file's columns, with the pool's original values.
    """
    say = progress or (lambda message: None)
    if method not in METHODS:
        raise CLIError(f"unknown method {method!r}; choose one of {sorted(METHODS)}")
    say(f"reading {real_path}")
    real = read_table(real_path, "real")
    say(f"reading {pool_path}")
    pool = read_table(pool_path, "pool")
    say(f"real: {len(real)} rows, pool: {len(pool)} rows, {real.shape[1] - 1} features")
    pool, categorical = check_columns(
        real, pool, target, real_path, pool_path, categorical=tuple(categorical)
    )
    if source_column is not None and source_column in real.columns:
        raise CLIError(
            f"--source-column {source_column!r} is already a column of "
            f"{real_path!r}; choose another name"
        )

    if task == "regression":
        for table, path in ((real, real_path), (pool, pool_path)):
            if not _is_numeric(table[target]):
                value, line = _first_bad_number(table[target])
                raise CLIError(
                    f"--task regression needs a numeric target, but the column "
                    f"{target!r} of {path!r} holds {value!r} on line {line}"
                )
    features = [c for c in real.columns if c != target]
    X_real, y_real = real[features], real[target]
    X_pool, y_pool = pool[features], pool[target]
    params = dict(
        n_select=n_select,
        task=task,
        random_state=random_state,
        include_real=include_real,
        n_components=n_components,
        verbose=verbose,
    )
    if categorical:
        say(f"one-hot encoding the categorical columns {categorical}")
        for column in categorical:
            unseen = sorted(set(X_pool[column].astype(str)) - set(X_real[column].astype(str)))
            if unseen:
                print(
                    f"warning: the pool's column {column!r} has values the real rows do not "
                    f"have ({', '.join(unseen[:5])}{', ...' if len(unseen) > 5 else ''}); "
                    "they are encoded as no category",
                    file=sys.stderr,
                )
        params["feature_map"] = categorical_feature_map(categorical)
    selector = METHODS[method]((X_pool, y_pool), **params)

    say(f"selecting with {method} ({METHODS[method].__name__})")
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        # The library's warnings (SelectorWarning) are shown once each, as "warning: ...".
        warnings.simplefilter("always", SelectorWarning)
        X_out, y_out = selector.fit_resample(X_real, y_real)
    for warning in _unique_messages(caught):
        print(f"warning: {warning}", file=sys.stderr)
    n_selected = len(selector.selected_indices_)
    per_class = getattr(selector, "sampling_strategy_", None)
    detail = f" (per class: {per_class})" if per_class else ""
    say(f"selected {n_selected} pool rows{detail} in {time.perf_counter() - start:.1f} s")

    table = X_out.copy()
    table.insert(list(real.columns).index(target), target, y_out.to_numpy())
    if source_column is not None:
        n_real = len(real) if include_real else 0
        table[source_column] = ["real"] * n_real + ["synthetic"] * n_selected
    return table


def _unique_messages(caught):
    seen = []
    for warning in caught:
        message = " ".join(str(warning.message).split())
        if message not in seen:
            seen.append(message)
    return seen


def write_table(table, path):
    """Write the output as CSV to ``path``, or to standard output for ``"-"``."""
    if path == "-":
        table.to_csv(sys.stdout, index=False)
        return
    try:
        table.to_csv(path, index=False)
    except OSError as exc:
        raise CLIError(f"cannot write {path!r}: {exc.strerror or exc}") from None
