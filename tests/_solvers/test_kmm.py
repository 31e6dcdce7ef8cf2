"""The factored dual Newton solver of kernel mean matching: its continuation with piece
predictors against a dense cvxpy statement of the ridge problem, and the predictor itself."""

import cvxpy as cp
import numpy as np
import pytest

from skl_synthsel._solvers._kmm import (
    _FreeGram,
    _piece,
    _predicted_start,
    _project_box_slab,
    _ray_point,
    kernel_features,
    solve_kmm_newton,
)

RIDGE = 1e-6


@pytest.fixture(scope="module")
def nystroem_problem():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(40, 3))
    pool = 1.3 * rng.normal(size=(300, 3)) + 0.3
    return kernel_features(pool, real, 0.2, n_landmarks=64, random_state=0, truncate=False)


def _bounds(n_pool, eps):
    eps = (np.sqrt(n_pool) - 1) / np.sqrt(n_pool) if eps is None else eps
    return n_pool * (1 - eps), n_pool * (1 + eps)


def _dense_reference(factor, kappa, mu, max_weight, low, high):
    """The ridge problem with the dense ``K = Phi Phi'``, solved by Clarabel."""
    n_pool = len(kappa)
    w = cp.Variable(n_pool)
    quadratic = cp.psd_wrap(factor @ factor.T + mu * np.eye(n_pool))
    problem = cp.Problem(
        cp.Minimize(0.5 * cp.quad_form(w, quadratic) - kappa @ w),
        [w >= 0, w <= max_weight, cp.sum(w) >= low, cp.sum(w) <= high],
    )
    problem.solve(solver="CLARABEL")
    return np.clip(w.value, 0, max_weight)


@pytest.mark.parametrize(
    "max_weight, eps",
    [(1000.0, None), (2.0, 0.05), (1000.0, 0.001)],
    ids=["free-sum", "weights-at-B", "pinned-sum"],
)
def test_newton_reaches_the_dense_cvxpy_optimum_with_a_certificate(
    nystroem_problem, max_weight, eps
):
    factor, kappa = nystroem_problem
    n_pool = len(kappa)
    low, high = _bounds(n_pool, eps)
    mu = RIDGE * np.einsum("ij,ij->", factor, factor) / n_pool
    weights, objective, info = solve_kmm_newton(
        factor, kappa, max_weight=max_weight, eps=eps, ridge=RIDGE
    )
    reference = _dense_reference(factor, kappa, mu, max_weight, low, high)

    def ridge_objective(w):
        product = factor.T @ w
        return 0.5 * product @ product + 0.5 * mu * w @ w - kappa @ w

    # At least as good as Clarabel's interior point (to its tolerance), and a stationary point:
    # the projected gradient step does not move the weights beyond rounding.
    assert ridge_objective(weights) <= ridge_objective(reference) + 1e-9 * abs(
        ridge_objective(reference)
    )
    gradient = factor @ (factor.T @ weights) + mu * weights - kappa
    projected, _ = _project_box_slab(weights - gradient, max_weight, low, high)
    assert np.abs(weights - projected).max() <= 1e-8 * np.abs(kappa).max()
    assert np.all((weights >= 0) & (weights <= max_weight))
    assert low - 1e-9 <= weights.sum() <= high + 1e-9
    # The certificate: the duality gap P(w) - D(y) of the ridge problem is of rounding size.
    assert abs(info["duality_gap"]) <= 1e-12
    product = factor.T @ weights
    assert objective == pytest.approx(0.5 * product @ product - kappa @ weights, rel=1e-12)
    # Every stage was entered (some from the piece predictor, the rest from the last optimum).
    assert info["n_stages"] == 7 and 1 <= info["n_predicted_starts"] <= 7


def test_piece_prediction_is_exact_on_an_unchanged_piece(nystroem_problem):
    # Weights capped at B = 2 with a free sum: the optimal piece (22 free rows, 144 at B) is
    # the same at the ridges 1e-5 and 1e-6, so one Newton step on it is the whole stage.
    factor, kappa = nystroem_problem
    n_pool = len(kappa)
    max_weight, eps = 2.0, 0.05
    low, high = _bounds(n_pool, eps)
    scale = np.einsum("ij,ij->", factor, factor) / n_pool
    before, _, _ = solve_kmm_newton(factor, kappa, max_weight=max_weight, eps=eps, ridge=1e-5)
    after, _, _ = solve_kmm_newton(factor, kappa, max_weight=max_weight, eps=eps, ridge=1e-6)
    piece = _piece(before, False, max_weight, low, high)
    assert low < before.sum() < high and low < after.sum() < high
    assert np.array_equal(piece[0], (after > 0) & (after < max_weight))
    assert np.array_equal(piece[1], after == max_weight)
    assert 0 < piece[0].sum() and 0 < piece[1].sum()

    y = factor.T @ before  # the dual optimum at ridge 1e-5 (its gradient Phi' w - y is 0)
    shifted = factor @ y - kappa
    mu = 1e-6 * scale
    start, start_shifted, predicted = _predicted_start(
        factor, kappa, y, shifted, piece, mu, max_weight, low, high, _FreeGram(factor)
    )
    assert predicted
    assert np.allclose(start_shifted, factor @ start - kappa, rtol=0, atol=1e-9)
    _, predicted_weights, _ = _ray_point(start_shifted, start, mu, max_weight, low, high)
    # The prediction's weights are the new optimum up to rounding; the weights of the old
    # optimum at the new ridge, w(y) = P_C(-shifted / mu), are off by about a weight's size.
    assert np.abs(predicted_weights - after).max() <= 1e-6
    _, naive_weights, _ = _ray_point(shifted, y, mu, max_weight, low, high)
    assert np.abs(naive_weights - after).max() >= 0.5


def test_predictor_keeps_the_last_optimum_when_the_prediction_is_worse(nystroem_problem):
    # From the optimum at ridge 1e-5 with a wrong piece (every row free, none at B): the
    # prediction is then worse than the old point and the safeguard returns the old point.
    factor, kappa = nystroem_problem
    n_pool = len(kappa)
    max_weight, eps = 2.0, 0.05
    low, high = _bounds(n_pool, eps)
    mu = 1e-6 * np.einsum("ij,ij->", factor, factor) / n_pool
    before, _, _ = solve_kmm_newton(factor, kappa, max_weight=max_weight, eps=eps, ridge=1e-5)
    y = factor.T @ before
    shifted = factor @ y - kappa
    wrong = (np.ones(n_pool, dtype=bool), np.zeros(n_pool, dtype=bool), None)
    start, start_shifted, predicted = _predicted_start(
        factor, kappa, y, shifted, wrong, mu, max_weight, low, high, _FreeGram(factor)
    )
    assert not predicted
    assert np.array_equal(start, y)
    assert np.allclose(start_shifted, shifted, rtol=0, atol=1e-9)
