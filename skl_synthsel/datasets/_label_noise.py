"""Gaussian-mixture classification with noisy synthetic labels and a verifier."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from ..theory._linalg import check_covariance, check_vector, psd_power

__all__ = ["make_label_noise_pool"]

_UNIT = Interval(Real, 0, 1, closed="both")


def _resolve_mu(mu, n_features, name):
    if np.ndim(mu) == 0:
        # A scalar is the norm of a mean spread evenly over the features.
        return np.full(n_features, float(mu) / np.sqrt(n_features))
    return check_vector(mu, n_features, name)


@validate_params(
    {
        "n_real": [Interval(Integral, 0, None, closed="left")],
        "n_synthetic": [Interval(Integral, 0, None, closed="left")],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "mu": [Interval(Real, 0, None, closed="left"), "array-like"],
        "mu_synthetic": [Interval(Real, 0, None, closed="left"), "array-like", None],
        "cov_synthetic": ["array-like", None],
        "eps": [_UNIT],
        "rho": [_UNIT],
        "phi": [_UNIT],
        "return_masks": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_label_noise_pool(
    n_real=100,
    n_synthetic=400,
    n_features=50,
    *,
    mu=2.0,
    mu_synthetic=None,
    cov_synthetic=None,
    eps=0.0,
    rho=1.0,
    phi=1.0,
    return_masks=False,
    random_state=None,
):
    """Real rows and verifier-pruned synthetic rows with noisy labels (two Gaussians).

    The model of El Firdoussi et al. (arXiv 2410.08942). Labels are
    ``y = +-1`` with equal probability. Real rows are ``x = y mu + z`` with
    ``z ~ N(0, I)``; synthetic rows are ``x = y mu_beta + z`` with
    ``z ~ N(0, C)``, and each synthetic label is flipped with probability
    ``eps``. A verifier then keeps a synthetic row with probability ``phi`` if
    its label is correct and ``rho`` if it is wrong; only kept rows are
    returned (``rho = phi = 1``, the default, keeps every row).

    Parameters
    ----------
    n_real : int, default=100
        Number of real rows.
    n_synthetic : int, default=400
        Number of generated synthetic rows, before the verifier.
    n_features : int, default=50
        Number of features ``p``.
    mu : float or array-like of shape (p,), default=2.0
        Real class mean; a float is the norm of a mean with equal entries.
    mu_synthetic : float or array-like of shape (p,), default=None
        Synthetic class mean ``mu_beta``; ``mu`` if None.
    cov_synthetic : array-like of shape (p, p), default=None
        Synthetic noise covariance ``C``; identity if None.
    eps : float in [0, 1], default=0.0
        Probability that a synthetic label is flipped.
    rho : float in [0, 1], default=1.0
        Probability that the verifier keeps a row whose label is wrong.
    phi : float in [0, 1], default=1.0
        Probability that the verifier keeps a row whose label is correct.
    return_masks : bool, default=False
        Also return, for every generated synthetic row, whether its label is
        correct and whether the verifier kept it.
    random_state : int, RandomState instance or None, default=None
        Controls the draws.

    Returns
    -------
    X_real : ndarray of shape (n_real, n_features)
    y_real : ndarray of shape (n_real,)
        Labels in {-1, 1}.
    X_synthetic : ndarray of shape (n_kept, n_features)
        The kept synthetic rows.
    y_synthetic : ndarray of shape (n_kept,)
        Their (possibly flipped) labels in {-1, 1}.
    label_correct : ndarray of bool of shape (n_synthetic,)
        Only with ``return_masks=True``: the label of the generated row was not
        flipped.
    kept : ndarray of bool of shape (n_synthetic,)
        Only with ``return_masks=True``: the verifier kept the generated row
        (``X_synthetic`` holds exactly these rows, in order).

    Examples
    --------
    >>> from skl_synthsel.datasets import make_label_noise_pool
    >>> X_r, y_r, X_s, y_s, correct, kept = make_label_noise_pool(
    ...     20, 1000, 5, eps=0.3, rho=0.0, phi=1.0, return_masks=True, random_state=0)
    >>> # an oracle verifier keeps exactly the rows with correct labels
    >>> bool(X_s.shape[0] == kept.sum() == correct.sum())
    True
    """
    if rho == 0 and phi == 0:
        raise ValueError(
            "rho = phi = 0 means the verifier keeps no synthetic row; set "
            "n_synthetic=0 instead, or a positive rho or phi."
        )
    mu = _resolve_mu(mu, n_features, "mu")
    mu_b = mu if mu_synthetic is None else _resolve_mu(mu_synthetic, n_features, "mu_synthetic")
    noise_factor = (
        np.eye(n_features)
        if cov_synthetic is None
        else psd_power(
            check_covariance(cov_synthetic, name="cov_synthetic", n_features=n_features),
            0.5,
        )
    )
    rng = check_random_state(random_state)

    y_real = rng.choice([-1, 1], size=n_real)
    X_real = y_real[:, None] * mu + rng.standard_normal((n_real, n_features))
    y_clean = rng.choice([-1, 1], size=n_synthetic)
    X_synthetic = (
        y_clean[:, None] * mu_b + rng.standard_normal((n_synthetic, n_features)) @ noise_factor
    )
    label_correct = rng.random_sample(n_synthetic) >= eps
    y_synthetic = np.where(label_correct, y_clean, -y_clean)
    kept = rng.random_sample(n_synthetic) < np.where(label_correct, phi, rho)

    out = (X_real, y_real, X_synthetic[kept], y_synthetic[kept])
    if return_masks:
        return (*out, label_correct, kept)
    return out
