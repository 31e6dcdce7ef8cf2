"""The two passes over the pool that every large-pool solver is built from, in row chunks.

The covariance-matching objective depends on the weights only through the weighted scatter
``sum_i w_i u_i u_i^T`` (``d x d``), and its gradient only through the quadratic forms
``u_i^T R u_i`` for a symmetric ``d x d`` residual ``R``. Both are BLAS-3 products over the
pool; done in chunks of rows they never allocate more than a chunk-sized temporary, so the
``d(d+1)/2 x n_rows`` lifted matrix (or any ``n_rows x d`` copy of the pool) is never built.

A pool held as Dask blocks (:class:`~skl_synthsel.utils._dask.DaskRows`) gets the same
functions as one map-reduce each: every block computes its part on the cluster (with the
in-memory code, in the same row chunks when blocks are multiples of :data:`DEFAULT_CHUNK_ROWS`),
and the client sums the parts in block order, so the result does not depend on the scheduler.
A scatter with sparse weights (at most a quarter of the rows, 64 MiB of them) gathers its
non-zero rows instead and sums them exactly as the in-memory code does.
"""

import numpy as np

from ..utils._dask import gather_limit, is_dask_rows

#: Rows per chunk: small enough for the temporaries to stay in cache, large enough for BLAS.
DEFAULT_CHUNK_ROWS = 4096


def _chunks(n_rows, chunk_rows):
    step = DEFAULT_CHUNK_ROWS if chunk_rows is None else int(chunk_rows)
    for start in range(0, n_rows, step):
        yield start, min(start + step, n_rows)


def weighted_scatter(U, weights, *, chunk_rows=None):
    """``sum_i weights[i] * outer(U[i], U[i])``, skipping rows of zero weight.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d) or DaskRows
        Rows minus the fixed centre.
    weights : ndarray of shape (n_rows,)
        Row weights.
    chunk_rows : int or None
        Rows per chunk; ``None`` means :data:`DEFAULT_CHUNK_ROWS`.

    Returns
    -------
    scatter : ndarray of shape (d, d)
        Symmetric.
    """
    if is_dask_rows(U):
        return _dask_weighted_scatter(U, weights, chunk_rows)
    n_rows, d = U.shape
    scatter = np.zeros((d, d))
    support = np.flatnonzero(weights)
    # Non-negative weights (the solvers' iterates): a symmetric rank update of the rows scaled
    # by their roots, half the flops of the product (directions with signs take the product).
    nonnegative = weights.min(initial=0.0) >= 0
    if support.size == n_rows:
        for start, stop in _chunks(n_rows, chunk_rows):
            scatter += _block_scatter(U[start:stop], weights[start:stop], nonnegative)
    else:
        # Relaxed solutions are sparse (about k of n rows non-zero): gather only those rows.
        for start, stop in _chunks(support.size, chunk_rows):
            rows = support[start:stop]
            scatter += _block_scatter(U[rows], weights[rows], nonnegative)
    # Chunks summed in a fixed order: deterministic; symmetrise the rounding.
    return (scatter + scatter.T) / 2


def _block_scatter(block, weights, nonnegative):
    """``sum_i w_i u_i u_i^T`` over a block; for non-negative weights as ``V^T V`` with
    ``V = diag(sqrt w) U`` (NumPy computes a matrix's transpose times itself by a symmetric rank
    update)."""
    if nonnegative:
        scaled = block * np.sqrt(weights)[:, None]
        return scaled.T @ scaled
    return (block * weights[:, None]).T @ block


def _dask_weighted_scatter(U, weights, chunk_rows):
    weights = np.asarray(weights, dtype=float)
    support = np.flatnonzero(weights)
    d = U.shape[1]
    if support.size <= min(gather_limit(U), len(U) // 4):
        # Few rows: gather them and sum them as the in-memory code does (the same chunks).
        if support.size == 0:
            return np.zeros((d, d))
        return weighted_scatter(U[support], weights[support], chunk_rows=chunk_rows)
    blocks = np.unique(U.block_of_rows(support))  # blocks with a non-zero weight
    parts = U.blockwise(weighted_scatter, weights, blocks=blocks, chunk_rows=chunk_rows)
    scatter = np.zeros((d, d))
    for part in parts:  # in block order
        scatter += part
    return (scatter + scatter.T) / 2


def quadratic_forms(U, matrix, *, chunk_rows=None, out=None):
    """``U[i] @ matrix @ U[i]`` for every row ``i``.

    Parameters
    ----------
    U : ndarray of shape (n_rows, d) or DaskRows
        Rows minus the fixed centre.
    matrix : ndarray of shape (d, d)
        A symmetric matrix, e.g. the covariance residual.
    chunk_rows : int or None
        Rows per chunk; ``None`` means :data:`DEFAULT_CHUNK_ROWS`.
    out : ndarray of shape (n_rows,) or None
        Where to write the result.

    Returns
    -------
    forms : ndarray of shape (n_rows,)
    """
    n_rows = U.shape[0]
    out = np.empty(n_rows) if out is None else out
    if is_dask_rows(U):
        out[:] = U.concatenate(quadratic_forms, matrix=matrix, chunk_rows=chunk_rows)
        return out
    for start, stop in _chunks(n_rows, chunk_rows):
        block = U[start:stop]
        np.einsum("ij,ij->i", block @ matrix, block, out=out[start:stop])
    return out


def _squared_norms(block):
    return np.einsum("ij,ij->i", block, block)


def squared_row_norms(U):
    """``||U[i]||^2`` for every row ``i`` (one pass over a Dask pool).

    Parameters
    ----------
    U : ndarray of shape (n_rows, d) or DaskRows

    Returns
    -------
    norms : ndarray of shape (n_rows,)
    """
    if is_dask_rows(U):
        return U.concatenate(_squared_norms)
    return _squared_norms(U)
