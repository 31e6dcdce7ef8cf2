"""Tests for skl_synthsel.datasets: exact counts, moments against Monte Carlo error."""

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from skl_synthsel.datasets import (
    make_covariance_shift_regression,
    make_flawed_pool,
    make_label_noise_pool,
)


def _two_class_table(n_per_class=200, seed=0):
    rng = np.random.RandomState(seed)
    cov = np.array([[2.0, 0.8, 0.0], [0.8, 1.0, 0.3], [0.0, 0.3, 0.5]])
    chol = np.linalg.cholesky(cov)
    X = np.vstack(
        [
            rng.standard_normal((n_per_class, 3)) @ chol.T,
            rng.standard_normal((n_per_class, 3)) @ chol.T + [4.0, 0.0, -2.0],
        ]
    )
    y = np.repeat([0, 1], n_per_class)
    return X, y


def _trace_ratio_tolerance(cov, n_rows):
    """4 standard errors of tr(S) / tr(Sigma) for a Gaussian sample covariance S."""
    return 4 * np.sqrt(2 * np.trace(cov @ cov) / (n_rows - 1)) / np.trace(cov)


# --------------------------------------------------------------- make_flawed_pool


def test_flawed_pool_exact_class_and_flaw_counts():
    X, y = _two_class_table(n_per_class=30)
    y = np.r_[np.zeros(30, int), np.ones(20, int), np.full(10, 2)]  # 50% / 33% / 17%
    X_pool, y_pool, flaws = make_flawed_pool(
        X,
        y,
        n_samples=101,
        mode_collapse=0.2,
        over_dispersion=0.3,
        return_flaws=True,
        random_state=0,
    )
    # Largest remainders: class shares 50.5 / 33.67 / 16.83 -> 50 / 34 / 17; then
    # per class 0.5 / 0.2 / 0.3 of each quota (34 -> 17 / 6.8 / 10.2 -> 17 / 7 / 10).
    counts = [int(np.sum(y_pool == k)) for k in range(3)]
    assert counts == [50, 34, 17]
    expected = {0: [25, 10, 15], 1: [17, 7, 10], 2: [9, 3, 5]}
    for k in range(3):
        per_class = [
            int(np.sum(flaws[y_pool == k] == f)) for f in ("faithful", "collapsed", "dispersed")
        ]
        assert per_class == expected[k]
    assert X_pool.shape == (101, 3)


def test_flawed_pool_moments_of_each_flaw():
    X, y = _two_class_table()
    n_samples, scale_d, scale_c = 12000, 3.0, 0.01
    X_pool, y_pool, flaws = make_flawed_pool(
        X,
        y,
        n_samples=n_samples,
        mode_collapse=0.25,
        n_collapsed_modes=3,
        collapse_scale=scale_c,
        over_dispersion=0.25,
        dispersion_scale=scale_d,
        return_flaws=True,
        random_state=1,
    )
    for k in (0, 1):
        X_real = X[y == k]
        cov_real = np.cov(X_real, rowvar=False)
        mean_real = X_real.mean(axis=0)

        faithful = X_pool[(y_pool == k) & (flaws == "faithful")]
        se_mean = np.sqrt(np.diag(cov_real) / len(faithful))
        assert np.all(np.abs(faithful.mean(axis=0) - mean_real) < 4 * se_mean)
        ratio = np.trace(np.cov(faithful, rowvar=False)) / np.trace(cov_real)
        assert abs(ratio - 1) < _trace_ratio_tolerance(cov_real, len(faithful))

        dispersed = X_pool[(y_pool == k) & (flaws == "dispersed")]
        ratio = np.trace(np.cov(dispersed, rowvar=False)) / np.trace(scale_d**2 * cov_real)
        assert abs(ratio - 1) < _trace_ratio_tolerance(cov_real, len(dispersed))

        # Collapsed rows crowd around at most 3 real rows of their own class.
        collapsed = X_pool[(y_pool == k) & (flaws == "collapsed")]
        nearest = cdist(collapsed, X_real).argmin(axis=1)
        assert len(np.unique(nearest)) <= 3
        residual = collapsed - X_real[nearest]
        ratio = np.trace(np.cov(residual, rowvar=False)) / np.trace(scale_c**2 * cov_real)
        assert abs(ratio - 1) < _trace_ratio_tolerance(cov_real, len(residual))


def test_flawed_pool_label_noise_flips_exact_count_uniformly():
    X, y = _two_class_table(n_per_class=40)
    y = np.r_[y, np.full(40, 2)]
    X = np.vstack([X, X[:40] - 5.0])
    clean_X, clean_y = make_flawed_pool(X, y, n_samples=3000, random_state=3)
    noisy_X, noisy_y = make_flawed_pool(X, y, n_samples=3000, label_noise=0.3, random_state=3)
    np.testing.assert_array_equal(clean_X, noisy_X)
    flipped = clean_y != noisy_y
    assert flipped.sum() == 900
    # Each wrong label is one of the two other classes with probability 1/2.
    other = (noisy_y[flipped] - clean_y[flipped]) % 3
    assert abs(np.mean(other == 1) - 0.5) < 4 * np.sqrt(0.25 / 900)


