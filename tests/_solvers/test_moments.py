"""Lifted Gram matrices as distinct fourth moments, against brute force."""

from math import comb

import numpy as np
import pytest

from skl_synthsel._solvers._moments import fourth_moment_gram, fourth_moment_layout
from skl_synthsel._solvers._objective import svec_columns


@pytest.mark.parametrize("d", [1, 2, 3, 6, 13])
def test_every_entry_is_its_own_weighted_fourth_moment(d):
    """Each entry against ``s_ab s_ce sum_i w_i u_ia u_ib u_ic u_ie`` (every ordered quadruple
    summed at once), over a subset of the rows in blocks of 16; each of the C(d + 3, 4) distinct
    moments is read from one place (13 dimensions: five products, some computing moments twice)."""
    rng = np.random.default_rng(d)
    U = rng.normal(size=(90, d))
    rows = np.arange(3, 90, 3)
    weights = rng.uniform(-1.0, 2.0, size=rows.size)  # any sign: the Woodbury system's 1 / D
    pair_rows, pair_cols = np.triu_indices(d)
    p = pair_rows.size
    _, firsts, offsets, index = fourth_moment_layout(d)
    assert firsts[0] == 0 and firsts[-1] == d and np.all(np.diff(firsts) > 0)
    assert np.unique(index).size == comb(d + 3, 4)
    assert 0 <= index.min() and index.max() < offsets[-1]
    gram = fourth_moment_gram(U, rows, weights, chunk_rows=16)
    assert gram.shape == (p, p)
    scale = np.where(pair_rows == pair_cols, 1.0, np.sqrt(2.0))
    V = U[rows]
    moments = np.einsum("i,ia,ib,ic,ie->abce", weights, V, V, V, V)
    expected = (
        np.outer(scale, scale)
        * moments[pair_rows[:, None], pair_cols[:, None], pair_rows[None, :], pair_cols[None, :]]
    )
    np.testing.assert_allclose(gram, expected, rtol=1e-12, atol=1e-12)


def test_all_rows_unweighted_are_the_lifted_product():
    """No rows and no weights given: every row, weight one; the lifted matrix's ``L L^T`` in
    30 dimensions (a layout of 465 x 465), over blocks of the default size."""
    rng = np.random.default_rng(0)
    U = rng.normal(size=(700, 30))
    lifted = svec_columns(U)
    expected = lifted @ lifted.T
    np.testing.assert_allclose(fourth_moment_gram(U), expected, rtol=1e-12, atol=1e-9)
