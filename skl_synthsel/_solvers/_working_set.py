"""The working set of the large-pool solver: safe screening, or a band around the threshold.

Safe screening finds the rows whose relaxed weight is provably 0 or 1 in every optimum.

The optimal covariance residual ``R*`` is unique (the objective is strictly convex in it), so the
optimal gradient ``g*_i = (2/n) u_i^T R* u_i`` is unique too, and every optimum puts weight 1 on
the rows with ``g*_i`` below a threshold and 0 on those above it. At any feasible ``w`` the
Frank-Wolfe gap bounds the distance to the optimal residual,
``||R(w) - R*||_F^2 <= F(w) - F* <= fw_gap``, hence
``|g_i - g*_i| <= (2/n) ||u_i||^2 sqrt(fw_gap)``. At least ``k`` rows have ``g*`` at or below
the threshold and at most ``k`` below it, so the threshold lies between the ``k``-th smallest
lower bound and the ``(k+1)``-th smallest upper bound; rows whose whole interval lies on one
side are fixed in every optimum. The rest is a working set
on which an exact solve gives the global optimum.
"""

import numpy as np


def screen_rows(gradient, squared_norms, frank_wolfe_gap, k, normaliser):
    """Split the rows into those fixed at one, fixed at zero, and undecided.

    Parameters
    ----------
    gradient : ndarray of shape (n_rows,)
        Gradient of the squared objective at a feasible point.
    squared_norms : ndarray of shape (n_rows,)
        ``||u_i||^2``.
    frank_wolfe_gap : float
        The Frank-Wolfe gap at that point.
    k : int
        Sum of the weights.
    normaliser : float
        ``n``, dividing the weighted scatter.

    Returns
    -------
    at_one : ndarray of bool of shape (n_rows,)
        Rows with weight 1 in every optimum.
    undecided : ndarray of bool of shape (n_rows,)
        Rows the screen cannot fix; the others have weight 0 in every optimum.
    """
    n_rows = gradient.size
    radius = (2.0 / normaliser) * squared_norms * np.sqrt(max(frank_wolfe_gap, 0.0))
    # A little slack for the rounding in the gradient and the gap.
    radius += 1e-12 * (np.abs(gradient) + radius.max())
    lower, upper = gradient - radius, gradient + radius
    threshold_low = np.partition(lower, k - 1)[k - 1] if k >= 1 else -np.inf
    threshold_high = np.partition(upper, k)[k] if k < n_rows else np.inf
    at_one = upper < threshold_low
    at_zero = lower > threshold_high
    return at_one, ~(at_one | at_zero)


def gradient_band(gradient, k, size):
    """A working set of ``size`` rows around the ``k``-th smallest gradient entry.

    A heuristic for when the screen leaves too many rows undecided: the rows ranked
    ``k - size/2`` to ``k + size/2`` by gradient (shifted to fit the pool). The caller holds
    the other rows at their current weights, so the restricted optimum is never worse than
    the current point; the certificate says whether it is optimal.

    Parameters
    ----------
    gradient : ndarray of shape (n_rows,)
        Gradient of the squared objective at the current point.
    k : int
        Sum of the weights.
    size : int
        Rows in the working set, at most ``n_rows``.

    Returns
    -------
    working : ndarray of bool of shape (n_rows,)
        The working set.
    """
    n_rows = gradient.size
    start = min(max(k - size // 2, 0), n_rows - size)
    working = np.zeros(n_rows, dtype=bool)
    working[np.argsort(gradient, kind="stable")[start : start + size]] = True
    return working


def support_band(gradient, weights, margin=0.1):
    """A working set from a first-order iterate's support: its fractional rows, and a margin.

    Near an optimum a projected gradient method has identified the support (the optimum's
    fractional rows are among the iterate's), and ranked by gradient the rows at one come
    first, then the fractional ones, then those at zero. The band is the rows ranked from
    ``n_one - m`` to ``n_positive + m``, with ``n_one`` rows at one, ``n_positive`` above
    zero and ``m = ceil(margin * (n_positive - n_one)) + 1`` on either side (rows the iterate
    has not yet moved in or out). Like :func:`gradient_band`, a heuristic: the caller holds
    the other rows at the iterate's weights and the certificate says whether it was right.

    Parameters
    ----------
    gradient : ndarray of shape (n_rows,)
        Gradient of the squared objective at the iterate.
    weights : ndarray of shape (n_rows,)
        The iterate, in ``[0, 1]``.
    margin : float, default=0.1
        Extra rows either side, as a fraction of the fractional rows.

    Returns
    -------
    working : ndarray of bool of shape (n_rows,)
        The working set.
    """
    start, stop = _support_band_ranks(weights, margin)
    working = np.zeros(gradient.size, dtype=bool)
    working[np.argsort(gradient, kind="stable")[start:stop]] = True
    return working


def support_band_size(weights, margin=0.1):
    """The number of rows :func:`support_band` would return (no sort)."""
    start, stop = _support_band_ranks(weights, margin)
    return stop - start


def _support_band_ranks(weights, margin):
    """The gradient ranks ``[start, stop)`` of :func:`support_band`."""
    n_one, n_positive = int(np.count_nonzero(weights >= 1.0)), int(np.count_nonzero(weights > 0))
    extra = int(np.ceil(margin * (n_positive - n_one))) + 1
    return max(n_one - extra, 0), min(n_positive + extra, weights.size)
