"""What every selector shares: validation, the pool, quotas, containers, cloning."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skl_synthsel import CovarianceMatchingSelector, RandomSelector
from skl_synthsel.exceptions import PoolClassWarning


@pytest.fixture
def frames(classification_data):
    X, y, X_pool, y_pool = classification_data
    columns = ["age", "income", "score", "height"]
    X_df = pd.DataFrame(X, columns=columns).astype({"age": np.float32})
    pool_df = pd.DataFrame(X_pool, columns=columns)
    return X_df, pd.Series(y, name="label"), pool_df, pd.Series(y_pool, name="label")


def test_pandas_round_trip_keeps_columns_dtypes_and_name(frames):
    X_df, y_s, pool_df, pool_y = frames
    selector = CovarianceMatchingSelector((pool_df, pool_y), n_select=1.0, random_state=0)
    X_res, y_res = selector.fit_resample(X_df, y_s)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert X_res.columns.tolist() == X_df.columns.tolist()
    assert X_res.dtypes.tolist() == X_df.dtypes.tolist()
    assert y_res.name == "label" and y_res.dtype == y_s.dtype
    assert len(X_res) == 120
    pd.testing.assert_frame_equal(X_res.iloc[:60], X_df)
    assert np.allclose(
        X_res.iloc[60:].to_numpy(), pool_df.iloc[selector.selected_indices_].to_numpy(), atol=1e-6
    )
    assert selector.feature_names_in_.tolist() == X_df.columns.tolist()
    assert selector.get_feature_names_out().tolist() == X_df.columns.tolist()


def test_same_selection_for_arrays_and_frames(frames, classification_data):
    X, y, X_pool, y_pool = classification_data
    X_df, y_s, pool_df, pool_y = frames
    on_arrays = CovarianceMatchingSelector((X_pool, y_pool), random_state=0).fit(X, y)
    on_frames = CovarianceMatchingSelector((pool_df, pool_y), random_state=0).fit(
        X_df.astype(float), y_s
    )
    assert np.array_equal(on_arrays.selected_indices_, on_frames.selected_indices_)


def test_selected_rows_only(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=30, include_real=False, random_state=0
    )
    X_res, y_res = selector.fit_resample(X, y)
    assert np.array_equal(X_res, X_pool[selector.selected_indices_])
    assert np.array_equal(y_res, y_pool[selector.selected_indices_])


def test_lists_in_lists_out_and_float32_kept(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=10, random_state=0)
    X_res, y_res = selector.fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_res, list) and isinstance(y_res, list) and len(X_res) == 70
    X32, _ = selector.fit_resample(X.astype(np.float32), y)
    assert X32.dtype == np.float32


def test_inputs_are_never_mutated(frames):
    X_df, y_s, pool_df, pool_y = frames
    copies = [X_df.copy(), y_s.copy(), pool_df.copy(), pool_y.copy()]
    CovarianceMatchingSelector((pool_df, pool_y), random_state=0).fit_resample(X_df, y_s)
    for before, after in zip(copies, [X_df, y_s, pool_df, pool_y], strict=True):
        assert before.equals(after)


def test_clone_shares_the_pool_arrays(classification_data):
    _, _, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    cloned = clone(selector)
    assert np.shares_memory(cloned.pool[0], X_pool)
    assert np.shares_memory(cloned.pool[1], y_pool)
    assert cloned.get_params()["n_select"] == 2.0
    cloned.set_params(n_select=3.0)
    assert selector.n_select == 2.0


def test_feature_map_for_categorical_columns():
    rng = np.random.default_rng(0)

    def table(n):
        return pd.DataFrame(
            {
                "colour": rng.choice(["red", "blue"], n),
                "size": rng.normal(size=n),
                "weight": rng.normal(size=n),
            }
        )

    X, X_pool = table(40), table(400)
    y, y_pool = rng.integers(2, size=40), rng.integers(2, size=400)
    encode = ColumnTransformer(
        [("cat", OneHotEncoder(), ["colour"]), ("num", StandardScaler(), ["size", "weight"])]
    )
    selector = CovarianceMatchingSelector((X_pool, y_pool), feature_map=encode, random_state=0)
    X_res, _ = selector.fit_resample(X, y)
    assert X_res.columns.tolist() == ["colour", "size", "weight"]
    assert X_res["colour"].isin(["red", "blue"]).all() and len(X_res) == 80


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["X", "X_pool"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_are_refused(classification_data, where, bad):
    X, y, X_pool, y_pool = (a.copy() for a in classification_data)
    (X if where == "X" else X_pool)[3, 1] = bad
    with pytest.raises(ValueError, match=f"Input {where} contains (NaN|infinity)"):
        CovarianceMatchingSelector((X_pool, y_pool)).fit(X, y)


def test_pool_with_another_number_of_columns(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="The pool has 3 columns but X has 4"):
        CovarianceMatchingSelector((X_pool[:, :3], y_pool)).fit(X, y)


def test_pool_with_other_column_names(frames):
    X_df, y_s, pool_df, pool_y = frames
    renamed = pool_df.rename(columns={"age": "years"})
    with pytest.raises(ValueError, match=r"missing \['age'\], unexpected \['years'\]"):
        CovarianceMatchingSelector((renamed, pool_y)).fit(X_df, y_s)
    reordered = pool_df[["income", "age", "score", "height"]]
    with pytest.raises(ValueError, match="same names in another order"):
        CovarianceMatchingSelector((reordered, pool_y)).fit(X_df, y_s)


def test_class_absent_from_the_pool(classification_data):
    X, y, X_pool, y_pool = classification_data
    keep = y_pool != 2
    with pytest.raises(ValueError, match="Class 2 of y is absent from the pool"):
        CovarianceMatchingSelector((X_pool[keep], y_pool[keep])).fit(X, y)


def test_quota_larger_than_the_pool_class(classification_data):
    X, y, X_pool, y_pool = classification_data
    keep = (y_pool != 2) | (np.cumsum(y_pool == 2) <= 10)
    with pytest.raises(ValueError, match="quota of class 2 is 20 rows but the pool has only 10"):
        CovarianceMatchingSelector((X_pool[keep], y_pool[keep]), n_select=2.0).fit(X, y)


def test_pool_classes_unknown_to_y_are_reported(classification_data):
    X, y, X_pool, y_pool = classification_data
    relabelled = np.where(np.arange(len(y_pool)) < 5, 7, y_pool)
    with pytest.warns(PoolClassWarning, match=r"classes \[7\] that y does not have") as record:
        selector = CovarianceMatchingSelector((X_pool, relabelled), random_state=0).fit(X, y)
    assert not np.isin(selector.selected_indices_, np.arange(5)).any()
    # Reported at the user's line (this file), not inside the library or scikit-learn.
    assert record[0].filename == __file__


@pytest.mark.parametrize("n_select", [-3, -1.5, "most"])
def test_negative_or_unknown_n_select(classification_data, n_select):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="'n_select' parameter"):
        CovarianceMatchingSelector((X_pool, y_pool), n_select=n_select).fit(X, y)


@pytest.mark.parametrize(
    "n_select, error, message",
    [
        (True, TypeError, "boolean"),
        ({0: 2.7}, ValueError, "whole, non-negative"),
        ({0: -1}, ValueError, "whole, non-negative"),
        ({0: True}, ValueError, "whole, non-negative"),
    ],
)
def test_boolean_and_fractional_quotas_are_refused(classification_data, n_select, error, message):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(error, match=message):
        CovarianceMatchingSelector((X_pool, y_pool), n_select=n_select).fit(X, y)


def test_auto_amount_is_refused_by_selectors_that_cannot_choose_it(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="cannot choose the amount.*CovarianceMatchingSelector"):
        RandomSelector((X_pool, y_pool), n_select="auto").fit(X, y)


def test_a_numeric_target_read_as_classes_suggests_regression(classification_data):
    X, _, X_pool, _ = classification_data
    y = np.round(X[:, 0] * 10)  # whole-number floats, e.g. a count or a score
    y_pool = np.round(X_pool[:, 0] * 10) + 0.5
    with pytest.raises(ValueError, match="task='regression'"):
        RandomSelector((X_pool, y_pool), n_select=1.0).fit(X, y)


def test_repr_summarises_the_pool():
    X_pool, y_pool = np.zeros((100_000, 4)), np.zeros(100_000)
    text = repr(RandomSelector((X_pool, y_pool), n_select=2.0))
    assert len(text) < 300
    assert "ndarray of shape (100000, 4)" in text and "n_select=2.0" in text


def test_pool_of_wrong_shape_or_type(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="pair"):
        CovarianceMatchingSelector((X_pool, y_pool, y_pool)).fit(X, y)
    with pytest.raises(ValueError, match="'pool' parameter"):
        CovarianceMatchingSelector(X_pool).fit(X, y)
    with pytest.raises(ValueError, match="2500 rows in X_pool but 3000 targets"):
        CovarianceMatchingSelector((X_pool[:2500], y_pool)).fit(X, y)


def test_one_class_and_multioutput_targets(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="only one class"):
        CovarianceMatchingSelector((X_pool, y_pool)).fit(X, np.zeros(60, dtype=int))
    with pytest.raises(ValueError, match="Multi-output targets are not supported"):
        CovarianceMatchingSelector((X_pool, y_pool)).fit(X, np.random.rand(60, 2))
