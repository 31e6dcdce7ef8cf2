"""An interior-point solver for relaxed covariance matching that exploits rank <= d(d+1)/2.

On ``m`` rows the squared objective is the quadratic ``x^T G x - 2 q^T x + ||C||^2`` with

    G_ij = (u_i . u_j)^2 / n^2    (the Gram matrix of the lifted rows svec(u_i u_i^T) / n),
    q_i  = u_i^T C u_i / n,

and ``G = B^T B`` for the ``p x m`` lifted matrix ``B`` (``p = d(d+1)/2``). Each Newton step
of a primal-dual method solves with ``G + D`` (``D`` diagonal, from the bounds); the solver
picks the cheaper of two exact ways: a Cholesky factor of the ``m x m`` matrix ``G + D``
(``m^3 / 3`` flops) or, through the Woodbury identity, of the ``p x p`` matrix
``I + B D^-1 B^T`` (``m p^2`` flops; on many rows in many dimensions, a third of that as
distinct fourth moments, with ``B``'s products computed from the rows instead of held).
Neither builds an ``n x n`` nor a ``d^2 x d^2`` object beyond these.

The solver is exact to the interior-point tolerance; it is meant for the working set of the
large-pool solver and for whole pools of a few thousand rows.
"""

from dataclasses import dataclass

import numpy as np
from scipy.linalg import lstsq
from scipy.linalg.blas import dsyrk
from scipy.linalg.lapack import dpotrf, dpotrs

from ..utils._threads import single_blas_thread_when
from ._capped_simplex import project_capped_simplex
from ._chunked import quadratic_forms, weighted_scatter
from ._moments import fourth_moment_gram
from ._objective import smat, svec, svec_columns

# Fraction of the way to the boundary that a step may go.
_STEP_TO_BOUNDARY = 0.995
# Distance to a bound under which the polish treats a weight as at the bound.
_ACTIVE = 1e-6
# Tolerance on the residuals of the scaled problem (its coefficients are at most 1).
_RESIDUAL_TOL = 1e-9
# How far above tol a run that rounding stopped may end and still count as converged.
_ROUNDING_SLACK = 1e3
# An iteration of at most this many flops runs on one BLAS thread (utils._threads).
_SINGLE_THREAD_FLOPS = 1e8
# From this many rows on, in at least this many lifted dimensions (d >= 28), the Woodbury
# system computes its products from the rows (:class:`_MomentSystem`). Measured at one BLAS
# thread, an iteration's factorisation and solves against the held lifted matrix: 0.94x at
# 1,000 rows in 30 dimensions, 1.14x at 2,000, 1.3x at 5,000 to 10,000; 1.3-1.5x in 40; 1.6x
# in 50; in 20 dimensions (p = 210) 0.7x at 1,000-2,000 rows and 1.0x at 5,000 to 10,000.
_MOMENTS_FROM_ROWS = 2000
_MOMENTS_FROM_PAIRS = 400


class _GramSystem:
    """Solves with ``G + D`` through the ``m x m`` Gram matrix."""

    def __init__(self, U, scale):
        inner = U @ U.T
        # Fortran order, as LAPACK reads it: each iteration's copy is then a plain one.
        self.gram = np.asfortranarray(inner * inner * scale)

    def matvec(self, x):
        return self.gram @ x

    def factor(self, diagonal):
        system = self.gram.copy(order="F")
        system.flat[:: system.shape[0] + 1] += diagonal
        self._factor = _cholesky_in_place(system, lower=True)

    def solve(self, rhs):
        return _cholesky_solve(self._factor, rhs, lower=True)


class _LowRankSystem:
    """Solves with ``B^T B + D`` through the ``p x p`` matrix ``I + B D^-1 B^T`` (Woodbury).

    ``B`` is the ``p x m`` lifted matrix, held; :class:`_MomentSystem` computes its products
    from the rows instead.
    """

    def __init__(self, U, scale):
        self.lifted = svec_columns(U) * np.sqrt(scale)

    def _lift(self, columns):
        """``B @ columns`` for ``(m, c)`` columns."""
        return self.lifted @ columns

    def _lift_transpose(self, columns):
        """``B^T @ columns`` for ``(p, c)`` columns."""
        return self.lifted.T @ columns

    def matvec(self, x):
        return self.lifted.T @ (self.lifted @ x)

    def _capacitance(self, inverse_diagonal):
        """``B D^-1 B^T`` (upper triangle at least), Fortran-ordered."""
        scaled = self.lifted * np.sqrt(inverse_diagonal)
        # A symmetric rank-m update: half the flops of the general product. Upper triangle;
        # the transposed view is Fortran-ordered, so BLAS reads it without a copy.
        return dsyrk(1.0, scaled.T, trans=1)

    def factor(self, diagonal):
        self._inverse_diagonal = 1.0 / diagonal
        capacitance = self._capacitance(self._inverse_diagonal)
        capacitance.flat[:: capacitance.shape[0] + 1] += 1.0
        self._diagonal = diagonal
        self._factor = _cholesky_in_place(capacitance, lower=False)

    def _apply_inverse(self, rhs):
        scaled = rhs * self._inverse_diagonal[:, None]
        correction = _cholesky_solve(self._factor, self._lift(scaled), lower=False)
        return scaled - self._lift_transpose(correction) * self._inverse_diagonal[:, None]

    def solve(self, rhs):
        solution = self._apply_inverse(rhs)
        # One step of iterative refinement: the Woodbury identity loses accuracy when D spans
        # many orders of magnitude, as it does near the end of an interior-point run.
        residual = (
            rhs - self._lift_transpose(self._lift(solution)) - solution * self._diagonal[:, None]
        )
        return solution + self._apply_inverse(residual)


