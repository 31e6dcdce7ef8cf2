"""The covariance-matching solvers against independent computations."""

import numpy as np
import pytest

from skl_synthsel._solvers import (
    covariance_gap,
    greedy_covariance_matching,
    round_relaxed_weights,
    solve_relaxed_cvxpy,
    svec,
    svec_columns,
)


def _indicator(n_rows, rows):
    weights = np.zeros(n_rows)
    weights[rows] = 1.0
    return weights


def _brute_force_greedy(X, target, k, start_index):
    """The paper's greedy with every candidate's covariance recomputed from scratch."""
    selected = [start_index]
    for _ in range(k - 1):
        gaps = [
            np.inf
            if j in selected
            else np.linalg.norm(np.cov(X[selected + [j]].T, bias=True) - target)
            for j in range(len(X))
        ]
        selected.append(int(np.argmin(gaps)))
    return np.array(selected)


def test_svec_preserves_the_frobenius_inner_product():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    A = A + A.T
    U = rng.normal(size=(5, 4))
    assert svec(A) @ svec(A) == pytest.approx(np.sum(A * A))
    lifted = svec_columns(U)
    assert lifted.shape == (10, 5)
    for i in range(5):
        assert np.allclose(lifted[:, i], svec(np.outer(U[i], U[i])))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_svec_columns_is_the_lifting_of_every_row_in_float64(dtype):
    rng = np.random.default_rng(1)
    U = rng.normal(size=(7, 6)).astype(dtype)
    lifted = svec_columns(U)
    assert lifted.shape == (21, 7) and lifted.dtype == np.float64
    exact = U.astype(np.float64)
    expected = np.column_stack([svec(np.outer(row, row)) for row in exact])
    np.testing.assert_allclose(lifted, expected, rtol=1e-15, atol=0)
    # Its Gram matrix is that of the outer products under the Frobenius inner product.
    outer = [np.outer(row, row) for row in exact]
    frobenius = np.array([[np.sum(a * b) for b in outer] for a in outer])
    np.testing.assert_allclose(lifted.T @ lifted, frobenius, rtol=1e-13)


@pytest.mark.parametrize("seed", range(4))
def test_greedy_incremental_step_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3)) * [1.0, 2.0, 0.5]
    target = np.cov(rng.normal(size=(30, 3)).T, bias=True)
    start = int(rng.integers(40))
    assert np.array_equal(
        greedy_covariance_matching(X, target, 12, start_index=start),
        _brute_force_greedy(X, target, 12, start),
    )


def test_relaxed_optimum_lower_bounds_every_subset():
    rng = np.random.default_rng(1)
    U = rng.normal(size=(300, 4)) * [1.0, 1.5, 0.7, 1.2]
    target = np.cov(rng.normal(size=(50, 4)).T, bias=True) * 1.3
    k = 40
    weights, bound = solve_relaxed_cvxpy(U, target, k)
    assert weights.min() >= 0 and weights.max() <= 1
    assert weights.sum() == pytest.approx(k, rel=1e-6)
    assert covariance_gap(U, target, weights) == pytest.approx(bound, rel=1e-5, abs=1e-7)
    rounded, _ = round_relaxed_weights(U, target, weights, k)
    greedy = greedy_covariance_matching(U, target, k)
    for subset in (rounded, greedy, rng.choice(300, k, replace=False)):
        assert bound <= covariance_gap(U, target, _indicator(300, subset)) + 1e-7


def test_rounding_gives_exactly_k_unique_rows_and_improves_top_k():
    rng = np.random.default_rng(2)
    U = rng.normal(size=(500, 3))
    target = np.cov(U[:60].T, bias=True)
    weights, _ = solve_relaxed_cvxpy(U, target, 60)
    rounded, n_swaps = round_relaxed_weights(U, target, weights, 60)
    top_k = np.argsort(-weights, kind="stable")[:60]
    assert len(rounded) == 60 and len(set(rounded.tolist())) == 60
    assert covariance_gap(U, target, _indicator(500, rounded)) <= covariance_gap(
        U, target, _indicator(500, top_k)
    )
    # The swap repair ends at a local optimum of the exact objective: no single swap of a
    # chosen row for an unchosen one lowers the gap (checked by brute force).
    gap = covariance_gap(U, target, _indicator(500, rounded))
    outside = np.setdiff1d(np.arange(500), rounded)
    best_swap = min(
        covariance_gap(U, target, _indicator(500, np.r_[np.delete(rounded, i), j]))
        for i in range(60)
        for j in outside[::4]
    )
    assert best_swap >= gap - 1e-12


def test_rounding_swaps_never_increase_the_gap_on_an_arbitrary_start():
    rng = np.random.default_rng(3)
    U = rng.normal(size=(200, 2))
    target = np.eye(2) * 0.5
    start = np.arange(200, dtype=float)[::-1]  # arbitrary scores: top-k = the last rows
    rounded, n_swaps = round_relaxed_weights(U, target, start, 30)
    assert n_swaps > 0
    assert covariance_gap(U, target, _indicator(200, rounded)) < covariance_gap(
        U, target, _indicator(200, np.arange(170, 200))
    )
