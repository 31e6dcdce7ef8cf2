"""An interior-point solver for relaxed covariance matching that exploits rank <= d(d+1)/2.

On ``m`` rows the squared objective is the quadratic ``x^T G x - 2 q^T x + ||C||^2`` with

    G_ij = (u_i . u_j)^2 / n^2    (the Gram matrix of the lifted rows svec(u_i u_i^T) / n),
    q_i  = u_i^T C u_i / n,

and ``G = B^T B`` for the ``p x m`` lifted matrix ``B`` (``p = d(d+1)/2``). Each Newton step
of a primal-dual method solves with ``G + D`` (``D`` diagonal, from the bounds); the solver
picks the cheaper of two exact ways: a Cholesky factor of the ``m x m`` matrix ``G + D``
(``m^3 / 3`` flops) or, through the Woodbury identity, of the ``p x p`` matrix
``I + B D^-1 B^T`` (``m p^2`` flops; on many rows in many dimensions, a third of that as
distinct fourth moments, with ``B``'s products computed from the rows instead of held).
Neither builds an ``n x n`` nor a ``d^2 x d^2`` object beyond these.

The solver is exact to the interior-point tolerance; it is meant for the working set of the
large-pool solver and for whole pools of a few thousand rows. Several problems (a pool's
classes) run in lockstep (:func:`solve_relaxed_interior_points`), each getting what it gets
alone; solvers written as generators of their interior points share such batches through
:func:`run_in_lockstep`.
"""

import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from scipy.linalg import lstsq
from scipy.linalg.blas import dsyrk
from scipy.linalg.lapack import dpotrf, dpotrs, dsycon, dsysv, dsysv_lwork

from ..utils._threads import single_blas_thread
from ._capped_simplex import project_capped_simplex
from ._chunked import quadratic_forms, weighted_scatter
from ._moments import fourth_moment_gram
from ._objective import smat, svec, svec_columns

# Fraction of the way to the boundary that a step may go.
_STEP_TO_BOUNDARY = 0.995
# Distance to a bound under which the polish treats a weight as at the bound.
_ACTIVE = 1e-6
# Tolerance on the residuals of the scaled problem (its coefficients are at most 1).
_RESIDUAL_TOL = 1e-9
# How far above tol a run that rounding stopped may end and still count as converged.
_ROUNDING_SLACK = 1e3
# An iteration of at most this many flops runs on one BLAS thread (utils._threads).
_SINGLE_THREAD_FLOPS = 1e8
# From this many rows on, in at least this many lifted dimensions (d >= 28), the Woodbury
# system computes its products from the rows (:class:`_MomentSystem`). Measured at one BLAS
# thread, an iteration's factorisation and solves against the held lifted matrix: 1.0x at
# 1,000 rows in 30 dimensions, 1.2x at 2,000, 1.4x at 5,000 to 10,000; 1.4-1.7x in 40 and
# 1.5-1.8x in 50 (2,000 to 10,000 rows); in 20 dimensions (p = 210) 0.7-0.8x at 1,000-2,000
# rows and 1.0-1.2x at 5,000 to 10,000.
_MOMENTS_FROM_ROWS = 2000
_MOMENTS_FROM_PAIRS = 400


class _GramSystem:
    """Solves with ``G + D`` through the ``m x m`` Gram matrix."""

    def __init__(self, U, scale):
        inner = U @ U.T
        # Fortran order, as LAPACK reads it: each iteration's copy is then a plain one.
        self.gram = np.asfortranarray(inner * inner * scale)
        # Each iteration factors in the same place: a fresh array of this size is mapped
        # anew, its pages faulted in, at every factorisation.
        self._work = np.empty_like(self.gram, order="F")

    def matvec(self, x):
        return self.gram @ x

    def factor(self, diagonal):
        system = self._work
        np.copyto(system, self.gram)
        system.flat[:: system.shape[0] + 1] += diagonal
        self._factor = _cholesky_in_place(system, lower=True)

    def solve(self, rhs):
        return _cholesky_solve(self._factor, rhs, lower=True)


