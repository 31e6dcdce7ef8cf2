"""The paper's exact forward greedy for covariance matching.

Cost model. A step scores every candidate from three inner products with the pool (below), so
it reads the pool once: ``O(N d)`` flops, but the pass is bound by memory bandwidth, not by
arithmetic (measured: a ``3 x d`` by ``d x N`` product runs at about 1 GFlop/s). The step therefore
reads a float32 copy of the pool, laid out ``d x N`` (half the bytes of the float64 rows, and a
contiguous operand for the product), which ranks the candidates up to a rounding error that is
bounded explicitly; the few candidates within twice that bound of the smallest float32 score
(measured: 1 to 6 of 100,000) are then scored again in float64 from their rows, and the
smallest float64 score wins. The selection is the float64 greedy's, ties included.

Invariants: every candidate's float32 score is within ``error`` of its exact score (the bound
accumulates the rank-one updates' rounding over the steps), so the exact best is always on the
shortlist; a selected row's ``x' C x`` is set to ``-inf``, which makes its score ``+inf``.
"""

import numpy as np

_EPS32 = float(np.finfo(np.float32).eps)


def greedy_covariance_matching(X, target, k, *, start_index=0, initial=None):
    """Forward greedy: add the row that minimises ``||cov(S + {x}) - target||_F``, ``k`` times.

    ``cov`` is the sample covariance of the selected rows about their own mean with ``ddof=0``
    (the maximum-likelihood estimate, as :class:`sklearn.covariance.EmpiricalCovariance`). With the
    running mean ``m`` and scatter ``W`` of the ``n`` rows chosen so far, a candidate ``x`` with
    ``u = x - m`` gives ``W' = W + n/(n+1) u u^T`` and

        ||W'/(n+1) - C||^2 = ||A||^2 + 2 c u^T A u + c^2 ||u||^4,  A = W/(n+1) - C, c = n/(n+1)^2.

    Every term is kept per candidate and updated in ``O(d)`` per step (``u^T W u`` changes by a
    rank-one term), so a step costs ``O(N d)`` instead of ``O(N d^2)``; the three products with
    the pool that a step needs are one ``3 x d`` by ``d x N`` product, a single read of a float32
    copy of ``X``. Candidates are ranked by ``u^T A u + (c/2) ||u||^4`` (the score divided by
    ``2c``); those within the float32 rounding bound of the smallest are scored again in float64
    from their rows (see the module docstring), so the choice is the float64 one.

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
        Row indices in the order they were added. Ties (equal float64 scores, e.g. duplicated
        rows) go to the lowest index.
    """
    X = np.asarray(X, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    n_rows, d = X.shape
    columns = np.ascontiguousarray(X.T, dtype=np.float32)  # d x N: what every step reads
    squared_norm = np.einsum("ij,ij->i", X, X)
    target_quad = np.einsum("ij,ij->i", X @ target, X)  # x' C x; -inf once x is selected
    radius = float(np.sqrt(squared_norm.max())) if n_rows else 0.0
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
    # |fl32(x . v) - x . v| <= product_error * ||v|| for every row x: d roundings in the sum
    # (a generous count for any summation order) and the rounding of x and v to float32.
    product_error = (d + 4) * _EPS32 * radius
    scatter_error = 0.0  # bound on |scatter_quad - x' W x| over the rows
    # Every array a step writes is allocated once: a fresh array of this size is fresh pages,
    # and faulting them in cost as much as the step's product (measured: 2.1 ms against 1.2).
    vectors = np.empty((3, d), dtype=np.float32)
    products = np.empty((3, n_rows), dtype=np.float32)
    pending_products = np.empty(n_rows)
    score = np.empty(n_rows)
    u_norm2 = np.empty(n_rows)
    near_lowest = np.empty(n_rows, dtype=bool)

    for step in range(k):
        n_chosen = n_start + step
        if n_chosen == 0:
            best = start_index
        else:
            A = scatter / (n_chosen + 1) - target
            half_c = n_chosen / (n_chosen + 1) ** 2 / 2
            A_mean = A @ mean
            # One pass over the float32 columns: the last rank-one update and this step's two
            # products (scaled by 2, which is exact).
            vectors[0], vectors[1], vectors[2] = pending, 2 * A_mean, 2 * mean
            np.matmul(vectors, columns, out=products)
            pending_products[:] = products[0]
            pending_products *= pending_products
            pending_products *= pending_weight
            scatter_quad += pending_products
            # The increment w (x.u)^2 with x.u off by e = product_error ||u||: off by at most
            # w (2 |x.u| e + e^2), |x.u| <= radius ||u||; float32 rounding of the square aside.
            pending_norm = float(np.linalg.norm(pending))
            scatter_error += (
                pending_weight
                * pending_norm**2
                * (2 * radius * product_error + product_error**2 + 2 * _EPS32 * radius**2)
            )
            # score / (2c) = u'Au + (c/2) ||u||^4, with u'A u and ||u||^2 expanded in x.
            np.multiply(scatter_quad, 1.0 / (n_chosen + 1), out=score)
            score -= target_quad
            score -= products[1]
            score += mean @ A_mean
            np.subtract(squared_norm, products[2], out=u_norm2)
            u_norm2 += mean @ mean
            u_norm2 *= u_norm2
            u_norm2 *= half_c
            score += u_norm2
            lowest = float(score.min())
            mean_norm = float(np.linalg.norm(mean))
            norm_error = 2 * product_error * mean_norm  # of ||u||^2
            largest_u2 = (radius + mean_norm) ** 2
            error = (
                scatter_error / (n_chosen + 1)
                + 2 * product_error * float(np.linalg.norm(A_mean))
                + half_c * (2 * largest_u2 * norm_error + norm_error**2)
            )
            # float64 rounding of the expanded terms (about 1e-16 of their size), generously.
            error += 1e-12 * (
                abs(lowest) + largest_u2 * (float(np.abs(A).max()) * d + 1) + half_c * largest_u2**2
            )
            np.less_equal(score, lowest + 2 * error, out=near_lowest)
            shortlist = np.flatnonzero(near_lowest)
            rows = X[shortlist] - mean
            exact = np.einsum("ij,ij->i", rows @ A, rows)
            exact += half_c * np.einsum("ij,ij->i", rows, rows) ** 2
            best = int(shortlist[np.argmin(exact)])  # argmin: the lowest index of equal ones
        u = X[best] - mean
        pending_weight = n_chosen / (n_chosen + 1)
        scatter += pending_weight * np.outer(u, u)
        # x'W'x = x'Wx + weight * (u.x)^2: applied in the next step's pass over X.
        pending = u
        mean += u / (n_chosen + 1)
        target_quad[best] = -np.inf
        selected[step] = best
    return selected
