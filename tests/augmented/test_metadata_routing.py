"""Metadata routing through SyntheticAugmentedClassifier/Regressor, Pipelines included."""

import numpy as np
import pytest
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_synthsel import (
    CovarianceMatchingSelector,
    RandomSelector,
    SyntheticAugmentedClassifier,
    SyntheticAugmentedRegressor,
)


class WeightRecorder(ClassifierMixin, BaseEstimator):
    """A classifier that records the sample_weight (and extra metadata) its fit received."""

    def fit(self, X, y, sample_weight=None, note=None):
        self.n_rows_ = len(X)
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        self.note_ = note
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


class RegressorRecorder(RegressorMixin, BaseEstimator):
    def fit(self, X, y, sample_weight=None):
        self.sample_weight_ = None if sample_weight is None else np.asarray(sample_weight)
        return self

    def predict(self, X):
        return np.zeros(len(X))


def _weights(n):
    return np.linspace(0.5, 2.0, n)


def test_pipeline_step_receives_real_and_synthetic_weights(classification_data):
    X, y, X_pool, y_pool = classification_data
    w = _weights(len(X))
    with config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("model", WeightRecorder().set_fit_request(sample_weight=True)),
            ]
        )
        model = SyntheticAugmentedClassifier(
            pipe, RandomSelector((X_pool, y_pool), n_select=30, random_state=0)
        ).fit(X, y, sample_weight=w)
    inner = model.estimator_.named_steps["model"]
    assert inner.n_rows_ == 90
    np.testing.assert_array_equal(inner.sample_weight_, np.concatenate([w, np.ones(30)]))


def test_logistic_regression_in_a_pipeline_fits_with_the_routed_weights(classification_data):
    X, y, X_pool, y_pool = classification_data
    w = _weights(len(X))
    selector = RandomSelector((X_pool, y_pool), n_select=30, random_state=0)
    with config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("lr", LogisticRegression().set_fit_request(sample_weight=True)),
            ]
        )
        model = SyntheticAugmentedClassifier(pipe, selector).fit(X, y, sample_weight=w)
        X_aug, y_aug = selector.fit_resample(X, y)
        expected = Pipeline(
            [
                ("scale", StandardScaler().set_fit_request(sample_weight=False)),
                ("lr", LogisticRegression().set_fit_request(sample_weight=True)),
            ]
        ).fit(X_aug, y_aug, sample_weight=np.concatenate([w, np.ones(30)]))
        unweighted = Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression())]).fit(
            X_aug, y_aug
        )
    np.testing.assert_allclose(model.estimator_[-1].coef_, expected[-1].coef_)
    assert not np.allclose(model.estimator_[-1].coef_, unweighted[-1].coef_)


def test_relaxed_weights_are_routed(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=30, method="relaxed", random_state=0
    )
    with config_context(enable_metadata_routing=True):
        pipe = Pipeline([("model", WeightRecorder().set_fit_request(sample_weight=True))])
        model = SyntheticAugmentedClassifier(pipe, selector, weighting="relaxed").fit(X, y)
    weights = model.selector_.weights_
    positive = np.flatnonzero(weights > 0)
    recorded = model.estimator_[-1].sample_weight_
    np.testing.assert_array_equal(recorded, np.concatenate([np.ones(60), weights[positive]]))


def test_relaxed_weights_need_a_request_under_routing(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=30, method="relaxed", random_state=0
    )
    with config_context(enable_metadata_routing=True):
        model = SyntheticAugmentedClassifier(
            WeightRecorder().set_fit_request(sample_weight=False), selector, weighting="relaxed"
        )
        with pytest.raises(ValueError, match="set_fit_request\\(sample_weight=True\\)"):
            model.fit(X, y)


def test_unrequested_weights_raise_scikit_learns_error(classification_data):
    X, y, X_pool, y_pool = classification_data
    with config_context(enable_metadata_routing=True):
        model = SyntheticAugmentedClassifier(
            WeightRecorder(), RandomSelector((X_pool, y_pool), n_select=10, random_state=0)
        )
        with pytest.raises(UnsetMetadataPassedError):
            model.fit(X, y, sample_weight=np.ones(len(X)))
        # Declined explicitly: nothing consumes the weights, as in a scikit-learn Pipeline.
        model.set_params(estimator=WeightRecorder().set_fit_request(sample_weight=False))
        with pytest.raises(TypeError, match="not routed to any object"):
            model.fit(X, y, sample_weight=np.ones(len(X)))


