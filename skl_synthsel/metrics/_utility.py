"""Utility of synthetic data for learning: generalisation difference and ranking.

After Xu, Sun and Cheng, "Utility Theory of Synthetic Data Generation"
(arXiv 2305.10015).
"""

from numbers import Integral, Real

import numpy as np
from scipy.stats import kendalltau
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)

from ._validation import check_rows, repeat_seeds, resolve_scorer, seeded_clone

__all__ = ["generalization_difference", "ranking_consistency"]

_COMMON_CONSTRAINTS = {
    "X_syn": ["array-like"],
    "y_syn": ["array-like"],
    "X_real": ["array-like"],
    "y_real": ["array-like"],
    "X_test": ["array-like"],
    "y_test": ["array-like"],
    "scoring": [str, callable, None],
    "evaluate_on": [StrOptions({"real", "synthetic"})],
    "test_size": [Interval(Real, 0, 1, closed="neither")],
    "random_state": ["random_state"],
}


def _check_tables(X_syn, y_syn, X_real, y_real, X_test, y_test):
    check_rows(X_syn, y_syn, "syn")
    check_rows(X_real, y_real, "real")
    check_rows(X_test, y_test, "test")


def _risks(estimator, data, scorer, evaluate_on, test_size, seed, subsample=None):
    """Risks (``-score``) of ``estimator`` trained on synthetic and on real rows.

    The real-trained model is scored on the real held-out rows; the
    synthetic-trained one on the same rows or, with ``evaluate_on="synthetic"``,
    on a held-out split of the synthetic rows.
    """
    X_syn, y_syn, X_real, y_real, X_test, y_test = data
    rng = np.random.RandomState(seed)
    if subsample is not None:
        rows = rng.choice(len(y_syn), size=subsample, replace=False)
        X_syn, y_syn = _take(X_syn, rows), _take(y_syn, rows)
    if evaluate_on == "synthetic":
        X_syn, X_syn_eval, y_syn, y_syn_eval = train_test_split(
            X_syn, y_syn, test_size=test_size, random_state=rng
        )
    else:
        X_syn_eval, y_syn_eval = X_test, y_test
    model_syn = seeded_clone(estimator, seed).fit(X_syn, y_syn)
    model_real = seeded_clone(estimator, seed).fit(X_real, y_real)
    return (
        -float(scorer(model_syn, X_syn_eval, y_syn_eval)),
        -float(scorer(model_real, X_test, y_test)),
    )


def _take(data, rows):
    return data.iloc[rows] if hasattr(data, "iloc") else np.asarray(data)[rows]


