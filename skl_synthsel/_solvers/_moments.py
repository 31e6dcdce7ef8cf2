"""Lifted Gram matrices summed as distinct fourth moments.

The solvers that work in the lifted space of relaxed covariance matching (a row ``u`` as
``svec(u u^T)``, ``p = d(d+1)/2`` entries) need the ``p x p`` matrix
``sum_i w_i svec(u_i u_i^T) svec(u_i u_i^T)^T``: the reachable projection's Newton matrix and the
interior point's Woodbury capacitance. Its entry for the pairs ``(a, b)`` and ``(c, e)`` is
``s_ab s_ce sum_i w_i u_ia u_ib u_ic u_ie`` (``s`` svec's scale: 1 on the diagonal, sqrt(2) off
it), a fourth moment that is the same for every order of ``(a, b, c, e)``: there are only
``C(d + 3, 4)`` distinct ones (about ``d^4 / 24``, against ``p^2 / 2 = d^4 / 8`` entries of a
symmetric rank update). :func:`fourth_moment_gram` sums those, a few matrix products per block
of rows (:func:`fourth_moment_layout`), and places them with one gather: about a third of the
flops in many dimensions.
"""

from functools import lru_cache

import numpy as np
from scipy.linalg.blas import dgemm

from ._chunked import _chunks
from ._objective import _upper_triangle

# Pair products per block of rows: p x rows of them in at most 2 MiB (they stay in the cache).
_BLOCK_BYTES = 2 * 2**20
# Consecutive second-smallest indices share one matrix product until it has this many rows on
# its left: thinner products run far below the BLAS kernel's speed (6 GFlop/s for one row, 8
# for six, against 14 from sixteen on, in 50 dimensions)...
_PRODUCT_ROWS = 32
# ...or would compute more than this many moments for each one read (the wider product also
# computes moments that another one reads; in few dimensions, where the widths fall fast,
# this caps the waste). Measured at one BLAS thread, 2,000 to 20,000 rows, against one product
# per index added from a temporary: 0.82x of the time in 50 dimensions, 0.83-0.85x in 30,
# 0.87-0.91x in 20, the same in 8.
_COMPUTED_PER_READ = 1.5


def _pairs_before(k):
    """How many pairs ``(j, i)``, ``j <= i``, have ``i < k``: where ``k``'s pairs ``(j, k)``
    start in the order by second index."""
    return k * (k + 1) // 2


# Two dimensions' layouts at most: in 100 dimensions one is 100 MB, half the lifted matrix.
@lru_cache(maxsize=2)
def fourth_moment_layout(d):
    """Where the distinct fourth moments go in the ``p x p`` lifted Gram matrix.

    The moments of the sorted quadruples ``j <= k <= l <= m`` are summed by matrix products of
    the pairs ``(j, k)``, ``j <= k``, against the pairs ``(l, m)`` with ``k <= l``, which are
    svec's order from ``tails[k]`` on. Consecutive ``k`` from ``firsts[g]`` to
    ``firsts[g + 1]`` share product ``g``, against the pairs from ``tails[firsts[g]]`` on: a
    moment is read from one place of its product, the few others that product computes (pairs
    ``(l, m)`` with ``l < k``) are not read.

    Returns ``tails`` (where the pairs ``(l, m)`` with ``l`` from ``k`` on start in svec's
    order), ``firsts`` (each product's first ``k``, and ``d``), ``offsets`` (where each product
    starts among the summed moments) and ``index`` (``p x p``, int32: the moment read for each
    entry).
    """
    rows, cols = np.triu_indices(d)
    p = rows.size
    tails = np.concatenate([[0], np.cumsum(d - np.arange(d - 1))])
    firsts = [0]
    while firsts[-1] < d:
        first = stop = firsts[-1]
        read = 0  # the moments the product's k up to stop read
        while stop < d and _pairs_before(stop) - _pairs_before(first) < _PRODUCT_ROWS:
            read += (stop + 1) * (p - tails[stop])
            computed = (_pairs_before(stop + 1) - _pairs_before(first)) * (p - tails[first])
            if stop > first and computed > _COMPUTED_PER_READ * read:
                break
            stop += 1
        firsts.append(stop)
    firsts = np.array(firsts)
    # Per product, its left rows (the pairs (j, k) of its k) and its width (pairs (l, m)).
    left_rows = np.diff(_pairs_before(firsts))
    widths = p - tails[firsts[:-1]]
    offsets = np.concatenate([[0], np.cumsum(left_rows * widths)])
    # The moment of (j, k, l, m) is in k's product g, at left row j of k's pairs (counted from
    # the product's first pair), column position(l, m) - tails[firsts[g]]:
    # base[k] + j stride[k] + position(l, m). In int32 (any d whose Newton matrix fits in
    # memory): 2.7 times faster than int64.
    product = np.repeat(np.arange(firsts.size - 1), np.diff(firsts))  # of each k
    product_first = firsts[product]
    stride = widths[product]
    base = (
        offsets[product]
        + (_pairs_before(np.arange(d)) - _pairs_before(product_first)) * stride
        - tails[product_first]
    ).astype(np.int32)
    stride = stride.astype(np.int32)
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
    return tails, firsts, offsets, index


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
    tails, firsts, offsets, index = fourth_moment_layout(d)
    n_summed = U.shape[0] if rows is None else rows.size
    moments = np.zeros(offsets[-1])
    left_rows = np.diff(_pairs_before(firsts))
    # Each product's moments, Fortran-ordered (pairs (l, m) by pairs (j, k)): the products add
    # into them in place (BLAS's beta = 1), with no temporary.
    summed = [
        moments[offsets[product] : offsets[product + 1]].reshape(height, -1).T
        for product, height in enumerate(left_rows)
    ]
    step = max(16, _BLOCK_BYTES // (8 * p))
    if chunk_rows is not None:
        step = min(step, int(chunk_rows))
    left_buffer = np.empty((int(left_rows.max()), step))
    for start, stop in _chunks(n_summed, step):
        block_rows = U[start:stop] if rows is None else U[rows[start:stop]]
        columns = np.ascontiguousarray(block_rows.T, dtype=np.float64)
        pairs = np.empty((p, stop - start))
        for row in range(d):
            np.multiply(columns[row:], columns[row], out=pairs[tails[row] : tails[row] + d - row])
        if weights is not None:
            pairs *= weights[start:stop]
        for product, (first, last) in enumerate(zip(firsts[:-1], firsts[1:], strict=True)):
            # (A last, shorter block's slice is not contiguous: the BLAS wrapper copies it.)
            left = left_buffer[: left_rows[product], : stop - start]
            for k in range(first, last):
                at = _pairs_before(k) - _pairs_before(first)
                np.multiply(columns[: k + 1], columns[k], out=left[at : at + k + 1])
            # pairs' rows from tails[first] on, transposed, times left's: F-ordered operands.
            dgemm(
                1.0,
                pairs[tails[first] :].T,
                left.T,
                beta=1.0,
                c=summed[product],
                trans_a=1,
                overwrite_c=1,
            )
    gram = moments[index]
    gram *= scale[:, None]
    gram *= scale[None, :]
    return gram
