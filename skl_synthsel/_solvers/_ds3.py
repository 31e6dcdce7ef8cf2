"""Dissimilarity-based sparse subset selection (DS3, Elhamifar et al.) as a cvxpy linear program.

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

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from sklearn.neighbors import NearestNeighbors

from ._cvxpy import SolverFailedError, solve_cvxpy_problem


def ds3_lambda_scale(pool, real):
    """``min_i sum_j ||pool_i - real_j||^2``: the cost of the best single representative.

    Computed through the real mean, without any pairwise matrix.
    """
    centre = real.mean(axis=0)
    spread = float(np.sum((real - centre) ** 2))
    to_centre = np.einsum("ij,ij->i", pool - centre, pool - centre)
    return len(real) * float(to_centre.min()) + spread


def squared_distances(A, B):
    """``||a_i - b_j||^2`` for every row of ``A`` and ``B``, clipped at zero."""
    squared = (
        np.einsum("ij,ij->i", A, A)[:, None] - 2 * A @ B.T + np.einsum("ij,ij->i", B, B)[None, :]
    )
    return np.maximum(squared, 0.0)


def _solve_pairs(pair_real, pair_pool, dissimilarity, n_real, penalty, solver, solver_options):
    """DS3 restricted to the given (real row, pool row) pairs.

    Returns the pairs' ``z``, the optimal value and the dual prices ``u`` of the real rows.
    """
    used_rows, pair_row = np.unique(pair_pool, return_inverse=True)
    n_pairs = len(pair_pool)
    pairs = np.arange(n_pairs)
    to_row_max = sp.csr_matrix(
        (np.ones(n_pairs), (pairs, pair_row)), shape=(n_pairs, len(used_rows))
    )
    column_sums = sp.csr_matrix((np.ones(n_pairs), (pair_real, pairs)), shape=(n_real, n_pairs))
    z = cp.Variable(n_pairs, nonneg=True)
    row_max = cp.Variable(len(used_rows))  # epigraph of max_j z_ij
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


def _dissimilarity_cache(pool, real, unit):
    """``d_ij / unit`` for every pool row and real row, or None above the memory budget."""
    if len(pool) * len(real) * 8 > _MAX_CACHE_BYTES:
        return None
    chunk = max(1, 2**20 // len(real))
    cache = np.empty((len(pool), len(real)))
    for start in range(0, len(pool), chunk):
        cache[start : start + chunk] = squared_distances(pool[start : start + chunk], real) / unit
    return cache


def _dual_excess(pool, real, prices, unit, cache=None):
    """``sum_j (u_j - d_ij)_+`` for every pool row ``i``: from the cache, else in chunks."""
    chunk = max(1, 2**20 // len(real))
    if cache is not None:
        return np.concatenate(
            [
                np.sum(np.maximum(prices[None, :] - cache[start : start + chunk], 0.0), axis=1)
                for start in range(0, len(pool), chunk)
            ]
        )
    return np.concatenate(
        [
            np.sum(
                np.maximum(
                    prices[None, :] - squared_distances(pool[start : start + chunk], real) / unit,
                    0.0,
                ),
                axis=1,
            )
            for start in range(0, len(pool), chunk)
        ]
    )


def _lagrangian_bound(prices, excess, penalty):
    """``sum_j u_j - sum_i (e_i - lambda)_+``: DS3's Lagrangian dual at prices ``u``.

    Relaxing ``sum_i z_ij = 1`` with multipliers ``u_j`` (and the implied ``z_ij <= 1``) leaves,
    per pool row, ``min over 0 <= t_i <= 1`` of ``t_i (lambda - e_i)``, so this is a lower bound
    on the exact optimum for every ``u``.
    """
    violation = np.maximum(excess - penalty, 0.0)
    return float(prices.sum()) - float(violation.sum())


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
    ``K`` nearest pool rows (:class:`~sklearn.neighbors.NearestNeighbors`), ``n_real * K``
    pairs. Then, for at most ``n_rounds`` rounds, the restricted problem's dual prices the pairs
    left out (column generation): with ``u_j`` the dual of ``sum_i z_ij = 1`` (``sum_j u_j`` is
    the restricted optimum ``P``), the exact problem's dual constraints are
    ``e_i = sum_j (u_j - d_ij)_+ <= lambda`` for every pool row. The ``n_rows_per_round`` pool
    rows with the largest ``e_i > lambda`` are added with every pair of positive
    ``u_j - d_ij`` (the real rows they would serve more cheaply), and the program is solved
    again. Each round prices all ``n_pool * n_real`` pairs (cost below) and adds at most
    ``n_rows_per_round * n_real`` pairs. With ``s = max_i e_i / lambda``, ``u / s`` is
    feasible for the exact dual (``d >= 0``), so ``P / s`` is a lower bound on the exact
    optimum, and so is the Lagrangian value ``sum_j u_j - sum_i (e_i - lambda)_+`` (tighter
    when few pool rows violate by little; measured on a 20-dimensional class of 100,000 pool
    rows and 204 real rows, neither closes the gap: 21 % after 8 rounds); the rounds stop once
    the larger is within ``tol`` of ``P`` (then the neighbourhoods cover the exact optimum).
    The pricing reads the ``n_pool x n_real`` dissimilarities from a copy computed once when it
    takes at most 256 MiB (the same values, ``O(n_pool n_real)`` per round), else recomputes
    them in chunks each round (``O(n_pool n_real d)``, bounded memory).

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
        Name of an installed cvxpy solver.
    solver_options : dict or None
        Keyword arguments passed to ``cvxpy.Problem.solve``.
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
        A lower bound on the exact optimum (``objective`` on the exact path).

    Raises
    ------
    SolverFailedError
        If the solver raises or ends without an optimal status.
    """
    n_pool, n_real = len(pool), len(real)
    lambda_scale = ds3_lambda_scale(pool, real)
    # Identical rows everywhere give a zero scale: then nothing to normalise.
    unit = lambda_scale / n_real if lambda_scale > 0 else 1.0
    penalty = regularization * lambda_scale / unit

    exact = n_neighbors is None or n_neighbors >= n_pool
    if exact:
        pair_real = np.repeat(np.arange(n_real), n_pool)
        pair_pool = np.tile(np.arange(n_pool), n_real)
        dissimilarity = squared_distances(real, pool).ravel() / unit
    else:
        distance, neighbours = NearestNeighbors(n_neighbors=n_neighbors).fit(pool).kneighbors(real)
        pair_real = np.repeat(np.arange(n_real), n_neighbors)
        pair_pool = neighbours.ravel()
        dissimilarity = distance.ravel() ** 2 / unit
        cache = _dissimilarity_cache(pool, real, unit)

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
        lower_bound = max(lower_bound, objective / worst)
        # The Lagrangian bound, valid for any prices, from the same excesses (no extra pass).
        lower_bound = max(lower_bound, _lagrangian_bound(prices, excess, penalty))
        if objective - lower_bound <= tol * abs(objective) or n_round == n_rounds:
            break
        priced = np.argsort(-excess, kind="stable")[:n_rows_per_round]
        priced = priced[excess[priced] > penalty]
        in_model = np.zeros((len(priced), n_real), dtype=bool)
        for position, row in enumerate(priced):
            in_model[position, pair_real[pair_pool == row]] = True
        reduced = prices[None, :] - squared_distances(pool[priced], real) / unit
        new_row, new_real = np.nonzero((reduced > 0) & ~in_model)
        if new_row.size == 0:  # only solver noise left to price
            break
        pair_real = np.concatenate([pair_real, new_real])
        pair_pool = np.concatenate([pair_pool, priced[new_row]])
        dissimilarity = np.concatenate(
            [dissimilarity, (prices[new_real] - reduced[new_row, new_real])]
        )
    mass = np.zeros(n_pool)
    np.add.at(mass, pair_pool, z)
    return mass, objective * unit, lower_bound * unit
