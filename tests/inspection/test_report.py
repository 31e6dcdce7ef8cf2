"""SelectionReport: per-class counts, diagnostics, weights, and the PCA picture."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import OneHotEncoder  # noqa: E402

from skl_synthsel import (  # noqa: E402
    CovarianceMatchingSelector,
    RandomSelector,
    SyntheticAugmentedClassifier,
)
from skl_synthsel.inspection import SelectionReport  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_counts_and_gaps_of_covariance_matching(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=1.0, random_state=0)
    selector.fit(X, y)
    report = SelectionReport.from_selector(selector, X, y)
    frame = report.to_frame()
    assert frame.index.tolist() == [0, 1, 2]
    assert frame["n_real"].tolist() == np.bincount(y).tolist()
    assert frame["n_pool"].tolist() == np.bincount(y_pool).tolist()
    assert frame["n_selected"].tolist() == [selector.sampling_strategy_[c] for c in (0, 1, 2)]
    assert frame["n_selected"].sum() == len(selector.selected_indices_) == 60
    np.testing.assert_allclose(frame["selected_per_real"], 1.0)
    np.testing.assert_array_equal(frame["covariance_gap"], selector.covariance_gap_)
    np.testing.assert_array_equal(frame["random_covariance_gap"], selector.random_covariance_gap_)
    np.testing.assert_allclose(
        frame["gap_ratio"], selector.covariance_gap_ / selector.random_covariance_gap_
    )
    if hasattr(selector, "weights_"):
        assert report.weights["n_positive"] == int(np.sum(selector.weights_ > 0))
    else:
        assert report.weights is None
    text = str(report)
    assert text.splitlines()[0] == (
        "CovarianceMatchingSelector: 60 of 3000 pool rows selected for 60 real rows "
        "(classification)"
    )
    assert "covariance_gap" in text
    assert ("weights_: " in text) == hasattr(selector, "weights_")


def test_projection_is_the_real_rows_pca_in_the_feature_space(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = RandomSelector((X_pool, y_pool), n_select=30, random_state=0).fit(X, y)
    report = SelectionReport.from_selector(selector, X, y)
    assert report.real_2d.shape == (60, 2) and report.pool_2d.shape == (3000, 2)
    # Fit on the real rows: they are centred, with decreasing variance along the components.
    np.testing.assert_allclose(report.real_2d.mean(axis=0), 0.0, atol=1e-12)
    variances = report.real_2d.var(axis=0)
    assert variances[0] >= variances[1]
    assert 0 < report.explained_variance_ratio.sum() <= 1
    np.testing.assert_array_equal(report.selected, selector.selected_indices_)
    assert "covariance_gap" not in report.to_frame()
    assert report.weights is None and "weights_: " not in str(report)


def test_relaxed_weights_summary(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=30, method="relaxed", random_state=0
    ).fit(X, y)
    report = SelectionReport.from_selector(selector, X, y)
    weights = selector.weights_
    assert report.weights["n_positive"] == int(np.sum(weights > 0))
    assert report.weights["sum"] == pytest.approx(weights.sum())
    assert report.weights["max"] == pytest.approx(weights.max())
    share = weights[selector.selected_indices_].sum() / weights.sum()
    assert report.weights["share_on_selected"] == pytest.approx(share)
    assert "weights_: n_positive=" in str(report)


def test_regression_has_one_row(regression_data):
    X, y, X_pool, y_pool = regression_data
    selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=25, random_state=0).fit(X, y)
    frame = SelectionReport.from_selector(selector, X, y).to_frame()
    assert frame.index.tolist() == ["all"]
    assert frame[["n_real", "n_pool", "n_selected"]].iloc[0].tolist() == [50, 2000, 25]


def test_plot_draws_pool_real_and_selected_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = RandomSelector((X_pool, y_pool), n_select=30, random_state=0).fit(X, y)
    report = SelectionReport.from_selector(selector, X, y).plot()
    pool, real, selected = report.ax_.collections
    assert len(pool.get_offsets()) == 3000
    assert len(real.get_offsets()) == 60
    np.testing.assert_allclose(selected.get_offsets(), report.pool_2d[selector.selected_indices_])
    labels = [text.get_text() for text in report.ax_.get_legend().get_texts()]
    assert labels == ["pool (3000)", "real (60)", "selected (30)"]
    assert report.figure_ is report.ax_.figure
    _, ax = plt.subplots()
    again = report.plot(ax=ax, selected_kwargs={"c": "red"})
    assert again.ax_ is ax


def test_frames_with_a_feature_map_and_a_meta_estimator():
    rng = np.random.default_rng(0)

    def table(n):
        return pd.DataFrame(
            {"a": rng.normal(size=n), "colour": pd.Categorical(rng.choice(["r", "g"], n))}
        )

    X, X_pool = table(40), table(400)
    y = pd.Series(rng.choice(["u", "v"], 40))
    y_pool = rng.choice(["u", "v"], 400)
    feature_map = ColumnTransformer(
        [("oh", OneHotEncoder(sparse_output=False), ["colour"])], remainder="passthrough"
    )
    selector = RandomSelector(
        (X_pool, y_pool), n_select=20, feature_map=feature_map, random_state=0
    )
    model = SyntheticAugmentedClassifier(LogisticRegression(), selector)
    with pytest.raises(ValueError):  # LogisticRegression cannot read the categories
        model.fit(X, y)
    selector.fit(X, y)
    frame = SelectionReport.from_selector(selector, X, y).to_frame()
    assert frame.index.tolist() == ["u", "v"] and frame["n_selected"].sum() == 20
    numeric = SyntheticAugmentedClassifier(
        LogisticRegression(), RandomSelector((X_pool[["a"]], y_pool), n_select=20)
    ).fit(X[["a"]], y)
    assert SelectionReport.from_selector(numeric, X[["a"]], y).n_selected.sum() == 20
    # One feature: the second component is zero.
    assert np.all(SelectionReport.from_selector(numeric, X[["a"]], y).real_2d[:, 1] == 0)


def test_unfitted_selector_and_wrong_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = RandomSelector((X_pool, y_pool), n_select=10)
    with pytest.raises(NotFittedError):
        SelectionReport.from_selector(selector, X, y)
    selector.fit(X, y)
    with pytest.raises(ValueError, match="fit on 4"):
        SelectionReport.from_selector(selector, X[:, :3], y)
    with pytest.raises(ValueError, match="same rows"):
        SelectionReport.from_selector(selector, X, y[:10])


def test_a_dask_pool_is_pictured_by_its_selected_rows_and_a_sample(
    classification_data, monkeypatch
):
    da = pytest.importorskip("dask.array")
    import dask

    from skl_synthsel.inspection import _report

    X, y, X_pool, y_pool = classification_data
    monkeypatch.setattr(_report, "_DASK_PICTURE_ROWS", 100)
    pool = (da.from_array(X_pool, chunks=97), da.from_array(y_pool, chunks=97))
    with dask.config.set(scheduler="synchronous"):
        selector = CovarianceMatchingSelector(pool, n_select=1.0, random_state=0).fit(X, y)
        report = SelectionReport.from_selector(selector, X, y)
    in_memory = SelectionReport.from_selector(
        CovarianceMatchingSelector((X_pool, y_pool), n_select=1.0, random_state=0).fit(X, y), X, y
    )
    # Counts over the whole pool; the picture holds the selected rows and 100 others.
    np.testing.assert_array_equal(report.n_pool, in_memory.n_pool)
    np.testing.assert_array_equal(report.n_selected, in_memory.n_selected)
    n_selected = len(selector.selected_indices_)
    assert len(report.pool_2d) == n_selected + 100 == len(report.y_pool)
    np.testing.assert_allclose(
        report.pool_2d[report.selected], in_memory.pool_2d[in_memory.selected], atol=1e-12
    )
    np.testing.assert_array_equal(
        report.y_pool[report.selected], y_pool[selector.selected_indices_]
    )
    np.testing.assert_allclose(report.real_2d, in_memory.real_2d, atol=1e-12)
