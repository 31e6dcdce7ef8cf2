"""A global optimality certificate for relaxed covariance matching: the Frank-Wolfe gap.

With ``F(w) = ||sum_i w_i u_i u_i^T / n - C||_F^2`` (``n`` the normaliser, ``k`` by default)
convex on the capped simplex, every feasible ``w`` gives the lower bound

    F* >= F(w) - <grad F(w), w - s>,    s = the vertex of the ``k`` smallest gradient entries,

with ``grad F(w)_i = (2/n) u_i^T R u_i`` and ``R`` the covariance residual. The gap
``<grad F(w), w - s>`` is zero exactly at an optimum, so it certifies a solution to any
accuracy. In the units of the gap itself (the Frobenius norm, ``f = sqrt(F)``) the certified
lower bound is ``sqrt(max(F(w) - fw_gap, 0))``; it bounds the relaxed optimum and therefore the
gap of every subset of ``k`` rows, whichever method chose them.
"""

from dataclasses import dataclass

import numpy as np

from ._capped_simplex import smallest_k_sum
from ._chunked import quadratic_forms, weighted_scatter


@dataclass(frozen=True)
class Certificate:
    """How far a weight vector (or a subset) is from the relaxed optimum, at most.

    Attributes
    ----------
    objective : float
        ``||sum_i w_i u_i u_i^T / n - C||_F`` at the certified weights.
    lower_bound : float
        A certified lower bound on the relaxed optimum (up to rounding): no weights and no
        subset of the same size have a smaller gap. From these weights' Frank-Wolfe gap, or
        for a solver's answer the largest such bound over the points it certified.
    frank_wolfe_gap : float
        ``<grad F(w), w - s>`` for the squared objective ``F``: zero exactly at an optimum.
    """

    objective: float
    lower_bound: float
    frank_wolfe_gap: float

    @property
    def duality_gap(self):
        """``objective - lower_bound``: the certified excess over the relaxed optimum."""
        return max(self.objective - self.lower_bound, 0.0)

    def is_within(self, rtol, atol=0.0):
        """Whether ``duality_gap <= rtol * objective + atol``."""
        return self.duality_gap <= rtol * self.objective + atol


def residual_matrix(U, target, weights, normaliser, *, chunk_rows=None):
    """``sum_i w_i u_i u_i^T / normaliser - target``: the covariance residual ``R``."""
    return weighted_scatter(U, weights, chunk_rows=chunk_rows) / normaliser - target


def objective_gradient(U, residual, normaliser, *, chunk_rows=None, out=None):
    """The gradient of the squared objective, ``(2 / normaliser) u_i^T R u_i`` per row."""
    forms = quadratic_forms(U, residual, chunk_rows=chunk_rows, out=out)
    forms *= 2.0 / normaliser
    return forms


def certificate_from_gradient(residual, gradient, weights, total):
    """The certificate of ``weights`` given its residual and gradient (no pass over the pool).

    Parameters
    ----------
    residual : ndarray of shape (d, d)
        The covariance residual at ``weights``.
    gradient : ndarray of shape (n_rows,)
        The gradient of the squared objective at ``weights``.
    weights : ndarray of shape (n_rows,)
        Feasible weights: in ``[0, 1]``, summing to ``total``.
    total : float
        ``k``, the sum of the weights.

    Returns
    -------
    certificate : Certificate
    """
    squared = float(np.sum(residual * residual))
    fw_gap = max(float(gradient @ weights) - smallest_k_sum(gradient, total), 0.0)
    return Certificate(
        objective=float(np.sqrt(squared)),
        lower_bound=float(np.sqrt(max(squared - fw_gap, 0.0))),
        frank_wolfe_gap=fw_gap,
    )


def certify(U, target, weights, *, normaliser=None, chunk_rows=None):
    """Certify feasible weights (or the indicator of a subset) against the relaxed optimum.

    Two passes over the pool, in chunks.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    weights : ndarray of shape (n_rows,)
        Feasible weights: in ``[0, 1]``, summing to an integer ``k`` (up to rounding).
    normaliser : float or None
        Divides the weighted scatter; ``None`` means ``k``.
    chunk_rows : int or None
        Rows per chunk of the passes.

    Returns
    -------
    certificate : Certificate
    """
    k = round(float(weights.sum()))  # feasible weights sum to k up to rounding
    normaliser = k if normaliser is None else float(normaliser)
    residual = residual_matrix(U, target, weights, normaliser, chunk_rows=chunk_rows)
    gradient = objective_gradient(U, residual, normaliser, chunk_rows=chunk_rows)
    return certificate_from_gradient(residual, gradient, weights, k)
