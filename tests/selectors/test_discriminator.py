"""DiscriminatorSelector: cross-fitting never scores a row with a model trained on it."""

from collections import Counter

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from skl_synthsel import DiscriminatorSelector


def standardise(X_real, *others):
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


@pytest.fixture
def small_data(classification_data):
    """60 real rows and 600 pool rows: enough for every fold, quick for a 1-NN loop."""
    X, y, X_pool, y_pool = classification_data
    return X, y, X_pool[:600], y_pool[:600]


def test_folds_partition_each_class_and_never_train_on_the_scored_row(small_data):
    X, y, X_pool, y_pool = small_data
    selector = DiscriminatorSelector((X_pool, y_pool), n_splits=4, random_state=0).fit(X, y)
    folds, train_sets = selector.pool_folds_, selector.fold_train_indices_
    assert len(train_sets) == 12 and np.all(folds >= 0)
    for model, train in enumerate(train_sets):
        scored = np.flatnonzero(folds == model)
        label = y_pool[scored[0]]
        # A model scores rows of one class, and trains on exactly that class's other rows.
        assert np.all(y_pool[scored] == label)
        assert np.intersect1d(train, scored).size == 0
        assert np.array_equal(np.sort(np.r_[train, scored]), np.flatnonzero(y_pool == label))
    # Within a class the four folds differ in size by one row at most.
    for label in (0, 1, 2):
        sizes = np.bincount(folds[y_pool == label])
        sizes = sizes[sizes > 0]
        assert len(sizes) == 4 and np.ptp(sizes) <= 1
    for row in range(600):
        assert row not in set(train_sets[folds[row]].tolist())


def nearest_neighbour_probability_real(real, pool, train):
    """1-NN written out: 1 if the nearest training row of ``pool`` is real, 0 if it is a pool
    row, NaN if a real and a pool row are equally near (the tie is the classifier's to break).
    """
    nearest_real = ((real - pool) ** 2).sum(axis=1).min()
    nearest_pool = ((train - pool) ** 2).sum(axis=1).min()
    return np.nan if nearest_real == nearest_pool else float(nearest_real < nearest_pool)


def test_one_nearest_neighbour_scores_are_out_of_fold(small_data):
    X, y, X_pool, y_pool = small_data
    X_pool = X_pool.copy()
    # Pool rows 0, 1 and 2 copy distinct real rows of their class.
    X_pool[[0, 1, 2]] = X[[np.flatnonzero(y == y_pool[i])[i] for i in range(3)]]
    selector = DiscriminatorSelector(
        (X_pool, y_pool),
        n_select=0.25,
        classifier=KNeighborsClassifier(n_neighbors=1),
        random_state=0,
    ).fit(X, y)
    real, pool = standardise(X, X_pool)
    expected = [
        nearest_neighbour_probability_real(
            real[y == y_pool[row]], pool[row], pool[selector.fold_train_indices_[fold]]
        )
        for row, fold in enumerate(selector.pool_folds_)
    ]
    # Ties come from the copies below: a real row and its pool copy are equally near.
    untied = ~np.isnan(expected)
    assert np.sum(~untied) <= 5
    assert np.array_equal(selector.scores_[untied], np.asarray(expected)[untied])
    # A pool row equal to a real row is certainly real, and is selected.
    assert np.all(selector.scores_[:3] == 1.0)
    assert {0, 1, 2} <= set(selector.selected_indices_.tolist())
    # Scored in-sample, 1-NN would call every pool row "pool": it memorised them.
    in_sample = (
        KNeighborsClassifier(n_neighbors=1)
        .fit(np.r_[real, pool], np.r_[np.ones(60), np.zeros(600)])
        .predict_proba(pool[3:])[:, 1]
    )
    assert np.all(in_sample == 0.0) and np.sum(selector.scores_[3:] == 1.0) > 20


