"""pandas extension dtypes (category, Int64, boolean, string) round-trip through fit_resample."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from skl_synthsel import (
    CovarianceMatchingSelector,
    RandomSelector,
    SyntheticAugmentedClassifier,
)
from skl_synthsel.utils._output import stack_rows

SELECTORS = [RandomSelector, CovarianceMatchingSelector]


def _frame(n, rng, *, text=True):
    columns = {
        "a": rng.normal(size=n),
        "count": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        "flag": pd.array(rng.random(n) > 0.5, dtype="boolean"),
        "level": pd.array(rng.normal(size=n), dtype="Float64"),
    }
    if text:
        columns["colour"] = pd.Categorical(rng.choice(["red", "blue"], n))
        columns["city"] = pd.array(rng.choice(["Oslo", "Rome"], n), dtype="string")
    return pd.DataFrame(columns)


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    X, X_pool = _frame(40, rng), _frame(400, rng)
    y = pd.Series(pd.Categorical(rng.choice(["cat", "dog"], 40)), name="animal")
    y_pool = pd.Series(pd.Categorical(rng.choice(["cat", "dog"], 400)), name="animal")
    return X, y, X_pool, y_pool


def _one_hot_map():
    return ColumnTransformer(
        [("text", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["colour", "city"])],
        remainder="passthrough",
    )


@pytest.mark.parametrize("Selector", SELECTORS)
def test_extension_dtypes_round_trip_with_a_feature_map(Selector, tables):
    X, y, X_pool, y_pool = tables
    selector = Selector((X_pool, y_pool), n_select=20, feature_map=_one_hot_map(), random_state=0)
    X_out, y_out = selector.fit_resample(X, y)
    assert list(X_out.dtypes) == list(X.dtypes)
    assert y_out.dtype == y.dtype and y_out.name == "animal"
    assert len(X_out) == len(y_out) == 60
    # The real rows come first, unchanged; the selected rows are the pool's rows, dtypes kept.
    pd.testing.assert_frame_equal(X_out.iloc[:40], X)
    expected = X_pool.iloc[selector.selected_indices_].reset_index(drop=True)
    pd.testing.assert_frame_equal(X_out.iloc[40:].reset_index(drop=True), expected)
    assert y_out.iloc[40:].tolist() == y_pool.iloc[selector.selected_indices_].tolist()
    assert y_out.value_counts().sum() == 60


@pytest.mark.parametrize("Selector", SELECTORS)
def test_numeric_extension_dtypes_without_a_feature_map(Selector):
    rng = np.random.default_rng(1)
    X, X_pool = _frame(40, rng, text=False), _frame(400, rng, text=False)
    y = pd.Series(rng.integers(0, 2, 40), dtype="Int64")
    y_pool = pd.Series(rng.integers(0, 2, 400), dtype="Int64")
    X_out, y_out = Selector((X_pool, y_pool), n_select=10, random_state=0).fit_resample(X, y)
    assert list(X_out.dtypes) == list(X.dtypes)
    assert y_out.dtype == "Int64" and len(y_out) == 50


@pytest.mark.parametrize(
    "y_dtype", ["category", "string", "boolean", "Int64"], ids=lambda dtype: f"y-{dtype}"
)
def test_extension_dtype_targets_round_trip(y_dtype):
    rng = np.random.default_rng(2)
    X, X_pool = rng.normal(size=(30, 3)), rng.normal(size=(300, 3))
    values = {"category": ["a", "b"], "string": ["a", "b"], "boolean": [True, False]}.get(
        y_dtype, [0, 1]
    )
    y = pd.Series(rng.choice(values, 30)).astype(y_dtype)
    y_pool = pd.Series(rng.choice(values, 300)).astype(y_dtype)
    selector = RandomSelector((X_pool, y_pool), n_select=12, random_state=0)
    X_out, y_out = selector.fit_resample(X, y)
    assert X_out.shape == (42, 3)
    assert y_out.dtype == y.dtype
    assert y_out.tolist()[30:] == y_pool.iloc[selector.selected_indices_].tolist()
    # Per-class quotas follow the real class proportions, whatever the dtype.
    assert sum(selector.sampling_strategy_.values()) == 12


def test_category_target_with_a_plain_pool_target():
    rng = np.random.default_rng(3)
    X, X_pool = rng.normal(size=(30, 2)), rng.normal(size=(300, 2))
    y = pd.Series(pd.Categorical(rng.choice(["x", "y"], 30)))
    y_pool = rng.choice(["x", "y"], 300)  # a numpy array of str
    X_out, y_out = RandomSelector((X_pool, y_pool), n_select=10, random_state=0).fit_resample(X, y)
    assert isinstance(y_out.dtype, pd.CategoricalDtype)
    assert list(y_out.cat.categories) == ["x", "y"]
    assert y_out.isna().sum() == 0


def test_augmented_classifier_with_category_target_and_extension_features(tables):
    X, y, X_pool, y_pool = tables
    numeric = ["a", "count", "flag", "level"]
    model = SyntheticAugmentedClassifier(
        LogisticRegression(),
        CovarianceMatchingSelector((X_pool[numeric], y_pool), n_select=20, random_state=0),
    )
    model.fit(X[numeric], y)
    assert list(model.classes_) == ["cat", "dog"]
    assert set(model.predict(X[numeric])) <= {"cat", "dog"}
    assert len(model.selector_.selected_indices_) == 20


def test_new_categories_extend_an_unordered_categorical():
    real = pd.DataFrame({"colour": pd.Categorical(["red", "blue"])})
    pool = pd.DataFrame({"colour": ["green", "red"]})
    out = stack_rows(real, pool, [0, 1])
    assert isinstance(out["colour"].dtype, pd.CategoricalDtype)
    assert out["colour"].tolist() == ["red", "blue", "green", "red"]
    assert set(out["colour"].cat.categories) == {"red", "blue", "green"}


def test_lossy_casts_are_refused_and_pandas_upcasts():
    real = pd.DataFrame({"count": pd.array([1, 2], dtype="Int64")})
    out = stack_rows(real, np.array([[1.5], [3.0]]), [0, 1])
    # 1.5 does not fit in Int64: it is kept, not truncated.
    assert out["count"].tolist() == [1, 2, 1.5, 3.0]
    ordered = pd.Series(pd.Categorical(["lo", "hi"], categories=["lo", "hi"], ordered=True))
    out = stack_rows(ordered, np.array(["mid"]), [0])
    assert out.tolist() == ["lo", "hi", "mid"] and out.isna().sum() == 0


def test_include_real_false_keeps_the_container():
    real = pd.Series(pd.Categorical(["a", "b"]), name="label")
    out = stack_rows(real, np.array(["b", "a", "b"]), [2, 1], include_real=False)
    assert out.tolist() == ["b", "a"] and out.name == "label"
    assert out.dtype == real.dtype


def test_mixed_str_and_int_labels_give_a_clear_type_error():
    rng = np.random.default_rng(4)
    X, X_pool = rng.normal(size=(30, 2)), rng.normal(size=(300, 2))
    y = np.array(["a", 1] * 15, dtype=object)
    y_pool = np.array(["a", 1] * 150, dtype=object)
    with pytest.raises(TypeError, match="mixes string labels"):
        RandomSelector((X_pool, y_pool), n_select=10).fit_resample(X, y)


def test_mixed_pool_labels_give_a_clear_type_error():
    rng = np.random.default_rng(5)
    X, X_pool = rng.normal(size=(30, 2)), rng.normal(size=(300, 2))
    y = np.array(["a", "b"] * 15)
    y_pool = np.array(["a", 1] * 150, dtype=object)
    with pytest.raises(TypeError, match="y_pool mixes string labels"):
        RandomSelector((X_pool, y_pool), n_select=10).fit_resample(X, y)


def test_mixed_labels_through_the_meta_estimator_are_a_type_error():
    # The library's own message, never a silent fit.
    rng = np.random.default_rng(6)
    X, X_pool = rng.normal(size=(30, 2)), rng.normal(size=(300, 2))
    y = np.array(["a", 1] * 15, dtype=object)
    model = SyntheticAugmentedClassifier(
        LogisticRegression(), RandomSelector((X_pool, y.repeat(10)), n_select=10)
    )
    with pytest.raises(TypeError, match="mixes string labels"):
        model.fit(X, y)