def test_other_metadata_is_routed_and_per_row_metadata_refused(classification_data):
    X, y, X_pool, y_pool = classification_data
    with config_context(enable_metadata_routing=True):
        model = SyntheticAugmentedClassifier(
            WeightRecorder().set_fit_request(note=True),
            RandomSelector((X_pool, y_pool), n_select=10, random_state=0),
        )
        model.fit(X, y, note="hello")
        assert model.estimator_.note_ == "hello"
        with pytest.raises(ValueError, match="one value per real row"):
            model.fit(X, y, note=np.arange(len(X)))


def test_regressor_routes_weights(regression_data):
    X, y, X_pool, y_pool = regression_data
    w = _weights(len(X))
    with config_context(enable_metadata_routing=True):
        model = SyntheticAugmentedRegressor(
            Pipeline([("model", RegressorRecorder().set_fit_request(sample_weight=True))]),
            RandomSelector((X_pool, y_pool), n_select=20, random_state=0),
        ).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(
        model.estimator_[-1].sample_weight_, np.concatenate([w, np.ones(20)])
    )


def test_without_routing_behaviour_is_unchanged(classification_data, regression_data):
    X, y, X_pool, y_pool = classification_data
    w = _weights(len(X))
    # Direct: an estimator whose fit takes sample_weight gets it, without any request.
    model = SyntheticAugmentedClassifier(
        WeightRecorder(), RandomSelector((X_pool, y_pool), n_select=10, random_state=0)
    ).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(model.estimator_.sample_weight_, np.concatenate([w, np.ones(10)]))
    # A Pipeline does not take sample_weight without routing: the error says how to route.
    pipe = Pipeline([("model", WeightRecorder())])
    with pytest.raises(TypeError, match="enable_metadata_routing=True"):
        SyntheticAugmentedClassifier(
            pipe, RandomSelector((X_pool, y_pool), n_select=10, random_state=0)
        ).fit(X, y, sample_weight=w)
    # Extra metadata needs routing, as everywhere in scikit-learn.
    with pytest.raises(ValueError, match="enable_metadata_routing=True"):
        model.fit(X, y, note="hello")
    X, y, X_pool, y_pool = regression_data
    reg = SyntheticAugmentedRegressor(
        LinearRegression(), RandomSelector((X_pool, y_pool), n_select=10, random_state=0)
    ).fit(X, y)
    assert reg.predict(X[:2]).shape == (2,)


def test_get_metadata_routing_lists_the_estimators_requests():
    with config_context(enable_metadata_routing=True):
        model = SyntheticAugmentedClassifier(
            LogisticRegression().set_fit_request(sample_weight=True),
            RandomSelector(([[0.0]], [0]), n_select=1),
        )
        routing = model.get_metadata_routing()
        assert routing.consumes("fit", ["sample_weight"]) == {"sample_weight"}
        unrequested = SyntheticAugmentedClassifier(
            LogisticRegression().set_fit_request(sample_weight=False),
            RandomSelector(([[0.0]], [0]), n_select=1),
        )
        assert unrequested.get_metadata_routing().consumes("fit", ["sample_weight"]) == set()


def test_grid_search_routes_fold_weights_through_the_meta_estimator(classification_data):
    from sklearn.model_selection import GridSearchCV, KFold

    X, y, X_pool, y_pool = classification_data
    w = _weights(len(X))
    cv = KFold(3, shuffle=True, random_state=0)
    with config_context(enable_metadata_routing=True):
        model = SyntheticAugmentedClassifier(
            Pipeline([("model", WeightRecorder().set_fit_request(sample_weight=True))]),
            RandomSelector((X_pool, y_pool), random_state=0),
        )
        search = GridSearchCV(model, {"selector__n_select": [5, 10]}, cv=cv, refit=True)
        search.fit(X, y, sample_weight=w)
    # The refit model saw every real row's weight, then one per selected row.
    n_select = search.best_params_["selector__n_select"]
    recorded = search.best_estimator_.estimator_[-1].sample_weight_
    np.testing.assert_array_equal(recorded, np.concatenate([w, np.ones(n_select)]))
