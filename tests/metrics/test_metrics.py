"""Tests for skl_synthsel.metrics against brute-force and closed-form values."""

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import sqrtm
from sklearn.base import clone
from sklearn.covariance import LedoitWolf
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from skl_synthsel.metrics import (
    augmentation_gain,
    covariance_ratio_spectrum,
    covariance_shift,
    detection_auc,
    generalization_difference,
    mean_shift,
    ranking_consistency,
)
from skl_synthsel.metrics._utility import _concordant_fraction
from skl_synthsel.theory import mixed_least_squares_risk


@pytest.fixture(autouse=True)
def single_thread():
    with threadpool_limits(limits=1):
        yield


def _gaussian(n, p, seed, scale=1.0, shift=0.0):
    return np.random.RandomState(seed).normal(size=(n, p)) * scale + shift


# ------------------------------------------------------------------ shift metrics


def test_covariance_shift_against_brute_force():
    X_real = _gaussian(50, 4, 0)
    X_syn = _gaussian(70, 4, 1, scale=[1.0, 2.0, 0.5, 1.0])
    shift = covariance_shift(X_real, X_syn)
    cov_r, cov_s = np.cov(X_real.T), np.cov(X_syn.T)
    expected = np.sqrt(np.sum((cov_s - cov_r) ** 2))
    assert shift["frobenius"] == pytest.approx(expected)
    assert shift["relative"] == pytest.approx(expected / np.sqrt(np.sum(cov_r**2)))
    # A synthetic table that is the real one scaled by 2 has 4x its covariance.
    assert covariance_shift(X_real, 2 * X_real)["relative"] == pytest.approx(3.0)
    assert covariance_shift(X_real, X_real + 5.0)["frobenius"] == pytest.approx(0.0)


def test_standardised_shift_ignores_units():
    X_real, X_syn = _gaussian(60, 3, 2), _gaussian(80, 3, 3, scale=1.5, shift=0.3)
    units = np.array([1.0, 1000.0, 0.001])
    for metric in (covariance_shift, mean_shift):
        plain = metric(X_real, X_syn, standardize=True)
        rescaled = metric(X_real * units, X_syn * units, standardize=True)
        for key in plain:
            assert rescaled[key] == pytest.approx(plain[key])
    # Without standardising, the column in thousands dominates.
    raw = covariance_shift(X_real * units, X_syn * units)["frobenius"]
    assert raw > 100 * covariance_shift(X_real, X_syn)["frobenius"]
    # Standardised mean shift: the mean difference in real standard deviations.
    std = X_real.std(axis=0, ddof=1)
    expected = np.linalg.norm((X_syn.mean(axis=0) - X_real.mean(axis=0)) / std)
    assert mean_shift(X_real, X_syn, standardize=True)["euclidean"] == pytest.approx(expected)


def test_mean_shift_values():
    X_real = _gaussian(40, 2, 4)
    shift = mean_shift(X_real, X_real + [3.0, -4.0])
    assert shift["euclidean"] == pytest.approx(5.0)
    spread = np.sqrt(np.trace(np.cov(X_real.T)))
    assert shift["relative"] == pytest.approx(5.0 / spread)


def test_covariance_ratio_spectrum_against_matrix_roots():
    X_real = _gaussian(300, 5, 5)
    X_syn = _gaussian(400, 5, 6) @ np.diag([1.0, 2.0, 1.0, 0.5, 1.0]) + 1.0
    spectrum = covariance_ratio_spectrum(X_real, X_syn, noise_var=2.0)
    # EmpiricalCovariance uses ddof=0.
    cov_r = np.cov(X_real.T, ddof=0)
    cov_s = np.cov(X_syn.T, ddof=0)
    root_inv = np.linalg.inv(np.real(sqrtm(cov_r)))
    brute = np.sort(np.linalg.eigvalsh(root_inv @ cov_s @ root_inv))[::-1]
    np.testing.assert_allclose(spectrum["eigenvalues"], brute, rtol=1e-8)
    assert spectrum["trace_ratio"] == pytest.approx(brute.mean())
    assert spectrum["t1_risk"] == pytest.approx(
        mixed_least_squares_risk(cov_r, cov_s, 300, 400, 2.0)
    )
    matched = mixed_least_squares_risk(cov_r, brute.mean() * cov_r, 300, 400, 2.0)
    assert spectrum["t1_risk_matched"] == pytest.approx(matched)
    assert spectrum["t1_risk_matched"] <= spectrum["t1_risk"]
    assert spectrum["real_only_risk"] == pytest.approx(2.0 * 5 / (300 - 5))
    # Invariant to an invertible linear map of the features.
    A = np.random.RandomState(0).normal(size=(5, 5))
    mapped = covariance_ratio_spectrum(X_real @ A, X_syn @ A, noise_var=2.0)
    np.testing.assert_allclose(mapped["eigenvalues"], brute, rtol=1e-6)


