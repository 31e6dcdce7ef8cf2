"""The paper's exact forward greedy for covariance matching."""

import numpy as np


def greedy_covariance_matching(X, target, k, *, start_index=0):
    """Forward greedy: add the row that minimises ``||cov(S + {x}) - target||_F``, ``k`` times.

    ``cov`` is the sample covariance of the selected rows about their own mean with ``ddof=0``
    (the maximum-likelihood estimate, as :class:`sklearn.covariance.EmpiricalCovariance`). With the
    running mean ``m`` and scatter ``W`` of the ``n`` rows chosen so far, a candidate ``x`` with
    ``u = x - m`` gives ``W' = W + n/(n+1) u u^T`` and

        ||W'/(n+1) - C||^2 = ||A||^2 + 2 c u^T A u + c^2 ||u||^4,  A = W/(n+1) - C, c = n/(n+1)^2.

    Every term is kept per candidate and updated in ``O(d)`` per step (``u^T W u`` changes by a
    rank-one term), so a step costs ``O(N d)`` instead of ``O(N d^2)``.

    Parameters
    ----------
    X : ndarray of shape (n_rows, d)
        Candidate rows (any centre; centring near the target's mean improves rounding error).
    target : ndarray of shape (d, d)
        Target covariance.
    k : int
        Number of rows to select.
    start_index : int, default=0
        The first row: with one row the covariance is zero whatever the row, so the criterion
        cannot choose it. The selectors pass the row nearest the real mean.

    Returns
    -------
    selected : ndarray of shape (k,)
        Row indices in the order they were added. Ties go to the lowest index.
    """
    n_rows = X.shape[0]
    squared_norm = np.einsum("ij,ij->i", X, X)
    target_quad = np.einsum("ij,ij->i", X @ target, X)  # x' C x
    scatter_quad = np.zeros(n_rows)  # x' W x, updated by rank-one terms
    available = np.ones(n_rows, dtype=bool)
    mean = np.zeros(X.shape[1])
    scatter = np.zeros((X.shape[1], X.shape[1]))
    selected = np.empty(k, dtype=np.intp)

    for n_chosen in range(k):
        if n_chosen == 0:
            best = start_index
        else:
            A = scatter / (n_chosen + 1) - target
            c = n_chosen / (n_chosen + 1) ** 2
            # u' A u with u = x - m, expanded so that only O(d) work per row remains.
            A_mean = A @ mean
            quad_A = (
                scatter_quad / (n_chosen + 1) - target_quad
                - 2 * (X @ A_mean) + mean @ A_mean
            )
            u_norm2 = squared_norm - 2 * (X @ mean) + mean @ mean
            score = 2 * c * quad_A + c**2 * u_norm2**2
            score[~available] = np.inf
            best = int(np.argmin(score))
        u = X[best] - mean
        weight = n_chosen / (n_chosen + 1)
        scatter += weight * np.outer(u, u)
        # x'W'x = x'Wx + weight * (u.x)^2: the rank-one update, per row in O(d).
        scatter_quad += weight * (X @ u) ** 2
        mean += u / (n_chosen + 1)
        available[best] = False
        selected[n_chosen] = best
    return selected
