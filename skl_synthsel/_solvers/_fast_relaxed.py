"""The large-pool solver of relaxed covariance matching: first order, working set, certificate.

0. A reachable target (optimum 0) is matched exactly by the weights nearest the uniform ones
   (:mod:`._reachable`: semismooth Newton in ``d(d+1)/2 + 1`` dual variables); certified, that
   ends the solve. Otherwise it gives up after a few steps and the method below runs. Before
   it, first-order iterations costing about one Newton step try to prove the target out of
   reach (a positive certified lower bound); most unreachable targets are, and skip the
   Newton steps (:func:`_proof_iterations`). The first-order phase then goes on from that
   run's state, its momentum and step size kept: its iterates are those of one run (started
   again from the proof's weights instead, ten 2,000-row classes in 50 dimensions made 1,125
   iterations instead of 1,035-1,055). In a very large pool (over 100,000 rows) the
   match is sought on a uniform sample of the rows (:func:`_reachable_sample`): an exact
   match there is one over the pool, certified by one pass, and the Newton steps' cost no
   longer grows with the pool.

   A small pool (at most ``max(2000, 2 (p + 1))`` rows) whose interior-point iteration costs at
   most 1e7 flops is then solved exactly on every row (step 3 over the whole pool, then step 4).
   Beyond (e.g. 2,000 rows in 20 dimensions, 9e7 flops an iteration; in 50, ``2000^3 / 3``)
   that solve is dearer than the first-order phase and a screened working set, so steps 1 to 4
   run instead.
1. An accelerated projected gradient (:mod:`._first_order`) runs until its Frank-Wolfe
   certificate is within an identification tolerance: cheap, chunked passes over the pool.
   It stops sooner (:func:`_solve_is_due`, ski-rental rules) once its work so far costs as
   much as an exact solve on the screened rows, or, when its support has settled, as the
   active-set solves on the iterate's face alone (:func:`_face_solve`, one factorisation each;
   if the certificate rejects them, the phase goes on), or as an exact solve on the support
   band (many fractional rows no screen decides: ``k`` below ``p`` in many dimensions).
   A stall (the certified gap not halved in 50 iterations) stops it only once its work, in
   time, costs as much as the interior point the stall would hand over to
   (:func:`_first_order_cost`): on 1,000-row classes in 30 dimensions with ``k`` below ``p`` it
   crawls for a hundred iterations, then identifies the support within another hundred.
2. A working set: the rows that safe screening cannot fix at 0 or 1 (:mod:`._working_set`).
   While an exact solve on it would cost more than a few dozen first-order iterations and that
   phase still progresses, it goes on with a tighter tolerance (a sharper screen). The support
   band (the iterate's fractional rows and a 10% margin by gradient rank) when step 1 asked
   for it, or when it stalled with a settled support and the band is much cheaper. If the set
   is too large for the exact solve (or the target is nearly reachable: no row is decided), a
   band of rows around the ``k``-th smallest gradient.
3. An exact interior-point solve restricted to the working set (:mod:`._interior_point`),
   the other rows held at their proven values (after screening) or at the first-order
   iterate's values (after a band: the restricted optimum is then never worse than it). On a
   support band, first a few active-set solves on the face the iterate points at
   (:func:`_face_solve`, one Cholesky factor each), certified as in step 4.
4. The Frank-Wolfe certificate of the result over the whole pool (:mod:`._certificate`). If it
   fails the tolerance, the first-order phase resumes from the best point (with its momentum
   when that is its own iterate) with a 100 times tighter identification tolerance (so a
   sharper screen), and steps 2 to 4 repeat; after a support band that missed, with the same
   tolerance and twice the work before the next band.

Nothing of size ``d(d+1)/2 x n_rows`` is built: the pool is only read in chunks, and the
lifted matrix exists for the working set alone.
"""

import time
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from ..utils._threads import each_step_on_one_blas_thread_when
from ._capped_simplex import project_capped_simplex
from ._certificate import certificate_from_gradient, objective_gradient, residual_matrix
from ._chunked import quadratic_forms, squared_row_norms
from ._first_order import accelerated_projected_gradient
from ._interior_point import (
    iteration_flops,
    run_alone,
    run_in_lockstep,
    symmetric_solve_if_regular,
)
from ._reachable import project_reachable
from ._working_set import gradient_band, screen_rows, support_band, support_band_size

