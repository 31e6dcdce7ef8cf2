"""Projection onto the capped simplex and its linear minimiser."""

import numpy as np
import pytest

from skl_synthsel._solvers._capped_simplex import (
    project_capped_simplex,
    smallest_k_sum,
    smallest_k_vertex,
)


def _projection_by_sorting(values, total):
    """Exact projection from the breakpoints: the sum is linear between consecutive ones."""
    breakpoints = np.sort(np.concatenate([values, values - 1.0]))
    sums = np.array([np.clip(values - shift, 0, 1).sum() for shift in breakpoints])
    # The sum decreases with the shift: find the segment holding ``total``.
    index = np.searchsorted(-sums, -total)
    if sums[index] == total:
        shift = breakpoints[index]
    else:
        low, high = breakpoints[index - 1], breakpoints[index]
        s_low, s_high = sums[index - 1], sums[index]
        shift = low + (s_low - total) * (high - low) / (s_low - s_high)
    return np.clip(values - shift, 0, 1)


@pytest.mark.parametrize("seed", range(8))
def test_projection_is_feasible_and_matches_the_exact_projection(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    values = rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)
    total = float(rng.integers(1, n))
    projection, shift = project_capped_simplex(values, total)
    assert projection.min() >= 0 and projection.max() <= 1
    assert projection.sum() == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(projection, np.clip(values - shift, 0, 1), atol=1e-12)
    np.testing.assert_allclose(projection, _projection_by_sorting(values, total), atol=1e-9)


def test_projection_of_a_feasible_point_is_itself_and_hints_do_not_change_it():
    rng = np.random.default_rng(3)
    point = rng.random(200)
    point *= 50 / point.sum()
    point = np.minimum(point, 1.0)
    total = point.sum()
    projection, _ = project_capped_simplex(point, total)
    np.testing.assert_allclose(projection, point, atol=1e-12)
    values = rng.normal(size=200)
    reference, shift = project_capped_simplex(values, 30.0)
    for hint in (shift, shift + 5, -100.0, None):
        again, _ = project_capped_simplex(values, 30.0, shift_hint=hint)
        np.testing.assert_allclose(again, reference, atol=1e-12)


def test_projection_with_ties_and_the_extreme_totals():
    values = np.zeros(10)
    projection, _ = project_capped_simplex(values, 3.0)
    np.testing.assert_allclose(projection, np.full(10, 0.3))
    assert project_capped_simplex(values, 10.0)[0].sum() == pytest.approx(10.0)
    assert project_capped_simplex(values, 0.0)[0].sum() == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="total must be in"):
        project_capped_simplex(values, 11.0)


def test_vertex_takes_the_smallest_scores_with_ties_to_the_lowest_index():
    scores = np.array([3.0, 1.0, 2.0, 1.0, 5.0])
    np.testing.assert_array_equal(smallest_k_vertex(scores, 2), [0, 1, 0, 1, 0])
    np.testing.assert_array_equal(smallest_k_vertex(scores, 2.5), [0, 1, 0.5, 1, 0])
    assert smallest_k_sum(scores, 2) == 2.0
    assert smallest_k_sum(scores, 2.5) == pytest.approx(3.0)
    assert smallest_k_sum(scores, 0) == 0.0


@pytest.mark.parametrize("seed", range(4))
def test_vertex_minimises_the_linear_cost_over_the_capped_simplex(seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=50)
    vertex = smallest_k_vertex(scores, 12)
    assert scores @ vertex == pytest.approx(smallest_k_sum(scores, 12))
    for _ in range(20):
        other, _ = project_capped_simplex(rng.normal(size=50), 12.0)
        assert scores @ vertex <= scores @ other + 1e-12
