"""DS3Selector and its solver: the linear program against a direct cvxpy statement, the
neighbourhood path against the exact one, quotas, ties, containers, regression, fallback."""

from collections import Counter

import cvxpy as cp
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from skl_synthsel import DS3Selector
from skl_synthsel._solvers._ds3 import ds3_lambda_scale, solve_ds3
from skl_synthsel.exceptions import SolverFallbackWarning


def standardise(X_real, *others):
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


def direct_ds3(pool, real, regularization):
    """DS3 as written by Elhamifar et al.: a dense z with a row-wise max, no normalisation."""
    D = cdist(pool, real, "sqeuclidean")
    penalty = regularization * D.sum(axis=1).min()
    Z = cp.Variable(D.shape, nonneg=True)
    problem = cp.Problem(
        cp.Minimize(penalty * cp.sum(cp.max(Z, axis=1)) + cp.sum(cp.multiply(D, Z))),
        [cp.sum(Z, axis=0) == 1],
    )
    problem.solve(solver="CLARABEL")
    return problem.value, Z.value.sum(axis=1)


@pytest.fixture
def small_problem():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(25, 3))
    pool = 1.3 * rng.normal(size=(120, 3)) + 0.2
    return pool, real


def test_lambda_scale_is_the_cost_of_the_best_single_representative(small_problem):
    pool, real = small_problem
    D = cdist(pool, real, "sqeuclidean")
    assert ds3_lambda_scale(pool, real) == pytest.approx(D.sum(axis=1).min(), rel=1e-12)


@pytest.mark.parametrize("regularization", [0.005, 0.05, 0.5])
def test_exact_path_equals_a_direct_cvxpy_solve(small_problem, regularization):
    pool, real = small_problem
    expected, expected_mass = direct_ds3(pool, real, regularization)
    mass, objective, lower_bound, nearest = solve_ds3(pool, real, regularization)
    assert objective == pytest.approx(expected, rel=1e-6)
    assert lower_bound == objective
    assert mass.sum() == pytest.approx(len(real), rel=1e-6)
    assert np.allclose(nearest, cdist(pool, real, "sqeuclidean").min(axis=1), rtol=1e-9)
    # Sparse: few rows carry the mass, the same rows as the direct solve's.
    assert np.array_equal(mass > 1e-3, expected_mass > 1e-3)


@pytest.mark.parametrize("regularization", [0.005, 0.05])
def test_neighbourhood_path_bounds_and_reaches_the_exact_optimum(small_problem, regularization):
    pool, real = small_problem
    exact, _ = direct_ds3(pool, real, regularization)
    # Without column generation: an upper bound, and a dual lower bound.
    _, restricted, lower_bound, _ = solve_ds3(pool, real, regularization, n_neighbors=2, n_rounds=0)
    assert lower_bound <= exact * (1 + 1e-6) and exact <= restricted * (1 + 1e-6)
    # With it, from 3 neighbours: certified, and equal to the exact optimum.
    _, objective, lower_bound, _ = solve_ds3(pool, real, regularization, n_neighbors=3)
    assert lower_bound == pytest.approx(objective, rel=1e-4)
    assert objective == pytest.approx(exact, rel=1e-5)


def test_neighbourhoods_that_cover_the_optimum_give_the_exact_solution(small_problem):
    pool, real = small_problem
    # Weak regularization keeps representatives local: 30 neighbours cover the optimum.
    exact_mass, exact, _, _ = solve_ds3(pool, real, 0.005)
    mass, objective, lower_bound, _ = solve_ds3(pool, real, 0.005, n_neighbors=30, n_rounds=0)
    assert objective == pytest.approx(exact, rel=1e-6)
    assert lower_bound == pytest.approx(objective, rel=1e-6)
    assert np.allclose(mass, exact_mass, atol=1e-4)


