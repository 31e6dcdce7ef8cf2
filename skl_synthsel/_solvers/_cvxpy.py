"""What every cvxpy formulation shares: naming a solver, and solving with a status check."""

import threading
import warnings

import cvxpy as cp

from ..exceptions import SolverFailedError

_SOLVE_LOCK = threading.Lock()


def resolve_cvxpy_solver(solver, *, other_choices=("auto",)):
    """The installed cvxpy solver called ``solver``, spelled as cvxpy spells it (any case).

    Parameters
    ----------
    solver : str
        A solver name.
    other_choices : tuple of str
        The caller's own names (handled before this call), listed in the error message.

    Raises
    ------
    ValueError
        If no installed cvxpy solver has that name.
    """
    installed = {name.upper(): name for name in cp.installed_solvers()}
    if solver.upper() not in installed:
        choices = ", ".join(repr(choice) for choice in other_choices)
        raise ValueError(
            f"Unknown solver {solver!r}: use {choices} or one of the installed cvxpy solvers "
            f"{sorted(installed.values())}."
        )
    return installed[solver.upper()]


def solve_cvxpy_problem(problem, variable, solver, solver_options):
    """Solve ``problem`` and return ``variable.value``.

    Raises
    ------
    SolverFailedError
        If the solver raises, ends without a (nearly) optimal status, or returns no value.
    """
    try:
        # catch_warnings changes the process's filters: one solve at a time among threads.
        with _SOLVE_LOCK, warnings.catch_warnings():
            # cvxpy's "Solution may be inaccurate" is the OPTIMAL_INACCURATE status: every
            # answer is certified afterwards (certificate_), which says how inaccurate.
            warnings.simplefilter("ignore", UserWarning)
            problem.solve(solver=solver, **(solver_options or {}))
    except cp.error.SolverError as exc:
        raise SolverFailedError(f"cvxpy solver {solver} failed: {exc}") from exc
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE) or variable.value is None:
        raise SolverFailedError(f"cvxpy solver {solver} ended with status {problem.status!r}")
    return variable.value
