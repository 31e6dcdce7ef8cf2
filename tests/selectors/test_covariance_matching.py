"""CovarianceMatchingSelector: quotas, quality of the selection, solver paths."""

from collections import Counter

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf

from skl_synthsel import CovarianceMatchingSelector
from skl_synthsel._solvers import covariance_gap
from skl_synthsel.exceptions import SolverFallbackWarning


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
        (X_pool, y_pool), method="relaxed", n_select={0: 5, 2: 7}, random_state=0
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
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", n_select=2.0, random_state=0
    )
    selector.fit(X, y)
    relative_gap = selector.covariance_gap_ / selector.target_norm_
    relative_random_gap = selector.random_covariance_gap_ / selector.target_norm_
    assert np.all(relative_gap * 10 <= relative_random_gap)
    assert np.all(selector.relaxed_lower_bound_ <= selector.covariance_gap_ + 1e-7)


def test_relaxed_bound_below_greedy_and_rounded_gaps_in_the_same_space(classification_data):
    X, y, X_pool, y_pool = classification_data
    # The paper's target: the real rows' covariance, recomputed below.
    relaxed = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", target="empirical", n_select=1.0, random_state=0
    )
    greedy = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=1.0, method="greedy", target="empirical", random_state=0
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
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", n_select=1.0, random_state=0
    )
    selector.fit(X, y)
    assert selector.weights_.shape == (len(X_pool),)
    assert selector.weights_.min() >= 0 and selector.weights_.max() <= 1
    for label, quota in selector.sampling_strategy_.items():
        assert selector.weights_[y_pool == label].sum() == pytest.approx(quota, rel=1e-5)


def test_shrunk_target_and_pca(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool),
        method="relaxed",
        covariance_estimator=LedoitWolf(),
        n_components=2,
        random_state=0,
    ).fit(X, y)
    assert selector.feature_space_.transform(X, input_name="X").shape == (60, 2)
    assert len(selector.selected_indices_) == 60


def test_regression_matches_the_features_and_optionally_the_target(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", target="empirical", n_select=100, random_state=0
    )
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
        (X_pool, y_pool),
        method="relaxed",
        target="empirical",
        n_select=100,
        match_target=True,
        random_state=0,
    ).fit(X, y)
    standardised = np.column_stack([X, y])
    standardised = (standardised - standardised.mean(axis=0)) / standardised.std(axis=0)
    assert joint.target_norm_[0] == pytest.approx(np.linalg.norm(np.cov(standardised.T, bias=True)))


def test_regression_rejects_a_wrong_relation_between_features_and_target(regression_data):
    X, y, X_pool, y_pool = regression_data
    # Half the pool has the sign of its targets flipped: a generator that got the relation wrong.
    broken = y_pool.copy()
    broken[::2] *= -1
    flipped = np.arange(0, len(y_pool), 2)
    selector = CovarianceMatchingSelector(
        (X_pool, broken), n_select=100, match_target=True, target="empirical", random_state=0
    )
    selector.fit(X, y)
    assert np.isin(selector.selected_indices_, flipped).mean() < 0.3
    # The default target gives the broken pool the Ledoit-Wolf weight r^2 / distance^2 (about
    # 0.25 with 50 real rows in 4 coordinates), so it keeps more of it, still fewer than random.
    shrunk = CovarianceMatchingSelector(
        (X_pool, broken), n_select=100, match_target=True, random_state=0
    ).fit(X, y)
    assert 0.1 < shrunk.target_shrinkage_[0] < 0.5
    assert np.isin(shrunk.selected_indices_, flipped).mean() < 0.45


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_solver_failure_falls_back_to_greedy_with_a_warning(classification_data, n_jobs):
    # With n_jobs=2 the classes are solved in threads; the warning still comes from the fit.
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool),
        method="relaxed",
        solver="CLARABEL",
        solver_options={"max_iter": 1},
        n_jobs=n_jobs,
        random_state=0,
    )
    with pytest.warns(SolverFallbackWarning, match="falling back to method='greedy'") as record:
        selector.fit(X, y)
    # Reported at the caller's line (this file), not inside the library or cvxpy.
    assert {warning.filename for warning in record} == {__file__}
    greedy = CovarianceMatchingSelector((X_pool, y_pool), method="greedy", random_state=0).fit(X, y)
    assert np.array_equal(selector.selected_indices_, greedy.selected_indices_)


