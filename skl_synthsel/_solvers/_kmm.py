"""Kernel mean matching (Huang et al., 2007; Gretton et al., 2009) on a kernel factor.

Importance weights ``w`` of the ``N`` pool rows make their weighted kernel mean match the real
rows' kernel mean:

    minimise  1/2 w' K w - kappa' w
    over      0 <= w <= B,  |sum_i w_i - N| <= N eps,

with ``K_ii' = k(x_i, x_i')`` over pool rows and ``kappa_i = (N / n_real) sum_j k(x_i, r_j)``; up
to a constant and the factor ``N^2 / 2`` this is the squared maximum mean discrepancy between the
``w``-weighted pool and the real rows. ``k`` is the Gaussian (RBF) kernel
``exp(-gamma ||x - x'||^2)``.

No solver is given an ``N x N`` matrix: ``K = Phi Phi'`` enters through the factor ``Phi``
(``N x r``) as ``1/2 ||Phi' w||^2``.

Two solvers:

* **Factored dual Newton** (:func:`solve_kmm_newton`, ``solver="newton"``; what the selector
  uses). With the ridge ``mu/2 ||w||^2`` the problem has a unique optimum and an
  ``r``-dimensional concave dual in ``y = Phi' w`` (see :func:`_polish`). Semismooth Newton on
  that dual is exact on the piece of the optimum, but from far away its steps are short (the
  ridge is tiny, so the dual's pieces are small); it is therefore run along a continuation
  ``mu = trace(K)/N, trace(K)/(10 N), ...`` down to the ridge. Each stage starts from a piece
  predictor: the previous stage's optimal piece (free rows, rows at ``B``, binding side of the
  sum) is kept and the dual, quadratic on it, is maximised at the new ridge by one Newton step
  (the first stage: the piece of the unweighted pool, every row free, i.e. the closed-form ridge
  solution); the previous ``y`` is kept instead if its dual value is larger. Started from the
  previous ``y`` itself, each stage began on another piece (its weights scale with ``1 / mu``)
  and took 7 to 11 steps, the first of length about ``1e-3``. Cost per Newton step: two
  products with ``Phi`` (``O(N r)``), the ``r x r`` Hessian over the free rows updated by the
  rows that entered or left the free set (``O(|change| r^2)``, or ``O(min(|F|, N - |F|) r^2)``
  from scratch with the precomputed ``Phi' Phi``), one ``r x r`` Cholesky factorisation, and a
  line search of ``O(N)`` trials. Measured on the 10-class benchmark pool (about 10,000 rows a
  class, ``d = 20``, 256 landmarks, one BLAS thread): 14 to 18 Newton steps a class over 7
  stages (previously 53 to 70), 0.2 s a class; the selector's fit on all 10 classes 3.5 s or
  536 BLAS passes (one ``Xp.T @ Xp`` over the pool), against 8.8 s or 1,802 passes before,
  with the same selection (weights within ``5e-6``, the rounding noise
  ``eps_machine * max(kappa) / mu``). SCS and the polish: 11.5 s and 5.6 s a class.
  Stopping rule: a full Newton step that keeps the piece (free rows, rows at ``B`` and the
  binding side of the sum; the step is then exact) or a dual gradient of rounding size; the
  duality gap ``P(w(y)) - D(y)`` of the answer is returned as its certificate.
* **cvxpy** (any installed conic solver by name: the reference). The program has ``N + r``
  variables with the auxiliary ``y = Phi' w``, so that the solver sees a sparse identity as
  quadratic term; :func:`_polish` then makes the ridge optimum exact.

An accelerated projected gradient (FISTA with restarts on the box-and-sum set) was measured
first and rejected: the problem's condition number is ``lambda_max(K) / mu`` (about ``6e9`` on
the class above), and 800 iterations (each two products with ``Phi``) reached only a relative
objective gap of ``3e-7``, from which the Newton polish still did not converge.
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
        Name of an installed cvxpy solver, or ``"newton"``: the factored dual Newton solver
        :func:`solve_kmm_newton` (no cvxpy; needs ``ridge > 0``; its answer is already exact,
        so ``polish`` and ``solver_options`` are not used).
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
    if isinstance(solver, str) and solver.lower() == "newton":
        weights, objective, _ = solve_kmm_newton(
            factor, kappa, max_weight=max_weight, eps=eps, ridge=ridge
        )
        return weights, objective
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


def _project_box_slab(values, max_weight, low, high):
    """Euclidean projection onto ``{0 <= w <= B, low <= sum w <= high}``; whether the sum binds."""
    clipped = np.clip(values, 0.0, max_weight)
    total = clipped.sum()
    if low <= total <= high:
        return clipped, False
    target = high if total > high else low
    projected, _ = project_capped_simplex(values / max_weight, target / max_weight)
    return projected * max_weight, True


def _polish(factor, kappa, start, mu, max_weight, low, high):
    """The exact optimum of the ridge problem: semismooth Newton on its dual from ``start``.

    The dual of ``min 1/2 ||Phi' w||^2 + mu/2 ||w||^2 - kappa' w`` over
    ``C = {0 <= w <= B, low <= sum w <= high}`` is, with ``y = Phi' w`` in ``R^r``,
    ``max D(y) = -1/2 ||y||^2 + (Phi y - kappa)' w(y) + mu/2 ||w(y)||^2``,
    ``w(y) = P_C((kappa - Phi y) / mu)``: concave, piecewise quadratic, gradient
    ``Phi' w(y) - y``. A Newton step solves ``(I + Phi_F' J Phi_F / mu) d = Phi' w(y) - y``
    (``F`` the free rows of ``w(y)``, ``J = I - 1 1'/|F|`` when the sum binds, ``I`` otherwise;
    an ``r x r`` Cholesky factorisation), followed by a line search on ``D``. On the piece of the
    optimum the step is exact: the method stops when a full step leaves the free rows and the
    binding side unchanged, or when the gradient is of rounding size. Started far away (from
    ``w = 1``) the steps are short, which is why it polishes a conic solver's point (measured: 4
    to 15 steps) and why :func:`solve_kmm_newton` reaches the final ridge by a continuation.
    The steps are those of :func:`_newton_stage`.
    """
    y = factor.T @ np.clip(start, 0.0, max_weight)
    _, weights, _, _, _ = _newton_stage(
        factor, kappa, y, mu, max_weight, low, high, _FreeGram(factor), 1e-13, factor @ y - kappa
    )
    return weights


# -- the factored dual Newton solver with continuation in the ridge ---------------------------
# The first stage's ridge relative to trace(K) / N, and the factor between stages. Measured on the
# 10-class benchmark pool (10 classes of about 10,000 rows, d = 20, 256 landmarks, final ridge
# 1e-6), each stage started from the piece predictor (see _predicted_start): 162 Newton steps in
# all; factor 30: 168 steps from a first ridge of 100. A single stage at the final ridge takes
# fewer steps there (74) but fails to converge in 200 steps on harder pools (d = 2 or 20 with a
# narrow kernel, a pinned sum), which the factor of 10 solves.
_CONTINUATION_START = 1.0
_CONTINUATION_FACTOR = 10.0
_STAGE_MAX_STEPS = 200
# The line search: Armijo's sufficient increase, then a safeguarded secant search for a zero of
# the directional derivative (the dual is concave and piecewise quadratic along the ray).
_ARMIJO = 1e-4
_LINE_SEARCH_MAX_TRIALS = 40


class _FreeGram:
    """``Phi_F' Phi_F`` and ``Phi_F' 1`` over the free rows ``F``, kept up to date cheaply.

    A change of the free set is applied row by row (``O(|change| r^2)``) unless forming the
    matrix anew is cheaper: directly over ``F`` or, with ``G = Phi' Phi`` formed once, as
    ``G - Phi_{not F}' Phi_{not F}``.
    """

    def __init__(self, factor):
        self.factor = factor
        self.free = None
        self.gram = None  # Phi' Phi, formed when the complement is first the cheaper side
        self.n_rows_formed = 0

    def _form(self, free):
        n_free = int(np.count_nonzero(free))
        if 2 * n_free <= len(free):
            rows = self.factor[free]
            matrix, sums = rows.T @ rows, rows.sum(axis=0)
            self.n_rows_formed += n_free
        else:
            if self.gram is None:
                self.gram = self.factor.T @ self.factor
                self.column_sums = self.factor.sum(axis=0)
                self.n_rows_formed += len(free)
            rows = self.factor[~free]
            matrix, sums = self.gram - rows.T @ rows, self.column_sums - rows.sum(axis=0)
            self.n_rows_formed += len(free) - n_free
        return matrix, sums

    def update(self, free):
        """``(Phi_F' Phi_F, Phi_F' 1)`` for the free rows ``free`` (a boolean mask)."""
        if self.free is None:
            self.matrix, self.sums = self._form(free)
        else:
            entered, left = free & ~self.free, self.free & ~free
            n_changed = int(np.count_nonzero(entered) + np.count_nonzero(left))
            n_free = int(np.count_nonzero(free))
            if n_changed > min(n_free, len(free) - n_free):
                self.matrix, self.sums = self._form(free)
            elif n_changed:
                rows = self.factor[entered]
                self.matrix += rows.T @ rows
                self.sums += rows.sum(axis=0)
                rows = self.factor[left]
                self.matrix -= rows.T @ rows
                self.sums -= rows.sum(axis=0)
                self.n_rows_formed += n_changed
        self.free = free.copy()
        return self.matrix, self.sums


def _ray_point(shifted, y, mu, max_weight, low, high):
    """``D(y)`` from ``shifted = Phi y - kappa``, the weights ``w(y)``, whether the sum binds."""
    weights, binds = _project_box_slab(-shifted / mu, max_weight, low, high)
    value = -0.5 * float(y @ y) + float(shifted @ weights) + 0.5 * mu * float(weights @ weights)
    return value, weights, binds


def _line_search(state, direction, product, slope, mu, max_weight, low, high):
    """A step along ``direction`` that increases the concave dual: 1 if Armijo holds, else a
    safeguarded secant (Illinois) search for the maximum on ``(0, 1)``. Returns the step and the
    trial ``(value, weights, binds)``."""
    value, shifted, y = state

    def trial(step):
        point = _ray_point(
            shifted + step * product, y + step * direction, mu, max_weight, low, high
        )
        # The directional derivative: (Phi d)' w(y + t d) - (y + t d)' d.
        derivative = (
            float(product @ point[1]) - float(y @ direction) - step * float(direction @ direction)
        )
        return point, derivative

    point, derivative = trial(1.0)
    if point[0] >= value + _ARMIJO * slope - 1e-15 * abs(value):
        return 1.0, point
    low_step, low_derivative, high_step, high_derivative = 0.0, slope, 1.0, derivative
    side = 0
    for _ in range(_LINE_SEARCH_MAX_TRIALS):
        if high_derivative >= 0 or low_derivative <= 0:  # pragma: no cover - rounding
            step = 0.5 * (low_step + high_step)
        else:
            step = low_step + (high_step - low_step) * low_derivative / (
                low_derivative - high_derivative
            )
            step = min(
                max(step, low_step + 1e-3 * (high_step - low_step)),
                high_step - 1e-3 * (high_step - low_step),
            )
        point, derivative = trial(step)
        increased = point[0] >= value + _ARMIJO * step * slope - 1e-15 * abs(value)
        if increased and abs(derivative) <= 0.1 * slope:
            return step, point
        if derivative > 0:
            low_step, low_derivative = step, derivative
            if side == 1:  # Illinois: halve the other end's weight
                high_derivative /= 2
            side = 1
        else:
            high_step, high_derivative = step, derivative
            if side == -1:
                low_derivative /= 2
            side = -1
    if increased:
        return step, point
    raise SolverFailedError("kernel mean matching (dual Newton): the line search failed")


def _newton_direction(free_gram, free, binds, mu, gradient):
    """``(I + Phi_F' J Phi_F / mu)^{-1} gradient``: the Newton step of the dual's piece."""
    matrix, sums = free_gram.update(free)
    n_free = int(np.count_nonzero(free))
    hessian = matrix.copy()
    if binds and n_free:
        hessian -= np.outer(sums, sums) / n_free
    hessian /= mu
    hessian[np.diag_indices(len(hessian))] += 1.0
    try:
        return scipy.linalg.cho_solve(scipy.linalg.cho_factor(hessian), gradient)
    except np.linalg.LinAlgError as exc:  # pragma: no cover - I + PSD is definite
        raise SolverFailedError(f"kernel mean matching (dual Newton) failed: {exc}") from exc


def _newton_stage(factor, kappa, y, mu, max_weight, low, high, free_gram, tolerance, shifted):
    """Semismooth Newton on the dual of the ridge problem with ridge ``mu``, from ``y``.

    ``shifted`` is ``Phi y - kappa``. Returns ``y``, ``w(y)``, the piece of ``w(y)`` (its free
    rows, its rows at ``B``, the bound the sum is held at: ``None``, ``low`` or ``high``), the
    number of Newton steps and ``Phi y - kappa``. Stops when a full step stays on its piece (the
    step was then exact) or the dual gradient is below ``tolerance`` times ``max(1, ||y||)``.
    """
    value, weights, binds = _ray_point(shifted, y, mu, max_weight, low, high)
    piece = _piece(weights, binds, max_weight, low, high)
    for step_count in range(1, _STAGE_MAX_STEPS + 1):
        gradient = factor.T @ weights - y
        if np.linalg.norm(gradient) <= tolerance * max(1.0, float(np.linalg.norm(y))):
            return y, weights, piece, step_count - 1, shifted
        direction = _newton_direction(free_gram, piece[0], binds, mu, gradient)
        product = factor @ direction
        step, (value, weights, binds) = _line_search(
            (value, shifted, y),
            direction,
            product,
            float(gradient @ direction),
            mu,
            max_weight,
            low,
            high,
        )
        y = y + step * direction
        shifted = shifted + step * product
        new_piece = _piece(weights, binds, max_weight, low, high)
        # The free rows alone do not fix the piece: a row can cross from 0 to B, and the sum
        # from one bound to the other, in one step.
        same_piece = (
            step == 1.0
            and np.array_equal(new_piece[0], piece[0])
            and np.array_equal(new_piece[1], piece[1])
            and new_piece[2] == piece[2]
        )
        piece = new_piece
        if same_piece:
            return y, weights, piece, step_count, shifted
    raise SolverFailedError(
        f"kernel mean matching (dual Newton): no convergence in {_STAGE_MAX_STEPS} steps at "
        f"ridge {mu:.3g} (gradient norm {np.linalg.norm(gradient):.3g})"
    )


def _piece(weights, binds, max_weight, low, high):
    """The piece of the dual at ``w(y) = weights``: free rows, rows at ``B``, and the bound the
    sum is held at (``None`` if it does not bind; else the nearer of ``low`` and ``high``)."""
    free, upper = (weights > 0.0) & (weights < max_weight), weights >= max_weight
    if not binds:
        return free, upper, None
    total = float(weights.sum())
    return free, upper, low if abs(total - low) <= abs(total - high) else high


def _predicted_start(factor, kappa, y, shifted, piece, mu, max_weight, low, high, free_gram):
    """A start for the stage at ridge ``mu``: the optimum of ``piece`` at that ridge, or ``y``.

    ``y`` is the optimum of the previous stage (or ``Phi' w`` of the unweighted pool) and
    ``piece`` that of its weights. Its own weights ``w(y) = P_C(-shifted / mu)`` scale with
    ``1 / mu``, so started from ``y`` itself every stage begins far from its optimum, on another
    piece (measured: thousands of rows enter or leave the free set at its first step, whose
    line search then returns a step of about ``1e-3``). The optimal piece changes little from
    one ridge to the next, and on a fixed piece the dual is quadratic: one Newton step from
    ``y``, with the piece's weights instead of ``w(y)`` (free rows ``-shifted / mu``, shifted
    equally to keep the binding sum), reaches the piece's optimum at the new ridge. Of it and
    ``y``, the point with the larger dual value at the new ridge is returned (a safeguard: the
    prediction is far off when the piece changes much) with ``Phi y - kappa`` recomputed.
    """
    free, upper, bound = piece
    weights = np.where(upper, max_weight, 0.0)
    weights[free] = -shifted[free] / mu
    n_free = int(np.count_nonzero(free))
    if bound is not None and n_free:
        weights[free] += (bound - float(weights.sum())) / n_free
    gradient = factor.T @ weights - y
    predicted = y + _newton_direction(free_gram, free, bound is not None, mu, gradient)
    predicted_shifted = factor @ predicted - kappa
    predicted_value = _ray_point(predicted_shifted, predicted, mu, max_weight, low, high)[0]
    if predicted_value >= _ray_point(shifted, y, mu, max_weight, low, high)[0]:
        return predicted, predicted_shifted, True
    return y, factor @ y - kappa, False


def solve_kmm_newton(factor, kappa, *, max_weight=1000.0, eps=None, ridge=1e-6):
    """Solve the ridge kernel mean matching problem exactly by dual Newton with continuation.

    ``min 1/2 ||Phi' w||^2 + mu/2 ||w||^2 - kappa' w`` over ``0 <= w <= B``,
    ``|sum w - N| <= N eps``, with ``mu = ridge * trace(K) / N``: the problem the selector
    solves (see :func:`solve_kmm` for why the ridge). No cvxpy: Newton steps on the
    ``r``-dimensional dual (see :func:`_polish`) along the ridges ``trace(K)/N`` times ``1,
    0.1, 0.01, ...`` down to ``ridge``, each stage started from the optimum at its ridge of the
    previous stage's optimal piece (see :func:`_predicted_start`), the ``r x r`` Hessian over
    the free rows updated by the rows that enter or leave that set. The last stage ends on the
    piece of the optimum, where the step is exact: bound weights are then exactly 0 or ``B``, as
    after :func:`_polish`.

    Parameters
    ----------
    factor : ndarray of shape (N, r)
        ``Phi`` with ``K = Phi Phi'`` over the pool rows (see :func:`kernel_features`).
    kappa : ndarray of shape (N,)
        ``(N / n_real) sum_j k(x_i, r_j)``.
    max_weight : float, default=1000.0
        The bound ``B`` on each weight.
    eps : float or None, default=None
        Tolerance on the total weight; ``None`` means ``(sqrt(N) - 1) / sqrt(N)``.
    ridge : float, default=1e-6
        ``mu`` relative to ``trace(K) / N``; must be positive.

    Returns
    -------
    weights : ndarray of shape (N,)
    objective : float
        ``1/2 w' K w - kappa' w`` at the weights (without the ridge term).
    info : dict
        ``n_newton_steps`` (all stages), ``n_stages``, ``duality_gap`` (``P(w) - D(y)`` of the
        ridge problem, relative to ``max(1, |P(w)|)``), ``n_hessian_rows`` (rows of ``Phi``
        that entered a Hessian product) and ``n_predicted_starts`` (stages started from the
        piece predictor rather than from the previous stage's optimum).

    Raises
    ------
    SolverFailedError
        If a stage or its line search does not converge.
    """
    factor = np.asarray(factor, dtype=np.float64)
    kappa = np.asarray(kappa, dtype=np.float64)
    n_pool = len(kappa)
    if not ridge > 0:
        raise ValueError(f"the dual Newton solver needs ridge > 0; got {ridge}.")
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool) if eps is None else eps
    low, high = n_pool * (1 - eps), n_pool * (1 + eps)
    scale = float(np.einsum("ij,ij->", factor, factor)) / n_pool
    if not scale > 0:  # every kernel value underflowed: no direction to match
        weights, _ = _project_box_slab(np.ones(n_pool), max_weight, low, high)
        return (
            weights,
            -float(kappa @ weights),
            {"n_newton_steps": 0, "n_stages": 0, "duality_gap": 0.0, "n_hessian_rows": 0},
        )
    ridges = []
    current = max(_CONTINUATION_START, ridge)
    while current > ridge * (1 + 1e-9):
        ridges.append(current)
        current /= _CONTINUATION_FACTOR
    ridges.append(ridge)
    free_gram = _FreeGram(factor)
    # The unweighted pool, w = 1 (projected, should B < 1): every row free, the sum at N. Its
    # piece's optimum at the first ridge is the closed-form ridge solution over all rows.
    weights, binds = _project_box_slab(np.ones(n_pool), max_weight, low, high)
    y = factor.T @ weights
    shifted = factor @ y - kappa
    piece = _piece(weights, binds, max_weight, low, high)
    n_steps = n_predicted = 0
    for position, relative in enumerate(ridges):
        mu = relative * scale
        y, shifted, predicted = _predicted_start(
            factor, kappa, y, shifted, piece, mu, max_weight, low, high, free_gram
        )
        n_predicted += predicted
        final = position == len(ridges) - 1
        y, weights, piece, steps, shifted = _newton_stage(
            factor,
            kappa,
            y,
            mu,
            max_weight,
            low,
            high,
            free_gram,
            1e-13 if final else 1e-9,
            shifted,
        )
        n_steps += steps
    dual = _ray_point(factor @ y - kappa, y, mu, max_weight, low, high)[0]
    product = factor.T @ weights
    primal = 0.5 * float(product @ product) + 0.5 * mu * float(weights @ weights)
    primal -= float(kappa @ weights)
    info = {
        "n_newton_steps": n_steps,
        "n_stages": len(ridges),
        "duality_gap": (primal - dual) / max(1.0, abs(primal)),
        "n_hessian_rows": free_gram.n_rows_formed,
        "n_predicted_starts": n_predicted,
    }
    return weights, 0.5 * float(product @ product) - float(kappa @ weights), info