class _LowRankSystem:
    """Solves with ``B^T B + D`` through the ``p x p`` matrix ``I + B D^-1 B^T`` (Woodbury).

    ``B`` is the ``p x m`` lifted matrix, held; :class:`_MomentSystem` computes its products
    from the rows instead.
    """

    def __init__(self, U, scale):
        self.lifted = svec_columns(U) * np.sqrt(scale)

    def _lift(self, columns):
        """``B @ columns`` for ``(m, c)`` columns."""
        return self.lifted @ columns

    def _lift_transpose(self, columns):
        """``B^T @ columns`` for ``(p, c)`` columns."""
        return self.lifted.T @ columns

    def matvec(self, x):
        return self.lifted.T @ (self.lifted @ x)

    def _capacitance(self, inverse_diagonal):
        """``B D^-1 B^T`` (upper triangle at least), Fortran-ordered."""
        scaled = self.lifted * np.sqrt(inverse_diagonal)
        # A symmetric rank-m update: half the flops of the general product. Upper triangle;
        # the transposed view is Fortran-ordered, so BLAS reads it without a copy.
        return dsyrk(1.0, scaled.T, trans=1)

    def factor(self, diagonal):
        self._inverse_diagonal = 1.0 / diagonal
        capacitance = self._capacitance(self._inverse_diagonal)
        capacitance.flat[:: capacitance.shape[0] + 1] += 1.0
        self._diagonal = diagonal
        self._factor = _cholesky_in_place(capacitance, lower=False)

    def _apply_inverse(self, rhs):
        scaled = rhs * self._inverse_diagonal[:, None]
        correction = _cholesky_solve(self._factor, self._lift(scaled), lower=False)
        return scaled - self._lift_transpose(correction) * self._inverse_diagonal[:, None]

    def solve(self, rhs):
        solution = self._apply_inverse(rhs)
        # One step of iterative refinement: the Woodbury identity loses accuracy when D spans
        # many orders of magnitude, as it does near the end of an interior-point run.
        residual = (
            rhs - self._lift_transpose(self._lift(solution)) - solution * self._diagonal[:, None]
        )
        return solution + self._apply_inverse(residual)


class _MomentSystem(_LowRankSystem):
    """:class:`_LowRankSystem` without the lifted matrix: its products are passes over the rows.

    ``B y = sqrt(c) svec(sum_i y_i u_i u_i^T)`` and ``B^T z = sqrt(c) (u_i^T smat(z) u_i)_i``
    (``c`` the scale), and ``B D^-1 B^T`` is summed as distinct fourth moments
    (:mod:`._moments`). On many rows in many dimensions the held ``p x m`` matrix no longer
    stays in the cache, and these are faster (:data:`_MOMENTS_FROM_ROWS`).
    """

    def __init__(self, U, scale):
        self.rows = np.ascontiguousarray(U, dtype=np.float64)
        self.scale = scale

    def _lift(self, columns):
        root = np.sqrt(self.scale)
        return np.column_stack(
            [root * svec(weighted_scatter(self.rows, column)) for column in columns.T]
        )

    def _lift_transpose(self, columns):
        root, d = np.sqrt(self.scale), self.rows.shape[1]
        return np.column_stack(
            [root * quadratic_forms(self.rows, smat(column, d)) for column in columns.T]
        )

    def matvec(self, x):
        return self.scale * quadratic_forms(self.rows, weighted_scatter(self.rows, x))

    def _capacitance(self, inverse_diagonal):
        # Symmetric and C-ordered: its transpose is the Fortran-ordered view LAPACK reads.
        return fourth_moment_gram(self.rows, weights=self.scale * inverse_diagonal).T


def iteration_flops(m, d):
    """Flops of one iteration on ``m`` rows in ``d`` dimensions: the cheaper factorisation."""
    p = d * (d + 1) // 2
    return min(m**3 / 3, m * p * p + p**3 / 3)


def _choose_system(U, scale):
    m, d = U.shape
    if m**3 / 3 <= iteration_flops(m, d):
        return _GramSystem(U, scale)
    if m >= _MOMENTS_FROM_ROWS and d * (d + 1) // 2 >= _MOMENTS_FROM_PAIRS:
        return _MomentSystem(U, scale)
    return _LowRankSystem(U, scale)


