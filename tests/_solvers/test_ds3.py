"""The DS3 solver's parts: the direct Clarabel program against cvxpy and HiGHS, its prices as
a dual certificate, and the Lagrangian ascent's bound against the exact optimum."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

import skl_synthsel._solvers._ds3 as ds3
from skl_synthsel._solvers import SolverFailedError
from skl_synthsel._solvers._ds3 import solve_ds3


def exact_ds3_highs(pool, real, regularization):
    """The exact DS3 optimum, every pair, as a dense LP for scipy's HiGHS (no cvxpy, no scaling)."""
    D = cdist(pool, real, "sqeuclidean")
    n_pool, n_real = D.shape
    penalty = regularization * D.sum(axis=1).min()
    # x = (Z row-major, t); Z_ij <= t_i, sum_i Z_ij = 1.
    n_z = n_pool * n_real
    pairs = np.arange(n_z)
    A_ub = sp.csr_matrix(
        (
            np.concatenate([np.ones(n_z), -np.ones(n_z)]),
            (np.concatenate([pairs, pairs]), np.concatenate([pairs, n_z + pairs // n_real])),
        ),
        shape=(n_z, n_z + n_pool),
    )
    A_eq = sp.csr_matrix((np.ones(n_z), (pairs % n_real, pairs)), shape=(n_real, n_z + n_pool))
    cost = np.concatenate([D.ravel(), np.full(n_pool, penalty)])
    result = linprog(
        cost, A_ub=A_ub, b_ub=np.zeros(n_z), A_eq=A_eq, b_eq=np.ones(n_real), method="highs"
    )
    assert result.status == 0
    return result.fun


@pytest.fixture
def clustered_problem():
    """Real rows in a few tight clusters, a wider pool: representatives serve several rows."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, 4))
    real = centres[rng.integers(0, 6, size=40)] + 0.3 * rng.normal(size=(40, 4))
    pool = 1.2 * rng.normal(size=(300, 4))
    return pool, real


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("n_neighbors", [1, 3, 20])
def test_neighbourhoods_are_the_nearest_pool_rows_then_the_first(monkeypatch, cached, n_neighbors):
    """Every real row's nearest pool rows, ties to the lower index, through tightened cuts."""
    rng = np.random.default_rng(4)
    real = rng.normal(size=(8, 3))
    pool = rng.normal(size=(200, 3))
    pool = np.concatenate([pool, pool[:60]])  # duplicates: ties at every distance
    # Farthest from the real rows first: each block brings nearer rows, so the cut keeps
    # tightening; blocks of 8 rows keep 4 * n_neighbors * 8 entries at most between cuts.
    pool = pool[np.argsort(-cdist(pool, real).min(axis=1), kind="stable")]
    monkeypatch.setattr(ds3, "_BLOCK_ENTRIES", 64)
    unit = 0.7
    dissimilarities = ds3._dissimilarity_cache(pool, real, unit)
    assert np.allclose(dissimilarities, cdist(pool, real, "sqeuclidean") / unit, atol=1e-12)
    if not cached:
        monkeypatch.setattr(ds3, "_MAX_CACHE_BYTES", 0)
    cache = ds3._dissimilarity_cache(pool, real, unit)
    assert (cache is None) != cached
    pair_real, pair_pool, values, nearest_real = ds3._neighbourhoods(
        pool, real, unit, n_neighbors, cache
    )
    for j in range(len(real)):
        # Brute force on the same values: by value, then by pool index.
        expected = np.lexsort((np.arange(len(pool)), dissimilarities[:, j]))[:n_neighbors]
        ours = slice(j * n_neighbors, (j + 1) * n_neighbors)
        assert np.array_equal(pair_pool[ours], expected)
        assert np.all(pair_real[ours] == j)
        assert np.array_equal(values[ours], dissimilarities[expected, j])
    by_row = dissimilarities[np.arange(len(pool)), nearest_real]
    assert np.array_equal(by_row, dissimilarities.min(axis=1))
    squared = cdist(pool, real, "sqeuclidean").min(axis=1)
    assert np.allclose(ds3.nearest_dissimilarities(pool, real), squared, atol=1e-12)


def test_pool_rows_copying_real_rows_are_at_exactly_zero():
    """Far from the origin the expanded distance leaves noise; the ranking key must not."""
    rng = np.random.default_rng(6)
    real = 1000.0 + rng.normal(size=(30, 3))
    pool = np.concatenate([1000.0 + rng.normal(size=(400, 3)), real[::3]])
    expected = cdist(pool, real, "sqeuclidean").min(axis=1)
    for nearest in (
        ds3.nearest_dissimilarities(pool, real),
        solve_ds3(pool, real, 0.05, n_neighbors=3, n_rounds=1)[3],
        solve_ds3(pool[-40:], real, 0.05)[3],  # the exact path
    ):
        assert np.all(nearest[-10:] == 0.0)
        assert np.allclose(nearest, expected[-len(nearest) :], rtol=1e-12)


def restricted_prices(pool, real, regularization, n_neighbors):
    """The first restricted program's prices in solve_ds3's units, and those units."""
    lambda_scale = ds3.ds3_lambda_scale(pool, real)
    unit = lambda_scale / len(real)
    penalty = regularization * lambda_scale / unit
    D = cdist(pool, real, "sqeuclidean") / unit
    neighbours = np.argsort(D, axis=0, kind="stable")[:n_neighbors].T
    pair_real = np.repeat(np.arange(len(real)), n_neighbors)
    pair_pool = neighbours.ravel()
    z, value, prices = ds3._solve_pairs(
        pair_real, pair_pool, D[pair_pool, pair_real], len(real), penalty, "CLARABEL", None
    )
    return z, value, prices, pair_real, pair_pool, D, unit, penalty


@pytest.mark.parametrize("regularization", [0.01, 0.1])
def test_direct_clarabel_solves_the_restricted_program_of_cvxpy(clustered_problem, regularization):
    pool, real = clustered_problem
    z, value, prices, pair_real, pair_pool, D, _, penalty = restricted_prices(
        pool, real, regularization, 4
    )
    # Pool rows with one pair (whose epigraph variable the direct program drops) and with more.
    pairs_of_row = np.bincount(np.bincount(pair_pool))
    assert pairs_of_row[1] > 0 and pairs_of_row[2:].sum() > 0
    # The same restricted program through cvxpy (SCS: another solver, another formulation).
    _, cvxpy_value, _ = ds3._solve_pairs(
        pair_real, pair_pool, D[pair_pool, pair_real], len(real), penalty, "SCS", {"eps": 1e-9}
    )
    assert value == pytest.approx(cvxpy_value, rel=1e-5)
    # Primal feasible, and the objective is the one stated.
    assert np.all(z >= 0)
    assert np.allclose(np.bincount(pair_real, weights=z), 1.0, atol=1e-7)
    row_max = np.zeros(len(pool))
    np.maximum.at(row_max, pair_pool, z)
    assert value == pytest.approx(penalty * row_max.sum() + D[pair_pool, pair_real] @ z, rel=1e-7)
    # The prices certify it: strong duality, and dual feasible for every pool row in the program.
    assert prices.sum() == pytest.approx(value, rel=1e-7)
    reduced = np.maximum(prices[pair_real] - D[pair_pool, pair_real], 0.0)
    assert np.bincount(pair_pool, weights=reduced).max() <= penalty * (1 + 1e-6)


def test_clarabel_settings_reach_the_solver_and_failures_raise(clustered_problem):
    pool, real = clustered_problem
    with pytest.raises(SolverFailedError, match="Clarabel ended with status"):
        solve_ds3(pool, real, 0.05, n_neighbors=3, solver_options={"max_iter": 2})
    with pytest.raises(TypeError, match="unrecognized solver setting 'max_iters'"):
        solve_ds3(pool, real, 0.05, n_neighbors=3, solver_options={"max_iters": 50})


@pytest.mark.parametrize("regularization", [0.01, 0.05])
def test_lagrangian_ascent_is_a_valid_bound_tighter_than_the_last_prices(
    clustered_problem, regularization
):
    pool, real = clustered_problem
    exact = exact_ds3_highs(pool, real, regularization)
    _, value, prices, _, _, D, unit, penalty = restricted_prices(pool, real, regularization, 3)
    excess = np.maximum(prices[None, :] - D, 0.0).sum(axis=1)
    # The bounds the prices gave before: scaled to dual feasibility, and the Lagrangian at them.
    before = max(
        prices.sum() / max(excess.max() / penalty, 1.0),
        ds3._lagrangian_bound(prices, excess, penalty),
    )
    ascent = ds3._lagrangian_ascent(pool, real, prices, unit, penalty, cache=D)
    assert ascent * unit <= exact * (1 + 1e-9)
    assert before * unit < exact and value * unit > exact * (1 + 1e-3)  # a real gap to close
    # It closes most of it, and the cache only saves time.
    assert exact - ascent * unit < 0.5 * (exact - before * unit)
    assert ds3._lagrangian_ascent(pool, real, prices, unit, penalty) == pytest.approx(
        ascent, rel=1e-12
    )


@pytest.mark.parametrize(
    "regularization, n_neighbors, n_rounds, before, slack",
    # before: the bound solve_ds3 returned without the ascent, measured (exact: 62.10, 91.83).
    [(0.02, 2, 0, 18.68, 1e-3), (0.05, 3, 2, 66.59, 0.02)],
)
def test_neighbourhood_path_bound_brackets_the_exact_optimum_closely(
    clustered_problem, regularization, n_neighbors, n_rounds, before, slack
):
    pool, real = clustered_problem
    exact = exact_ds3_highs(pool, real, regularization)
    _, objective, lower_bound, _ = solve_ds3(
        pool, real, regularization, n_neighbors=n_neighbors, n_rounds=n_rounds
    )
    assert lower_bound <= exact * (1 + 1e-9) and exact <= objective * (1 + 1e-9)
    assert objective > exact * 1.05  # the restricted program is far from exact
    assert lower_bound >= exact * (1 - slack) > before
