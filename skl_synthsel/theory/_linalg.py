"""Small linear-algebra helpers shared by ``theory``, ``datasets`` and ``metrics``."""

import numpy as np
from scipy import linalg

__all__ = ["check_covariance", "check_vector", "kms_covariance", "psd_power"]


def check_covariance(cov, *, name="cov", n_features=None, positive_definite=False):
    """Validate a covariance matrix and return it as a float array.

    Parameters
    ----------
    cov : array-like of shape (p, p)
        The matrix to check.
    name : str, default="cov"
        Name of the argument, used in error messages.
    n_features : int or None, default=None
        Expected dimension ``p``, if known.
    positive_definite : bool, default=False
        Require strictly positive eigenvalues (the matrix is inverted).

    Returns
    -------
    cov : ndarray of shape (p, p)
        A symmetric float copy of ``cov``.
    """
    cov = np.array(cov, dtype=float)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
        raise ValueError(f"{name} must be a square 2-d matrix, got shape {cov.shape}.")
    if n_features is not None and cov.shape[0] != n_features:
        raise ValueError(
            f"{name} has shape {cov.shape} but {n_features} features were expected; "
            "pass matrices of matching dimension."
        )
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    scale = max(np.max(np.abs(cov)), np.finfo(float).tiny)
    if np.max(np.abs(cov - cov.T)) > 1e-8 * scale:
        raise ValueError(f"{name} must be symmetric.")
    cov = (cov + cov.T) / 2
    eig_min = np.linalg.eigvalsh(cov)[0]
    tol = 1e-10 * scale
    if eig_min < -tol:
        raise ValueError(
            f"{name} is not positive semi-definite (smallest eigenvalue "
            f"{eig_min:.3g}); pass a valid covariance matrix."
        )
    if positive_definite and eig_min <= tol:
        raise ValueError(
            f"{name} is singular (smallest eigenvalue {eig_min:.3g}); a positive "
            "definite covariance is required, e.g. add a small ridge to the diagonal."
        )
    return cov


def kms_covariance(n_features, rho):
    """Kac-Murdock-Szego covariance ``Sigma_ij = rho ** |i - j|``.

    Parameters
    ----------
    n_features : int
        Dimension ``p``.
    rho : float in (-1, 1)
        Correlation between neighbouring features.

    Returns
    -------
    cov : ndarray of shape (n_features, n_features)
    """
    if not -1 < rho < 1:
        raise ValueError(f"The KMS correlation rho must lie in (-1, 1), got {rho}.")
    lags = np.abs(np.subtract.outer(np.arange(n_features), np.arange(n_features)))
    return float(rho) ** lags


def psd_power(cov, power):
    """Power of a symmetric PSD matrix through its eigendecomposition.

    Negative powers require a positive definite matrix; ``power=0.5`` is the
    symmetric square root and ``power=-0.5`` its inverse.
    """
    eigval, eigvec = linalg.eigh(cov)
    eigval = np.clip(eigval, 0.0, None)
    if power < 0 and eigval[0] <= 0:
        raise ValueError("A negative matrix power needs a positive definite matrix.")
    return (eigvec * eigval**power) @ eigvec.T


def check_vector(vector, n_features, name):
    """Validate a mean or coefficient vector of length ``n_features`` (None: zeros)."""
    if vector is None:
        return np.zeros(n_features)
    vector = np.array(vector, dtype=float)
    if vector.shape != (n_features,):
        raise ValueError(f"{name} must have shape ({n_features},), got {vector.shape}.")
    if not np.all(np.isfinite(vector)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return vector
