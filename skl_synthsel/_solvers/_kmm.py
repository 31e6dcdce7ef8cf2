"""Kernel mean matching (Huang et al., 2007; Gretton et al., 2009) as a cvxpy quadratic program.

Importance weights ``w`` of the ``N`` pool rows make their weighted kernel mean match the real
rows' kernel mean:

    minimise  1/2 w' K w - kappa' w
    over      0 <= w <= B,  |sum_i w_i - N| <= N eps,

with ``K_ii' = k(x_i, x_i')`` over pool rows and ``kappa_i = (N / n_real) sum_j k(x_i, r_j)``; up
to a constant and the factor ``N^2 / 2`` this is the squared maximum mean discrepancy between the
``w``-weighted pool and the real rows. ``k`` is the Gaussian (RBF) kernel
``exp(-gamma ||x - x'||^2)``.

The problem is never given an ``N x N`` matrix: ``K = Phi Phi'`` enters through the factor
``Phi`` as ``1/2 ||Phi' w||^2``, with the auxiliary ``y = Phi' w`` so that the solver sees a
sparse identity as quadratic term.
"""

import cvxpy as cp
import numpy as np
from sklearn.kernel_approximation import Nystroem
from sklearn.metrics.pairwise import rbf_kernel

from ._cvxpy import solve_cvxpy_problem

# Directions of K with eigenvalues below this fraction of the largest are dropped from the
# factor: they change the objective by less than this fraction of its scale (measured: 1e-8
# relative), and in few dimensions they are most of the columns (a 4-dimensional pool of 1500
# rows keeps about 200 of 256 Nystroem columns, which halves the solve).
_EIGENVALUE_CUTOFF = 1e-8


def _truncated_factor(vectors, values):
    """``vectors * sqrt(values)`` over the eigenvalues above the cutoff."""
    keep = values > _EIGENVALUE_CUTOFF * values.max()
    return vectors[:, keep] * np.sqrt(values[keep])


def kernel_features(pool, real, gamma, *, n_landmarks=None, random_state=None):
    """A factor ``Phi`` with ``K ~ Phi Phi'`` and the kernel mean term ``kappa``.

    **Exact** (``n_landmarks`` None or at least ``N``): ``K`` is formed (``N^2`` memory, an
    ``O(N^3)`` eigendecomposition) and ``Phi = V sqrt(Lambda)`` keeps the eigenvalues above
    ``1e-8`` times the largest (``r <= N`` columns); ``kappa`` uses the exact kernel
    (``N * n_real`` evaluations).

    **Nystroem** (``n_landmarks = m < N``): :class:`~sklearn.kernel_approximation.Nystroem`
    with ``m`` landmark pool rows maps pool and real rows to ``m`` features
    (``O((N + n_real) m d + m^3)`` time, ``N * m`` memory); ``kappa`` is computed in the same
    features, ``kappa = (N / n_real) Phi Phi_real' 1``, so the objective is exactly the squared
    kernel mean discrepancy in the approximate feature space. A thin SVD (``O(N m^2)``) then
    drops the directions with eigenvalues below ``1e-8`` times the largest (``r <= m``).

    Returns
    -------
    factor : ndarray of shape (N, r)
    kappa : ndarray of shape (N,)
    """
    n_pool, n_real = len(pool), len(real)
    if n_landmarks is None or n_landmarks >= n_pool:
        eigenvalues, eigenvectors = np.linalg.eigh(rbf_kernel(pool, gamma=gamma))
        factor = _truncated_factor(eigenvectors, eigenvalues)
        kappa = rbf_kernel(pool, real, gamma=gamma).sum(axis=1) * (n_pool / n_real)
        return factor, kappa
    nystroem = Nystroem(
        kernel="rbf", gamma=gamma, n_components=n_landmarks, random_state=random_state
    ).fit(pool)
    features = nystroem.transform(pool)
    kappa = features @ nystroem.transform(real).sum(axis=0) * (n_pool / n_real)
    # Phi Phi' = U S^2 U': the same kernel with orthogonal columns, truncated like the exact one.
    left, singular_values, _ = np.linalg.svd(features, full_matrices=False)
    return _truncated_factor(left, singular_values**2), kappa


def solve_kmm(
    factor, kappa, *, max_weight=1000.0, eps=None, solver="CLARABEL", solver_options=None
):
    """Solve kernel mean matching given the factor ``Phi`` (``K = Phi Phi'``) and ``kappa``.

    The program has ``N + r`` variables, ``r`` equalities ``y = Phi' w`` (``N * r`` nonzeros),
    ``2 N`` bounds and two inequalities on ``sum w``. The objective is divided by ``N`` for the
    solver and returned in the original units.

    Parameters
    ----------
    factor : ndarray of shape (N, r)
        ``Phi`` with ``K = Phi Phi'`` over the pool rows (see :func:`kernel_features`).
    kappa : ndarray of shape (N,)
        ``(N / n_real) sum_j k(x_i, r_j)``.
    max_weight : float, default=1000.0
        The bound ``B`` on each weight.
    eps : float or None, default=None
        Tolerance on the total weight, ``|sum w - N| <= N eps``; ``None`` means
        ``(sqrt(N) - 1) / sqrt(N)``.
    solver : str, default="CLARABEL"
        Name of an installed cvxpy solver.
    solver_options : dict or None
        Keyword arguments passed to ``cvxpy.Problem.solve``.

    Returns
    -------
    weights : ndarray of shape (N,)
        Importance weights clipped to ``[0, max_weight]``; they average about 1 over the pool
        (their sum is within ``N eps`` of ``N``).
    objective : float
        The optimal value ``1/2 w' K w - kappa' w``.

    Raises
    ------
    SolverFailedError
        If the solver raises or ends without an optimal status.
    """
    n_pool = len(kappa)
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool) if eps is None else eps
    weights = cp.Variable(n_pool)
    embedded = cp.Variable(factor.shape[1])  # Phi' w: the weighted kernel mean, times N
    problem = cp.Problem(
        cp.Minimize((0.5 * cp.sum_squares(embedded) - kappa @ weights) / n_pool),
        [
            embedded == factor.T @ weights,
            weights >= 0,
            weights <= max_weight,
            cp.abs(cp.sum(weights) - n_pool) <= n_pool * eps,
        ],
    )
    solution = solve_cvxpy_problem(problem, weights, solver, solver_options)
    return np.clip(solution, 0.0, max_weight), float(problem.value) * n_pool
