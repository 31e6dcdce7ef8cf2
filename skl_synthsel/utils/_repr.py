"""Short descriptions of large parameters, for ``repr``."""

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
    if shape is None:
        return f"<{kind}>"
    return f"<{kind} of shape {tuple(int(n) for n in shape)}>"


def summarize_pool(pool):
    """``(X_pool, y_pool)`` shown by kind and shape, e.g. ``(<ndarray of shape (100, 4)>, ...)``.

    >>> import numpy as np
    >>> summarize_pool((np.zeros((100, 4)), np.zeros(100)))
    (<ndarray of shape (100, 4)>, <ndarray of shape (100,)>)
    """
    return _Shown("(" + ", ".join(_describe(part) for part in pool) + ")")