def _cholesky_in_place(matrix, lower):
    """LAPACK's Cholesky factor of a Fortran-ordered symmetric positive definite ``matrix``.

    What :func:`scipy.linalg.cho_factor` does without its checks: on the few-hundred-row
    systems of a many-class pool those cost a fifth of an iteration.
    """
    factor, info = dpotrf(matrix, lower=lower, clean=0, overwrite_a=1)
    if info != 0:
        raise np.linalg.LinAlgError(f"The {info}-th leading minor is not positive definite.")
    return factor


def _cholesky_solve(factor, rhs, lower):
    solution, info = dpotrs(factor, rhs, lower=lower)
    if info != 0:
        raise ValueError(f"LAPACK dpotrs: illegal value in argument {-info}.")
    return solution


class _Batch:
    """The classes an interior-point run still iterates on, their rows stacked.

    Every per-row quantity is one flat array over the classes' rows, in class order; a
    per-class sum is :func:`numpy.add.reduceat` over the class's segment, a sequential sum
    that does not depend on the other segments. A class's iterates are thus the same, to the
    last bit, whichever classes share its run: solved alone, in a batch, or in a thread of
    ``n_jobs``. Only the factorisations and solves are per class (one LAPACK call each).
    """

    def __init__(self, members, systems, sizes, arrays, scalars):
        self.members = members  # the problems' positions in the caller's list
        self.systems = systems
        self.sizes = sizes
        self.starts = (np.cumsum(sizes) - sizes).astype(np.intp)
        self.class_of_row = np.repeat(np.arange(len(sizes)), sizes)
        self.segments = [
            slice(int(start), int(start + size))
            for start, size in zip(self.starts, sizes, strict=True)
        ]  # each class's rows
        self.arrays = arrays  # per row: x, lower_dual, upper_dual, linear
        self.scalars = scalars  # per class: k, multiplier, best_mu, stagnant, n_iter, converged

    def sums(self, values):
        """Per class, the sum of ``values`` (per row, or rows x columns) over its rows."""
        return np.add.reduceat(values, self.starts, axis=0)

    def per_row(self, values):
        """A per-class array, repeated over each class's rows."""
        return values[self.class_of_row]

    def keep(self, kept):
        """The batch of the classes where ``kept`` (per class) is true."""
        rows = self.per_row(kept)
        return _Batch(
            self.members[kept],
            [system for system, keep in zip(self.systems, kept, strict=True) if keep],
            self.sizes[kept],
            {name: values[rows] for name, values in self.arrays.items()},
            {name: values[kept] for name, values in self.scalars.items()},
        )

    def apply_each(self, method, values):
        """Each class's ``system.method`` on its segment of ``values``, stacked."""
        out = np.empty_like(values)
        for system, segment in zip(self.systems, self.segments, strict=True):
            out[segment] = getattr(system, method)(values[segment])
        return out


def _max_steps(batch, pairs):
    """Per class, the largest step ``<= 1`` keeping each ``values + a * steps >= 0``."""
    ratio = None
    for values, steps in pairs:
        bound = np.divide(values, -steps, out=np.full(values.shape, np.inf), where=steps < 0)
        ratio = bound if ratio is None else np.minimum(ratio, bound)
    return np.minimum(np.minimum.reduceat(ratio, batch.starts), 1.0)


def _newton_directions(batch, x, residuals, lower_target, upper_target, ones_solved=None):
    """The Newton step towards ``x * lower_dual = lower_target``, ``(1 - x) * upper_dual =
    upper_target`` and zero residuals, each class's system holding the factor of its
    ``G + D``; also ``(G + D)^-1 1``, solved unless given."""
    arrays = batch.arrays
    lower_dual, upper_dual = arrays["lower_dual"], arrays["upper_dual"]
    dual_residual, primal_residual = residuals
    slack = 1.0 - x
    rhs = -dual_residual + (lower_target / x - lower_dual) - (upper_target / slack - upper_dual)
    # (G + D) step - multiplier_step * 1 = rhs and sum(step) = -primal_residual.
    if ones_solved is None:
        solved = batch.apply_each("solve", np.column_stack([rhs, np.ones_like(x)]))
        rhs_solved, ones_solved = solved[:, 0], solved[:, 1]
    else:
        rhs_solved = batch.apply_each("solve", rhs[:, None])[:, 0]
    step_multiplier = (-primal_residual - batch.sums(rhs_solved)) / batch.sums(ones_solved)
    step = rhs_solved + batch.per_row(step_multiplier) * ones_solved
    step_lower = (lower_target - x * lower_dual - lower_dual * step) / x
    step_upper = (upper_target - slack * upper_dual + upper_dual * step) / slack
    return step, step_multiplier, step_lower, step_upper, ones_solved


