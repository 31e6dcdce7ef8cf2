"""RandomSelector: uniform draws per class, exact quotas, containers, regression."""

from collections import Counter

import numpy as np
from scipy.stats import chisquare

from skl_synthsel import RandomSelector


def test_exact_per_class_quotas_of_distinct_pool_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = RandomSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert selector.sampling_strategy_ == {0: 62, 1: 38, 2: 20}
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_
    assert len(set(selector.selected_indices_.tolist())) == 120
    assert np.array_equal(X_res[60:], X_pool[selector.selected_indices_])
    assert np.array_equal(y_res[60:], y_pool[selector.selected_indices_])


def test_selection_is_the_documented_draw(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = RandomSelector((X_pool, y_pool), n_select={0: 4, 2: 9}, random_state=7).fit(X, y)
    # One RandomState, classes in order, RandomState.choice without replacement per class.
    rng = np.random.RandomState(7)
    expected = []
    for label, quota in [(0, 4), (2, 9)]:
        rows = np.flatnonzero(y_pool == label)
        expected.extend(rows[rng.choice(len(rows), quota, replace=False)])
    assert selector.selected_indices_.tolist() == expected


def test_every_row_is_equally_likely_whatever_its_features():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 2)), np.repeat([0, 1], 5)
    y_pool = np.repeat([0, 1], 20)
    # Class 0's pool rows lie at very different distances from the real rows.
    X_pool = rng.normal(size=(40, 2)) * np.linspace(0.1, 50.0, 40)[:, None]
    counts = np.zeros(40)
    for seed in range(300):
        chosen = (
            RandomSelector((X_pool, y_pool), n_select=10, random_state=seed)
            .fit(X, y)
            .selected_indices_
        )
        counts[chosen] += 1
    # 300 draws of 5 of 20 rows per class: 75 selections expected for every row.
    assert counts.sum() == 3000
    for members in (slice(0, 20), slice(20, 40)):
        assert chisquare(counts[members]).pvalue > 0.01
    # The features do not matter: another pool with the same labels gives the same rows.
    shuffled_features = RandomSelector((X_pool[::-1], y_pool), n_select=10, random_state=3)
    same_labels = RandomSelector((X_pool, y_pool), n_select=10, random_state=3)
    assert np.array_equal(
        shuffled_features.fit(X, y).selected_indices_, same_labels.fit(X, y).selected_indices_
    )


def test_regression_draws_jointly(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = RandomSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    expected = np.random.RandomState(0).choice(len(X_pool), 100, replace=False)
    assert np.array_equal(selector.selected_indices_, expected)
    assert np.array_equal(y_res[50:], y_pool[expected])
    assert not hasattr(selector, "sampling_strategy_")
