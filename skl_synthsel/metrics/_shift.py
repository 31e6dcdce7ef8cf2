"""Distances between the first two moments of real and synthetic rows."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.covariance import EmpiricalCovariance
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from ..theory._covariance_shift import (
    covariance_ratio_eigenvalues,
    mixed_risk_from_eigenvalues,
)
from ._validation import check_real_synthetic

__all__ = ["covariance_ratio_spectrum", "covariance_shift", "mean_shift"]


def _standardize(X_real, X_syn):
    """Scale both tables with the real rows' mean and standard deviation."""
    mean = X_real.mean(axis=0)
    std = X_real.std(axis=0, ddof=1)
    # Constant real columns are only centred: dividing by 0 would blow them up.
    std = np.where(std > 0, std, 1.0)
    return (X_real - mean) / std, (X_syn - mean) / std


def _moments(X_real, X_syn, standardize):
    X_real, X_syn = check_real_synthetic(X_real, X_syn)
    if standardize:
        X_real, X_syn = _standardize(X_real, X_syn)
    return X_real, X_syn


@validate_params(
    {"X_real": ["array-like"], "X_syn": ["array-like"], "standardize": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def covariance_shift(X_real, X_syn, *, standardize=False):
    """Distance between the sample covariances of real and synthetic rows.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_features)
        Real rows (at least 2).
    X_syn : array-like of shape (n_syn, n_features)
        Synthetic rows (at least 2), same columns.
    standardize : bool, default=False
        Compare in the space standardised with the real rows' mean and
        standard deviation (ddof=1), so that every column counts alike.

    Returns
    -------
    shift : dict
        ``"frobenius"``: ``||C_syn - C_real||_F`` with ``C`` the sample
        covariances (ddof=1); ``"relative"``: that divided by ``||C_real||_F``.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.metrics import covariance_shift
    >>> rng = np.random.RandomState(0)
    >>> X_real = rng.normal(size=(2000, 3))
    >>> shift = covariance_shift(X_real, 2 * X_real)  # C_syn = 4 C_real
    >>> round(shift["relative"], 6)
    3.0
    """
    X_real, X_syn = _moments(X_real, X_syn, standardize)
    cov_real = np.atleast_2d(np.cov(X_real, rowvar=False))
    cov_syn = np.atleast_2d(np.cov(X_syn, rowvar=False))
    frobenius = float(np.linalg.norm(cov_syn - cov_real))
    scale = np.linalg.norm(cov_real)
    return {
        "frobenius": frobenius,
        "relative": float(frobenius / scale) if scale > 0 else float("inf"),
    }


@validate_params(
    {"X_real": ["array-like"], "X_syn": ["array-like"], "standardize": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def mean_shift(X_real, X_syn, *, standardize=False):
    """Distance between the means of real and synthetic rows.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_features)
        Real rows (at least 2).
    X_syn : array-like of shape (n_syn, n_features)
        Synthetic rows (at least 2), same columns.
    standardize : bool, default=False
        Compare in the space standardised with the real rows' mean and
        standard deviation (ddof=1).

    Returns
    -------
    shift : dict
        ``"euclidean"``: ``||m_syn - m_real||``; ``"relative"``: that divided
        by the real rows' root-mean-square spread ``sqrt(Tr C_real)``.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.metrics import mean_shift
    >>> X_real = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    >>> mean_shift(X_real, X_real + [3.0, 4.0])["euclidean"]
    5.0
    """
    X_real, X_syn = _moments(X_real, X_syn, standardize)
    euclidean = float(np.linalg.norm(X_syn.mean(axis=0) - X_real.mean(axis=0)))
    spread = np.sqrt(np.sum(X_real.var(axis=0, ddof=1)))
    return {
        "euclidean": euclidean,
        "relative": float(euclidean / spread) if spread > 0 else float("inf"),
    }


@validate_params(
    {
        "X_real": ["array-like"],
        "X_syn": ["array-like"],
        "n_real": [Interval(Integral, 0, None, closed="left"), None],
        "n_synthetic": [Interval(Integral, 0, None, closed="left"), None],
        "noise_var": [Interval(Real, 0, None, closed="left")],
        "covariance_estimator": [HasMethods(["fit"]), None],
    },
    prefer_skip_nested_validation=True,
)
def covariance_ratio_spectrum(
    X_real,
    X_syn,
    *,
    n_real=None,
    n_synthetic=None,
    noise_var=1.0,
    covariance_estimator=None,
):
    """Spectrum of ``M^T M`` between real and synthetic rows, and its T1 risk.

    With ``Sigma_t`` and ``Sigma_s`` the covariances estimated from the real
    and the synthetic rows, ``M^T M = Sigma_t^{-1/2} Sigma_s Sigma_t^{-1/2}``
    (section 1 of the research notes). All eigenvalues equal to 1 means the
    synthetic covariance matches the real one; the spread of the eigenvalues
    is what costs accuracy. The eigenvalues are invariant to any invertible
    linear map of the features, so standardising does not change them.

    Parameters
    ----------
    X_real : array-like of shape (n_real_rows, n_features)
        Real rows; enough of them for a positive definite covariance estimate
        (more rows than features with the default estimator).
    X_syn : array-like of shape (n_syn_rows, n_features)
        Synthetic rows, same columns.
    n_real : int, default=None
        Number of real training rows for the predicted risk; the number of rows
        of ``X_real`` if None.
    n_synthetic : int, default=None
        Number of synthetic training rows for the predicted risk; the number of
        rows of ``X_syn`` if None.
    noise_var : float, default=1.0
        Noise variance ``sigma^2`` of the linear model (scales the risks).
    covariance_estimator : estimator with ``fit`` and ``covariance_``, default=None
        Covariance estimator applied (as a clone) to both tables, e.g.
        :class:`sklearn.covariance.LedoitWolf` with few real rows.
        :class:`sklearn.covariance.EmpiricalCovariance` if None.

    Returns
    -------
    spectrum : dict
        - ``"eigenvalues"``: eigenvalues of ``M^T M``, decreasing;
        - ``"trace_ratio"``: ``Tr(M^T M) / p`` (1 under the paper's normalisation);
        - ``"t1_risk"``: predicted excess risk of least squares on ``n_real``
          real plus ``n_synthetic`` synthetic rows
          (:func:`skl_synthsel.theory.mixed_least_squares_risk`);
        - ``"t1_risk_matched"``: the same for a synthetic covariance
          proportional to the real one with the same trace ratio, the optimum
          for that trace;
        - ``"real_only_risk"``: the risk with the real rows alone,
          ``sigma^2 p / (n_real - p)``.

        Risks are NaN (real-only: inf) where the formula needs more rows than
        features.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel.metrics import covariance_ratio_spectrum
    >>> rng = np.random.RandomState(0)
    >>> X_real = rng.normal(size=(5000, 4))
    >>> X_syn = rng.normal(size=(5000, 4)) * [1.0, 1.0, 1.0, 2.0]
    >>> spectrum = covariance_ratio_spectrum(X_real, X_syn, n_real=50, n_synthetic=50)
    >>> np.round(spectrum["eigenvalues"])
    array([4., 1., 1., 1.])
    >>> bool(spectrum["t1_risk_matched"] < spectrum["t1_risk"])
    True
    """
    X_real, X_syn = check_real_synthetic(X_real, X_syn)
    n_real = X_real.shape[0] if n_real is None else n_real
    n_synthetic = X_syn.shape[0] if n_synthetic is None else n_synthetic
    estimator = EmpiricalCovariance() if covariance_estimator is None else (covariance_estimator)
    cov_real = clone(estimator).fit(X_real).covariance_
    cov_syn = clone(estimator).fit(X_syn).covariance_
    try:
        eigenvalues = covariance_ratio_eigenvalues(cov_real, cov_syn)
    except ValueError as exc:
        raise ValueError(
            f"The real covariance estimate is not usable ({exc}). With fewer real rows "
            "than features pass a shrinkage estimator, e.g. "
            "covariance_estimator=sklearn.covariance.LedoitWolf()."
        ) from exc
    p = eigenvalues.size
    trace_ratio = float(eigenvalues.mean())

    def risk(values):
        if n_real + n_synthetic <= p:
            return float("nan")
        return mixed_risk_from_eigenvalues(values, n_real, n_synthetic, noise_var)

    return {
        "eigenvalues": eigenvalues,
        "trace_ratio": trace_ratio,
        "t1_risk": risk(eigenvalues),
        "t1_risk_matched": risk(np.full(p, trace_ratio)),
        "real_only_risk": noise_var * p / (n_real - p) if n_real > p else float("inf"),
    }