def test_unknown_solver_is_a_value_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="Unknown solver 'NOPE'.*installed cvxpy solvers"):
        CovarianceMatchingSelector((X_pool, y_pool), method="relaxed", solver="NOPE").fit(X, y)


def test_unknown_method_is_a_value_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="'method' parameter .* must be a str among"):
        CovarianceMatchingSelector((X_pool, y_pool), method="exact").fit(X, y)


# -- the noise-aware target and the entropy method ----------------------------------------------


def _gaussian_classes(n_real, n_pool, pool_scale, seed, d=6):
    """Two classes sharing one covariance; the pool's spread is ``pool_scale`` times the truth."""
    rng = np.random.default_rng(seed)
    mixing = np.random.default_rng(100).normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    shift = np.r_[2.0, np.zeros(d - 1)]
    X = rng.normal(size=(2 * n_real, d)) @ mixing.T
    X[n_real:] += shift
    X_pool = pool_scale * rng.normal(size=(2 * n_pool, d)) @ mixing.T
    X_pool[n_pool:] += shift
    y, y_pool = np.repeat([0, 1], n_real), np.repeat([0, 1], n_pool)
    return X, y, X_pool, y_pool, mixing @ mixing.T


def _target_errors(target, n_pool, pool_scale, seeds=range(8)):
    """Mean relative error against the truth of class 0's target, in the feature space."""
    errors = []
    for seed in seeds:
        X, y, X_pool, y_pool, truth = _gaussian_classes(30, n_pool, pool_scale, seed)
        selector = CovarianceMatchingSelector(
            (X_pool, y_pool), n_select=10, method="relaxed", target=target, random_state=0
        ).fit(X, y)
        # The feature space is affine per column, x -> (x - a) / b: read b off unit steps.
        space = selector.feature_space_
        origin = space.transform(np.zeros((1, 6)), input_name="X")
        steps = space.transform(np.eye(6), input_name="X") - origin
        true_target = steps @ truth @ steps.T
        errors.append(np.linalg.norm(selector.target_covariance_[0] - true_target))
    return np.mean(errors)


def _pool_only_error(n_pool, pool_scale, seeds=range(8)):
    errors = []
    for seed in seeds:
        X, y, X_pool, _, truth = _gaussian_classes(30, n_pool, pool_scale, seed)
        scale = X[y == 0].std(axis=0)
        rows = X_pool[:n_pool] - X[y == 0].mean(axis=0)
        errors.append(
            np.linalg.norm(
                rows.T @ rows / n_pool / np.outer(scale, scale) - truth / np.outer(scale, scale)
            )
        )
    return np.mean(errors)


def test_pool_shrunk_target_beats_real_and_pool_alone_on_a_faithful_pool():
    # A faithful pool as noisy as the real rows (30 rows a class): the combination wins.
    real_only = _target_errors("empirical", 30, 1.0)
    shrunk = _target_errors("pool_shrunk", 30, 1.0)
    assert shrunk < 0.85 * real_only
    assert shrunk < 0.85 * _pool_only_error(30, 1.0)


def test_pool_shrunk_target_stays_with_the_real_rows_on_a_distorted_pool():
    real_only = _target_errors("empirical", 2000, 2.0)
    shrunk = _target_errors("pool_shrunk", 2000, 2.0)
    assert 0.8 * real_only < shrunk < 1.05 * real_only  # close to the real rows' own estimate
    assert shrunk < 0.2 * _pool_only_error(2000, 2.0)


def test_noise_radius_is_the_ledoit_wolf_estimate_of_the_target_error():
    # Monte Carlo: the radius estimates the empirical target's Frobenius error from the truth.
    radii, errors = [], []
    for seed in range(30):
        X, y, X_pool, y_pool, truth = _gaussian_classes(40, 200, 1.0, seed)
        rows = X[y == 0] - X[y == 0].mean(axis=0)
        from skl_synthsel._solvers._max_entropy import target_noise_radius

        radii.append(target_noise_radius(rows, rows.T @ rows / len(rows), include_mean=False))
        errors.append(np.linalg.norm(rows.T @ rows / len(rows) - truth))
    assert np.mean(radii) == pytest.approx(np.sqrt(np.mean(np.square(errors))), rel=0.15)


