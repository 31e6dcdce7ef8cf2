"""Assembling resampled output in the container the user passed.

The real rows' container is kept: a DataFrame stays a DataFrame with its columns and dtypes
(pandas extension dtypes included: ``category``, ``Int64``, ``boolean``, ``string``), a Series
stays a Series, a list stays a list. The selected rows are cast to the real rows' dtype column by
column, but only when nothing is lost; otherwise pandas' own concatenation rules upcast.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.preprocessing import label_binarize
from sklearn.utils._indexing import _safe_indexing

from ._dask import DaskPoolRows


def _is_pandas(data: Any) -> bool:
    return hasattr(data, "iloc")


def _same_values(converted: Any, values: Any) -> bool:
    """Whether the cast ``converted`` holds the same values as ``values``, missing included."""
    import pandas as pd

    left, right = pd.Series(converted), pd.Series(values)
    missing = left.isna().to_numpy()
    if not np.array_equal(missing, right.isna().to_numpy()):
        return False  # e.g. a value outside a categorical's categories became NaN
    try:
        equal = (
            left.astype(object).to_numpy()[~missing] == right.astype(object).to_numpy()[~missing]
        )
        return bool(np.all(equal))
    except (TypeError, ValueError):
        return False


def _like_categorical(values: Any, dtype: Any) -> Any:
    """``values`` as the categorical ``dtype``; new values extend unordered categories."""

    present = values.dropna()
    try:
        as_categories = present.astype(dtype.categories.dtype)
    except (TypeError, ValueError):
        return values
    if not _same_values(as_categories, present):
        return values  # e.g. 1.5 for integer categories
    known = as_categories.isin(dtype.categories)
    if bool(known.all()):
        return values.astype(dtype)
    if dtype.ordered:
        return values  # no place in the order for a new value: pandas upcasts
    # Categorical with categories of its own; _concat takes the union with the real ones.
    return values.astype(dtype.categories.dtype).astype("category")


def _like_pandas(values: Any, dtype: Any) -> Any:
    """A pandas Series ``values`` cast to ``dtype`` when that loses nothing but float precision.

    A categorical whose categories do not hold every new value gets the union of the
    categories (pandas' ``union_categoricals``) rather than turning the column into objects.
    """
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_float_dtype, is_numeric_dtype

    if values.dtype == dtype:
        return values
    if isinstance(dtype, pd.CategoricalDtype):
        return _like_categorical(values, dtype)
    if is_float_dtype(dtype) and is_numeric_dtype(values.dtype) and not is_bool_dtype(values):
        # Float pools stay in a float32 table's precision (and in a nullable Float64).
        try:
            return values.astype(dtype)
        except (TypeError, ValueError):
            return values
    try:
        converted = values.astype(dtype)
    except (TypeError, ValueError, OverflowError):
        return values
    return converted if _same_values(converted, values) else values


def _like_numpy(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A numpy array ``values`` cast to ``dtype`` when that loses nothing but float precision."""
    if values.dtype == dtype:
        return values
    if dtype.kind == "f" and values.dtype.kind in "fiu":
        return values.astype(dtype)
    try:
        converted = values.astype(dtype)
        lossless = bool(np.all(converted.astype(values.dtype) == values))
    except (TypeError, ValueError, OverflowError):
        return values
    return converted if lossless else values


def _concat(real: Any, tail: Any) -> Any:
    """``pd.concat`` of the real and selected rows; categoricals keep the union of categories.

    pandas turns two categoricals with different categories into objects; an unordered real
    categorical instead gets pandas' ``union_categoricals`` (its categories first).
    """
    import pandas as pd
    from pandas.api.types import union_categoricals

    stacked = pd.concat([real, tail], ignore_index=True)
    pairs = (
        [
            (position, real.iloc[:, position], tail.iloc[:, position])
            for position in range(real.shape[1])
        ]
        if hasattr(real, "columns")
        else [(None, real, tail)]
    )
    for position, head, rest in pairs:
        if (
            isinstance(head.dtype, pd.CategoricalDtype)
            and isinstance(rest.dtype, pd.CategoricalDtype)
            and head.dtype != rest.dtype
            and not head.dtype.ordered
        ):
            merged = pd.Series(union_categoricals([head, rest]), name=head.name)
            if position is None:
                return merged
            stacked.isetitem(position, merged)
    return stacked


def _pool_frame(selected: Any, columns: Any) -> Any:
    """The selected pool rows as a DataFrame with the real rows' columns, dtypes kept."""
    import pandas as pd

    if hasattr(selected, "columns"):
        frame = selected.reset_index(drop=True)
        frame.columns = columns  # the base checked that the names match, or X has none
        return frame
    values = np.asarray(selected)
    return pd.DataFrame(values.reshape(len(values), len(columns)), columns=columns)


def stack_rows(real: Any, pool: Any, indices: Any, *, include_real: bool = True) -> Any:
    """``real`` followed by ``pool[indices]``, in ``real``'s container and dtypes.

    Works for features (2-D) and targets (1-D or a one-column frame or array). With
    ``include_real=False`` only the pool rows are returned, still in ``real``'s container.

    Parameters
    ----------
    real : array-like, DataFrame, Series or list
        The real rows, whose container and dtypes the output keeps.
    pool : array-like, DataFrame or Series
        The pool rows.
    indices : array-like of int
        Positions of the pool rows to append.
    include_real : bool, default=True
        Whether the output starts with the real rows.

    Returns
    -------
    stacked : array-like
        In the container of ``real``.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> real = pd.Series(pd.Categorical(["a", "b"]), name="label")
    >>> stack_rows(real, np.array(["b", "b", "a"]), [0, 2]).tolist()
    ['a', 'b', 'b', 'a']
    >>> stack_rows(real, np.array(["b", "b", "a"]), [0, 2]).dtype
    CategoricalDtype(categories=['a', 'b'], ordered=False, categories_dtype=str)
    """
    indices = np.asarray(indices, dtype=np.intp)
    is_list = isinstance(real, list)
    if not include_real:
        real = real.iloc[:0] if _is_pandas(real) else np.asarray(real)[:0]
    # Rows are taken before any conversion: a large (or lazy) pool is never copied whole.
    # A Dask pool (utils._dask.DaskPoolRows) gathers only these rows from the cluster.
    selected = (
        pool.take(indices) if isinstance(pool, DaskPoolRows) else _safe_indexing(pool, indices)
    )
    if _is_pandas(real):
        import pandas as pd

        if hasattr(real, "columns"):
            tail = _pool_frame(selected, real.columns)
            for position, dtype in enumerate(real.dtypes):
                column = tail.iloc[:, position]
                tail.isetitem(position, _like_pandas(column, dtype))
        else:
            if hasattr(selected, "columns"):  # a one-column frame of targets
                selected = selected.iloc[:, 0]
            values = (
                selected.reset_index(drop=True)
                if _is_pandas(selected)
                else pd.Series(np.asarray(selected).reshape(-1))
            )
            tail = _like_pandas(values.rename(real.name), real.dtype)
        return _concat(real, tail)
    real_array = np.asarray(real)
    selected = np.asarray(selected).reshape((-1,) + real_array.shape[1:])
    stacked = np.concatenate([real_array, _like_numpy(selected, real_array.dtype)])
    return stacked.tolist() if is_list else stacked


def stack_one_vs_all(
    y_real: np.ndarray,
    pool_labels: np.ndarray,
    indices: Any,
    classes: np.ndarray,
    *,
    include_real: bool = True,
) -> np.ndarray:
    """One-vs-all encoded real targets followed by the selected pool labels, encoded alike.

    Parameters
    ----------
    y_real : ndarray of shape (n_samples, n_classes)
        The real targets, one-vs-all encoded.
    pool_labels : ndarray of shape (n_pool,)
        The pool's class labels.
    indices : array-like of int
        Positions of the pool rows to append.
    classes : ndarray of shape (n_classes,)
        The classes, in the order of ``y_real``'s columns.
    include_real : bool, default=True
        Whether the output starts with the real targets.

    Returns
    -------
    y : ndarray of shape (n_rows, n_classes)
    """
    real_labels = classes[np.argmax(y_real, axis=1)] if include_real else classes[:0]
    labels = np.concatenate([real_labels, pool_labels[np.asarray(indices, dtype=np.intp)]])
    return label_binarize(labels, classes=classes)
