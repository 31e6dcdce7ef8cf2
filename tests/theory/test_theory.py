"""Closed forms of skl_synthsel.theory against Monte Carlo simulation.

Tolerances are 4 Monte Carlo standard errors plus a stated allowance for the
finite-size error of the deterministic equivalents (they are exact only as
p, n -> infinity).
"""

import numpy as np
import pytest
from scipy.linalg import sqrtm
from scipy.stats import norm
from sklearn.linear_model import LinearRegression, Ridge
from threadpoolctl import threadpool_limits

from skl_synthsel.datasets import make_covariance_shift_regression
from skl_synthsel.theory import (
    covariance_ratio_eigenvalues,
    critical_label_noise,
    mixed_least_squares_risk,
    pruned_ridge_accuracy,
    synthetic_only_least_squares_risk,
    synthetic_only_pruned_accuracy,
)


@pytest.fixture(autouse=True)
def single_thread():
    """Many small products and fits: threads only add contention here."""
    with threadpool_limits(limits=1):
        yield


def kms(p, rho):
    return rho ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))


def normalised_kms(p, rho_s, cov_t):
    cov_s = kms(p, rho_s)
    return cov_s * p / np.trace(np.linalg.solve(cov_t, cov_s))


def least_squares_risk_mc(cov_t, cov_s, n_t, n_s, rng, *, mean_t=None, mean_s=None, reps=200):
    """Monte Carlo excess risk of least squares without intercept on real + synthetic.

    For each draw of the design X the risk is averaged over the noise exactly:
    ``E[(x^T (beta_hat - beta))^2 | X] = Tr[S (X^T X)^{-1}]`` (sigma^2 = 1), with
    ``S = Sigma_t + mu_t mu_t^T`` the second moment of a target row.
    Returns the mean over designs and its standard error.
    """
    p = cov_t.shape[0]
    mean_t = np.zeros(p) if mean_t is None else mean_t
    mean_s = np.zeros(p) if mean_s is None else mean_s
    X = np.concatenate(
        [
            rng.standard_normal((reps, n_t, p)) @ np.real(sqrtm(cov_t)) + mean_t,
            rng.standard_normal((reps, n_s, p)) @ np.real(sqrtm(cov_s)) + mean_s,
        ],
        axis=1,
    )
    gram_inv = np.linalg.inv(X.transpose(0, 2, 1) @ X)
    risks = np.einsum("ij,rji->r", cov_t + np.outer(mean_t, mean_t), gram_inv)
    return risks.mean(), risks.std(ddof=1) / np.sqrt(reps)


# ---------------------------------------------------------------- T1: mixed training


@pytest.mark.parametrize("rho_s", [0.0, 0.5, 0.9])
def test_mixed_risk_matches_monte_carlo(rho_s):
    p, n_t, n_s = 40, 80, 160
    cov_t = kms(p, 0.9)
    cov_s = normalised_kms(p, rho_s, cov_t)
    theory = mixed_least_squares_risk(cov_t, cov_s, n_t, n_s, 1.0)
    mc, se = least_squares_risk_mc(cov_t, cov_s, n_t, n_s, np.random.RandomState(0))
    # Finite-sample allowance: p/(n-p-1) vs p/(n-p) in the matched case, 1/(n-p).
    assert abs(mc - theory) < 4 * se + 1.5 * theory / (n_t + n_s - p)


def test_mixed_risk_matches_fitted_linear_regression():
    """End to end: the generator, sklearn's least squares, the actual noise."""
    p, n_t, n_s, noise, reps = 10, 30, 60, 0.5, 300
    risks = []
    for seed in range(reps):
        X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
            n_t,
            n_s,
            p,
            rho_target=0.8,
            rho_synthetic=0.2,
            noise=noise,
            return_params=True,
            random_state=seed,
        )
        model = LinearRegression(fit_intercept=False).fit(np.vstack([X_t, X_s]), np.r_[y_t, y_s])
        error = model.coef_ - params["coef"]
        risks.append(error @ params["cov_target"] @ error)
    theory = mixed_least_squares_risk(
        params["cov_target"], params["cov_synthetic"], n_t, n_s, noise**2
    )
    se = np.std(risks, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(risks) - theory) < 4 * se + 1.5 * theory / (n_t + n_s - p)


