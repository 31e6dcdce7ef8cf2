"""Pools held as Dask collections: read block by block on the user's cluster, never gathered whole.

A Dask pool (a ``dask.array``, or a ``dask.dataframe`` with its target as a column or as a
second collection) becomes a :class:`DaskRows`: the pool's row blocks as ``dask.delayed``
objects, with their row counts. Everything a selector does to the pool stays lazy (the feature
space, the centring, one class's rows) until a *pass*: one ``dask.compute`` that maps a
function over every block and returns one small result per block (a ``d x d`` scatter, a
vector of per-row numbers), combined on the client in block order so that the answer does not
depend on the scheduler. Only row subsets (a working set, the selected rows) are ever gathered.

The computation runs on whatever scheduler Dask uses by default: a ``dask.distributed.Client``
when one is active, else the local threaded scheduler. Dask is imported only when a Dask pool
is given: the package imports without it.

Passes are counted (:class:`PassCounter`): one per compute that reads every block (a gather of
rows that happens to touch every block counts too); selectors report the count as
``n_pool_passes_``.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

# The validated rows of each raw Dask pool, so that a feature map given the raw pool reuses its
# blocks, row counts and pass counter (the selector keeps the rows alive while fitted).
_VALIDATED: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

# Rows gathered to the client at once by a weighted scatter with sparse weights, at most.
_GATHER_BYTES = 64 * 2**20


def is_dask_collection(obj: Any) -> bool:
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series), without importing Dask."""
    return hasattr(obj, "__dask_graph__") and type(obj).__module__.split(".")[0] == "dask"


def is_dask_rows(obj: Any) -> bool:
    """Whether ``obj`` is a :class:`DaskRows`."""
    return isinstance(obj, DaskRows)


def is_dask_pool(X_pool: Any, y_pool: Any) -> bool:
    """Whether the pool ``(X_pool, y_pool)`` is held as Dask collections."""
    return is_dask_collection(X_pool) or is_dask_collection(y_pool)


class PassCounter:
    """The number of passes made over a pool.

    Attributes
    ----------
    passes : int
        Computes that read every block.
    gathers : int
        Computes that gathered rows from only some of the blocks.
    """

    def __init__(self) -> None:
        self.passes = 0
        self.gathers = 0


def _import_dask():
    try:
        import dask
    except ImportError as exc:  # pragma: no cover - the caller holds a Dask collection
        raise ImportError("A Dask pool needs dask: pip install 'skl-synthsel[dask]'.") from exc
    return dask


def _take(block, rows):
    return block.iloc[rows] if hasattr(block, "iloc") else block[rows]


def _as_float_block(block):
    """A block as C-ordered float64, checked finite (run on a worker, in the first pass)."""
    values = block.to_numpy(dtype=np.float64) if hasattr(block, "to_numpy") else block
    values = np.ascontiguousarray(values, dtype=np.float64)
    if not np.all(np.isfinite(values)):
        raise ValueError(
            "Input X_pool contains NaN or infinity (found in a block of the Dask pool). "
            "Drop or impute those rows before selecting, e.g. "
            "X_pool[dask.array.isfinite(X_pool).all(axis=1)]."
        )
    return values


def _concat_rows(parts):
    if parts and hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts)
    return np.concatenate(parts) if parts else np.empty((0, 0))


