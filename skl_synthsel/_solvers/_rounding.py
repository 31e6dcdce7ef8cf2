"""Rounding relaxed weights to a subset of exactly k rows: a start, then swap repair.

The start is the better (by the exact gap) of the top-k rows and a systematic rounding of the
weights. Top-k is right when the relaxed optimum is nearly integral (a target out of reach: at
most ``d(d+1)/2 + 1`` fractional weights). When the target is reachable the optimal face is
large, the weights are nearly uniform and top-k is almost arbitrary; systematic rounding keeps
every row with probability close to its weight, so the start's scatter is near the relaxed one.
On an exactly reachable target (given a ``random_state``) the start is a systematic sample in a
random order from a random offset instead: every start on the optimal face is as good, and the
weights' last digits (which differ with the solver, the data's layout or the BLAS) must not
choose among them.

The swap repair is a local search on the exact subset objective. On large pools it runs on a
candidate set of the rows whose removal or addition helps most, with their quadratic forms kept
exact by rank-one updates, and refreshes that set with one chunked pass over the pool when the
local search stalls (or after a number of swaps): a swap costs ``O(candidates * d)``, not
``O(n_rows * d)``.
"""

import numpy as np

from ._certificate import residual_matrix
from ._chunked import quadratic_forms, squared_row_norms

# Candidate rows kept between refreshes, on both sides together.
_CANDIDATE_ROWS = 16384


def _top_k(scores, k):
    # Stable sort so equal weights are broken by row order: deterministic.
    return np.argsort(-scores, kind="stable")[:k]


def _systematic(weights, k):
    """Rows where the running sum of the weights crosses ``j + 1/2``: exactly k of them."""
    cumulative = np.floor(np.cumsum(weights) + 0.5)
    picks = np.diff(cumulative, prepend=0.0)
    rows = np.flatnonzero(picks > 0)
    if rows.size != k or np.any(picks > 1):
        return None
    # In the documented order: by decreasing weight, ties by row.
    return rows[np.argsort(-weights[rows], kind="stable")]


def _random_systematic(weights, k, random_state):
    """A systematic sample: rows in a random order, kept where the running sum of their
    weights crosses ``j + u`` for one uniform ``u``; each row is kept with probability its
    weight (weights in ``[0, 1]`` summing to ``k``)."""
    order = random_state.permutation(weights.size)
    offset = random_state.uniform()
    # Clipped so that float round-off in the sum cannot make a (k+1)-th crossing.
    cumulative = np.floor(np.minimum(np.cumsum(weights[order]) - offset, k - 0.5) + 1.0)
    picks = np.diff(cumulative, prepend=0.0)
    rows = order[picks > 0]
    if rows.size != k or np.any(picks > 1):
        return None
    return rows  # in the random order: on an exact match the weights do not rank the rows


def _start(U, target, weights, k, normaliser, chunk_rows, random_state=None):
    """The better of top-k and systematic rounding (for feasible weights) by the exact gap;
    with a ``random_state``, a random systematic sample."""
    feasible = (
        weights.min() >= 0 and weights.max() <= 1 and abs(weights.sum() - k) <= 1e-6 * max(k, 1)
    )
    if random_state is not None and feasible and k < weights.size:
        rows = _random_systematic(weights, k, random_state)
        if rows is not None:
            return rows
    top = _top_k(weights, k)
    systematic = _systematic(weights, k) if feasible and k < weights.size else None
    if systematic is None:
        return top
    best, best_gap = None, np.inf
    for rows in (top, systematic):
        indicator = np.zeros(weights.size)
        indicator[rows] = 1.0
        gap = np.sum(residual_matrix(U, target, indicator, normaliser, chunk_rows=chunk_rows) ** 2)
        if gap < best_gap:
            best, best_gap = rows, gap
    return best


