"""Accuracy of ridge classifiers on real rows plus verifier-pruned synthetic rows.

Deterministic equivalents from El Firdoussi et al., "Maximizing the Potential
of Synthetic Data: Insights from Random Matrix Theory" (arXiv 2410.08942).
Real rows ``x = y mu + z`` (``z ~ N(0, I)``), synthetic rows
``x = y mu_beta + z`` (``z ~ N(0, C)``) whose labels are flipped with
probability ``eps``; a verifier keeps a synthetic row with probability ``phi``
if its label is correct and ``rho`` if it is wrong.

One correction to the formulas as transcribed in the research notes: the
fixed point there reads ``ds = (alpha/N) sum c_i/D_i``, which scales the
self-interaction ``x^T Q x / N`` of a synthetic row by the kept fraction. A kept
row enters the Gram matrix with weight 1, not ``alpha``, so the fixed point is
``ds = (1/N) sum c_i/D_i`` (and ``eta alpha`` becomes ``eta`` in the
synthetic-only closed form). Both versions agree when every row is kept
(``alpha = 1``); with a selective verifier only the corrected one matches
simulation: with ``n = 0``, ``m = 300``, ``p = 100``, ``||mu|| = 1.5``,
``C = I``, ``eps = rho = 0.1``, ``phi = 0.3`` and ``gamma = 0.05`` ridge reaches
0.788 +- 0.001 accuracy in simulation, 0.786 corrected, 0.687 as transcribed.
"""

from numbers import Integral, Real

import numpy as np
from scipy.stats import norm
from sklearn.utils._param_validation import Interval, validate_params

from ._linalg import check_covariance, check_vector

__all__ = [
    "critical_label_noise",
    "pruned_ridge_accuracy",
    "synthetic_only_pruned_accuracy",
]

_UNIT = Interval(Real, 0, 1, closed="both")


def _verifier_rates(eps, rho, phi):
    """Kept fraction ``alpha`` and signal ``lambda`` of the pruned synthetic rows."""
    if rho == 0 and phi == 0:
        raise ValueError(
            "rho = phi = 0 means the verifier keeps no synthetic row; use m = 0 for "
            "training on real rows only, or a positive rho or phi."
        )
    alpha = phi * (1 - eps) + rho * eps
    lam = phi * (1 - eps) - rho * eps
    # At eps = eps* rounding leaves lambda at ~1e-17 instead of 0; snap it so that
    # the synthetic-only accuracy there is exactly 0.5.
    if abs(lam) <= 8 * np.finfo(float).eps * alpha:
        lam = 0.0
    return alpha, lam


def _result(mean_margin, second_moment):
    """Accuracy ``Phi(E[yg] / sd(g))`` and squared risk from the two moments of g."""
    variance = max(second_moment - mean_margin**2, 0.0)
    if variance == 0.0:
        accuracy = 0.5 if mean_margin == 0 else float(mean_margin > 0)
    else:
        accuracy = float(norm.cdf(mean_margin / np.sqrt(variance)))
    return {
        "accuracy": accuracy,
        "squared_risk": float(second_moment + 1 - 2 * mean_margin),
        "mean_margin": float(mean_margin),
        "second_moment": float(second_moment),
    }


@validate_params(
    {"rho": [_UNIT], "phi": [_UNIT]},
    prefer_skip_nested_validation=True,
)
def critical_label_noise(rho, phi):
    """Label-noise rate at which pruned synthetic rows carry no signal.

    ``eps* = phi / (phi + rho)``: at this noise rate the kept synthetic rows
    have as many wrong labels as correct ones in expectation
    (``lambda = phi (1 - eps) - rho eps = 0``). A classifier trained on such
    synthetic rows only has accuracy 0.5; beyond it, below 0.5.

    Parameters
    ----------
    rho : float in [0, 1]
        Probability that the verifier keeps a row with a wrong label.
    phi : float in [0, 1]
        Probability that the verifier keeps a row with a correct label.

    Returns
    -------
    eps_star : float
        Critical noise rate in [0, 1] (1 for a perfect verifier ``rho = 0``).

    Examples
    --------
    >>> from skl_synthsel.theory import critical_label_noise
    >>> critical_label_noise(rho=1.0, phi=1.0)  # keep everything
    0.5
    >>> critical_label_noise(rho=0.2, phi=0.8)
    0.8
    """
    _verifier_rates(0.0, rho, phi)
    return float(phi / (phi + rho))


