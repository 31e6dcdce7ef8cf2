"""Dissimilarity-based sparse subset selection (DS3, Elhamifar et al.) as a linear program.

Pool rows ``i`` represent real rows ``j`` at dissimilarity ``d_ij`` (squared Euclidean distance).
DS3 solves

    minimise  lambda * sum_i max_j z_ij + sum_ij d_ij z_ij
    over      z_ij >= 0,  sum_i z_ij = 1 for every real row j,

the row-sparsity penalty ``max_j z_ij`` (the ``p = inf`` version of the paper) making few pool rows
carry all the representation mass. A pool row's *representation mass* ``sum_j z_ij`` is the number
of real rows it represents.

``lambda`` is ``regularization * lambda_scale`` with ``lambda_scale = min_i sum_j d_ij``: the total
dissimilarity when the single best pool row ``l`` represents every real row. A pool row is then
worth adding as a representative only if it lowers the total dissimilarity by more than the
fraction ``regularization`` of that one-representative cost, whatever the units of the features.
For squared Euclidean distances ``sum_j d_ij = n_real ||x_i - mean||^2 + const``, so ``l`` is the
pool row nearest the real mean and the scale costs ``O((n_pool + n_real) d)``. (Elhamifar et al.
scale ``lambda`` by ``max_i ||d_i - d_l||_1 / 2``, their threshold for a single representative;
it needs every pair and grows with the farthest outlier of the pool, so a user's
``regularization`` would mean less on a flawed pool.)
"""

import clarabel
import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, minimize

from ._chunked import squared_row_norms
from ._cvxpy import SolverFailedError, solve_cvxpy_problem


def ds3_lambda_scale(pool, real):
    """``min_i sum_j ||pool_i - real_j||^2``: the cost of the best single representative.

    Computed through the real mean, without any pairwise matrix.
    """
    centre = real.mean(axis=0)
    spread = float(np.sum((real - centre) ** 2))
    to_centre = squared_row_norms(pool - centre)
    return len(real) * float(to_centre.min()) + spread


# Clarabel's iterative refinement of each KKT solve costs more than it buys here (measured:
# 0.07 s instead of 0.10 s per solve on 4,000 pairs, the same optimum to 1e-10); a solve that
# then ends neither Solved nor AlmostSolved is repeated with Clarabel's defaults. A caller's
# solver_options replace both: Clarabel's defaults updated by them, one attempt.
_CLARABEL_FAST = {"iterative_refinement_enable": False}


def _solve_pairs_clarabel(c, A, b, n_zero, solver_options):
    """``min c @ x`` s.t. ``b - A x`` in ``{0}^n_zero x R_+^rest``, with Clarabel directly.

    cvxpy would build the same conic program; its compilation took a sixth of DS3's time.
    """
    P = sp.csc_matrix((A.shape[1], A.shape[1]))
    cones = [clarabel.ZeroConeT(n_zero), clarabel.NonnegativeConeT(A.shape[0] - n_zero)]
    attempts = [{}] if solver_options else [_CLARABEL_FAST, {}]
    for options in attempts:
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        for key, value in {**options, **(solver_options or {})}.items():
            if not hasattr(settings, key):
                raise TypeError(f"Clarabel: unrecognized solver setting {key!r}.")
            setattr(settings, key, value)
        solution = clarabel.DefaultSolver(P, c, A, b, cones, settings).solve()
        status = str(solution.status)
        if status in ("Solved", "AlmostSolved"):
            return np.asarray(solution.x), float(solution.obj_val), np.asarray(solution.z)
    raise SolverFailedError(f"Clarabel ended with status {status!r}")


