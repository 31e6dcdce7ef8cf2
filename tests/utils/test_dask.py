"""The Dask pass primitives: each one against the in-memory computation on the same rows."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

from skl_synthsel._solvers._certificate import certify  # noqa: E402
from skl_synthsel._solvers._chunked import (  # noqa: E402
    quadratic_forms,
    squared_row_norms,
    weighted_scatter,
)
from skl_synthsel._solvers._max_entropy import solve_max_entropy  # noqa: E402
from skl_synthsel._solvers._reachable import _lifted_gram  # noqa: E402
from skl_synthsel.utils._dask import (  # noqa: E402
    DaskRows,
    PassCounter,
    _collection_rows,
)


@pytest.fixture(autouse=True)
def _synchronous():
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5003, 4)) @ rng.normal(size=(4, 4))
    # Uneven blocks, not multiples of the in-memory chunk size.
    collection = da.from_array(values, chunks=((1500, 7, 2000, 1496), (2, 2)))
    return values, _collection_rows(collection, PassCounter())


def test_blocks_hold_whole_rows_in_order(rows):
    values, dask_rows = rows
    assert dask_rows.shape == values.shape
    assert list(dask_rows.block_rows) == [1500, 7, 2000, 1496]
    order = np.array([5002, 0, 1506, 3, 2000, 3])  # any order, repeats kept
    np.testing.assert_array_equal(dask_rows[order], values[order])
    assert dask_rows.counter.passes == 1  # the gather read every block
    dask_rows[np.array([1, 2])]
    assert (dask_rows.counter.passes, dask_rows.counter.gathers) == (1, 1)


def test_subset_and_centring_stay_lazy_and_match(rows):
    values, dask_rows = rows
    chosen = np.flatnonzero(values[:, 0] > 0)
    centre = values.mean(axis=0)
    subset = dask_rows.subset(chosen) - centre
    assert dask_rows.counter.passes == 0
    assert len(subset) == chosen.size and sum(subset.block_rows) == chosen.size
    np.testing.assert_array_equal(subset[np.arange(chosen.size)], values[chosen] - centre)


def test_pass_primitives_match_the_in_memory_ones(rows):
    values, dask_rows = rows
    rng = np.random.default_rng(1)
    dense = rng.uniform(size=len(values))
    sparse = np.zeros(len(values))
    sparse[rng.choice(len(values), 40, replace=False)] = 1.0
    matrix = rng.normal(size=(4, 4))
    matrix = matrix + matrix.T
    scale = np.abs(values).max() ** 2
    for weights in (dense, sparse):
        expected = (values * weights[:, None]).T @ values
        np.testing.assert_allclose(
            weighted_scatter(dask_rows, weights), expected, rtol=0, atol=1e-12 * scale * 5003
        )
    np.testing.assert_allclose(
        quadratic_forms(dask_rows, matrix),
        np.einsum("ij,jk,ik->i", values, matrix, values),
        rtol=1e-12,
        atol=1e-12,
    )
    np.testing.assert_allclose(squared_row_norms(dask_rows), (values**2).sum(axis=1), rtol=1e-14)
    free = np.flatnonzero(dense > 0.3)
    np.testing.assert_allclose(
        _lifted_gram(dask_rows, free, 7.0, None),
        _lifted_gram(values, free, 7.0, None),
        rtol=1e-11,
        atol=1e-9,
    )


def test_sparse_scatter_gathers_instead_of_passing(rows):
    values, dask_rows = rows
    weights = np.zeros(len(values))
    weights[[3, 1600]] = 1.0
    before = dask_rows.counter.passes
    weighted_scatter(dask_rows, weights)
    assert dask_rows.counter.passes == before  # two blocks read, not a pass


def test_certificate_and_entropy_on_blocks(rows):
    values, dask_rows = rows
    centred_values = values - values.mean(axis=0)
    centred = dask_rows - values.mean(axis=0)
    target = np.cov(centred_values[:300].T, bias=True) * 0.8
    weights = np.zeros(len(values))
    weights[:500] = 1.0
    for expected, got in zip(
        vars(certify(centred_values, target, weights)).values(),
        vars(certify(centred, target, weights)).values(),
        strict=True,
    ):
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)
    in_memory = solve_max_entropy(centred_values, target, 0.3)
    on_blocks = solve_max_entropy(centred, target, 0.3)
    assert on_blocks.reached == in_memory.reached
    np.testing.assert_allclose(on_blocks.probabilities, in_memory.probabilities, rtol=1e-6)
    # One pass per evaluation of the dual, as the in-memory solver counts them.
    assert centred.counter.passes <= on_blocks.n_passes + 2


def test_rows_need_two_dimensions():
    with pytest.raises(ValueError, match="2D Dask array"):
        _collection_rows(da.zeros(10, chunks=5), PassCounter())


def test_empty_gather_has_the_columns(rows):
    _, dask_rows = rows
    assert isinstance(dask_rows, DaskRows)
    assert dask_rows[np.array([], dtype=int)].shape == (0, 4)
