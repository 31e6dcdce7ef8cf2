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
import scipy.linalg
from sklearn.kernel_approximation import Nystroem
from sklearn.metrics.pairwise import rbf_kernel

from ..exceptions import SolverFailedError
from ._capped_simplex import project_capped_simplex
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


def kernel_features(pool, real, gamma, *, n_landmarks=None, random_state=None, truncate=True):
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

    ``truncate=False`` keeps every direction (exact: ``V sqrt(max(Lambda, 0))``, ``N``
    columns; Nystroem: its ``m`` features as they are, without the SVD). The kernel is the
    same up to the dropped ``1e-8``; what changes is that the factor is then a smooth function
    of the data: which eigenvalues fall below a cutoff is a discrete decision that last-bit noise
    can flip, which matters to :func:`solve_kmm_newton`, whose answer is unique.

    Returns
    -------
    factor : ndarray of shape (N, r)
    kappa : ndarray of shape (N,)
    """
    n_pool, n_real = len(pool), len(real)
    if n_landmarks is None or n_landmarks >= n_pool:
        eigenvalues, eigenvectors = np.linalg.eigh(rbf_kernel(pool, gamma=gamma))
        if truncate:
            factor = _truncated_factor(eigenvectors, eigenvalues)
        else:
            factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        kappa = rbf_kernel(pool, real, gamma=gamma).sum(axis=1) * (n_pool / n_real)
        return factor, kappa
    nystroem = Nystroem(
        kernel="rbf", gamma=gamma, n_components=n_landmarks, random_state=random_state
    ).fit(pool)
    features = nystroem.transform(pool)
    kappa = features @ nystroem.transform(real).sum(axis=0) * (n_pool / n_real)
    if not truncate:
        return features, kappa
    # Phi Phi' = U S^2 U': the same kernel with orthogonal columns, truncated like the exact one.
    left, singular_values, _ = np.linalg.svd(features, full_matrices=False)
    return _truncated_factor(left, singular_values**2), kappa


def solve_kmm(
    factor,
    kappa,
    *,
    max_weight=1000.0,
    eps=None,
    solver="CLARABEL",
    solver_options=None,
    ridge=0.0,
    polish=False,
):
    """Solve kernel mean matching given the factor ``Phi`` (``K = Phi Phi'``) and ``kappa``.

    The program has ``N + r`` variables, ``r`` equalities ``y = Phi' w`` (``N * r`` nonzeros),
    ``2 N`` bounds and two inequalities on ``sum w``. The objective is divided by ``N`` for the
    solver and returned in the original units.

    **Unique weights** (``ridge > 0``, ``polish=True``; what the selector uses). Without a ridge
    the optimal weights form a face, not a point: with the Nystroem factor ``kappa`` lies in the
    span of ``Phi``, so the objective depends on ``w`` only through ``Phi' w`` and ``N - r``
    directions are free; a solver returns an arbitrary point of the face, and which one depends
    on the last bits of its arithmetic (measured on the demo pool, 562 rows of a class and 256
    landmarks: SCS at ``1e-7`` gave largest weights 146.70 with one BLAS thread and 151.90 with
    two). No tolerance fixes that. The term ``mu/2 ||w||^2`` with
    ``mu = ridge * trace(K) / N`` (``trace(K) / N`` is 1 for the exact Gaussian kernel) makes
    the optimum unique (as ``mu -> 0``, the optimal weights of least norm) and a Lipschitz
    function of the data, moved by last-bit noise by about ``eps_machine * max(kappa) / mu``.
    It raises the objective by at most ``mu/2 ||w||^2`` (``1e-6`` gives about ``1e-8`` of it
    on the demo pool). ``polish`` then makes the answer exact rather than within the conic
    solver's tolerance: a semismooth Newton method on the ``r``-dimensional dual of the ridge
    problem, started from the solver's point (see :func:`_polish`; an ``r x r`` Cholesky
    factorisation per step, ``O(|F| r^2)``, 4 to 15 steps measured), ends on the piece of the
    optimum, where its step is exact; bound weights are then exactly 0 or ``B``. Started from
    ``w = 1`` instead of the solver's point the same steps are short and many (measured: over
    200), which is why the conic solve stays.

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
    ridge : float, default=0.0
        The regularisation ``mu`` relative to ``trace(K) / N``.
    polish : bool, default=False
        Refine the solver's answer to the exact optimum (needs ``ridge > 0``).

    Returns
    -------
    weights : ndarray of shape (N,)
        Importance weights clipped to ``[0, max_weight]``; they average about 1 over the pool
        (their sum is within ``N eps`` of ``N``).
    objective : float
        ``1/2 w' K w - kappa' w`` at the returned weights (without the ridge term).

    Raises
    ------
    SolverFailedError
        If the solver raises or ends without an optimal status, or the polish does not reach
        the KKT conditions.
    """
    factor = np.asarray(factor, dtype=np.float64)
    kappa = np.asarray(kappa, dtype=np.float64)
    n_pool = len(kappa)
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool) if eps is None else eps
    mu = ridge * float(np.einsum("ij,ij->", factor, factor)) / n_pool
    if polish and not mu > 0:
        raise ValueError("polish=True needs ridge > 0 (a unique optimum).")
    weights = cp.Variable(n_pool)
    embedded = cp.Variable(factor.shape[1])  # Phi' w: the weighted kernel mean, times N
    objective = 0.5 * cp.sum_squares(embedded) - kappa @ weights
    if mu > 0:
        objective = objective + 0.5 * mu * cp.sum_squares(weights)
    problem = cp.Problem(
        cp.Minimize(objective / n_pool),
        [
            embedded == factor.T @ weights,
            weights >= 0,
            weights <= max_weight,
            cp.abs(cp.sum(weights) - n_pool) <= n_pool * eps,
        ],
    )
    solution = np.clip(
        solve_cvxpy_problem(problem, weights, solver, solver_options), 0.0, max_weight
    )
    if polish:
        solution = _polish(
            factor, kappa, solution, mu, max_weight, n_pool * (1 - eps), n_pool * (1 + eps)
        )
    product = factor.T @ solution
    return solution, 0.5 * float(product @ product) - float(kappa @ solution)


# Semismooth Newton steps of the polish; measured: 4 to 15 from a conic solver's point.
_POLISH_MAX_STEPS = 100


def _project_box_slab(values, max_weight, low, high):
    """Euclidean projection onto ``{0 <= w <= B, low <= sum w <= high}``; whether the sum binds."""
    clipped = np.clip(values, 0.0, max_weight)
    total = clipped.sum()
    if low <= total <= high:
        return clipped, False
    target = high if total > high else low
    projected, _ = project_capped_simplex(values / max_weight, target / max_weight)
    return projected * max_weight, True


def _dual_point(factor, kappa, y, mu, max_weight, low, high):
    """``D(y)``, the minimising weights ``w(y)``, their free rows and whether the sum binds."""
    shifted = factor @ y - kappa
    weights, binds = _project_box_slab(-shifted / mu, max_weight, low, high)
    value = -0.5 * float(y @ y) + float(shifted @ weights) + 0.5 * mu * float(weights @ weights)
    free = (weights > 0.0) & (weights < max_weight)
    return value, weights, free, binds


def _polish(factor, kappa, start, mu, max_weight, low, high):
    """The exact optimum of the ridge problem: semismooth Newton on its dual from ``start``.

    The dual of ``min 1/2 ||Phi' w||^2 + mu/2 ||w||^2 - kappa' w`` over
    ``C = {0 <= w <= B, low <= sum w <= high}`` is, with ``y = Phi' w`` in ``R^r``,
    ``max D(y) = -1/2 ||y||^2 + (Phi y - kappa)' w(y) + mu/2 ||w(y)||^2``,
    ``w(y) = P_C((kappa - Phi y) / mu)``: concave, piecewise quadratic, gradient
    ``Phi' w(y) - y``. A Newton step solves ``(I + Phi_F' J Phi_F / mu) d = Phi' w(y) - y``
    (``F`` the free rows of ``w(y)``, ``J = I - 1 1'/|F|`` when the sum binds, ``I`` otherwise;
    an ``r x r`` Cholesky factorisation, ``O(|F| r^2)``), damped by backtracking on ``D``. On
    the piece of the optimum the step is exact: the method stops when a full step leaves the
    free rows and the binding side unchanged, or when the gradient is of rounding size. Started
    far away (from ``w = 1``) the steps are short, which is why it polishes a conic solver's
    point instead of replacing it.
    """
    rank = factor.shape[1]
    y = factor.T @ np.clip(start, 0.0, max_weight)
    value, weights, free, binds = _dual_point(factor, kappa, y, mu, max_weight, low, high)
    for _ in range(_POLISH_MAX_STEPS):
        gradient = factor.T @ weights - y
        if np.linalg.norm(gradient) <= 1e-13 * max(1.0, float(np.linalg.norm(y))):
            return weights
        rows = factor[free]
        hessian = rows.T @ rows
        if binds and len(rows):
            column = rows.sum(axis=0)
            hessian -= np.outer(column, column) / len(rows)
        hessian /= mu
        hessian[np.diag_indices(rank)] += 1.0
        try:
            direction = scipy.linalg.cho_solve(scipy.linalg.cho_factor(hessian), gradient)
        except np.linalg.LinAlgError as exc:  # pragma: no cover - I + PSD is definite
            raise SolverFailedError(f"kernel mean matching polish failed: {exc}") from exc
        slope = float(gradient @ direction)
        step = 1.0
        for _ in range(60):
            trial = _dual_point(factor, kappa, y + step * direction, mu, max_weight, low, high)
            # Armijo on the concave dual, with room for rounding once the increase is tiny.
            if trial[0] >= value + 1e-4 * step * slope - 1e-15 * abs(value):
                break
            step /= 2
        else:
            raise SolverFailedError("kernel mean matching polish: the line search failed")
        same_piece = step == 1.0 and trial[3] == binds and np.array_equal(trial[2], free)
        y = y + step * direction
        value, weights, free, binds = trial
        if same_piece:
            return weights
    raise SolverFailedError(
        f"kernel mean matching polish: no convergence in {_POLISH_MAX_STEPS} Newton steps "
        f"(gradient norm {np.linalg.norm(gradient):.3g})"
    )