class _MomentSystem(_LowRankSystem):
    """:class:`_LowRankSystem` without the lifted matrix: its products are passes over the rows.

    ``B y = sqrt(c) svec(sum_i y_i u_i u_i^T)`` and ``B^T z = sqrt(c) (u_i^T smat(z) u_i)_i``
    (``c`` the scale), and ``B D^-1 B^T`` is summed as distinct fourth moments
    (:mod:`._moments`). On many rows in many dimensions the held ``p x m`` matrix no longer
    stays in the cache, and these are faster (:data:`_MOMENTS_FROM_ROWS`).
    """

    def __init__(self, U, scale):
        self.rows = np.ascontiguousarray(U, dtype=np.float64)
        self.scale = scale

    def _lift(self, columns):
        root = np.sqrt(self.scale)
        return np.column_stack(
            [root * svec(weighted_scatter(self.rows, column)) for column in columns.T]
        )

    def _lift_transpose(self, columns):
        root, d = np.sqrt(self.scale), self.rows.shape[1]
        return np.column_stack(
            [root * quadratic_forms(self.rows, smat(column, d)) for column in columns.T]
        )

    def matvec(self, x):
        return self.scale * quadratic_forms(self.rows, weighted_scatter(self.rows, x))

    def _capacitance(self, inverse_diagonal):
        # Symmetric and C-ordered: its transpose is the Fortran-ordered view LAPACK reads.
        return fourth_moment_gram(self.rows, weights=self.scale * inverse_diagonal).T


def iteration_flops(m, d):
    """Flops of one iteration on ``m`` rows in ``d`` dimensions: the cheaper factorisation."""
    p = d * (d + 1) // 2
    return min(m**3 / 3, m * p * p + p**3 / 3)


def _choose_system(U, scale):
    m, d = U.shape
    if m**3 / 3 <= iteration_flops(m, d):
        return _GramSystem(U, scale)
    if m >= _MOMENTS_FROM_ROWS and d * (d + 1) // 2 >= _MOMENTS_FROM_PAIRS:
        return _MomentSystem(U, scale)
    return _LowRankSystem(U, scale)


def _cholesky_in_place(matrix, lower):
    """LAPACK's Cholesky factor of a Fortran-ordered symmetric positive definite ``matrix``.

    What :func:`scipy.linalg.cho_factor` does without its checks: on the few-hundred-row
    systems of a many-class pool those cost a fifth of an iteration.
    """
    factor, info = dpotrf(matrix, lower=lower, clean=0, overwrite_a=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"The {info}-th leading minor is not positive definite.")
    return factor


def _cholesky_solve(factor, rhs, lower):
    solution, info = dpotrs(factor, rhs, lower=lower)
    if info != 0:
        raise ValueError(f"LAPACK dpotrs: illegal value in argument {-info}.")
    return solution


def _max_step(values, steps):
    """Largest ``a <= 1`` with ``values + a * steps >= 0``, for pairs stacked in the arrays."""
    shrinking = steps < 0
    if not shrinking.any():
        return 1.0
    return min(1.0, float((values[shrinking] / -steps[shrinking]).min()))


def _max_step_all(x, slack, lower_dual, upper_dual, step, step_lower, step_upper):
    """The largest step ``<= 1`` keeping ``x``, ``1 - x`` and both duals non-negative."""
    return _max_step(
        np.concatenate([x, slack, lower_dual, upper_dual]),
        np.concatenate([step, -step, step_lower, step_upper]),
    )


