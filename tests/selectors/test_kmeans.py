"""KMeansSelector: one distinct row per cluster, checked against direct computations."""

from collections import Counter

import numpy as np
import pytest
from sklearn.cluster import KMeans, MiniBatchKMeans, kmeans_plusplus
from sklearn.exceptions import ConvergenceWarning

from skl_synthsel import KMeansSelector
from skl_synthsel.selectors._kmeans import _nearest_distinct_rows


def standardise(X_real, *others):
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


def brute_force_rows(centers, rows):
    """Closest claim first; a center whose nearest row is taken gets its nearest free row."""
    distances = np.sqrt(((centers[:, None, :] - rows[None, :, :]) ** 2).sum(axis=2))
    order = sorted(range(len(centers)), key=lambda c: (distances[c].min(), c))
    chosen = []
    for center in order:
        free = [r for r in range(len(rows)) if r not in chosen]
        chosen.append(min(free, key=lambda r: (distances[center, r], r)))
    return chosen


def test_one_row_per_cluster_matches_brute_force(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = KMeansSelector((X_pool, y_pool), n_select=1.0, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_ == {0: 31, 1: 19, 2: 10}
    _, pool = standardise(X, X_pool)
    expected = []
    for label, clusterer in zip((0, 1, 2), selector.clusterers_, strict=True):
        assert isinstance(clusterer, KMeans)
        assert clusterer.n_clusters == selector.sampling_strategy_[label]
        members = np.flatnonzero(y_pool == label)
        assert np.allclose(clusterer.predict(pool[members]), clusterer.labels_)
        expected.extend(members[brute_force_rows(clusterer.cluster_centers_, pool[members])])
        assert selector.inertia_[label] == pytest.approx(clusterer.inertia_)
    assert selector.selected_indices_.tolist() == expected


def test_recovers_one_row_per_well_separated_blob():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    X = np.concatenate([centres + rng.normal(scale=0.3, size=(4, 2)) for _ in range(5)])
    y = np.zeros(len(X), dtype=int)
    y[::2] = 1
    blob = np.repeat(np.arange(4), 50)
    X_pool = centres[blob] + rng.normal(scale=0.3, size=(200, 2))
    y_pool = np.zeros(200, dtype=int)
    selector = KMeansSelector((X_pool, y_pool), n_select={0: 4}, random_state=0).fit(X, y)
    # Every cluster is a blob, its centre the blob's mean: the row nearest each blob mean.
    _, pool = standardise(X, X_pool)
    nearest = [
        int(
            np.flatnonzero(blob == b)[
                np.argmin(((pool[blob == b] - pool[blob == b].mean(axis=0)) ** 2).sum(axis=1))
            ]
        )
        for b in range(4)
    ]
    assert sorted(selector.selected_indices_.tolist()) == sorted(nearest)
    assert selector.n_reassigned_[0] == 0 and np.isnan(selector.n_reassigned_[1])


def test_shared_nearest_row_goes_to_the_nearer_centre():
    centers = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    rows = np.array([[0.0, 0.0], [1.0, 0.0], [5.0, 5.0], [6.0, 6.0]])
    chosen, n_reassigned = _nearest_distinct_rows(centers, rows)
    # Claims by distance: centre 0 (0.0), centre 2 (0.0), centre 1 (0.1) finds row 0 taken.
    assert chosen.tolist() == [0, 2, 1] and n_reassigned == 1
    assert chosen.tolist() == brute_force_rows(centers, rows)


def test_centres_on_rows_claim_them_in_centre_order_whatever_the_rounding():
    from skl_synthsel.selectors._kmeans import _assignment_pass

    # Far from the origin the pass's matrix products leave noise of about 1e-9 in the squared
    # distance of a centre on a row (measured here: row 7's, 3e-5 in the distance, the others'
    # exactly zero); the claims must see exact zeros, in centre order.
    rows = 1000.0 + np.random.default_rng(2).normal(size=(200, 3))
    centers = np.vstack([rows[[7, 50, 10, 120]], rows[[60]] + 0.5])
    _, nearest = _assignment_pass(centers, rows)
    assert nearest[:4].tolist() == [7, 50, 10, 120]
    chosen, n_reassigned = _nearest_distinct_rows(centers, rows, nearest)
    assert chosen[:4].tolist() == [7, 50, 10, 120] and n_reassigned == 0


def test_duplicated_pool_rows_still_give_the_quota_of_distinct_rows():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    distinct = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 2.0]])
    X_pool = np.concatenate([np.repeat(distinct, 10, axis=0), [[2.0, 0.0], [3.0, 1.0]]])
    y_pool = np.r_[np.zeros(30, dtype=int), [1, 1]]
    selector = KMeansSelector((X_pool, y_pool), n_select={0: 5}, random_state=0)
    with pytest.warns(ConvergenceWarning, match="distinct clusters"):
        selector.fit(X, y)
    chosen = selector.selected_indices_
    assert len(chosen) == len(set(chosen.tolist())) == 5 and np.all(y_pool[chosen] == 0)
    # Every distinct point is represented, and two centres had to take a copy.
    assert {tuple(row) for row in X_pool[chosen]} == {tuple(row) for row in distinct}
    assert selector.n_reassigned_[0] == 2