class DaskRows:
    """A pool's rows as Dask row blocks: lazy until a pass, gathered only by rows.

    Lazy operations (:meth:`map_blocks`, :meth:`subset`, subtracting a centre) are recorded
    per block and run inside the pass's own task: a pass is one task per block, whatever
    was done to the rows before it.

    Parameters
    ----------
    blocks : list of dask.delayed.Delayed
        The source blocks, each an ndarray (or a pandas DataFrame).
    block_rows : array-like of int
        Rows per block, after ``steps``.
    n_columns : int
        Columns of every block, after ``steps``.
    counter : PassCounter
        Shared by every :class:`DaskRows` derived from these.
    steps : list of list of tuple or None
        Per block, the ``(function, args, kwargs)`` applied in order to its source block.

    Attributes
    ----------
    shape : tuple of int
        ``(n_rows, n_columns)``.
    offsets : ndarray of shape (n_blocks + 1,)
        First row of each block, and the number of rows.
    """

    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, blocks, block_rows, n_columns, counter, steps=None):
        self.blocks = list(blocks)
        self.steps = [[] for _ in self.blocks] if steps is None else steps
        self.block_rows = np.asarray(block_rows, dtype=np.intp)
        self.offsets = np.concatenate([[0], np.cumsum(self.block_rows)]).astype(np.intp)
        self.shape = (int(self.offsets[-1]), int(n_columns))
        self.counter = counter

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"DaskRows(shape={self.shape}, n_blocks={len(self.blocks)})"

    # -- lazy -------------------------------------------------------------------------------
    def map_blocks(self, function, *row_args, n_columns=None, **kwargs) -> DaskRows:
        """Lazily ``function(block, *row_args[block rows], **kwargs)`` on every block."""
        steps = [
            [*self.steps[b], (function, tuple(self._slices(row_args, b)), kwargs)]
            for b in range(len(self.blocks))
        ]
        n_columns = self.shape[1] if n_columns is None else n_columns
        return DaskRows(self.blocks, self.block_rows, n_columns, self.counter, steps)

    def __sub__(self, centre) -> DaskRows:
        return self.map_blocks(_subtract, centre=np.asarray(centre, dtype=np.float64))

    def subset(self, rows) -> DaskRows:
        """Lazily the rows ``rows`` (increasing positions), e.g. one class's rows."""
        rows = np.asarray(rows, dtype=np.intp)
        if rows.size == len(self) and np.array_equal(rows, np.arange(len(self))):
            return self
        blocks, counts, steps = [], [], []
        for b, local in self._split(rows):
            blocks.append(self.blocks[b])
            steps.append([*self.steps[b], (_take, (local,), {})])
            counts.append(local.size)
        return DaskRows(blocks, counts, self.shape[1], self.counter, steps)

    # -- computed ---------------------------------------------------------------------------
    def _compute(self, chosen, function, row_args, kwargs, extra=None):
        dask = _import_dask()
        tasks = [
            dask.delayed(_run_block, pure=False)(
                self.blocks[b],
                self.steps[b],
                function,
                (*self._slices(row_args, b), *(() if extra is None else (extra[i],))),
                kwargs,
            )
            for i, b in enumerate(chosen)
        ]
        self._count(len(tasks))
        return list(dask.compute(*tasks, optimize_graph=False)) if tasks else []

    def blockwise(self, function, *row_args, blocks=None, **kwargs) -> list:
        """One pass: ``function(block, *row_args[block rows], **kwargs)`` for every block.

        ``row_args`` are per-row arrays, sliced to each block; ``blocks`` limits the pass to
        some blocks (``None``: all). Returns the results in block order.
        """
        chosen = range(len(self.blocks)) if blocks is None else list(blocks)
        return self._compute(chosen, function, row_args, kwargs)

    def __getitem__(self, rows):
        """Gather the rows ``rows`` (positions, in any order) as an ndarray."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.intp).reshape(-1)
        unique, inverse = np.unique(rows, return_inverse=True)
        pieces = self._split(unique)
        parts = self._compute(
            [b for b, _ in pieces], _take, (), {}, extra=[local for _, local in pieces]
        )
        if not parts:
            return np.empty((0, self.shape[1]))
        gathered = _concat_rows(parts)
        if hasattr(gathered, "iloc"):
            return gathered.iloc[inverse]
        return np.ascontiguousarray(gathered[inverse])

    def concatenate(self, function, *row_args, **kwargs) -> np.ndarray:
        """One pass of a per-row function: its per-block vectors, concatenated."""
        parts = self.blockwise(function, *row_args, **kwargs)
        return np.concatenate(parts) if parts else np.empty(0)

    def block_of_rows(self, rows) -> np.ndarray:
        """The block holding each of ``rows``."""
        return np.searchsorted(self.offsets, rows, side="right") - 1

    # -- helpers ----------------------------------------------------------------------------
    def _slices(self, row_args, b):
        start, stop = self.offsets[b], self.offsets[b + 1]
        return [np.asarray(arg)[start:stop] for arg in row_args]

    def _split(self, rows):
        """``(block, local positions)`` for the blocks holding some of the sorted ``rows``."""
        bounds = np.searchsorted(rows, self.offsets)
        return [
            (b, rows[bounds[b] : bounds[b + 1]] - self.offsets[b])
            for b in range(len(self.blocks))
            if bounds[b + 1] > bounds[b]
        ]

    def _count(self, n_blocks):
        if n_blocks == len(self.blocks):
            self.counter.passes += 1
        elif n_blocks:
            self.counter.gathers += 1


def _subtract(block, centre):
    return block - centre


def _run_block(block, steps, function, args, kwargs):
    """A pass's task: the block's recorded steps, then ``function`` (run on a worker)."""
    for step, step_args, step_kwargs in steps:
        block = step(block, *step_args, **step_kwargs)
    return function(block, *args, **kwargs)


def gather_limit(rows: DaskRows) -> int:
    """The most rows of ``rows`` gathered to the client at once (64 MiB of them)."""
    return max(int(_GATHER_BYTES // (8 * max(rows.shape[1], 1))), 1)


def _block_lengths(frame):
    return np.asarray(frame.map_partitions(len).compute(), dtype=np.intp)


def _collection_rows(collection, counter):
    """A Dask array or DataFrame as :class:`DaskRows` (one pass if row counts are unknown)."""
    if hasattr(collection, "to_delayed") and hasattr(collection, "map_partitions"):
        # A DataFrame: partitions are pandas frames; their lengths cost one pass.
        lengths = _block_lengths(collection)
        counter.passes += 1
        blocks = list(collection.to_delayed())
        n_columns = len(collection.columns)
    else:
        array = collection
        if array.ndim != 2:
            raise ValueError(
                f"Expected a 2D Dask array for X_pool, got one of shape {array.shape}; "
                "reshape it to (n_rows, n_features)."
            )
        if any(np.isnan(c) for c in array.chunks[0]):
            array = array.compute_chunk_sizes()
            counter.passes += 1
        if len(array.chunks[1]) > 1:
            array = array.rechunk({1: -1})  # every block holds whole rows
        lengths = np.asarray(array.chunks[0], dtype=np.intp)
        blocks = list(array.to_delayed().ravel())
        n_columns = array.shape[1]
    return DaskRows(blocks, lengths, n_columns, counter)


def _materialise_target(y_pool):
    """The pool's targets as a 1-D ndarray (they are small: one number per row)."""
    if is_dask_collection(y_pool):
        y_pool = y_pool.compute()
    if hasattr(y_pool, "to_numpy"):
        y_pool = y_pool.to_numpy()
    return np.asarray(y_pool)