@dataclass(frozen=True)
class InteriorPointResult:
    """What :func:`solve_relaxed_interior_point` returns.

    Attributes
    ----------
    weights : ndarray of shape (m,)
        Feasible weights: in ``[0, 1]`` and summing to ``k`` (up to rounding).
    n_iter : int
        Interior-point iterations.
    converged : bool
        Whether the residuals met their tolerance and the mean complementarity reached ``tol``
        (within a factor 1000 when rounding stopped the run first).
    """

    weights: np.ndarray
    n_iter: int
    converged: bool


def solve_relaxed_interior_point(U, target, k, *, normaliser=None, tol=1e-15, max_iter=100):
    """Minimise ``||sum_i w_i u_i u_i^T / n - target||_F`` over ``0 <= w <= 1``, ``sum w = k``.

    A Mehrotra predictor-corrector method on the equivalent quadratic program; each iteration
    costs ``min(m^3 / 3, m p^2)`` flops for ``m`` rows and ``p = d(d+1)/2``.

    Parameters
    ----------
    U : ndarray of shape (m, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target (for a working set: the target minus the scatter of the rows fixed at one,
        over ``n``).
    k : float
        Sum of the weights, ``0 <= k <= m``.
    normaliser : float or None
        ``n``, dividing the weighted scatter; ``None`` means ``k``.
    tol : float, default=1e-15
        Tolerance on the mean complementarity of the problem scaled to unit coefficients. The
        squared objective is then accurate to about ``tol`` and the gap itself to about
        ``sqrt(tol)`` of the target's scale; the polish on the identified active set usually
        does much better. The run also stops when rounding stalls progress.
    max_iter : int, default=100
        Iteration limit.

    Returns
    -------
    result : InteriorPointResult
    """
    problem = (U, target, k, normaliser)
    return solve_relaxed_interior_points([problem], tol=tol, max_iter=max_iter)[0]


def solve_relaxed_interior_points(problems, *, tol=1e-15, max_iter=100):
    """:func:`solve_relaxed_interior_point` on several problems at once, in lockstep.

    The classes of a pool are independent problems; on many small ones (a few hundred rows)
    an iteration's fixed costs, dozens of small array operations, exceed its factorisation.
    Run together, the problems share those operations (their rows stacked), and each problem
    gets the same result as alone, to the last bit (:class:`_Batch`).

    Parameters
    ----------
    problems : sequence of (U, target, k, normaliser)
        The arguments of :func:`solve_relaxed_interior_point`, per problem.
    tol, max_iter
        As for :func:`solve_relaxed_interior_point`, for every problem.

    Returns
    -------
    results : list of InteriorPointResult
        In the order of ``problems``.
    """
    results = [None] * len(problems)
    started = []
    for position, (U, target, k, normaliser) in enumerate(problems):
        m = U.shape[0]
        normaliser = float(k if normaliser is None else normaliser)
        if k <= 0 or k >= m:
            results[position] = InteriorPointResult(np.full(m, 1.0 if k >= m else 0.0), 0, True)
        else:
            started.append((position, _start(U, target, k, normaliser)))
    if started:
        small = all(_is_small(problems[position][0]) for position, _ in started)
        with single_blas_thread() if small else nullcontext():
            finals = _iterate(started, tol, max_iter)
            for position, (x, lower_dual, upper_dual, n_iter, converged) in finals.items():
                U, target, k, normaliser = problems[position]
                normaliser = float(k if normaliser is None else normaliser)
                weights = _finish(U, target, k, normaliser, x, lower_dual, upper_dual)
                results[position] = InteriorPointResult(weights, n_iter, converged)
    return results


