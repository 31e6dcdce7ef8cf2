"""CovarianceMatchingSelector: quotas, quality of the selection, solver paths."""

from collections import Counter

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf

from skl_synthsel import CovarianceMatchingSelector
from skl_synthsel._solvers import covariance_gap


@pytest.mark.parametrize("method", ["relaxed", "greedy"])
def test_exact_per_class_quotas_and_unique_indices(classification_data, method):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=2.0, method=method, random_state=0
    )
    X_res, y_res = selector.fit_resample(X, y)
    # Two synthetic rows per real row of each class.
    real_counts = Counter(y.tolist())
    expected = {label: 2 * count for label, count in real_counts.items()}
    assert selector.sampling_strategy_ == expected
    assert Counter(y_res[60:].tolist()) == expected
    assert len(set(selector.selected_indices_.tolist())) == 120
    assert np.array_equal(X_res[60:], X_pool[selector.selected_indices_])
    assert np.array_equal(y_pool[selector.selected_indices_], y_res[60:])


def test_explicit_quotas_by_class(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select={0: 5, 2: 7}, random_state=0
    ).fit(X, y)
    assert selector.sampling_strategy_ == {0: 5, 1: 0, 2: 7}
    assert Counter(y_pool[selector.selected_indices_].tolist()) == {0: 5, 2: 7}


def test_reachable_target_is_matched_ten_times_better_than_random():
    # A pool drawn from the real distribution: the real covariance is reachable.
    rng = np.random.default_rng(0)
    mixing = np.array([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.2, -0.3, 0.5]])
    X = rng.normal(size=(100, 3)) @ mixing
    X_pool = rng.normal(size=(3000, 3)) @ mixing
    y, y_pool = np.zeros(100), np.zeros(3000)
    y[:50], y_pool[:1500] = 1, 1
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    selector.fit(X, y)
    relative_gap = selector.covariance_gap_ / selector.target_norm_
    relative_random_gap = selector.random_covariance_gap_ / selector.target_norm_
    assert np.all(relative_gap * 10 <= relative_random_gap)
    assert np.all(selector.relaxed_lower_bound_ <= selector.covariance_gap_ + 1e-7)


def test_relaxed_bound_below_greedy_and_rounded_gaps_in_the_same_space(classification_data):
    X, y, X_pool, y_pool = classification_data
    relaxed = CovarianceMatchingSelector((X_pool, y_pool), n_select=1.0, random_state=0)
    greedy = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=1.0, method="greedy", random_state=0
    )
    relaxed.fit(X, y)
    greedy.fit(X, y)
    space = relaxed.feature_space_
    real, pool = space.transform(X, input_name="X"), space.transform(X_pool, input_name="X")
    for position, label in enumerate(relaxed.classes_):
        members = np.flatnonzero(y_pool == label)
        centred = pool[members] - real[y == label].mean(axis=0)
        target = np.cov(real[y == label].T, bias=True)
        greedy_rows = np.isin(members, greedy.selected_indices_).astype(float)
        greedy_gap = covariance_gap(centred, target, greedy_rows)
        assert greedy.covariance_gap_[position] == pytest.approx(greedy_gap)
        assert relaxed.relaxed_lower_bound_[position] <= greedy_gap + 1e-7
        assert relaxed.relaxed_lower_bound_[position] <= relaxed.covariance_gap_[position] + 1e-7
    assert np.all(np.isnan(greedy.relaxed_lower_bound_))


def test_relaxed_weights_are_feasible_per_class(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=1.0, random_state=0)
    selector.fit(X, y)
    assert selector.weights_.shape == (len(X_pool),)
    assert selector.weights_.min() >= 0 and selector.weights_.max() <= 1
    for label, quota in selector.sampling_strategy_.items():
        assert selector.weights_[y_pool == label].sum() == pytest.approx(quota, rel=1e-5)


def test_shrunk_target_and_pca(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), covariance_estimator=LedoitWolf(), n_components=2, random_state=0
    ).fit(X, y)
    assert selector.feature_space_.transform(X, input_name="X").shape == (60, 2)
    assert len(selector.selected_indices_) == 60


def test_regression_matches_the_features_and_optionally_the_target(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=100, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert selector.task_ == "regression"
    assert X_res.shape == (150, 3) and y_res.shape == (150,)
    assert selector.covariance_gap_[0] < selector.random_covariance_gap_[0]
    assert not hasattr(selector, "sampling_strategy_")
    # The target covariance is over the three features; with match_target over (X, y).
    assert selector.target_norm_[0] == pytest.approx(
        np.linalg.norm(np.cov(((X - X.mean(axis=0)) / X.std(axis=0)).T, bias=True))
    )
    joint = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=100, match_target=True, random_state=0
    ).fit(X, y)
    standardised = np.column_stack([X, y])
    standardised = (standardised - standardised.mean(axis=0)) / standardised.std(axis=0)
    assert joint.target_norm_[0] == pytest.approx(np.linalg.norm(np.cov(standardised.T, bias=True)))


def test_regression_rejects_a_wrong_relation_between_features_and_target(regression_data):
    X, y, X_pool, y_pool = regression_data
    # Half the pool has the sign of its targets flipped: a generator that got the relation wrong.
    broken = y_pool.copy()
    broken[::2] *= -1
    selector = CovarianceMatchingSelector(
        (X_pool, broken), n_select=100, match_target=True, random_state=0
    )
    selector.fit(X, y)
    kept_broken = np.isin(selector.selected_indices_, np.arange(0, len(y_pool), 2)).mean()
    assert kept_broken < 0.3


def test_solver_failure_falls_back_to_greedy_with_a_warning(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), solver="CLARABEL", solver_options={"max_iter": 1}, random_state=0
    )
    with pytest.warns(UserWarning, match="falling back to method='greedy'"):
        selector.fit(X, y)
    greedy = CovarianceMatchingSelector((X_pool, y_pool), method="greedy", random_state=0).fit(X, y)
    assert np.array_equal(selector.selected_indices_, greedy.selected_indices_)


def test_unknown_solver_is_a_value_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="Unknown solver 'NOPE'.*installed cvxpy solvers"):
        CovarianceMatchingSelector((X_pool, y_pool), solver="NOPE").fit(X, y)


def test_unknown_method_is_a_value_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="'method' parameter .* must be a str among"):
        CovarianceMatchingSelector((X_pool, y_pool), method="exact").fit(X, y)
