"""How many synthetic rows each class receives."""

from numbers import Integral

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


def resolve_n_select(n_select, n_real):
    """Number of synthetic rows: an int as given, a float as rows per real row."""
    if isinstance(n_select, Integral):
        return int(n_select)
    n_rows = int(round(n_select * n_real))
    if n_rows < 1:
        raise ValueError(
            f"n_select={n_select} synthetic rows per real row gives no row for "
            f"n_samples={n_real} real rows; pass a larger ratio or an int number of rows."
        )
    return n_rows
