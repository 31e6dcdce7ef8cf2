"""Safe screening fixes only rows that every optimum fixes; the band is a valid working set."""

import numpy as np
import pytest

from skl_synthsel._solvers import solve_relaxed_interior_point
from skl_synthsel._solvers._first_order import accelerated_projected_gradient
from skl_synthsel._solvers._working_set import (
    gradient_band,
    screen_rows,
    support_band,
    support_band_size,
)


def _problem(seed):
    rng = np.random.default_rng(seed)
    d = 3 + seed % 2
    U = rng.normal(size=(600, d)) * rng.uniform(0.5, 2.0, size=d)
    index = np.arange(d)
    return U, 2.0 * 0.9 ** np.abs(index[:, None] - index[None, :]), 60


@pytest.mark.parametrize("n_iter", [5, 30, 200])
@pytest.mark.parametrize("seed", range(3))
def test_screened_rows_agree_with_the_optimum(seed, n_iter):
    U, target, k = _problem(seed)
    optimum = solve_relaxed_interior_point(U, target, k).weights
    point = accelerated_projected_gradient(U, target, k, max_iter=n_iter, rtol=0)
    at_one, undecided = screen_rows(
        point.gradient, np.einsum("ij,ij->i", U, U), point.certificate.frank_wolfe_gap, k, float(k)
    )
    at_zero = ~(at_one | undecided)
    assert np.all(optimum[at_one] >= 1 - 1e-6)
    assert np.all(optimum[at_zero] <= 1e-6)
    assert at_one.sum() <= k <= at_one.sum() + undecided.sum()
    if n_iter == 200:
        # Near the optimum the screen decides almost every row.
        assert undecided.sum() <= 100


def test_screen_keeps_everything_at_a_useless_certificate():
    U, target, k = _problem(0)
    gradient = np.random.default_rng(0).normal(size=len(U))
    at_one, undecided = screen_rows(gradient, np.einsum("ij,ij->i", U, U), 1e6, k, float(k))
    assert not at_one.any() and undecided.all()


@pytest.mark.parametrize("k", [1, 30, 590, 600])
def test_band_has_the_requested_size_around_the_threshold(k):
    gradient = np.random.default_rng(k).normal(size=600)
    working = gradient_band(gradient, k, 100)
    assert working.sum() == 100
    ranks = np.empty(600, dtype=int)
    ranks[np.argsort(gradient, kind="stable")] = np.arange(600)
    selected = ranks[working]
    assert selected.max() - selected.min() == 99
    assert selected.min() <= max(k - 50, 0) and selected.max() >= min(k + 49, 599)


def test_support_band_is_the_fractional_ranks_and_a_margin():
    # 3 rows at one, 20 fractional, the rest at zero; the gradient ranks them in that order
    # except for a shuffle. The band: ranks 3 - 3 to 23 + 3 (margin ceil(0.1 * 20) + 1 = 3).
    rng = np.random.default_rng(0)
    weights = np.zeros(100)
    weights[:3] = 1.0
    weights[3:23] = rng.uniform(0.1, 0.9, size=20)
    order = rng.permutation(100)
    gradient, shuffled = np.empty(100), np.empty(100)
    gradient[order] = np.arange(100.0)
    shuffled[order] = weights
    working = support_band(gradient, shuffled)
    expected = np.zeros(100, dtype=bool)
    expected[order[:26]] = True
    assert np.array_equal(working, expected)
    assert support_band_size(shuffled) == 26
    # A vertex (no fractional row): the rows either side of the threshold rank.
    vertex = np.zeros(100)
    vertex[order[:10]] = 1.0
    assert np.array_equal(np.flatnonzero(support_band(gradient, vertex)), np.sort(order[9:11]))
    # At the pool's edges the band is cut, never shifted.
    assert support_band_size(np.full(100, 0.5)) == 100
