"""CenterMatchingSelector and CenterSamplingSelector against direct computations."""

from collections import Counter

import numpy as np
import pytest
from scipy.stats import chisquare

from skl_synthsel import CenterMatchingSelector, CenterSamplingSelector


def standardise(X_real, *others):
    """Scale by the real rows' mean and (population) standard deviation, as StandardScaler."""
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


def brute_force_nearest(real, pool, quota):
    """Indices of the ``quota`` pool rows nearest the real centroid, ties in pool order."""
    centroid = [sum(row[j] for row in real) / len(real) for j in range(real.shape[1])]
    distances = [
        sum((row[j] - centroid[j]) ** 2 for j in range(len(centroid))) ** 0.5 for row in pool
    ]
    return sorted(range(len(pool)), key=lambda i: (distances[i], i))[:quota], distances


def test_center_matching_equals_brute_force_per_class(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CenterMatchingSelector((X_pool, y_pool), n_select=1.5).fit(X, y)
    real, pool = standardise(X, X_pool)
    expected, mean_distances = [], []
    for label in (0, 1, 2):
        members = np.flatnonzero(y_pool == label)
        nearest, distances = brute_force_nearest(
            real[y == label], pool[members], selector.sampling_strategy_[label]
        )
        expected.extend(members[nearest])
        mean_distances.append(np.mean([distances[i] for i in nearest]))
        assert np.allclose(selector.scores_[members], -np.array(distances))
    assert selector.selected_indices_.tolist() == expected
    assert np.allclose(selector.mean_centroid_distance_, mean_distances)


def test_center_matching_regression_uses_the_joint_centroid(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = CenterMatchingSelector((X_pool, y_pool), n_select=40, match_target=True)
    selector.fit(X, y)
    joint_real, joint_pool = standardise(np.column_stack([X, y]), np.column_stack([X_pool, y_pool]))
    nearest, _ = brute_force_nearest(joint_real, joint_pool, 40)
    assert selector.selected_indices_.tolist() == nearest
    # The target counts: the features alone give another selection.
    features_only, _ = brute_force_nearest(*standardise(X, X_pool), 40)
    assert set(features_only) != set(nearest)


def test_center_matching_breaks_ties_in_pool_order():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, -1.0], [0.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    # Rows 0-3 of class 0 are all at distance 0.5 from its centroid (0, 0); row 4 is farther.
    X_pool = np.array(
        [[0.5, 0.0], [-0.5, 0.0], [0.0, 0.5], [0.0, -0.5], [2.0, 0.0], [0.0, 0.0], [0.0, 3.0]]
    )
    y_pool = np.array([0, 0, 0, 0, 0, 1, 1])
    selector = CenterMatchingSelector((X_pool, y_pool), n_select={0: 3, 1: 1}).fit(X, y)
    assert selector.selected_indices_.tolist() == [0, 1, 2, 5]


def gumbel_top_k(real, pool, quota, temperature, rng):
    """The documented sampling rule, written out."""
    squared = ((pool - real.mean(axis=0)) ** 2).sum(axis=1)
    log_weights = -squared / (2 * temperature**2 * np.median(squared))
    keys = log_weights + rng.gumbel(size=len(pool))
    return np.argsort(-keys, kind="stable")[:quota], log_weights


@pytest.mark.parametrize("temperature", [0.3, 1.0, 4.0])
def test_center_sampling_follows_the_documented_rule(classification_data, temperature):
    X, y, X_pool, y_pool = classification_data
    selector = CenterSamplingSelector(
        (X_pool, y_pool), n_select=2.0, temperature=temperature, random_state=5
    )
    X_res, y_res = selector.fit_resample(X, y)
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_ == {0: 62, 1: 38, 2: 20}
    assert len(set(selector.selected_indices_.tolist())) == 120
    real, pool = standardise(X, X_pool)
    rng, expected = np.random.RandomState(5), []
    for label in (0, 1, 2):
        members = np.flatnonzero(y_pool == label)
        chosen, log_weights = gumbel_top_k(
            real[y == label], pool[members], selector.sampling_strategy_[label], temperature, rng
        )
        expected.extend(members[chosen])
        weights = np.exp(log_weights)
        assert np.allclose(selector.scores_[members], weights / weights.sum())
    assert selector.selected_indices_.tolist() == expected


def test_lower_temperature_concentrates_nearer_the_centroid(classification_data):
    X, y, X_pool, y_pool = classification_data
    temperatures = [8.0, 2.0, 1.0, 0.5, 0.25]
    mean_distances = [
        np.mean(
            [
                CenterSamplingSelector((X_pool, y_pool), temperature=temperature, random_state=seed)
                .fit(X, y)
                .mean_centroid_distance_
                for seed in range(5)
            ]
        )
        for temperature in temperatures
    ]
    assert np.all(np.diff(mean_distances) < 0)
    # The limits: center matching below, and above it the pool's mean distance.
    nearest = CenterMatchingSelector((X_pool, y_pool)).fit(X, y).mean_centroid_distance_.mean()
    pool_mean = np.mean(
        [
            np.nanmean(-CenterMatchingSelector((X_pool, y_pool)).fit(X, y).scores_[y_pool == label])
            for label in (0, 1, 2)
        ]
    )
    assert nearest < mean_distances[-1] and mean_distances[0] < pool_mean


def test_first_draw_frequencies_follow_the_weights():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), np.repeat([0, 1], 10)
    X_pool, y_pool = rng.normal(size=(12, 2)), np.repeat([0, 1], 6)
    first_rows = Counter(
        int(
            CenterSamplingSelector((X_pool, y_pool), n_select={0: 1}, random_state=seed)
            .fit(X, y)
            .selected_indices_[0]
        )
        for seed in range(400)
    )
    probabilities = CenterSamplingSelector((X_pool, y_pool), n_select={0: 1}).fit(X, y).scores_[:6]
    observed = [first_rows[row] for row in range(6)]
    assert chisquare(observed, 400 * probabilities).pvalue > 0.01


def test_kernel_scale_falls_back_to_the_mean_when_the_median_is_zero():
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [5.0, 5.0], [7.0, 5.0]])
    y = np.array([0, 0, 1, 1])
    X_pool = np.array([[0.0, 0.0]] * 3 + [[1.0, 0.0], [6.0, 5.0], [8.0, 5.0]])
    y_pool = np.array([0, 0, 0, 0, 1, 1])
    selector = CenterSamplingSelector((X_pool, y_pool), n_select={0: 4, 1: 2}, random_state=0).fit(
        X, y
    )
    real, pool = standardise(X, X_pool)
    squared = ((pool[:4] - real[:2].mean(axis=0)) ** 2).sum(axis=1)
    assert selector.kernel_scale_[0] == pytest.approx(squared.mean())
    assert sorted(selector.selected_indices_.tolist()) == list(range(6))


def test_center_sampling_regression(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = CenterSamplingSelector(
        (X_pool, y_pool), n_select=30, temperature=0.5, random_state=1
    )
    X_res, y_res = selector.fit_resample(X, y)
    real, pool = standardise(X, X_pool)  # the features alone (match_target=False)
    expected, _ = gumbel_top_k(real, pool, 30, 0.5, np.random.RandomState(1))
    assert selector.selected_indices_.tolist() == expected.tolist()
    assert np.array_equal(y_res[50:], y_pool[expected])


def test_non_positive_temperature_is_refused(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="temperature"):
        CenterSamplingSelector((X_pool, y_pool), temperature=0.0).fit(X, y)