def check_dask_pool(selector, X_pool, y_pool):
    """Validate a Dask pool lazily. Returns the pool's rows, its features' frame and targets.

    The rows' shape and columns are checked here; their finiteness in the first pass (the
    feature space raises the same ``ValueError`` as for an in-memory pool). ``y_pool`` may be
    the name of a column of a Dask DataFrame ``X_pool``: that column is the target.

    Returns
    -------
    raw : DaskRows
        The pool's feature rows as given (without the target column): what the output
        gathers, and what a feature map is applied to.
    rows : DaskRows
        The same rows as float64 blocks (``raw`` itself with a feature map).
    features : Dask collection
        ``X_pool`` without its target column.
    y_pool : ndarray of shape (n_rows,)
        The targets, gathered (one number per row).
    """
    _import_dask()
    if not getattr(type(selector), "_supports_dask_pool", False):
        from . import all_selectors

        able = [name for name, cls in all_selectors() if cls._supports_dask_pool]
        raise ValueError(
            f"{type(selector).__name__} does not accept a pool held as Dask collections. "
            f"Selectors that do: {able}. Otherwise pass the pool as NumPy arrays or pandas "
            "objects (e.g. X_pool.compute()) if it fits in memory."
        )
    features = X_pool
    if isinstance(y_pool, str):
        if not hasattr(X_pool, "columns") or y_pool not in X_pool.columns:
            raise ValueError(
                f"y_pool={y_pool!r} names a target column, but X_pool is not a Dask "
                "DataFrame with that column; pass (X_pool, y_pool) collections or the "
                "name of one of X_pool's columns."
            )
        features, y_pool = X_pool.drop(columns=[y_pool]), X_pool[y_pool]
    if not is_dask_collection(features):
        raise TypeError(
            f"y_pool is a Dask collection but X_pool is a {type(features).__name__}; give "
            "both as Dask collections (e.g. dask.array.from_array(X_pool)) or both in memory."
        )
    counter = PassCounter()
    raw = _collection_rows(features, counter)
    rows = raw.map_blocks(_as_float_block) if selector.feature_map is None else raw
    if rows.shape[1] == 0:
        raise ValueError("X_pool has no columns; give the pool the same columns as X.")
    target_pass = is_dask_collection(y_pool)
    y_values = _materialise_target(y_pool)
    if target_pass:
        counter.passes += 1
    _VALIDATED[id(X_pool)] = raw
    return raw, rows, features, y_values


def dask_rows_of(collection) -> DaskRows:
    """The rows validated for a raw Dask pool (or fresh ones if it was not validated)."""
    rows = _VALIDATED.get(id(collection))
    if rows is None:
        rows = _collection_rows(collection, PassCounter())
    return rows


def group_rows(pool, rows):
    """One group's pool rows: lazily for a Dask pool, by indexing otherwise."""
    return pool.subset(rows) if is_dask_rows(pool) else pool[rows]


def pool_pass_summary(selector) -> dict:
    """``{"n_pool_passes_": passes}`` for a selector fit on a Dask pool (else empty)."""
    raw = getattr(selector, "_dask_pool_rows_", None)
    return {} if raw is None else {"n_pool_passes_": int(raw.counter.passes)}


class DaskPoolRows:
    """A fitted selector's Dask pool as the output sees it: rows gathered on demand.

    Parameters
    ----------
    raw : DaskRows
        The pool's rows as given (a DataFrame pool's partitions keep their dtypes).
    """

    def __init__(self, raw: DaskRows) -> None:
        self.raw = raw

    def take(self, indices):
        """The rows ``indices`` in that order, reading only the blocks that hold them."""
        indices = np.asarray(indices, dtype=np.intp)
        if len(indices) == 0:
            return np.empty((0, self.raw.shape[1]))
        return self.raw[indices]