def test_mixed_risk_closed_cases():
    p = 12
    cov_t = kms(p, 0.7)
    # M^T M = I: sigma^2 p / (n - p), whatever the split between the sources.
    for n_t, n_s in [(50, 0), (20, 30), (0, 50)]:
        risk = mixed_least_squares_risk(cov_t, cov_t, n_t, n_s, 2.0)
        assert risk == pytest.approx(2.0 * p / (50 - p), rel=1e-10)
    # Synthetic only: sigma^2 Tr(Sigma_t Sigma_s^{-1}) / (n - p), as in the
    # synthetic-only formula with zero means.
    cov_s = np.diag(np.linspace(0.5, 2.0, p))
    expected = synthetic_only_least_squares_risk(cov_t, cov_s, 50, 1.0)
    assert mixed_least_squares_risk(cov_t, cov_s, 0, 50) == pytest.approx(expected)
    # Only the spectrum of M^T M matters: rotating both covariances changes nothing.
    rotation, _ = np.linalg.qr(np.random.RandomState(0).normal(size=(p, p)))
    rotated = mixed_least_squares_risk(
        rotation @ cov_t @ rotation.T, rotation @ cov_s @ rotation.T, 20, 30
    )
    assert rotated == pytest.approx(mixed_least_squares_risk(cov_t, cov_s, 20, 30))


def test_eigenvalues_of_m_transpose_m_against_matrix_roots():
    p = 6
    cov_t, cov_s = kms(p, 0.8), np.diag(np.arange(1.0, p + 1))
    root_inv = np.linalg.inv(np.real(sqrtm(cov_t)))
    brute = np.sort(np.linalg.eigvalsh(root_inv @ cov_s @ root_inv))[::-1]
    np.testing.assert_allclose(covariance_ratio_eigenvalues(cov_t, cov_s), brute)


def test_matching_is_optimal_under_trace_normalisation():
    p, n_t, n_s = 30, 60, 120
    cov_t = kms(p, 0.9)
    grid = np.round(np.arange(0.0, 0.96, 0.05), 2)
    risks = [mixed_least_squares_risk(cov_t, normalised_kms(p, r, cov_t), n_t, n_s) for r in grid]
    assert grid[int(np.argmin(risks))] == 0.9
    assert min(risks) == pytest.approx(p / (n_t + n_s - p))


def test_mean_shift_changes_mixed_but_not_synthetic_only_risk_little():
    """Mixed training is blind to the means (up to O(1/p)); synthetic-only is not."""
    p, n_t, n_s = 40, 80, 160
    cov_t = kms(p, 0.5)
    cov_s = normalised_kms(p, 0.2, cov_t)
    rng = np.random.RandomState(1)
    mean_t, mean_s = (6 * v / np.linalg.norm(v) for v in rng.normal(size=(2, p)))

    centred, se_c = least_squares_risk_mc(cov_t, cov_s, n_t, n_s, rng)
    shifted, se_s = least_squares_risk_mc(cov_t, cov_s, n_t, n_s, rng, mean_t=mean_t, mean_s=mean_s)
    theory = mixed_least_squares_risk(cov_t, cov_s, n_t, n_s)
    # One direction out of p carries the mean: an O(1/p) relative effect.
    assert abs(shifted - centred) < 4 * np.hypot(se_c, se_s) + 3 * theory / p
    assert abs(shifted - theory) < 4 * se_s + 3 * theory / p

    n = n_t + n_s
    syn_centred = synthetic_only_least_squares_risk(cov_t, cov_s, n)
    syn_shifted = synthetic_only_least_squares_risk(
        cov_t, cov_s, n, mean_target=mean_t, mean_synthetic=mean_s
    )
    assert syn_shifted > 2 * syn_centred
    mc, se = least_squares_risk_mc(cov_t, cov_s, 0, n, rng, mean_t=mean_t, mean_s=mean_s)
    assert abs(mc - syn_shifted) < 4 * se + 3 * syn_shifted / p


