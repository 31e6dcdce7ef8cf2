"""The rank-exploiting interior point against cvxpy, and its three linear-algebra paths."""

import numpy as np
import pytest

from skl_synthsel._solvers import _interior_point, certify, solve_relaxed_cvxpy
from skl_synthsel._solvers._interior_point import (
    _choose_system,
    _GramSystem,
    _LowRankSystem,
    _MomentSystem,
    solve_relaxed_interior_point,
)


@pytest.mark.parametrize("seed", range(3))
def test_gram_low_rank_and_moment_systems_solve_the_same_equations(seed):
    """The three ways to solve with ``G + D``: the Gram matrix's factor, the Woodbury identity
    on the held lifted matrix, and the same with products from the rows and fourth moments."""
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(40, 5))
    diagonal = 10.0 ** rng.uniform(-6, 6, size=40)  # as spread as near the end of a run
    rhs = rng.normal(size=(40, 2))
    systems = [_GramSystem(U, 0.01), _LowRankSystem(U, 0.01), _MomentSystem(U, 0.01)]
    inner = U @ U.T
    dense = inner * inner * 0.01  # G itself, from the rows' inner products
    solutions = []
    for system in systems:
        np.testing.assert_allclose(system.matvec(rhs[:, 0]), dense @ rhs[:, 0], rtol=1e-10)
        system.factor(diagonal)
        solution = system.solve(rhs)
        residual = dense @ solution + diagonal[:, None] * solution - rhs
        assert np.max(np.abs(residual)) <= 1e-8 * np.max(np.abs(rhs))
        solutions.append(solution)
    for solution in solutions[1:]:
        np.testing.assert_allclose(solution, solutions[0], rtol=1e-6, atol=1e-12)


def test_many_rows_in_many_dimensions_take_the_moment_system():
    """Gram matrix for few rows, the held lifted matrix for more, moments from 2,000 rows in
    at least 28 dimensions (p >= 400)."""
    rng = np.random.default_rng(0)
    assert type(_choose_system(rng.normal(size=(300, 28)), 1.0)) is _GramSystem
    assert type(_choose_system(rng.normal(size=(1999, 28)), 1.0)) is _LowRankSystem
    assert type(_choose_system(rng.normal(size=(2000, 28)), 1.0)) is _MomentSystem
    assert type(_choose_system(rng.normal(size=(5000, 27)), 1.0)) is _LowRankSystem


# (d, rows, k): Gram path when rows are few for p = d(d+1)/2, low-rank path when many.
SHAPES = [(8, 60, 10), (3, 400, 40), (5, 200, 150), (6, 120, 3)]