def _resolve_subsample(subsample, n_syn):
    if subsample is None:
        return None
    if isinstance(subsample, Integral):
        size = int(subsample)
    else:
        size = int(round(subsample * n_syn))
    if not 1 <= size <= n_syn:
        raise ValueError(
            f"subsample={subsample} asks for {size} of the {n_syn} synthetic rows; "
            "pass an int in [1, n_syn] or a float in (0, 1]."
        )
    return size


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        **_COMMON_CONSTRAINTS,
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "subsample": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            None,
        ],
    },
    prefer_skip_nested_validation=True,
)
def generalization_difference(
    estimator,
    X_syn,
    y_syn,
    X_real,
    y_real,
    X_test,
    y_test,
    *,
    scoring=None,
    evaluate_on="real",
    test_size=0.25,
    n_repeats=5,
    subsample=None,
    random_state=None,
):
    """Risk of a model trained on synthetic rows minus that of one trained on real rows.

    The generalisation difference ``U = R(A(D_syn)) - R(A(D_real))`` of Xu et
    al.: the same learning algorithm (a clone of ``estimator``) is trained once
    on the synthetic and once on the real training rows, and both are scored.
    A value near 0 means the synthetic rows are as good as the real ones for
    this algorithm. Repeated over seeds: each repetition reseeds every
    ``random_state`` parameter of the estimator, the synthetic subsample and
    the synthetic held-out split.

    Parameters
    ----------
    estimator : estimator
        The learning algorithm; cloned, never fit in place.
    X_syn, y_syn : array-like of shape (n_syn, n_features) and (n_syn,)
        Synthetic training rows.
    X_real, y_real : array-like of shape (n_real, n_features) and (n_real,)
        Real training rows.
    X_test, y_test : array-like of shape (n_test, n_features) and (n_test,)
        Real held-out rows, never used for training.
    scoring : str, callable or None, default=None
        A scikit-learn scorer (greater is better); the risk is ``-score``.
        None uses the mean squared error for regressors and the error rate
        ``1 - accuracy`` for classifiers as the risk. With ``"accuracy"`` the
        risk is ``-accuracy``: differences are the same as with the default.
    evaluate_on : {"real", "synthetic"}, default="real"
        Where the synthetic-trained model is scored: on the real held-out rows
        ``(X_test, y_test)``, or on a held-out split (``test_size``) of the
        synthetic rows, trained on the rest. The real-trained model is always
        scored on ``(X_test, y_test)``.
    test_size : float in (0, 1), default=0.25
        Fraction of synthetic rows held out when ``evaluate_on="synthetic"``.
    n_repeats : int, default=5
        Number of repetitions with different seeds.
    subsample : int, float or None, default=None
        Train each repetition on a random subset of the synthetic rows of this
        size (int) or fraction (float); None uses them all.
    random_state : int, RandomState instance or None, default=None
        Seeds the repetitions.

    Returns
    -------
    result : dict
        - ``"signed"``: mean over repetitions of ``R_syn - R_real`` (positive:
          the synthetic-trained model is worse);
        - ``"absolute"``: mean over repetitions of ``|R_syn - R_real|``;
        - ``"signed_std"``, ``"absolute_std"``: their standard deviations
          across repetitions (ddof=0);
        - ``"risk_synthetic"``, ``"risk_real"``: mean risks;
        - ``"per_seed"``: dict of arrays of length ``n_repeats`` with keys
          ``"seed"``, ``"risk_synthetic"``, ``"risk_real"``, ``"signed"``.

    See Also
    --------
    ranking_consistency : Whether synthetic rows preserve the order of models.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skl_synthsel.metrics import generalization_difference
    >>> rng = np.random.RandomState(0)
    >>> coef = np.array([1.0, -2.0, 0.5])
    >>> def make(n, shift):
    ...     X = rng.normal(size=(n, 3)) + shift
    ...     return X, X @ coef + 0.1 * rng.normal(size=n)
    >>> X_real, y_real = make(200, 0.0)
    >>> X_test, y_test = make(1000, 0.0)
    >>> X_syn, y_syn = make(200, 3.0)  # shifted features, same linear model
    >>> result = generalization_difference(
    ...     LinearRegression(), X_syn, y_syn, X_real, y_real, X_test, y_test,
    ...     n_repeats=1)
    >>> bool(result["absolute"] < 0.01)
    True
    """
    _check_tables(X_syn, y_syn, X_real, y_real, X_test, y_test)
    scorer = resolve_scorer(estimator, scoring)
    size = _resolve_subsample(subsample, len(y_syn))
    data = (X_syn, y_syn, X_real, y_real, X_test, y_test)
    seeds = repeat_seeds(random_state, n_repeats)
    risks = np.array(
        [_risks(estimator, data, scorer, evaluate_on, test_size, s, size) for s in seeds]
    )
    risk_syn, risk_real = risks[:, 0], risks[:, 1]
    signed = risk_syn - risk_real
    return {
        "signed": float(signed.mean()),
        "absolute": float(np.abs(signed).mean()),
        "signed_std": float(signed.std()),
        "absolute_std": float(np.abs(signed).std()),
        "risk_synthetic": float(risk_syn.mean()),
        "risk_real": float(risk_real.mean()),
        "per_seed": {
            "seed": seeds,
            "risk_synthetic": risk_syn,
            "risk_real": risk_real,
            "signed": signed,
        },
    }


def _named(estimators):
    """``(names, estimators)`` from a dict, a list of pairs or a list of estimators."""
    if isinstance(estimators, dict):
        items = list(estimators.items())
    else:
        items = list(estimators)
        if all(isinstance(item, tuple) and len(item) == 2 for item in items):
            items = [(str(name), est) for name, est in items]
        else:
            classes = [type(est).__name__.lower() for est in items]
            # Repeated classes are numbered, as make_pipeline does.
            names = [
                f"{name}-{classes[:i].count(name) + 1}" if classes.count(name) > 1 else name
                for i, name in enumerate(classes)
            ]
            items = list(zip(names, items, strict=True))
    if len(items) < 2:
        raise ValueError(
            f"ranking_consistency needs at least 2 estimators to rank, got {len(items)}."
        )
    for name, est in items:
        if not (hasattr(est, "fit") and hasattr(est, "predict")):
            raise TypeError(f"Estimator {name!r} ({est!r}) has no fit and predict.")
    names = [name for name, _ in items]
    if len(set(names)) != len(names):
        raise ValueError(f"Estimator names must be unique, got {names}.")
    return names, [est for _, est in items]