@pytest.mark.parametrize(
    "rho_t, rho_s, scale_t, scale_s",
    [
        (0.5, 0.2, 3.0, 3.0),
        (0.5, 0.2, 3.0, -3.0),
        (0.9, 0.0, 3.0, 3.0),
        (0.9, 0.0, 0, 3.0),
    ],
)
def test_synthetic_only_risk_with_means_matches_monte_carlo(rho_t, rho_s, scale_t, scale_s):
    p, n = 40, 200
    cov_t = kms(p, rho_t)
    cov_s = normalised_kms(p, rho_s, cov_t)
    rng = np.random.RandomState(2)
    u, v = (w / np.linalg.norm(w) for w in rng.normal(size=(2, p)))
    mean_t, mean_s = scale_t * u, scale_s * (0.6 * u + 0.8 * v)
    mc, se = least_squares_risk_mc(cov_t, cov_s, 0, n, rng, mean_t=mean_t, mean_s=mean_s)
    corrected = synthetic_only_least_squares_risk(
        cov_t,
        cov_s,
        n,
        mean_target=mean_t,
        mean_synthetic=mean_s,
        rank_one_correction=True,
    )
    assert abs(mc - corrected) < 4 * se + 1.5 * corrected / (n - p)
    paper = synthetic_only_least_squares_risk(
        cov_t, cov_s, n, mean_target=mean_t, mean_synthetic=mean_s
    )
    if rho_t == 0.5:  # well-conditioned Sigma_t Sigma_s^{-1}: the leading order holds
        assert abs(mc - paper) < 4 * se + 3 * paper / p


def test_synthetic_only_mean_term_vanishes_for_parallel_means():
    p = 8
    cov_t, cov_s = kms(p, 0.6), np.diag(np.linspace(1, 3, p))
    mu = np.linspace(-1, 1, p)
    base = synthetic_only_least_squares_risk(cov_t, cov_s, 50)
    for factor in (0.5, -2.0):
        assert synthetic_only_least_squares_risk(
            cov_t, cov_s, 50, mean_target=mu, mean_synthetic=factor * mu
        ) == pytest.approx(base)
    # Orthogonal (in the whitened space) means add ||Sigma_s^{-1/2} mu_t||^2.
    other = np.zeros(p)
    other[0] = 1.0
    orthogonal = (
        other - (mu @ np.linalg.solve(cov_s, other)) / (mu @ np.linalg.solve(cov_s, mu)) * mu
    )
    risk = synthetic_only_least_squares_risk(
        cov_t, cov_s, 50, mean_target=orthogonal, mean_synthetic=mu
    )
    extra = orthogonal @ np.linalg.solve(cov_s, orthogonal) / (50 - p)
    assert risk == pytest.approx(base + extra)


def test_covariance_shift_theory_rejects_bad_input():
    with pytest.raises(ValueError, match="positive semi-definite"):
        mixed_least_squares_risk(np.eye(2), [[1.0, 2.0], [2.0, 1.0]], 10, 10)
    with pytest.raises(ValueError, match="singular"):
        mixed_least_squares_risk(np.diag([1.0, 0.0]), np.eye(2), 10, 10)
    with pytest.raises(ValueError, match="shape"):
        mixed_least_squares_risk(np.eye(2), np.eye(3), 10, 10)
    with pytest.raises(ValueError, match="symmetric"):
        mixed_least_squares_risk(np.eye(2), [[1.0, 0.5], [0.0, 1.0]], 10, 10)
    with pytest.raises(ValueError, match="more rows than features"):
        mixed_least_squares_risk(np.eye(5), np.eye(5), 2, 3)
    with pytest.raises(ValueError, match="n_target"):
        mixed_least_squares_risk(np.eye(2), np.eye(2), -1, 10)
    with pytest.raises(ValueError, match="n_synthetic > p"):
        synthetic_only_least_squares_risk(np.eye(5), np.eye(5), 5)
    with pytest.raises(ValueError, match="mean_target"):
        synthetic_only_least_squares_risk(np.eye(2), np.eye(2), 9, mean_target=[1.0])


