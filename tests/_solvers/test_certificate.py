"""The Frank-Wolfe certificate: a valid lower bound everywhere, tight at the optimum."""

import numpy as np
import pytest

from skl_synthsel._solvers import (
    covariance_gap,
    project_capped_simplex,
    solve_relaxed_cvxpy,
    solve_relaxed_interior_point,
)
from skl_synthsel._solvers._certificate import (
    Certificate,
    certificate_from_gradient,
    certify,
    objective_gradient,
    residual_matrix,
)


def _problem(seed, reachable):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 6))
    U = rng.normal(size=(int(rng.integers(60, 250)), d)) * rng.uniform(0.5, 2.0, size=d)
    if reachable:
        target = U[:40].T @ U[:40] / 40 * 0.9
    else:
        mixing = rng.normal(size=(d, d))
        target = mixing @ mixing.T + np.eye(d)
    k = int(rng.integers(d + 1, U.shape[0] // 2))
    return U, target, k


def _optimum(U, target, k, normaliser=None):
    """The best objective two independent solvers reach: at least the true optimum."""
    _, value = solve_relaxed_cvxpy(U, target, k, normaliser=normaliser)
    interior = solve_relaxed_interior_point(U, target, k, normaliser=normaliser).weights
    scale = k if normaliser is None else normaliser
    return min(value, float(np.linalg.norm((U * interior[:, None]).T @ U / scale - target)))


@pytest.mark.parametrize("reachable", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_lower_bound_never_exceeds_the_optimum_at_any_feasible_point(seed, reachable):
    U, target, k = _problem(seed, reachable)
    optimum = _optimum(U, target, k)
    rng = np.random.default_rng(seed)
    scale = np.linalg.norm(target)
    points = [project_capped_simplex(rng.normal(size=len(U)) * s, k)[0] for s in (0.1, 1, 10)]
    indicator = np.zeros(len(U))
    indicator[rng.choice(len(U), k, replace=False)] = 1.0
    for weights in [*points, indicator]:
        certificate = certify(U, target, weights)
        assert certificate.objective == pytest.approx(covariance_gap(U, target, weights))
        # The Frank-Wolfe gap from its definition, by brute force over the k-row vertices'
        # linear minimiser (a sort of the gradient), and the squared objective from scratch.
        residual = (U * weights[:, None]).T @ U / k - target
        gradient = 2.0 / k * np.einsum("ij,jk,ik->i", U, residual, U)
        vertex = np.sort(gradient)[:k].sum()
        assert certificate.frank_wolfe_gap == pytest.approx(
            max(gradient @ weights - vertex, 0.0), rel=1e-9, abs=1e-12
        )
        assert certificate.lower_bound <= optimum + 1e-9 * scale
        # The certificate bounds the true excess over the optimum.
        assert certificate.duality_gap >= certificate.objective - optimum - 1e-9 * scale


@pytest.mark.parametrize("seed", range(5))
def test_certificate_is_tight_at_the_optimum(seed):
    U, target, k = _problem(seed, reachable=False)
    weights = solve_relaxed_interior_point(U, target, k).weights
    certificate = certify(U, target, weights)
    assert certificate.duality_gap <= 1e-7 * certificate.objective + 1e-9
    assert certificate.is_within(1e-7, 1e-9)
    assert not Certificate(2.0, 1.0, 3.0).is_within(0.1)


def test_certificate_from_gradient_equals_certify_and_handles_a_normaliser():
    U, target, k = _problem(7, reachable=False)
    weights = project_capped_simplex(np.random.default_rng(0).normal(size=len(U)), k)[0]
    normaliser = k + 30.0
    residual = residual_matrix(U, target, weights, normaliser)
    gradient = objective_gradient(U, residual, normaliser)
    # The gradient of ||sum w u u'/n - C||^2 by finite differences.
    step = np.zeros(len(U))
    step[3] = 1e-6
    plus = np.sum(residual_matrix(U, target, weights + step, normaliser) ** 2)
    minus = np.sum(residual_matrix(U, target, weights - step, normaliser) ** 2)
    assert gradient[3] == pytest.approx((plus - minus) / 2e-6, rel=1e-5)
    assert certificate_from_gradient(residual, gradient, weights, k) == certify(
        U, target, weights, normaliser=normaliser
    )
    optimum = _optimum(U, target, k, normaliser=normaliser)
    assert certify(U, target, weights, normaliser=normaliser).lower_bound <= optimum + 1e-9