@pytest.mark.parametrize("moments", [False, True], ids=["held", "moments"])
@pytest.mark.parametrize("reachable", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_matches_cvxpy_and_is_exactly_feasible(shape, reachable, moments, monkeypatch):
    """Against cvxpy; the low-rank shapes also with the Woodbury products from the rows."""
    if moments:
        monkeypatch.setattr(_interior_point, "_MOMENTS_FROM_ROWS", 0)
        monkeypatch.setattr(_interior_point, "_MOMENTS_FROM_PAIRS", 0)
    d, n_rows, k = shape
    rng = np.random.default_rng(n_rows + d)
    U = rng.normal(size=(n_rows, d)) * rng.uniform(0.5, 2.0, size=d)
    target = U[:k].T @ U[:k] / k if reachable else np.eye(d) * 3.0 + 1.0
    result = solve_relaxed_interior_point(U, target, k)
    weights = result.weights
    assert result.converged
    assert weights.min() >= 0 and weights.max() <= 1
    assert abs(weights.sum() - k) <= 1e-9 * k
    cvxpy_weights, _ = solve_relaxed_cvxpy(U, target, k)
    reference = certify(U, target, cvxpy_weights).objective
    certificate = certify(U, target, weights)
    scale = np.linalg.norm(target)
    assert certificate.objective <= reference * (1 + 1e-6) + 1e-7 * scale
    assert certificate.lower_bound <= reference + 1e-9 * scale


def test_normaliser_and_trivial_quotas():
    rng = np.random.default_rng(0)
    U = rng.normal(size=(100, 3))
    target = np.eye(3)
    result = solve_relaxed_interior_point(U, target, 20, normaliser=50.0)
    cvxpy_weights, _ = solve_relaxed_cvxpy(U, target, 20, normaliser=50.0)
    assert certify(U, target, result.weights, normaliser=50.0).objective == pytest.approx(
        certify(U, target, cvxpy_weights, normaliser=50.0).objective, rel=1e-6
    )
    assert np.array_equal(solve_relaxed_interior_point(U, target, 100).weights, np.ones(100))
    assert np.array_equal(solve_relaxed_interior_point(U, target, 0).weights, np.zeros(100))


def test_a_system_that_is_not_positive_definite_raises_linalg_error():
    """The iteration stops on it (keeping its last iterate): LAPACK's status is not ignored."""
    U = np.random.default_rng(0).normal(size=(12, 3))
    system = _GramSystem(U, 1.0)
    diagonal = np.full(12, -1e6)  # G + D negative definite
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        system.factor(diagonal)


def _result_tuple(result):
    return result.weights, result.n_iter, result.converged


def test_problems_solved_together_get_what_each_gets_alone(monkeypatch):
    """Lockstep: problems of every size, system and quota (trivial ones too) in one batch give,
    bit for bit and in order, what each gives alone, whichever problems share the batch."""
    monkeypatch.setattr(_interior_point, "_MOMENTS_FROM_ROWS", 150)
    monkeypatch.setattr(_interior_point, "_MOMENTS_FROM_PAIRS", 0)
    rng = np.random.default_rng(7)
    problems = []
    for d, n_rows, k in [*SHAPES, (4, 30, 30), (4, 30, 0), (20, 200, 20), (3, 160, 16)]:
        U = rng.normal(size=(n_rows, d)) * rng.uniform(0.5, 2.0, size=d)
        target = 0.9 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
        problems.append((U, target, k, None if k % 2 else 1.5 * k))
    systems = {type(_choose_system(U, 1.0)).__name__ for U, _, k, _ in problems}
    assert systems == {"_GramSystem", "_LowRankSystem", "_MomentSystem"}
    alone = [
        _result_tuple(solve_relaxed_interior_point(U, t, k, normaliser=n))
        for U, t, k, n in problems
    ]
    together = _interior_point.solve_relaxed_interior_points(problems)
    reversed_order = _interior_point.solve_relaxed_interior_points(problems[::-1])[::-1]
    iterations = set()
    for expected, batch in ((alone, together), (alone, reversed_order)):
        for (weights, n_iter, converged), result in zip(expected, batch, strict=True):
            assert np.array_equal(result.weights, weights)
            assert (result.n_iter, result.converged) == (n_iter, converged)
            iterations.add(n_iter)
    assert len(iterations) > 3  # the problems left the batch at different iterations
    assert [len(result.weights) for result in together] == [len(p[0]) for p in problems]


def test_run_in_lockstep_batches_the_requests_and_returns_in_order(interior_point_batches):
    """Generators that yield interior-point problems: each round's requests go to one batch,
    each generator gets its own result back, and their return values keep their order."""

    def steps(n_solves, seed):
        U = np.random.default_rng(seed).normal(size=(50, 4))
        total = 0.0
        for _ in range(n_solves):
            result, seconds = yield (U, np.eye(4), 5, None)
            assert seconds >= 0
            total += result.weights.sum()
        return seed, total

    values = _interior_point.run_in_lockstep([steps(n, seed) for seed, n in enumerate([2, 0, 1])])
    assert interior_point_batches == [2, 1]  # first round: generators 0 and 2; second: generator 0
    assert [seed for seed, _ in values] == [0, 1, 2]
    assert [total for _, total in values] == pytest.approx([10.0, 0.0, 5.0])
    assert _interior_point.run_alone(steps(1, 5)) == (5, pytest.approx(5.0))


def test_polish_system_is_solved_by_factorisation_or_least_squares():
    """The polish's ``[[G, 1], [1^T, 0]]``: factored when G is regular (the least squares'
    solution), and the minimum-norm least squares when it is singular, flagged or not."""
    rng = np.random.default_rng(0)

    def kkt(n_rows, d):
        U = rng.normal(size=(n_rows, d))
        inner = U @ U.T
        system = np.ones((n_rows + 1, n_rows + 1))
        system[:-1, :-1] = inner * inner
        system[-1, -1] = 0.0
        return system, rng.normal(size=n_rows + 1)

    regular, rhs = kkt(8, 4)  # 8 rows, p = 10: G regular
    expected = np.linalg.lstsq(regular, rhs, rcond=None)[0]
    np.testing.assert_allclose(
        _interior_point._face_kkt_solve(regular, rhs, True), expected, rtol=1e-9, atol=1e-12
    )
    singular, rhs = kkt(14, 3)  # 14 rows, p = 6: G of rank 6
    rhs = singular @ rng.normal(size=15)  # consistent, so the least squares solve it exactly
    minimum_norm = np.linalg.lstsq(singular, rhs, rcond=None)[0]
    for flagged in (True, False):
        solution = _interior_point._face_kkt_solve(singular, rhs, flagged)
        np.testing.assert_allclose(singular @ solution, rhs, atol=1e-8 * np.abs(rhs).max())
        np.testing.assert_allclose(solution, minimum_norm, rtol=1e-6, atol=1e-8)
