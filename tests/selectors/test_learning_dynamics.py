"""LearningDynamicsSelector (Curated LLM / Data-IQ) against hand computations and planted labels."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from skl_synthsel import make_pipeline
from skl_synthsel._solvers._learning_dynamics import (
    _binned_staged_scores,
    _sweeps_binned,
    n_stages,
    own_label_dynamics,
)
from skl_synthsel.exceptions import PoolClassWarning, QuotaNotFilledWarning
from skl_synthsel.selectors import _learning_dynamics as learning_dynamics_module
from skl_synthsel.selectors._learning_dynamics import LearningDynamicsSelector


def standardise(X_real, *others):
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


def small_model():
    return GradientBoostingClassifier(n_estimators=15, max_depth=2, random_state=0)


@pytest.fixture(scope="module")
def planted():
    """150 real rows in 3 classes, a 2000-row pool with 25% of its labels planted wrong."""
    X_all, y_all = make_classification(
        n_samples=2150,
        n_features=8,
        n_informative=5,
        n_redundant=0,
        n_classes=3,
        class_sep=2.0,
        flip_y=0,
        random_state=0,
    )
    X, y, X_pool, y_pool = X_all[:150], y_all[:150], X_all[150:], y_all[150:].copy()
    rng = np.random.default_rng(0)
    wrong = rng.random(len(y_pool)) < 0.25
    y_pool[wrong] = (y_pool[wrong] + rng.integers(1, 3, wrong.sum())) % 3
    return X, y, X_pool, y_pool, wrong


@pytest.fixture(scope="module")
def fitted(planted):
    X, y, X_pool, y_pool, _ = planted
    return LearningDynamicsSelector((X_pool, y_pool), random_state=0).fit(X, y)


def hand_dynamics(model, rows, columns):
    """Confidence and uncertainty from an explicit loop over the stages (a stages x rows list)."""
    p = np.array(
        [proba[np.arange(len(rows)), columns] for proba in model.staged_predict_proba(rows)]
    )
    return p.mean(axis=0), (p * (1 - p)).mean(axis=0), len(p)


def test_confidence_and_uncertainty_match_a_hand_computation(classification_data):
    X, y, X_pool, y_pool = classification_data
    labels = np.array(["a", "b", "c"])  # string labels: the model is fit on class codes
    selector = LearningDynamicsSelector(
        (X_pool, labels[y_pool]), estimator=small_model(), random_state=0
    ).fit(X, labels[y])
    real, pool = standardise(X, X_pool)
    model = small_model().fit(real, y)
    confidence, uncertainty, T = hand_dynamics(model, pool, y_pool)
    assert T == selector.n_stages_ == 15
    np.testing.assert_allclose(selector.confidence_, confidence, rtol=1e-10)
    np.testing.assert_allclose(selector.aleatoric_uncertainty_, uncertainty, rtol=1e-10)
    np.testing.assert_allclose(selector.scores_, confidence, rtol=1e-10)
    assert selector.estimator_.classes_.tolist() == [0, 1, 2]
    # The groups follow the published rule with y = x = 0.2.
    certain = uncertainty <= 0.2
    expected = np.where(
        certain & (confidence >= 0.8),
        "easy",
        np.where(certain & (confidence <= 0.2), "hard", "ambiguous"),
    )
    assert selector.data_iq_.tolist() == expected.tolist()
    for name in ("easy", "ambiguous", "hard"):
        counts = [np.sum((expected == name) & (y_pool == code)) for code in range(3)]
        assert getattr(selector, f"n_{name}_").tolist() == counts


def test_chunked_sweep_equals_one_chunk(classification_data):
    X, y, X_pool, y_pool = classification_data
    model = small_model().fit(X, y)
    whole = own_label_dynamics(model, X_pool, y_pool, chunk_size=len(X_pool))
    chunked = own_label_dynamics(model, X_pool, y_pool, chunk_size=128)
    for a, b in zip(whole[:2], chunked[:2], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert whole[2] == chunked[2] == 15
    empty = own_label_dynamics(model, X_pool[:0], y_pool[:0])
    assert empty[0].shape == (0,) and empty[2] == 0


class _RescaledProbabilities(HistGradientBoostingClassifier):
    """A subclass whose probabilities are not its scores' softmax: swept by its probabilities."""

    def staged_predict_proba(self, X):
        for proba in super().staged_predict_proba(X):
            yield proba**2 / (proba**2).sum(axis=1, keepdims=True)


