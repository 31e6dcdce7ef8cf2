"""The mixture variant: the real rows and the selected rows together are matched to the target.

With real rows ``v_j`` (``n_real`` of them, minus the same fixed centre as the pool rows), the
mixture gap of weights ``w`` summing to ``k`` is

    || (sum_j v_j v_j^T + sum_i w_i u_i u_i^T) / (n_real + k) - C ||_F
        = || sum_i w_i u_i u_i^T / n - (C - sum_j v_j v_j^T / n) ||_F,    n = n_real + k:

the plain problem with the normaliser ``n`` and a shifted target. Every solver that takes a
``normaliser`` therefore solves the mixture variant too, with the same certificate.
"""

import numpy as np

from ._chunked import weighted_scatter


def mixture_problem(real, target, k):
    """The shifted target and the normaliser of the mixture variant.

    Parameters
    ----------
    real : ndarray of shape (n_real, d)
        The real rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    k : int
        Number of rows to select.

    Returns
    -------
    shifted_target : ndarray of shape (d, d)
        ``target - real.T @ real / normaliser``.
    normaliser : float
        ``n_real + k``.
    """
    normaliser = float(real.shape[0] + k)
    return target - real.T @ real / normaliser, normaliser


def mixture_gap(real, U, target, weights):
    """The gap of the real rows plus the weighted pool rows to ``target``.

    Parameters
    ----------
    real : ndarray of shape (n_real, d)
        The real rows minus the fixed centre.
    U : ndarray of shape (n_rows, d)
        Pool rows minus the fixed centre.
    target : ndarray of shape (d, d)
        Target covariance.
    weights : ndarray of shape (n_rows,)
        Non-negative weights (an indicator for a subset).

    Returns
    -------
    gap : float
    """
    scatter = real.T @ real + weighted_scatter(U, weights)
    return float(np.linalg.norm(scatter / (real.shape[0] + weights.sum()) - target))