def test_exact_per_class_quotas_and_documented_ranking(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = DS3Selector((X_pool, y_pool), n_select=2.0, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert selector.sampling_strategy_ == {0: 62, 1: 38, 2: 20}
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_
    assert np.array_equal(X_res[60:], X_pool[selector.selected_indices_])
    # Above 10,000 (pool row, real row) pairs: the neighbourhood path from 5 neighbours.
    pairs = [np.sum(y == c) * np.sum(y_pool == c) for c in (0, 1, 2)]
    assert pairs[0] > 10_000 and pairs[1] > 10_000 and pairs[2] <= 10_000
    assert selector.n_neighbors_.tolist() == [5, 5, np.sum(y_pool == 2)]
    assert np.all(selector.lower_bound_ <= selector.objective_ * (1 + 1e-6))
    real, pool = standardise(X, X_pool)
    start = 0
    for label in (0, 1, 2):
        members = np.flatnonzero(y_pool == label)
        mass = selector.scores_[members]
        assert mass.sum() == pytest.approx(np.sum(y == label), rel=1e-6)
        nearest = cdist(pool[members], real[y == label], "sqeuclidean").min(axis=1)
        # Larger mass first, then nearer to the real rows, then pool order.
        order = sorted(range(len(members)), key=lambda i: (-round(mass[i], 3), nearest[i], i))
        quota = selector.sampling_strategy_[label]
        assert (
            selector.selected_indices_[start : start + quota].tolist()
            == members[order[:quota]].tolist()
        )
        start += quota


def test_small_class_pools_solve_the_exact_problem():
    rng = np.random.default_rng(1)
    X, X_pool = rng.normal(size=(20, 2)), rng.normal(size=(200, 2))
    y, y_pool = np.repeat([0, 1], 10), np.repeat([0, 1], 100)
    selector = DS3Selector((X_pool, y_pool), n_select=1.0, regularization=0.05).fit(X, y)
    assert selector.n_neighbors_.tolist() == [100, 100]
    real, pool = standardise(X, X_pool)
    for label in (0, 1):
        expected, _ = direct_ds3(pool[y_pool == label], real[y == label], 0.05)
        assert selector.objective_[label] == pytest.approx(expected, rel=1e-6)
        assert selector.lower_bound_[label] == selector.objective_[label]


def test_quota_beyond_the_representatives_is_filled_by_nearest_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = DS3Selector(
        (X_pool, y_pool), n_select={0: 300}, regularization=0.5, random_state=0
    ).fit(X, y)
    members = np.flatnonzero(y_pool == 0)
    n_representatives = int(selector.n_representatives_[0])
    assert 1 <= n_representatives < 300
    chosen = selector.selected_indices_
    assert np.all(selector.scores_[chosen[:n_representatives]] > 5e-4)
    real, pool = standardise(X, X_pool)
    nearest = cdist(pool[chosen[n_representatives:]], real[y == 0], "sqeuclidean").min(axis=1)
    assert np.all(np.diff(nearest) >= 0)
    unchosen = np.setdiff1d(members, chosen)
    assert nearest.max() <= cdist(pool[unchosen], real[y == 0], "sqeuclidean").min()


def test_regression_represents_features_and_target_jointly(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = DS3Selector((X_pool, y_pool), n_select=40, match_target=True, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert len(X_res) == 90 and len(set(selector.selected_indices_.tolist())) == 40
    assert np.array_equal(y_res[50:], y_pool[selector.selected_indices_])
    assert selector.scores_.sum() == pytest.approx(50, rel=1e-6)
    # The rows are compared in (X, y): a pool row's distance includes its target.
    real, pool = standardise(np.column_stack([X, y]), np.column_stack([X_pool, y_pool]))
    assert selector.objective_[0] >= selector.lower_bound_[0] > 0
    assert selector.objective_[0] <= ds3_lambda_scale(pool, real) * (1 + 0.01)


@pytest.mark.filterwarnings("ignore:Solution may be inaccurate")
@pytest.mark.parametrize("n_jobs", [None, 2])
def test_solver_failure_falls_back_to_nearest_rows_with_a_warning(classification_data, n_jobs):
    # With n_jobs=2 the classes are solved in threads; the warnings still come from the fit.
    X, y, X_pool, y_pool = classification_data
    selector = DS3Selector(
        (X_pool, y_pool),
        n_select={0: 10, 1: 5},
        solver="CLARABEL",
        solver_options={"max_iter": 1},
        n_jobs=n_jobs,
    )
    with pytest.warns(
        SolverFallbackWarning, match="falling back to the pool rows nearest the real rows"
    ) as record:
        selector.fit(X, y)
    fallbacks = [w for w in record if issubclass(w.category, SolverFallbackWarning)]
    assert len(fallbacks) == 2 and {w.filename for w in fallbacks} == {__file__}
    real, pool = standardise(X, X_pool)
    start = 0
    for label, quota in [(0, 10), (1, 5)]:
        members = np.flatnonzero(y_pool == label)
        nearest = cdist(pool[members], real[y == label], "sqeuclidean").min(axis=1)
        expected = members[np.argsort(nearest, kind="stable")[:quota]]
        assert selector.selected_indices_[start : start + quota].tolist() == expected.tolist()
        start += quota
    assert np.isnan(selector.objective_[:2]).all()


def test_unknown_solver_is_a_value_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="Unknown solver 'nope'"):
        DS3Selector((X_pool, y_pool), solver="nope").fit(X, y)


def test_the_distance_cache_changes_nothing_and_the_lagrangian_bound_is_valid(
    small_problem, monkeypatch
):
    import skl_synthsel._solvers._ds3 as ds3_module

    pool, real = small_problem
    cached = solve_ds3(pool, real, 0.05, n_neighbors=2, n_rounds=3)
    monkeypatch.setattr(ds3_module, "_MAX_CACHE_BYTES", 0)  # recompute in chunks each round
    assert ds3_module._dissimilarity_cache(pool, real, 1.0) is None
    chunked = solve_ds3(pool, real, 0.05, n_neighbors=2, n_rounds=3)
    assert all(np.array_equal(a, b) for a, b in zip(cached, chunked, strict=True))
    # The Lagrangian value is a lower bound at any prices, e.g. a tenth of the real rows' cost.
    exact, _ = direct_ds3(pool, real, 0.05)
    unit = ds3_module.ds3_lambda_scale(pool, real) / len(real)
    penalty = 0.05 * len(real)
    for scale in (0.1, 1.0, 3.0):
        prices = np.full(len(real), scale)
        excess = ds3_module._dual_excess(pool, real, prices, unit)
        assert ds3_module._lagrangian_bound(prices, excess, penalty) * unit <= exact * (1 + 1e-9)