def test_large_class_pools_use_minibatch_kmeans(classification_data):
    X, y, X_pool, y_pool = classification_data
    # Class pools of about 1500, 900 and 600 rows: only the first exceeds 1000.
    selector = KMeansSelector((X_pool, y_pool), n_select=0.5, batch_threshold=1000, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert [type(c) for c in selector.clusterers_] == [MiniBatchKMeans, KMeans, KMeans]
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_
    assert len(set(selector.selected_indices_.tolist())) == 30


def test_a_quota_of_the_whole_class_pool_takes_it_all():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [3.0, 1.0]])
    y = np.array([0, 0, 1, 1])
    X_pool = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0], [4.0, 4.0]])
    y_pool = np.array([0, 0, 1, 1, 1])
    selector = KMeansSelector((X_pool, y_pool), n_select={0: 2, 1: 2}, random_state=0)
    selector.fit(X, y)
    assert selector.clusterers_[0] is None and isinstance(selector.clusterers_[1], KMeans)
    assert selector.selected_indices_[:2].tolist() == [0, 1]
    assert selector.inertia_[0] == 0.0


def test_regression_clusters_features_and_target_jointly(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = KMeansSelector((X_pool, y_pool), n_select=25, match_target=True, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    (clusterer,) = selector.clusterers_
    _, joint_pool = standardise(np.column_stack([X, y]), np.column_stack([X_pool, y_pool]))
    assert clusterer.cluster_centers_.shape == (25, 4)
    assert selector.selected_indices_.tolist() == brute_force_rows(
        clusterer.cluster_centers_, joint_pool
    )
    assert np.array_equal(y_res[50:], y_pool[selector.selected_indices_])


@pytest.mark.parametrize("n_rows, n_clusters", [(2000, 50), (3000, 1), (40, 40)])
def test_one_trial_seeding_is_scikit_learns(n_rows, n_clusters):
    from skl_synthsel.selectors._kmeans import _kmeans_plusplus_one_trial

    rng = np.random.default_rng(1)
    X = rng.normal(size=(n_rows, 5))
    X[1::7] = X[0]  # duplicated rows: zero distances, draws past their cumulative mass
    expected, _ = kmeans_plusplus(X, n_clusters, random_state=7, n_local_trials=1)
    centers = _kmeans_plusplus_one_trial(X, n_clusters, np.random.RandomState(7))
    assert np.array_equal(centers, expected)


def test_assignment_pass_equals_direct_distances(monkeypatch):
    import skl_synthsel.selectors._kmeans as kmeans_module
    from skl_synthsel.selectors._kmeans import _assignment_pass

    # 8 centres: blocks of max(128, 2,400 // 8) = 300 rows, 17 of them.
    monkeypatch.setattr(kmeans_module, "_BLOCK_ENTRIES", 2400)
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(5000, 4))
    rows[4500] = rows[10]  # a duplicate: the nearest row of equal distance is the first
    centers = np.vstack([rows[[10, 700, 3000]], rng.normal(size=(5, 4))])
    inertia, nearest = _assignment_pass(centers, rows)
    squared = ((rows[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    assert inertia == pytest.approx(squared.min(axis=1).sum(), rel=1e-12)
    assert nearest.tolist() == squared.argmin(axis=0).tolist()
    assert nearest[0] == 10


def test_minibatch_fast_path_settings_inertia_and_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = KMeansSelector((X_pool, y_pool), n_select=0.5, batch_threshold=1000, random_state=0)
    selector.fit(X, y)
    clusterer = selector.clusterers_[0]
    assert isinstance(clusterer, MiniBatchKMeans)
    quota = selector.sampling_strategy_[0]
    settings = (clusterer.batch_size, clusterer.max_iter, clusterer.compute_labels)
    assert settings == (4096, 2, False)
    # One initialisation: its validation inertia on the fewest rows allowed, one per cluster.
    assert clusterer.init_size == quota == clusterer.n_clusters
    assert isinstance(clusterer.init, np.ndarray) and clusterer.n_init == 1
    # The inertia of the centres over the class, and the rows nearest them (brute force).
    _, pool = standardise(X, X_pool)
    members = np.flatnonzero(y_pool == 0)
    centers = clusterer.cluster_centers_
    squared = ((pool[members][:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    assert selector.inertia_[0] == pytest.approx(squared.min(axis=1).sum(), rel=1e-9)
    chosen = selector.selected_indices_[:quota]
    assert chosen.tolist() == members[brute_force_rows(centers, pool[members])].tolist()


def test_an_int_n_init_keeps_scikit_learns_seeding(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = KMeansSelector((X_pool, y_pool), n_select=0.5, n_init=2, random_state=0)
    selector.fit(X, y)
    assert all(c.init == "k-means++" and c.n_init == 2 for c in selector.clusterers_)
    fast = KMeansSelector((X_pool, y_pool), n_select=0.5, random_state=0).fit(X, y)
    assert all(isinstance(c.init, np.ndarray) and c.n_init == 1 for c in fast.clusterers_)
    # The one-candidate seeding costs little inertia here (measured: within 5 %).
    assert np.all(fast.inertia_ <= 1.05 * selector.inertia_)


def test_lloyd_is_capped_only_where_an_iteration_is_expensive():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 2)), np.repeat([0, 1], 20)
    X_pool, y_pool = rng.normal(size=(10_100, 2)), np.r_[np.zeros(10_000, int), np.ones(100, int)]
    selector = KMeansSelector((X_pool, y_pool), n_select={0: 100, 1: 10}, random_state=0)
    selector.fit(X, y)
    # 10,000 rows x 100 clusters reaches a million: at most 10 Lloyd iterations; 100 x 10 not.
    assert [c.max_iter for c in selector.clusterers_] == [10, 300]
    assert [type(c) for c in selector.clusterers_] == [KMeans, KMeans]