def run_alone(steps):
    """Drive one solve written as a generator of interior-point problems; its return value.

    ``steps`` yields ``(U, target, k, normaliser)`` and is sent back
    ``(InteriorPointResult, seconds)``.
    """
    return run_in_lockstep([steps])[0]


def run_in_lockstep(generators):
    """Drive solves written as generators of interior-point problems, their requests batched.

    Each generator runs until it yields a problem ``(U, target, k, normaliser)`` or returns;
    the problems yielded then are solved together (:func:`solve_relaxed_interior_points`) and
    each generator is sent back its ``(InteriorPointResult, seconds)``, ``seconds`` the
    batch's time shared evenly. Every solve gets what it would get alone.

    Returns
    -------
    values : list
        The generators' return values, in order.
    """
    values = [None] * len(generators)
    replies = dict.fromkeys(range(len(generators)))
    while replies:
        requests = {}
        for index, reply in replies.items():
            try:
                requests[index] = generators[index].send(reply)
            except StopIteration as stop:
                values[index] = stop.value
        if not requests:
            break
        started = time.perf_counter()
        results = solve_relaxed_interior_points(list(requests.values()))
        share = (time.perf_counter() - started) / len(requests)
        replies = {index: (result, share) for index, result in zip(requests, results, strict=True)}
    return values


def _start(U, target, k, normaliser):
    """A problem's system and starting point, on the problem divided by its largest coefficient."""
    m = U.shape[0]
    linear = quadratic_forms(U, target) / normaliser
    squared_norms = np.einsum("ij,ij->i", U, U)
    # Divide the problem by its largest coefficient: the iterates then live on a unit scale.
    scale = max(
        float(np.max(squared_norms**2)) / normaliser**2,
        float(np.max(np.abs(linear))),
        np.finfo(float).tiny,
    )
    linear /= scale
    system = _choose_system(U, 1.0 / (normaliser**2 * scale))
    x = np.full(m, k / m)
    reduced = system.matvec(x) - linear
    multiplier = float(np.median(reduced))
    spread = float(np.mean(np.abs(reduced - multiplier))) + 1e-2
    lower_dual = np.maximum(reduced - multiplier, 0.0) + spread
    upper_dual = np.maximum(multiplier - reduced, 0.0) + spread
    return system, x, lower_dual, upper_dual, linear, float(k), multiplier


