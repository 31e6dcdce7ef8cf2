"""Linear regression with real and synthetic rows of different means and covariances."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ..theory._linalg import check_covariance, check_vector, kms_covariance, psd_power

__all__ = ["make_covariance_shift_regression"]


def _resolve_covariance(cov, rho, n_features, name):
    if cov is None:
        return kms_covariance(n_features, rho)
    return check_covariance(cov, name=name, n_features=n_features)


@validate_params(
    {
        "n_target": [Interval(Integral, 0, None, closed="left")],
        "n_synthetic": [Interval(Integral, 0, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "rho_target": [Interval(Real, -1, 1, closed="neither")],
        "rho_synthetic": [Interval(Real, -1, 1, closed="neither")],
        "cov_target": ["array-like", None],
        "cov_synthetic": ["array-like", None],
        "mean_target": ["array-like", None],
        "mean_synthetic": ["array-like", None],
        "coef": ["array-like", None],
        "noise": [Interval(Real, 0, None, closed="left")],
        "normalize_trace": ["boolean"],
        "return_params": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_covariance_shift_regression(
    n_target=100,
    n_synthetic=400,
    n_features=20,
    *,
    rho_target=0.9,
    rho_synthetic=0.5,
    cov_target=None,
    cov_synthetic=None,
    mean_target=None,
    mean_synthetic=None,
    coef=None,
    noise=1.0,
    normalize_trace=True,
    return_params=False,
    random_state=None,
):
    """Real and synthetic regression rows: one linear model, shifted features.

    The setting of Rezaei et al. (arXiv 2510.08123): each source ``i`` in
    {target, synthetic} has rows ``x = Sigma_i^{1/2} z + mu_i`` with
    ``z ~ N(0, I)``, and ``y = x^T beta + noise * N(0, 1)`` with one ``beta``
    for both. By default the covariances are Kac-Murdock-Szego matrices
    ``Sigma_jk = rho^|j-k|`` and the means are 0.

    Parameters
    ----------
    n_target : int, default=100
        Number of real (target) rows.
    n_synthetic : int, default=400
        Number of synthetic rows.
    n_features : int, default=20
        Number of features ``p``.
    rho_target : float in (-1, 1), default=0.9
        KMS correlation of the target covariance (used when ``cov_target`` is None).
    rho_synthetic : float in (-1, 1), default=0.5
        KMS correlation of the synthetic covariance (used when ``cov_synthetic``
        is None).
    cov_target : array-like of shape (p, p), default=None
        Target covariance; overrides ``rho_target``.
    cov_synthetic : array-like of shape (p, p), default=None
        Synthetic covariance; overrides ``rho_synthetic``.
    mean_target : array-like of shape (p,), default=None
        Target mean (zero if None).
    mean_synthetic : array-like of shape (p,), default=None
        Synthetic mean (zero if None).
    coef : array-like of shape (p,), default=None
        Coefficient vector ``beta``; drawn as ``N(0, I/p)`` if None.
    noise : float >= 0, default=1.0
        Standard deviation of the Gaussian noise on ``y``.
    normalize_trace : bool, default=True
        Rescale the synthetic covariance so that ``Tr(M^T M) = p`` with
        ``M = Sigma_s^{1/2} Sigma_t^{-1/2}``: the normalisation under which
        matching the covariances is optimal.
    return_params : bool, default=False
        Also return the parameters of the generating model.
    random_state : int, RandomState instance or None, default=None
        Controls the draws.

    Returns
    -------
    X_target : ndarray of shape (n_target, n_features)
    y_target : ndarray of shape (n_target,)
    X_synthetic : ndarray of shape (n_synthetic, n_features)
    y_synthetic : ndarray of shape (n_synthetic,)
    params : dict
        Only with ``return_params=True``: ``"coef"``, ``"cov_target"``,
        ``"cov_synthetic"`` (after normalisation), ``"mean_target"``,
        ``"mean_synthetic"`` and ``"noise_var"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.datasets import make_covariance_shift_regression
    >>> X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
    ...     50, 200, 10, rho_synthetic=0.0, return_params=True, random_state=0)
    >>> X_t.shape, X_s.shape
    ((50, 10), (200, 10))
    >>> M2 = np.linalg.solve(params["cov_target"], params["cov_synthetic"])
    >>> round(float(np.trace(M2)), 6)  # Tr(M^T M) = p
    10.0
    """
    cov_t = _resolve_covariance(cov_target, rho_target, n_features, "cov_target")
    cov_s = _resolve_covariance(cov_synthetic, rho_synthetic, n_features, "cov_synthetic")
    mean_t = check_vector(mean_target, n_features, "mean_target")
    mean_s = check_vector(mean_synthetic, n_features, "mean_synthetic")
    if normalize_trace:
        cov_t = check_covariance(cov_t, name="cov_target", positive_definite=True)
        trace = np.trace(np.linalg.solve(cov_t, cov_s))
        if trace <= 0:
            raise ValueError("cov_synthetic is zero; it cannot be normalised.")
        cov_s = cov_s * (n_features / trace)

    rng = check_random_state(random_state)
    coef = (
        rng.standard_normal(n_features) / np.sqrt(n_features)
        if coef is None
        else check_vector(coef, n_features, "coef")
    )

    def draw(n_rows, cov, mean):
        X = rng.standard_normal((n_rows, n_features)) @ psd_power(cov, 0.5) + mean
        return X, X @ coef + noise * rng.standard_normal(n_rows)

    X_target, y_target = draw(n_target, cov_t, mean_t)
    X_synthetic, y_synthetic = draw(n_synthetic, cov_s, mean_s)
    if not return_params:
        return X_target, y_target, X_synthetic, y_synthetic
    params = {
        "coef": coef,
        "cov_target": cov_t,
        "cov_synthetic": cov_s,
        "mean_target": mean_t,
        "mean_synthetic": mean_s,
        "noise_var": float(noise) ** 2,
    }
    return X_target, y_target, X_synthetic, y_synthetic, params
