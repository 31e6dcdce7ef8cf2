import numpy as np
import pytest

from skl_synthsel.utils._quotas import largest_remainder, resolve_n_select


@pytest.mark.parametrize("total", [0, 1, 7, 100, 1001])
def test_largest_remainder_sums_exactly_and_stays_within_one_of_the_exact_share(total):
    shares = np.array([5, 3, 2, 1])
    counts = largest_remainder(total, shares)
    assert counts.sum() == total
    assert np.all(np.abs(counts - total * shares / shares.sum()) < 1)


def test_largest_remainder_breaks_ties_by_order():
    assert largest_remainder(2, [1, 1, 1]).tolist() == [1, 1, 0]


def test_resolve_n_select_int_is_rows_float_is_ratio():
    assert resolve_n_select(7, 50) == 7
    assert resolve_n_select(2.0, 50) == 100
    assert resolve_n_select(0.5, 51) == 26  # round half to even: 25.5 -> 26
    with pytest.raises(ValueError, match="gives no row"):
        resolve_n_select(0.001, 50)