def test_covariance_ratio_spectrum_few_real_rows():
    X_real, X_syn = _gaussian(4, 6, 7), _gaussian(100, 6, 8)
    with pytest.raises(ValueError, match="LedoitWolf"):
        covariance_ratio_spectrum(X_real, X_syn)
    spectrum = covariance_ratio_spectrum(
        X_real, X_syn, covariance_estimator=LedoitWolf(), n_synthetic=1
    )
    assert spectrum["eigenvalues"].shape == (6,)
    assert np.isnan(spectrum["t1_risk"])  # 4 + 1 rows <= 6 features
    assert spectrum["real_only_risk"] == np.inf


@pytest.mark.parametrize("metric", [covariance_shift, mean_shift, detection_auc])
def test_shift_metrics_reject_bad_input(metric):
    X = _gaussian(30, 3, 9)
    with pytest.raises(ValueError, match="X_real has 3 features but X_syn has 2"):
        metric(X, X[:, :2])
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        metric(X, X_nan)


# ----------------------------------------------------------- generalization_difference


def _linear_data(n, seed, *, shift=0.0, scale=1.0, misspecified=False):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 3)) * scale + shift
    signal = X @ np.array([1.0, -2.0, 0.5])
    if misspecified:
        signal = signal + 0.7 * X[:, 0] ** 2
    return X, signal + 0.5 * rng.normal(size=n)


@pytest.mark.parametrize("misspecified", [False, True])
def test_generalization_difference_correct_vs_misspecified(misspecified):
    X_real, y_real = _linear_data(300, 0, misspecified=misspecified)
    X_test, y_test = _linear_data(3000, 1, misspecified=misspecified)
    X_syn, y_syn = _linear_data(300, 2, shift=2.0, scale=1.5, misspecified=misspecified)
    result = generalization_difference(
        LinearRegression(), X_syn, y_syn, X_real, y_real, X_test, y_test, n_repeats=2
    )
    noise_var = 0.25
    if misspecified:
        # The linear fit on shifted rows extrapolates the quadratic badly.
        assert result["signed"] > 4 * noise_var
    else:
        # Both excess risks are O(noise_var * p / n) = 0.0025; the test-set
        # estimate adds O(noise_var * sqrt(2 / 3000)) = 0.006.
        assert result["absolute"] < 0.1 * noise_var
    assert result["absolute"] == pytest.approx(abs(result["signed"]))
    per_seed = result["per_seed"]
    np.testing.assert_allclose(
        per_seed["signed"], per_seed["risk_synthetic"] - per_seed["risk_real"]
    )
    # LinearRegression has no randomness: every repetition gives the same risks.
    assert result["signed_std"] == pytest.approx(0.0, abs=1e-12)
    # The risk is the test mean squared error of each model.
    model = LinearRegression().fit(X_syn, y_syn)
    mse = np.mean((model.predict(X_test) - y_test) ** 2)
    assert result["risk_synthetic"] == pytest.approx(mse)


def test_generalization_difference_repeats_and_evaluation_target():
    X_real, y_real = _linear_data(100, 3, misspecified=True)
    X_test, y_test = _linear_data(500, 4, misspecified=True)
    X_syn, y_syn = _linear_data(200, 5, misspecified=True)
    estimator = DecisionTreeRegressor(max_features=1)
    arguments = (estimator, X_syn, y_syn, X_real, y_real, X_test, y_test)
    options = dict(n_repeats=4, subsample=0.5, random_state=0)
    result = generalization_difference(*arguments, **options)
    assert result["per_seed"]["signed"].shape == (4,)
    assert result["signed_std"] > 0
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    again = generalization_difference(*arguments, **options)
    assert again["signed"] == result["signed"]


def test_generalization_difference_evaluated_on_synthetic_rows():
    X_real, y_real = _linear_data(200, 6)
    X_test, y_test = _linear_data(1000, 7)
    X_syn, y_syn = _linear_data(400, 8)
    y_flipped = -y_syn  # a consistent but wrong law: y = -X beta + noise
    kwargs = {"n_repeats": 2, "random_state": 0}
    on_real = generalization_difference(
        LinearRegression(), X_syn, y_flipped, X_real, y_real, X_test, y_test, **kwargs
    )
    on_syn = generalization_difference(
        LinearRegression(),
        X_syn,
        y_flipped,
        X_real,
        y_real,
        X_test,
        y_test,
        evaluate_on="synthetic",
        test_size=0.5,
        **kwargs,
    )
    # Judged on its own law the synthetic model looks as good as the real one.
    assert on_syn["absolute"] < 0.1
    assert on_real["signed"] > 10
    assert on_syn["risk_real"] == pytest.approx(on_real["risk_real"])
    # Different seeds give different synthetic splits.
    assert on_syn["signed_std"] > 0