# Budget of an interior-point iteration on the working set, in flops (m p^2 <= this).
_WORKING_SET_FLOPS = 1e10
_MAX_WORKING_SET = 10000
# An exact solve is worth it once it costs at most this many first-order iterations.
_SOLVE_IN_ITERATIONS = 40
# Interior-point iterations to expect, for that comparison.
_EXPECTED_IPM_ITERATIONS = 15
# Pools up to this many rows go straight to the interior point...
_DIRECT_ROWS = 2000
# ...when an interior-point iteration on them costs at most this many flops (a millisecond:
# there the first-order phase's fixed costs per iteration dominate, and measured runs on 200
# rows in 8 and 50 dimensions take 2-3 times longer that way). Beyond, the first-order phase
# and screening shrink the problem first, and solve on the screen once they have cost as much
# as that solve (:func:`_solve_is_due`): 2,000 rows in 20 dimensions, 9e7 flops an iteration,
# take a sixth of the time of the direct solve on an out-of-reach target.
_DIRECT_FLOPS = 1e7
# An iteration of the first-order phase (two chunked passes, matrix-vector-like products of
# ``d x d`` blocks) runs at a fraction of the flop rate of a symmetric rank-n update of
# ``p x p`` (BLAS-3 at full speed): measured 2.4 times slower on 2,000 rows in 50 dimensions
# and up to 6 on 20,000; 3 errs towards proving. The reachable projection sums its Newton
# matrix of many rows as fourth moments instead (:mod:`._reachable`): about a third of the
# flops, at about the first-order phase's rate (12.7 and 12.5 GFlop/s on 20,000 rows in 50
# dimensions), so the same count of iterations, ``p^2 / (12 d^2)``, matches a step to 10%.
_FLOP_RATE_RATIO = 3
# A first-order iteration's time beyond its two passes, in flops at the rate of BLAS-3 (about
# 14 GFlop/s here): measured 0.24-0.39 ms on 200 rows in 8 to 50 dimensions, 0.79 ms on 5,000
# in 8 (about 40 NumPy calls, and vector updates of about 0.1 us a row).
_FIRST_ORDER_FIXED_FLOPS = 3e6
_FIRST_ORDER_ROW_FLOPS = 1.5e3
# The fewest iterations worth a proof attempt: one certificate check of the first-order phase.
_PROOF_MIN_ITERATIONS = 5
# With more rows to select than lifted dimensions (k > p) the proof gets at most this many
# checks: an exact match is then likely (the default, shrunk targets), and the targets out of
# reach were proven at the first check (measured: the paper and singular targets, 0 or 5
# iterations in 20 to 50 dimensions), while a reachable one lost the whole budget (55
# iterations, 0.9 s, on 20,000 rows in 50 dimensions). With k <= p the proofs took longer
# (30 to 45 iterations on 2,000-row classes in 50 dimensions): the whole budget.
_LIKELY_REACHABLE_CHECKS = 2
# Pools beyond this many rows seek an exact match on a sample first (at most 64 MiB of rows).
_SAMPLE_FROM_ROWS = 100_000
# A certified lower bound above this (relative to ||target||) proves the target out of reach:
# the projection accepts matches only to 1e-10 of it.
_REACHED = 1e-9
# Solves on the face a first-order iterate points at before the interior point on its band.
# On 2,000-row classes in 50 dimensions the first attempt, a few checks after the support
# settled, needed 4 to 6 (rows leave at the first solve, some enter again after it): with 4,
# 9 of 10 classes failed it and ran 10 more first-order iterations and a second attempt
# (10-class sweep rows 3.35 s and 4.32 s; with 6, 3.06 s and 3.33 s; 8 gained nothing more).
_FACE_TRIES = 6
# Face solves to expect when the support was identified (measured: one to six, 3.5 on
# 2,000 rows in 50 dimensions). The first-order work asked for before an attempt still costs
# each at a factorisation, though the later ones reuse the first's (:class:`_FaceSystem`):
# costed at that price, the attempts came earlier and failed more often (the sweep's 10-class
# intermediate row in 50 dimensions took 3.5 s instead of 2.5 s).
_EXPECTED_FACE_TRIES = 3
# A face solve reuses the first try's factor while at most this fraction of its rows changed:
# its cost, 2 |F0|^2 per changed row, is then under half a factorisation's |F0|^3 / 3.
_FACE_REUSE_FRACTION = 0.08
# The first-order support has settled when at most this fraction of it changed between two
# checks: measured 0.1-0.2% on 2,000 rows in 50 dimensions, where a band on it holds the
# optimum's support, against 2-5% on 1,000 rows in 30, where it does not yet.
_SETTLED = 0.01
_SAMPLE_BYTES = 64 * 2**20
# A pass over the pool of at most this many flops runs on one BLAS thread (utils._threads).
_SINGLE_THREAD_FLOPS = 1e7


@dataclass
class RelaxedSolution:
    """What :func:`solve_relaxed_fast` returns.

    Attributes
    ----------
    weights : ndarray of shape (n_rows,)
        Relaxed weights: in ``[0, 1]``, summing to ``k``.
    certificate : Certificate
        Their Frank-Wolfe certificate over the whole pool.
    converged : bool
        Whether the certificate met the tolerance.
    n_first_order_iter : int
        Iterations of the first-order phase, over all rounds.
    n_interior_point_iter : int
        Iterations of the interior-point solves, over all rounds.
    n_rounds : int
        Working-set solves made.
    n_reachable_steps : int
        Newton steps of the reachable-target projection (:mod:`._reachable`), tried first.
    working_set_size : int
        Rows in the last working set (0 if none was needed).
    iteration_seconds : list of float
        Wall time of each first-order iteration.
    seconds : dict of str to float
        Wall time per phase: ``"reachable"``, ``"first_order"``, ``"working_set"``,
        ``"interior_point"``, ``"certificate"``.
    """

    weights: np.ndarray
    certificate: object
    converged: bool
    n_first_order_iter: int = 0
    n_interior_point_iter: int = 0
    n_rounds: int = 0
    n_reachable_steps: int = 0
    working_set_size: int = 0
    iteration_seconds: list = field(default_factory=list)
    seconds: dict = field(default_factory=dict)