def _solve_pairs(pair_real, pair_pool, dissimilarity, n_real, penalty, solver, solver_options):
    """DS3 restricted to the given (real row, pool row) pairs.

    Returns the pairs' ``z``, the optimal value and the dual prices ``u`` of the real rows.
    """
    used_rows, pair_row = np.unique(pair_pool, return_inverse=True)
    n_pairs, n_used = len(pair_pool), len(used_rows)
    pairs = np.arange(n_pairs)
    if solver == "CLARABEL":
        # x = (z, t): sum_i z_ij = 1 (zero cone), then t_i - z_p >= 0 and z >= 0, as rows of
        # b - A x, built as one sparse matrix (stacking blocks cost as much as the setup).
        # A pool row with one pair has t_i = z_p at the optimum: its penalty goes onto z_p, with
        # neither t_i nor its row (most of the first neighbourhoods' rows; measured on the
        # benchmark's 10-class pool of 1e5 rows: 5.4 s -> 4.9 s for the selector).
        pairs_of_row = np.bincount(pair_row)
        alone = pairs_of_row[pair_row] == 1
        shared = np.flatnonzero(~alone)
        rows_with_t = np.flatnonzero(pairs_of_row > 1)
        t_of_row = np.full(n_used, -1)
        t_of_row[rows_with_t] = np.arange(len(rows_with_t))
        n_shared, n_t = len(shared), len(rows_with_t)
        epigraph = n_real + np.arange(n_shared)
        ones, shared_ones = np.ones(n_pairs), np.ones(n_shared)
        A = sp.csc_matrix(
            (
                np.concatenate([ones, shared_ones, -shared_ones, -ones]),
                (
                    np.concatenate([pair_real, epigraph, epigraph, n_real + n_shared + pairs]),
                    np.concatenate([pairs, shared, n_pairs + t_of_row[pair_row[shared]], pairs]),
                ),
            ),
            shape=(n_real + n_shared + n_pairs, n_pairs + n_t),
        )
        b = np.concatenate([np.ones(n_real), np.zeros(n_shared + n_pairs)])
        c = np.concatenate([dissimilarity + penalty * alone, np.full(n_t, penalty)])
        x, value, dual = _solve_pairs_clarabel(c, A, b, n_real, solver_options)
        # Clarabel's dual enters as b @ y with the opposite sign of DS3's prices.
        return np.clip(x[:n_pairs], 0.0, None), value, -dual[:n_real]
    to_row_max = sp.csr_matrix((np.ones(n_pairs), (pairs, pair_row)), shape=(n_pairs, n_used))
    column_sums = sp.csr_matrix((np.ones(n_pairs), (pair_real, pairs)), shape=(n_real, n_pairs))
    z = cp.Variable(n_pairs, nonneg=True)
    row_max = cp.Variable(n_used)  # epigraph of max_j z_ij
    one_representation = column_sums @ z == 1
    problem = cp.Problem(
        cp.Minimize(penalty * cp.sum(row_max) + dissimilarity @ z),
        [to_row_max @ row_max >= z, one_representation],
    )
    representation = solve_cvxpy_problem(problem, z, solver, solver_options)
    if one_representation.dual_value is None:
        raise SolverFailedError(f"cvxpy solver {solver} returned no dual solution")
    # cvxpy's equality duals enter the Lagrangian with a minus sign.
    return (
        np.clip(representation, 0.0, None),
        float(problem.value),
        -one_representation.dual_value,
    )


# The pool x real dissimilarities are kept (float64) when they take at most this many bytes:
# every round of column generation then prices all pool rows from memory instead of recomputing
# n_pool * n_real distances (measured: 0.4 s per round on 100,000 x 204 pairs, d = 20). The
# values are the ones the chunked pass computes, so the result does not depend on the cache.
_MAX_CACHE_BYTES = 2**28
# Passes over the pool x real dissimilarities go by blocks of about this many entries (1 MiB,
# a core's L2 cache here): the clipping and sum of a round's pricing then read the block from
# cache, not memory (measured on 100,000 x 200 cached entries, with a subtraction too: 36 ms a
# round instead of 60 ms with blocks of 8 MiB).
_BLOCK_ENTRIES = 2**17


def _lifted_real(real, unit):
    """``[-2 r_j, 1, ||r_j||^2] / unit`` columns: ``[p, ||p||^2, 1]`` times them is ``d / unit``."""
    return np.vstack([-2 * real.T, np.ones(len(real)), squared_row_norms(real)]) / unit


