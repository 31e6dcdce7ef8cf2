"""The relaxed covariance-matching problem: cvxpy over the whole pool, and the solver dispatch.

``solver="auto"`` is the certified large-pool solver (:func:`solve_relaxed_fast`) at every
size. It used to pick cvxpy with Clarabel below ``n_rows * p^2 = 1e7`` (``p = d(d+1)/2``); the
fast solver now sends such pools straight to its rank-exploiting interior point and is faster
on all of them, with a certified gap near 1e-14 against Clarabel's 1e-5 to 1e-12 (measured on
one core: 200 rows in 20 dimensions 0.02-0.03 s against 0.25-0.32 s, 3,000 in 10 0.01-0.09 s
against 0.7-1.0 s, 90,000 in 4 0.06-0.11 s against 4.6-8.4 s, 60 in 8 0.006 s against 0.02 s).
A cvxpy solver is still there by name.
"""

import inspect

import cvxpy as cp
import numpy as np

from ._capped_simplex import project_capped_simplex
from ._certificate import certify
from ._cvxpy import SolverFailedError, resolve_cvxpy_solver, solve_cvxpy_problem
from ._fast_relaxed import relaxed_fast_steps
from ._interior_point import run_alone
from ._objective import svec, svec_columns

#: Keyword arguments ``solver_options`` may pass to the fast solver.
FAST_SOLVER_OPTIONS = tuple(
    name
    for name, parameter in inspect.signature(relaxed_fast_steps).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "normaliser"
)


def solve_relaxed_cvxpy(U, target, k, *, solver="CLARABEL", solver_options=None, normaliser=None):
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
    normaliser : float or None
        ``n``, dividing the weighted scatter; ``None`` means ``k`` (another value, with a
        shifted target, gives the mixture variant).

    Returns
    -------
    weights : ndarray of shape (n_rows,)
        Relaxed weights, projected onto ``{0 <= w <= 1, sum w = k}`` (the solver's answer is
        feasible only to its tolerance).
    lower_bound : float
        The relaxed optimum: no subset of ``k`` rows has a smaller gap.

    Raises
    ------
    SolverFailedError
        If the solver raises or ends without an optimal status.
    """
    n_rows = U.shape[0]
    normaliser = float(k if normaliser is None else normaliser)
    lifted = svec_columns(U)
    weights = cp.Variable(n_rows)
    # Scale by k so the residual is in the units of the target covariance.
    residual = lifted @ weights / normaliser - svec(target)
    problem = cp.Problem(
        cp.Minimize(cp.norm(residual, 2)),
        [weights >= 0, weights <= 1, cp.sum(weights) == k],
    )
    solution = solve_cvxpy_problem(problem, weights, solver, solver_options)
    projected, _ = project_capped_simplex(np.clip(solution, 0.0, 1.0), k)
    return projected, float(problem.value)


def resolve_relaxed_solver(solver):
    """The solver that ``solver`` names.

    Parameters
    ----------
    solver : str
        ``"auto"`` (the fast solver), ``"fast"`` or an installed cvxpy solver's name (any case).

    Returns
    -------
    name : str
        ``"fast"`` or the cvxpy solver's name as cvxpy spells it.

    Raises
    ------
    ValueError
        If ``solver`` names neither.
    """
    if solver.lower() in ("auto", "fast"):
        return "fast"
    return resolve_cvxpy_solver(solver, other_choices=("auto", "fast"))


def solve_relaxed(U, target, k, *, solver="auto", solver_options=None, normaliser=None):
    """Solve the relaxed problem with the named solver and certify the answer.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    k : int
        Number of rows to select.
    solver : str, default="auto"
        See :func:`resolve_relaxed_solver`.
    solver_options : dict or None
        For cvxpy, keyword arguments of ``cvxpy.Problem.solve``; for ``"fast"``, keyword
        arguments of :func:`solve_relaxed_fast` (:data:`FAST_SOLVER_OPTIONS`).
    normaliser : float or None
        ``n``, dividing the weighted scatter; ``None`` means ``k``.

    Returns
    -------
    weights : ndarray of shape (n_rows,)
        Feasible relaxed weights.
    certificate : Certificate
        Their Frank-Wolfe certificate over the whole pool: the same check for every solver.
    solver : str
        The solver used.

    Raises
    ------
    SolverFailedError
        If the solver fails, or the fast solver cannot certify a gap within 1e-4 of its
        objective or 1e-6 of the target's norm (it always returns its best weights, however
        far from optimal).
    """
    return run_alone(relaxed_steps(U, target, k, solver, solver_options, normaliser))


def relaxed_steps(U, target, k, solver="auto", solver_options=None, normaliser=None):
    """:func:`solve_relaxed` as a generator of the fast solver's interior-point problems.

    See :func:`relaxed_fast_steps`; a cvxpy solver yields nothing. Several, run by
    :func:`run_in_lockstep`, batch their interior points.
    """
    name = resolve_relaxed_solver(solver)
    options = dict(solver_options or {})
    if name != "fast":
        weights, _ = solve_relaxed_cvxpy(
            U, target, k, solver=name, solver_options=options, normaliser=normaliser
        )
        return weights, certify(U, target, weights, normaliser=normaliser), name
    unknown = sorted(set(options) - set(FAST_SOLVER_OPTIONS))
    if unknown:
        raise ValueError(
            f"solver_options {unknown} are not options of the fast solver; it takes "
            f"{list(FAST_SOLVER_OPTIONS)}. Name a cvxpy solver to pass cvxpy options."
        )
    solution = yield from relaxed_fast_steps(U, target, k, normaliser=normaliser, **options)
    if not solution.certificate.is_within(1e-4, 1e-6 * float(np.linalg.norm(target))):
        raise SolverFailedError(
            f"the fast solver stopped with a certified gap of "
            f"{solution.certificate.duality_gap:.3g} on an objective of "
            f"{solution.certificate.objective:.3g} after {solution.n_first_order_iter} "
            "first-order iterations"
        )
    return solution.weights, solution.certificate, name