def default_working_set_limit(d):
    """The largest working set for ``d`` dimensions: an interior-point step of at most 1e10 flops.

    Never below ``2 (p + 1)`` rows (an optimum has at most ``p + 1`` fractional weights).
    """
    p = d * (d + 1) // 2
    return int(min(max(_WORKING_SET_FLOPS / p**2, 2 * (p + 1)), _MAX_WORKING_SET))


def _reachable_sample(n_rows, k, p, d):
    """Rows on which to seek an exact match in a very large pool, or None to use every row.

    The exact match's Newton steps cost ``|free rows| p^2`` each, ``10^12`` flops for 4
    million rows in 32 dimensions. Beyond :data:`_SAMPLE_FROM_ROWS` rows (and twice the
    sample) they run on a uniform sample (a fixed seed: deterministic) of
    ``max(50 k, 50 (p + 1))`` rows, at most 64 MiB of them: an exact match needs ``k`` well
    above ``p`` rows, and is as reachable in such a sample as in the pool.
    """
    size = min(max(50 * k, 50 * (p + 1)), _SAMPLE_BYTES // (8 * d))
    if n_rows <= max(_SAMPLE_FROM_ROWS, 2 * size) or size <= k:
        return None
    return np.sort(np.random.RandomState(0).choice(n_rows, size, replace=False))


def _solve_is_cheap(n_working, n_rows, d):
    """Whether an interior point on ``n_working`` rows costs at most a few first-order steps."""
    per_iteration = iteration_flops(n_working, d)
    return _EXPECTED_IPM_ITERATIONS * per_iteration <= _SOLVE_IN_ITERATIONS * 4 * n_rows * d * d


def _first_order_flops(n_rows, d):
    """Flops of one first-order iteration over ``n_rows`` rows: two passes."""
    return 4 * n_rows * d * d


def _first_order_cost(n_rows, d):
    """Time of one first-order iteration in flops at the interior point's rate: its two
    passes, plus its fixed and per-row costs (NumPy calls, vector updates)."""
    per_row = _FIRST_ORDER_ROW_FLOPS * n_rows
    return _first_order_flops(n_rows, d) + _FIRST_ORDER_FIXED_FLOPS + per_row


def _proof_iterations(n_rows, d, k):
    """First-order iterations costing about one Newton step of the reachable projection.

    A Newton step over ``n_rows`` free rows costs ``n_rows p^2 + p^3 / 3`` flops at the rank
    update's rate (:data:`_FLOP_RATE_RATIO`); a failing projection makes at least three. Spent
    first on the first-order phase, that much proves most targets out of reach (a positive
    certified lower bound: measured 0 to 45 iterations on the paper, intermediate and singular
    targets) and then saves every Newton step; on a reachable target it is lost, at most about
    one step's time. 0 (no proof attempt) when a Newton step costs less than one certificate
    check's worth of iterations (few dimensions: the Newton steps are the cheaper test); at
    most :data:`_LIKELY_REACHABLE_CHECKS` checks' worth when ``k > p`` (a match is likely).
    """
    p = d * (d + 1) // 2
    newton = n_rows * p * p + p**3 / 3
    iterations = int(newton / (_FLOP_RATE_RATIO * _first_order_flops(n_rows, d)))
    if iterations < _PROOF_MIN_ITERATIONS:
        return 0
    if k > p:
        return min(iterations, _LIKELY_REACHABLE_CHECKS * _PROOF_MIN_ITERATIONS)
    return iterations


def _direct_is_cheap(n_rows, d):
    """Whether an interior-point iteration over all ``n_rows`` rows is cheap in absolute terms."""
    return iteration_flops(n_rows, d) <= _DIRECT_FLOPS


def _restricted_solve(U, target, k, normaliser, fixed, working):
    """The exact solve on ``working``, the other rows held at ``fixed``; the full weights.

    ``fixed`` is zero on ``working``. Any fixed values work: held at a feasible point's values,
    the restricted optimum is feasible and no worse than that point. A generator: it yields
    the interior-point problem (see :func:`relaxed_fast_steps`) and returns the weights, the
    interior point's iterations and the seconds spent (its share of a batch included).
    """
    started = time.perf_counter()
    # The fixed rows move the target: solve for target - scatter(fixed) / n.
    reduced_target = -residual_matrix(U, target, fixed, normaliser)
    rows = np.flatnonzero(working)
    total = min(max(k - float(fixed.sum()), 0.0), float(rows.size))
    set_up = time.perf_counter() - started
    result, seconds = yield (U[rows], reduced_target, total, normaliser)
    weights = fixed.copy()
    weights[rows] = result.weights
    return weights, result.n_iter, set_up + seconds


def _is_small(U):
    """Whether a pass over ``U`` is small (under 1e7 flops): one BLAS thread then."""
    n_rows, d = U.shape
    return n_rows * d * d <= _SINGLE_THREAD_FLOPS


def solve_relaxed_fast(U, target, k, **options):
    """Minimise ``||sum_i w_i u_i u_i^T / n - target||_F`` over ``0 <= w <= 1``, ``sum w = k``.

    :func:`relaxed_fast_steps` run alone: see it for the parameters.

    Returns
    -------
    solution : RelaxedSolution
    """
    return run_alone(relaxed_fast_steps(U, target, k, **options))


def solve_relaxed_fast_classes(problems, **options):
    """:func:`solve_relaxed_fast` on each of ``problems``, ``(U, target, k, normaliser)``.

    The problems (a pool's classes) run in lockstep, their interior-point solves batched
    (:func:`run_in_lockstep`): on many small classes an interior-point iteration's fixed costs
    then are shared. Each problem gets the solution it gets alone, to the last bit.

    Returns
    -------
    solutions : list of RelaxedSolution
        In the order of ``problems``.
    """
    return run_in_lockstep(
        [
            relaxed_fast_steps(U, target, k, normaliser=normaliser, **options)
            for U, target, k, normaliser in problems
        ]
    )


@each_step_on_one_blas_thread_when(_is_small)
def relaxed_fast_steps(
    U,
    target,
    k,
    *,
    normaliser=None,
    rtol=1e-9,
    atol=1e-9,
    max_iter=2000,
    identify_rtol=1e-6,
    identify_atol=1e-7,
    working_set_limit=None,
    max_rounds=4,
    chunk_rows=None,
    reachable=True,
):
    """:func:`solve_relaxed_fast` as a generator of its interior-point problems.

    For pools too large for a conic solver over every row: see the module docstring for the
    method. Deterministic: the same input gives the same weights. Each exact solve on a
    working set is yielded as ``(U, target, k, normaliser)`` and expects
    ``(InteriorPointResult, seconds)`` back (:func:`run_alone`, :func:`run_in_lockstep`); the
    steps between run on one BLAS thread when a pass over ``U`` is small.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        Candidate rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    k : int
        Number of rows to select, ``1 <= k <= n_rows``.
    normaliser : float or None
        ``n``, dividing the weighted scatter; ``None`` means ``k``. The mixture variant (real
        rows plus selected rows matched to the target) is this problem with another
        normaliser and a shifted target, see :func:`mixture_problem`.
    rtol, atol : float
        Stop once the certified duality gap is at most ``rtol * objective + atol * ||target||``.
        A reachable target (optimum 0) can only be certified through ``atol``.
    max_iter : int, default=2000
        Limit on the first-order iterations over all rounds.
    identify_rtol, identify_atol : float, default=1e-6 and 1e-7
        Tolerances of the first first-order phase, relative to the objective and to
        ``||target||`` (the second lets a nearly reachable target, whose lower bound is 0, hand
        over to the exact solve); divided by 100 at each further round.
    working_set_limit : int or None
        The largest working set; ``None`` means :func:`default_working_set_limit`.
    max_rounds : int, default=4
        Limit on the working-set solves.
    chunk_rows : int or None
        Rows per chunk of the passes over the pool.
    reachable : bool, default=True
        First try the exact match nearest the uniform weights (:mod:`._reachable`): a few
        Newton steps in ``d(d+1)/2 + 1`` dual variables that end the solve, certified, when
        the target is reachable (optimum 0), and give up after a few steps when it is not.

    Returns
    -------
    solution : RelaxedSolution
        The generator's return value.
    """
    n_rows, d = U.shape
    if not 1 <= k <= n_rows:
        raise ValueError(f"k must be in [1, {n_rows}]; got {k}.")
    normaliser = float(k if normaliser is None else normaliser)
    limit = default_working_set_limit(d) if working_set_limit is None else working_set_limit
    absolute = atol * float(np.linalg.norm(target))
    checks = (rtol, absolute, chunk_rows)  # what every certification compares with
    seconds = dict.fromkeys(
        ("reachable", "first_order", "working_set", "interior_point", "certificate"), 0.0
    )
    solution = RelaxedSolution(np.full(n_rows, k / n_rows), None, False, seconds=seconds)

    p = d * (d + 1) // 2
    # The first-order phase's start: weights, or a run to go on from (its momentum).
    start, resume = None, None
    sample = _reachable_sample(n_rows, k, p, d) if reachable and k < n_rows else None
    if sample is not None:
        # A very large pool: the exact match is sought on a sample of it. An exact match on
        # the sample is one on the pool (the optimum is 0); one pass certifies it.
        started = time.perf_counter()
        rows = U[sample]
        exact, n_steps = project_reachable(rows, target, k, normaliser=normaliser)
        seconds["reachable"] = time.perf_counter() - started
        solution.n_reachable_steps = n_steps
        if exact is not None:
            weights = np.zeros(n_rows)
            weights[sample] = exact
            started = time.perf_counter()
            residual = residual_matrix(rows, target, exact, normaliser, chunk_rows=chunk_rows)
            gradient = objective_gradient(U, residual, normaliser, chunk_rows=chunk_rows)
            certificate = certificate_from_gradient(residual, gradient, weights, k)
            seconds["certificate"] += time.perf_counter() - started
            _keep_better(solution, weights, certificate, rtol, absolute)
            if solution.converged:
                return solution
    elif reachable and k < n_rows and n_rows > p + 1:
        # First a few first-order iterations, about one Newton step's worth: a positive
        # certified lower bound proves the target out of reach (the projection below can
        # only succeed at optimum 0), and the first-order phase goes on from there.
        reached = max(absolute, _REACHED * float(np.linalg.norm(target)))
        proof_iterations = min(_proof_iterations(n_rows, d, k), max_iter)
        if proof_iterations:
            started = time.perf_counter()
            proof = accelerated_projected_gradient(
                U,
                target,
                k,
                normaliser=normaliser,
                max_iter=proof_iterations,
                rtol=rtol,
                atol=absolute,
                stall_window=None,
                chunk_rows=chunk_rows,
                stop_at_bound=reached,
            )
            seconds["first_order"] += time.perf_counter() - started
            solution.n_first_order_iter += proof.n_iter
            solution.iteration_seconds += proof.iteration_seconds
            _keep_better(solution, proof.weights, proof.certificate, rtol, absolute)
            if solution.converged:
                return solution
            start, resume = proof.weights, proof
        if solution.certificate is None or solution.certificate.lower_bound <= reached:
            # Possibly reachable: a few Newton steps in p + 1 dual variables find the exact
            # match nearest the uniform weights, or show quickly that there is none.
            started = time.perf_counter()
            exact, n_steps = project_reachable(
                U, target, k, normaliser=normaliser, chunk_rows=chunk_rows
            )
            seconds["reachable"] = time.perf_counter() - started
            solution.n_reachable_steps = n_steps
            if exact is not None:
                _certified(solution, U, target, exact, k, normaliser, *checks)
                if solution.converged:
                    return solution
    if k == n_rows or (
        n_rows <= min(limit, max(_DIRECT_ROWS, 2 * (p + 1))) and _direct_is_cheap(n_rows, d)
    ):
        # A small pool: the exact solver on every row is cheaper than the first-order phase.
        weights = yield from _timed_restricted_solve(
            solution, U, target, k, normaliser, np.zeros(n_rows), np.ones(n_rows, dtype=bool)
        )
        _certified(solution, U, target, weights, k, normaliser, *checks)
        if solution.converged:
            return solution
        start, resume = solution.weights, None

    squared_norms = squared_row_norms(U)
    target_norm = float(np.linalg.norm(target))
    tolerance, absolute_tolerance = identify_rtol, identify_atol * target_norm
    previous = None
    # What the first-order phase stopped for (see _solve_is_due): "screen", "face", "band" or
    # None; how many band solves and face attempts failed to certify (each doubles the
    # first-order work before the next of its kind); the support at the last check, and
    # whether it has settled since the one before.
    band = {
        "requested": None,
        "failures": 0,
        "face_failures": 0,
        "support": None,
        "settled": False,
        "undecided": n_rows,
    }

    def solve_is_due(n_iter, weights, gradient, certificate):
        band["requested"] = _solve_is_due(
            band,
            weights,
            gradient,
            certificate,
            squared_norms,
            k,
            normaliser,
            solution.n_first_order_iter + n_iter,
            min(limit, n_rows),
            d,
            solution.n_rounds < max_rounds - 1,
        )
        return band["requested"] is not None

    def stall_is_paid(n_iter):
        # The interior point a stall hands over to runs on the rows the last screen left
        # undecided (all rows before the first check), at most a band of them.
        working = min(band["undecided"], limit, n_rows)
        done = (solution.n_first_order_iter + n_iter) * _first_order_cost(n_rows, d)
        return done >= _EXPECTED_IPM_ITERATIONS * iteration_flops(working, d)

    while True:
        started = time.perf_counter()
        band.update(support=None, requested=None, settled=False)
        first = accelerated_projected_gradient(
            U,
            target,
            k,
            normaliser=normaliser,
            weights=start,
            resume=resume,
            max_iter=max_iter - solution.n_first_order_iter,
            rtol=max(tolerance, rtol),
            atol=max(absolute_tolerance, absolute),
            chunk_rows=chunk_rows,
            stop_when=solve_is_due,
            stall_is_paid=stall_is_paid,
        )
        seconds["first_order"] += time.perf_counter() - started
        solution.n_first_order_iter += first.n_iter
        solution.iteration_seconds += first.iteration_seconds
        first_certificate = certificate_from_gradient(
            first.residual, first.gradient, first.weights, k
        )
        _keep_better(solution, first.weights, first_certificate, rtol, absolute)
        if (
            solution.converged
            or solution.n_rounds >= max_rounds
            or solution.n_first_order_iter >= max_iter
        ):
            break

        started = time.perf_counter()
        if band["requested"] == "face":
            # The support has settled and the work so far pays for solves on its face alone
            # (one factorisation each, a fraction of an interior point's dozen): try them; if
            # the certificate rejects the result, more first-order work, then the next try.
            working = support_band(first.gradient, first.weights)
            fixed = np.where(working, 0.0, first.weights)
            seconds["working_set"] += time.perf_counter() - started
            if _face_certified(
                solution, U, target, k, normaliser, fixed, working, first.weights, checks
            ):
                break
            band["face_failures"] += 1
            start, resume = _go_on_from(solution, first)
            continue
        at_one, working = screen_rows(
            first.gradient, squared_norms, first_certificate.frank_wolfe_gap, k, normaliser
        )
        undecided, band_size = int(working.sum()), min(limit, n_rows)
        # Solve on a working set when that costs less than a few more first-order iterations
        # would (they sharpen the screen), or when the first-order phase stalls: the proven
        # set if it fits, else a band. A nearly reachable target (bound 0, objective small)
        # leaves every row undecided: only a band can be solved on.
        # The support band (a guess the certificate checks) when the first-order phase asked
        # for it, or when it stalled and the band's solve is under half the alternative's.
        banded = solution.n_rounds < max_rounds - 1 and (
            band["requested"] == "band"
            or (
                first.stalled
                and band["settled"]
                and band["failures"] == 0
                and 2 * iteration_flops(support_band_size(first.weights), d)
                <= iteration_flops(min(undecided, band_size), d)
            )
        )
        if undecided <= limit and (
            band["requested"] == "screen" or _solve_is_cheap(undecided, n_rows, d)
        ):
            fixed = at_one.astype(float)  # proven: 1 or 0 in every optimum
            banded = False
        elif banded:
            # The first-order support has settled: solve on the support band, the other
            # rows held where they are.
            working = support_band(first.gradient, first.weights)
            fixed = np.where(working, 0.0, first.weights)
        elif undecided <= limit and first.stalled:
            fixed = at_one.astype(float)
        elif first.stalled or _solve_is_cheap(band_size, n_rows, d):
            # Too many undecided rows: a band of them, the others held where they are.
            working = gradient_band(first.gradient, k, band_size)
            fixed = np.where(working, 0.0, first.weights)
        else:
            seconds["working_set"] += time.perf_counter() - started
            start, resume = first.weights, first
            tolerance, absolute_tolerance = tolerance / 100, absolute_tolerance / 100
            continue
        seconds["working_set"] += time.perf_counter() - started
        if (
            previous is not None
            and np.array_equal(working, previous[0])
            and np.array_equal(fixed, previous[1])
        ):
            break  # The same restricted problem again: nothing new to learn.
        previous = working, fixed
        # First the face the iterate points at: one factorisation instead of an interior
        # point's dozen, when the support was identified.
        if banded and _face_certified(
            solution, U, target, k, normaliser, fixed, working, first.weights, checks
        ):
            solution.n_rounds += 1
            break
        weights = yield from _timed_restricted_solve(
            solution, U, target, k, normaliser, fixed, working
        )
        _certified(solution, U, target, weights, k, normaliser, *checks)
        if solution.converged:
            break
        start, resume = _go_on_from(solution, first)
        if banded:
            # A guess that missed: more first-order work first, the same tolerance.
            band["failures"] += 1
            continue
        tolerance, absolute_tolerance = tolerance / 100, absolute_tolerance / 100
    return solution


def _go_on_from(solution, first):
    """Where the next first-order phase starts: the best weights so far, and the last phase
    to go on from (its momentum) when they are its iterate."""
    return solution.weights, (first if solution.weights is first.weights else None)


def _solve_is_due(
    band,
    weights,
    gradient,
    certificate,
    squared_norms,
    k,
    normaliser,
    n_iter,
    largest,
    d,
    rounds_left,
):
    """Whether the first-order phase should stop for an exact solve: ``"screen"``, ``"face"``,
    ``"band"`` or ``None``.

    Asked at each certificate check; both are ski-rental rules (whichever way the rest of the
    run goes, at most about twice the work of the better choice). ``"screen"``: the rows the
    screen leaves undecided (a proven working set) fit and the first-order work so far already
    costs as much as the interior point on them. ``"band"``: in many dimensions with ``k``
    below ``p`` the optimum has many fractional rows (e.g. 900 of 2,000 in 50 dimensions) that
    no screen decides until the first-order phase is very accurate, while its support settles
    early. When the support has settled (:data:`_SETTLED`) and the work so far costs as much
    as the interior point on the support band, solve there (first on the iterate's face,
    :func:`_face_solve`); each failed band doubles the work required before the next. Before
    that, ``"face"``: once the work costs as much as the face solves alone (a factorisation of
    the fractional rows' Gram matrix each, about 15 times cheaper than the interior point on
    1,000 rows in 50 dimensions), try only them; each failure doubles the work before the next.
    """
    n_rows = weights.size
    done = n_iter * _first_order_flops(n_rows, d)
    _, undecided = screen_rows(gradient, squared_norms, certificate.frank_wolfe_gap, k, normaliser)
    undecided = band["undecided"] = int(undecided.sum())
    if undecided <= largest and done >= _EXPECTED_IPM_ITERATIONS * iteration_flops(undecided, d):
        return "screen"
    support = weights > 0
    previous, band["support"] = band["support"], support
    # Settled: under 1% of the support changed since the last check (five iterations).
    band["settled"] = previous is not None and (
        np.count_nonzero(support != previous) <= _SETTLED * np.count_nonzero(support)
    )
    if not rounds_left or not band["settled"]:
        return None
    size = support_band_size(weights)
    if size >= min(largest, undecided):
        return None
    solve = _EXPECTED_IPM_ITERATIONS * iteration_flops(size, d)
    if done >= solve * 2 ** band["failures"]:
        return "band"
    fractional = int(np.count_nonzero((weights > 0.0) & (weights < 1.0)))
    face = _EXPECTED_FACE_TRIES * (fractional**3 / 3 + fractional**2 * d + size * d * d)
    return "face" if done >= face * 2 ** band["face_failures"] else None


def _face_solve(U, target, k, normaliser, fixed, working, guess):
    """The optimum on ``working`` by a few active-set steps from ``guess``'s face, or ``None``.

    The rows of ``working`` at one in ``guess`` stay at one, those at zero at zero, and the
    fractional ones solve the equality-constrained least squares ``G x = q + mu 1``,
    ``sum x = remaining`` (a Cholesky factor of their Gram matrix, reused by the next tries
    while they differ by a few rows, :class:`_FaceSystem`). Rows that leave ``[0, 1]``
    go to the bound they crossed; once inside, rows at a bound whose gradient is on the wrong
    side of ``mu`` (the restricted optimality conditions) are freed; then the face is solved
    again, at most :data:`_FACE_TRIES` times in all. The last feasible solution, or ``None``
    (no try feasible, or a singular Gram matrix: more fractional rows than ``p``, or rows in a
    subspace). A first-order iterate that has nearly identified the optimal support gives the
    optimum in one to six solves; the certificate over the pool checks it.
    """
    reduced_target = -residual_matrix(U, target, fixed, normaliser)
    rows = np.flatnonzero(working)
    block_all = U[rows]
    total = k - float(fixed.sum())
    at_one, free = guess[rows] >= 1.0, (guess[rows] > 0.0) & (guess[rows] < 1.0)
    feasible = None
    system = _FaceSystem(block_all, normaliser)
    for _ in range(_FACE_TRIES):
        fractional = np.flatnonzero(free)
        remaining = total - int(at_one.sum())
        if not 0 < remaining < fractional.size:
            break
        ones = block_all[at_one]
        face_target = reduced_target - ones.T @ ones / normaliser
        linear = quadratic_forms(block_all[fractional], face_target) / normaliser
        try:
            solved = system.solve(fractional, np.column_stack([linear, np.ones(fractional.size)]))
        except np.linalg.LinAlgError:
            break
        multiplier = (remaining - solved[:, 0].sum()) / solved[:, 1].sum()
        values = solved[:, 0] + multiplier * solved[:, 1]
        below, above = values < 0.0, values > 1.0
        if below.any() or above.any():
            free[fractional[below | above]] = False
            at_one[fractional[above]] = True
            continue
        local = at_one.astype(float)
        local[fractional] = values
        feasible = local
        # The restricted problem's optimality conditions: gradient (up to the factor 2 / n)
        # at least the fractional rows' common value at zero, at most it at one.
        residual = (block_all * local[:, None]).T @ block_all / normaliser - reduced_target
        gradient = quadratic_forms(block_all, residual)
        level = float(np.median(gradient[fractional]))
        slack = 1e-9 * float(np.max(np.abs(gradient)))
        entering = ((~free & ~at_one) & (gradient < level - slack)) | (
            at_one & (gradient > level + slack)
        )
        if not entering.any():
            break
        free |= entering
        at_one &= ~entering
    if feasible is None:
        return None
    weights = fixed.copy()
    weights[rows] = feasible
    projected, _ = project_capped_simplex(weights, k)  # the sum exactly k
    return projected


class _FaceSystem:
    """Solves with the Gram matrix ``G_FF = (U_F U_F^T)^2 / n^2`` of the fractional rows ``F``
    of the face solves, which change by a few rows from one try to the next.

    The first set ``F0`` is factored (Cholesky, ``|F0|^3 / 3`` flops); a set that differs from
    it by ``r`` rows left and ``s`` entered reuses that factor: with ``W = [G_{F0,S}, E_R]``
    (``E_R`` the columns of the identity at the rows left), ``z = G00^-1 (b0 - W y)`` where
    ``(W^T G00^-1 W - diag(G_SS, 0)) y = W^T G00^-1 b0 - (b_S, 0)``, the rows left held at 0 by
    their multipliers in ``y``. That is ``2 |F0|^2 (r + s)`` flops and a small symmetric
    indefinite solve; beyond :data:`_FACE_REUSE_FRACTION` of ``|F0|`` changed rows, or if the
    small system is not regular (:func:`symmetric_solve_if_regular`), the set is factored
    anew. The tries' sets differ from ``F0`` by mostly the same rows, so each column of
    ``G00^-1 W`` is solved once per factor and kept: on ten 2,000-row classes in 50 dimensions
    the 47 bordered solves changed 1,796 rows in all, 465 of them not seen at an earlier try.
    """

    def __init__(self, rows, normaliser):
        self.rows = rows
        self.normaliser = normaliser
        self.base = None
        # G00^-1 W's columns solved with the current factor, by ("entered", row) or
        # ("left", position in F0).
        self.solved_border = {}

    def _gram(self, left, right):
        inner = self.rows[left] @ self.rows[right].T
        return inner * inner / self.normaliser**2

    def solve(self, fractional, rhs):
        """``G_FF^-1 rhs`` for ``F = fractional`` (sorted positions in ``rows``)."""
        if self.base is not None:
            solved = self._solve_near_base(fractional, rhs)
            if solved is not None:
                return solved
        # Symmetric: its transpose is the Fortran-ordered view LAPACK reads without a copy.
        factor = cho_factor(
            self._gram(fractional, fractional).T, lower=True, overwrite_a=True, check_finite=False
        )
        self.base, self.solved_border = (fractional, factor), {}
        return cho_solve(factor, rhs, check_finite=False)

    def _solve_near_base(self, fractional, rhs):
        base, factor = self.base
        kept_in_base = np.isin(base, fractional)
        added = fractional[~np.isin(fractional, base)]
        left = np.flatnonzero(~kept_in_base)  # positions in the base
        if left.size + added.size > _FACE_REUSE_FRACTION * base.size:
            return None
        in_fractional = np.searchsorted(fractional, base[kept_in_base])
        is_added = np.zeros(fractional.size, dtype=bool)
        is_added[np.searchsorted(fractional, added)] = True
        base_rhs = np.zeros((base.size, rhs.shape[1]))
        base_rhs[kept_in_base] = rhs[in_fractional]
        border = np.zeros((base.size, added.size + left.size))
        border[:, : added.size] = self._gram(base, added)
        border[left, added.size + np.arange(left.size)] = 1.0
        keys = [("entered", row) for row in added.tolist()]
        keys += [("left", position) for position in left.tolist()]
        missing = [column for column, key in enumerate(keys) if key not in self.solved_border]
        solved = cho_solve(
            factor, np.column_stack([base_rhs, border[:, missing]]), check_finite=False
        )
        solved_rhs = solved[:, : rhs.shape[1]]
        for column, solved_column in zip(missing, solved[:, rhs.shape[1] :].T, strict=True):
            self.solved_border[keys[column]] = solved_column
        inverse_border = np.empty_like(border)  # G00^-1 W
        for column, key in enumerate(keys):
            inverse_border[:, column] = self.solved_border[key]
        small = border.T @ inverse_border
        small[: added.size, : added.size] -= self._gram(added, added)
        small_rhs = border.T @ solved_rhs
        small_rhs[: added.size] -= rhs[is_added]
        multipliers = symmetric_solve_if_regular(small, small_rhs)
        if multipliers is None:
            return None
        values = solved_rhs - inverse_border @ multipliers
        out = np.empty_like(rhs)
        out[in_fractional] = values[kept_in_base]
        out[is_added] = multipliers[: added.size]
        return out


def _face_certified(solution, U, target, k, normaliser, fixed, working, guess, checks):
    """:func:`_face_solve` on ``working``, certified (``checks``: ``rtol, absolute,
    chunk_rows``) and kept in ``solution``: whether it met the tolerance (then
    ``working_set_size`` is the band's)."""
    started = time.perf_counter()
    weights = _face_solve(U, target, k, normaliser, fixed, working, guess)
    solution.seconds["interior_point"] += time.perf_counter() - started
    if weights is None:
        return False
    _certified(solution, U, target, weights, k, normaliser, *checks)
    if solution.converged:
        solution.working_set_size = int(working.sum())
    return solution.converged


def _timed_restricted_solve(solution, U, target, k, normaliser, fixed, working):
    """The exact solve of one round, booked in ``solution`` (a generator, as
    :func:`_restricted_solve`)."""
    solution.n_rounds += 1
    solution.working_set_size = int(working.sum())
    weights, n_iter, seconds = yield from _restricted_solve(
        U, target, k, normaliser, fixed, working
    )
    solution.seconds["interior_point"] += seconds
    solution.n_interior_point_iter += n_iter
    return weights


def _keep_better(solution, weights, certificate, rtol, absolute):
    """Keep the weights of smallest objective and the largest lower bound seen."""
    kept = solution.certificate
    if kept is None or certificate.objective < kept.objective:
        solution.weights, kept = weights, certificate
    # A lower bound holds for the optimum whichever point gave it.
    best_bound = (
        certificate.lower_bound
        if solution.certificate is None
        else max(certificate.lower_bound, solution.certificate.lower_bound)
    )
    solution.certificate = replace(kept, lower_bound=min(best_bound, kept.objective))
    solution.converged = solution.certificate.is_within(rtol, absolute)


def _certified(solution, U, target, weights, k, normaliser, rtol, absolute, chunk_rows):
    started = time.perf_counter()
    residual = residual_matrix(U, target, weights, normaliser, chunk_rows=chunk_rows)
    gradient = objective_gradient(U, residual, normaliser, chunk_rows=chunk_rows)
    certificate = certificate_from_gradient(residual, gradient, weights, k)
    solution.seconds["certificate"] += time.perf_counter() - started
    _keep_better(solution, weights, certificate, rtol, absolute)
    return solution
