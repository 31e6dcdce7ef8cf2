"""Reachable targets: the most even exact match, by a semismooth Newton method in d(d+1)/2 + 1.

When some weights in the relaxation's feasible set match the target exactly (the optimum is 0:
a pool from the real distribution and ``k`` well above ``d(d+1)/2``), the optimal face is huge
and every first-order or interior-point method crawls on it (the gap is certified only through
the absolute tolerance; measured on 10,000-row classes in 20 dimensions: 90 to 570 first-order
iterations, then 15 to 31 interior-point iterations on a 10,000-row band, 1.4 to 5 s per class,
against 0.1 to 0.4 s here). This module asks the question directly: the weights nearest the
uniform ones ``w0 = k / N`` that match exactly,

    minimise  1/2 ||w - w0||^2
    over      A w = svec(C),  sum w = k,  0 <= w <= 1,

with ``A w = svec(sum_i w_i u_i u_i^T) / n``. Its dual has ``p + 1`` variables
(``p = d(d+1)/2``): ``w(lam, tau) = clip(w0 + A' lam + tau, 0, 1)`` with
``(A' lam)_i = u_i^T smat(lam) u_i / n`` (one pass over the pool), and the concave dual
``theta = 1/2 ||w - w0||^2 - lam' (A w - c) - tau (sum w - k)`` has gradient
``(c - A w, k - sum w)``. A Newton step solves with ``[A_F; 1'] [A_F; 1']'`` over the free rows
``F`` (``0 < w_i < 1``): a ``(p + 1) x (p + 1)`` Cholesky factorisation after a symmetric
rank-``|F|`` update of cost ``|F| p^2``, the only term above one pass. The projection is onto
a polytope, so the method is well conditioned (the identity in the primal) and ends in a few
steps; it stops exactly when a full step leaves the free rows unchanged.

If the target is not reachable the dual is unbounded: the residual stops falling, and the
function gives up after a few steps (returns ``None``) so that the general method runs.
"""

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.linalg.blas import dsyrk

from ..utils._dask import gather_limit, is_dask_rows
from ._capped_simplex import project_capped_simplex
from ._chunked import _chunks, quadratic_forms, weighted_scatter
from ._moments import fourth_moment_gram
from ._objective import _upper_triangle, lift_columns_into, smat, svec

# Newton steps before giving up. Measured on 10,000-row classes in 20 dimensions: 6 to 31 steps
# when the target is reachable (a third of the weights end at 0).
_MAX_STEPS = 40
# Give up after this many steps without a new smallest residual (by a factor 0.9)...
_STALL_STEPS = 20
# ...or when fewer than p + 1 rows are free after the first steps: the Newton system is then
# singular, which measured runs show when the target is not reachable.
_FREE_CHECK_FROM = 3
# The Newton matrix is updated with the rows whose status changed (a rank-|changes| update)
# while they are fewer than this fraction of the free rows; else it is rebuilt.
_UPDATE_FRACTION = 0.3


# Rows lifted at once for the Newton matrix: the lifted block (p + 1 rows of this many) stays
# in the cache (3 MB in 50 dimensions). With the row-wise lifting, the matrix of 20,000 rows in
# 50 dimensions takes 0.95 s, against 2.3 s for 4,096-row blocks lifted by fancy indexing.
_GRAM_CHUNK_ROWS = 256
# From this many rows on, and half of p, the Newton matrix is summed as its distinct fourth
# moments (:func:`_fourth_moment_gram`): below, the fixed costs (a loop over the d blocks, the
# gather into the p x p matrix) outweigh the flops saved. Measured at one BLAS thread against
# the rank update: 1.0x at 1,000 rows in 20 dimensions, 1.5x at 20,000; in 50 dimensions 1.1x
# at 640 rows, 1.3x at 1,000, 1.8-2.0x at 5,000 to 20,000; 1.5x at 20,000 rows in 8.
_MOMENTS_FROM_ROWS = 1000


