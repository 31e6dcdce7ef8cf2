"""The paper's greedy: the one-pass step selects exactly what the definition selects."""

import numpy as np
import pytest

from skl_synthsel._solvers import greedy_covariance_matching


def _reference_greedy(X, target, k, start_index, initial_rows=None):
    """Every candidate's covariance built explicitly (O(N d^2) per step)."""
    base = np.zeros((0, X.shape[1])) if initial_rows is None else initial_rows
    selected = [] if len(base) else [start_index]
    while len(selected) < k:
        chosen = np.vstack([base, X[selected]])
        stacked = np.concatenate([np.repeat(chosen[None], len(X), axis=0), X[:, None, :]], axis=1)
        centred = stacked - stacked.mean(axis=1, keepdims=True)
        covariances = np.einsum("nij,nik->njk", centred, centred) / stacked.shape[1]
        gaps = np.linalg.norm(covariances - target, axis=(1, 2))
        gaps[selected] = np.inf
        selected.append(int(np.argmin(gaps)))
    return np.array(selected)


@pytest.mark.parametrize("seed", range(4))
def test_matches_the_definition_on_random_pools(seed):
    rng = np.random.default_rng(seed)
    d = 2 + seed
    X = rng.normal(size=(250, d)) * rng.uniform(0.5, 2.0, size=d) + 0.2
    target = np.cov(rng.normal(size=(40, d)).T, bias=True) * 1.2
    start = int(rng.integers(250))
    np.testing.assert_array_equal(
        greedy_covariance_matching(X, target, 30, start_index=start),
        _reference_greedy(X, target, 30, start),
    )


def test_matches_the_definition_from_initial_rows():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 3))
    real = rng.normal(size=(15, 3)) * 0.7
    target = np.eye(3) * 0.8
    centred = real - real.mean(axis=0)
    initial = (real.mean(axis=0), centred.T @ centred, len(real))
    np.testing.assert_array_equal(
        greedy_covariance_matching(X, target, 20, initial=initial),
        _reference_greedy(X, target, 20, 0, initial_rows=real),
    )
    empty = (np.zeros(3), np.zeros((3, 3)), 0)
    np.testing.assert_array_equal(
        greedy_covariance_matching(X, target, 20, start_index=4, initial=empty),
        greedy_covariance_matching(X, target, 20, start_index=4),
    )


def test_ties_go_to_the_lowest_index_and_rows_are_never_repeated():
    X = np.repeat(np.random.default_rng(1).normal(size=(10, 2)), 3, axis=0)  # triplicates
    selected = greedy_covariance_matching(X, np.eye(2), 12, start_index=0)
    assert len(np.unique(selected)) == 12
    for row in selected:
        twins = np.flatnonzero(np.all(X == X[row], axis=1))
        picked = np.isin(twins, selected)
        # Of identical rows, the lowest indices are taken first: the picked ones are a prefix.
        assert np.array_equal(picked, np.sort(picked)[::-1])
