"""Solver dispatch: names, the auto threshold, options, certificates and failures."""

import numpy as np
import pytest

from skl_synthsel._solvers import SolverFailedError, certify
from skl_synthsel._solvers._relaxed import (
    FAST_SOLVER_OPTIONS,
    resolve_relaxed_solver,
    solve_relaxed,
    solve_relaxed_cvxpy,
)


def test_names_resolve_and_auto_is_the_fast_solver_at_every_size():
    assert resolve_relaxed_solver("FAST") == "fast"
    assert resolve_relaxed_solver("auto") == resolve_relaxed_solver("Auto") == "fast"
    assert resolve_relaxed_solver("clarabel") == "CLARABEL"
    with pytest.raises(ValueError, match="Unknown solver 'NOPE'.*'fast'.*installed cvxpy"):
        resolve_relaxed_solver("NOPE")


@pytest.mark.parametrize("solver", ["CLARABEL", "fast"])
def test_every_solver_returns_feasible_weights_and_the_same_certificate(solver):
    rng = np.random.default_rng(0)
    U = rng.normal(size=(400, 3))
    target = np.eye(3) * 6.0  # out of reach of 50 of these rows: the bound is positive
    weights, certificate, used = solve_relaxed(U, target, 50, solver=solver)
    assert used == solver
    assert weights.min() >= 0 and weights.max() <= 1
    assert abs(weights.sum() - 50) <= 1e-9 * 50
    assert certificate == certify(U, target, weights)
    assert 0 < certificate.lower_bound and certificate.duality_gap <= 1e-6 * certificate.objective


def test_cvxpy_weights_are_projected_onto_the_feasible_set():
    rng = np.random.default_rng(1)
    U = rng.normal(size=(200, 2))
    weights, value = solve_relaxed_cvxpy(U, np.eye(2) * 2, 30, normaliser=40.0)
    assert weights.min() >= 0 and weights.max() <= 1
    assert abs(weights.sum() - 30) <= 1e-9 * 30
    assert certify(U, np.eye(2) * 2, weights, normaliser=40.0).objective == pytest.approx(
        value, rel=1e-5
    )


def test_fast_options_are_checked_and_a_poor_certificate_is_a_failure():
    rng = np.random.default_rng(2)
    U = rng.normal(size=(5000, 3))
    target = np.eye(3) * 2.5
    assert "rtol" in FAST_SOLVER_OPTIONS and "normaliser" not in FAST_SOLVER_OPTIONS
    with pytest.raises(ValueError, match=r"\['max_iters'\] are not options of the fast"):
        solve_relaxed(U, target, 500, solver="fast", solver_options={"max_iters": 3})
    with pytest.raises(SolverFailedError, match="fast solver stopped with a certified gap"):
        solve_relaxed(
            U,
            target,
            500,
            solver="fast",
            solver_options={
                "max_iter": 1,
                "working_set_limit": 10,
                "max_rounds": 0,
                "reachable": False,
            },
        )
    with pytest.raises(SolverFailedError, match="CLARABEL"):
        solve_relaxed(U[:300], target, 30, solver="CLARABEL", solver_options={"max_iter": 1})