def _scored_rows(n_classes, seed=1):
    """A fit's 200 rows and 500 others, with a column per row: its label, or 30 % another's."""
    X, y = make_classification(
        n_samples=700, n_features=6, n_informative=4, n_redundant=0, n_classes=n_classes,
        class_sep=3.0, random_state=seed,
    )  # fmt: skip
    rng = np.random.default_rng(0)
    columns = np.where(rng.random(500) < 0.3, (y[200:] + 1) % n_classes, y[200:])
    return X[:200], y[:200], X[200:], columns


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "model",
    [
        HistGradientBoostingClassifier(max_iter=12, max_depth=3, random_state=0),
        GradientBoostingClassifier(n_estimators=12, max_depth=2, random_state=0),
        GradientBoostingClassifier(
            loss="exponential", n_estimators=12, max_depth=2, random_state=0
        ),
        _RescaledProbabilities(max_iter=12, max_depth=3, random_state=0),
    ],
    ids=["hist", "gradient", "exponential", "subclass"],
)
def test_sweep_by_scores_equals_the_stage_probabilities(model, n_classes):
    """The own class's probability from the staged scores (softmax models) or the staged
    probabilities (the others) is staged_predict_proba's, up to rounding."""
    if model.get_params()["loss"] == "exponential" and n_classes > 2:
        pytest.skip("the exponential loss is binary only")
    X, y, rows, columns = _scored_rows(n_classes)
    model = model.fit(X, y)
    confidence, uncertainty, T = own_label_dynamics(model, rows, columns, chunk_size=256)
    expected = hand_dynamics(model, rows, columns)
    assert T == expected[2] == 12
    np.testing.assert_allclose(confidence, expected[0], rtol=1e-12)
    np.testing.assert_allclose(uncertainty, expected[1], rtol=1e-10)