# --------------------------------------------------------- section 3: pruned ridge


def pruned_ridge_mc(n, m, mu, mu_b, cov, eps, rho, phi, gamma, rng, reps=300):
    """Monte Carlo of ridge on real + verifier-kept rows, vectorised over repetitions.

    Dropped rows are zeroed: they then add nothing to X^T X or X^T y, which is
    the ridge fit on the kept rows with N = n + m. Returns per-repetition
    E[yg | w] = w^T mu, E[g^2 | w] = w^T (mu mu^T + I) w and the accuracy
    Phi(w^T mu / ||w||) on fresh real rows.
    """
    p = mu.size
    y_r = rng.choice([-1.0, 1.0], size=(reps, n))
    X_r = y_r[..., None] * mu + rng.standard_normal((reps, n, p))
    y_s = rng.choice([-1.0, 1.0], size=(reps, m))
    X_s = y_s[..., None] * mu_b + rng.standard_normal((reps, m, p)) @ np.real(sqrtm(cov))
    wrong = rng.random_sample((reps, m)) < eps
    kept = rng.random_sample((reps, m)) < np.where(wrong, rho, phi)
    y_noisy = np.where(wrong, -y_s, y_s) * kept
    X = np.concatenate([X_r, X_s * kept[..., None]], axis=1)
    y = np.concatenate([y_r, y_noisy], axis=1)
    gram = X.transpose(0, 2, 1) @ X + (n + m) * gamma * np.eye(p)
    w = np.linalg.solve(gram, X.transpose(0, 2, 1) @ y[..., None])[..., 0]
    margin = w @ mu
    return {
        "mean_margin": margin,
        "second_moment": margin**2 + np.sum(w**2, axis=1),
        "accuracy": norm.cdf(margin / np.linalg.norm(w, axis=1)),
        "w": w,
        "data": (X, y),
    }


def _setting(p=100, seed=0):
    rng = np.random.RandomState(seed)
    mu = rng.normal(size=p)
    mu *= 1.5 / np.linalg.norm(mu)
    mu_b = mu + 0.5 * rng.normal(size=p) / np.sqrt(p)
    return mu, mu_b, 1.3 * kms(p, 0.5)


def test_vectorised_simulation_is_sklearn_ridge():
    mu, mu_b, cov = _setting(p=20)
    sim = pruned_ridge_mc(
        10, 40, mu, mu_b, cov, 0.3, 0.4, 0.9, 0.2, np.random.RandomState(0), reps=3
    )
    X, y = sim["data"]
    for r in range(3):
        ridge = Ridge(alpha=50 * 0.2, fit_intercept=False).fit(X[r], y[r])
        np.testing.assert_allclose(sim["w"][r], ridge.coef_, rtol=1e-8, atol=1e-12)


# Allowance for the deterministic equivalent at p = 100 (exact as p -> infinity).
DE_ALLOWANCE = 0.005


