"""SequentialSelector and AutoSelector: curation, then matching, then the amount."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skl_synthsel import (
    AutoSelector,
    CovarianceMatchingSelector,
    LearningDynamicsSelector,
    RandomSelector,
    SequentialSelector,
    VerifierSelector,
    make_pipeline,
)


def _table(seed=0, n_real=120, n_pool=1800):
    X, y = make_classification(
        n_samples=n_real + n_pool,
        n_features=5,
        n_informative=3,
        n_redundant=0,
        class_sep=1.5,
        random_state=seed,
    )
    return X[:n_real], y[:n_real], X[n_real:], y[n_real:]


def test_each_step_chooses_from_the_rows_the_previous_kept():
    X, y, X_pool, y_pool = _table()
    selector = SequentialSelector(
        (X_pool, y_pool),
        [RandomSelector(None, n_select=600), CovarianceMatchingSelector(None)],
        n_select=50,
        random_state=0,
    ).fit(X, y)
    first, second = selector.kept_indices_
    assert len(first) == 600 and len(second) == 50
    assert np.isin(second, first).all()
    assert np.array_equal(selector.selected_indices_, second)
    # The last step saw exactly the first step's rows as its pool.
    assert np.array_equal(selector.steps_[1].X_pool_, X_pool[first])
    assert sum(selector.sampling_strategy_.values()) == 50


def test_steps_must_be_selectors():
    X, y, X_pool, y_pool = _table()
    with pytest.raises(TypeError, match="steps must be a non-empty list"):
        SequentialSelector((X_pool, y_pool), [LogisticRegression()]).fit(X, y)
    with pytest.raises(ValueError, match="cannot choose the amount"):
        SequentialSelector((X_pool, y_pool), [RandomSelector(None)], n_select="auto").fit(X, y)


def test_auto_takes_the_whole_pool_of_the_real_distribution():
    X, y, X_pool, y_pool = _table(seed=1)
    selector = AutoSelector((X_pool, y_pool), random_state=0).fit(X, y)
    curated, matched = selector.kept_indices_
    assert isinstance(selector.steps_[0], LearningDynamicsSelector)
    # Curation keeps most of a faithful pool; the amount is then (nearly) all of it.
    assert len(curated) > 0.7 * len(X_pool)
    assert len(matched) > 0.85 * len(curated)


def test_auto_drops_planted_wrong_labels_and_takes_less_of_a_distorted_pool():
    X, y, X_pool, y_pool = _table(seed=2)
    rng = np.random.default_rng(0)
    wrong = rng.random(len(y_pool)) < 0.25
    noisy = np.where(wrong, 1 - y_pool, y_pool)
    distorted = X_pool.copy()
    distorted[::3] *= 3.0
    faithful_amount = len(
        AutoSelector((X_pool, y_pool), random_state=0).fit(X, y).selected_indices_
    )
    # label_noise_tolerance=1: curation and matching, never the verified rows.
    selector = AutoSelector((distorted, noisy), label_noise_tolerance=1.0, random_state=0)
    chosen = selector.fit(X, y).selected_indices_
    assert selector.strategy_ == "match"
    assert wrong[chosen].mean() < 0.5 * wrong.mean()  # curation removed most planted labels
    assert len(chosen) < 0.8 * faithful_amount


@pytest.mark.parametrize("rate", [0.25, 0.4])
def test_auto_adds_only_verified_rows_when_the_labels_are_unreliable(rate):
    X, y, X_pool, y_pool = _table(seed=2)
    wrong = np.random.default_rng(0).random(len(y_pool)) < rate
    noisy = np.where(wrong, 1 - y_pool, y_pool)
    selector = AutoSelector((X_pool, noisy), random_state=0).fit(X, y)
    # The estimate is the planted rate (flips to the other class) up to sampling error.
    assert selector.label_noise_ == selector.steps_[0].label_noise_
    assert abs(selector.label_noise_ - wrong.mean()) < 0.06
    assert selector.strategy_ == "verify"
    assert isinstance(selector.steps_[1], VerifierSelector)
    # Two rows per real row of each class, those the verifier is surest of: few are wrong.
    assert selector.sampling_strategy_ == {k: 2 * int(np.sum(y == k)) for k in (0, 1)}
    assert wrong[selector.selected_indices_].mean() < 0.05 * rate / 0.25
    faithful = AutoSelector((X_pool, y_pool), random_state=0).fit(X, y)
    assert faithful.strategy_ == "match" and faithful.label_noise_ < 0.05
    # A fixed amount is the verifier's too.
    fixed = AutoSelector((X_pool, noisy), n_select=1.0, random_state=0).fit(X, y)
    assert fixed.sampling_strategy_ == {k: int(np.sum(y == k)) for k in (0, 1)}


def test_auto_regression_skips_curation(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = AutoSelector((X_pool, y_pool), random_state=0).fit(X, y)
    assert [type(step) for step in selector.steps_] == [CovarianceMatchingSelector]
    assert 0 < len(selector.selected_indices_) <= len(X_pool)


def test_grid_search_chooses_between_none_ratios_all_and_auto():
    X, y, X_pool, y_pool = _table(seed=3)
    pipe = make_pipeline(AutoSelector((X_pool, y_pool), random_state=0), LogisticRegression())
    grid = {"autoselector__n_select": [0, 1.0, "all", "auto"]}
    search = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["autoselector__n_select"] in (0, 1.0, "all", "auto")
    zero = make_pipeline(RandomSelector((X_pool, y_pool), n_select=0), LogisticRegression())
    real_only = LogisticRegression().fit(X, y)
    assert np.allclose(zero.fit(X, y)[-1].coef_, real_only.coef_)
