"""How many synthetic rows each class receives."""

from numbers import Integral, Real

import numpy as np


def largest_remainder(total, shares):
    """Split the integer ``total`` in proportion to ``shares``, summing exactly to ``total``.

    Hamilton's method: floor every exact share, then give the remaining units to the largest
    fractional parts; ties go to the earlier entry so that the split is deterministic.

    >>> largest_remainder(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    """
    shares = np.asarray(shares, dtype=float)
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.intp)
    remainder = int(total - counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return counts


def check_n_select(n_select):
    """Refuse what the parameter constraints let through: booleans and fractional dict quotas."""
    if isinstance(n_select, bool | np.bool_):
        raise TypeError(
            f"n_select={n_select!r} is a boolean; pass an int number of rows, a float number "
            "of rows per real row, 0 for none or 'all' for the whole pool."
        )
    if isinstance(n_select, dict):
        bad = {
            label: rows
            for label, rows in n_select.items()
            if isinstance(rows, bool | np.bool_) or not isinstance(rows, Integral) or rows < 0
        }
        if bad:
            raise ValueError(
                f"n_select as a dict maps classes to whole, non-negative numbers of rows; "
                f"got {bad}. Pass ints, e.g. {{class: 20}}."
            )


def resolve_n_select(n_select, n_real):
    """Number of synthetic rows: an int as given, a float as rows per real row.

    Returns None for ``"all"`` and ``"auto"`` (the whole pool, or what the method chooses).
    """
    if isinstance(n_select, str):
        return None
    if isinstance(n_select, Integral):
        return int(n_select)
    n_rows = int(round(n_select * n_real))
    if n_rows < 1 and n_select > 0:
        raise ValueError(
            f"n_select={n_select} synthetic rows per real row gives no row for "
            f"n_samples={n_real} real rows; pass a larger ratio or an int number of rows."
        )
    return n_rows


def class_quotas(n_select, classes, class_counts, pool_sizes):
    """Per-class quotas in the order of ``classes``.

    An int or a float splits its total in proportion to the real class counts (largest
    remainder); a dict gives them explicitly; ``"all"`` gives every class its whole pool.
    """
    if isinstance(n_select, str):
        return [int(size) for size in pool_sizes]
    if isinstance(n_select, dict):
        unknown = set(n_select) - set(classes.tolist())
        if unknown:
            raise ValueError(
                f"n_select names classes {sorted(unknown, key=str)} that are not in y; "
                f"the classes are {classes.tolist()}."
            )
        return [int(n_select.get(label, 0)) for label in classes.tolist()]
    if isinstance(n_select, Real) and not isinstance(n_select, Integral):
        total = resolve_n_select(n_select, int(np.sum(class_counts)))
    else:
        total = int(n_select)
    return largest_remainder(total, class_counts).tolist()