@pytest.mark.parametrize(
    "eps, rho, phi, gamma",
    [
        (0.2, 1.0, 1.0, 0.5),
        (0.3, 0.2, 0.9, 0.5),
        (0.6, 1.0, 1.0, 0.5),
        (0.6, 0.9, 0.3, 0.5),
        # A selective verifier and a small ridge: where the fixed point as
        # transcribed in the research notes (ds scaled by alpha) is off by 0.1.
        (0.1, 0.1, 0.3, 0.05),
    ],
)
def test_pruned_ridge_matches_simulation(eps, rho, phi, gamma):
    n, m = 60, 240
    mu, mu_b, cov = _setting()
    theory = pruned_ridge_accuracy(n, m, mu, mu_b, cov, eps, rho, phi, gamma)
    sim = pruned_ridge_mc(n, m, mu, mu_b, cov, eps, rho, phi, gamma, np.random.RandomState(1))
    for key in ("accuracy", "mean_margin", "second_moment"):
        values = sim[key]
        se = values.std(ddof=1) / np.sqrt(values.size)
        assert abs(values.mean() - theory[key]) < 4 * se + DE_ALLOWANCE, key
    squared_risk = sim["second_moment"] + 1 - 2 * sim["mean_margin"]
    se = squared_risk.std(ddof=1) / np.sqrt(squared_risk.size)
    assert abs(squared_risk.mean() - theory["squared_risk"]) < 4 * se + 2 * DE_ALLOWANCE


def test_only_alpha_and_lambda_matter():
    # (eps, rho, phi) = (0.2, 0.5, 1.0) and (0.15, 2/3, 0.8/0.85) share
    # alpha = 0.9 and lambda = 0.7.
    first, second = (0.2, 0.5, 1.0), (0.15, 2 / 3, 0.8 / 0.85)
    for eps, rho, phi in (first, second):
        assert phi * (1 - eps) + rho * eps == pytest.approx(0.9)
        assert phi * (1 - eps) - rho * eps == pytest.approx(0.7)
    n, m, gamma = 40, 200, 0.5
    mu, mu_b, cov = _setting()
    theory = [pruned_ridge_accuracy(n, m, mu, mu_b, cov, *t, gamma=gamma) for t in (first, second)]
    for key in theory[0]:
        assert theory[0][key] == pytest.approx(theory[1][key], rel=1e-10)
    accuracies = [
        pruned_ridge_mc(n, m, mu, mu_b, cov, *t, gamma, np.random.RandomState(k))["accuracy"]
        for k, t in enumerate((first, second))
    ]
    se = np.hypot(*(a.std(ddof=1) / np.sqrt(a.size) for a in accuracies))
    assert abs(accuracies[0].mean() - accuracies[1].mean()) < 4 * se
    # A different alpha with the same lambda does change the prediction.
    other = pruned_ridge_accuracy(n, m, mu, mu_b, cov, 0.1, 0.0, 0.7 / 0.9, gamma=gamma)
    assert abs(other["accuracy"] - theory[0]["accuracy"]) > 1e-3


@pytest.mark.parametrize("rho, phi", [(1.0, 1.0), (0.2, 0.8), (0.5, 0.3)])
def test_accuracy_is_one_half_at_critical_noise_without_real_rows(rho, phi):
    mu, mu_b, cov = _setting(p=50)
    eps_star = critical_label_noise(rho, phi)
    assert eps_star == pytest.approx(phi / (phi + rho))
    for m in (30, 100, 1000):
        at = pruned_ridge_accuracy(0, m, mu, mu_b, cov, eps_star, rho, phi)
        assert at["accuracy"] == 0.5
        assert (
            pruned_ridge_accuracy(0, m, mu, mu_b, cov, eps_star - 0.05, rho, phi)["accuracy"] > 0.5
        )
        assert (
            pruned_ridge_accuracy(0, m, mu, mu_b, cov, eps_star + 0.05, rho, phi)["accuracy"] < 0.5
        )
    # The simulation agrees: a mean margin of 0 within Monte Carlo error.
    margins = pruned_ridge_mc(
        0, 200, mu, mu_b, cov, eps_star, rho, phi, 1.0, np.random.RandomState(3)
    )["mean_margin"]
    assert abs(margins.mean()) < 4 * margins.std(ddof=1) / np.sqrt(margins.size)


