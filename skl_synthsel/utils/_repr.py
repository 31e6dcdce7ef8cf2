"""Short descriptions of large parameters, for ``repr``."""

from numbers import Integral

import numpy as np


class _Shown:
    """An object whose repr is a given text (used in place of a pool inside a repr)."""

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def _describe(part):
    shape = getattr(part, "shape", None)
    if shape is None:
        shape = np.shape(part) if isinstance(part, list) else None
    kind = type(part).__name__
    if isinstance(part, str):  # a Dask frame's target column, (frame, "target")
        return repr(part)
    if shape is None:
        return f"<{kind}>"
    # A lazy length (a Dask frame's rows, unknown chunks) is shown as "?", never computed.
    dims = ", ".join(str(int(n)) if isinstance(n, Integral) else "?" for n in shape)
    return f"<{kind} of shape ({dims}{',' if len(shape) == 1 else ''})>"


def summarize_pool(pool):
    """``(X_pool, y_pool)`` shown by kind and shape, e.g. ``(<ndarray of shape (100, 4)>, ...)``.

        >>> from numbers import Integral

    import numpy as np
        >>> summarize_pool((np.zeros((100, 4)), np.zeros(100)))
        (<ndarray of shape (100, 4)>, <ndarray of shape (100,)>)
    """
    return _Shown("(" + ", ".join(_describe(part) for part in pool) + ")")