def test_entropy_method_on_a_faithful_pool_is_a_uniform_draw():
    X, y, X_pool, y_pool, _ = _gaussian_classes(30, 1000, 1.0, seed=0)
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=2.0, method="entropy", target="empirical", random_state=0
    )
    selector.fit(X, y)
    assert np.all(selector.radius_reached_ == 1)
    # The radius is the target's own noise: a faithful pool is within it or just outside, so p
    # is uniform or nearly so (a perplexity of the pool's size is a uniform p).
    assert np.all(selector.perplexity_ > 0.85 * 1000)
    assert selector.perplexity_.max() == pytest.approx(1000)
    assert np.allclose(selector.weights_[y_pool == 1], 60 / 1000)
    assert selector.sampling_strategy_ == {0: 60, 1: 60}


def test_entropy_method_repairs_a_truncated_pool():
    # A truncated (low-spread) pool with a wide tail: the radius binds and p tilts to the tail.
    X, y, X_pool, y_pool, _ = _gaussian_classes(60, 1500, 0.3, seed=1)
    X_pool[::10] *= 4.0  # a tenth of the pool spread out
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=1.0, method="entropy", target="empirical", random_state=0
    )
    selector.fit(X, y)
    # Where the radius is met p tilts; where it is out of reach the class is matched exactly.
    reached = selector.radius_reached_ == 1
    assert reached.any() and np.all(selector.perplexity_[reached] < 0.95 * 1500)
    gaps, random_gaps = selector.covariance_gap_, selector.random_covariance_gap_
    assert np.all(gaps[reached] < 0.6 * random_gaps[reached])
    assert np.all(gaps < random_gaps)
    wide = np.isin(selector.selected_indices_, np.arange(0, 3000, 10))
    class_of_row = y_pool[selector.selected_indices_]
    for label in np.flatnonzero(reached):
        assert wide[class_of_row == label].mean() > 0.15  # against 0.1 for a random draw


def test_auto_amount_takes_the_whole_faithful_pool_and_less_of_a_distorted_one():
    X, y, X_pool, y_pool, _ = _gaussian_classes(30, 500, 1.0, seed=3)
    kwargs = {"n_select": "auto", "method": "entropy", "random_state": 0}
    faithful = CovarianceMatchingSelector((X_pool, y_pool), **kwargs)
    assert len(faithful.fit(X, y).selected_indices_) > 900
    X_pool[::3] *= 3.0  # a third of the pool over-dispersed
    distorted = CovarianceMatchingSelector((X_pool, y_pool), **kwargs)
    assert len(distorted.fit(X, y).selected_indices_) < 900


def test_radius_zero_is_the_papers_exact_matching(classification_data):
    X, y, X_pool, y_pool = classification_data
    exact = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=1.0, method="entropy", radius_scale=0.0, random_state=0
    ).fit(X, y)
    relaxed = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=1.0, method="relaxed", random_state=0
    ).fit(X, y)
    assert np.array_equal(exact.radius_reached_, [0, 0, 0])
    assert np.allclose(exact.covariance_gap_, relaxed.covariance_gap_)


def test_mixture_and_auto_need_the_right_method(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="mixture=True"):
        CovarianceMatchingSelector((X_pool, y_pool), mixture=True, method="entropy").fit(X, y)
    with pytest.raises(ValueError, match="n_select='auto'"):
        CovarianceMatchingSelector((X_pool, y_pool), n_select="auto", method="greedy").fit(X, y)