def test_no_synthetic_rows_is_ridge_on_real_rows():
    n, gamma = 80, 0.3
    mu, mu_b, cov = _setting()
    base = pruned_ridge_accuracy(n, 0, mu, gamma=gamma)
    for eps, rho, phi in [(0.0, 1.0, 1.0), (0.9, 1.0, 0.1), (0.5, 0.0, 1.0)]:
        other = pruned_ridge_accuracy(n, 0, mu, mu_b, cov, eps, rho, phi, gamma)
        assert other == pytest.approx(base, rel=1e-12)
    sim = pruned_ridge_mc(n, 0, mu, mu_b, cov, 0.0, 1.0, 1.0, gamma, np.random.RandomState(4))[
        "accuracy"
    ]
    assert (
        abs(sim.mean() - base["accuracy"]) < 4 * sim.std(ddof=1) / np.sqrt(sim.size) + DE_ALLOWANCE
    )


@pytest.mark.parametrize(
    "m, p, mu_norm, eps, rho, phi, gamma",
    [
        (400, 100, 1.5, 0.3, 0.2, 0.8, 1.0),
        (200, 100, 2.0, 0.1, 1.0, 1.0, 0.1),
        (1000, 50, 1.0, 0.7, 1.0, 1.0, 0.01),
        (300, 100, 1.0, 0.2, 0.0, 1.0, 0.5),
    ],
)
def test_synthetic_only_closed_form_equals_general_formula(m, p, mu_norm, eps, rho, phi, gamma):
    closed = synthetic_only_pruned_accuracy(m, p, mu_norm, eps, rho, phi, gamma)
    mu = np.zeros(p)
    mu[0] = mu_norm
    general = pruned_ridge_accuracy(0, m, mu, None, None, eps, rho, phi, gamma)
    for key in closed:
        assert closed[key] == pytest.approx(general[key], rel=1e-8, abs=1e-12)


def test_synthetic_only_large_m_limit_is_a_step():
    mu_norm = 1.2
    for rho, phi in [(1.0, 1.0), (0.3, 0.9)]:
        eps_star = critical_label_noise(rho, phi)
        below = synthetic_only_pruned_accuracy(10**9, 50, mu_norm, eps_star - 0.1, rho, phi, 0.1)
        above = synthetic_only_pruned_accuracy(10**9, 50, mu_norm, eps_star + 0.05, rho, phi, 0.1)
        assert below["accuracy"] == pytest.approx(norm.cdf(mu_norm), abs=1e-5)
        assert above["accuracy"] == pytest.approx(1 - norm.cdf(mu_norm), abs=1e-5)


def test_critical_label_noise_values():
    assert critical_label_noise(1.0, 1.0) == 0.5
    assert critical_label_noise(0.0, 0.7) == 1.0
    assert critical_label_noise(0.6, 0.0) == 0.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: pruned_ridge_accuracy(10, 10, np.ones(3), eps=1.2), "eps"),
        (lambda: pruned_ridge_accuracy(10, 10, np.ones(3), eps=-0.1), "eps"),
        (
            lambda: pruned_ridge_accuracy(10, 10, np.ones(3), rho=0.0, phi=0.0),
            "rho = phi = 0",
        ),
        (lambda: critical_label_noise(0.0, 0.0), "rho = phi = 0"),
        (lambda: pruned_ridge_accuracy(10, 10, np.ones(3), gamma=0.0), "gamma"),
        (lambda: pruned_ridge_accuracy(0, 0, np.ones(3)), "n \\+ m"),
        (lambda: pruned_ridge_accuracy(10, 10, np.ones(3), np.ones(2)), "mu_synthetic"),
        (
            lambda: pruned_ridge_accuracy(10, 10, np.ones(2), None, -np.eye(2)),
            "positive semi-definite",
        ),
        (
            lambda: synthetic_only_pruned_accuracy(10, 5, 1.0, rho=0.0, phi=0.0),
            "rho = phi = 0",
        ),
        (lambda: synthetic_only_pruned_accuracy(10, 5, 1.0, phi=1.5), "phi"),
    ],
)
def test_pruning_theory_rejects_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
