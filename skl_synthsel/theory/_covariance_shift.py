"""Excess risk of least squares trained on real and covariance-shifted synthetic rows.

Deterministic equivalents from Rezaei et al., "High-dimensional Analysis of
Synthetic Data Selection" (arXiv 2510.08123), for min-norm least squares
without intercept in the under-parameterised regime ``n > p``.
"""

from numbers import Integral, Real

import numpy as np
from scipy import linalg, optimize
from sklearn.utils._param_validation import Interval, validate_params

from ._linalg import check_covariance, check_vector, psd_power

__all__ = [
    "covariance_ratio_eigenvalues",
    "mixed_least_squares_risk",
    "mixed_risk_from_eigenvalues",
    "synthetic_only_least_squares_risk",
]


def covariance_ratio_eigenvalues(cov_target, cov_synthetic):
    """Eigenvalues of ``M^T M = Sigma_t^{-1/2} Sigma_s Sigma_t^{-1/2}``.

    Parameters
    ----------
    cov_target : array-like of shape (p, p)
        Positive definite target covariance ``Sigma_t``.
    cov_synthetic : array-like of shape (p, p)
        Positive semi-definite synthetic covariance ``Sigma_s``.

    Returns
    -------
    eigenvalues : ndarray of shape (p,)
        In decreasing order, clipped at 0.
    """
    cov_target = check_covariance(cov_target, name="cov_target", positive_definite=True)
    cov_synthetic = check_covariance(
        cov_synthetic, name="cov_synthetic", n_features=cov_target.shape[0]
    )
    # Generalised symmetric eigenproblem Sigma_s v = lambda Sigma_t v has the same
    # eigenvalues and avoids forming Sigma_t^{-1/2}.
    eigenvalues = linalg.eigh(cov_synthetic, cov_target, eigvals_only=True)
    return np.clip(eigenvalues[::-1], 0.0, None)


def _mixing_coefficients(eigenvalues, n_target, n_synthetic):
    """Solve the T1 scalar equations for ``(a1, a2)``.

    ``a1 + a2 = 1 - p/n`` and ``a1 + (1/n) sum_i l_i a1 / (l_i a1 + a2) = n_s/n``.
    On ``a1 in [0, 1 - p/n]`` the left-hand side minus ``n_s/n`` goes from
    ``-n_s/n`` to ``n_t/n`` and is increasing, so a bracketing root finder is
    safe.
    """
    n = n_target + n_synthetic
    p = eigenvalues.size
    total = 1.0 - p / n
    if n_synthetic == 0:
        return 0.0, total
    if n_target == 0:
        return total, 0.0

    def excess(a1):
        a2 = total - a1
        return a1 + np.sum(eigenvalues * a1 / (eigenvalues * a1 + a2)) / n - n_synthetic / n

    a1 = optimize.brentq(excess, 0.0, total, xtol=1e-15, rtol=1e-14, maxiter=500)
    return a1, total - a1