def _newton_direction(system, x, lower_dual, upper_dual, residuals, lower_target, upper_target):
    """The Newton step towards ``x * lower_dual = lower_target``, ``(1 - x) * upper_dual =
    upper_target`` and zero residuals; ``system`` holds the factor of ``G + D``."""
    dual_residual, primal_residual = residuals
    slack = 1.0 - x
    rhs = -dual_residual + (lower_target / x - lower_dual) - (upper_target / slack - upper_dual)
    # (G + D) step - multiplier_step * 1 = rhs and sum(step) = -primal_residual.
    solved = system.solve(np.column_stack([rhs, np.ones_like(x)]))
    step_multiplier = (-primal_residual - solved[:, 0].sum()) / solved[:, 1].sum()
    step = solved[:, 0] + step_multiplier * solved[:, 1]
    step_lower = (lower_target - x * lower_dual - lower_dual * step) / x
    step_upper = (upper_target - slack * upper_dual + upper_dual * step) / slack
    return step, step_multiplier, step_lower, step_upper


@dataclass(frozen=True)
class InteriorPointResult:
    """What :func:`solve_relaxed_interior_point` returns.

    Attributes
    ----------
    weights : ndarray of shape (m,)
        Feasible weights: in ``[0, 1]`` and summing to ``k`` (up to rounding).
    n_iter : int
        Interior-point iterations.
    converged : bool
        Whether the residuals met their tolerance and the mean complementarity reached ``tol``
        (within a factor 1000 when rounding stopped the run first).
    """

    weights: np.ndarray
    n_iter: int
    converged: bool


def _is_small(U):
    """Whether an iteration on ``U`` is small (under 1e8 flops): one BLAS thread then."""
    return iteration_flops(*U.shape) <= _SINGLE_THREAD_FLOPS


@single_blas_thread_when(_is_small)
def solve_relaxed_interior_point(U, target, k, *, normaliser=None, tol=1e-15, max_iter=100):
    """Minimise ``||sum_i w_i u_i u_i^T / n - target||_F`` over ``0 <= w <= 1``, ``sum w = k``.

    A Mehrotra predictor-corrector method on the equivalent quadratic program; each iteration
    costs ``min(m^3 / 3, m p^2)`` flops for ``m`` rows and ``p = d(d+1)/2``.

    Parameters
    ----------
    U : ndarray of shape (m, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target (for a working set: the target minus the scatter of the rows fixed at one,
        over ``n``).
    k : float
        Sum of the weights, ``0 <= k <= m``.
    normaliser : float or None
        ``n``, dividing the weighted scatter; ``None`` means ``k``.
    tol : float, default=1e-15
        Tolerance on the mean complementarity of the problem scaled to unit coefficients. The
        squared objective is then accurate to about ``tol`` and the gap itself to about
        ``sqrt(tol)`` of the target's scale; the polish on the identified active set usually
        does much better. The run also stops when rounding stalls progress.
    max_iter : int, default=100
        Iteration limit.

    Returns
    -------
    result : InteriorPointResult
    """
    m = U.shape[0]
    normaliser = float(k if normaliser is None else normaliser)
    if k <= 0 or k >= m:
        return InteriorPointResult(np.full(m, 1.0 if k >= m else 0.0), 0, True)
    linear = quadratic_forms(U, target) / normaliser
    squared_norms = np.einsum("ij,ij->i", U, U)
    # Divide the problem by its largest coefficient: the iterates then live on a unit scale.
    scale = max(
        float(np.max(squared_norms**2)) / normaliser**2,
        float(np.max(np.abs(linear))),
        np.finfo(float).tiny,
    )
    linear /= scale
    system = _choose_system(U, 1.0 / (normaliser**2 * scale))

    x = np.full(m, k / m)
    reduced = system.matvec(x) - linear
    multiplier = float(np.median(reduced))
    spread = float(np.mean(np.abs(reduced - multiplier))) + 1e-2
    lower_dual = np.maximum(reduced - multiplier, 0.0) + spread
    upper_dual = np.maximum(multiplier - reduced, 0.0) + spread
    converged, n_iter, best_mu, stagnant = False, 0, np.inf, 0
    while n_iter < max_iter:
        n_iter += 1
        slack = 1.0 - x
        dual_residual = system.matvec(x) - linear - multiplier - lower_dual + upper_dual
        primal_residual = float(x.sum() - k)
        mu = (x @ lower_dual + slack @ upper_dual) / (2 * m)
        feasible = np.max(np.abs(dual_residual)) <= _RESIDUAL_TOL and abs(
            primal_residual
        ) <= _RESIDUAL_TOL * max(k, 1.0)
        # Rounding may stop the run a little short of tol (stagnation, a step onto a bound).
        converged = bool(feasible and mu <= _ROUNDING_SLACK * tol)
        if feasible and mu <= tol:
            break
        # Rounding can stop progress short of tol on nearly degenerate problems: stop then.
        stagnant = stagnant + 1 if mu > 0.9 * best_mu else 0
        best_mu = min(best_mu, mu)
        if stagnant >= 5:
            break
        barrier = lower_dual / x + upper_dual / slack
        try:
            system.factor(barrier + 1e-14)
        except np.linalg.LinAlgError:
            break  # A numerically singular system: keep the last iterate.

        residuals = (dual_residual, primal_residual)
        # Predictor: the affine-scaling direction.
        step, _, step_lower, step_upper = _newton_direction(
            system, x, lower_dual, upper_dual, residuals, 0.0, 0.0
        )
        alpha = _max_step_all(x, slack, lower_dual, upper_dual, step, step_lower, step_upper)
        mu_affine = (
            (x + alpha * step) @ (lower_dual + alpha * step_lower)
            + (slack - alpha * step) @ (upper_dual + alpha * step_upper)
        ) / (2 * m)
        centring = (mu_affine / mu) ** 3
        # Corrector: centre, and cancel the second-order term of the predictor.
        step, step_multiplier, step_lower, step_upper = _newton_direction(
            system,
            x,
            lower_dual,
            upper_dual,
            residuals,
            centring * mu - step * step_lower,
            centring * mu + step * step_upper,
        )
        alpha = _STEP_TO_BOUNDARY * min(
            1.0 / _STEP_TO_BOUNDARY,
            _max_step_all(x, slack, lower_dual, upper_dual, step, step_lower, step_upper),
        )
        new_x = x + alpha * step
        if not (np.all(np.isfinite(new_x)) and new_x.min() > 0 and new_x.max() < 1):
            break  # The step reached the bounds in floating point: keep the last iterate.
        x = new_x
        multiplier += alpha * step_multiplier
        lower_dual = lower_dual + alpha * step_lower
        upper_dual = upper_dual + alpha * step_upper
    weights, _ = project_capped_simplex(np.clip(x, 0.0, 1.0), k)
    polished = _polish(U, target, k, normaliser, x, lower_dual, upper_dual)
    if polished is not None and (
        _squared_gap(U, target, polished, normaliser)
        <= _squared_gap(U, target, weights, normaliser)
    ):
        weights = polished
    return InteriorPointResult(weights, n_iter, converged)


