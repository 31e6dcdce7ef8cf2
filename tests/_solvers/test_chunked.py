"""Chunked passes over the pool against dense computations."""

import numpy as np
import pytest

from skl_synthsel._solvers._chunked import quadratic_forms, weighted_scatter


@pytest.mark.parametrize("chunk_rows", [1, 7, 64, None])
@pytest.mark.parametrize("density", [1.0, 0.1, 0.0])
@pytest.mark.parametrize("signed", [False, True])
def test_weighted_scatter_equals_the_dense_product(chunk_rows, density, signed):
    """Non-negative weights (a rank update of the rows scaled by their roots) and signed ones
    (directions, not points: the plain product), every row or a few of them."""
    rng = np.random.default_rng(0)
    U = rng.normal(size=(300, 5))
    weights = rng.random(300) * (rng.random(300) < density)
    if signed:
        weights[0] = -0.5
    scatter = weighted_scatter(U, weights, chunk_rows=chunk_rows)
    np.testing.assert_allclose(scatter, U.T @ (weights[:, None] * U), atol=1e-12)
    assert np.array_equal(scatter, scatter.T)


@pytest.mark.parametrize("chunk_rows", [1, 7, 64, None])
def test_quadratic_forms_equal_the_dense_product(chunk_rows):
    rng = np.random.default_rng(1)
    U = rng.normal(size=(301, 6))
    matrix = rng.normal(size=(6, 6))
    matrix = matrix + matrix.T
    out = np.empty(301)
    forms = quadratic_forms(U, matrix, chunk_rows=chunk_rows, out=out)
    assert forms is out
    np.testing.assert_allclose(forms, np.einsum("ij,jk,ik->i", U, matrix, U), atol=1e-12)


def test_passes_are_deterministic_and_do_not_mutate_input():
    rng = np.random.default_rng(2)
    U = rng.normal(size=(5000, 4))
    weights = rng.random(5000)
    U_copy, weights_copy = U.copy(), weights.copy()
    first = weighted_scatter(U, weights, chunk_rows=512)
    second = weighted_scatter(U, weights, chunk_rows=512)
    assert np.array_equal(first, second)
    assert np.array_equal(U, U_copy) and np.array_equal(weights, weights_copy)
