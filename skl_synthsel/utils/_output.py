"""Assembling resampled output in the container the user passed."""

import numpy as np
from sklearn.preprocessing import label_binarize


def _take_rows(data, indices):
    return data.iloc[indices] if hasattr(data, "iloc") else np.asarray(data)[indices]


def _like(values, dtype):
    """``values`` cast to ``dtype`` when that loses nothing but float precision.

    Float pools stay in a float32 table's precision; an integer or categorical column keeps its
    dtype when the synthetic values fit in it; otherwise the values keep their own dtype (pandas
    or numpy then upcasts the concatenation) rather than being truncated silently.
    """
    if values.dtype == dtype:
        return values
    try:
        converted = values.astype(dtype)
    except (TypeError, ValueError):
        return values
    if np.dtype(dtype).kind == "f" and np.asarray(values).dtype.kind in "fiu":
        return converted
    try:
        lossless = bool(np.all(np.asarray(converted.astype(values.dtype) == values)))
    except (TypeError, ValueError):
        lossless = False
    return converted if lossless else values


def stack_rows(real, pool, indices, *, include_real=True):
    """``real`` followed by ``pool[indices]``, in ``real``'s container and dtypes.

    Works for features (2-D) and targets (1-D or a one-column frame or array). With
    ``include_real=False`` only the pool rows are returned, still in ``real``'s container.
    """
    is_list = isinstance(real, list)
    if not include_real:
        real = real.iloc[:0] if hasattr(real, "iloc") else np.asarray(real)[:0]
    selected = _take_rows(pool, indices)
    if hasattr(real, "iloc"):
        import pandas as pd

        values = np.asarray(selected)
        if hasattr(real, "columns"):
            tail = pd.DataFrame(values.reshape(len(values), -1), columns=real.columns)
            for column, dtype in real.dtypes.items():
                tail[column] = _like(tail[column], dtype)
        else:
            tail = _like(pd.Series(values, name=real.name), real.dtype)
        return pd.concat([real, tail], ignore_index=True)
    real_array = np.asarray(real)
    selected = np.asarray(selected).reshape((-1,) + real_array.shape[1:])
    stacked = np.concatenate([real_array, _like(selected, real_array.dtype)])
    return stacked.tolist() if is_list else stacked


def stack_one_vs_all(y_real, pool_labels, indices, classes, *, include_real=True):
    """One-vs-all encoded real targets followed by the selected pool labels, encoded alike."""
    real_labels = classes[np.argmax(y_real, axis=1)] if include_real else classes[:0]
    labels = np.concatenate([real_labels, pool_labels[indices]])
    return label_binarize(labels, classes=classes)
