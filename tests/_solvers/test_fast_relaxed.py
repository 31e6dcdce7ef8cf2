"""The large-pool solver against cvxpy over the whole pool, on many small problems."""

import functools

import numpy as np
import pytest

from skl_synthsel._solvers import (
    certify,
    mixture_problem,
    solve_relaxed_cvxpy,
    solve_relaxed_fast,
    solve_relaxed_fast_classes,
)

# cvxpy warns on the degenerate reachable families; its answer is still the reference.
pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

FAMILIES = [
    "out_of_reach",
    "reachable",
    "rank_deficient",
    "rank_deficient_reachable",
    "k_below_p",
    "k_far_above_p",
    "singular_target",
]


def make_problem(family, seed):
    """Pool rows (centred), target and k for one of the test families."""
    rng = np.random.default_rng(seed)
    d, n_rows, k = {"k_below_p": (6, 200, 8), "k_far_above_p": (3, 400, 200)}.get(
        family, (4, 300, 40)
    )
    U = rng.normal(size=(n_rows, d)) * rng.uniform(0.5, 2.0, size=d)
    if family == "singular_target":
        # 3 real rows in 4 dimensions; the pool has little variance in the target's null
        # space: a nearly degenerate optimum close to 0.
        real = rng.normal(size=(3, d))
        real -= real.mean(axis=0)
        target = real.T @ real / 3
        U = rng.multivariate_normal(np.zeros(d), target + 1e-3 * np.eye(d), size=n_rows)
        return U, target, k
    if family.startswith("rank_deficient"):
        U = rng.normal(size=(n_rows, 2)) @ rng.normal(size=(2, d))  # rows in a plane
    if family.endswith("reachable"):
        # The second moment of 50 pool rows: weights 0.8 on them reach it exactly.
        target = U[:50].T @ U[:50] / 50
    else:
        index = np.arange(d)
        target = 2.0 * 0.9 ** np.abs(index[:, None] - index[None, :])
    return U, target, k


def _assert_feasible(weights, k):
    assert weights.min() >= 0 and weights.max() <= 1
    assert abs(weights.sum() - k) <= 1e-9 * k


