"""Shared fixtures: small real tables and pools."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skl_synthsel.utils._testing import make_generator_pool


@pytest.fixture
def generator_pool():
    return make_generator_pool()


@pytest.fixture
def classification_data():
    """60 real rows in 3 classes (unbalanced) and a 3000-row pool from the same distribution."""
    X, y = make_classification(
        n_samples=3060,
        n_features=4,
        n_informative=3,
        n_redundant=0,
        n_classes=3,
        n_clusters_per_class=1,
        weights=[0.5, 0.3, 0.2],
        random_state=0,
    )
    return X[:60], y[:60], X[60:], y[60:]


@pytest.fixture
def regression_data():
    """50 real rows and a 2000-row pool of a linear model with noise."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2050, 3)) @ np.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=2050)
    return X[:50], y[:50], X[50:], y[50:]


@pytest.fixture
def interior_point_batches(monkeypatch):
    """The sizes of the interior-point batches solved during the test, in order: the real
    solver, spied on."""
    from skl_synthsel._solvers import _interior_point

    batches = []
    batched = _interior_point.solve_relaxed_interior_points

    def recording(problems, **options):
        batches.append(len(problems))
        return batched(problems, **options)

    monkeypatch.setattr(_interior_point, "solve_relaxed_interior_points", recording)
    return batches


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    # Two cores shared with pytest: oversubscribed BLAS threads make small problems crawl.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