def test_generalization_difference_classifier_default_is_error_rate():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] > 0).astype(int)
    X_syn, y_syn = X[:200], 1 - y[:200]  # every synthetic label wrong
    result = generalization_difference(
        LogisticRegression(),
        X_syn,
        y_syn,
        X[200:300],
        y[200:300],
        X[300:],
        y[300:],
        n_repeats=1,
    )
    assert 0.9 < result["risk_synthetic"] <= 1.0
    assert 0.0 <= result["risk_real"] < 0.1
    accuracy = generalization_difference(
        LogisticRegression(),
        X_syn,
        y_syn,
        X[200:300],
        y[200:300],
        X[300:],
        y[300:],
        n_repeats=1,
        scoring="accuracy",
    )
    assert accuracy["signed"] == pytest.approx(result["signed"])
    assert accuracy["risk_real"] == pytest.approx(result["risk_real"] - 1)


def test_generalization_difference_rejects_bad_input():
    X, y = _linear_data(50, 0)
    with pytest.raises(ValueError, match="X_syn and y_syn"):
        generalization_difference(LinearRegression(), X, y[:-1], X, y, X, y)
    with pytest.raises(ValueError, match="X_test and y_test"):
        generalization_difference(LinearRegression(), X, y, X, y, X, y[:10])
    with pytest.raises(ValueError, match="evaluate_on"):
        generalization_difference(LinearRegression(), X, y, X, y, X, y, evaluate_on="both")
    with pytest.raises(ValueError, match="subsample"):
        generalization_difference(LinearRegression(), X, y, X, y, X, y, subsample=500)
    with pytest.raises((TypeError, ValueError), match="estimator"):
        generalization_difference("not a model", X, y, X, y, X, y)


# ---------------------------------------------------------------- ranking_consistency


def test_ranking_consistency_with_separated_models():
    X_real, y_real = _linear_data(200, 10)
    X_test, y_test = _linear_data(2000, 11)
    X_syn, _ = _linear_data(400, 12, shift=1.0)
    # Poor synthetic responses: the right signal, four times the noise.
    y_syn = X_syn @ np.array([1.0, -2.0, 0.5]) + 2.0 * np.random.RandomState(0).normal(size=400)
    models = {
        "dummy": DummyRegressor(),
        "strong_ridge": Ridge(alpha=2000.0),
        "mild_ridge": Ridge(alpha=50.0),
        "ols": LinearRegression(),
    }
    result = ranking_consistency(models, X_syn, y_syn, X_real, y_real, X_test, y_test)
    assert result["kendall_tau"] == 1.0
    assert result["concordant_fraction"] == 1.0
    assert result["same_best"] and result["best_real"] == "ols"
    assert result["names"] == list(models)
    assert np.all(np.diff(result["risk_real"]) < 0)
    for model in models.values():
        with pytest.raises(NotFittedError):
            check_is_fitted(model)


def test_ranking_consistency_detects_reversed_order():
    X_real, y_real = _linear_data(200, 13)
    X_test, y_test = _linear_data(1000, 14)
    X_syn, y_syn = _linear_data(200, 15)
    models = [DummyRegressor(), LinearRegression()]
    # Synthetic responses that are pure noise reverse the order.
    y_noise = np.random.RandomState(1).normal(size=200) * 3
    result = ranking_consistency(models, X_syn, y_noise, X_real, y_real, X_test, y_test)
    assert result["names"] == ["dummyregressor", "linearregression"]
    assert result["best_real"] == "linearregression"
    assert result["best_synthetic"] == "dummyregressor"
    assert result["kendall_tau"] == -1.0 and not result["same_best"]
    # Named pairs, repeated classes get numbered names.
    pairs = ranking_consistency(
        [("a", Ridge(1.0)), ("b", Ridge(10.0))],
        X_syn,
        y_syn,
        X_real,
        y_real,
        X_test,
        y_test,
    )
    assert pairs["names"] == ["a", "b"]
    listed = ranking_consistency(
        [Ridge(1.0), Ridge(10.0), DummyRegressor()],
        X_syn,
        y_syn,
        X_real,
        y_real,
        X_test,
        y_test,
    )
    assert listed["names"] == ["ridge-1", "ridge-2", "dummyregressor"]
    with pytest.raises(ValueError, match="at least 2 estimators"):
        ranking_consistency([Ridge()], X_syn, y_syn, X_real, y_real, X_test, y_test)