def _iterate(started, tol, max_iter):
    """Run the problems' iterations in lockstep; per position, the last iterate and counts."""
    (positions, states) = zip(*started, strict=True)
    systems, xs, lowers, uppers, linears, ks, multipliers = zip(*states, strict=True)
    n = len(states)
    batch = _Batch(
        np.array(positions),
        list(systems),
        np.array([len(x) for x in xs]),
        {
            "x": np.concatenate(xs),
            "lower_dual": np.concatenate(lowers),
            "upper_dual": np.concatenate(uppers),
            "linear": np.concatenate(linears),
        },
        {
            "k": np.array(ks),
            "multiplier": np.array(multipliers),
            "best_mu": np.full(n, np.inf),
            "stagnant": np.zeros(n, dtype=int),
            "n_iter": np.zeros(n, dtype=int),
            "converged": np.zeros(n, dtype=bool),
        },
    )
    finals = {}

    def retire(done):
        """Record the classes where ``done`` as they are; the batch of the others."""
        nonlocal batch
        if not done.any():
            return
        arrays, scalars, segments = batch.arrays, batch.scalars, batch.segments
        for index in np.flatnonzero(done):
            segment = segments[index]
            finals[int(batch.members[index])] = (
                arrays["x"][segment],
                arrays["lower_dual"][segment],
                arrays["upper_dual"][segment],
                int(scalars["n_iter"][index]),
                bool(scalars["converged"][index]),
            )
        batch = batch.keep(~done)

    retire(batch.scalars["n_iter"] >= max_iter)
    while len(batch.sizes):
        arrays, scalars = batch.arrays, batch.scalars
        scalars["n_iter"] += 1
        x, lower_dual, upper_dual = arrays["x"], arrays["lower_dual"], arrays["upper_dual"]
        slack = 1.0 - x
        dual_residual = (
            batch.apply_each("matvec", x)
            - arrays["linear"]
            - batch.per_row(scalars["multiplier"])
            - lower_dual
            + upper_dual
        )
        primal_residual = batch.sums(x) - scalars["k"]
        mu = batch.sums(x * lower_dual + slack * upper_dual) / (2 * batch.sizes)
        feasible = (np.maximum.reduceat(np.abs(dual_residual), batch.starts) <= _RESIDUAL_TOL) & (
            np.abs(primal_residual) <= _RESIDUAL_TOL * np.maximum(scalars["k"], 1.0)
        )
        # Rounding may stop the run a little short of tol (stagnation, a step onto a bound).
        scalars["converged"] = feasible & (mu <= _ROUNDING_SLACK * tol)
        reached = feasible & (mu <= tol)
        # Rounding can stop progress short of tol on nearly degenerate problems: stop then.
        scalars["stagnant"] = np.where(mu > 0.9 * scalars["best_mu"], scalars["stagnant"] + 1, 0)
        scalars["best_mu"] = np.minimum(scalars["best_mu"], mu)
        barrier = lower_dual / x + upper_dual / slack
        singular = np.zeros(len(batch.sizes), dtype=bool)
        stopping = reached | (scalars["stagnant"] >= 5)
        for index, (system, segment) in enumerate(zip(batch.systems, batch.segments, strict=True)):
            if stopping[index]:
                continue
            try:
                system.factor(barrier[segment] + 1e-14)
            except np.linalg.LinAlgError:
                singular[index] = True  # A numerically singular system: keep the last iterate.
        if (stopping | singular).any():
            kept = ~(stopping | singular)
            rows = batch.per_row(kept)
            dual_residual, primal_residual = dual_residual[rows], primal_residual[kept]
            mu = mu[kept]
            retire(stopping | singular)
            if not len(batch.sizes):
                break
            arrays, scalars = batch.arrays, batch.scalars
            x, lower_dual, upper_dual = arrays["x"], arrays["lower_dual"], arrays["upper_dual"]
            slack = 1.0 - x
        residuals = (dual_residual, primal_residual)
        # Predictor: the affine-scaling direction.
        step, _, step_lower, step_upper, ones_solved = _newton_directions(
            batch, x, residuals, 0.0, 0.0
        )
        alpha = _max_steps(
            batch,
            [(x, step), (slack, -step), (lower_dual, step_lower), (upper_dual, step_upper)],
        )
        a = batch.per_row(alpha)
        mu_affine = batch.sums(
            (x + a * step) * (lower_dual + a * step_lower)
            + (slack - a * step) * (upper_dual + a * step_upper)
        ) / (2 * batch.sizes)
        centring = batch.per_row((mu_affine / mu) ** 3 * mu)
        # Corrector: centre, and cancel the second-order term of the predictor.
        step, step_multiplier, step_lower, step_upper, _ = _newton_directions(
            batch,
            x,
            residuals,
            centring - step * step_lower,
            centring + step * step_upper,
            ones_solved,
        )
        alpha = _STEP_TO_BOUNDARY * np.minimum(
            1.0 / _STEP_TO_BOUNDARY,
            _max_steps(
                batch,
                [(x, step), (slack, -step), (lower_dual, step_lower), (upper_dual, step_upper)],
            ),
        )
        a = batch.per_row(alpha)
        new_x = x + a * step
        outside = ~(np.isfinite(new_x) & (new_x > 0) & (new_x < 1))
        # The step reached the bounds in floating point: keep the last iterate.
        left = np.logical_or.reduceat(outside, batch.starts)
        moving = batch.per_row(~left)
        arrays["x"] = np.where(moving, new_x, x)
        arrays["lower_dual"] = np.where(moving, lower_dual + a * step_lower, lower_dual)
        arrays["upper_dual"] = np.where(moving, upper_dual + a * step_upper, upper_dual)
        scalars["multiplier"] = np.where(
            left, scalars["multiplier"], scalars["multiplier"] + alpha * step_multiplier
        )
        retire(left | (scalars["n_iter"] >= max_iter))
    return finals


def _finish(U, target, k, normaliser, x, lower_dual, upper_dual):
    """The weights of a last iterate: projected onto the constraints, or polished if better."""
    weights, _ = project_capped_simplex(np.clip(x, 0.0, 1.0), k)
    polished = _polish(U, target, k, normaliser, x, lower_dual, upper_dual)
    if polished is not None and (
        _squared_gap(U, target, polished, normaliser)
        <= _squared_gap(U, target, weights, normaliser)
    ):
        weights = polished
    return weights


