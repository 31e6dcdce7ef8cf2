"""Optimisation behind the selectors. Solvers take arrays and know nothing about estimators."""

from ._greedy import greedy_covariance_matching
from ._objective import covariance_gap, svec, svec_columns
from ._relaxed import SolverFailedError, solve_relaxed_cvxpy
from ._rounding import round_relaxed_weights

__all__ = [
    "SolverFailedError",
    "covariance_gap",
    "greedy_covariance_matching",
    "round_relaxed_weights",
    "solve_relaxed_cvxpy",
    "svec",
    "svec_columns",
]