def test_flawed_pool_mean_shift_is_a_fixed_translation():
    X, y = _two_class_table()
    base, _ = make_flawed_pool(X, y, n_samples=500, random_state=4)
    shifted, _ = make_flawed_pool(X, y, n_samples=500, mean_shift=2.5, random_state=4)
    delta = shifted - base
    np.testing.assert_allclose(delta, np.broadcast_to(delta[0], delta.shape))
    # The shift is 2.5 standard deviations along a unit direction.
    assert np.linalg.norm(delta[0] / X.std(axis=0)) == pytest.approx(2.5)
    negative, _ = make_flawed_pool(X, y, n_samples=500, mean_shift=-2.5, random_state=4)
    np.testing.assert_allclose(negative - base, -delta)


def test_flawed_pool_regression_keeps_linear_relation():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(400, 4))
    coef = np.array([1.0, -2.0, 0.5, 0.0])
    y = X @ coef + 0.1 * rng.normal(size=400)
    X_pool, y_pool, flaws = make_flawed_pool(
        X, y, n_samples=4000, return_flaws=True, random_state=0
    )
    assert y_pool.dtype == np.float64
    faithful = flaws == "faithful"
    fitted, *_ = np.linalg.lstsq(X_pool[faithful], y_pool[faithful], rcond=None)
    np.testing.assert_allclose(fitted, coef, atol=0.05)
    # Label noise on a regression target replaces it with another row's target.
    _, y_noisy = make_flawed_pool(X, y, n_samples=4000, label_noise=0.5, random_state=0)
    changed = y_noisy != y_pool
    assert changed.sum() <= 2000
    assert np.isin(y_noisy[changed], y_pool).all()


def test_flawed_pool_task_auto_and_explicit():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 2))
    y_int = np.repeat([3, 7, 9], 20)
    _, y_pool = make_flawed_pool(X, y_int, n_samples=90, random_state=0)
    assert set(np.unique(y_pool)) == {3, 7, 9}
    assert y_pool.dtype == y_int.dtype
    # The same integers treated as a regression target give continuous values.
    _, y_reg = make_flawed_pool(X, y_int, n_samples=90, task="regression", random_state=0)
    assert len(np.unique(y_reg)) > 3


def test_flawed_pool_keeps_containers_and_labels():
    X, y = _two_class_table(n_per_class=25)
    X_df = pd.DataFrame(X, columns=["a", "b", "c"]).astype({"a": "float32"})
    y_sr = pd.Series(np.where(y == 0, "cat", "dog"), name="animal")
    X_copy, y_copy = X_df.copy(), y_sr.copy()
    X_pool, y_pool = make_flawed_pool(X_df, y_sr, n_samples=40, random_state=0)
    assert isinstance(X_pool, pd.DataFrame) and list(X_pool.columns) == ["a", "b", "c"]
    assert all(dtype.kind == "f" for dtype in X_pool.dtypes)
    assert isinstance(y_pool, pd.Series) and y_pool.name == "animal"
    assert y_pool.dtype == y_sr.dtype
    assert set(y_pool) == {"cat", "dog"}
    pd.testing.assert_frame_equal(X_df, X_copy)
    pd.testing.assert_series_equal(y_sr, y_copy)

    X_arr, y_arr = make_flawed_pool(X, np.where(y == 0, "cat", "dog"), n_samples=40, random_state=0)
    assert isinstance(X_arr, np.ndarray) and isinstance(y_arr, np.ndarray)
    np.testing.assert_allclose(X_arr, X_pool.to_numpy(), rtol=1e-6)  # a is float32
    np.testing.assert_array_equal(y_arr, y_pool.to_numpy())


def test_flawed_pool_deterministic():
    X, y = _two_class_table(n_per_class=30)
    first = make_flawed_pool(X, y, n_samples=50, label_noise=0.1, mean_shift=1.0, random_state=5)
    second = make_flawed_pool(X, y, n_samples=50, label_noise=0.1, mean_shift=1.0, random_state=5)
    other = make_flawed_pool(X, y, n_samples=50, random_state=6)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.allclose(first[0], other[0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode_collapse": 0.7, "over_dispersion": 0.5}, "must not exceed 1"),
        ({"mode_collapse": 1.5}, "mode_collapse"),
        ({"over_dispersion": -0.1}, "over_dispersion"),
        ({"label_noise": 2.0}, "label_noise"),
        ({"n_samples": 0}, "n_samples"),
        ({"task": "ranking"}, "task"),
        ({"n_collapsed_modes": 0}, "n_collapsed_modes"),
    ],
)
def test_flawed_pool_rejects_bad_parameters(kwargs, match):
    X, y = _two_class_table(n_per_class=10)
    with pytest.raises(ValueError, match=match):
        make_flawed_pool(X, y, **kwargs)


def test_flawed_pool_rejects_bad_data():
    X, y = _two_class_table(n_per_class=10)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make_flawed_pool(X_nan, y)
    with pytest.raises(ValueError, match="inconsistent numbers of rows"):
        make_flawed_pool(X, y[:-1])
    with pytest.raises(ValueError, match="at least two classes"):
        make_flawed_pool(X, np.zeros(len(y)), label_noise=0.1)


