"""How much adding synthetic rows to the real rows improves a model."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from ._validation import (
    check_rows,
    concat_rows,
    repeat_seeds,
    resolve_scorer,
    seeded_clone,
)

__all__ = ["augmentation_gain"]


@validate_params(
    {
        "estimator": [HasMethods(["fit", "predict"])],
        "X_real": ["array-like"],
        "y_real": ["array-like"],
        "X_syn": ["array-like"],
        "y_syn": ["array-like"],
        "X_test": ["array-like"],
        "y_test": ["array-like"],
        "scoring": [str, callable, None],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def augmentation_gain(
    estimator,
    X_real,
    y_real,
    X_syn,
    y_syn,
    X_test,
    y_test,
    *,
    scoring=None,
    n_repeats=1,
    random_state=None,
):
    """Score gained on real held-out rows by training on real plus synthetic rows.

    A clone of ``estimator`` is trained on the real rows, another on the real
    rows followed by the synthetic rows, and both are scored on
    ``(X_test, y_test)``. Each repetition reseeds every ``random_state``
    parameter of the estimator (useful for randomised models only).

    Parameters
    ----------
    estimator : estimator
        Cloned, never fit in place.
    X_real, y_real : array-like of shape (n_real, n_features) and (n_real,)
        Real training rows. A DataFrame ``X_real`` stays a DataFrame when the
        synthetic rows are appended (an array ``X_syn`` takes its columns).
    X_syn, y_syn : array-like of shape (n_syn, n_features) and (n_syn,)
        Synthetic rows to add.
    X_test, y_test : array-like of shape (n_test, n_features) and (n_test,)
        Real held-out rows.
    scoring : str, callable or None, default=None
        A scikit-learn scorer (greater is better). None uses minus the mean
        squared error for regressors and minus the error rate for classifiers,
        so a gain of 0.02 means 2 points of accuracy.
    n_repeats : int, default=1
        Number of repetitions with different seeds.
    random_state : int, RandomState instance or None, default=None
        Seeds the repetitions.

    Returns
    -------
    result : dict
        - ``"gain"``: mean of ``score_augmented - score_real`` (positive: the
          synthetic rows help);
        - ``"gain_std"``: its standard deviation across repetitions (ddof=0);
        - ``"score_real"``, ``"score_augmented"``: mean scores;
        - ``"per_seed"``: dict of arrays ``"seed"``, ``"score_real"``,
          ``"score_augmented"``, ``"gain"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from skl_synthsel.metrics import augmentation_gain
    >>> rng = np.random.RandomState(0)
    >>> def make(n):
    ...     X = rng.normal(size=(n, 10))
    ...     return X, X.sum(axis=1) + rng.normal(size=n)
    >>> X_real, y_real = make(15)   # barely more rows than features
    >>> X_syn, y_syn = make(200)
    >>> X_test, y_test = make(500)
    >>> result = augmentation_gain(
    ...     LinearRegression(), X_real, y_real, X_syn, y_syn, X_test, y_test)
    >>> bool(result["gain"] > 0)
    True
    """
    check_rows(X_real, y_real, "real")
    check_rows(X_syn, y_syn, "syn")
    check_rows(X_test, y_test, "test")
    scorer = resolve_scorer(estimator, scoring)
    X_aug = concat_rows(X_real, X_syn)
    y_aug = np.concatenate([np.asarray(y_real), np.asarray(y_syn)])
    seeds = repeat_seeds(random_state, n_repeats)
    scores = np.array(
        [
            [
                scorer(seeded_clone(estimator, seed).fit(X_real, y_real), X_test, y_test),
                scorer(seeded_clone(estimator, seed).fit(X_aug, y_aug), X_test, y_test),
            ]
            for seed in seeds
        ],
        dtype=float,
    )
    gain = scores[:, 1] - scores[:, 0]
    return {
        "gain": float(gain.mean()),
        "gain_std": float(gain.std()),
        "score_real": float(scores[:, 0].mean()),
        "score_augmented": float(scores[:, 1].mean()),
        "per_seed": {
            "seed": seeds,
            "score_real": scores[:, 0],
            "score_augmented": scores[:, 1],
            "gain": gain,
        },
    }
