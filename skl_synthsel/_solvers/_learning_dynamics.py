"""Learning dynamics of a boosted model: per-row statistics over its stages, in one sweep.

For a fitted boosted classifier and rows with given class columns, every stage ``t = 1..T``
(the model's first ``t`` boosting rounds) predicts ``p_t``, the probability of the row's own
class. :func:`own_label_dynamics` returns ``mean_t p_t`` (confidence) and
``mean_t p_t (1 - p_t)`` (aleatoric uncertainty, Data-IQ) from running sums over one sweep of
the stages, rows in chunks: memory is a few arrays of a chunk's size, never stages x rows.

The model is duck typed (no estimator class of skl_synthsel is imported): it needs either
``staged_predict_proba(X)`` (scikit-learn's gradient boosting) or stage-limited prediction,
``predict_proba(X, iteration_range=(0, t))`` (XGBoost) or ``predict_proba(X, num_iteration=t)``
(LightGBM).
"""

import inspect

import numpy as np

# Rows per chunk: a chunk's probabilities and sums stay in the cache-friendly megabytes.
DEFAULT_CHUNK_SIZE = 1 << 16


def stage_interface(model):
    """How ``model`` exposes its stages: ``"staged"``, ``"iteration_range"``, ``"num_iteration"``.

    Returns None when it exposes none of them.
    """
    if callable(getattr(model, "staged_predict_proba", None)):
        return "staged"
    predict_proba = getattr(model, "predict_proba", None)
    if not callable(predict_proba):
        return None
    try:
        parameters = inspect.signature(predict_proba).parameters
    except (TypeError, ValueError):  # a builtin without a signature
        return None
    for name in ("iteration_range", "num_iteration"):
        if name in parameters:
            return name
    return None


def n_stages(model):
    """Number of boosting stages of a fitted model with stage-limited ``predict_proba``."""
    if callable(getattr(model, "get_booster", None)):  # XGBoost
        return int(model.get_booster().num_boosted_rounds())
    booster = getattr(model, "booster_", None)
    if booster is not None and callable(getattr(booster, "current_iteration", None)):  # LightGBM
        return int(booster.current_iteration())
    for name in ("n_iter_", "n_estimators_", "n_estimators"):
        value = getattr(model, name, None)
        if value is not None:
            return int(value)
    raise TypeError(
        f"Cannot tell how many boosting stages {type(model).__name__} has: it needs "
        "get_booster().num_boosted_rounds(), booster_.current_iteration(), n_iter_, "
        "n_estimators_ or n_estimators."
    )


def _staged_probabilities(model, rows, interface, T):
    """Yield each stage's ``predict_proba`` of ``rows``."""
    if interface == "staged":
        yield from model.staged_predict_proba(rows)
        return
    for t in range(1, T + 1):
        if interface == "iteration_range":
            yield model.predict_proba(rows, iteration_range=(0, t))
        else:
            yield model.predict_proba(rows, num_iteration=t)


def own_label_dynamics(model, X, columns, *, chunk_size=DEFAULT_CHUNK_SIZE):
    """Confidence and aleatoric uncertainty of each row's own class over a model's stages.

    Parameters
    ----------
    model : fitted boosted classifier
        Exposes ``staged_predict_proba`` or stage-limited ``predict_proba`` (see module).
    X : ndarray of shape (n_rows, n_features)
        The rows.
    columns : ndarray of int of shape (n_rows,)
        Per row, the column of ``predict_proba`` holding its own class.
    chunk_size : int, default=65536
        Rows predicted at once.

    Returns
    -------
    confidence : ndarray of shape (n_rows,)
        ``mean_t p_t``.
    uncertainty : ndarray of shape (n_rows,)
        ``mean_t p_t (1 - p_t)``.
    n_stages : int
        Number of stages ``T`` swept.
    """
    interface = stage_interface(model)
    if interface is None:
        raise TypeError(
            f"{type(model).__name__} exposes no boosting stages: it needs "
            "staged_predict_proba(X), or predict_proba(X, iteration_range=(0, t)) or "
            "predict_proba(X, num_iteration=t)."
        )
    columns = np.asarray(columns, dtype=np.intp)
    n_rows = len(columns)
    if n_rows == 0:
        return np.zeros(0), np.zeros(0), 0
    confidence = np.zeros(n_rows)
    uncertainty = np.zeros(n_rows)
    T = None if interface == "staged" else n_stages(model)
    swept = None
    for start in range(0, n_rows, chunk_size):
        stop = min(start + chunk_size, n_rows)
        rows, cols = X[start:stop], columns[start:stop]
        total, spread = confidence[start:stop], uncertainty[start:stop]
        p, q = np.empty(stop - start), np.empty(stop - start)
        flat = None
        count = 0
        for proba in _staged_probabilities(model, rows, interface, T):
            proba = np.asarray(proba, dtype=np.float64)
            if flat is None:
                if proba.ndim != 2 or np.any(cols >= proba.shape[1]):
                    raise ValueError(
                        f"{type(model).__name__} predicted probabilities of shape "
                        f"{proba.shape}; expected one column per class."
                    )
                flat = np.arange(stop - start) * proba.shape[1] + cols
            np.take(proba.reshape(-1), flat, out=p)  # the own class's probability
            total += p
            np.subtract(1.0, p, out=q)
            q *= p
            spread += q
            count += 1
        if swept is not None and count != swept:
            raise RuntimeError(f"The model gave {count} stages for some rows, {swept} for others.")
        swept = count
    if not swept:
        raise ValueError(f"{type(model).__name__} has no boosting stage to sweep.")
    confidence /= swept
    uncertainty /= swept
    return confidence, uncertainty, swept
