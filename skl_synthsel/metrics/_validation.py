"""Input checks and helpers shared by the metrics."""

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import check_scoring, make_scorer, zero_one_loss
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import _num_samples

__all__ = [
    "check_real_synthetic",
    "check_rows",
    "concat_rows",
    "repeat_seeds",
    "resolve_scorer",
    "seeded_clone",
]


def check_real_synthetic(X_real, X_syn, *, min_samples=2):
    """Validate two numeric tables with the same columns; return float arrays."""
    X_real = check_array(
        X_real, dtype=np.float64, ensure_min_samples=min_samples, input_name="X_real"
    )
    X_syn = check_array(X_syn, dtype=np.float64, ensure_min_samples=min_samples, input_name="X_syn")
    if X_real.shape[1] != X_syn.shape[1]:
        raise ValueError(
            f"X_real has {X_real.shape[1]} features but X_syn has {X_syn.shape[1]}; "
            "pass synthetic rows with the same columns as the real rows."
        )
    return X_real, X_syn


def check_rows(X, y, name):
    """Check that ``X`` and ``y`` (named ``X_name``, ``y_name``) have as many rows."""
    n_x, n_y = _num_samples(X), _num_samples(y)
    if n_x != n_y:
        raise ValueError(
            f"X_{name} and y_{name} have inconsistent numbers of rows: {n_x} and {n_y}."
        )
    if n_x == 0:
        raise ValueError(f"X_{name} has no rows.")


def concat_rows(X_first, X_second):
    """Stack rows, keeping a DataFrame when the first table is one."""
    if hasattr(X_first, "iloc"):
        import pandas as pd

        if not hasattr(X_second, "iloc"):
            X_second = pd.DataFrame(np.asarray(X_second), columns=X_first.columns)
        return pd.concat([X_first, X_second], ignore_index=True)
    return np.concatenate([np.asarray(X_first), np.asarray(X_second)])


def resolve_scorer(estimator, scoring):
    """The scorer; by default error rate for classifiers, MSE for regressors.

    Every metric treats ``-score`` as the risk; the defaults are chosen so that
    this risk is the error rate (``1 - accuracy``) or the mean squared error.
    """
    if scoring is not None:
        return check_scoring(estimator, scoring=scoring)
    if is_classifier(estimator):
        return make_scorer(zero_one_loss, greater_is_better=False)
    if is_regressor(estimator):
        return check_scoring(estimator, scoring="neg_mean_squared_error")
    raise ValueError(
        f"Cannot choose a default scoring for {estimator!r}, which is neither a "
        "classifier nor a regressor; pass scoring explicitly."
    )


def repeat_seeds(random_state, n_repeats):
    """``n_repeats`` integer seeds drawn from ``random_state``."""
    rng = check_random_state(random_state)
    return rng.randint(np.iinfo(np.int32).max, size=n_repeats)


def seeded_clone(estimator, seed):
    """Unfitted clone with every ``random_state`` parameter (nested too) set to seed."""
    estimator = clone(estimator)
    params = estimator.get_params(deep=True)
    seeds = {key: seed for key in params if key == "random_state" or key.endswith("__random_state")}
    return estimator.set_params(**seeds) if seeds else estimator
