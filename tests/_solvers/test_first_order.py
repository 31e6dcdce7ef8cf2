"""Accelerated projected gradient: converges to cvxpy's optimum, stays feasible, stops honestly."""

import numpy as np
import pytest

from skl_synthsel._solvers import certify, solve_relaxed_cvxpy
from skl_synthsel._solvers._first_order import accelerated_projected_gradient


def _problem(seed, reachable=False):
    rng = np.random.default_rng(seed)
    d = 3 + seed % 3
    U = rng.normal(size=(400, d)) * rng.uniform(0.5, 2.0, size=d)
    index = np.arange(d)
    target = (
        U[:60].T @ U[:60] / 60
        if reachable
        else 2.0 * 0.9 ** np.abs(index[:, None] - index[None, :])
    )
    return U, target, 50


@pytest.mark.parametrize("reachable", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_converges_to_the_cvxpy_optimum(seed, reachable):
    U, target, k = _problem(seed, reachable)
    result = accelerated_projected_gradient(
        U, target, k, max_iter=3000, rtol=1e-9, atol=1e-10, stall_window=None
    )
    weights = result.weights
    assert weights.min() >= 0 and weights.max() <= 1
    assert abs(weights.sum() - k) <= 1e-9 * k
    reference = certify(U, target, solve_relaxed_cvxpy(U, target, k)[0]).objective
    scale = np.linalg.norm(target)
    assert result.certificate.objective <= reference * (1 + 1e-6) + 1e-7 * scale
    assert result.certificate.lower_bound <= reference + 1e-9 * scale
    # The returned residual, gradient and certificate describe the returned weights.
    assert result.certificate == certify(U, target, weights)
    np.testing.assert_allclose(
        result.residual, (U * weights[:, None]).T @ U / k - target, atol=1e-12
    )
    assert len(result.iteration_seconds) == result.n_iter


def test_warm_start_iteration_limit_and_determinism():
    U, target, k = _problem(1)
    start = np.zeros(len(U))
    start[:k] = 1.0
    idle = accelerated_projected_gradient(U, target, k, weights=start, max_iter=0)
    assert np.array_equal(idle.weights, start) and idle.n_iter == 0
    first = accelerated_projected_gradient(U, target, k, weights=start, max_iter=40, rtol=0)
    second = accelerated_projected_gradient(U, target, k, weights=start, max_iter=40, rtol=0)
    assert first.n_iter == 40
    assert np.array_equal(first.weights, second.weights)
    assert first.certificate.objective < certify(U, target, start).objective


def test_a_resumed_run_makes_the_iterates_of_one_run():
    # Stopped after 23 iterations and resumed from its state, a run makes, bit for bit, the
    # iterates of one run of 60 (the momentum and step size kept); started again from the
    # same weights instead, it does not.
    U, target, k = _problem(0)
    options = {"rtol": 0, "stall_window": None}
    whole = accelerated_projected_gradient(U, target, k, max_iter=60, **options)
    head = accelerated_projected_gradient(U, target, k, max_iter=23, **options)
    tail = accelerated_projected_gradient(U, target, k, max_iter=37, resume=head, **options)
    assert tail.n_iter == 37
    assert np.array_equal(tail.weights, whole.weights)
    assert np.array_equal(tail.residual, whole.residual)
    assert tail.certificate == whole.certificate == certify(U, target, tail.weights)
    assert np.array_equal(tail.state.previous[0], whole.state.previous[0])
    again = accelerated_projected_gradient(
        U, target, k, weights=head.weights, max_iter=37, **options
    )
    assert not np.array_equal(again.weights, whole.weights)
    # A resumed run of no iterations returns the state's iterate.
    idle = accelerated_projected_gradient(U, target, k, max_iter=0, resume=head)
    assert idle.n_iter == 0 and np.array_equal(idle.weights, head.weights)


def test_stops_when_the_certified_gap_stalls():
    # Nearly degenerate: the solver notices the crawl instead of spending its budget.
    U, target, k = _stalling_problem()
    result = accelerated_projected_gradient(
        U, target, k, max_iter=5000, rtol=1e-12, stall_window=50
    )
    assert result.stalled
    assert result.n_iter < 500
    assert result.certificate == certify(U, target, result.weights)


def _stalling_problem():
    # A singular target (6 real rows in 8 dimensions) and a pool with little variance in its
    # null space: nearly degenerate, first-order progress crawls.
    rng = np.random.default_rng(0)
    real = rng.normal(size=(6, 8))
    real -= real.mean(axis=0)
    target = real.T @ real / 6
    U = rng.multivariate_normal(np.zeros(8), target + 1e-3 * np.eye(8), size=400)
    return U, target, 100


def test_a_stall_that_is_not_paid_for_starts_the_window_again():
    # stall_is_paid is asked at each stall; until it agrees the run goes on, the iterates
    # exactly those of a run that never stops for a stall (the momentum kept).
    U, target, k = _stalling_problem()
    options = {"max_iter": 5000, "rtol": 1e-12}
    alone = accelerated_projected_gradient(U, target, k, stall_window=50, **options)
    asked = []

    def stall_is_paid(n_iter):
        asked.append(n_iter)
        return n_iter >= alone.n_iter + 100

    later = accelerated_projected_gradient(
        U, target, k, stall_window=50, stall_is_paid=stall_is_paid, **options
    )
    assert alone.stalled and later.stalled
    assert asked[0] == alone.n_iter and later.n_iter == asked[-1] >= alone.n_iter + 100
    assert np.all(np.diff(asked) >= 50)  # each a full window after the one before
    never = accelerated_projected_gradient(
        U, target, k, stall_window=None, **{**options, "max_iter": later.n_iter}
    )
    assert np.array_equal(never.weights, later.weights)
    assert never.certificate == later.certificate
    paid_at_once = accelerated_projected_gradient(
        U, target, k, stall_window=50, stall_is_paid=lambda n_iter: True, **options
    )
    assert paid_at_once.n_iter == alone.n_iter


def test_stops_once_the_lower_bound_proves_the_optimum_positive():
    # Out of reach: cvxpy's optimum is well above 0, and a few iterations certify a positive
    # lower bound (below that optimum), far sooner than the tolerance would stop them.
    U, target, k = _problem(2)
    scale = np.linalg.norm(target)
    reference = certify(U, target, solve_relaxed_cvxpy(U, target, k)[0]).objective
    result = accelerated_projected_gradient(
        U, target, k, max_iter=500, rtol=0, stall_window=None, stop_at_bound=1e-3 * scale
    )
    assert 1e-3 * scale < result.certificate.lower_bound <= reference + 1e-9 * scale
    assert result.n_iter < 500 and result.n_iter % 5 == 0
    assert result.certificate == certify(U, target, result.weights)
    # Reachable: the bound never leaves 0, and the iteration limit stops the run.
    U, target, k = _problem(2, reachable=True)
    result = accelerated_projected_gradient(
        U, target, k, max_iter=60, rtol=0, stall_window=None, stop_at_bound=1e-9 * scale
    )
    assert result.n_iter == 60


def test_stop_when_is_asked_at_each_check_and_stops_the_run():
    U, target, k = _problem(1)
    asked = []

    def stop_when(n_iter, weights, gradient, certificate):
        asked.append(n_iter)
        assert certificate == certify(U, target, weights)
        np.testing.assert_allclose(
            gradient,
            2 / k * np.einsum("ij,jk,ik->i", U, (U * weights[:, None]).T @ U / k - target, U),
            atol=1e-10,
        )
        return n_iter >= 15

    result = accelerated_projected_gradient(
        U, target, k, max_iter=100, rtol=0, stall_window=None, stop_when=stop_when
    )
    assert asked == [5, 10, 15] and result.n_iter == 15
