import numpy as np
import pytest

from skl_synthsel.utils._feature_space import FeatureSpace


def test_standardised_with_the_real_rows_statistics():
    rng = np.random.default_rng(0)
    real = rng.normal(loc=5.0, scale=[1.0, 10.0], size=(50, 2))
    pool = rng.normal(size=(20, 2))
    space = FeatureSpace(None, None, 0).fit(real)
    expected = (pool - real.mean(axis=0)) / real.std(axis=0)
    assert np.allclose(space.transform(pool, input_name="X_pool"), expected)
    assert space.transform(pool, input_name="X_pool").flags["C_CONTIGUOUS"]


def test_pca_is_fit_on_the_real_rows_only():
    rng = np.random.default_rng(1)
    real = rng.normal(size=(100, 3)) * [3.0, 1.0, 0.1]
    space = FeatureSpace(None, 2, 0).fit(real)
    standardised = (real - real.mean(axis=0)) / real.std(axis=0)
    components = np.linalg.svd(standardised - standardised.mean(axis=0))[2][:2]
    projected = space.transform(real, input_name="X")
    assert projected.shape == (100, 2)
    assert np.allclose(np.abs(projected), np.abs(standardised @ components.T))


def test_regression_target_is_a_standardised_coordinate():
    rng = np.random.default_rng(2)
    real, y = rng.normal(size=(40, 2)), rng.normal(loc=3.0, scale=2.0, size=40)
    space = FeatureSpace(None, None, 0).fit(real, y)
    features = space.transform(real, y, input_name="X")
    assert features.shape == (40, 3)
    assert features[:, -1].mean() == pytest.approx(0.0, abs=1e-12)
    assert features[:, -1].std() == pytest.approx(1.0)


def test_non_finite_mapped_features_are_refused():
    from sklearn.preprocessing import FunctionTransformer

    space = FeatureSpace(FunctionTransformer(np.log), None, 0).fit(np.ones((5, 2)) + 1)
    with pytest.raises(ValueError, match="turned X_pool into values with NaN"):
        space.transform(-np.ones((3, 2)), input_name="X_pool")