# ------------------------------------------ make_covariance_shift_regression


def test_covariance_shift_regression_trace_normalisation_and_moments():
    p = 8
    mean_t, mean_s = np.zeros(p), np.linspace(-1, 1, p)
    X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
        4000,
        4000,
        p,
        rho_target=0.9,
        rho_synthetic=0.2,
        mean_target=mean_t,
        mean_synthetic=mean_s,
        noise=0.5,
        return_params=True,
        random_state=0,
    )
    cov_t, cov_s = params["cov_target"], params["cov_synthetic"]
    np.testing.assert_allclose(cov_t, 0.9 ** np.abs(np.subtract.outer(range(p), range(p))))
    assert np.trace(np.linalg.solve(cov_t, cov_s)) == pytest.approx(p)
    # cov_s is KMS(0.2) up to the normalising factor.
    kms = 0.2 ** np.abs(np.subtract.outer(range(p), range(p)))
    np.testing.assert_allclose(cov_s / cov_s[0, 0], kms)
    for X, cov, mean in ((X_t, cov_t, mean_t), (X_s, cov_s, mean_s)):
        se = np.sqrt(np.diag(cov) / len(X))
        assert np.all(np.abs(X.mean(axis=0) - mean) < 4 * se)
        ratio = np.trace(np.cov(X, rowvar=False)) / np.trace(cov)
        assert abs(ratio - 1) < _trace_ratio_tolerance(cov, len(X))
    residual = np.r_[y_t - X_t @ params["coef"], y_s - X_s @ params["coef"]]
    # Sample variance of 8000 Gaussian residuals: standard error var * sqrt(2/n).
    assert abs(residual.var() / 0.25 - 1) < 4 * np.sqrt(2 / len(residual))
    assert params["noise_var"] == 0.25


def test_covariance_shift_regression_without_normalisation_and_errors():
    cov_s = np.diag([1.0, 2.0, 3.0])
    *_, params = make_covariance_shift_regression(
        5,
        5,
        3,
        cov_synthetic=cov_s,
        normalize_trace=False,
        return_params=True,
        random_state=0,
    )
    np.testing.assert_array_equal(params["cov_synthetic"], cov_s)
    with pytest.raises(ValueError, match="positive semi-definite"):
        make_covariance_shift_regression(5, 5, 2, cov_synthetic=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="shape"):
        make_covariance_shift_regression(5, 5, 3, cov_synthetic=np.eye(2))
    with pytest.raises(ValueError, match="mean_target"):
        make_covariance_shift_regression(5, 5, 3, mean_target=np.zeros(4))
    with pytest.raises(ValueError, match="rho_target"):
        make_covariance_shift_regression(5, 5, 3, rho_target=1.0)


# ---------------------------------------------------------------- make_label_noise_pool


def test_label_noise_pool_flip_and_keep_rates():
    m, eps, rho, phi = 20000, 0.3, 0.2, 0.9
    X_r, y_r, X_s, y_s, correct, kept = make_label_noise_pool(
        500,
        m,
        4,
        mu=np.array([1.0, 0.0, 0.0, 0.0]),
        eps=eps,
        rho=rho,
        phi=phi,
        return_masks=True,
        random_state=0,
    )
    assert abs((~correct).mean() - eps) < 4 * np.sqrt(eps * (1 - eps) / m)
    alpha = phi * (1 - eps) + rho * eps
    assert abs(kept.mean() - alpha) < 4 * np.sqrt(alpha * (1 - alpha) / m)
    assert len(X_s) == len(y_s) == kept.sum()
    # E[y x] = mu for real rows, (1 - 2 eps') mu for kept rows (eps' = rho eps / alpha).
    assert np.all(np.abs((y_r[:, None] * X_r).mean(axis=0) - [1, 0, 0, 0]) < 4 * np.sqrt(1 / 500))
    signal = 1 - 2 * rho * eps / alpha
    assert abs((y_s[:, None] * X_s).mean(axis=0)[0] - signal) < 4 * np.sqrt(2 / kept.sum())
    assert set(np.unique(y_r)) == set(np.unique(y_s)) == {-1, 1}


def test_label_noise_pool_oracle_and_scalar_mean():
    X_r, y_r, X_s, y_s, correct, kept = make_label_noise_pool(
        10,
        500,
        16,
        mu=2.0,
        eps=0.4,
        rho=0.0,
        phi=1.0,
        return_masks=True,
        random_state=1,
    )
    np.testing.assert_array_equal(kept, correct)
    X_r2, *_ = make_label_noise_pool(10, 0, 16, mu=np.full(16, 0.5), random_state=1)
    np.testing.assert_allclose(X_r, X_r2)  # mu=2.0 spreads norm 2 evenly: 0.5 each
    with pytest.raises(ValueError, match="rho = phi = 0"):
        make_label_noise_pool(rho=0.0, phi=0.0)
    with pytest.raises(ValueError, match="eps"):
        make_label_noise_pool(eps=1.5)
