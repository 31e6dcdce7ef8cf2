"""Lifted Gram matrices summed as distinct fourth moments.

The solvers that work in the lifted space of relaxed covariance matching (a row ``u`` as
``svec(u u^T)``, ``p = d(d+1)/2`` entries) need the ``p x p`` matrix
``sum_i w_i svec(u_i u_i^T) svec(u_i u_i^T)^T``: the reachable projection's Newton matrix and the
interior point's Woodbury capacitance. Its entry for the pairs ``(a, b)`` and ``(c, e)`` is
``s_ab s_ce sum_i w_i u_ia u_ib u_ic u_ie`` (``s`` svec's scale: 1 on the diagonal, sqrt(2) off
it), a fourth moment that is the same for every order of ``(a, b, c, e)``: there are only
``C(d + 3, 4)`` distinct ones (about ``d^4 / 24``, against ``p^2 / 2 = d^4 / 8`` entries of a
symmetric rank update). :func:`fourth_moment_gram` sums those, ``d`` matrix products per block of
rows, and places them with one gather: about a third of the flops in many dimensions.
"""

from functools import lru_cache

import numpy as np

from ._chunked import _chunks
from ._objective import _upper_triangle

# Pair products per block of rows: p x rows of them in at most 2 MiB (they stay in the cache).
_BLOCK_BYTES = 2 * 2**20


# Two dimensions' layouts at most: in 100 dimensions one is 100 MB, half the lifted matrix.
@lru_cache(maxsize=2)
def fourth_moment_layout(d):
    """Where the distinct fourth moments go in the ``p x p`` lifted Gram matrix.

    The moments are summed in blocks, one per second-smallest index ``k`` of the sorted
    quadruple ``j <= k <= l <= m``: the pairs ``(j, k)``, ``j <= k``, against the pairs
    ``(l, m)`` with ``k <= l``, which are svec's order from ``tails[k]`` on.

    Returns ``tails`` (where each block's pairs ``(l, m)`` start in svec's order), ``offsets``
    (where each block starts among the moments) and ``index`` (``p x p``, int32: the moment of
    each entry).
    """
    rows, cols = np.triu_indices(d)
    p = rows.size
    tails = np.concatenate([[0], np.cumsum(d - np.arange(d - 1))])
    offsets = np.concatenate([[0], np.cumsum((np.arange(d) + 1) * (p - tails))])
    # The moment of (j, k, l, m) is offsets[k] + j (p - tails[k]) + position(l, m) - tails[k].
    # In int32 (any d whose Newton matrix fits in memory): 2.7 times faster than int64.
    base = (offsets[:-1] - tails).astype(np.int32)
    stride = (p - tails).astype(np.int32)
    position = np.zeros((d, d), dtype=np.int32)
    position[rows, cols] = np.arange(p)
    rows, cols = rows.astype(np.int32), cols.astype(np.int32)
    index = np.empty((p, p), dtype=np.int32)
    a, b = rows[:, None], cols[:, None]
    c, e = rows[None, :], cols[None, :]
    # Rows of the index a block at a time: its temporaries stay near 64 MiB in any dimension.
    block = max(1, 2**20 // p)
    for start in range(0, p, block):
        part = slice(start, start + block)
        # Two sorted pairs merge into the sorted quadruple (j, k, l, m).
        j, m = np.minimum(a[part], c), np.maximum(b[part], e)
        inner_low, inner_high = np.maximum(a[part], c), np.minimum(b[part], e)
        k, third = np.minimum(inner_low, inner_high), np.maximum(inner_low, inner_high)
        index[part] = base[k] + j * stride[k] + position[third, m]
    return tails, offsets, index


def fourth_moment_gram(U, rows=None, weights=None, *, chunk_rows=None):
    """``sum_i w_i svec(u_i u_i^T) svec(u_i u_i^T)^T`` over ``rows``, as distinct fourth moments.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d)
        The rows.
    rows : ndarray of int or None
        The rows summed; ``None`` means all of them.
    weights : ndarray of shape (n_summed,) or None
        A weight per summed row (in the order of ``rows``); ``None`` means ones.
    chunk_rows : int or None
        At most this many rows per block (at most 2 MiB of pair products anyway).

    Returns
    -------
    gram : ndarray of shape (p, p)
        Symmetric, C-ordered (its transpose is the Fortran-ordered view LAPACK reads).
    """
    d = U.shape[1]
    _, _, scale = _upper_triangle(d)
    p = scale.size
    tails, offsets, index = fourth_moment_layout(d)
    n_summed = U.shape[0] if rows is None else rows.size
    moments = np.zeros(offsets[-1])
    step = max(16, _BLOCK_BYTES // (8 * p))
    if chunk_rows is not None:
        step = min(step, int(chunk_rows))
    for start, stop in _chunks(n_summed, step):
        block_rows = U[start:stop] if rows is None else U[rows[start:stop]]
        columns = np.ascontiguousarray(block_rows.T, dtype=np.float64)
        pairs = np.empty((p, stop - start))
        for row in range(d):
            np.multiply(columns[row:], columns[row], out=pairs[tails[row] : tails[row] + d - row])
        if weights is not None:
            pairs *= weights[start:stop]
        for k in range(d):
            block = (columns[: k + 1] * columns[k]) @ pairs[tails[k] :].T
            moments[offsets[k] : offsets[k + 1]] += block.reshape(-1)
    gram = moments[index]
    gram *= scale[:, None]
    gram *= scale[None, :]
    return gram