def test_concordant_fraction_brute_force():
    rng = np.random.RandomState(0)
    for _ in range(20):
        a = rng.randint(0, 3, size=6).astype(float)
        b = rng.randint(0, 3, size=6).astype(float)
        total = []
        for i in range(6):
            for j in range(i + 1, 6):
                sa, sb = np.sign(a[i] - a[j]), np.sign(b[i] - b[j])
                if sa == 0 and sb == 0:
                    total.append(1.0)
                elif sa == 0 or sb == 0:
                    total.append(0.5)
                else:
                    total.append(float(sa == sb))
        assert _concordant_fraction(a, b) == pytest.approx(np.mean(total))


# ---------------------------------------------------------------------- detection


def test_detection_auc_same_and_shifted_distributions():
    X_real = _gaussian(400, 3, 20)
    same = detection_auc(X_real, _gaussian(400, 3, 21), random_state=0)
    # Null standard error of an AUC on ~80 + 80 rows per fold is ~0.046; the
    # mean over 5 folds has about 0.046 / sqrt(5) = 0.02.
    assert abs(same - 0.5) < 4 * 0.021
    shifted = detection_auc(X_real, _gaussian(400, 3, 22, shift=3.0), random_state=0)
    assert shifted > 0.97
    # The default classifier also sees a pure covariance change.
    dispersed = detection_auc(X_real, _gaussian(400, 3, 23, scale=3.0), random_state=0)
    assert dispersed > 0.8
    linear = detection_auc(
        X_real,
        _gaussian(400, 3, 23, scale=3.0),
        classifier=LogisticRegression(),
        random_state=0,
    )
    assert linear < dispersed
    assert detection_auc(X_real, X_real + 3.0, random_state=1) == detection_auc(
        X_real, X_real + 3.0, random_state=1
    )


# -------------------------------------------------------------------- augmentation


def test_augmentation_gain_sign_and_value():
    X_real, y_real = _linear_data(8, 30)
    X_syn, y_syn = _linear_data(300, 31, shift=1.0)
    X_test, y_test = _linear_data(1000, 32)
    result = augmentation_gain(LinearRegression(), X_real, y_real, X_syn, y_syn, X_test, y_test)
    real_mse = np.mean((LinearRegression().fit(X_real, y_real).predict(X_test) - y_test) ** 2)
    both = LinearRegression().fit(np.vstack([X_real, X_syn]), np.r_[y_real, y_syn])
    aug_mse = np.mean((both.predict(X_test) - y_test) ** 2)
    assert result["score_real"] == pytest.approx(-real_mse)
    assert result["score_augmented"] == pytest.approx(-aug_mse)
    assert result["gain"] == pytest.approx(real_mse - aug_mse)
    assert result["gain"] > 0
    # Synthetic rows with reversed responses hurt.
    bad = augmentation_gain(LinearRegression(), X_real, y_real, X_syn, -y_syn, X_test, y_test)
    assert bad["gain"] < 0


def test_augmentation_gain_dataframes_and_clone():
    X_real, y_real = _linear_data(30, 33)
    X_syn, y_syn = _linear_data(60, 34)
    X_test, y_test = _linear_data(100, 35)
    columns = ["a", "b", "c"]
    X_real_df = pd.DataFrame(X_real, columns=columns)
    estimator = LinearRegression()
    as_frames = augmentation_gain(
        estimator,
        X_real_df,
        pd.Series(y_real),
        X_syn,
        y_syn,
        pd.DataFrame(X_test, columns=columns),
        y_test,
    )
    as_arrays = augmentation_gain(clone(estimator), X_real, y_real, X_syn, y_syn, X_test, y_test)
    assert as_frames["gain"] == pytest.approx(as_arrays["gain"])
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    with pytest.raises(ValueError, match="X_syn and y_syn"):
        augmentation_gain(estimator, X_real, y_real, X_syn, y_syn[:5], X_test, y_test)


def test_default_scoring_needs_a_classifier_or_regressor():
    from sklearn.cluster import KMeans

    X, y = _linear_data(30, 36)
    with pytest.raises(ValueError, match="pass scoring explicitly"):
        augmentation_gain(KMeans(n_clusters=2, n_init=1), X, y, X, y, X, y)
    # A classifier's default risk is the error rate.
    labels = (y > 0).astype(int)
    result = augmentation_gain(DummyClassifier(), X, labels, X, labels, X, labels)
    assert -1 <= result["score_real"] <= 0
