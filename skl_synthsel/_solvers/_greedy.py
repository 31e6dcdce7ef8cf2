"""The paper's exact forward greedy for covariance matching."""

import numpy as np


def greedy_covariance_matching(X, target, k, *, start_index=0, initial=None):
    """Forward greedy: add the row that minimises ``||cov(S + {x}) - target||_F``, ``k`` times.

    ``cov`` is the sample covariance of the selected rows about their own mean with ``ddof=0``
    (the maximum-likelihood estimate, as :class:`sklearn.covariance.EmpiricalCovariance`). With the
    running mean ``m`` and scatter ``W`` of the ``n`` rows chosen so far, a candidate ``x`` with
    ``u = x - m`` gives ``W' = W + n/(n+1) u u^T`` and

        ||W'/(n+1) - C||^2 = ||A||^2 + 2 c u^T A u + c^2 ||u||^4,  A = W/(n+1) - C, c = n/(n+1)^2.

    Every term is kept per candidate and updated in ``O(d)`` per step (``u^T W u`` changes by a
    rank-one term), so a step costs ``O(N d)`` instead of ``O(N d^2)``; the three products with
    the pool that a step needs are one ``3 x d`` by ``d x N`` product, a single read of ``X``.

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
        cannot choose it. The selectors pass the row nearest the real mean. Unused when
        ``initial`` holds rows.
    initial : tuple (mean, scatter, count) or None
        Rows the selection starts from, for the mixture variant (real rows plus selected rows
        matched to the target): their mean, scatter about that mean (``sum (v - mean)(v -
        mean)^T``) and number, in the coordinates of ``X``. ``None`` starts from no rows.

    Returns
    -------
    selected : ndarray of shape (k,)
        Row indices in the order they were added. Ties go to the lowest index.
    """
    n_rows, d = X.shape
    squared_norm = np.einsum("ij,ij->i", X, X)
    target_quad = np.einsum("ij,ij->i", X @ target, X)  # x' C x
    available = np.ones(n_rows, dtype=bool)
    if initial is None or initial[2] == 0:
        mean, scatter, n_start = np.zeros(d), np.zeros((d, d)), 0
        scatter_quad = np.zeros(n_rows)  # x' W x, updated by rank-one terms
    else:
        mean, scatter, n_start = (
            np.array(initial[0], dtype=float),
            np.array(initial[1], dtype=float),
            int(initial[2]),
        )
        scatter_quad = np.einsum("ij,ij->i", X @ scatter, X)
    selected = np.empty(k, dtype=np.intp)
    pending, pending_weight = np.zeros(d), 0.0  # the last u, its rank-one term still to add

    for step in range(k):
        n_chosen = n_start + step
        if n_chosen == 0:
            best = start_index
        else:
            A = scatter / (n_chosen + 1) - target
            c = n_chosen / (n_chosen + 1) ** 2
            A_mean = A @ mean
            # One pass over X: the last rank-one update and this step's two products. (A 3 x d
            # by d x N product: OpenBLAS is slow on N x d by d x 3.)
            products = np.stack([pending, A_mean, mean]) @ X.T
            scatter_quad += pending_weight * products[0] ** 2
            # u' A u with u = x - m, expanded so that only O(d) work per row remains.
            quad_A = scatter_quad / (n_chosen + 1) - target_quad - 2 * products[1] + mean @ A_mean
            u_norm2 = squared_norm - 2 * products[2] + mean @ mean
            score = 2 * c * quad_A + c**2 * u_norm2**2
            score[~available] = np.inf
            best = int(np.argmin(score))
        u = X[best] - mean
        pending_weight = n_chosen / (n_chosen + 1)
        scatter += pending_weight * np.outer(u, u)
        # x'W'x = x'Wx + weight * (u.x)^2: applied in the next step's pass over X.
        pending = u
        mean += u / (n_chosen + 1)
        available[best] = False
        selected[step] = best
    return selected