@validate_params(
    {
        "cov_target": ["array-like"],
        "cov_synthetic": ["array-like"],
        "n_target": [Interval(Integral, 0, None, closed="left")],
        "n_synthetic": [Interval(Integral, 0, None, closed="left")],
        "noise_var": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def mixed_least_squares_risk(cov_target, cov_synthetic, n_target, n_synthetic, noise_var=1.0):
    """Predicted excess risk of least squares on real plus synthetic rows (T1).

    Real rows have covariance ``Sigma_t``, synthetic rows ``Sigma_s``; both
    share the coefficient vector and the noise variance ``sigma^2``. With
    ``n = n_t + n_s > p`` and ``lambda_i`` the eigenvalues of ``M^T M``
    (``M = Sigma_s^{1/2} Sigma_t^{-1/2}``), the excess risk on the target
    distribution of least squares without intercept on the union is

    ``R = (sigma^2 / n) * sum_i 1 / (a1 lambda_i + a2)``

    with ``a1 + a2 = 1 - p/n`` and
    ``a1 + (1/n) sum_i lambda_i a1 / (lambda_i a1 + a2) = n_s / n``, solved by
    bracketed root finding. The means of the two sources do not enter (they
    change the risk only at order ``1/p``). With ``M^T M = I`` the risk is
    ``sigma^2 p / (n - p)``.

    Parameters
    ----------
    cov_target : array-like of shape (p, p)
        Positive definite covariance of the real (target) rows.
    cov_synthetic : array-like of shape (p, p)
        Covariance of the synthetic rows; positive definite when
        ``n_target == 0``.
    n_target : int
        Number of real rows ``n_t``.
    n_synthetic : int
        Number of synthetic rows ``n_s``; ``n_t + n_s`` must exceed ``p``.
    noise_var : float, default=1.0
        Noise variance ``sigma^2``.

    Returns
    -------
    risk : float
        Predicted excess risk ``E[(x^T (beta_hat - beta))^2]`` for ``x`` from the
        centred target distribution.

    See Also
    --------
    synthetic_only_least_squares_risk : The ``n_t = 0`` case with means.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.theory import mixed_least_squares_risk
    >>> round(mixed_least_squares_risk(np.eye(10), np.eye(10), 50, 50), 4)  # 10/90
    0.1111
    >>> round(mixed_least_squares_risk(np.eye(10), 4 * np.eye(10), 50, 50), 4)
    0.0462
    """
    eigenvalues = covariance_ratio_eigenvalues(cov_target, cov_synthetic)
    return mixed_risk_from_eigenvalues(eigenvalues, n_target, n_synthetic, noise_var)


def mixed_risk_from_eigenvalues(eigenvalues, n_target, n_synthetic, noise_var=1.0):
    """T1 risk from the eigenvalues of ``M^T M``; see ``mixed_least_squares_risk``."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    p = eigenvalues.size
    n = n_target + n_synthetic
    if n <= p:
        raise ValueError(
            "The T1 formula needs more rows than features: n_target + n_synthetic "
            f"= {n} <= p = {p}. Use more rows or fewer features."
        )
    a1, a2 = _mixing_coefficients(eigenvalues, n_target, n_synthetic)
    denominators = a1 * eigenvalues + a2
    if np.any(denominators <= 0):
        raise ValueError(
            "cov_synthetic is singular and there are no real rows: the synthetic-only "
            "risk is infinite. Pass a positive definite cov_synthetic."
        )
    return float(noise_var / n * np.sum(1.0 / denominators))


@validate_params(
    {
        "cov_target": ["array-like"],
        "cov_synthetic": ["array-like"],
        "n_synthetic": [Interval(Integral, 1, None, closed="left")],
        "noise_var": [Interval(Real, 0, None, closed="left")],
        "mean_target": ["array-like", None],
        "mean_synthetic": ["array-like", None],
        "rank_one_correction": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def synthetic_only_least_squares_risk(
    cov_target,
    cov_synthetic,
    n_synthetic,
    noise_var=1.0,
    *,
    mean_target=None,
    mean_synthetic=None,
    rank_one_correction=False,
):
    """Predicted excess risk of least squares trained on synthetic rows only.

    Without real rows the means matter, through the part of
    ``Sigma_s^{-1/2} mu_t`` orthogonal to ``Sigma_s^{-1/2} mu_s``:

    ``R = sigma^2 / (n - p) * [Tr(Sigma_t Sigma_s^{-1}) + ||Sigma_s^{-1/2} mu_t||^2
    - (mu_t^T Sigma_s^{-1} mu_s / ||Sigma_s^{-1/2} mu_s||)^2]``

    where ``n = n_synthetic > p``. The mean term vanishes when ``mu_s`` is
    parallel to ``mu_t``; with ``mu_s = 0`` the projection term is taken as 0.

    This is the leading order as ``p`` grows. It drops terms of order one,
    which matter at moderate ``p`` when ``Sigma_t Sigma_s^{-1}`` has a few large
    eigenvalues: the synthetic mean direction is then learned much better than
    the formula assumes (risk over-predicted by 20% at ``p = 40`` with
    ``Sigma_t`` = KMS(0.9) and ``Sigma_s`` = identity). With
    ``rank_one_correction=True`` the risk is the population expression
    ``sigma^2 / (n - p) * Tr[(Sigma_t + mu_t mu_t^T)(Sigma_s + mu_s mu_s^T)^{-1}]``,
    which reduces to the formula above up to those terms.

    Parameters
    ----------
    cov_target : array-like of shape (p, p)
        Covariance of the target rows (positive semi-definite).
    cov_synthetic : array-like of shape (p, p)
        Positive definite covariance of the synthetic rows.
    n_synthetic : int
        Number of synthetic rows; must exceed ``p``.
    noise_var : float, default=1.0
        Noise variance ``sigma^2``.
    mean_target : array-like of shape (p,), default=None
        Target mean ``mu_t`` (zero if None).
    mean_synthetic : array-like of shape (p,), default=None
        Synthetic mean ``mu_s`` (zero if None).
    rank_one_correction : bool, default=False
        Keep the order-one terms (see above); False gives the paper's formula.

    Returns
    -------
    risk : float
        Predicted excess risk ``E[(x^T (beta_hat - beta))^2]`` for ``x`` drawn
        from the target distribution, including its mean.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.theory import synthetic_only_least_squares_risk
    >>> mu = np.r_[2.0, np.zeros(9)]
    >>> round(synthetic_only_least_squares_risk(np.eye(10), np.eye(10), 110), 4)
    0.1
    >>> round(synthetic_only_least_squares_risk(
    ...     np.eye(10), np.eye(10), 110, mean_target=mu, mean_synthetic=-mu), 4)
    0.1
    >>> round(synthetic_only_least_squares_risk(
    ...     np.eye(10), np.eye(10), 110, mean_target=mu), 4)
    0.14
    """
    cov_target = check_covariance(cov_target, name="cov_target")
    p = cov_target.shape[0]
    cov_synthetic = check_covariance(
        cov_synthetic, name="cov_synthetic", n_features=p, positive_definite=True
    )
    if n_synthetic <= p:
        raise ValueError(
            f"The synthetic-only formula needs n_synthetic > p, got {n_synthetic} <= {p}."
        )
    mean_target = check_vector(mean_target, p, "mean_target")
    mean_synthetic = check_vector(mean_synthetic, p, "mean_synthetic")
    if rank_one_correction:
        second_target = cov_target + np.outer(mean_target, mean_target)
        second_synthetic = cov_synthetic + np.outer(mean_synthetic, mean_synthetic)
        trace = np.trace(np.linalg.solve(second_synthetic, second_target))
        return float(noise_var / (n_synthetic - p) * trace)
    inv_sqrt = psd_power(cov_synthetic, -0.5)
    whitened_target = inv_sqrt @ mean_target
    whitened_synthetic = inv_sqrt @ mean_synthetic
    norm_synthetic = np.linalg.norm(whitened_synthetic)
    projection = whitened_target @ whitened_synthetic / norm_synthetic if norm_synthetic else 0.0
    trace_term = np.trace(np.linalg.solve(cov_synthetic, cov_target))
    mean_term = whitened_target @ whitened_target - projection**2
    return float(noise_var / (n_synthetic - p) * (trace_term + mean_term))