def _is_small(U):
    """Whether an iteration on ``U`` is small (under 1e8 flops): one BLAS thread then."""
    return iteration_flops(*U.shape) <= _SINGLE_THREAD_FLOPS


def _squared_gap(U, target, weights, normaliser):
    residual = (U * weights[:, None]).T @ U / normaliser - target
    return float(np.sum(residual * residual))


def _polish(U, target, k, normaliser, x, lower_dual, upper_dual):
    """Solve exactly on the active set the interior point identified; ``None`` if infeasible.

    An interior point reaches the squared objective to its tolerance, hence the gap itself
    only to about its square root: a reachable target ends near 1e-6 instead of 0. Rows whose
    bound is active (the weight below its dual) are fixed; the others solve the equality-
    constrained least squares ``G x = q - t 1``, ``sum x = k - ones``, in closed form.
    """
    # Active: the weight below its dual, or within 1e-6 of the bound (a degenerate optimum,
    # e.g. a reachable target, has every dual near 0).
    at_one = ((1.0 - x) < upper_dual) | ((1.0 - x) < _ACTIVE)
    at_zero = ((x < lower_dual) | (x < _ACTIVE)) & ~at_one
    free = np.flatnonzero(~(at_one | at_zero))
    remaining = k - int(at_one.sum())
    p = U.shape[1] * (U.shape[1] + 1) // 2
    # An optimum with at most p + 1 free rows exists; many more make the solve costly and its
    # answer (minimum norm on a large face) unlikely to be feasible.
    if (
        not 0 <= remaining <= free.size
        or free.size > 2 * (p + 1)
        or (free.size == 0 and remaining > 1e-9)
    ):
        return None
    polished = at_one.astype(float)
    if free.size:
        rows = U[free]
        # The target left for the free rows once the rows at one are counted.
        reduced = target - U[at_one].T @ U[at_one] / normaliser
        inner = rows @ rows.T
        system = np.zeros((free.size + 1, free.size + 1))
        system[:-1, :-1] = inner * inner / normaliser**2
        system[:-1, -1] = system[-1, :-1] = 1.0
        rhs = np.append(np.einsum("ij,jk,ik->i", rows, reduced, rows) / normaliser, remaining)
        solution = _face_kkt_solve(system, rhs, free.size <= p)[:-1]
        if solution.min() < -1e-9 or solution.max() > 1 + 1e-9:
            return None
        polished[free] = solution
    projected, _ = project_capped_simplex(np.clip(polished, 0.0, 1.0), k)
    return projected


def _face_kkt_solve(system, rhs, nonsingular):
    """A solution of the polish's symmetric, indefinite system ``[[G_ff, 1], [1^T, 0]]``.

    At most ``p`` free rows (``nonsingular``) make ``G_ff`` regular unless the rows lie in a
    subspace: :func:`symmetric_solve_if_regular` (about a third of the time of the QR below
    on 200 rows). Otherwise, or if the system is not regular, the minimum-norm least-squares
    solution (QR with column pivoting), as a singular system needs.
    """
    solution = symmetric_solve_if_regular(system, rhs) if nonsingular else None
    if solution is None:
        solution = lstsq(system, rhs, lapack_driver="gelsy", check_finite=False)[0]
    return solution


def symmetric_solve_if_regular(system, rhs):
    """``system^-1 rhs`` for a symmetric, possibly indefinite ``system``, or ``None``.

    LAPACK's sysv (Bunch-Kaufman) with the optimal workspace; ``None`` when the factor is
    singular or its estimated reciprocal condition number (sycon) is under ``size * eps``.
    """
    size = system.shape[0]
    work = int(dsysv_lwork(size)[0])
    factor, pivots, solution, info = dsysv(system, rhs, lwork=work)
    if info != 0:
        return None
    rcond, info = dsycon(factor, pivots, float(np.abs(system).sum(axis=0).max()))
    if info != 0 or not rcond > size * np.finfo(float).eps:
        return None
    return solution