def _fixed_point(eig_c, n_total, pi, alpha, gamma, tol=1e-13, max_iter=100_000):
    """Solve ``d = (1/N) sum 1/D_i`` and ``ds = (1/N) sum c_i/D_i``.

    ``D_i = gamma + pi/(1+d) + alpha (1-pi) c_i/(1+ds)``: ``d`` and ``ds`` are the
    self-interactions ``x^T Q x / N`` of a real and of a kept synthetic row.
    """
    d = ds = 0.0
    for _ in range(max_iter):
        denom = gamma + pi / (1 + d) + alpha * (1 - pi) * eig_c / (1 + ds)
        d_new = np.sum(1 / denom) / n_total
        ds_new = np.sum(eig_c / denom) / n_total
        if abs(d_new - d) <= tol * (1 + d_new) and abs(ds_new - ds) <= tol * (1 + ds_new):
            return d_new, ds_new, denom
        # Averaging the old and new iterates keeps the map from oscillating when
        # gamma is small.
        d, ds = (d + d_new) / 2, (ds + ds_new) / 2
    raise RuntimeError(
        "The fixed point of the deterministic equivalent did not converge; increase gamma."
    )


@validate_params(
    {
        "n": [Interval(Integral, 0, None, closed="left")],
        "m": [Interval(Integral, 0, None, closed="left")],
        "mu": ["array-like"],
        "mu_synthetic": ["array-like", None],
        "cov_synthetic": ["array-like", None],
        "eps": [_UNIT],
        "rho": [_UNIT],
        "phi": [_UNIT],
        "gamma": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def pruned_ridge_accuracy(
    n,
    m,
    mu,
    mu_synthetic=None,
    cov_synthetic=None,
    eps=0.0,
    rho=1.0,
    phi=1.0,
    gamma=1.0,
):
    """Predicted accuracy of ridge on real plus verifier-pruned noisy synthetic rows.

    The classifier is ``sign(w^T x)`` with
    ``w = ((X_r^T X_r + X_s^T D_q X_s)/N + gamma I)^{-1} (X_r^T y_r + X_s^T D_q y~)/N``,
    ``N = n + m`` counting every generated row, kept or not; this is
    ``Ridge(alpha=N * gamma, fit_intercept=False)`` fit on the real and the kept
    rows. The verifier enters only through ``alpha = phi (1 - eps) + rho eps``
    and ``lambda = phi (1 - eps) - rho eps``. The deterministic equivalent
    (section 3 of the research notes, with the fixed point corrected as
    explained in this module's docstring) gives ``E[yg]`` and ``E[g^2]``;
    the accuracy is
    ``Phi(E[yg] / sqrt(E[g^2] - E[yg]^2))`` for ``g = w^T x`` on a fresh real row;
    it keeps its sign, so it falls below 0.5 when noisy synthetic rows dominate.

    Parameters
    ----------
    n : int
        Number of real rows.
    m : int
        Number of generated synthetic rows (before pruning); ``n + m >= 1``.
    mu : array-like of shape (p,)
        Class mean of the real rows (``x = y mu + z``, ``z ~ N(0, I)``).
    mu_synthetic : array-like of shape (p,), default=None
        Class mean ``mu_beta`` of the synthetic rows; ``mu`` if None.
    cov_synthetic : array-like of shape (p, p), default=None
        Noise covariance ``C`` of the synthetic rows; identity if None.
    eps : float in [0, 1], default=0.0
        Probability that a synthetic label is flipped.
    rho : float in [0, 1], default=1.0
        Probability that the verifier keeps a row with a wrong label.
    phi : float in [0, 1], default=1.0
        Probability that the verifier keeps a row with a correct label.
    gamma : float > 0, default=1.0
        Ridge penalty on the ``1/N``-normalised problem.

    Returns
    -------
    result : dict
        ``"accuracy"`` (predicted test accuracy), ``"squared_risk"``
        (``E[(g - y)^2]``), ``"mean_margin"`` (``E[yg]``) and
        ``"second_moment"`` (``E[g^2]``).

    See Also
    --------
    synthetic_only_pruned_accuracy : Closed form for ``n = 0``, ``C = I``.
    critical_label_noise : The noise rate ``eps*`` where synthetic rows carry no signal.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.theory import pruned_ridge_accuracy
    >>> mu = np.full(100, 0.15)
    >>> clean = pruned_ridge_accuracy(50, 200, mu, eps=0.0)
    >>> noisy = pruned_ridge_accuracy(50, 200, mu, eps=0.4)
    >>> pruned = pruned_ridge_accuracy(50, 200, mu, eps=0.4, rho=0.1, phi=0.9)
    >>> clean["accuracy"] > pruned["accuracy"] > noisy["accuracy"]
    True
    """
    if n + m == 0:
        raise ValueError("n + m must be at least 1: there is nothing to train on.")
    mu = check_vector(mu, np.size(mu), "mu")
    p = mu.size
    mu_b = mu if mu_synthetic is None else check_vector(mu_synthetic, p, "mu_synthetic")
    cov = (
        np.eye(p)
        if cov_synthetic is None
        else check_covariance(cov_synthetic, name="cov_synthetic", n_features=p)
    )
    alpha, lam = _verifier_rates(eps, rho, phi)

    n_total = n + m
    pi = n / n_total
    eig_c = np.linalg.eigvalsh(cov).clip(0.0)
    d, ds, denom = _fixed_point(eig_c, n_total, pi, alpha, gamma)
    real_weight = pi / (1 + d)
    syn_weight = (1 - pi) / (1 + ds)

    second_real = np.outer(mu, mu) + np.eye(p)
    second_syn = np.outer(mu_b, mu_b) + cov
    q_bar = np.linalg.inv(
        real_weight * second_real + alpha * syn_weight * second_syn + gamma * np.eye(p)
    )
    q_mu, q_mu_b = q_bar @ mu, q_bar @ mu_b
    mu_q_mu, mu_q_mu_b, mu_b_q_mu_b = mu @ q_mu, mu @ q_mu_b, mu_b @ q_mu_b

    mean_margin = real_weight * mu_q_mu + lam * syn_weight * mu_q_mu_b

    t1 = np.sum(1 / denom**2) / n_total
    t2 = np.sum((eig_c / denom) ** 2) / n_total
    t3 = np.sum(eig_c / denom**2) / n_total
    a1 = pi * t1 / (1 + d) ** 2
    a2 = pi * t3 / (1 + d) ** 2
    # b1 / alpha is computed without dividing, so alpha = 0 (nothing kept) is fine.
    b1_per_alpha = (1 - pi) * t3 / (1 + ds) ** 2
    b1 = alpha * b1_per_alpha
    b2 = alpha * (1 - pi) * t2 / (1 + ds) ** 2
    h = (1 - b2) * (1 - a1) - a2 * b1
    big_t1 = (a1 * (1 - b2) + a2 * b1) / h
    big_t2 = b1_per_alpha / h
    e_mat = ((1 - b2) * q_bar @ second_real @ q_bar + b1 * q_bar @ second_syn @ q_bar) / h

    s1 = (
        real_weight**2 * (mu @ e_mat @ mu)
        + (lam * syn_weight) ** 2 * (mu_b @ e_mat @ mu_b)
        + 2 * lam * real_weight * syn_weight * (mu @ e_mat @ mu_b)
    )
    s2 = big_t1 * (1 - 2 * real_weight * mu_q_mu - 2 * lam * syn_weight * mu_q_mu_b)
    s3 = big_t2 * (
        alpha - 2 * lam**2 * syn_weight * mu_b_q_mu_b - 2 * lam * real_weight * mu_q_mu_b
    )
    return _result(mean_margin, s1 + s2 + s3)


@validate_params(
    {
        "m": [Interval(Integral, 1, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "mu_norm": [Interval(Real, 0, None, closed="left")],
        "eps": [_UNIT],
        "rho": [_UNIT],
        "phi": [_UNIT],
        "gamma": [Interval(Real, 0, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def synthetic_only_pruned_accuracy(m, n_features, mu_norm, eps=0.0, rho=1.0, phi=1.0, gamma=1.0):
    """Closed-form accuracy of ridge on verifier-pruned synthetic rows only.

    The special case ``n = 0``, ``C = I``, ``mu_beta = mu`` of
    :func:`pruned_ridge_accuracy`. With ``eta = p / m`` and ``mu = ||mu||``:

    ``d = [eta - alpha - gamma + sqrt((alpha + gamma - eta)^2
    + 4 eta gamma)] / (2 gamma)``, ``D = alpha mu^2 + alpha + gamma (1 + d)``,
    ``E[yg] = lambda mu^2 / D``, ``h = 1 - alpha eta / (alpha + gamma (1 + d))^2``,
    ``E[g^2] = (lambda mu)^2 / (h D) [(mu^2 + 1) / D - 2 (1 - h) / alpha]
    + (1 - h) / h``.

    As ``m / p`` grows the accuracy tends to ``Phi(mu)`` below ``eps*`` and to
    ``1 - Phi(mu)`` above it. (The research notes write ``eta alpha`` for
    ``eta`` in ``d``; see the module docstring for why ``eta`` is right.)

    Parameters
    ----------
    m : int
        Number of generated synthetic rows (before pruning).
    n_features : int
        Dimension ``p``.
    mu_norm : float
        Norm of the class mean ``||mu||``.
    eps, rho, phi, gamma : float
        As in :func:`pruned_ridge_accuracy`.

    Returns
    -------
    result : dict
        Same keys as :func:`pruned_ridge_accuracy`.

    Examples
    --------
    >>> from skl_synthsel.theory import synthetic_only_pruned_accuracy
    >>> res = synthetic_only_pruned_accuracy(400, 100, 1.5, eps=0.3, rho=0.2, phi=0.8)
    >>> round(res["accuracy"], 3)
    0.885
    >>> at_critical = synthetic_only_pruned_accuracy(
    ...     400, 100, 1.5, eps=0.8, rho=0.2, phi=0.8)
    >>> at_critical["accuracy"]
    0.5
    """
    alpha, lam = _verifier_rates(eps, rho, phi)
    eta = n_features / m
    d = (eta - alpha - gamma + np.sqrt((alpha + gamma - eta) ** 2 + 4 * eta * gamma)) / (2 * gamma)
    big_d = alpha * mu_norm**2 + alpha + gamma * (1 + d)
    mean_margin = lam * mu_norm**2 / big_d
    h = 1 - alpha * eta / (alpha + gamma * (1 + d)) ** 2
    # (1 - h) / alpha is written out so that alpha -> 0 has no 0/0.
    one_minus_h_per_alpha = eta / (alpha + gamma * (1 + d)) ** 2
    second_moment = (lam * mu_norm) ** 2 / (h * big_d) * (
        (mu_norm**2 + 1) / big_d - 2 * one_minus_h_per_alpha
    ) + (1 - h) / h
    return _result(mean_margin, second_moment)
