"""Where candidate rows come from: arrays, or a generator fit on the training rows."""

from __future__ import annotations

import inspect
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import GeneratorFitError
from ..utils._quotas import largest_remainder
from ..utils._task import resolve_task


def _draw(estimator, n_samples, seed):
    """Call ``estimator.sample`` reproducibly and return only the rows."""
    if "random_state" in inspect.signature(estimator.sample).parameters:
        drawn = estimator.sample(n_samples, random_state=seed)
    else:
        drawn = estimator.sample(n_samples)
    # GaussianMixture.sample returns (X, component labels); KernelDensity returns X.
    return np.asarray(drawn[0] if isinstance(drawn, tuple) else drawn, dtype=float)


def check_n_samples(n_samples: object, fix: str = "") -> int:
    """``n_samples`` as a positive int, or a ValueError that says what to pass.

    Parameters
    ----------
    n_samples : object
        The number of rows asked of a generator's ``sample``.
    fix : str, default=""
        Appended to the message, e.g. another way to give the number.

    Returns
    -------
    n_samples : int

    Examples
    --------
    >>> check_n_samples(3)
    3
    """
    if (
        isinstance(n_samples, bool | np.bool_)
        or not isinstance(n_samples, Integral)
        or n_samples < 1
    ):
        tail = f", {fix}" if fix else "."
        raise ValueError(
            f"n_samples={n_samples!r}: pass a positive int number of rows to sample(){tail}"
        )
    return int(n_samples)


def _float_dtype_of(X):
    """float32 when every column of ``X`` is float32, float64 otherwise: the rows' dtype."""
    dtypes = list(X.dtypes) if hasattr(X, "dtypes") else [getattr(X, "dtype", None)]
    return np.dtype(np.float32) if all(d == np.float32 for d in dtypes) else np.dtype(np.float64)


class ClassConditionalSampler(BaseEstimator):
    """Turn a density estimator with ``sample`` into a generator of labelled rows.

    For classification one clone of ``estimator`` is fit per class and rows are drawn per class
    in proportion to the class frequencies seen in ``fit``. For regression a single clone is fit
    jointly on ``(X, y)`` and the last column of each drawn row is its target.

    Used as ``pool=`` of a selector, it is fit on the training rows inside every call to
    ``fit``/``fit_resample``, so each cross-validation fold generates from its own training rows.

    Parameters
    ----------
    estimator : estimator with ``fit`` and ``sample``
        A density estimator such as :class:`~sklearn.mixture.GaussianMixture` or
        :class:`~sklearn.neighbors.KernelDensity`.
    n_samples : int or None, default=None
        Rows drawn by ``sample()`` when it is called without a number. A selector always passes
        its own number (see its ``pool_size``).
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` treats a continuous ``y`` as regression and anything else as classes.
    random_state : int, RandomState instance or None, default=None
        Seeds the per-class estimators and the draws.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted density estimators, one per class (one for regression).
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of the fitted rows in each class (classification only).
    task_ : str
        The task that was fit.
    n_features_in_ : int
        Number of features seen in ``fit``.
    dtype_ : numpy dtype
        The dtype of the rows ``sample`` returns: float32 when ``X`` was float32, else
        float64. The estimators are always fit in float64.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.mixture import GaussianMixture
    >>> from skl_synthsel import ClassConditionalSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> generator = ClassConditionalSampler(GaussianMixture(), random_state=0).fit(X, y)
    >>> X_new, y_new = generator.sample(30)
    >>> X_new.shape, sorted(set(y_new.tolist()))
    ((30, 4), [0, 1, 2])
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "sample"])],
        "n_samples": [Interval(Integral, 1, None, closed="left"), None],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator: Any,
        *,
        n_samples: int | None = None,
        task: str = "auto",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.estimator = estimator
        self.n_samples = n_samples
        self.task = task
        self.random_state = random_state

    def _fit_one(self, rows, seed, label):
        estimator = clone(self.estimator)
        if "random_state" in estimator.get_params():
            estimator.set_params(random_state=seed)
        try:
            return estimator.fit(rows)
        except (ValueError, np.linalg.LinAlgError) as exc:
            label = label.item() if isinstance(label, np.generic) else label
            where = "the joint (X, y) rows" if label is None else f"the rows of class {label!r}"
            raise GeneratorFitError(
                f"{type(estimator).__name__} could not be fit on {where} ({len(rows)} rows): "
                f"{exc} The likely cause is a singular covariance: collinear or constant "
                "columns, or fewer rows than columns. Fixes: raise the estimator's "
                "regularisation (e.g. GaussianMixture(reg_covar=1e-3)), drop the redundant "
                "column, or map the features first (a selector's feature_map)."
            ) from exc

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any) -> ClassConditionalSampler:
        """Fit one density estimator per class, or one on ``(X, y)`` for regression.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels or continuous targets.

        Returns
        -------
        self : object
        """
        # Fit in float64 whatever the input's dtype: float32 rounding makes the class
        # covariance of collinear columns singular on some CPUs. Rows are returned in the
        # input's dtype.
        self.dtype_ = _float_dtype_of(X)
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        self.task_ = resolve_task(self.task, y)
        rng = check_random_state(self.random_state)
        if self.task_ == "regression":
            joint = np.column_stack([X, np.asarray(y, dtype=float)])
            self.estimators_ = [self._fit_one(joint, rng.randint(2**31 - 1), None)]
            return self
        self.classes_, counts = np.unique(y, return_counts=True)
        self.class_prior_ = counts / counts.sum()
        self.estimators_ = [
            self._fit_one(X[y == label], rng.randint(2**31 - 1), label) for label in self.classes_
        ]
        return self

    def sample(self, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw labelled rows.

        Parameters
        ----------
        n_samples : int or None
            Number of rows; ``None`` uses the ``n_samples`` parameter.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
            Class labels (grouped by class) or targets.
        """
        check_is_fitted(self)
        n_samples = self.n_samples if n_samples is None else n_samples
        check_n_samples(n_samples, "or set n_samples on the ClassConditionalSampler.")
        # The seeds are derived from random_state alone, so repeated calls give the same rows.
        rng = check_random_state(self.random_state)
        if self.task_ == "regression":
            joint = _draw(self.estimators_[0], int(n_samples), rng.randint(2**31 - 1))
            return joint[:, :-1].astype(self.dtype_), joint[:, -1]
        counts = largest_remainder(int(n_samples), self.class_prior_)
        parts = [
            (_draw(estimator, count, rng.randint(2**31 - 1)), np.full(count, label))
            for estimator, label, count in zip(self.estimators_, self.classes_, counts, strict=True)
            if count > 0
        ]
        return np.concatenate([rows for rows, _ in parts]).astype(self.dtype_), np.concatenate(
            [labels for _, labels in parts]
        )
