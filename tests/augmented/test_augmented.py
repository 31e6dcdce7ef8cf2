"""Composition: pipelines, meta-estimators and grid search that validates on real rows only."""

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline as make_sklearn_pipeline
from sklearn.preprocessing import StandardScaler

from skl_synthsel import (
    CovarianceMatchingSelector,
    SyntheticAugmentedClassifier,
    SyntheticAugmentedRegressor,
    make_pipeline,
)


def _validation_rows_recorder(X_real, X_pool, log):
    """A scorer that records every validation row and checks it is a real row."""
    real_rows = {row.tobytes() for row in X_real}
    pool_rows = {row.tobytes() for row in X_pool}

    def scorer(estimator, X, y):
        rows = [row.tobytes() for row in np.asarray(X, dtype=float)]
        log.append(len(rows))
        assert all(row in real_rows for row in rows)
        assert not any(row in pool_rows for row in rows)
        return float(np.mean(estimator.predict(X) == y))

    return scorer


def test_grid_search_over_n_select_and_model_validates_on_real_rows_only(classification_data):
    X, y, X_pool, y_pool = classification_data
    pipe = make_pipeline(
        CovarianceMatchingSelector((X_pool, y_pool), random_state=0),
        StandardScaler(),
        LogisticRegression(),
    )
    log = []
    search = GridSearchCV(
        pipe,
        {"covariancematchingselector__n_select": [0.5, 2.0], "logisticregression__C": [0.1, 1.0]},
        cv=KFold(3, shuffle=True, random_state=0),
        scoring=_validation_rows_recorder(X, X_pool, log),
    ).fit(X, y)
    # 4 candidates x 3 folds, each scoring its 20 held-out real rows, plus nothing else.
    assert log == [20] * 12
    assert set(search.cv_results_["param_covariancematchingselector__n_select"]) == {0.5, 2.0}
    # The refit pipeline trained on the real rows plus the chosen number of synthetic rows.
    best_ratio = search.best_params_["covariancematchingselector__n_select"]
    selector = search.best_estimator_.named_steps["covariancematchingselector"]
    assert len(selector.selected_indices_) == round(best_ratio * 60)


def test_meta_estimator_in_a_plain_sklearn_pipeline_and_grid_search(
    classification_data, generator_pool
):
    X, y, X_pool, _ = classification_data
    model = SyntheticAugmentedClassifier(
        LogisticRegression(), CovarianceMatchingSelector(generator_pool, random_state=0)
    )
    pipe = make_sklearn_pipeline(StandardScaler(), model)
    log = []
    search = GridSearchCV(
        pipe,
        {
            "syntheticaugmentedclassifier__selector__n_select": [1.0, 3.0],
            "syntheticaugmentedclassifier__estimator__C": [1.0],
        },
        cv=3,
        scoring=_validation_rows_recorder(X, X_pool, log),
    ).fit(X, y)
    assert log == [20] * 6
    fitted = search.best_estimator_[-1]
    n_synthetic = len(fitted.selector_.selected_indices_)
    assert n_synthetic == round(
        search.best_params_["syntheticaugmentedclassifier__selector__n_select"] * 60
    )
    assert fitted.estimator_.coef_.shape == (3, 4)
    assert fitted.predict_proba(X[:5]).shape == (5, 3)


def test_meta_estimator_trains_on_real_plus_selected_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    # 1-NN memorises its training rows: each one predicts its own label.
    model = SyntheticAugmentedClassifier(
        KNeighborsClassifier(n_neighbors=1),
        CovarianceMatchingSelector((X_pool, y_pool), n_select=30, random_state=0),
    ).fit(X, y)
    selected = model.selector_.selected_indices_
    assert model.estimator_.n_samples_fit_ == 90
    assert np.array_equal(model.predict(X_pool[selected]), y_pool[selected])


def test_relaxed_weighting_passes_the_weights(classification_data):
    X, y, X_pool, y_pool = classification_data
    user_weight = np.linspace(0.5, 2.0, 60)
    model = SyntheticAugmentedClassifier(
        LogisticRegression(),
        CovarianceMatchingSelector((X_pool, y_pool), random_state=0),
        weighting="relaxed",
    ).fit(X, y, sample_weight=user_weight)
    weights = model.selector_.weights_
    n_positive = int(np.sum(weights > 0))
    # The same fit done by hand: real rows weighted by the user, pool rows by relaxed weights.
    keep = weights > 0
    manual = LogisticRegression().fit(
        np.vstack([X, X_pool[keep]]),
        np.concatenate([y, y_pool[keep]]),
        sample_weight=np.concatenate([user_weight, weights[keep]]),
    )
    assert n_positive >= 60
    assert np.allclose(model.estimator_.coef_, manual.coef_)


def test_relaxed_weighting_needs_weights(classification_data):
    X, y, X_pool, y_pool = classification_data
    model = SyntheticAugmentedClassifier(
        LogisticRegression(),
        CovarianceMatchingSelector((X_pool, y_pool), method="greedy", random_state=0),
        weighting="relaxed",
    )
    with pytest.raises(ValueError, match="needs a selector with relaxed weights"):
        model.fit(X, y)


def test_sample_weight_needs_an_estimator_that_takes_it(classification_data):
    X, y, X_pool, y_pool = classification_data
    model = SyntheticAugmentedClassifier(
        KNeighborsClassifier(), CovarianceMatchingSelector((X_pool, y_pool))
    )
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        model.fit(X, y, sample_weight=np.ones(60))


def test_regressor_forces_a_regression_selection_on_integer_targets(regression_data):
    X, y, X_pool, y_pool = regression_data
    y_int, pool_int = np.round(y).astype(int), np.round(y_pool).astype(int)
    model = SyntheticAugmentedRegressor(
        LinearRegression(),
        CovarianceMatchingSelector((X_pool, pool_int), n_select=50, random_state=0),
    ).fit(X, y_int)
    assert model.selector_.task_ == "regression"
    assert np.allclose(model.estimator_.coef_, [1.0, -2.0, 0.5], atol=0.3)
    assert model.score(X, y_int) > 0.9
