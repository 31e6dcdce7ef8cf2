"""The feature space neither underflows (columns near 1e-200) nor overflows (near 1e200)."""

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skl_synthsel import CovarianceMatchingSelector, RandomSelector
from skl_synthsel.utils._feature_space import FeatureSpace, PowerOfTwoScaler


@pytest.fixture
def rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    return X, y, X_pool, y_pool


def test_power_of_two_scaling_is_exact_for_ordinary_columns():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(50, 3)) * [1.0, 40.0, 0.01]
    pool = rng.normal(size=(200, 3))
    expected = StandardScaler().fit(real).transform(pool)
    # Bit for bit what standardisation alone gives: the selections of today are kept.
    np.testing.assert_array_equal(
        FeatureSpace(None, None, 0).fit(real).transform(pool, input_name="X_pool"), expected
    )
    scaler = PowerOfTwoScaler().fit(real)
    scaled = scaler.transform(real)
    assert np.all(np.abs(scaled).max(axis=0) < 1) and np.all(np.abs(scaled).max(axis=0) >= 0.5)


@pytest.mark.parametrize("factor", [1e-200, 1e200, 2.0**-900, 1e-300])
def test_tiny_and_huge_columns_give_the_same_feature_space(factor):
    rng = np.random.default_rng(1)
    real = rng.normal(size=(40, 3))
    pool = rng.normal(size=(100, 3))
    reference = FeatureSpace(None, None, 0).fit(real).transform(pool, input_name="X_pool")
    space = FeatureSpace(None, None, 0).fit(real * factor)
    scaled = space.transform(pool * factor, input_name="X_pool")
    np.testing.assert_allclose(scaled, reference, rtol=1e-12, atol=1e-12)
    # Without the power-of-two scaling the variance underflows (or overflows).
    with np.errstate(all="ignore"):
        plain = StandardScaler().fit(real * factor).transform(pool * factor)
    assert not np.allclose(plain, reference, atol=1e-6)


@pytest.mark.parametrize("factor", [1e-200, 1e200])
@pytest.mark.parametrize("Selector", [CovarianceMatchingSelector, RandomSelector])
def test_selection_does_not_change_with_the_units(Selector, factor, rows):
    X, y, X_pool, y_pool = rows
    reference = Selector((X_pool, y_pool), n_select=30, random_state=0).fit(X, y)
    scaled = Selector((X_pool * factor, y_pool), n_select=30, random_state=0).fit(X * factor, y)
    np.testing.assert_array_equal(scaled.selected_indices_, reference.selected_indices_)


def test_regression_target_near_1e_minus_200_is_standardised():
    rng = np.random.default_rng(2)
    real, y = rng.normal(size=(40, 2)), rng.normal(loc=3.0, scale=2.0, size=40)
    reference = FeatureSpace(None, None, 0).fit(real, y).transform(real, y, input_name="X")
    tiny = FeatureSpace(None, None, 0).fit(real, y * 1e-200)
    np.testing.assert_allclose(tiny.transform(real, y * 1e-200, input_name="X"), reference)


def test_overflow_is_named_with_the_fix():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(20, 2)) * 1e-200
    space = FeatureSpace(None, None, 0).fit(real)
    pool = np.full((3, 2), 1e300)  # finite, but 1e500 times the real rows' spread
    with pytest.raises(ValueError, match="overflows float64.*Rescale the columns") as info:
        space.transform(pool, input_name="X_pool")
    assert "impute" not in str(info.value).lower()


def test_overflow_in_a_feature_map_is_named():
    space = FeatureSpace(FunctionTransformer(np.exp), None, 0).fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="X_pool overflows float64.*feature map"):
        space.transform(np.full((2, 2), 1000.0), input_name="X_pool")


def test_selector_with_pool_far_beyond_the_real_range_says_overflow(rows):
    X, y, X_pool, y_pool = rows
    X_pool = X_pool.copy()
    X_pool[0] = 1e306
    selector = RandomSelector((X_pool, y_pool), n_select=10, random_state=0)
    with pytest.raises(ValueError, match="overflows float64"):
        selector.fit(X * 1e-10, y)


def test_missing_values_still_say_impute():
    import pandas as pd

    space = FeatureSpace(FunctionTransformer(), None, 0).fit(np.ones((4, 2)) + np.eye(4, 2))
    with pytest.raises(ValueError, match="has missing or infinite values. Impute"):
        space.transform(pd.DataFrame({"a": [1.0, np.nan], "b": [1.0, 2.0]}), input_name="X_pool")
