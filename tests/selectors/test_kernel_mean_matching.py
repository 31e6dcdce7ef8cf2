"""KernelMeanMatchingSelector and its solver: the quadratic program against a direct cvxpy
statement, Nystroem against the exact kernel, weights, quotas, containers, regression, fallback."""

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter

import cvxpy as cp
import numpy as np
import pytest
from scipy.spatial.distance import pdist
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel
from threadpoolctl import threadpool_limits

from skl_synthsel import KernelMeanMatchingSelector, SyntheticAugmentedClassifier
from skl_synthsel._solvers._kmm import (
    _project_box_slab,
    kernel_features,
    solve_kmm,
    solve_kmm_newton,
)

GAMMA = 0.2
AUTO_OPTIONS = {"eps_abs": 1e-7, "eps_rel": 1e-7, "max_iters": 100_000}


def standardise(X_real, *others):
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


@pytest.fixture
def small_problem():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(40, 3))
    pool = 1.3 * rng.normal(size=(300, 3)) + 0.3
    return pool, real


def kmm_terms(pool, real, gamma):
    n_pool = len(pool)
    K = rbf_kernel(pool, gamma=gamma)
    kappa = n_pool / len(real) * rbf_kernel(pool, real, gamma=gamma).sum(axis=1)
    return K, kappa


def direct_kmm(pool, real, gamma, max_weight=1000.0):
    """KMM as written by Huang et al.: the dense kernel matrix in a quadratic form."""
    n_pool = len(pool)
    K, kappa = kmm_terms(pool, real, gamma)
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool)
    w = cp.Variable(n_pool)
    problem = cp.Problem(
        cp.Minimize(0.5 * cp.quad_form(w, cp.psd_wrap(K)) - kappa @ w),
        [w >= 0, w <= max_weight, cp.sum(w) <= n_pool * (1 + eps), cp.sum(w) >= n_pool * (1 - eps)],
    )
    problem.solve(solver="CLARABEL")
    return problem.value


@pytest.mark.parametrize("solver, options", [("CLARABEL", None), ("SCS", AUTO_OPTIONS)])
def test_exact_kernel_equals_a_direct_cvxpy_solve(small_problem, solver, options):
    pool, real = small_problem
    expected = direct_kmm(pool, real, GAMMA)
    factor, kappa = kernel_features(pool, real, GAMMA)
    weights, objective = solve_kmm(factor, kappa, solver=solver, solver_options=options)
    assert objective == pytest.approx(expected, rel=1e-6)
    # The weights attain it under the exact kernel, and are feasible.
    K, _ = kmm_terms(pool, real, GAMMA)
    assert 0.5 * weights @ K @ weights - kappa @ weights == pytest.approx(expected, rel=1e-6)
    eps = (np.sqrt(300) - 1) / np.sqrt(300)
    assert np.all((weights >= 0) & (weights <= 1000))
    assert abs(weights.sum() - 300) <= 300 * eps + 1e-6


def test_nystroem_path_measured_against_the_exact_optimum(small_problem):
    pool, real = small_problem
    K, kappa = kmm_terms(pool, real, GAMMA)
    exact = direct_kmm(pool, real, GAMMA)
    # Measured: suboptimality of the Nystroem weights under the exact kernel is 1e-2 with 25
    # landmarks, 6e-5 with 50, 4e-6 with 100, 1e-8 with 200 (300 pool rows, 3 dimensions).
    for n_landmarks, tolerance in [(50, 1e-3), (100, 1e-4), (200, 1e-6)]:
        factor, approximate_kappa = kernel_features(
            pool, real, GAMMA, n_landmarks=n_landmarks, random_state=0
        )
        assert factor.shape[0] == 300 and factor.shape[1] <= n_landmarks
        weights, _ = solve_kmm(factor, approximate_kappa, solver="CLARABEL")
        achieved = 0.5 * weights @ K @ weights - kappa @ weights
        assert exact <= achieved <= exact + tolerance * abs(exact)


def test_bounds_and_weight_total_are_respected(small_problem):
    pool, real = small_problem
    factor, kappa = kernel_features(pool, real, GAMMA)
    weights, _ = solve_kmm(factor, kappa, max_weight=2.0, eps=0.05, solver="CLARABEL")
    assert weights.max() <= 2.0 and weights.max() == pytest.approx(2.0, rel=1e-6)
    assert abs(weights.sum() - 300) <= 300 * 0.05 + 1e-6