@pytest.mark.parametrize("path", ["direct", "first_order", "reachable_first"])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("family", FAMILIES)
def test_objective_matches_cvxpy_and_the_certificate_is_valid(family, seed, path):
    U, target, k = make_problem(family, seed)
    p = U.shape[1] * (U.shape[1] + 1) // 2
    options = {
        "direct": {"reachable": False},
        "first_order": {"working_set_limit": max(2 * p + 2, len(U) // 2), "reachable": False},
        "reachable_first": {},  # the default: the reachable-target projection first
    }[path]
    solution = solve_relaxed_fast(U, target, k, **options)
    cvxpy_weights, _ = solve_relaxed_cvxpy(U, target, k)
    reference = certify(U, target, cvxpy_weights).objective
    scale = np.linalg.norm(target)
    _assert_feasible(solution.weights, k)
    certificate = solution.certificate
    assert certificate.objective == certify(U, target, solution.weights).objective
    assert certificate.objective >= reference * (1 - 1e-6) - 1e-7 * scale
    # Valid: the certified lower bound is below the optimum, which cvxpy's objective bounds.
    assert certificate.lower_bound <= reference + 1e-9 * scale
    if family == "singular_target" and path == "first_order":
        # Nearly degenerate and the working set capped at half the pool: the band heuristic
        # gets near 0, not to cvxpy's digits (the direct path does), and cannot certify.
        assert certificate.objective <= reference + 2e-3 * scale
        return
    assert certificate.objective <= reference * (1 + 1e-6) + 1e-7 * scale
    assert solution.converged
    if path == "first_order":
        assert solution.n_first_order_iter > 0


def test_first_order_path_reports_its_work():
    U, target, k = make_problem("out_of_reach", 0)
    solution = solve_relaxed_fast(U, target, k, working_set_limit=40)
    assert len(solution.iteration_seconds) == solution.n_first_order_iter
    assert set(solution.seconds) == {
        "reachable",
        "first_order",
        "working_set",
        "interior_point",
        "certificate",
    }
    assert solution.n_rounds >= 1 and solution.working_set_size <= 40


@pytest.mark.parametrize("family", ["out_of_reach", "reachable"])
def test_identical_results_across_repeated_runs(family):
    U, target, k = make_problem(family, 5)
    runs = [solve_relaxed_fast(U, target, k, working_set_limit=60) for _ in range(2)]
    assert np.array_equal(runs[0].weights, runs[1].weights)
    assert runs[0].certificate == runs[1].certificate


def test_classes_in_lockstep_get_the_solutions_they_get_alone():
    """Every family (each path: direct, first order, working sets, reachable) solved as the
    classes of one pool: bit for bit each class's solution alone, with its work counts."""
    problems = []
    for seed, family in enumerate(FAMILIES):
        U, target, k = make_problem(family, seed)
        problems.append((U, target, k, None if seed % 2 else 2.0 * k))
    options = {"working_set_limit": 60}
    together = solve_relaxed_fast_classes(problems, **options)
    assert sum(solution.n_interior_point_iter > 0 for solution in together) >= 3
    for (U, target, k, normaliser), solution in zip(problems, together, strict=True):
        alone = solve_relaxed_fast(U, target, k, normaliser=normaliser, **options)
        assert np.array_equal(solution.weights, alone.weights)
        assert solution.certificate == alone.certificate
        for count in ("n_first_order_iter", "n_interior_point_iter", "n_rounds"):
            assert getattr(solution, count) == getattr(alone, count)


def test_mixture_normaliser_matches_cvxpy():
    U, target, k = make_problem("out_of_reach", 1)
    real = np.random.default_rng(9).normal(size=(30, U.shape[1]))
    real -= real.mean(axis=0)
    shifted, normaliser = mixture_problem(real, target, k)
    solution = solve_relaxed_fast(U, shifted, k, normaliser=normaliser, working_set_limit=60)
    cvxpy_weights, _ = solve_relaxed_cvxpy(U, shifted, k, normaliser=normaliser)
    reference = certify(U, shifted, cvxpy_weights, normaliser=normaliser).objective
    assert solution.certificate.objective == pytest.approx(reference, rel=1e-6)
    assert solution.certificate.lower_bound <= reference + 1e-9


def test_edge_quotas():
    U, target, _ = make_problem("out_of_reach", 2)
    everything = solve_relaxed_fast(U, target, len(U))
    assert np.array_equal(everything.weights, np.ones(len(U)))
    assert everything.certificate.duality_gap == pytest.approx(0.0, abs=1e-12)
    one = solve_relaxed_fast(U, target, 1, working_set_limit=50)
    _assert_feasible(one.weights, 1)
    with pytest.raises(ValueError, match="k must be in"):
        solve_relaxed_fast(U, target, 0)


def test_stops_within_its_iteration_budget_and_keeps_the_best_point():
    U, target, k = make_problem("out_of_reach", 3)
    solution = solve_relaxed_fast(
        U, target, k, working_set_limit=30, max_iter=3, max_rounds=1, rtol=0.0, atol=0.0
    )
    assert solution.n_first_order_iter <= 3
    _assert_feasible(solution.weights, k)
    assert solution.certificate.objective == pytest.approx(
        certify(U, target, solution.weights).objective
    )


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("family", ["reachable", "rank_deficient_reachable"])
def test_reachable_targets_end_in_the_projection(family, seed):
    # Reachable by construction (weights 0.8 on 50 rows): the Newton projection certifies an
    # exact match without the interior-point phase (after the few first-order iterations
    # that try to prove the target out of reach), and its weights are those nearest the
    # uniform ones among the exact matches (checked against cvxpy).
    import cvxpy as cp

    from skl_synthsel._solvers._fast_relaxed import _proof_iterations
    from skl_synthsel._solvers._objective import svec, svec_columns

    U, target, k = make_problem(family, seed)
    solution = solve_relaxed_fast(U, target, k)
    _assert_feasible(solution.weights, k)
    assert solution.converged and solution.n_reachable_steps >= 1
    assert solution.n_first_order_iter <= _proof_iterations(*U.shape, k)
    assert solution.n_interior_point_iter == 0 and solution.n_rounds == 0
    scale = np.linalg.norm(target)
    assert certify(U, target, solution.weights).objective <= 1e-9 * scale
    w = cp.Variable(len(U))
    base = np.full(len(U), k / len(U))
    problem = cp.Problem(
        cp.Minimize(cp.sum_squares(w - base)),
        [svec_columns(U) @ w / k == svec(target), cp.sum(w) == k, w >= 0, w <= 1],
    )
    problem.solve(solver="CLARABEL")
    assert np.abs(solution.weights - w.value).max() <= 1e-5


@pytest.mark.parametrize("seed", range(3))
def test_an_unreachable_target_gives_up_quickly(seed):
    # Out of reach (cvxpy's optimum is far from 0): the projection reports no exact match
    # within its step limit, and the general method certifies the optimum instead.
    from skl_synthsel._solvers._reachable import _MAX_STEPS, project_reachable

    U, target, k = make_problem("out_of_reach", seed)
    reference = certify(U, target, solve_relaxed_cvxpy(U, target, k)[0]).objective
    assert reference > 1e-3 * np.linalg.norm(target)
    weights, n_steps = project_reachable(U, target, k)
    assert weights is None and n_steps <= _MAX_STEPS


@pytest.mark.parametrize("decay", [0.9, 0.6, 0.0])
def test_small_pool_in_many_dimensions_screens_first_and_matches_cvxpy(decay):
    # 700 rows in 30 dimensions: below the direct-solve row count, but an interior-point
    # iteration over every row would cost over 1e8 flops, so the first-order phase and the
    # screen shrink the problem first. Targets out of reach (0.9), just out of reach (0.6)
    # and nearly reachable by k < p rows (0.8 I: many fractional weights, few rows decided).
    U, target, k = _many_dimensions(decay)
    solution = solve_relaxed_fast(U, target, k)
    assert solution.n_first_order_iter > 0 and solution.converged
    _assert_feasible(solution.weights, k)
    reference = _cvxpy_objective(decay)
    scale = np.linalg.norm(target)
    certificate = solution.certificate
    assert certificate.objective == certify(U, target, solution.weights).objective
    assert abs(certificate.objective - reference) <= 1e-6 * reference + 1e-7 * scale
    assert certificate.lower_bound <= reference + 1e-9 * scale
    again = solve_relaxed_fast(U, target, k)
    assert np.array_equal(again.weights, solution.weights)


def _many_dimensions(decay, seed=3, d=30, n_rows=700, k=70):
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(n_rows, d))
    index = np.arange(d)
    target = decay ** np.abs(index[:, None] - index[None, :]) if decay else 0.8 * np.eye(d)
    return U, target, k


@functools.lru_cache
def _cvxpy_objective(decay):
    # cvxpy takes seconds on 700 rows in 30 dimensions: once per problem.
    U, target, k = _many_dimensions(decay)
    return certify(U, target, solve_relaxed_cvxpy(U, target, k)[0]).objective


def _assert_matches_cvxpy(U, target, k, solution, decay=None):
    _assert_feasible(solution.weights, k)
    reference = (
        certify(U, target, solve_relaxed_cvxpy(U, target, k)[0]).objective
        if decay is None
        else _cvxpy_objective(decay)
    )
    scale = np.linalg.norm(target)
    certificate = solution.certificate
    assert solution.converged
    assert certificate.objective == certify(U, target, solution.weights).objective
    assert abs(certificate.objective - reference) <= 1e-6 * reference + 1e-7 * scale
    assert certificate.lower_bound <= reference + 1e-9 * scale


def test_an_out_of_reach_target_is_proven_so_before_any_newton_step():
    # A positive certified lower bound after a few first-order iterations: the projection
    # (which can only succeed at optimum 0) is skipped.
    from skl_synthsel._solvers._fast_relaxed import _proof_iterations

    U, target, k = _many_dimensions(0.9)
    solution = solve_relaxed_fast(U, target, k)
    assert solution.n_reachable_steps == 0
    assert 0 < solution.n_first_order_iter
    assert solution.certificate.lower_bound > 1e-9 * np.linalg.norm(target)
    assert _proof_iterations(*U.shape, k) >= 5
    # In few dimensions a Newton step is cheaper than one check's worth of iterations: none.
    assert _proof_iterations(200, 8, 20) == _proof_iterations(20000, 8, 2000) == 0
    _assert_matches_cvxpy(U, target, k, solution, decay=0.9)


def test_the_proof_attempt_is_the_start_of_the_first_order_phase():
    # 2,000 rows in 50 dimensions, k below p: the proof attempt's iterations (a positive bound
    # at a check) are the first-order phase's first ones, its momentum kept, so the solve is
    # the one without the attempt, to the last bit. Started again from the proof's weights,
    # it took 100 iterations instead of 95.
    U, target = _kms_pool(50, 2000, 0.6)
    k = 200
    solution = solve_relaxed_fast(U, target, k)
    assert solution.n_reachable_steps == 0 and solution.converged
    without = solve_relaxed_fast(U, target, k, reachable=False)
    assert solution.n_first_order_iter == without.n_first_order_iter
    assert np.array_equal(solution.weights, without.weights)
    _assert_certified_over_the_pool(U, target, k, solution)


def test_with_more_rows_to_select_than_lifted_dimensions_the_proof_is_short():
    # k > p: a match is likely, so the proof gets two checks (10 iterations) instead of the
    # Newton step's worth; with k <= p (same pool, same dimensions) the whole budget.
    from skl_synthsel._solvers._fast_relaxed import _proof_iterations

    rng = np.random.default_rng(0)
    n_rows, d = 3000, 30
    p = d * (d + 1) // 2
    U = rng.normal(size=(n_rows, d))
    k = 2 * p
    budget = _proof_iterations(n_rows, d, p)
    assert budget == _proof_iterations(n_rows, d, 1) > 10 == _proof_iterations(n_rows, d, p + 1)
    # Reachable: the second moment of 1.25 k rows, which weights 0.8 on them match.
    members = rng.choice(n_rows, int(1.25 * k), replace=False)
    target = 0.8 * U[members].T @ U[members] / k
    solution = solve_relaxed_fast(U, target, k)
    assert solution.converged and solution.n_reachable_steps >= 1
    assert 0 < solution.n_first_order_iter <= 10
    assert certify(U, target, solution.weights).objective <= 1e-9 * np.linalg.norm(target)
    # Out of reach (the paper's geometry) and proven so at the first check: no Newton step.
    index = np.arange(d)
    far = 2.0 * 0.9 ** np.abs(index[:, None] - index[None, :])
    proven = solve_relaxed_fast(U, far, k)
    assert proven.n_reachable_steps == 0
    assert proven.certificate.lower_bound > 1e-9 * np.linalg.norm(far)


@pytest.mark.parametrize("decay", [0.6, 0.0])
def test_support_band_path_matches_cvxpy_and_repeats_bit_for_bit(decay, monkeypatch):
    # k < p in 30 dimensions: many fractional weights; the first-order support settles long
    # before the screen decides the rows, and the solve runs on the support band.
    import skl_synthsel._solvers._fast_relaxed as fast

    bands = []

    def spy(gradient, weights, *args, **kwargs):
        working = support_band(gradient, weights, *args, **kwargs)
        bands.append(int(working.sum()))
        return working

    support_band = fast.support_band
    monkeypatch.setattr(fast, "support_band", spy)
    U, target, k = _many_dimensions(decay)
    solution = solve_relaxed_fast(U, target, k)
    assert bands and solution.working_set_size == bands[-1] < len(U)
    _assert_matches_cvxpy(U, target, k, solution, decay=decay)
    again = solve_relaxed_fast(U, target, k)
    assert np.array_equal(again.weights, solution.weights)
    assert again.certificate == solution.certificate


def test_a_support_band_that_misses_is_followed_by_a_certified_solve(monkeypatch):
    # A band guess forced to miss (its margin cut, half its rows dropped): the certificate
    # rejects it, the first-order phase goes on and a later solve certifies the optimum.
    import skl_synthsel._solvers._fast_relaxed as fast

    calls = []

    def poor_band(gradient, weights, margin=0.1):
        working = support_band(gradient, weights, margin=0.0)
        if not calls:
            working[np.flatnonzero(working)[::2]] = False
        calls.append(int(working.sum()))
        return working

    support_band = fast.support_band
    monkeypatch.setattr(fast, "support_band", poor_band)
    U, target, k = _many_dimensions(0.6)
    solution = solve_relaxed_fast(U, target, k)
    assert calls and solution.n_rounds >= 2
    _assert_matches_cvxpy(U, target, k, solution, decay=0.6)


def _kms_pool(d, n_rows, decay, seed=0):
    """The sweep's geometry: rows N(0.1, KMS(0.5)) and the target KMS(decay)."""
    rng = np.random.default_rng(seed)
    index = np.arange(d)
    kms = 0.5 ** np.abs(index[:, None] - index[None, :])
    U = rng.standard_normal((n_rows, d)) @ np.linalg.cholesky(kms).T + 0.1
    return U, decay ** np.abs(index[:, None] - index[None, :])


def _assert_certified_over_the_pool(U, target, k, solution):
    # The certificate recomputed independently: the gap within the solver's tolerance.
    _assert_feasible(solution.weights, k)
    certificate = certify(U, target, solution.weights)
    assert certificate.duality_gap <= 1e-9 * certificate.objective + 1e-9 * np.linalg.norm(target)
    return certificate


def test_screen_solve_once_the_first_order_work_pays_for_it():
    # 1,000 rows in 20 dimensions (an interior-point iteration over all of them: 5e7 flops)
    # no longer go straight to the interior point: the first-order phase and the screen run
    # first, and the working set is far smaller than the pool.
    n_rows, k = 1000, 100
    U, target = _kms_pool(20, n_rows, 0.9)
    solution = solve_relaxed_fast(U, target, k)
    assert solution.n_first_order_iter > 0 and solution.working_set_size < n_rows / 2
    _assert_matches_cvxpy(U, target, k, solution)
    again = solve_relaxed_fast(U, target, k)
    assert np.array_equal(again.weights, solution.weights)


def test_face_solve_from_an_identified_support_is_the_restricted_optimum():
    # From a first-order iterate whose support has (nearly) settled, a few active-set solves
    # on its face reach the optimum over the band: the interior point's answer there, and
    # cvxpy's over the pool (the band holds the optimum's support).
    from skl_synthsel._solvers._fast_relaxed import _face_solve, _restricted_solve
    from skl_synthsel._solvers._first_order import accelerated_projected_gradient
    from skl_synthsel._solvers._interior_point import run_alone
    from skl_synthsel._solvers._working_set import support_band

    U, target, k = _many_dimensions(0.6)
    first = accelerated_projected_gradient(U, target, k, max_iter=150, rtol=0, stall_window=None)
    working = support_band(first.gradient, first.weights)
    fixed = np.where(working, 0.0, first.weights)
    face = _face_solve(U, target, k, float(k), fixed, working, first.weights)
    assert face is not None
    _assert_feasible(face, k)
    assert np.array_equal(face[~working], first.weights[~working])
    interior, _, _ = run_alone(_restricted_solve(U, target, k, float(k), fixed, working))
    scale = np.linalg.norm(target)
    assert certify(U, target, face).objective <= certify(U, target, interior).objective + (
        1e-9 * scale
    )
    assert abs(certify(U, target, face).objective - _cvxpy_objective(0.6)) <= 1e-7 * scale
    again = _face_solve(U, target, k, float(k), fixed, working, first.weights)
    assert np.array_equal(face, again)


def test_face_solve_gives_up_on_a_singular_face():
    # Rows in a plane (lifted rank 3): more fractional rows than that make the face's Gram
    # matrix singular, and the solve declines instead of guessing.
    from skl_synthsel._solvers._fast_relaxed import _face_solve

    rng = np.random.default_rng(0)
    U = rng.normal(size=(60, 2)) @ rng.normal(size=(2, 4))
    target = np.eye(4)
    guess = np.full(60, 0.5)
    working = np.ones(60, dtype=bool)
    assert _face_solve(U, target, 30, 30.0, np.zeros(60), working, guess) is None


@pytest.mark.parametrize("moments_from_rows", [0, 10**9], ids=["moments", "rank_update"])
def test_lifted_gram_accumulates_rows_in_place_in_the_upper_triangle(
    monkeypatch, moments_from_rows
):
    """The Newton matrix of the reachable projection against the dense lifted product, summed
    as fourth moments or by rank updates: over several chunks, updated in place by entering
    rows and downdated by leaving ones."""
    from skl_synthsel._solvers import _reachable
    from skl_synthsel._solvers._objective import svec_columns
    from skl_synthsel._solvers._reachable import _lifted_gram

    monkeypatch.setattr(_reachable, "_MOMENTS_FROM_ROWS", moments_from_rows)
    rng = np.random.default_rng(3)
    U = rng.normal(size=(700, 5))
    rows, entering = np.arange(0, 700, 2), np.arange(1, 600, 2)

    def dense(selected):
        lifted = np.vstack([svec_columns(U[selected]) / 7.0, np.ones(selected.size)])
        return lifted @ lifted.T

    gram = _lifted_gram(U, rows, 7.0, None)
    assert gram.flags.f_contiguous
    np.testing.assert_allclose(np.triu(gram), np.triu(dense(rows)), rtol=1e-12, atol=1e-12)
    updated = _lifted_gram(U, entering, 7.0, None, out=gram)
    assert updated is gram  # in place
    both = np.union1d(rows, entering)
    np.testing.assert_allclose(np.triu(gram), np.triu(dense(both)), rtol=1e-12, atol=1e-12)
    _lifted_gram(U, entering, 7.0, None, out=gram, sign=-1.0)
    np.testing.assert_allclose(np.triu(gram), np.triu(dense(rows)), rtol=1e-12, atol=1e-10)
    # No rows: no change.
    before = gram.copy()
    assert np.array_equal(_lifted_gram(U, np.array([], dtype=int), 7.0, None, out=gram), before)


@pytest.mark.parametrize("d", [1, 3, 6])
def test_moment_summed_newton_matrix_is_the_upper_triangle_with_its_border(d):
    """The reachable projection's Newton matrix summed as fourth moments: the moments over n^2
    (the moments themselves are tested in test_moments.py), the border ``s_ab / n sum_i u_ia
    u_ib`` and the row count, in the upper triangle alone; rank updates added to it agree with
    the moments over all the rows."""
    from skl_synthsel._solvers._moments import fourth_moment_gram
    from skl_synthsel._solvers._reachable import _fourth_moment_gram, _lifted_gram

    rng = np.random.default_rng(d)
    U = rng.normal(size=(90, d))
    rows = np.arange(3, 90, 3)
    pair_rows, pair_cols = np.triu_indices(d)
    p = pair_rows.size
    gram = _fourth_moment_gram(U, rows, 7.0, 16, np.zeros((p + 1, p + 1), order="F"), 1.0)
    np.testing.assert_allclose(
        gram[:p, :p], np.triu(fourth_moment_gram(U, rows)) / 49.0, rtol=1e-13, atol=1e-13
    )
    scale = np.where(pair_rows == pair_cols, 1.0, np.sqrt(2.0)) / 7.0
    V = U[rows]
    for alpha in range(p):
        a, b = pair_rows[alpha], pair_cols[alpha]
        assert gram[alpha, p] == pytest.approx(scale[alpha] * sum(u[a] * u[b] for u in V))
    assert gram[p, p] == rows.size
    assert not np.tril(gram, -1).any()  # the upper triangle only, as the rank update writes
    # Rows entering by rank updates (few) on top of moment sums (many): one upper triangle.
    entering = np.arange(1, 90, 3)
    both = _lifted_gram(U, entering, 7.0, None, out=gram.copy(order="F"))
    expected = _fourth_moment_gram(
        U, np.union1d(rows, entering), 7.0, None, np.zeros((p + 1, p + 1), order="F"), 1.0
    )
    np.testing.assert_allclose(np.triu(both), np.triu(expected), rtol=1e-12, atol=1e-12)


def test_lifted_gram_sums_moments_from_a_thousand_rows_and_half_of_p(monkeypatch):
    """The rule between the two paths: fourth moments from max(1000, p // 2) rows on (fewer
    rows: the rank update)."""
    from skl_synthsel._solvers import _reachable

    calls = []
    moments = _reachable._fourth_moment_gram

    def counted(*args):
        calls.append(args[1].size)
        return moments(*args)

    monkeypatch.setattr(_reachable, "_fourth_moment_gram", counted)
    U = np.random.default_rng(0).normal(size=(1000, 3))
    for n_rows in (999, 1000):
        _reachable._lifted_gram(U, np.arange(n_rows), 7.0, None)
    assert calls == [1000]
    # Half of p is the bar once it is the higher: 18 rows in 8 dimensions (p = 36).
    monkeypatch.setattr(_reachable, "_MOMENTS_FROM_ROWS", 10)
    U = np.random.default_rng(0).normal(size=(40, 8))
    for n_rows in (10, 17, 18):
        _reachable._lifted_gram(U, np.arange(n_rows), 7.0, None)
    assert calls == [1000, 18]


def test_a_settled_support_is_first_tried_by_face_solves_alone():
    # 2,000 rows in 50 dimensions, k = 200 far below p = 1275: some 900 fractional weights.
    # The face solves cost a factorisation each, a fraction of the interior point on the band:
    # once the first-order work pays for them they are tried alone, and here they end the
    # solve, certified over the pool, without any interior-point round.
    U, target = _kms_pool(50, 2000, 0.6)
    k = 200
    solution = solve_relaxed_fast(U, target, k)
    assert solution.converged and solution.working_set_size > 0
    assert solution.n_rounds == 0 and solution.n_interior_point_iter == 0
    _assert_certified_over_the_pool(U, target, k, solution)


def test_face_system_reuses_its_factor_for_nearby_sets_and_solves_exactly():
    """A fractional set a few rows from the factored one is solved through that factor (rows
    left and entered by a bordered system): the same solution as a fresh factorisation of its
    own Gram matrix; a set further away is factored anew."""
    from skl_synthsel._solvers._fast_relaxed import _FaceSystem

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(120, 12))  # p = 78: Gram matrices of up to 78 rows are regular
    normaliser = 30.0
    system = _FaceSystem(rows, normaliser)
    base = np.sort(rng.choice(120, 60, replace=False))
    rhs = rng.normal(size=(60, 2))

    def direct(fractional, rhs):
        inner = rows[fractional] @ rows[fractional].T
        return np.linalg.solve(inner * inner / normaliser**2, rhs)

    np.testing.assert_allclose(system.solve(base, rhs), direct(base, rhs), rtol=1e-8)
    factored = system.base
    outside = np.setdiff1d(np.arange(120), base)
    for n_left, n_added in [(3, 0), (0, 2), (2, 2), (4, 0)]:
        fractional = np.sort(
            np.concatenate(
                [
                    np.delete(base, rng.choice(60, n_left, replace=False)),
                    rng.choice(outside, n_added, replace=False),
                ]
            )
        )
        rhs = rng.normal(size=(fractional.size, 2))
        solved = system.solve(fractional, rhs)
        assert system.base is factored  # no new factorisation
        np.testing.assert_allclose(solved, direct(fractional, rhs), rtol=1e-7, atol=1e-9)
    far = np.sort(np.concatenate([base[10:], outside[:5]]))  # 15 rows changed of 60
    rhs = rng.normal(size=(far.size, 2))
    np.testing.assert_allclose(system.solve(far, rhs), direct(far, rhs), rtol=1e-8)
    assert system.base is not factored and np.array_equal(system.base[0], far)