def round_relaxed_weights(
    U,
    target,
    weights,
    k,
    *,
    n_candidates=128,
    max_swaps=None,
    normaliser=None,
    chunk_rows=None,
    random_state=None,
):
    """Choose ``k`` rows from relaxed weights, then improve them by pairwise swaps.

    Plain top-k fails when the target is reachable: the optimal face is large and the relaxed
    weights are nearly uniform, so the top-k rows are almost arbitrary. The start is therefore
    the better of top-k and a systematic rounding of the weights. The swap repair is a local
    search on the exact subset objective: at each step it evaluates every pair among the
    ``n_candidates`` rows whose removal helps most and the ``n_candidates`` rows whose addition
    helps most, and makes the best improving swap.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    weights : ndarray of shape (n_rows,)
        Relaxed weights (any scores: larger is kept first; systematic rounding is tried only
        for weights in ``[0, 1]`` summing to ``k``).
    k : int
        Number of rows to choose.
    n_candidates : int, default=128
        Rows considered on each side of a swap (the best swap among 128 x 128 pairs ends,
        measured, at the gap of the best among 512 x 512, at a seventh of the time).
    max_swaps : int or None
        Limit on the number of swaps; ``None`` means ``10 * k``.
    normaliser : float or None
        ``n``, dividing the scatter of the chosen rows; ``None`` means ``k``. With a shifted
        target it rounds the mixture variant (see :func:`mixture_problem`).
    chunk_rows : int or None
        Rows per chunk of the passes over the pool.
    random_state : RandomState or None
        ``None``: the start is the better of top-k and systematic rounding. A ``RandomState``
        (for weights that match the target exactly: a large optimal face): a systematic sample
        in a random order from a random offset, each row kept with probability its weight.

    Returns
    -------
    selected : ndarray of shape (k,)
        Indices of the chosen rows: by decreasing relaxed weight (with a ``random_state``: in
        the random order), each swapped-in row in the place of the row it replaced.
    n_swaps : int
        The number of swaps made.
    """
    n_rows = U.shape[0]
    normaliser = float(k if normaliser is None else normaliser)
    selected = _start(U, target, weights, k, normaliser, chunk_rows, random_state)
    if k == n_rows:
        return selected, 0
    max_swaps = 10 * k if max_swaps is None else max_swaps
    in_subset = np.zeros(n_rows, dtype=bool)
    in_subset[selected] = True
    position = np.full(n_rows, -1, dtype=np.intp)
    position[selected] = np.arange(k)
    indicator = in_subset.astype(float)
    residual = residual_matrix(U, target, indicator, normaliser, chunk_rows=chunk_rows)
    fourth = squared_row_norms(U) ** 2  # ||u_i||^4 = ||svec(u_i u_i')||^2
    search = _SwapSearch(
        U, fourth, normaliser, n_candidates, threshold=-1e-13 * (float(np.sum(target**2)) + 1.0)
    )
    every_row = n_rows <= _CANDIDATE_ROWS
    n_swaps = 0
    while n_swaps < max_swaps:
        quad = quadratic_forms(U, residual, chunk_rows=chunk_rows)
        rows = (
            np.arange(n_rows)
            if every_row
            else _candidate_rows(quad, fourth, in_subset, normaliser, k)
        )
        # Refresh the candidates from the whole pool now and then; never when they are all rows.
        budget = max_swaps - n_swaps if every_row else min(max_swaps - n_swaps, 256)
        made, residual = search.run(
            rows, quad[rows], in_subset, residual, budget, selected, position
        )
        n_swaps += made
        if made == 0 or every_row:
            break
    return selected, n_swaps


def _candidate_rows(quad, fourth, in_subset, normaliser, k):
    """The chosen rows whose removal helps most and the others whose addition helps most."""
    half = _CANDIDATE_ROWS // 2
    chosen, others = np.flatnonzero(in_subset), np.flatnonzero(~in_subset)
    removal_gain = 2 * quad[chosen] / normaliser - fourth[chosen] / normaliser**2
    addition_cost = 2 * quad[others] / normaliser + fourth[others] / normaliser**2
    if chosen.size > half:
        chosen = chosen[np.argpartition(-removal_gain, half - 1)[:half]]
    if others.size > half:
        others = others[np.argpartition(addition_cost, half - 1)[:half]]
    return np.sort(np.concatenate([chosen, others]))


class _SwapSearch:
    """Best-improvement pairwise swaps among a set of candidate rows.

    Removing row ``i`` changes ``||R||^2`` by ``-2 quad_i/n + fourth_i/n^2``; adding ``j`` by
    ``+2 quad_j/n + fourth_j/n^2``; swapping both adds the cross term ``-2 (u_i . u_j)^2/n^2``.
    """

    def __init__(self, U, fourth, normaliser, n_candidates, threshold):
        self.U, self.fourth, self.normaliser = U, fourth, normaliser
        self.n_candidates, self.threshold = n_candidates, threshold

    def run(self, rows, quad, in_subset, residual, budget, selected, position):
        """Swap until no improving swap or ``budget`` swaps; updates the subset in place."""
        n = self.normaliser
        block, scaled_fourth = self.U[rows], self.fourth[rows] / n**2
        # The candidates inside and outside the subset, as positions in ``rows``: each side's
        # scores are taken over its own rows (a swap exchanges one entry of each).
        chosen, others = np.flatnonzero(in_subset[rows]), np.flatnonzero(~in_subset[rows])
        pair = np.empty((block.shape[1], 2))
        made = 0
        while made < budget:
            n_out = min(self.n_candidates, chosen.size)
            n_in = min(self.n_candidates, others.size)
            if n_out == 0 or n_in == 0:
                break
            removal_gain = 2 * quad[chosen] / n - scaled_fourth[chosen]
            addition_cost = 2 * quad[others] / n + scaled_fourth[others]
            leaving = np.argpartition(-removal_gain, n_out - 1)[:n_out]
            entering = np.argpartition(addition_cost, n_in - 1)[:n_in]
            cross = (block[chosen[leaving]] @ block[others[entering]].T) ** 2
            change = (
                addition_cost[entering][None, :] - removal_gain[leaving][:, None] - 2 * cross / n**2
            )
            best = np.unravel_index(np.argmin(change), change.shape)
            if change[best] >= self.threshold:
                break
            slot_out, slot_in = leaving[best[0]], entering[best[1]]
            out_local, in_local = chosen[slot_out], others[slot_in]
            chosen[slot_out], others[slot_in] = in_local, out_local
            out_row, in_row = rows[out_local], rows[in_local]
            in_subset[out_row], in_subset[in_row] = False, True
            selected[position[out_row]] = in_row
            position[in_row], position[out_row] = position[out_row], -1
            u_out, u_in = block[out_local], block[in_local]
            residual = residual + (np.outer(u_in, u_in) - np.outer(u_out, u_out)) / n
            # Both rank-one changes of the quadratic forms from one read of the block.
            pair[:, 0], pair[:, 1] = u_in, u_out
            products = block @ pair
            products *= products
            quad += (products[:, 0] - products[:, 1]) / n
            made += 1
        return made, residual
