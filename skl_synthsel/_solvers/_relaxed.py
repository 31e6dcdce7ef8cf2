"""The relaxed covariance-matching problem solved with cvxpy over the whole pool."""

import cvxpy as cp
import numpy as np

from ._objective import svec, svec_columns


class SolverFailedError(RuntimeError):
    """Raised when a solver returns no usable solution."""


def solve_relaxed_cvxpy(U, target, k, *, solver="CLARABEL", solver_options=None):
    """Minimise ``||sum_i w_i u_i u_i^T / k - target||_F`` over ``w in [0, 1]^n``, ``sum w = k``.

    The problem is stated through the linear map ``A w`` with ``d(d+1)/2`` rows, never an ``n x n``
    matrix nor ``U.T @ diag(w) @ U``.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    k : int
        Number of rows to select, ``1 <= k <= n_rows``.
    solver : str, default="CLARABEL"
        Name of an installed cvxpy solver.
    solver_options : dict or None
        Keyword arguments passed to ``cvxpy.Problem.solve``.

    Returns
    -------
    weights : ndarray of shape (n_rows,)
        Relaxed weights, clipped to ``[0, 1]``.
    lower_bound : float
        The relaxed optimum: no subset of ``k`` rows has a smaller gap.

    Raises
    ------
    SolverFailedError
        If the solver raises or ends without an optimal status.
    """
    n_rows = U.shape[0]
    lifted = svec_columns(U)
    weights = cp.Variable(n_rows)
    # Scale by k so the residual is in the units of the target covariance.
    residual = lifted @ weights / k - svec(target)
    problem = cp.Problem(
        cp.Minimize(cp.norm(residual, 2)),
        [weights >= 0, weights <= 1, cp.sum(weights) == k],
    )
    try:
        problem.solve(solver=solver, **(solver_options or {}))
    except cp.error.SolverError as exc:
        raise SolverFailedError(f"cvxpy solver {solver} failed: {exc}") from exc
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or weights.value is None:
        raise SolverFailedError(
            f"cvxpy solver {solver} ended with status {problem.status!r}"
        )
    return np.clip(weights.value, 0.0, 1.0), float(problem.value)
