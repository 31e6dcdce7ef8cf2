"""Rounding relaxed weights to a subset of exactly k rows: top-k, then swap repair."""

import numpy as np


def _top_k(scores, k):
    # Stable sort so equal weights are broken by row order: deterministic.
    return np.argsort(-scores, kind="stable")[:k]


def round_relaxed_weights(U, target, weights, k, *, n_candidates=512, max_swaps=None):
    """Choose ``k`` rows from relaxed weights, then improve them by pairwise swaps.

    Plain top-k fails when the target is reachable: the optimal face is large and an interior
    point solver returns nearly uniform weights, so the top-k rows are almost arbitrary. The
    swap repair is a local search on the exact subset objective: at each step it evaluates every
    pair among the ``n_candidates`` rows whose removal helps most and the ``n_candidates`` rows
    whose addition helps most, and makes the best improving swap.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    weights : ndarray of shape (n_rows,)
        Relaxed weights (any scores: larger is kept first).
    k : int
        Number of rows to choose.
    n_candidates : int, default=512
        Rows considered on each side of a swap.
    max_swaps : int or None
        Limit on the number of swaps; ``None`` means ``10 * k``.

    Returns
    -------
    selected : ndarray of shape (k,)
        Indices of the chosen rows: by decreasing relaxed weight, each swapped-in row in the
        place of the row it replaced.
    n_swaps : int
        The number of swaps made.
    """
    n_rows = U.shape[0]
    selected = _top_k(weights, k)
    if k == n_rows:
        return selected, 0
    max_swaps = 10 * k if max_swaps is None else max_swaps
    in_subset = np.zeros(n_rows, dtype=bool)
    in_subset[selected] = True

    residual = U[selected].T @ U[selected] / k - target
    # quad[i] = u_i' R u_i; fourth[i] = ||u_i||^4 = ||svec(u_i u_i')||^2.
    quad = np.einsum("ij,ij->i", U @ residual, U)
    fourth = np.einsum("ij,ij->i", U, U) ** 2
    # Removing i changes ||R||^2 by -2 quad_i/k + fourth_i/k^2; adding j by +2 quad_j/k + fourth_j/k^2;
    # swapping both adds the cross term -2 (u_i . u_j)^2 / k^2.
    scale = float(np.sum(target**2)) + 1.0
    n_swaps = 0
    for n_swaps in range(max_swaps + 1):
        if n_swaps == max_swaps:
            break
        removal_gain = np.where(in_subset, 2 * quad / k - fourth / k**2, -np.inf)
        addition_cost = np.where(in_subset, np.inf, 2 * quad / k + fourth / k**2)
        n_out = min(n_candidates, k)
        n_in = min(n_candidates, n_rows - k)
        leaving = np.argpartition(-removal_gain, n_out - 1)[:n_out]
        entering = np.argpartition(addition_cost, n_in - 1)[:n_in]
        cross = (U[leaving] @ U[entering].T) ** 2
        change = (
            addition_cost[entering][None, :]
            - removal_gain[leaving][:, None]
            - 2 * cross / k**2
        )
        best = np.unravel_index(np.argmin(change), change.shape)
        if change[best] >= -1e-13 * scale:
            break
        out_row, in_row = leaving[best[0]], entering[best[1]]
        in_subset[out_row], in_subset[in_row] = False, True
        selected[selected == out_row] = in_row
        u_out, u_in = U[out_row], U[in_row]
        residual += (np.outer(u_in, u_in) - np.outer(u_out, u_out)) / k
        quad += ((U @ u_in) ** 2 - (U @ u_out) ** 2) / k
    return selected, n_swaps
