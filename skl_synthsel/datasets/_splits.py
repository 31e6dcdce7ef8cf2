"""The split every experiment on a real table needs: real rows, a generator's rows, a test."""

from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, indexable
from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["real_generator_test_split"]


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "n_real_per_class": [Interval(Integral, 1, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def real_generator_test_split(X, y, *, n_real_per_class, test_size=0.3, random_state=None):
    """Split a labelled table into a small real table, a generator's rows and a test split.

    The protocol of the library's demo and benchmarks, for judging a generator and a selector
    on a table with more rows than a user would have: a stratified ``test_size`` share of the
    rows is the test split; of the rest, ``n_real_per_class`` rows per class (drawn uniformly)
    are the small real training table, and every remaining row is for training the generator
    (a stand-in for a generator trained elsewhere). The three parts are disjoint.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The rows.
    y : array-like of shape (n_samples,)
        Their class labels.
    n_real_per_class : int
        Real training rows per class.
    test_size : float in (0, 1), default=0.3
        The share of the rows in the test split (stratified by class).
    random_state : int, RandomState instance or None, default=None
        Seeds both draws.

    Returns
    -------
    X_real, y_real : ndarray
        ``n_real_per_class`` rows of each class, class by class.
    X_generator, y_generator : ndarray
        The rows left for the generator, in their order in ``X``'s non-test rows.
    X_test, y_test : ndarray
        The test split.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_wine
    >>> from skl_synthsel.datasets import real_generator_test_split
    >>> X, y = load_wine(return_X_y=True)
    >>> X_real, y_real, X_gen, y_gen, X_test, y_test = real_generator_test_split(
    ...     X, y, n_real_per_class=20, random_state=0)
    >>> np.bincount(y_real), len(y_gen), len(y_test)
    (array([20, 20, 20]), 64, 54)
    """
    X, y = indexable(np.asarray(X), np.asarray(y))
    # An int seeds both draws directly (the demo's and the benchmarks' splits depend on it).
    if isinstance(random_state, Integral):
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    rng = np.random.default_rng(seed)
    rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    labels, counts = np.unique(y_rest, return_counts=True)
    if counts.min() < n_real_per_class:
        short = labels[np.argmin(counts)]
        raise ValueError(
            f"Class {short!r} has {counts.min()} rows outside the test split, fewer than "
            f"n_real_per_class={n_real_per_class}; lower n_real_per_class or test_size."
        )
    real_rows = np.concatenate(
        [
            rng.choice(np.flatnonzero(y_rest == label), n_real_per_class, replace=False)
            for label in labels
        ]
    )
    generator_rows = np.setdiff1d(np.arange(len(y_rest)), real_rows)
    return (
        rest[real_rows],
        y_rest[real_rows],
        rest[generator_rows],
        y_rest[generator_rows],
        X_test,
        y_test,
    )
