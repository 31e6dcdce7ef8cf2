"""Rounding to exactly k rows: the start, the swap repair, and the candidate-set path."""

import numpy as np
import pytest

from skl_synthsel._solvers import (
    _rounding,
    covariance_gap,
    round_relaxed_weights,
    solve_relaxed_fast,
)


def _indicator(n_rows, rows):
    weights = np.zeros(n_rows)
    weights[rows] = 1.0
    return weights


def _problem(n_rows, reachable, seed=0):
    rng = np.random.default_rng(seed)
    U = rng.normal(size=(n_rows, 3)) * [1.0, 1.5, 0.7]
    target = (
        0.8 * U.T @ U / n_rows
        if reachable
        else np.array([[3.0, 1.0, 0.0], [1.0, 1.0, 0.5], [0.0, 0.5, 2.0]])
    )
    return U, target


@pytest.mark.parametrize("n_rows", [3000, 40000])  # every row / candidate sets with refreshes
def test_within_ten_percent_of_the_bound_when_out_of_reach_and_k_at_least_10p(n_rows):
    U, target = _problem(n_rows, reachable=False)
    k = n_rows // 10  # p = 6, so k >= 10 p
    solution = solve_relaxed_fast(U, target, k)
    selected, _ = round_relaxed_weights(U, target, solution.weights, k)
    assert len(selected) == k and len(np.unique(selected)) == k
    gap = covariance_gap(U, target, _indicator(n_rows, selected))
    assert solution.certificate.lower_bound <= gap <= 1.1 * solution.certificate.lower_bound


@pytest.mark.parametrize("n_rows", [3000, 40000])
def test_near_zero_when_the_target_is_reachable(n_rows):
    U, target = _problem(n_rows, reachable=True)
    k = n_rows // 10
    solution = solve_relaxed_fast(U, target, k)
    assert solution.certificate.objective <= 1e-8 * np.linalg.norm(target)
    selected, n_swaps = round_relaxed_weights(U, target, solution.weights, k)
    gap = covariance_gap(U, target, _indicator(n_rows, selected))
    top_k = np.argsort(-solution.weights, kind="stable")[:k]
    # One row moves the second moment by about ||u||^2 / k: the swap repair gets to that scale.
    one_row = np.mean(np.einsum("ij,ij->i", U, U)) / k
    assert gap <= one_row
    assert gap <= covariance_gap(U, target, _indicator(n_rows, top_k)) / 10
    assert n_swaps > 0


def test_candidate_path_ends_where_the_full_search_ends(monkeypatch):
    monkeypatch.setattr(_rounding, "_CANDIDATE_ROWS", 256)  # candidate sets on a small pool
    U, target = _problem(3000, reachable=True, seed=1)
    weights = np.full(3000, 0.1)
    first, swaps = round_relaxed_weights(U, target, weights, 300, n_candidates=64)
    again, _ = round_relaxed_weights(U, target, weights, 300, n_candidates=64)
    assert np.array_equal(first, again) and swaps > 0
    limited, limited_swaps = round_relaxed_weights(U, target, weights, 300, max_swaps=5)
    assert limited_swaps == 5 and len(np.unique(limited)) == 300
    monkeypatch.undo()
    # After a refresh found nothing, no improving swap is left for the search over every row.
    _, extra = round_relaxed_weights(U, target, _indicator(3000, first), 300, n_candidates=64)
    assert extra == 0


def test_start_is_the_better_of_top_k_and_systematic_rounding():
    U, target = _problem(2000, reachable=True, seed=2)
    weights = np.full(2000, 0.1)
    weights[:100] = 0.11  # top-k would take the first rows
    weights[100:200] = 0.09
    start = _rounding._start(U, target, weights, 200, 200.0, None)
    systematic = _rounding._systematic(weights, 200)
    top = _rounding._top_k(weights, 200)
    gaps = [covariance_gap(U, target, _indicator(2000, rows)) for rows in (systematic, top)]
    assert covariance_gap(U, target, _indicator(2000, start)) == min(gaps)
    assert len(np.unique(systematic)) == 200
    # Weights that are scores, not feasible weights: top-k only.
    assert np.array_equal(
        _rounding._start(U, target, np.arange(2000.0), 200, 200.0, None),
        _rounding._top_k(np.arange(2000.0), 200),
    )


def test_seeded_start_keeps_each_row_with_probability_its_weight():
    # Unequal weights with some 0s and 1s, summing to k: the inclusion frequencies over many
    # seeds (Monte Carlo) against the weights; 1s always kept, 0s never.
    rng = np.random.default_rng(3)
    weights = np.concatenate([np.ones(5), np.zeros(5), rng.uniform(0.05, 0.95, size=40)])
    weights[10:] *= (25 - 5) / weights[10:].sum()  # sum k = 25
    assert weights.max() <= 1
    U, target = _problem(50, reachable=True)
    counts = np.zeros(50)
    n_draws = 4000
    for seed in range(n_draws):
        rows = _rounding._start(U, target, weights, 25, 25.0, None, np.random.RandomState(seed))
        assert len(np.unique(rows)) == 25
        counts[rows] += 1
    frequency = counts / n_draws
    assert np.all(frequency[:5] == 1) and np.all(frequency[5:10] == 0)
    # Binomial standard error at most 0.008: five of them.
    np.testing.assert_allclose(frequency, weights, atol=0.04)
    # The same seed, the same rows; a perturbation in the last digits changes nothing.
    perturbed = np.clip(weights * (1 + 1e-13 * rng.standard_normal(50)), 0, 1)
    first, second = (
        _rounding._start(U, target, w, 25, 25.0, None, np.random.RandomState(7))
        for w in (weights, perturbed)
    )
    assert np.array_equal(first, second)