def _squared_gap(U, target, weights, normaliser):
    residual = (U * weights[:, None]).T @ U / normaliser - target
    return float(np.sum(residual * residual))


def _polish(U, target, k, normaliser, x, lower_dual, upper_dual):
    """Solve exactly on the active set the interior point identified; ``None`` if infeasible.

    An interior point reaches the squared objective to its tolerance, hence the gap itself
    only to about its square root: a reachable target ends near 1e-6 instead of 0. Rows whose
    bound is active (the weight below its dual) are fixed; the others solve the equality-
    constrained least squares ``G x = q - t 1``, ``sum x = k - ones``, in closed form.
    """
    # Active: the weight below its dual, or within 1e-6 of the bound (a degenerate optimum,
    # e.g. a reachable target, has every dual near 0).
    at_one = ((1.0 - x) < upper_dual) | ((1.0 - x) < _ACTIVE)
    at_zero = ((x < lower_dual) | (x < _ACTIVE)) & ~at_one
    free = np.flatnonzero(~(at_one | at_zero))
    remaining = k - int(at_one.sum())
    p = U.shape[1] * (U.shape[1] + 1) // 2
    # An optimum with at most p + 1 free rows exists; many more make the solve costly and its
    # answer (minimum norm on a large face) unlikely to be feasible.
    if (
        not 0 <= remaining <= free.size
        or free.size > 2 * (p + 1)
        or (free.size == 0 and remaining > 1e-9)
    ):
        return None
    polished = at_one.astype(float)
    if free.size:
        rows = U[free]
        # The target left for the free rows once the rows at one are counted.
        reduced = target - U[at_one].T @ U[at_one] / normaliser
        inner = rows @ rows.T
        system = np.zeros((free.size + 1, free.size + 1))
        system[:-1, :-1] = inner * inner / normaliser**2
        system[:-1, -1] = system[-1, :-1] = 1.0
        rhs = np.append(np.einsum("ij,jk,ik->i", rows, reduced, rows) / normaliser, remaining)
        solution = lstsq(system, rhs, lapack_driver="gelsy", check_finite=False)[0][:-1]
        if solution.min() < -1e-9 or solution.max() > 1 + 1e-9:
            return None
        polished[free] = solution
    projected, _ = project_capped_simplex(np.clip(polished, 0.0, 1.0), k)
    return projected