def test_grid_search_over_none_ratios_and_the_whole_pool(classification_data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    from skl_synthsel import make_pipeline

    X, y, X_pool, y_pool = classification_data
    pipe = make_pipeline(
        CovarianceMatchingSelector((X_pool[:600], y_pool[:600]), random_state=0),
        LogisticRegression(),
    )
    amounts = [0, 1.0, 2.0, 4.0, "all"]
    search = GridSearchCV(pipe, {"covariancematchingselector__n_select": amounts}, cv=3)
    search.fit(X, y)
    assert [p["covariancematchingselector__n_select"] for p in search.cv_results_["params"]] == (
        amounts
    )
    best = search.best_estimator_[0]
    expected = {0: 0, 1.0: 60, 2.0: 120, 4.0: 240, "all": 600}
    assert (
        len(best.selected_indices_)
        == expected[search.best_params_["covariancematchingselector__n_select"]]
    )


def test_fitted_swaps_and_rows_are_the_rounding_of_the_fitted_weights(classification_data):
    from skl_synthsel._solvers import round_relaxed_weights

    X, y, X_pool, y_pool = classification_data
    # A shrunk pool puts the paper's target out of reach: the start is the deterministic
    # rounding of the weights (an exactly matched target draws it from the seed, tested below).
    X_pool = 0.5 * X_pool
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=2.0, method="relaxed", target="empirical", random_state=0
    ).fit(X, y)
    assert np.all(selector.relaxed_lower_bound_ > 0.01 * selector.target_norm_)
    real = selector.feature_space_.transform(X, input_name="X")
    pool = selector.feature_space_.transform(X_pool, input_name="X_pool")
    start = 0
    for position, label in enumerate(selector.classes_):
        rows = np.flatnonzero(y_pool == label)
        quota = selector.sampling_strategy_[label]
        mean = real[y == label].mean(axis=0)
        centred = pool[rows] - mean
        target = selector.target_covariance_[position]
        chosen, n_swaps = round_relaxed_weights(centred, target, selector.weights_[rows], quota)
        assert selector.n_swaps_[position] == n_swaps
        fitted = selector.selected_indices_[start : start + quota]
        assert np.array_equal(fitted, rows[chosen])
        start += quota
    assert selector.n_swaps_.sum() > 0  # the repair did work here, so the count is tested


def test_an_exactly_matched_target_draws_the_start_from_the_seed(classification_data):
    # A faithful pool: the shrunk target is the pool's own moment, matched exactly by uniform
    # weights, so every subset near the optimal face is as good: the seed chooses among them.
    X, y, X_pool, y_pool = classification_data
    fits = [
        CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=seed).fit(X, y)
        for seed in (0, 0, 1)
    ]
    assert np.all(fits[0].target_shrinkage_ == 1.0)
    assert np.all(fits[0].relaxed_lower_bound_ < 1e-5 * fits[0].target_norm_)
    assert np.array_equal(fits[0].selected_indices_, fits[1].selected_indices_)
    overlap = np.isin(fits[0].selected_indices_, fits[2].selected_indices_).mean()
    assert overlap < 0.5  # another seed, another subset (random subsets overlap by about 8 %)
    for fit in (fits[0], fits[2]):
        assert np.all(fit.covariance_gap_ < 0.2 * fit.random_covariance_gap_)


@pytest.mark.parametrize("lockstep_rows", [2000, 254])  # six classes of 250-258 rows
def test_small_classes_are_solved_in_lockstep_with_the_selection_of_threads(
    monkeypatch, interior_point_batches, lockstep_rows
):
    """With one job, classes of a few hundred rows run their interior points in one batch (the
    larger ones alone, in order); the selection and every fitted array are those of n_jobs=2
    (each class alone, in threads)."""
    from sklearn.datasets import make_classification

    from skl_synthsel.selectors import _covariance_matching

    monkeypatch.setattr(_covariance_matching, "_LOCKSTEP_CLASS_ROWS", lockstep_rows)
    batches = interior_point_batches  # the real solver's batch sizes
    X, y = make_classification(
        n_samples=1550, n_features=6, n_informative=4, n_classes=6, random_state=0
    )
    # Four real rows per class in six dimensions: singular targets, out of the pool's reach.
    real = np.concatenate([np.flatnonzero(y == label)[:4] for label in range(6)])
    pool = np.setdiff1d(np.arange(len(y)), real)
    X_real, y_real, X_pool, y_pool = X[real], y[real], X[pool], y[pool]
    fits = {}
    for n_jobs in (None, 2):
        batches.clear()
        fits[n_jobs] = CovarianceMatchingSelector(
            (X_pool, y_pool),
            n_select=5.0,
            method="relaxed",
            target="empirical",
            n_jobs=n_jobs,
            random_state=0,
        ).fit(X_real, y_real)
        fits[n_jobs].batches = list(batches)
    n_small = int(np.sum(np.bincount(y_pool) <= lockstep_rows))
    assert n_small == (6 if lockstep_rows == 2000 else 3)
    assert max(fits[None].batches) == n_small  # the small classes' interior points together
    assert set(fits[2].batches) == {1}
    assert np.array_equal(fits[None].selected_indices_, fits[2].selected_indices_)
    for name in ("weights_", "duality_gap_", "relaxed_lower_bound_", "covariance_gap_"):
        np.testing.assert_array_equal(getattr(fits[None], name), getattr(fits[2], name))
