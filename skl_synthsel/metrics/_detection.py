"""How well a classifier tells synthetic rows from real ones."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from ._validation import check_real_synthetic

__all__ = ["detection_auc"]


@validate_params(
    {
        "X_real": ["array-like"],
        "X_syn": ["array-like"],
        "classifier": [HasMethods(["fit"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def detection_auc(X_real, X_syn, *, classifier=None, cv=5, random_state=None):
    """Cross-validated ROC AUC of a classifier telling synthetic rows from real ones.

    Real rows are labelled 0 and synthetic rows 1; a clone of ``classifier`` is
    evaluated by stratified, shuffled ``cv``-fold cross-validation. 0.5 means
    the classifier cannot tell them apart; 1.0 means it always can. The AUC is
    not affected by unequal numbers of real and synthetic rows.

    Parameters
    ----------
    X_real : array-like of shape (n_real, n_features)
        Real rows, numeric.
    X_syn : array-like of shape (n_syn, n_features)
        Synthetic rows, same columns.
    classifier : classifier, default=None
        Cloned for every fold; it needs ``predict_proba`` or
        ``decision_function``. None uses a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (which
        detects shifts in both means and covariances).
    cv : int, default=5
        Number of folds; each table needs at least ``cv`` rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the fold shuffling and the classifier's ``random_state``.

    Returns
    -------
    auc : float
        Mean ROC AUC over the folds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skl_synthsel.metrics import detection_auc
    >>> rng = np.random.RandomState(0)
    >>> X_real = rng.normal(size=(300, 2))
    >>> auc = detection_auc(X_real, rng.normal(size=(300, 2)) + 3,
    ...                     classifier=LogisticRegression(), random_state=0)
    >>> round(auc, 2)
    1.0
    """
    X_real, X_syn = check_real_synthetic(X_real, X_syn, min_samples=cv)
    rng = check_random_state(random_state)
    seed = int(rng.randint(np.iinfo(np.int32).max))
    if classifier is None:
        classifier = HistGradientBoostingClassifier(random_state=seed)
    X = np.vstack([X_real, X_syn])
    y = np.r_[np.zeros(X_real.shape[0], dtype=int), np.ones(X_syn.shape[0], dtype=int)]
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    scores = cross_val_score(clone(classifier), X, y, scoring="roc_auc", cv=folds)
    return float(np.mean(scores))