def test_sweep_by_scores_far_apart_gives_zero_without_a_warning():
    """Scores over 709 apart overflow exp: the own probability is then 0, silently (the
    softmax's is at most 1e-308)."""
    X, y, rows, columns = _scored_rows(3)
    model = HistGradientBoostingClassifier(
        max_iter=12, max_depth=3, learning_rate=20.0, random_state=0
    ).fit(X, y)
    spread = max(np.ptp(scores, axis=1).max() for scores in model.staged_decision_function(rows))
    assert spread > 709  # the overflow happens
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        confidence, uncertainty, _ = own_label_dynamics(model, rows, columns)
    expected = hand_dynamics(model, rows, columns)
    np.testing.assert_allclose(confidence, expected[0], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(uncertainty, expected[1], rtol=1e-10, atol=1e-300)
    assert confidence.min() < 1e-3  # rows whose given class is out of the question


@pytest.mark.parametrize("n_classes", [2, 3])
def test_binned_sweep_gives_the_staged_scores_to_the_last_bit(n_classes):
    """Swept on its bins, a histogram-boosting model gives staged_decision_function's scores
    exactly: rows on the split thresholds, between them, beyond the range and missing."""
    X, y, rows, columns = _scored_rows(n_classes)
    X = X.copy()
    X[::7, 0] = np.nan  # a feature with missing values when fitting
    model = HistGradientBoostingClassifier(max_iter=12, max_depth=3, max_bins=16, random_state=0)
    model.fit(X, y)
    assert _sweeps_binned(model)  # the installed scikit-learn has what the binned sweep reads
    thresholds = model._bin_mapper.bin_thresholds_
    on_edges = np.column_stack(
        [np.resize(edges, 40) for edges in thresholds]  # every feature's upper bin edges
    )
    rows = np.vstack([rows, on_edges, np.nextafter(on_edges, np.inf), 1e6 * on_edges])
    rows[::5, 1] = np.nan  # missing where the model saw none
    binned = [scores.copy() for scores in _binned_staged_scores(model, rows)]
    public = list(model.staged_decision_function(rows))
    assert len(binned) == len(public) == 12
    for mine, theirs in zip(binned, public, strict=True):
        np.testing.assert_array_equal(mine, np.reshape(theirs, (len(rows), -1)))


def test_binned_sweep_only_for_histogram_boosting_without_categories():
    """Only histogram boosting without categorical features (no subclass, not the exact
    boosting) is swept on its bins; the others through their scores or probabilities, and
    both ways give the staged probabilities' statistics."""
    X, y, rows, columns = _scored_rows(3)
    X, rows = np.abs(X.round()), np.abs(rows.round())  # small non-negative ints: categories
    categorical = HistGradientBoostingClassifier(
        max_iter=12, max_depth=3, categorical_features=[0], random_state=0
    ).fit(X, y)
    plain = HistGradientBoostingClassifier(max_iter=12, max_depth=3, random_state=0).fit(X, y)
    subclass = _RescaledProbabilities(max_iter=12, max_depth=3, random_state=0).fit(X, y)
    exact = GradientBoostingClassifier(n_estimators=12, max_depth=2, random_state=0).fit(X, y)
    assert [_sweeps_binned(m) for m in (categorical, plain, subclass, exact)] == [
        False,
        True,
        False,
        False,
    ]
    for model in (categorical, plain):
        confidence, uncertainty, _ = own_label_dynamics(model, rows, columns)
        expected = hand_dynamics(model, rows, columns)
        np.testing.assert_allclose(confidence, expected[0], rtol=1e-12)
        np.testing.assert_allclose(uncertainty, expected[1], rtol=1e-10)


def test_drops_mostly_the_planted_wrong_labels(planted, fitted):
    *_, wrong = planted
    dropped = fitted.data_iq_ == "hard"
    precision = wrong[dropped].mean()
    assert precision >= 0.8
    assert dropped[wrong].mean() >= 0.8  # most planted labels are found
    assert dropped[~wrong].mean() <= 0.1  # few clean rows are lost
    assert dropped[wrong].mean() > 10 * dropped[~wrong].mean()
    kept = np.isin(np.arange(len(wrong)), fitted.selected_indices_)
    assert wrong[kept].mean() < 0.05  # from 25% wrong labels in the pool


def test_all_keeps_exactly_the_rows_that_are_not_hard(planted, fitted):
    X, y, X_pool, y_pool, _ = planted
    expected = np.concatenate(
        [np.flatnonzero((y_pool == label) & (fitted.data_iq_ != "hard")) for label in range(3)]
    )
    assert fitted.selected_indices_.tolist() == expected.tolist()
    assert fitted.sampling_strategy_ == {
        label: int(np.sum((y_pool == label) & (fitted.data_iq_ != "hard"))) for label in range(3)
    }
    assert fitted.n_dropped_.tolist() == fitted.n_hard_.tolist()
    assert fitted.n_hard_.sum() == np.sum(fitted.data_iq_ == "hard") > 0
    X_res, y_res = fitted.resample(X, y)
    assert len(X_res) == len(X) + len(expected)
    assert fitted.uncertainty_threshold_ == 0.2
    # The default model: classical gradient boosting, 50 stages at 0.2, on binned features.
    assert isinstance(fitted.estimator_, HistGradientBoostingClassifier)
    assert fitted.estimator_.n_iter_ == fitted.n_stages_ == 50
    params = fitted.estimator_.get_params()
    assert (
        params["learning_rate"],
        params["max_depth"],
        params["min_samples_leaf"],
        params["early_stopping"],
    ) == (0.2, 3, 1, False)


def binned_boosting(n_stages, learning_rate):
    """The default model's settings with another number of stages and learning rate."""
    return learning_dynamics_module.default_curation_model(0).set_params(
        max_iter=n_stages, learning_rate=learning_rate
    )


@pytest.mark.parametrize(
    "reference",
    [
        # scikit-learn's exact boosting, same settings: on 150 real rows the bins are the values.
        GradientBoostingClassifier(n_estimators=50, learning_rate=0.2, random_state=0),
        # The path of GradientBoostingClassifier's defaults, with twice the checkpoints.
        binned_boosting(100, 0.1),
    ],
    ids=["exact_same_settings", "100_stages_at_0.1"],
)
def test_default_model_finds_planted_labels_as_classical_boosting(planted, fitted, reference):
    """The default model flags the rows that exact boosting of the same settings flags, and
    those that 100 stages at half the learning rate flag: the means over the training path
    hardly depend on how finely the path is cut."""
    X, y, X_pool, y_pool, wrong = planted
    classical = LearningDynamicsSelector((X_pool, y_pool), estimator=reference, random_state=0)
    classical.fit(X, y)
    hard, classical_hard = fitted.data_iq_ == "hard", classical.data_iq_ == "hard"
    assert np.mean(hard == classical_hard) > 0.95
    for flags in (hard, classical_hard):
        assert (flags & wrong).sum() / flags.sum() > 0.85  # precision
        assert (flags & wrong).sum() / wrong.sum() > 0.9  # recall
    assert abs(fitted.label_noise_ - classical.label_noise_) < 0.02
    assert np.mean(np.abs(fitted.confidence_ - classical.confidence_)) < 0.05


def test_default_model_statistics_follow_the_path_not_its_checkpoints(planted, fitted):
    """Why 50 stages at 0.2: the confidence is a mean over the training path, which stages x
    learning rate spans. Cut twice as finely (100 stages at 0.1), the path gives nearly the
    same confidences; half of it (50 stages at 0.1) does not."""
    X, y, X_pool, y_pool, _ = planted

    def confidence(n_stages, learning_rate):
        model = binned_boosting(n_stages, learning_rate)
        selector = LearningDynamicsSelector((X_pool, y_pool), estimator=model, random_state=0)
        return selector.fit(X, y).confidence_

    assert np.mean(np.abs(fitted.confidence_ - confidence(100, 0.1))) < 0.02
    assert np.mean(np.abs(fitted.confidence_ - confidence(50, 0.1))) > 0.04


def test_default_model_is_the_same_on_any_thread_count(planted, fitted, monkeypatch):
    """The histogram model runs OpenMP threads; its statistics do not depend on their number.

    ``fitted`` ran on one OpenMP thread (its data is below the size rule); with the rule off,
    the fits and sweeps run on two.
    """
    X, y, X_pool, y_pool, _ = planted
    monkeypatch.setattr(learning_dynamics_module, "OPENMP_SMALL_VALUES", 0)
    with threadpool_limits(limits=2, user_api="openmp"):
        threaded = LearningDynamicsSelector((X_pool, y_pool), random_state=0).fit(X, y)
    np.testing.assert_array_equal(threaded.confidence_, fitted.confidence_)
    np.testing.assert_array_equal(threaded.selected_indices_, fitted.selected_indices_)


def test_keep_easy_keeps_only_easy_rows(planted, fitted):
    X, y, X_pool, y_pool, _ = planted
    selector = LearningDynamicsSelector((X_pool, y_pool), keep="easy", random_state=0).fit(X, y)
    assert set(fitted.data_iq_[selector.selected_indices_]) == {"easy"}
    assert len(selector.selected_indices_) == np.sum(fitted.data_iq_ == "easy")
    assert selector.n_dropped_.tolist() == (selector.n_hard_ + selector.n_ambiguous_).tolist()


def test_adaptive_uncertainty_threshold(planted, fitted):
    X, y, X_pool, y_pool, _ = planted
    u = fitted.aleatoric_uncertainty_
    expected = 0.75 * (u.max() - u.min())
    results = []
    for threshold in ("auto", 0):
        selector = LearningDynamicsSelector(
            (X_pool, y_pool), uncertainty_threshold=threshold, random_state=0
        ).fit(X, y)
        assert selector.uncertainty_threshold_ == pytest.approx(expected)
        c = selector.confidence_
        certain = u <= expected
        hard = certain & (c <= 0.2)
        easy = certain & (c >= 0.8)
        assert np.array_equal(selector.data_iq_ == "hard", hard)
        assert np.array_equal(selector.data_iq_ == "easy", easy)
        results.append(selector.selected_indices_.tolist())
    assert results[0] == results[1]


def test_quota_is_filled_at_random_from_kept_rows_only(planted, fitted):
    X, y, X_pool, y_pool, _ = planted
    selector = LearningDynamicsSelector((X_pool, y_pool), n_select=2.0, random_state=0).fit(X, y)
    chosen = selector.selected_indices_
    assert len(chosen) == 300 == len(set(chosen.tolist()))
    assert not np.any(selector.data_iq_[chosen] == "hard")
    assert selector.sampling_strategy_ == {
        label: int(round(2.0 * np.sum(y == label))) for label in range(3)
    }
    # Drawn among the kept rows, not the most confident ones first.
    kept_confidence = selector.confidence_[selector.data_iq_ != "hard"]
    assert selector.confidence_[chosen].min() < np.quantile(kept_confidence, 0.5)


def test_quota_beyond_the_kept_rows_takes_them_all_and_warns(planted, fitted):
    X, y, X_pool, y_pool, _ = planted
    n_class0 = int(np.sum(y_pool == 0))
    with pytest.warns(QuotaNotFilledWarning, match="class 0"):
        selector = LearningDynamicsSelector(
            (X_pool, y_pool), n_select={0: n_class0, 1: 10}, random_state=0
        ).fit(X, y)
    kept0 = np.flatnonzero((y_pool == 0) & (fitted.data_iq_ != "hard"))
    assert selector.sampling_strategy_ == {0: len(kept0), 1: 10, 2: 0}
    assert selector.selected_indices_[: len(kept0)].tolist() == kept0.tolist()
    assert np.isnan(selector.n_hard_[2]) and np.isnan(selector.scores_[y_pool == 2]).all()
    # The statistics cover the whole pool, whatever the quotas.
    assert not np.isnan(selector.confidence_).any()


def test_rows_of_unknown_classes_are_not_scored(classification_data):
    X, y, X_pool, y_pool = classification_data
    y_pool = y_pool.copy()
    y_pool[:5] = 7
    with pytest.warns(PoolClassWarning):
        selector = LearningDynamicsSelector(
            (X_pool, y_pool), estimator=small_model(), random_state=0
        ).fit(X, y)
    assert np.isnan(selector.confidence_[:5]).all()
    assert np.isnan(selector.aleatoric_uncertainty_[:5]).all()
    assert selector.data_iq_[:5].tolist() == [""] * 5
    assert not np.isnan(selector.confidence_[5:]).any()
    assert not np.isin(np.arange(5), selector.selected_indices_).any()


class IterationRangeModel:
    """An XGBoost-style model: stages only through ``predict_proba(X, iteration_range=...)``."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def get_params(self, deep=True):
        return {"random_state": self.random_state}

    def set_params(self, **params):
        self.random_state = params.get("random_state", self.random_state)
        return self

    def fit(self, X, y):
        self.model_ = small_model().set_params(random_state=self.random_state).fit(X, y)
        self.classes_ = self.model_.classes_
        self.n_estimators = self.model_.n_estimators_
        return self

    def predict_proba(self, X, iteration_range=None):
        stop = self.n_estimators if iteration_range is None else iteration_range[1]
        for t, proba in enumerate(self.model_.staged_predict_proba(X), start=1):
            if t == stop:
                return proba


class NumIterationModel(IterationRangeModel):
    """A LightGBM-style model: ``predict_proba(X, num_iteration=t)``."""

    def predict_proba(self, X, num_iteration=None):
        return super().predict_proba(X, iteration_range=(0, num_iteration or self.n_estimators))


@pytest.mark.parametrize("model", [IterationRangeModel, NumIterationModel])
def test_stage_limited_predict_proba_gives_the_staged_statistics(classification_data, model):
    X, y, X_pool, y_pool = classification_data
    X_pool, y_pool = X_pool[:300], y_pool[:300]
    staged = LearningDynamicsSelector(
        (X_pool, y_pool), estimator=small_model(), random_state=0
    ).fit(X, y)
    duck = LearningDynamicsSelector(
        (X_pool, y_pool), estimator=model(random_state=0), random_state=0
    ).fit(X, y)
    assert n_stages(duck.estimator_) == duck.n_stages_ == 15
    np.testing.assert_allclose(duck.confidence_, staged.confidence_, rtol=1e-12)
    np.testing.assert_allclose(duck.aleatoric_uncertainty_, staged.aleatoric_uncertainty_)
    assert duck.selected_indices_.tolist() == staged.selected_indices_.tolist()


def test_histogram_gradient_boosting_is_accepted(classification_data):
    X, y, X_pool, y_pool = classification_data
    estimator = HistGradientBoostingClassifier(max_iter=20, min_samples_leaf=5)
    selector = LearningDynamicsSelector((X_pool, y_pool), estimator=estimator).fit(X, y)
    assert selector.n_stages_ == selector.estimator_.n_iter_ == 20
    assert selector.estimator_.random_state is not None  # set from random_state
    assert estimator.random_state is None  # the parameter itself is left alone
    real, pool = standardise(X, X_pool)
    confidence, uncertainty, _ = hand_dynamics(selector.estimator_, pool, y_pool)
    np.testing.assert_allclose(selector.confidence_, confidence, rtol=1e-10)


def test_an_estimator_without_stages_is_refused(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = LearningDynamicsSelector((X_pool, y_pool), estimator=RandomForestClassifier())
    with pytest.raises(TypeError, match="RandomForestClassifier exposes no boosting stages"):
        selector.fit(X, y)
    with pytest.raises(TypeError, match="staged_predict_proba"):
        own_label_dynamics(LogisticRegression().fit(X, y), X_pool, y_pool)


def test_regression_is_refused_naming_an_alternative(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = LearningDynamicsSelector((X_pool, y_pool))
    with pytest.raises(ValueError, match="needs class labels.*DiscriminatorSelector"):
        selector.fit(X, y)


@pytest.mark.parametrize("n_select", ["all", 50])
def test_same_seed_same_selection(planted, n_select):
    X, y, X_pool, y_pool, _ = planted
    X_pool, y_pool = X_pool[:600], y_pool[:600]
    # A randomised model whose random_state is left to the selector's.
    estimator = GradientBoostingClassifier(n_estimators=15, max_depth=2, subsample=0.7)

    def fit(seed):
        return LearningDynamicsSelector(
            (X_pool, y_pool), estimator=estimator, n_select=n_select, random_state=seed
        ).fit(X, y)

    first, second, other = fit(3), fit(3), fit(4)
    assert first.selected_indices_.tolist() == second.selected_indices_.tolist()
    np.testing.assert_array_equal(first.confidence_, second.confidence_)
    np.testing.assert_array_equal(first.aleatoric_uncertainty_, second.aleatoric_uncertainty_)
    assert not np.array_equal(first.confidence_, other.confidence_)
    assert estimator.random_state is None


def test_in_a_pipeline_and_a_grid_search(planted):
    X, y, X_pool, y_pool, _ = planted
    X_pool, y_pool = X_pool[:600], y_pool[:600]
    selector = LearningDynamicsSelector((X_pool, y_pool), estimator=small_model(), random_state=0)
    pipe = make_pipeline(selector, LogisticRegression())
    assert pipe.fit(X, y).score(X, y) > 0.7
    search = GridSearchCV(pipe, {"learningdynamicsselector__n_select": [0, 1.0, "all"]}, cv=3)
    search.fit(X, y)
    assert search.best_params_["learningdynamicsselector__n_select"] in (0, 1.0, "all")
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_pandas_in_and_out(classification_data):
    X, y, X_pool, y_pool = classification_data
    columns = [f"f{i}" for i in range(X.shape[1])]
    names = np.array(["low", "mid", "high"])
    X_df, y_s = pd.DataFrame(X, columns=columns), pd.Series(names[y], name="target")
    pool = (pd.DataFrame(X_pool, columns=columns), pd.Series(names[y_pool], name="target"))
    selector = LearningDynamicsSelector(pool, estimator=small_model(), random_state=0)
    X_res, y_res = selector.fit_resample(X_df, y_s)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == columns
    assert isinstance(y_res, pd.Series) and y_res.name == "target"
    assert len(X_res) == len(X) + len(selector.selected_indices_)
    assert set(selector.sampling_strategy_) == {"high", "low", "mid"}
    assert selector.feature_names_in_.tolist() == columns
    # Same selection as with arrays and integer labels.
    codes = np.searchsorted(np.sort(names), names)
    plain = LearningDynamicsSelector(
        (X_pool, codes[y_pool]), estimator=small_model(), random_state=0
    ).fit(X, codes[y])
    np.testing.assert_allclose(selector.confidence_, plain.confidence_, rtol=1e-10)


def test_invalid_parameters_are_refused(classification_data):
    X, y, X_pool, y_pool = classification_data
    for params in (
        {"confidence_threshold": 0.7},
        {"uncertainty_threshold": -0.1},
        {"uncertainty_threshold": "adaptive"},
        {"keep": "ambiguous"},
    ):
        with pytest.raises(ValueError):
            LearningDynamicsSelector((X_pool, y_pool), **params).fit(X, y)


def test_excess_drop_spares_a_faithful_pool_and_still_removes_planted_labels():
    from sklearn.datasets import make_classification

    X_all, y_all = make_classification(
        n_samples=1650, n_features=5, n_informative=3, n_redundant=0, class_sep=1.0, random_state=8
    )
    X, y, X_pool, y_pool = X_all[:150], y_all[:150], X_all[150:], y_all[150:]
    published = LearningDynamicsSelector((X_pool, y_pool), random_state=0).fit(X, y)
    calibrated = LearningDynamicsSelector((X_pool, y_pool), drop="excess", random_state=0)
    calibrated.fit(X, y)
    assert 0 < calibrated.real_drop_share_ < 0.2
    # A faithful pool: only its excess over the real rows' own share is dropped, per class.
    expected = sum(
        max(
            int(published.dropped_mask_[y_pool == k].sum())
            - int(np.floor(calibrated.real_drop_share_ * np.sum(y_pool == k))),
            0,
        )
        for k in (0, 1)
    )
    assert calibrated.dropped_mask_.sum() == expected
    assert calibrated.dropped_mask_.sum() < 0.5 * published.dropped_mask_.sum()
    # The rows it spares are the most confident of those the published rule drops.
    for k in (0, 1):
        spared = published.dropped_mask_ & ~calibrated.dropped_mask_ & (y_pool == k)
        still = calibrated.dropped_mask_ & (y_pool == k)
        if still.any() and spared.any():
            assert calibrated.confidence_[spared].min() >= calibrated.confidence_[still].max()
    wrong = np.random.default_rng(0).random(len(y_pool)) < 0.25
    noisy = np.where(wrong, 1 - y_pool, y_pool)
    curated = LearningDynamicsSelector((X_pool, noisy), drop="excess", random_state=0).fit(X, y)
    dropped = curated.dropped_mask_
    assert wrong[dropped].mean() > 0.75  # what it drops is mostly the planted labels
    assert wrong[~dropped].mean() < 0.7 * wrong.mean()


def test_label_noise_matches_a_hand_computation(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = LearningDynamicsSelector(
        (X_pool, y_pool), estimator=small_model(), random_state=0
    ).fit(X, y)
    # Cross-fitted confidences of the real rows (5 stratified folds), by an explicit loop.
    from sklearn.model_selection import StratifiedKFold

    real, pool = standardise(X, X_pool)
    held_out_confidence, pool_confidence = np.empty(len(y)), np.empty(len(y_pool))
    splits = StratifiedKFold(5, shuffle=True, random_state=0).split(real, y)
    for fold, (train, test) in enumerate(splits):
        model = small_model().fit(real[train], y[train])
        held_out_confidence[test] = hand_dynamics(model, real[test], y[test])[0]
        # The same fold models score the pool, each its fifth (every fifth row from `fold`).
        dealt = slice(fold, None, 5)
        pool_confidence[dealt] = hand_dynamics(model, pool[dealt], y_pool[dealt])[0]
    c_real, c_pool = held_out_confidence.mean(), pool_confidence.mean()
    c_wrong = np.mean((1 - held_out_confidence) / 2)  # 3 classes
    expected = np.clip((c_real - c_pool) / (c_real - c_wrong), 0, 1)
    assert selector.label_noise_ == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("rate", [0.0, 0.1, 0.25, 0.5])
def test_label_noise_estimates_the_planted_rate(rate):
    """Labels replaced by a uniformly chosen other class (the estimate's model), 4 tables of
    150 real rows: unbiased on average, each within its sampling error (about 0.05)."""
    errors = []
    for seed in range(4):
        X_all, y_all = make_classification(
            n_samples=4150, n_features=8, n_informative=5, n_redundant=0, n_classes=3,
            class_sep=1.5, flip_y=0, random_state=seed,
        )  # fmt: skip
        X, y, X_pool, y_pool = X_all[:150], y_all[:150], X_all[150:], y_all[150:].copy()
        rng = np.random.default_rng(0)
        wrong = rng.random(len(y_pool)) < rate
        y_pool[wrong] = (y_pool[wrong] + rng.integers(1, 3, wrong.sum())) % 3
        selector = LearningDynamicsSelector((X_pool, y_pool), random_state=0).fit(X, y)
        errors.append(selector.label_noise_ - wrong.mean())
    assert np.max(np.abs(errors)) < 0.1
    assert abs(np.mean(errors)) < 0.03