def _scaled_dissimilarities(rows, lifted_real, out=None):
    """``||p_i - r_j||^2 / unit`` for rows ``p`` against the lifted real rows, clipped at zero.

    One matrix product with the norms inside it, written into ``out`` when given: no
    temporaries of the block's size (measured on 100,000 x 200 pairs in 20 dimensions: 0.15 s
    instead of 0.6 s for norms added and scaled by separate passes).
    """
    lifted_rows = np.ones((len(rows), rows.shape[1] + 2))
    lifted_rows[:, :-2] = rows
    lifted_rows[:, -2] = squared_row_norms(rows)
    out = np.matmul(lifted_rows, lifted_real, out=out)
    return np.maximum(out, 0.0, out=out)


def _block_rows(n_real):
    return max(1, _BLOCK_ENTRIES // n_real)


def _dissimilarity_cache(pool, real, unit):
    """``d_ij / unit`` for every pool row and real row, or None above the memory budget."""
    if len(pool) * len(real) * 8 > _MAX_CACHE_BYTES:
        return None
    cache = np.empty((len(pool), len(real)))
    for start, block in _dissimilarity_blocks(pool, real, unit):
        cache[start : start + len(block)] = block
    return cache


def _dissimilarity_blocks(pool, real, unit, cache=None):
    """Per block of pool rows: ``(start, d / unit)``, from the cache, else computed.

    A computed block is one buffer reused by every block: read it before asking for the next.
    """
    chunk = _block_rows(len(real))
    if cache is not None:
        for start in range(0, len(pool), chunk):
            yield start, cache[start : start + chunk]
        return
    lifted_real = _lifted_real(real, unit)
    buffer = np.empty((min(chunk, len(pool)), len(real)))
    for start in range(0, len(pool), chunk):
        rows = pool[start : start + chunk]
        yield start, _scaled_dissimilarities(rows, lifted_real, out=buffer[: len(rows)])


def _reduced_blocks(pool, real, prices, unit, cache=None):
    """Per block of pool rows: ``(start, d, (u_j - d_ij)_+)``, ``d`` as ``_dissimilarity_blocks``.

    The reduced block is one buffer reused by every block (in place: no temporaries per
    block); read it before asking for the next.
    """
    buffer = np.empty((min(_block_rows(len(real)), len(pool)), len(real)))
    for start, block in _dissimilarity_blocks(pool, real, unit, cache):
        reduced = np.subtract(prices[None, :], block, out=buffer[: len(block)])
        np.maximum(reduced, 0.0, out=reduced)
        yield start, block, reduced


def _dual_excess(pool, real, prices, unit, cache=None):
    """``sum_j (u_j - d_ij)_+`` for every pool row ``i``.

    Summed as ``sum_j u_j - sum_j min(d_ij, u_j)``: one pass over each block instead of a
    subtraction and a clipping (measured on 100,000 x 200 cached pairs: 28 ms a round instead
    of 37 ms; the two differ by rounding, 1e-13 there).
    """
    clipped_sums = np.empty(len(pool))
    buffer = np.empty((min(_block_rows(len(real)), len(pool)), len(real)))
    for start, block in _dissimilarity_blocks(pool, real, unit, cache):
        clipped = np.minimum(block, prices[None, :], out=buffer[: len(block)])
        np.sum(clipped, axis=1, out=clipped_sums[start : start + len(block)])
    return float(prices.sum()) - clipped_sums


def _column_cut(values, rows, columns, n_real, n_neighbors):
    """The entries sorted by (column, value, row), and each column's ``n_neighbors``-th value.

    A column with fewer entries has no cut yet (``inf``).
    """
    order = np.lexsort((rows, values, columns))
    counts = np.bincount(columns, minlength=n_real)
    starts = np.cumsum(counts) - counts
    cut = np.full(n_real, np.inf)
    full = counts >= n_neighbors
    cut[full] = values[order][starts[full] + n_neighbors - 1]
    return order, starts, cut


def _neighbourhoods(pool, real, unit, n_neighbors, cache=None):
    """Each real row's ``n_neighbors`` nearest pool rows, and every pool row's nearest real row.

    One pass over the dissimilarities (``_dissimilarity_blocks``: the cache, else computed by
    blocks, so the values are the pricing's). Each block keeps only the entries at or below
    every column's cut: first the first block's ``n_neighbors``-th smallest value, then that of
    the entries kept so far, taken again whenever they exceed four times the answer. The first
    ``n_neighbors`` of each column by value, then pool index, are the answer. (Measured on
    100,000 x 200 cached pairs: 0.10 s, where :class:`~sklearn.neighbors.NearestNeighbors`
    took 0.13 s for the neighbourhoods and 0.13 s more for the pool rows' nearest real rows.)

    Returns
    -------
    pair_real, pair_pool, dissimilarity : ndarrays of shape (n_real * n_neighbors,)
        Real row ``j``'s neighbours at ``j * n_neighbors`` on, nearest first, with ``d / unit``.
    nearest_real : ndarray of shape (n_pool,)
        Each pool row's nearest real row, ``argmin_j d_ij`` (the first of equal values).
    """
    n_real = len(real)
    nearest_real = np.empty(len(pool), dtype=np.intp)
    cut = np.full(n_real, np.inf)
    kept_values, kept_rows, kept_columns = np.empty(0), np.empty(0, np.intp), np.empty(0, np.intp)
    for start, block in _dissimilarity_blocks(pool, real, unit, cache):
        nearest_real[start : start + len(block)] = block.argmin(axis=1)
        if start == 0 and len(block) >= n_neighbors:  # a first cut without sorting the block
            cut = np.partition(block, n_neighbors - 1, axis=0)[n_neighbors - 1]
        row, column = np.nonzero(block <= cut)
        kept_values = np.concatenate([kept_values, block[row, column]])
        kept_rows = np.concatenate([kept_rows, start + row])
        kept_columns = np.concatenate([kept_columns, column])
        if len(kept_values) > 4 * n_neighbors * n_real:
            _, _, cut = _column_cut(kept_values, kept_rows, kept_columns, n_real, n_neighbors)
            keep = kept_values <= cut[kept_columns]
            kept_values, kept_rows = kept_values[keep], kept_rows[keep]
            kept_columns = kept_columns[keep]
    order, starts, _ = _column_cut(kept_values, kept_rows, kept_columns, n_real, n_neighbors)
    first = order[(starts[:, None] + np.arange(n_neighbors)[None, :]).ravel()]
    return (
        np.repeat(np.arange(n_real), n_neighbors),
        kept_rows[first],
        kept_values[first],
        nearest_real,
    )


def _squared_distances_to(pool, real, nearest_real):
    """``||pool_i - real_{nearest_real[i]}||^2`` from the differences.

    Exactly zero for a pool row that copies a real row, where the matrix product's expanded
    ``||p||^2 - 2 p.r + ||r||^2`` leaves noise that differs between BLAS builds and thread
    counts and would order the rows it ranks.
    """
    return squared_row_norms(pool - real[nearest_real])


def nearest_dissimilarities(pool, real):
    """``min_j ||pool_i - real_j||^2`` for every pool row (see ``_squared_distances_to``)."""
    nearest_real = np.empty(len(pool), dtype=np.intp)
    for start, block in _dissimilarity_blocks(pool, real, 1.0):
        nearest_real[start : start + len(block)] = block.argmin(axis=1)
    return _squared_distances_to(pool, real, nearest_real)


def _largest(values, n):
    """``np.argsort(-values, kind="stable")[:n]`` without sorting all of ``values``.

    Ties at the cut are all kept before the stable sort, so the result is the same.
    """
    if n >= len(values):
        return np.argsort(-values, kind="stable")[:n]
    cut = np.partition(values, len(values) - n)[len(values) - n]
    candidates = np.flatnonzero(values >= cut)
    return candidates[np.argsort(-values[candidates], kind="stable")][:n]


def _lagrangian_bound(prices, excess, penalty):
    """``sum_j u_j - sum_i (e_i - lambda)_+``: DS3's Lagrangian dual at prices ``u``.

    Relaxing ``sum_i z_ij = 1`` with multipliers ``u_j`` (and the implied ``z_ij <= 1``) leaves,
    per pool row, ``min over 0 <= t_i <= 1`` of ``t_i (lambda - e_i)``, so this is a lower bound
    on the exact optimum for every ``u``.
    """
    violation = np.maximum(excess - penalty, 0.0)
    return float(prices.sum()) - float(violation.sum())


def _lagrangian(prices, pair_row, pair_real, pair_dissimilarity, n_rows, penalty):
    """``_lagrangian_bound`` from the (pool row, real row) pairs of a sparse list."""
    reduced = np.maximum(prices[pair_real] - pair_dissimilarity, 0.0)
    excess = np.bincount(pair_row, weights=reduced, minlength=n_rows)
    return float(prices.sum()) - float(np.maximum(excess - penalty, 0.0).sum())


def _smooth_positive_part(x, width):
    """Huber's smoothing of ``max(x, 0)`` (zero below 0, linear above ``width``), derivative."""
    value = np.where(x >= width, x - width / 2, np.where(x > 0, x * x / (2 * width), 0.0))
    return value, np.clip(x / width, 0.0, 1.0)


# Lagrangian ascent: prices may rise by at most _ASCENT_BOX and the hinges are smoothed over
# _ASCENT_WIDTH, both times the mean price; _ASCENT_ITER L-BFGS-B iterations. Measured on two
# classes of about 10,000 pool rows and 200 real rows (d = 20), whose exact optimum column
# generation run to convergence gives: the bound's distance to it falls from 4 and 9 % to 0.13
# and 0.21 % in 0.04 s; twice the box or 80 iterations gained under 0.05 %.
_ASCENT_BOX = 0.05
_ASCENT_WIDTH = 1e-4
_ASCENT_ITER = 60


def _lagrangian_ascent(pool, real, prices, unit, penalty, cache=None):
    """Raise the Lagrangian bound by maximising it from ``prices`` in a box; return the bound.

    In the box ``v <= cap = prices + box`` only the pairs with ``d_ij < cap_j`` of the pool
    rows with ``e_i(cap) > lambda`` enter ``L(v)`` (``e_i`` grows with ``v``), so one pass over
    the pool gathers them and every evaluation of ``L`` after it reads only those pairs, exactly.
    A smoothed ``L`` is maximised with L-BFGS-B within the box; the bound is the exact ``L`` at
    the end point or at ``prices``, whichever is larger (any prices give a valid bound).
    """
    n_real = len(real)
    scale = max(float(np.mean(prices)), np.finfo(float).tiny)
    cap = prices + _ASCENT_BOX * scale
    rows, reals, values = [], [], []
    for start, block, reduced in _reduced_blocks(pool, real, cap, unit, cache):
        active = np.flatnonzero(reduced.sum(axis=1) > penalty)
        row, column = np.nonzero(reduced[active] > 0)
        rows.append(start + active[row])
        reals.append(column)
        values.append(block[active[row], column])
    pair_pool = np.concatenate(rows)
    pair_real = np.concatenate(reals)
    pair_dissimilarity = np.concatenate(values)
    _, pair_row = np.unique(pair_pool, return_inverse=True)
    n_rows = int(pair_row.max()) + 1 if pair_row.size else 0
    start_bound = _lagrangian(prices, pair_row, pair_real, pair_dissimilarity, n_rows, penalty)
    if n_rows == 0:  # no pool row can violate in the box: raise every price to the cap
        return max(start_bound, float(cap.sum()))
    width = _ASCENT_WIDTH * scale

    def negative_smoothed(v):
        reduced, d_reduced = _smooth_positive_part(v[pair_real] - pair_dissimilarity, width)
        excess = np.bincount(pair_row, weights=reduced, minlength=n_rows)
        violation, d_violation = _smooth_positive_part(excess - penalty, width)
        gradient = 1.0 - np.bincount(
            pair_real, weights=d_violation[pair_row] * d_reduced, minlength=n_real
        )
        return violation.sum() - v.sum(), -gradient

    result = minimize(
        negative_smoothed,
        prices,
        jac=True,
        method="L-BFGS-B",
        bounds=Bounds(np.full(n_real, -np.inf), cap),
        options={"maxiter": _ASCENT_ITER},
    )
    end = np.minimum(result.x, cap)  # within the box, where the gathered pairs are exact
    end_bound = _lagrangian(end, pair_row, pair_real, pair_dissimilarity, n_rows, penalty)
    return max(start_bound, end_bound)


def solve_ds3(
    pool,
    real,
    regularization,
    *,
    n_neighbors=None,
    n_rounds=8,
    n_rows_per_round=10,
    solver="CLARABEL",
    solver_options=None,
    tol=1e-4,
):
    """Solve DS3 with pool rows representing real rows; return each pool row's mass.

    **Exact path** (``n_neighbors`` None or at least ``n_pool``): one linear program over every
    (real row, pool row) pair: ``n_real * n_pool`` variables ``z``, ``n_pool`` epigraph
    variables ``t_i >= max_j z_ij``, ``n_real * n_pool`` constraints ``z <= t`` (and as many
    ``z >= 0``) and ``n_real`` equalities. Use it for small problems only.

    **Neighbourhood path** (``n_neighbors = K < n_pool``): real row ``j`` starts with only its
    ``K`` nearest pool rows (by pool index among equal distances), ``n_real * K``
    pairs. Then, for at most ``n_rounds`` rounds, the restricted problem's dual prices the pairs
    left out (column generation): with ``u_j`` the dual of ``sum_i z_ij = 1`` (``sum_j u_j`` is
    the restricted optimum ``P``), the exact problem's dual constraints are
    ``e_i = sum_j (u_j - d_ij)_+ <= lambda`` for every pool row. The ``n_rows_per_round`` pool
    rows with the largest ``e_i > lambda`` are added with every pair of positive
    ``u_j - d_ij`` (the real rows they would serve more cheaply), and the program is solved
    again. Each round prices all ``n_pool * n_real`` pairs (cost below) and adds at most
    ``n_rows_per_round * n_real`` pairs. With ``s = max_i e_i / lambda``, ``u / s`` is
    feasible for the exact dual (``d >= 0``), so ``sum_j u_j / s`` is a lower bound on the
    exact optimum, and so is the Lagrangian value ``L(u) = sum_j u_j - sum_i (e_i - lambda)_+``
    for any ``u`` (relaxing ``sum_i z_ij = 1``; its maximum over ``u`` is the exact optimum).
    The rounds stop once the larger is within ``tol`` of ``P`` (then the neighbourhoods cover
    the exact optimum). Otherwise, after the last round, ``L`` is maximised from the last
    prices, each allowed to rise by at most 5 % of their mean: in that box only the pool rows
    with ``e_i > lambda`` at the box's top corner can violate, so one pass over the pool
    gathers their pairs and 60 L-BFGS-B iterations on a smoothed ``L`` read only those; the
    bound is ``L`` at the end point, computed exactly. Measured on the ten 20-dimensional
    classes of ``benchmarks/bench_solvers.py`` (about 10,000 pool rows and 200 real rows each,
    8 rounds): the gap ``(P - bound) / P`` falls from 2 to 9 % to 0.2 to 0.6 %, for 0.04 s a
    class; on the two classes checked against the exact optimum (column generation run to
    convergence), ``P`` itself is 0.27 and 0.41 % above it, so most of what is left is ``P``'s
    own excess. The pricing reads the ``n_pool x n_real`` dissimilarities from a copy
    computed once when it takes at most 256 MiB (the same values, ``O(n_pool n_real)`` per
    round), else recomputes them in chunks each round (``O(n_pool n_real d)``, bounded memory).

    With ``solver="CLARABEL"`` each restricted program goes to Clarabel directly, as the conic
    program cvxpy would build (cvxpy's compilation took a sixth of the time), without
    iterative refinement unless a solve then fails; any other name solves it through cvxpy.

    The dissimilarities and ``lambda`` are divided by ``lambda_scale / n_real`` (the mean
    dissimilarity to the best single representative) so that the solver sees entries of order
    one; the objective and bound are returned in the original units.

    Parameters
    ----------
    pool : ndarray of shape (n_pool, d)
        Candidate rows.
    real : ndarray of shape (n_real, d)
        The rows to represent.
    regularization : float
        ``lambda / lambda_scale`` (see the module docstring), typically in ``(0, 1]``: larger
        gives fewer representatives.
    n_neighbors : int or None, default=None
        Initial neighbourhood size ``K``; ``None`` or ``K >= n_pool`` solves the exact problem.
    n_rounds : int, default=8
        Most rounds of column generation on the neighbourhood path.
    n_rows_per_round : int, default=10
        Pool rows added per round.
    solver : str, default="CLARABEL"
        ``"CLARABEL"`` (Clarabel called directly) or the name of an installed cvxpy solver.
    solver_options : dict or None
        Clarabel's settings (attributes of ``clarabel.DefaultSettings``, e.g. ``max_iter``)
        for ``"CLARABEL"``, else keyword arguments passed to ``cvxpy.Problem.solve``.
    tol : float, default=1e-4
        Relative gap between the objective and the lower bound that stops the rounds.

    Returns
    -------
    mass : ndarray of shape (n_pool,)
        Representation mass ``sum_j z_ij`` of each pool row (zero for rows in no pair); it sums
        to ``n_real``.
    objective : float
        The optimal value ``lambda * sum_i max_j z_ij + sum_ij d_ij z_ij`` of the last
        (restricted) problem: an upper bound on the exact optimum.
    lower_bound : float
        A lower bound on the exact optimum (``objective`` on the exact path). On the
        neighbourhood path it is computed from the prices alone, not from the solver's value,
        so it holds whatever the solver's accuracy.
    nearest : ndarray of shape (n_pool,)
        Each pool row's squared distance to its nearest real row (found in the program's
        dissimilarities, computed again from the difference: see ``_squared_distances_to``).

    Raises
    ------
    SolverFailedError
        If the solver raises or ends without an optimal status.
    TypeError
        If ``solver_options`` names a setting Clarabel does not have.
    """
    n_pool, n_real = len(pool), len(real)
    lambda_scale = ds3_lambda_scale(pool, real)
    # Identical rows everywhere give a zero scale: then nothing to normalise.
    unit = lambda_scale / n_real if lambda_scale > 0 else 1.0
    penalty = regularization * lambda_scale / unit

    exact = n_neighbors is None or n_neighbors >= n_pool
    lifted_real = _lifted_real(real, unit)
    if exact:
        pair_real = np.repeat(np.arange(n_real), n_pool)
        pair_pool = np.tile(np.arange(n_pool), n_real)
        dissimilarities = _scaled_dissimilarities(pool, lifted_real)
        nearest_real = dissimilarities.argmin(axis=1)
        dissimilarity = dissimilarities.T.ravel()
    else:
        cache = _dissimilarity_cache(pool, real, unit)
        pair_real, pair_pool, dissimilarity, nearest_real = _neighbourhoods(
            pool, real, unit, n_neighbors, cache
        )

    lower_bound = -np.inf
    for n_round in range(n_rounds + 1):
        z, objective, prices = _solve_pairs(
            pair_real, pair_pool, dissimilarity, n_real, penalty, solver, solver_options
        )
        if exact:
            lower_bound = objective
            break
        excess = _dual_excess(pool, real, prices, unit, cache)
        worst = max(float(excess.max()) / penalty, 1.0) if penalty > 0 else np.inf
        # u / worst is dual feasible: its sum bounds the optimum whatever the solver's accuracy.
        lower_bound = max(lower_bound, float(prices.sum()) / worst)
        # The Lagrangian bound, valid for any prices, from the same excesses (no extra pass).
        lower_bound = max(lower_bound, _lagrangian_bound(prices, excess, penalty))
        if objective - lower_bound <= tol * abs(objective):
            break
        priced = _largest(excess, n_rows_per_round)
        priced = priced[excess[priced] > penalty]
        # (pool row, real row) pairs already in the program, compared as integer keys.
        in_model = np.isin(
            priced[:, None] * n_real + np.arange(n_real)[None, :],
            pair_pool * n_real + pair_real,
        )
        reduced = prices[None, :] - _scaled_dissimilarities(pool[priced], lifted_real)
        new_row, new_real = np.nonzero((reduced > 0) & ~in_model)
        if n_round == n_rounds or new_row.size == 0:  # rounds spent, or only noise to price
            if penalty > 0:
                lower_bound = max(
                    lower_bound, _lagrangian_ascent(pool, real, prices, unit, penalty, cache)
                )
            break
        pair_real = np.concatenate([pair_real, new_real])
        pair_pool = np.concatenate([pair_pool, priced[new_row]])
        dissimilarity = np.concatenate(
            [dissimilarity, (prices[new_real] - reduced[new_row, new_real])]
        )
    mass = np.zeros(n_pool)
    np.add.at(mass, pair_pool, z)
    nearest = _squared_distances_to(pool, real, nearest_real)
    return mass, objective * unit, lower_bound * unit, nearest
