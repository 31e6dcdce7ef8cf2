"""What kind of pool and target a selector was given."""

import numpy as np
from sklearn.utils.multiclass import type_of_target


def is_generator(pool):
    """A pool is a generator when it can be fit on rows and sampled from."""
    return hasattr(pool, "fit") and hasattr(pool, "sample")


def resolve_task(task, y):
    """``"classification"`` or ``"regression"``; ``"auto"`` reads the type of ``y``."""
    if task != "auto":
        return task
    kind = type_of_target(y, input_name="y")
    return "regression" if kind.startswith("continuous") else "classification"


def check_labels(labels, input_name, like=None):
    """Class labels as a 1-D array that sorts: refuses a mix of strings and numbers.

    ``like`` (the real classes) makes the pool's labels comparable with them, so that a
    categorical or object target and a plain pool target meet on the same values.
    """
    labels = np.asarray(labels)
    if labels.dtype == object:
        kinds = {type(value).__name__ for value in labels.tolist()}
        if "str" in kinds and len(kinds) > 1:
            raise TypeError(
                f"{input_name} mixes string labels with labels of types "
                f"{sorted(kinds - {'str'})}; make every class label the same type, e.g. "
                f"{input_name}.astype(str)."
            )
    if like is not None and like.dtype.kind != labels.dtype.kind:
        if like.dtype.kind in "OUS" and labels.dtype.kind in "OUS":
            return labels.astype(object)
        try:
            return labels.astype(like.dtype)
        except (TypeError, ValueError):
            return labels
    return labels