def _concordant_fraction(a, b):
    """Fraction of pairs ordered alike; a pair tied in one ranking only counts 1/2."""
    i, j = np.triu_indices(len(a), k=1)
    sign_a, sign_b = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
    agree = np.where(sign_a * sign_b > 0, 1.0, 0.0)
    agree = np.where((sign_a == 0) & (sign_b == 0), 1.0, agree)
    agree = np.where((sign_a == 0) ^ (sign_b == 0), 0.5, agree)
    return float(agree.mean())


@validate_params(
    {
        "estimators": [list, tuple, dict],
        **_COMMON_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def ranking_consistency(
    estimators,
    X_syn,
    y_syn,
    X_real,
    y_real,
    X_test,
    y_test,
    *,
    scoring=None,
    evaluate_on="real",
    test_size=0.25,
    random_state=None,
):
    """Whether models ranked after training on synthetic rows keep their real order.

    Each candidate (a clone) is trained on the synthetic and on the real rows
    and its risk computed as in :func:`generalization_difference`; the two
    rankings of the candidates are then compared.

    Parameters
    ----------
    estimators : list, list of (name, estimator) pairs, or dict
        At least two candidate models; cloned, never fit in place. A plain list
        is named after the estimators' classes.
    X_syn, y_syn, X_real, y_real, X_test, y_test : array-like
        As in :func:`generalization_difference`.
    scoring : str, callable or None, default=None
        As in :func:`generalization_difference` (the default is chosen from the
        first estimator).
    evaluate_on : {"real", "synthetic"}, default="real"
        Where the synthetic-trained models are scored.
    test_size : float in (0, 1), default=0.25
        Synthetic hold-out fraction for ``evaluate_on="synthetic"``.
    random_state : int, RandomState instance or None, default=None
        Seeds the estimators' ``random_state`` and the synthetic split.

    Returns
    -------
    result : dict
        - ``"kendall_tau"``: Kendall's tau-b between the two risk vectors
          (NaN if one of them is constant);
        - ``"concordant_fraction"``: fraction of pairs of models ordered alike
          (a pair tied in exactly one ranking counts 1/2);
        - ``"same_best"``: whether the lowest-risk model is the same;
        - ``"best_real"``, ``"best_synthetic"``: names of the lowest-risk models;
        - ``"names"``, ``"risk_real"``, ``"risk_synthetic"``: the models' names
          and risks (arrays in the order of ``names``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyRegressor
    >>> from sklearn.linear_model import LinearRegression, Ridge
    >>> from skl_synthsel.metrics import ranking_consistency
    >>> rng = np.random.RandomState(0)
    >>> def make(n, noise):
    ...     X = rng.normal(size=(n, 5))
    ...     return X, X.sum(axis=1) + noise * rng.normal(size=n)
    >>> X_real, y_real = make(100, 0.5)
    >>> X_test, y_test = make(500, 0.5)
    >>> X_syn, y_syn = make(300, 2.0)  # much noisier responses
    >>> models = [DummyRegressor(), Ridge(alpha=300.0), LinearRegression()]
    >>> result = ranking_consistency(
    ...     models, X_syn, y_syn, X_real, y_real, X_test, y_test)
    >>> result["kendall_tau"], result["best_real"], result["same_best"]
    (1.0, 'linearregression', True)
    """
    names, models = _named(estimators)
    _check_tables(X_syn, y_syn, X_real, y_real, X_test, y_test)
    scorer = resolve_scorer(models[0], scoring)
    data = (X_syn, y_syn, X_real, y_real, X_test, y_test)
    (seed,) = repeat_seeds(random_state, 1)
    risks = np.array(
        [_risks(model, data, scorer, evaluate_on, test_size, seed) for model in models]
    )
    risk_syn, risk_real = risks[:, 0], risks[:, 1]
    if np.ptp(risk_syn) == 0 or np.ptp(risk_real) == 0:
        tau = float("nan")
    else:
        tau = float(kendalltau(risk_real, risk_syn).statistic)
    best_real, best_syn = (
        names[int(np.argmin(risk_real))],
        names[int(np.argmin(risk_syn))],
    )
    return {
        "kendall_tau": tau,
        "concordant_fraction": _concordant_fraction(risk_real, risk_syn),
        "same_best": best_real == best_syn,
        "best_real": best_real,
        "best_synthetic": best_syn,
        "names": names,
        "risk_real": risk_real,
        "risk_synthetic": risk_syn,
    }
