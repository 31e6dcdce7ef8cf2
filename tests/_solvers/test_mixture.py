"""The mixture variant: real rows plus selected rows matched to the target."""

import numpy as np
import pytest

from skl_synthsel._solvers import (
    certify,
    covariance_gap,
    greedy_covariance_matching,
    mixture_gap,
    mixture_problem,
    project_capped_simplex,
    round_relaxed_weights,
    solve_relaxed_fast,
)


def _data(seed):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(25, 3)) @ np.array([[1.0, 0.4, 0.0], [0.0, 1.0, 0.3], [0, 0, 0.6]])
    real -= real.mean(axis=0)
    pool = rng.normal(size=(300, 3)) * 1.3
    return real, pool


@pytest.mark.parametrize("seed", range(3))
def test_shifted_problem_measures_the_mixture(seed):
    real, pool = _data(seed)
    target = np.cov(real.T, bias=True) * 0.8 + 0.2 * np.eye(3)  # a shrunk target
    k = 40
    shifted, normaliser = mixture_problem(real, target, k)
    assert normaliser == 65
    weights, _ = project_capped_simplex(np.random.default_rng(seed).normal(size=300), k)
    stacked = np.vstack([real, pool])
    expected = np.linalg.norm(
        (stacked * np.r_[np.ones(25), weights][:, None]).T @ stacked / 65 - target
    )
    assert mixture_gap(real, pool, target, weights) == pytest.approx(expected)
    assert certify(pool, shifted, weights, normaliser=normaliser).objective == pytest.approx(
        expected
    )


def test_with_the_empirical_target_the_mixture_is_the_plain_problem_scaled():
    real, pool = _data(4)
    target = real.T @ real / len(real)
    k = 40
    shifted, normaliser = mixture_problem(real, target, k)
    for seed in range(3):
        weights, _ = project_capped_simplex(np.random.default_rng(seed).normal(size=300), k)
        assert mixture_gap(real, pool, target, weights) == pytest.approx(
            k / normaliser * covariance_gap(pool, target, weights)
        )
    plain = solve_relaxed_fast(pool, target, k).certificate.objective
    mixed = solve_relaxed_fast(pool, shifted, k, normaliser=normaliser).certificate.objective
    assert mixed == pytest.approx(k / normaliser * plain, rel=1e-7)


def test_rounding_the_mixture_never_loses_to_top_k():
    real, pool = _data(5)
    target = np.cov(real.T, bias=True) * 0.5 + 0.5 * np.eye(3)
    shifted, normaliser = mixture_problem(real, target, 40)
    weights = solve_relaxed_fast(pool, shifted, 40, normaliser=normaliser).weights
    rounded, _ = round_relaxed_weights(pool, shifted, weights, 40, normaliser=normaliser)
    top = np.argsort(-weights, kind="stable")[:40]
    indicator = np.zeros(300)
    indicator[rounded] = 1.0
    top_indicator = np.zeros(300)
    top_indicator[top] = 1.0
    assert len(set(rounded.tolist())) == 40
    assert (
        mixture_gap(real, pool, target, indicator)
        <= mixture_gap(real, pool, target, top_indicator) + 1e-12
    )


def _brute_force_mixture_greedy(real, X, target, k):
    selected = []
    for _ in range(k):
        gaps = [
            np.inf
            if j in selected
            else np.linalg.norm(np.cov(np.vstack([real, X[selected + [j]]]).T, bias=True) - target)
            for j in range(len(X))
        ]
        selected.append(int(np.argmin(gaps)))
    return np.array(selected)


@pytest.mark.parametrize("seed", range(3))
def test_greedy_from_the_real_rows_equals_brute_force(seed):
    real, pool = _data(seed)
    pool = pool[:60] + 0.3  # a shifted pool: the joint mean moves
    target = np.cov(real.T, bias=True) + 0.1 * np.eye(3)
    initial = (
        real.mean(axis=0),
        (real - real.mean(axis=0)).T @ (real - real.mean(axis=0)),
        len(real),
    )
    np.testing.assert_array_equal(
        greedy_covariance_matching(pool, target, 10, initial=initial),
        _brute_force_mixture_greedy(real, pool, target, 10),
    )