def _lifted_gram(U, rows, normaliser, chunk_rows, *, out=None, sign=1.0):
    """``out + sign * sum_{i in rows} a_i a_i'`` with ``a_i = (svec(u_i u_i^T) / n, 1)``.

    Upper triangle only (what the Cholesky factor reads), Fortran-ordered, accumulated in place
    in ``out`` when given; chunked, never the whole lifted matrix. Many rows are summed as
    distinct fourth moments (:func:`_fourth_moment_gram`), a few by a symmetric rank update of
    their lifted columns.
    """
    d = U.shape[1]
    p = d * (d + 1) // 2
    if out is None:
        out = np.zeros((p + 1, p + 1), order="F")
    if is_dask_rows(U):
        out += sign * np.triu(_dask_lifted_gram(U, rows, normaliser, chunk_rows))
        return out
    if rows.size >= max(_MOMENTS_FROM_ROWS, p // 2):
        return _fourth_moment_gram(U, rows, normaliser, chunk_rows, out, sign)
    step = _GRAM_CHUNK_ROWS if chunk_rows is None else min(int(chunk_rows), _GRAM_CHUNK_ROWS)
    for start, stop in _chunks(rows.size, step):
        lifted = np.empty((p + 1, stop - start))
        columns = np.ascontiguousarray(U[rows[start:stop]].T, dtype=np.float64)
        lift_columns_into(columns, lifted, 1.0 / normaliser)
        lifted[p] = 1.0
        # lifted.T is Fortran-ordered: BLAS reads it without a copy. Half the flops of a product.
        out = dsyrk(sign, lifted.T, beta=1.0, c=out, trans=1, overwrite_c=True)
    return out


def _fourth_moment_gram(U, rows, normaliser, chunk_rows, out, sign):
    """:func:`_lifted_gram` through the distinct fourth moments (:mod:`._moments`): a third of
    the flops in many dimensions (``2 C(d + 3, 4)`` a row against ``p^2``)."""
    d = U.shape[1]
    pair_rows, pair_cols, scale = _upper_triangle(d)
    p = pair_rows.size
    gram = fourth_moment_gram(U, rows, chunk_rows=chunk_rows)
    gram *= sign / normaliser**2
    # The upper triangle alone, as the rank update leaves it: gram is symmetric, so its lower
    # triangle transposed is the upper one, a Fortran-ordered view that adds without strides.
    out[:p, :p] += np.tril(gram).T
    indicator = np.zeros(U.shape[0])
    indicator[rows] = 1.0
    second = weighted_scatter(U, indicator, chunk_rows=chunk_rows)
    out[:p, p] += sign * second[pair_rows, pair_cols] * scale / normaliser
    out[p, p] += sign * rows.size
    return out


def _block_lifted_gram(block, selected, normaliser, chunk_rows):
    gram = _lifted_gram(block, np.flatnonzero(selected), normaliser, chunk_rows)
    return np.triu(gram) + np.triu(gram, 1).T


def _dask_lifted_gram(U, rows, normaliser, chunk_rows):
    """The lifted Gram matrix of Dask rows (symmetric): few rows are gathered, else one pass,
    summed in block order."""
    if rows.size <= gather_limit(U) // 4:
        return _block_lifted_gram(U[rows], np.ones(rows.size, dtype=bool), normaliser, chunk_rows)
    selected = np.zeros(len(U), dtype=bool)
    selected[rows] = True
    blocks = np.unique(U.block_of_rows(rows))
    parts = U.blockwise(
        _block_lifted_gram, selected, blocks=blocks, normaliser=normaliser, chunk_rows=chunk_rows
    )
    gram = parts[0].copy()
    for part in parts[1:]:
        gram += part
    return gram


def _block_trial(block, base, lam_matrix, tau, normaliser, chunk_rows):
    """One block's weights at a dual point and their scatter (run on a worker)."""
    forms = quadratic_forms(block, lam_matrix, chunk_rows=chunk_rows) / normaliser
    weights = np.clip(base + forms + tau, 0.0, 1.0)
    return weights, weighted_scatter(block, weights, chunk_rows=chunk_rows)


def _trial(U, base, dual, target_vector, d, normaliser, k, chunk_rows):
    """The weights at a dual point and their residuals: one pass over Dask rows, two else."""
    if not is_dask_rows(U):
        weights = _weights(U, base, dual, d, normaliser, chunk_rows)
        return (weights, *_residual(U, target_vector, weights, normaliser, k, chunk_rows))
    parts = U.blockwise(
        _block_trial,
        base,
        lam_matrix=smat(dual[:-1], d),
        tau=dual[-1],
        normaliser=normaliser,
        chunk_rows=chunk_rows,
    )
    weights = np.concatenate([part[0] for part in parts])
    scatter = np.zeros((d, d))
    for _, part in parts:  # in block order
        scatter += part
    moment = svec((scatter + scatter.T) / 2) / normaliser
    return weights, moment - target_vector, float(weights.sum()) - k


def _weights(U, base, dual, d, normaliser, chunk_rows):
    lam, tau = dual[:-1], dual[-1]
    forms = quadratic_forms(U, smat(lam, d), chunk_rows=chunk_rows) / normaliser
    unclipped = base + forms + tau
    return np.clip(unclipped, 0.0, 1.0)


def _dual_value(weights, base, dual, residual, total_excess):
    difference = weights - base
    return (
        0.5 * float(difference @ difference)
        - float(dual[:-1] @ residual)
        - dual[-1] * (total_excess)
    )


def _residual(U, target_vector, weights, normaliser, k, chunk_rows):
    moment = svec(weighted_scatter(U, weights, chunk_rows=chunk_rows)) / normaliser
    return moment - target_vector, float(weights.sum()) - k


def project_reachable(U, target, k, *, normaliser=None, tol=1e-13, chunk_rows=None):
    """The weights nearest ``k / N`` whose weighted second moment equals ``target``, or ``None``.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    k : float
        Sum of the weights, ``0 < k < n_rows``.
    normaliser : float or None
        ``n``, dividing the weighted scatter; ``None`` means ``k``.
    tol : float, default=1e-13
        Stop once ``||sum_i w_i u_i u_i^T / n - target||_F <= tol * ||target||_F`` and the sum is
        ``k`` to the same relative accuracy.
    chunk_rows : int or None
        Rows per chunk of the passes over the pool.

    Returns
    -------
    weights : ndarray of shape (n_rows,) or None
        In ``[0, 1]``, summing to ``k``, matching the target to ``tol``; ``None`` when the
        steps show the target is not reachable (or not within ``_MAX_STEPS`` steps).
    n_steps : int
        Newton steps made.
    """
    n_rows, d = U.shape
    normaliser = float(k if normaliser is None else normaliser)
    target_vector = svec(target)
    scale = max(float(np.linalg.norm(target_vector)), np.finfo(float).tiny)
    base = np.full(n_rows, k / n_rows)
    dual = np.zeros(target_vector.size + 1)
    weights = base.copy()
    residual, excess = _residual(U, target_vector, weights, normaliser, k, chunk_rows)
    value = _dual_value(weights, base, dual, residual, excess)
    norm = np.hypot(np.linalg.norm(residual) / scale, excess / max(k, 1.0))
    p = target_vector.size
    best, since_best = norm, 0
    gram, gram_free = None, None
    for step_count in range(1, _MAX_STEPS + 1):
        free = (weights > 0.0) & (weights < 1.0)
        if free.sum() <= p and step_count >= _FREE_CHECK_FROM:
            return None, step_count
        if not free.any():
            return None, step_count
        changed = None if gram is None else np.flatnonzero(free != gram_free)
        if changed is None or changed.size > _UPDATE_FRACTION * free.sum():
            gram = _lifted_gram(U, np.flatnonzero(free), normaliser, chunk_rows)
        elif changed.size:
            entering, leaving = changed[free[changed]], changed[~free[changed]]
            gram = _lifted_gram(U, entering, normaliser, chunk_rows, out=gram)
            gram = _lifted_gram(U, leaving, normaliser, chunk_rows, out=gram, sign=-1.0)
        gram_free = free
        system = gram.copy(order="F")
        system.flat[:: system.shape[0] + 1] += 1e-14 * max(float(np.trace(system)), 1.0)
        gradient = -np.append(residual, excess)
        try:
            # Upper triangle: all that gram holds.
            factor = cho_factor(system, lower=False, overwrite_a=True, check_finite=False)
            direction = cho_solve(factor, gradient, check_finite=False)
        except np.linalg.LinAlgError:
            return None, step_count
        slope = float(gradient @ direction)
        step = 1.0
        for _ in range(30):
            trial_dual = dual + step * direction
            trial, trial_residual, trial_excess = _trial(
                U, base, trial_dual, target_vector, d, normaliser, k, chunk_rows
            )
            trial_value = _dual_value(trial, base, trial_dual, trial_residual, trial_excess)
            # Armijo on the concave dual, with room for rounding once the increase is tiny.
            if trial_value >= value + 1e-4 * step * slope - 1e-15 * abs(value):
                break
            step /= 2
        else:
            return None, step_count
        trial_free = (trial > 0.0) & (trial < 1.0)
        same_piece = step == 1.0 and np.array_equal(trial_free, free)
        dual, weights, residual, excess, value = (
            trial_dual,
            trial,
            trial_residual,
            trial_excess,
            trial_value,
        )
        new_norm = np.hypot(np.linalg.norm(residual) / scale, excess / max(k, 1.0))
        if (np.linalg.norm(residual) <= tol * scale and abs(excess) <= tol * max(k, 1.0)) or (
            same_piece and new_norm <= 1e3 * tol * scale  # exact on this piece, up to rounding
        ):
            projected, _ = project_capped_simplex(weights, k)  # the sum exactly k
            return projected, step_count
        if new_norm < 0.9 * best:
            best, since_best = new_norm, 0
        else:
            since_best += 1
            if since_best >= _STALL_STEPS:
                return None, step_count
    return None, _MAX_STEPS
