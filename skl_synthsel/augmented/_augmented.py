"""Meta-estimators: fit any estimator on real rows plus selected (or weighted) synthetic rows."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_sample_weight,
    _num_samples,
    check_is_fitted,
    has_fit_parameter,
)

from ..base import BaseSelector


def _augmented_weights(n_real, sample_weight, synthetic_weight):
    """The real rows' weights (ones by default) followed by the synthetic rows' weights."""
    # scikit-learn's own checks (shape, finiteness, non-negativity) on n_real rows.
    rows = np.broadcast_to(0.0, (n_real, 1))
    real_weight = _check_sample_weight(
        sample_weight, rows, dtype=np.float64, ensure_non_negative=True
    )
    if real_weight.sum() <= 0:
        raise ValueError(
            "sample_weight of the real rows sums to zero: give some real row a positive weight."
        )
    return np.concatenate([real_weight, np.asarray(synthetic_weight, dtype=float)])


def _is_per_row(value, n_real):
    """Whether routed metadata has one entry per real row (an array-like of that length)."""
    if value is None or isinstance(value, str | bytes | dict) or np.isscalar(value):
        return False
    try:
        return _num_samples(value) == n_real
    except TypeError:
        return False


def _estimator_has(method):
    def check(self):
        return hasattr(self.estimator_ if hasattr(self, "estimator_") else self.estimator, method)

    return check


class _BaseSyntheticAugmented(MetaEstimatorMixin, BaseEstimator):
    """Fit ``estimator`` on real rows plus the rows chosen by ``selector``."""

    _task = None  # "classification" or "regression", set by the subclasses

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "selector": [HasMethods(["fit", "fit_resample"])],
        "weighting": [StrOptions({"selected", "relaxed"})],
    }

    def __init__(self, estimator: Any, selector: Any, *, weighting: str = "selected") -> None:
        self.estimator = estimator
        self.selector = selector
        self.weighting = weighting

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any) -> Any:
        """Select synthetic rows for ``X``, ``y`` and fit the estimator on the augmented data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The real rows.
        y : array-like of shape (n_samples,)
            Their labels or targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the real rows. Synthetic rows get weight 1 (``weighting="selected"``) or
            their relaxed weight (``weighting="relaxed"``). With metadata routing enabled
            (``sklearn.set_config(enable_metadata_routing=True)``), the real and synthetic
            weights go to the estimator (or the steps of a Pipeline) that requests them
            (``set_fit_request(sample_weight=True)``).
        **fit_params : dict
            Only with metadata routing enabled: other metadata for the estimator's ``fit``.
            Metadata with one value per real row cannot be extended to the synthetic rows
            and is refused; other values are passed on unchanged.

        Returns
        -------
        self : object
        """
        if not isinstance(self.selector, BaseSelector):
            raise TypeError(
                f"selector must be a selector of skl_synthsel (e.g. "
                f"CovarianceMatchingSelector), got {type(self.selector).__name__}. An "
                "imbalanced-learn sampler such as RandomOverSampler goes in "
                "skl_synthsel.make_pipeline(sampler, model) instead."
            )
        _raise_for_params(fit_params, self, "fit")
        self.selector_ = clone(self.selector)
        if "task" in self.selector_.get_params():
            self.selector_.set_params(task=self._task, include_real=True)
        self.selector_.fit(X, y)
        if self.weighting == "selected":
            rows = self.selector_.selected_indices_
            synthetic_weight = np.ones(len(rows))
        elif len(self.selector_.selected_indices_) == 0:  # n_select=0: the real rows alone
            rows, synthetic_weight = self.selector_.selected_indices_, np.empty(0)
        else:
            if not hasattr(self.selector_, "weights_"):
                raise ValueError(
                    f"weighting='relaxed' needs a selector with relaxed weights (weights_), "
                    f"such as CovarianceMatchingSelector(method='relaxed') or "
                    f"KernelMeanMatchingSelector; {type(self.selector).__name__} has none."
                )
            # Rows with zero weight change nothing but cost time; they are left out.
            rows = np.flatnonzero(self.selector_.weights_ > 0)
            synthetic_weight = self.selector_.weights_[rows]
        X_aug, y_aug = self.selector_.resample(X, y, pool_indices=rows)
        n_real = _num_samples(X)
        if _routing_enabled():
            fit_params = self._routed_fit_params(
                n_real, sample_weight, synthetic_weight, fit_params
            )
        else:
            fit_params = self._direct_fit_params(n_real, sample_weight, synthetic_weight)
        self.estimator_ = clone(self.estimator).fit(X_aug, y_aug, **fit_params)
        self.n_features_in_ = self.selector_.n_features_in_
        if hasattr(self.selector_, "feature_names_in_"):
            self.feature_names_in_ = self.selector_.feature_names_in_
        return self

    def _direct_fit_params(self, n_real, sample_weight, synthetic_weight):
        """Without metadata routing: ``sample_weight`` to an estimator whose fit takes it."""
        if sample_weight is None and self.weighting != "relaxed":
            return {}
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise TypeError(
                f"{type(self.estimator).__name__}.fit does not accept sample_weight, which "
                "sample_weight or weighting='relaxed' needs; use weighting='selected' "
                "without sample_weight, or another estimator. For a Pipeline, enable "
                "metadata routing (sklearn.set_config(enable_metadata_routing=True)) and "
                "request the weights on its last step (set_fit_request(sample_weight=True))."
            )
        return {"sample_weight": _augmented_weights(n_real, sample_weight, synthetic_weight)}

    def _routed_fit_params(self, n_real, sample_weight, synthetic_weight, fit_params):
        """With metadata routing: what the estimator requested, extended to the new rows."""
        if self.weighting == "relaxed":
            if not self.get_metadata_routing().consumes("fit", ["sample_weight"]):
                raise ValueError(
                    f"weighting='relaxed' passes the relaxed weights as sample_weight, but "
                    f"{type(self.estimator).__name__} does not request sample_weight under "
                    "metadata routing; request it, e.g. LogisticRegression()."
                    "set_fit_request(sample_weight=True) (on the last step of a Pipeline)."
                )
            if sample_weight is None:
                sample_weight = np.ones(n_real)  # the relaxed weights must reach the estimator
        if sample_weight is not None:
            fit_params = {"sample_weight": sample_weight, **fit_params}
        routed = process_routing(self, "fit", **fit_params)["estimator"]["fit"]
        params = {}
        for name, value in routed.items():
            if name == "sample_weight":
                params[name] = _augmented_weights(n_real, value, synthetic_weight)
            elif _is_per_row(value, n_real):
                raise ValueError(
                    f"The metadata {name!r} has one value per real row; the synthetic rows "
                    "have no value for it, so it cannot be routed to the estimator fit on "
                    "the real and synthetic rows. Pass only sample_weight per row, or fit "
                    "the estimator on the output of the selector's fit_resample yourself."
                )
            else:
                params[name] = value
        return params

    def get_metadata_routing(self) -> MetadataRouter:
        """Get metadata routing of this object: ``fit`` metadata goes to the estimator.

        ``sample_weight`` given to :meth:`fit` reaches the estimator extended to the synthetic
        rows (their weights follow ``weighting``). The selector consumes no metadata.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter` encapsulating
            routing information.
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the fitted estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        inner = get_tags(self.estimator)
        tags.input_tags.pairwise = inner.input_tags.pairwise
        return tags


_SHARED_DOC = """
    The selector is cloned and fit on the real rows passed to ``fit``; with a generator pool
    each cross-validation fold generates and selects from its own training rows, and scoring
    (``predict``, ``score``) uses the real rows only. Usable as the last step of a plain
    :class:`sklearn.pipeline.Pipeline` and in :class:`~sklearn.model_selection.GridSearchCV`
    (``selector__n_select``, ``estimator__C``). An array pool must then be in the space of the
    rows reaching this step: transformers earlier in a pipeline are not applied to it (a
    generator pool is fit on the transformed rows and has no such issue).

    Metadata routing: with ``sklearn.set_config(enable_metadata_routing=True)``, the metadata
    given to ``fit`` goes to the estimator as scikit-learn routes it (to the steps of a
    Pipeline that request it). ``sample_weight`` arrives extended to the synthetic rows:
    the real rows' weights followed by 1 per selected row (or the relaxed weights); metadata
    with one value per real row other than ``sample_weight`` is refused. Without routing,
    ``sample_weight`` goes to an estimator whose ``fit`` accepts it.

    Parameters
    ----------
    estimator : estimator
        Any scikit-learn estimator; cloned.
    selector : selector
        A selector such as :class:`~skl_synthsel.CovarianceMatchingSelector`; cloned, with its
        ``task`` set to match this estimator.
    weighting : {"selected", "relaxed"}, default="selected"
        ``"selected"``: fit on the real rows plus the selected rows, each with weight 1.
        ``"relaxed"``: fit on the real rows plus every pool row with a positive relaxed weight
        (the selector's ``weights_``), passed as ``sample_weight``; real rows have weight 1 times
        the user's ``sample_weight``.

    Attributes
    ----------
    selector_ : selector
        The fitted selector.
    estimator_ : estimator
        The estimator fit on the augmented rows.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen in ``fit``, when ``X`` has string column names.
"""


class SyntheticAugmentedClassifier(ClassifierMixin, _BaseSyntheticAugmented):
    __doc__ = (
        """Fit any classifier on the real rows plus the synthetic rows a selector chooses.
"""
        + _SHARED_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.mixture import GaussianMixture
    >>> from skl_synthsel import (ClassConditionalSampler, CovarianceMatchingSelector,
    ...                           SyntheticAugmentedClassifier)
    >>> X, y = load_iris(return_X_y=True)
    >>> generator = ClassConditionalSampler(GaussianMixture(), random_state=0)
    >>> model = SyntheticAugmentedClassifier(
    ...     LogisticRegression(max_iter=1000),
    ...     CovarianceMatchingSelector(generator, n_select=1.0, random_state=0),
    ... ).fit(X, y)
    >>> len(model.selector_.selected_indices_)
    150
    >>> model.predict(X[:3]).tolist()
    [0, 0, 0]
    """
    )

    _task = "classification"

    @property
    def classes_(self) -> np.ndarray:
        """Class labels of the fitted estimator."""
        return self.estimator_.classes_

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Log class probabilities from the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.predict_log_proba(X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """Decision function of the fitted estimator."""
        check_is_fitted(self)
        return self.estimator_.decision_function(X)


class SyntheticAugmentedRegressor(RegressorMixin, _BaseSyntheticAugmented):
    __doc__ = (
        """Fit any regressor on the real rows plus the synthetic rows a selector chooses.
"""
        + _SHARED_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.mixture import GaussianMixture
    >>> from skl_synthsel import (ClassConditionalSampler, CovarianceMatchingSelector,
    ...                           SyntheticAugmentedRegressor)
    >>> X, y = load_diabetes(return_X_y=True)
    >>> generator = ClassConditionalSampler(GaussianMixture(), random_state=0)
    >>> model = SyntheticAugmentedRegressor(
    ...     Ridge(), CovarianceMatchingSelector(generator, n_select=100, random_state=0),
    ... ).fit(X, y)
    >>> model.predict(X[:2]).shape
    (2,)
    """
    )

    _task = "regression"
