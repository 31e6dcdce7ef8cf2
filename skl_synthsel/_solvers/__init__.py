"""Optimisation behind the selectors. Solvers take arrays and know nothing about estimators."""

from ._capped_simplex import project_capped_simplex, smallest_k_vertex
from ._certificate import Certificate, certify
from ._cvxpy import SolverFailedError, resolve_cvxpy_solver
from ._ds3 import nearest_dissimilarities, solve_ds3
from ._fast_relaxed import RelaxedSolution, solve_relaxed_fast, solve_relaxed_fast_classes
from ._first_order import accelerated_projected_gradient
from ._greedy import greedy_covariance_matching
from ._interior_point import (
    run_alone,
    run_in_lockstep,
    solve_relaxed_interior_point,
    solve_relaxed_interior_points,
)
from ._kmm import kernel_features, solve_kmm
from ._mixture import mixture_gap, mixture_problem
from ._objective import covariance_gap, svec, svec_columns
from ._relaxed import relaxed_steps, resolve_relaxed_solver, solve_relaxed, solve_relaxed_cvxpy
from ._rounding import round_relaxed_weights

__all__ = [
    "Certificate",
    "RelaxedSolution",
    "SolverFailedError",
    "accelerated_projected_gradient",
    "certify",
    "covariance_gap",
    "greedy_covariance_matching",
    "kernel_features",
    "mixture_gap",
    "mixture_problem",
    "nearest_dissimilarities",
    "project_capped_simplex",
    "relaxed_steps",
    "resolve_cvxpy_solver",
    "resolve_relaxed_solver",
    "round_relaxed_weights",
    "run_alone",
    "run_in_lockstep",
    "smallest_k_vertex",
    "solve_ds3",
    "solve_kmm",
    "solve_relaxed",
    "solve_relaxed_cvxpy",
    "solve_relaxed_fast",
    "solve_relaxed_fast_classes",
    "solve_relaxed_interior_point",
    "solve_relaxed_interior_points",
    "svec",
    "svec_columns",
]