def test_balanced_logistic_scores_equal_a_direct_refit(small_data):
    X, y, X_pool, y_pool = small_data
    selector = DiscriminatorSelector((X_pool, y_pool), n_select=1.0, random_state=1)
    X_res, y_res = selector.fit_resample(X, y)
    real, pool = standardise(X, X_pool)
    for model, train in enumerate(selector.fold_train_indices_):
        scored = np.flatnonzero(selector.pool_folds_ == model)
        class_real = real[y == y_pool[scored[0]]]
        n_rows = len(class_real) + len(train)
        weights = np.r_[
            np.full(len(class_real), n_rows / (2 * len(class_real))),
            np.full(len(train), n_rows / (2 * len(train))),
        ]
        refit = LogisticRegression().fit(
            np.r_[class_real, pool[train]],
            np.r_[np.ones(len(class_real)), np.zeros(len(train))],
            sample_weight=weights,
        )
        assert np.allclose(selector.scores_[scored], refit.predict_proba(pool[scored])[:, 1])
    # Each class keeps its quota of the most real-looking rows (ties in pool order).
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_
    expected = []
    for label, quota in selector.sampling_strategy_.items():
        members = np.flatnonzero(y_pool == label)
        expected.extend(members[np.argsort(-selector.scores_[members], kind="stable")[:quota]])
    assert selector.selected_indices_.tolist() == expected


def test_rows_off_the_real_distribution_are_left_out():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(80, 3)), np.repeat([0, 1], 40)
    X_pool, y_pool = rng.normal(size=(800, 3)), np.tile([0, 1], 400)
    shifted = np.arange(800) % 4 < 2  # half of each class
    X_pool[shifted, 0] += 2.5
    selector = DiscriminatorSelector((X_pool, y_pool), n_select=1.0, random_state=0).fit(X, y)
    assert np.mean(shifted[selector.selected_indices_]) < 0.05
    assert np.nanmean(selector.scores_[~shifted]) > np.nanmean(selector.scores_[shifted]) + 0.3


def test_random_state_fixes_folds_and_an_unseeded_classifier(small_data):
    X, y, X_pool, y_pool = small_data
    forest = RandomForestClassifier(n_estimators=5)
    runs = [
        DiscriminatorSelector((X_pool, y_pool), classifier=forest, random_state=seed).fit(X, y)
        for seed in (3, 3, 4)
    ]
    assert np.array_equal(runs[0].scores_, runs[1].scores_)
    assert np.array_equal(runs[0].pool_folds_, runs[1].pool_folds_)
    assert not np.array_equal(runs[0].pool_folds_, runs[2].pool_folds_)
    assert forest.random_state is None  # the user's classifier is not modified


def test_small_class_pools_use_one_fold_per_row_or_select_unscored():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.2], [2.0, 0.0], [3.0, 1.0], [2.5, 0.4]])
    y = np.array([0, 0, 0, 1, 1, 1])
    X_pool = np.array([[0.1, 0.1], [0.9, 0.8], [0.4, 0.4], [2.2, 0.5]])
    y_pool = np.array([0, 0, 0, 1])
    selector = DiscriminatorSelector((X_pool, y_pool), n_select={0: 2, 1: 1}, random_state=0).fit(
        X, y
    )
    # Three rows of class 0 with n_splits=5: three folds of one row each.
    assert sorted(selector.pool_folds_[:3].tolist()) == [0, 1, 2]
    assert [len(train) for train in selector.fold_train_indices_] == [2, 2, 2]
    assert selector.pool_folds_[3] == -1 and np.isnan(selector.scores_[3])
    assert selector.selected_indices_[-1] == 3


def test_regression_discriminates_features_and_target_jointly(regression_data):
    X, y, X_pool, y_pool = regression_data
    y_pool = y_pool.copy()
    wrong_target = np.arange(len(y_pool)) % 2 == 0
    y_pool[wrong_target] += 3.0 * y.std()
    selector = DiscriminatorSelector(
        (X_pool, y_pool), n_select=2.0, match_target=True, random_state=0
    )
    X_res, y_res = selector.fit_resample(X, y)
    assert len(y_res) == 150 and len(set(selector.selected_indices_.tolist())) == 100
    assert np.mean(wrong_target[selector.selected_indices_]) < 0.05
    assert len(selector.fold_train_indices_) == 5


def test_n_splits_below_two_is_refused(small_data):
    X, y, X_pool, y_pool = small_data
    with pytest.raises(ValueError, match="n_splits"):
        DiscriminatorSelector((X_pool, y_pool), n_splits=1).fit(X, y)
