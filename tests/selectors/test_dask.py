"""Pools held as Dask collections, selected on a LocalCluster: the in-memory answer, in passes."""

import numpy as np
import pandas as pd
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from skl_synthsel import (  # noqa: E402
    CenterMatchingSelector,
    CenterSamplingSelector,
    CovarianceMatchingSelector,
    DiscriminatorSelector,
    KMeansSelector,
    RandomSelector,
    VerifierSelector,
)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            # Each worker holds ~300 MB once it has imported the package and its
            # dependencies; at 400 MB it would pause at 80 % and a test would hang. The
            # 400 MB workers of the check run in benchmarks/bench_dask.py.
            memory_limit="2GB",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _problem(n_pool, d, *, seed=0, classes=True):
    """Real rows, and a pool whose every third row is over-dispersed (so matching matters)."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    X = rng.normal(size=(300, d)) @ mixing
    X_pool = rng.normal(size=(n_pool, d)) @ mixing
    X_pool[::3] *= 1.5
    if classes:
        return X, (X[:, 0] > 0).astype(int), X_pool, (X_pool[:, 0] > 0).astype(int)
    coef = rng.normal(size=d)
    return X, X @ coef, X_pool, X_pool @ coef + rng.normal(size=n_pool)


def _gap(X_selected_centred, target):
    """The covariance gap, computed from scratch on the gathered rows."""
    moment = X_selected_centred.T @ X_selected_centred / len(X_selected_centred)
    return float(np.linalg.norm(moment - target))


@pytest.mark.parametrize("method", ["relaxed", "entropy"])
def test_same_answer_as_in_memory(client, method):
    X, y, X_pool, y_pool = _problem(12000, 5)
    # Uneven blocks, not aligned with anything.
    pool = (da.from_array(X_pool, chunks=(3001, 5)).persist(), y_pool)
    params = {"method": method, "n_select": 2.0, "random_state": 0, "solver": "fast"}
    in_memory = CovarianceMatchingSelector((X_pool, y_pool), **params).fit(X, y)
    selector = CovarianceMatchingSelector(pool, **params)
    X_res, y_res = selector.fit_resample(X, y)
    scale = selector.target_norm_
    np.testing.assert_allclose(selector.target_norm_, in_memory.target_norm_, rtol=1e-12)
    assert np.all(np.abs(selector.covariance_gap_ - in_memory.covariance_gap_) <= 1e-6 * scale)
    assert np.all(np.abs(selector.certificate_ - in_memory.certificate_) <= 1e-6 * scale)
    # Exactly k rows per class, after the real rows, as numpy.
    assert len(selector.selected_indices_) == 600
    assert sorted(selector.sampling_strategy_.values()) == sorted(
        in_memory.sampling_strategy_.values()
    )
    assert isinstance(X_res, np.ndarray) and X_res.shape == (900, 5)
    np.testing.assert_array_equal(X_res[300:], X_pool[selector.selected_indices_])
    np.testing.assert_array_equal(y_res[300:], y_pool[selector.selected_indices_])
    assert 0 < selector.n_pool_passes_ <= 80


def test_the_reported_gap_is_the_gathered_rows_gap(client):
    X, y, X_pool, y_pool = _problem(12000, 5, classes=False)
    selector = CovarianceMatchingSelector(
        (da.from_array(X_pool, chunks=2500), y_pool), method="relaxed", n_select=300
    ).fit(X, y)
    space = selector.feature_space_
    real = space.transform(X, input_name="X")
    chosen = space.transform(X_pool[selector.selected_indices_], input_name="X_pool")
    target = selector.target_covariance_[0]
    gap = _gap(chosen - real.mean(axis=0), target)
    assert selector.covariance_gap_[0] == pytest.approx(gap, rel=1e-9)
    assert 0 <= selector.certificate_[0] <= 1e-2 * selector.target_norm_[0]


def test_greedy_gives_k_rows_and_a_valid_certificate(client):
    # 60,000 rows per class: above the greedy's former 50,000-row sample, within 64 MiB.
    X, y, X_pool, y_pool = _problem(120000, 5)
    pool = (da.from_array(X_pool, chunks=24000), da.from_array(y_pool, chunks=35000))
    greedy = CovarianceMatchingSelector(pool, method="greedy", n_select=1.0).fit(X, y)
    relaxed = CovarianceMatchingSelector((X_pool, y_pool), method="relaxed", n_select=1.0).fit(X, y)
    assert len(np.unique(greedy.selected_indices_)) == len(greedy.selected_indices_) == 300
    assert np.all(greedy.certificate_ >= 0)
    # Its certified bound holds: below the relaxed optimum of the whole pool.
    bound = greedy.covariance_gap_ - greedy.certificate_
    assert np.all(bound <= relaxed.relaxed_lower_bound_ + relaxed.duality_gap_ + 1e-9)
    assert np.all(greedy.covariance_gap_ < 0.5 * greedy.random_covariance_gap_)
    # A class within the gather budget is matched whole: the in-memory greedy's rows exactly.
    in_memory = CovarianceMatchingSelector((X_pool, y_pool), method="greedy", n_select=1.0).fit(
        X, y
    )
    np.testing.assert_array_equal(greedy.selected_indices_, in_memory.selected_indices_)
    np.testing.assert_allclose(greedy.covariance_gap_, in_memory.covariance_gap_, atol=1e-12)


@pytest.mark.parametrize(
    "selector_class",
    [
        RandomSelector,
        CenterMatchingSelector,
        CenterSamplingSelector,
        VerifierSelector,
        DiscriminatorSelector,
    ],
)
def test_scoring_selectors_choose_the_in_memory_rows(client, selector_class):
    X, y, X_pool, y_pool = _problem(6000, 4)
    pool = (da.from_array(X_pool, chunks=1700), y_pool)
    in_memory = selector_class((X_pool, y_pool), random_state=0).fit(X, y)
    selector = selector_class(pool, random_state=0).fit(X, y)
    np.testing.assert_array_equal(selector.selected_indices_, in_memory.selected_indices_)
    if hasattr(in_memory, "scores_"):
        np.testing.assert_allclose(selector.scores_, in_memory.scores_, rtol=1e-10)
    # Random reads no row; the others one pass per class (two classes), the discriminator
    # also one to gather its training rows.
    expected_passes = {RandomSelector: 0, DiscriminatorSelector: 4}.get(selector_class, 2)
    assert selector.n_pool_passes_ == expected_passes


def test_dataframe_with_a_target_column_keeps_the_containers(client):
    X, y, X_pool, y_pool = _problem(5000, 3)
    columns = ["a", "b", "c"]
    X_frame = pd.DataFrame(X, columns=columns).astype({"c": np.float32})
    frame = pd.DataFrame(X_pool, columns=columns).assign(label=y_pool)
    pool = dd.from_pandas(frame, npartitions=4)
    selector = CenterSamplingSelector((pool, "label"), random_state=0)
    X_res, y_res = selector.fit_resample(X_frame, pd.Series(y, name="label"))
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == columns
    assert X_res["c"].dtype == np.float32 and isinstance(y_res, pd.Series)
    np.testing.assert_allclose(
        X_res.iloc[300:].to_numpy(), X_pool[selector.selected_indices_], rtol=1e-6
    )
    np.testing.assert_array_equal(y_res.iloc[300:], y_pool[selector.selected_indices_])
    in_memory = CenterSamplingSelector((frame[columns], y_pool), random_state=0).fit(X_frame, y)
    np.testing.assert_array_equal(selector.selected_indices_, in_memory.selected_indices_)
    # A pair of Dask collections gives the same selection.
    pair = CenterSamplingSelector((pool[columns], pool["label"]), random_state=0).fit(X_frame, y)
    np.testing.assert_array_equal(pair.selected_indices_, selector.selected_indices_)


def test_lazy_pool_of_many_blocks(client):
    # Generated block by block on the workers: the pool never exists as one array.
    d, n_pool = 6, 150_000
    generator = da.random.default_rng(1)
    X_pool = generator.standard_normal((n_pool, d), chunks=(15_000, d))
    X_pool = X_pool * da.where(da.arange(n_pool, chunks=15_000) % 3 == 0, 1.5, 1.0)[:, None]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, d))
    y, y_pool = rng.normal(size=300), rng.normal(size=n_pool)
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", n_select=2.0, random_state=0
    )
    X_res, _ = selector.fit_resample(X, y)
    assert len(np.unique(selector.selected_indices_)) == 600 and X_res.shape == (900, d)
    np.testing.assert_array_equal(X_res[300:], X_pool[selector.selected_indices_].compute())
    assert selector.certificate_[0] < 1e-2 * selector.target_norm_[0]
    assert selector.n_pool_passes_ <= 60


def test_other_selectors_refuse_a_dask_pool_and_name_those_that_accept_it():
    X, y, X_pool, y_pool = _problem(500, 3)
    with pytest.raises(ValueError, match="KMeansSelector does not accept.*CovarianceMatching"):
        KMeansSelector((da.from_array(X_pool), y_pool)).fit(X, y)


def test_bad_dask_pools_are_named():
    X, y, X_pool, y_pool = _problem(500, 3)
    with pytest.raises(ValueError, match="pool has 2 columns but X has 3"):
        RandomSelector((da.from_array(X_pool[:, :2]), y_pool)).fit(X, y)
    with pytest.raises(ValueError, match="rows in X_pool"):
        RandomSelector((da.from_array(X_pool), y_pool[:-1])).fit(X, y)
    with pytest.raises(ValueError, match="names a target column"):
        RandomSelector((da.from_array(X_pool), "label")).fit(X, y)
    with pytest.raises(ValueError, match="solves over the whole pool in memory"):
        CovarianceMatchingSelector(
            (da.from_array(X_pool), y_pool), method="relaxed", solver="CLARABEL"
        ).fit(X, y)
    broken = X_pool.copy()
    broken[400, 1] = np.nan
    with pytest.raises(ValueError, match="X_pool contains NaN or infinity"):
        CenterMatchingSelector((da.from_array(broken, chunks=100), y_pool)).fit(X, y)


def test_local_scheduler_without_a_client():
    import dask

    X, y, X_pool, y_pool = _problem(3000, 3)
    with dask.config.set(scheduler="threads"):
        selector = CovarianceMatchingSelector(
            (da.from_array(X_pool, chunks=700), y_pool), solver="fast", random_state=0
        ).fit(X, y)
    in_memory = CovarianceMatchingSelector((X_pool, y_pool), solver="fast", random_state=0).fit(
        X, y
    )
    np.testing.assert_allclose(selector.covariance_gap_, in_memory.covariance_gap_, atol=1e-9)


def test_repr_shows_a_lazy_pool_without_computing_it():
    from dask.callbacks import Callback

    X, y, X_pool, y_pool = _problem(500, 3)
    frame = dd.from_pandas(pd.DataFrame(X_pool, columns=list("abc")).assign(t=y_pool), 2)
    filtered = da.from_array(X_pool, chunks=100)
    filtered = filtered[filtered[:, 0] > -10]  # unknown row count
    computes = []
    with Callback(start=lambda dsk: computes.append(1)):
        shown = [repr(RandomSelector((frame, "t"))), repr(RandomSelector((filtered, y_pool)))]
    assert computes == []
    assert "(<DataFrame of shape (?, 4)>, 't')" in shown[0]
    assert "<Array of shape (?, 3)>" in shown[1] and len(shown[1]) < 300