def test_face_system_solves_each_changed_row_once_per_factor():
    """The face tries' sets grow away from the factored one by mostly the same rows: each row
    left or entered has its bordered column solved once per factor and kept (the same array
    at the next try), every solve stays exact, and a new factor starts afresh."""
    from skl_synthsel._solvers._fast_relaxed import _FaceSystem

    rng = np.random.default_rng(1)
    rows = rng.normal(size=(200, 16))  # p = 136: Gram matrices of up to 136 rows are regular
    normaliser = 30.0
    system = _FaceSystem(rows, normaliser)
    base = np.arange(0, 200, 2)  # 100 rows, 8 may change; the odd ones are outside

    def direct(fractional, rhs):
        inner = rows[fractional] @ rows[fractional].T
        return np.linalg.solve(inner * inner / normaliser**2, rhs)

    system.solve(base, rng.normal(size=(base.size, 2)))
    assert system.solved_border == {}
    # Rows 4 and 10 leave (positions 2 and 5), then 16 (position 8) too and 7 enters, then 9.
    tries = [
        (np.setdiff1d(base, [4, 10]), {("left", 2), ("left", 5)}),
        (np.union1d(np.setdiff1d(base, [4, 10, 16]), [7]), {("left", 8), ("entered", 7)}),
        (np.union1d(np.setdiff1d(base, [4, 10, 16]), [7, 9]), {("entered", 9)}),
    ]
    seen = {}
    for fractional, new_keys in tries:
        rhs = rng.normal(size=(fractional.size, 2))
        np.testing.assert_allclose(
            system.solve(fractional, rhs), direct(fractional, rhs), rtol=1e-7, atol=1e-9
        )
        assert set(system.solved_border) == set(seen) | new_keys
        assert all(system.solved_border[key] is column for key, column in seen.items())
        seen = dict(system.solved_border)
    far = np.setdiff1d(base, base[:10])
    system.solve(far, rng.normal(size=(far.size, 2)))
    assert np.array_equal(system.base[0], far) and system.solved_border == {}


def test_an_early_stall_goes_on_until_it_pays_for_the_interior_point():
    # 1,000 rows in 30 dimensions, k = 100 below p = 465, a target just out of reach (the
    # optimum some 400 fractional weights). The first-order phase crawls for its first hundred
    # iterations (a stall), then identifies the support. A stall no longer hands the whole
    # pool to the interior point (15 iterations of 2.5e8 flops) while the first-order work is
    # a fraction of that: the run goes on and solves on the support band.
    import skl_synthsel._solvers._fast_relaxed as fast

    d, n_rows, k = 30, 1000, 100
    U, target = _kms_pool(d, n_rows, 0.6)
    solution = solve_relaxed_fast(U, target, k)
    assert solution.converged and 0 < solution.working_set_size < n_rows / 2
    work = solution.n_first_order_iter * fast._first_order_cost(n_rows, d)
    assert work < fast._EXPECTED_IPM_ITERATIONS * fast.iteration_flops(n_rows, d)
    certificate = _assert_certified_over_the_pool(U, target, k, solution)
    assert certificate.objective > 1e-3 * np.linalg.norm(target)  # out of reach
