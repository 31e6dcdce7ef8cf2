"""real_generator_test_split: three disjoint parts with exact per-class counts."""

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine

from skl_synthsel.datasets import real_generator_test_split


def _row_ids(X, parts):
    # Rows of the bundled tables are unique: a row's bytes identify it.
    return [{row.tobytes() for row in part} for part in parts]


@pytest.mark.parametrize("load, per_class", [(load_wine, 20), (load_iris, 25)])
def test_parts_are_disjoint_cover_the_table_and_have_exact_counts(load, per_class):
    X, y = load(return_X_y=True)
    X_real, y_real, X_gen, y_gen, X_test, y_test = real_generator_test_split(
        X, y, n_real_per_class=per_class, random_state=3
    )
    classes, counts = np.unique(y, return_counts=True)
    np.testing.assert_array_equal(np.bincount(y_real), np.full(len(classes), per_class))
    assert len(y_real) + len(y_gen) + len(y_test) == len(y)
    real, gen, test = _row_ids(X, (X_real, X_gen, X_test))
    assert not (real & gen) and not (real & test) and not (gen & test)
    assert real | gen | test == {row.tobytes() for row in X}
    # The test split is stratified: each class within one row of its share.
    expected = counts * len(y_test) / len(y)
    assert np.all(np.abs(np.bincount(y_test) - expected) <= 1)
    # Labels travel with their rows.
    label_of = {row.tobytes(): label for row, label in zip(X, y, strict=True)}
    assert all(label_of[row.tobytes()] == label for row, label in zip(X_gen, y_gen, strict=True))


def test_same_seed_same_split_and_another_seed_another():
    X, y = load_wine(return_X_y=True)
    first = real_generator_test_split(X, y, n_real_per_class=10, random_state=0)
    again = real_generator_test_split(X, y, n_real_per_class=10, random_state=0)
    other = real_generator_test_split(X, y, n_real_per_class=10, random_state=1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_too_few_rows_of_a_class_is_a_clear_error():
    X, y = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="has 35 rows outside the test split.*n_real_per_class"):
        real_generator_test_split(X, y, n_real_per_class=36, random_state=0)
    with pytest.raises(ValueError, match="n_real_per_class"):
        real_generator_test_split(X, y, n_real_per_class=0)