def test_weights_scores_quotas_and_ranking(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = KernelMeanMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert selector.sampling_strategy_ == {0: 62, 1: 38, 2: 20}
    assert Counter(y_res[60:].tolist()) == selector.sampling_strategy_
    assert np.array_equal(X_res[60:], X_pool[selector.selected_indices_])
    # Class pools of about 1500, 900 and 600 rows: all above 500, so 256 landmarks.
    assert selector.n_landmarks_.tolist() == [256, 256, 256]
    real, pool = standardise(X, X_pool)
    start = 0
    for position, label in enumerate((0, 1, 2)):
        members = np.flatnonzero(y_pool == label)
        quota = selector.sampling_strategy_[label]
        raw = selector.scores_[members]
        # Raw weights average about 1 (their total is within N eps of N); weights_ are the
        # same up to a factor, summing to the quota.
        assert abs(raw.sum() - len(members)) <= np.sqrt(len(members)) * len(members)
        weights = selector.weights_[members]
        assert weights.sum() == pytest.approx(quota)
        kept = weights > 0
        assert np.allclose(weights[kept] / raw[kept], quota / raw[kept].sum())
        # The quota of largest raw weights, in that order.
        chosen = selector.selected_indices_[start : start + quota]
        assert np.all(np.diff(np.round(selector.scores_[chosen], 6)) <= 0)
        assert (
            np.round(raw, 6)[np.isin(members, chosen, invert=True)].max()
            <= np.round(selector.scores_[chosen], 6).min()
        )
        start += quota
        # The median heuristic on the class's real and pool rows (every 3rd pool row at most).
        rows = np.vstack([real[y == label], pool[members][:: int(np.ceil(len(members) / 500))]])
        expected_gamma = 1 / (2 * np.median(pdist(rows, "sqeuclidean")))
        assert selector.gamma_[position] == pytest.approx(expected_gamma)
        assert 1 <= selector.effective_sample_size_[position] <= len(members)


def test_rows_from_the_real_distribution_are_preferred_to_shifted_ones():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.repeat([0, 1], 30)
    # Half the pool from the real distribution, half shifted by three standard deviations.
    X_pool = np.vstack([rng.normal(size=(200, 2)), rng.normal(size=(200, 2)) + 3.0])
    y_pool = np.tile(np.repeat([0, 1], 100), 2)
    selector = KernelMeanMatchingSelector((X_pool, y_pool), n_select=1.0).fit(X, y)
    from_real = selector.selected_indices_ < 200
    assert from_real.mean() >= 0.95
    assert selector.n_landmarks_.tolist() == [200, 200]
    # The exact path equals the direct statement in the feature space.
    real, pool = standardise(X, X_pool)
    expected = direct_kmm(pool[y_pool == 0], real[y == 0], selector.gamma_[0])
    factor, kappa = kernel_features(pool[y_pool == 0], real[y == 0], selector.gamma_[0])
    assert solve_kmm(factor, kappa, solver="CLARABEL")[1] == pytest.approx(expected, rel=1e-6)


def test_regression_matches_features_and_target_jointly(regression_data):
    X, y, X_pool, y_pool = regression_data
    # Rows whose target breaks the real relation: never chosen.
    y_pool = y_pool.copy()
    y_pool[:500] += 5.0
    selector = KernelMeanMatchingSelector(
        (X_pool, y_pool), n_select=40, match_target=True, random_state=0
    )
    X_res, y_res = selector.fit_resample(X, y)
    assert len(X_res) == 90 and len(set(selector.selected_indices_.tolist())) == 40
    assert np.array_equal(y_res[50:], y_pool[selector.selected_indices_])
    assert np.all(selector.selected_indices_ >= 500)
    assert selector.weights_.sum() == pytest.approx(40)


@pytest.mark.filterwarnings("ignore:Solution may be inaccurate")
def test_solver_failure_falls_back_to_kappa_with_a_warning(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = KernelMeanMatchingSelector(
        (X_pool, y_pool),
        n_select={0: 10, 1: 5},
        solver="CLARABEL",
        solver_options={"max_iter": 1},
        random_state=0,
    )
    with pytest.warns(UserWarning, match="falling back to the pool rows with the largest"):
        selector.fit(X, y)
    start = 0
    for label, quota in [(0, 10), (1, 5)]:
        members = np.flatnonzero(y_pool == label)
        kappa = selector.scores_[members]
        expected = members[np.argsort(-kappa, kind="stable")[:quota]]
        chosen = selector.selected_indices_[start : start + quota]
        assert chosen.tolist() == expected.tolist()
        # Weight 1 on the selected rows only.
        assert np.array_equal(
            np.flatnonzero(selector.weights_[members]), np.sort(np.searchsorted(members, chosen))
        )
        start += quota
    assert np.isnan(selector.effective_sample_size_[:2]).all()


def test_relaxed_weighting_trains_on_the_kmm_weights(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = KernelMeanMatchingSelector(
        (X_pool, y_pool), n_select=1.0, n_landmarks=64, random_state=0
    )
    model = SyntheticAugmentedClassifier(LogisticRegression(), selector, weighting="relaxed")
    model.fit(X, y)
    assert model.score(X, y) > 0.8
    weights = model.selector_.weights_
    assert weights.sum() == pytest.approx(60) and np.all(weights >= 0)


def test_unknown_solver_is_a_value_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="Unknown solver 'nope'"):
        KernelMeanMatchingSelector((X_pool, y_pool), solver="nope").fit(X, y)


# --- Unique weights and a deterministic selection --------------------------------------------

RIDGE = 1e-6


def direct_ridge_kmm(pool, real, gamma, mu):
    """The ridge problem stated with the dense kernel matrix, solved by Clarabel."""
    n_pool = len(pool)
    K, kappa = kmm_terms(pool, real, gamma)
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool)
    w = cp.Variable(n_pool)
    objective = 0.5 * cp.quad_form(w, cp.psd_wrap(K + mu * np.eye(n_pool))) - kappa @ w
    constraints = [w >= 0, w <= 1000, cp.abs(cp.sum(w) - n_pool) <= n_pool * eps]
    cp.Problem(cp.Minimize(objective), constraints).solve(solver="CLARABEL")
    return np.clip(w.value, 0, 1000)


@pytest.mark.parametrize("solver, options", [("CLARABEL", None), ("SCS", AUTO_OPTIONS)])
def test_ridge_polish_reaches_the_unique_optimum(small_problem, solver, options):
    pool, real = small_problem
    n_pool = len(pool)
    factor, kappa = kernel_features(pool, real, GAMMA, truncate=False)
    assert factor.shape == (n_pool, n_pool)
    mu = RIDGE  # trace(K) / N = 1 for the Gaussian kernel
    weights, objective = solve_kmm(
        factor, kappa, solver=solver, solver_options=options, ridge=RIDGE, polish=True
    )
    K, exact_kappa = kmm_terms(pool, real, GAMMA)

    def ridge_objective(w):
        return 0.5 * w @ (K + mu * np.eye(n_pool)) @ w - exact_kappa @ w

    reference = direct_ridge_kmm(pool, real, GAMMA, mu)
    # At least as good as the direct dense statement, and stationary (projected gradient
    # residual of rounding size), so the unique optimum whatever the solver it starts from.
    assert ridge_objective(weights) <= ridge_objective(reference) + 1e-9 * abs(
        ridge_objective(reference)
    )
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool)
    gradient = (K + mu * np.eye(n_pool)) @ weights - exact_kappa
    projected, _ = _project_box_slab(
        weights - gradient, 1000.0, n_pool * (1 - eps), n_pool * (1 + eps)
    )
    assert np.abs(weights - projected).max() <= 1e-8 * np.abs(exact_kappa).max()
    assert np.all((weights >= 0) & (weights <= 1000))
    # The ridge costs the kernel mean matching objective almost nothing.
    assert objective == pytest.approx(direct_kmm(pool, real, GAMMA), rel=1e-7)
    other = solve_kmm(factor, kappa, solver="CLARABEL", ridge=RIDGE, polish=True)[0]
    assert np.abs(weights - other).max() <= 1e-7 * weights.max()


def test_polish_needs_a_ridge(small_problem):
    pool, real = small_problem
    factor, kappa = kernel_features(pool, real, GAMMA)
    with pytest.raises(ValueError, match="ridge > 0"):
        solve_kmm(factor, kappa, polish=True)


_DEMO_SELECTION = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from sklearn.datasets import load_breast_cancer
    from skl_synthsel import KernelMeanMatchingSelector
    from skl_synthsel.datasets import real_generator_test_split
    from skl_synthsel.datasets import make_flawed_pool

    X, y = load_breast_cancer(return_X_y=True)
    X_real, y_real, X_gen, y_gen, _, _ = real_generator_test_split(
        X, y, n_real_per_class=25, random_state=0
    )
    X_pool, y_pool = make_flawed_pool(
        X_gen, y_gen, n_samples=30 * len(y_real), mode_collapse=0.3, over_dispersion=0.3,
        label_noise=0.1, random_state=0,
    )
    dtype = np.dtype(sys.argv[1])
    selector = KernelMeanMatchingSelector(
        (X_pool.astype(dtype), y_pool), n_select=2.0, random_state=0
    ).fit(X_real.astype(dtype), y_real)
    print(json.dumps(selector.selected_indices_.tolist()))
    """
)


def _demo_selection(threads, dtype):
    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(threads), "OMP_NUM_THREADS": str(threads)}
    env["MKL_NUM_THREADS"] = str(threads)
    output = subprocess.run(
        [sys.executable, "-c", _DEMO_SELECTION, dtype],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_demo_selection_is_independent_of_blas_threads_and_input_dtype():
    # The demo's breast-cancer split with a 1,500-row flawed pool (562 and 938 rows per class,
    # so 256 Nystroem landmarks each). Before the ridge, SCS returned different points of the
    # optimal face with 1 and 2 BLAS threads, and the selections differed.
    reference = _demo_selection(1, "float64")
    assert len(reference) == 100
    assert _demo_selection(2, "float64") == reference
    # float32 input: the same rows (statistics are float64; on this data the float32 rounding
    # of the features does not move a weight across the quota's cut).
    assert _demo_selection(1, "float32") == reference


def test_selection_is_independent_of_blas_threads_and_dtype(classification_data):
    # 600 pool rows (about 300, 180 and 120 per class): the exact-kernel path, which the demo
    # test (Nystroem) does not take.
    X, y, X_pool, y_pool = classification_data
    X_pool, y_pool = X_pool[:600], y_pool[:600]
    selections = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            selector = KernelMeanMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0)
            selections.append(selector.fit(X, y).selected_indices_)
    assert np.array_equal(selections[0], selections[1])
    # The same values given as float32 and as float64 select the same rows.
    X32, X_pool32 = X.astype(np.float32), X_pool.astype(np.float32)
    as_float32 = KernelMeanMatchingSelector((X_pool32, y_pool), n_select=2.0, random_state=0)
    as_float64 = KernelMeanMatchingSelector(
        (X_pool32.astype(np.float64), y_pool), n_select=2.0, random_state=0
    )
    assert np.array_equal(
        as_float32.fit(X32, y).selected_indices_,
        as_float64.fit(X32.astype(np.float64), y).selected_indices_,
    )
    assert np.array_equal(as_float32.selected_indices_, selections[0])


# --- The factored dual Newton solver (the selector's default) against cvxpy ------------------


def _kkt_residual(factor, kappa, weights, mu, max_weight, low, high):
    """``max |w - P_C(w - grad)|`` of the ridge problem, relative to ``max |kappa|``."""
    gradient = factor @ (factor.T @ weights) + mu * weights - kappa
    projected, _ = _project_box_slab(weights - gradient, max_weight, low, high)
    return np.abs(weights - projected).max() / np.abs(kappa).max()


def test_newton_equals_the_dense_cvxpy_ridge_solve(small_problem):
    pool, real = small_problem
    n_pool = len(pool)
    factor, kappa = kernel_features(pool, real, GAMMA, truncate=False)
    weights, objective, info = solve_kmm_newton(factor, kappa, ridge=RIDGE)
    K, exact_kappa = kmm_terms(pool, real, GAMMA)
    reference = direct_ridge_kmm(pool, real, GAMMA, RIDGE)

    def ridge_objective(w):
        return 0.5 * w @ (K + RIDGE * np.eye(n_pool)) @ w - exact_kappa @ w

    # At least as good as Clarabel on the dense statement, and stationary.
    assert ridge_objective(weights) <= ridge_objective(reference) + 1e-9 * abs(
        ridge_objective(reference)
    )
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool)
    low, high = n_pool * (1 - eps), n_pool * (1 + eps)
    assert _kkt_residual(factor, kappa, weights, RIDGE, 1000.0, low, high) <= 1e-8
    assert np.all((weights >= 0) & (weights <= 1000)) and low <= weights.sum() <= high
    # Its certificate: the duality gap of the ridge problem is of rounding size.
    assert abs(info["duality_gap"]) <= 1e-12 and info["n_stages"] == 7
    # The kernel mean matching objective (without the ridge) equals cvxpy's to 1e-7.
    assert objective == pytest.approx(direct_kmm(pool, real, GAMMA), rel=1e-7)
    # The same unique optimum as cvxpy followed by the polish, and the same through solve_kmm.
    polished = solve_kmm(factor, kappa, solver="CLARABEL", ridge=RIDGE, polish=True)[0]
    assert np.abs(weights - polished).max() <= 1e-7 * weights.max()
    assert np.array_equal(solve_kmm(factor, kappa, solver="newton", ridge=RIDGE)[0], weights)


@pytest.mark.parametrize("max_weight, eps", [(2.0, 0.05), (1000.0, 0.001)])
def test_newton_with_binding_bounds_and_sum_on_a_nystroem_factor(small_problem, max_weight, eps):
    # Weights at the cap B = 2, and a total pinned near N (the sum constraint binds): the
    # Hessian's projection on sum w = const and the capped-simplex step are exercised.
    pool, real = small_problem
    n_pool = len(pool)
    factor, kappa = kernel_features(
        pool, real, GAMMA, n_landmarks=64, random_state=0, truncate=False
    )
    mu = RIDGE * np.einsum("ij,ij->", factor, factor) / n_pool
    weights, objective, info = solve_kmm_newton(
        factor, kappa, max_weight=max_weight, eps=eps, ridge=RIDGE
    )
    low, high = n_pool * (1 - eps), n_pool * (1 + eps)
    assert _kkt_residual(factor, kappa, weights, mu, max_weight, low, high) <= 1e-8
    assert np.all((weights >= 0) & (weights <= max_weight))
    assert low - 1e-9 <= weights.sum() <= high + 1e-9
    reference, reference_objective = solve_kmm(
        factor,
        kappa,
        max_weight=max_weight,
        eps=eps,
        solver="CLARABEL",
        ridge=RIDGE,
        polish=True,
    )
    assert objective == pytest.approx(reference_objective, rel=1e-7)
    assert np.abs(weights - reference).max() <= 1e-6 * max(1.0, weights.max())
    if max_weight == 2.0:
        assert np.any(weights == 2.0)
    else:
        assert weights.sum() == pytest.approx(low) or weights.sum() == pytest.approx(high)


def test_newton_needs_a_positive_ridge(small_problem):
    pool, real = small_problem
    factor, kappa = kernel_features(pool, real, GAMMA)
    with pytest.raises(ValueError, match="ridge > 0"):
        solve_kmm_newton(factor, kappa, ridge=0.0)


def test_auto_solver_selects_what_the_cvxpy_reference_selects(classification_data):
    # The default (dual Newton, no cvxpy) and SCS followed by the polish reach the same unique
    # optimum, so the selection and the weights agree.
    X, y, X_pool, y_pool = classification_data
    X_pool, y_pool = X_pool[:900], y_pool[:900]
    auto = KernelMeanMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0).fit(X, y)
    reference = KernelMeanMatchingSelector(
        (X_pool, y_pool), n_select=2.0, solver="SCS", solver_options=AUTO_OPTIONS, random_state=0
    ).fit(X, y)
    assert np.array_equal(auto.selected_indices_, reference.selected_indices_)
    assert np.allclose(auto.scores_, reference.scores_, rtol=0, atol=1e-6 * auto.scores_.max())
