"""Tests for the pool generators: counts, determinism and the property each kind promises."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from skl_synthsel import RandomSelector
from skl_synthsel.datasets import (
    GaussianCopulaGenerator,
    GaussianMixtureGenerator,
    LabelDriftGenerator,
    LabelNoiseGenerator,
    SMOTEGenerator,
    TruncatedGenerator,
)

ALL_GENERATORS = [
    GaussianCopulaGenerator(),
    GaussianCopulaGenerator(marginals="empirical"),
    GaussianMixtureGenerator(),
    SMOTEGenerator(),
    TruncatedGenerator(),
    TruncatedGenerator(SMOTEGenerator(), n_modes=3),
    LabelNoiseGenerator(),
    LabelDriftGenerator(),
]
# Generators that draw exactly the fitted class shares (the label-changing ones do not).
PROPORTIONAL = ALL_GENERATORS[:6]


def _ids(generators):
    return [f"{type(g).__name__}-{i}" for i, g in enumerate(generators)]


def _table(n_per_class=(60, 40, 20), seed=0, shift=4.0):
    """Three correlated Gaussian classes in 3 dimensions; one skewed column."""
    rng = np.random.RandomState(seed)
    cov = np.array([[2.0, 0.8, 0.0], [0.8, 1.0, 0.3], [0.0, 0.3, 0.5]])
    chol = np.linalg.cholesky(cov)
    X = np.vstack(
        [rng.standard_normal((n, 3)) @ chol.T + shift * k for k, n in enumerate(n_per_class)]
    )
    X[:, 2] = np.exp(X[:, 2] / 2)  # a skewed marginal for the copula
    y = np.repeat(np.arange(len(n_per_class)), n_per_class)
    return X, y


def _binomial_tolerance(p, n, z=4.0):
    return z * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize("generator", PROPORTIONAL, ids=_ids(PROPORTIONAL))
def test_exact_row_counts_and_class_proportions(generator):
    X, y = _table()  # 50 % / 33 % / 17 %
    X_new, y_new = clone(generator).set_params(random_state=0).fit(X, y).sample(101)
    assert X_new.shape == (101, 3) and X_new.dtype == np.float64
    # Largest remainders: 50.5 / 33.67 / 16.83 -> 50 / 34 / 17.
    assert np.bincount(y_new).tolist() == [50, 34, 17]


@pytest.mark.parametrize("generator", ALL_GENERATORS, ids=_ids(ALL_GENERATORS))
def test_same_seed_same_rows_other_seed_other_rows(generator):
    X, y = _table()
    first = clone(generator).set_params(random_state=3).fit(X, y)
    again = clone(generator).set_params(random_state=3).fit(X, y)
    other = clone(generator).set_params(random_state=4).fit(X, y)
    X_a, y_a = first.sample(200)
    X_b, y_b = again.sample(200)
    X_c, _ = first.sample(200)  # a second call repeats the first
    np.testing.assert_array_equal(X_a, X_b)
    np.testing.assert_array_equal(y_a, y_b)
    np.testing.assert_array_equal(X_a, X_c)
    assert not np.allclose(X_a, other.sample(200)[0])


@pytest.mark.parametrize("generator", ALL_GENERATORS, ids=_ids(ALL_GENERATORS))
def test_works_as_a_selector_pool_and_refuses_bad_n_samples(generator):
    X, y = _table()
    selector = RandomSelector(clone(generator), n_select=2.0, random_state=0).fit(X, y)
    assert len(selector.selected_indices_) == 240
    with pytest.raises(ValueError, match="n_samples"):
        clone(generator).fit(X, y).sample(0)


@pytest.mark.parametrize("generator", ALL_GENERATORS, ids=_ids(ALL_GENERATORS))
def test_float32_and_integer_input_fit_in_float64(generator):
    X, y = _table()
    rows64 = clone(generator).set_params(random_state=0).fit(X, y).sample(50)[0]
    rows32 = clone(generator).set_params(random_state=0).fit(X.astype(np.float32), y).sample(50)[0]
    assert rows32.dtype == np.float64
    np.testing.assert_allclose(rows32, rows64, rtol=1e-3, atol=1e-3)


# ------------------------------------------------------------------------------ copula


@pytest.mark.parametrize("marginals", ["empirical", "kde"])
def test_copula_marginals_match_the_training_quantiles(marginals):
    # P(drawn <= real p-quantile) = p: exactly for empirical marginals (up to a binomial
    # error), up to the smoothing for KDE marginals. (Comparing quantiles directly is noisy
    # where the order statistics have gaps: the interpolated density is small there.)
    X, y = _table(n_per_class=(300, 300))
    generator = GaussianCopulaGenerator(marginals=marginals, random_state=0).fit(X, y)
    X_new, y_new = generator.sample(40_000)
    levels = np.linspace(0.05, 0.95, 19)
    for label in (0, 1):
        real, drawn = X[y == label], X_new[y_new == label]
        quantiles = np.quantile(real, levels, axis=0)
        below = (drawn[None, :, :] <= quantiles[:, None, :]).mean(axis=1)
        smoothing = 0.0 if marginals == "empirical" else 0.03
        tolerance = _binomial_tolerance(0.25, len(drawn)) + smoothing
        assert np.all(np.abs(below - levels[:, None]) <= tolerance)
        if marginals == "empirical":  # an empirical quantile function stays in range
            assert np.all(drawn >= real.min(axis=0)) and np.all(drawn <= real.max(axis=0))


def test_copula_kde_marginal_variance_adds_the_squared_bandwidth():
    rng = np.random.RandomState(1)
    X = rng.standard_normal((200, 2)) * [1.0, 3.0]
    y = np.zeros(200, int)
    y[:1] = 1  # a second class of one row: reproduced as is
    X_new, y_new = GaussianCopulaGenerator(random_state=0).fit(X, y).sample(50_000)
    real = X[y == 0]
    n = len(real)
    iqr = np.subtract(*np.quantile(real, [0.75, 0.25], axis=0))
    bandwidth = 0.9 * np.minimum(real.std(axis=0), iqr / 1.34) * n ** (-0.2)
    expected = real.var(axis=0) + bandwidth**2
    drawn = X_new[y_new == 0].var(axis=0)
    np.testing.assert_allclose(drawn, expected, rtol=0.04)
    np.testing.assert_allclose(X_new[y_new == 1], np.repeat(X[:1], (y_new == 1).sum(), axis=0))


def test_copula_keeps_the_rank_correlation():
    X, y = _table(n_per_class=(400, 400))
    X_new, y_new = GaussianCopulaGenerator(random_state=0).fit(X, y).sample(20_000)
    from scipy.stats import spearmanr

    real = spearmanr(X[y == 0]).statistic
    drawn = spearmanr(X_new[y_new == 0]).statistic
    np.testing.assert_allclose(drawn, real, atol=0.06)


# ------------------------------------------------------------------------------ mixture


def test_gaussian_mixture_matches_class_means_and_covariances():
    X, y = _table(n_per_class=(500, 500))
    X_new, y_new = GaussianMixtureGenerator(n_components=1, random_state=0).fit(X, y).sample(20_000)
    for label in (0, 1):
        real, drawn = X[y == label], X_new[y_new == label]
        scale = real.std(axis=0)
        np.testing.assert_allclose(drawn.mean(axis=0), real.mean(axis=0), atol=0.05 * scale.max())
        # reg_covar=1e-2 in standardised units adds 1 % to every variance.
        np.testing.assert_allclose(
            np.cov(drawn, rowvar=False), np.cov(real, rowvar=False), atol=0.06 * scale.max() ** 2
        )


# ------------------------------------------------------------------------------ SMOTE


def _distance_to_segment(point, a, b):
    direction = b - a
    t = np.clip(((point - a) @ direction) / max(direction @ direction, 1e-300), 0.0, 1.0)
    return np.linalg.norm(point - (a + t * direction))


@pytest.mark.parametrize("k_neighbors", [1, 3])
def test_smote_rows_lie_on_segments_between_same_class_neighbours(k_neighbors):
    X, y = _table(n_per_class=(25, 15))
    X_new, y_new = SMOTEGenerator(k_neighbors=k_neighbors, random_state=0).fit(X, y).sample(120)
    for row, label in zip(X_new, y_new, strict=True):
        real = X[y == label]
        # The neighbours of each real row in the class's standardised space, itself excluded.
        Z = (real - real.mean(axis=0)) / real.std(axis=0)
        squared = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(axis=2)
        np.fill_diagonal(squared, np.inf)
        neighbours = np.argsort(squared, axis=1)[:, :k_neighbors]
        best = min(
            _distance_to_segment(row, real[i], real[j])
            for i in range(len(real))
            for j in neighbours[i]
        )
        assert best < 1e-9
    # Other-class segments are not used: no row lies beyond its class's bounding box.
    for label in (0, 1):
        real, drawn = X[y == label], X_new[y_new == label]
        assert np.all(drawn >= real.min(axis=0) - 1e-12)
        assert np.all(drawn <= real.max(axis=0) + 1e-12)


def test_smote_class_of_one_row_reproduces_it():
    X, y = _table(n_per_class=(20, 1))
    X_new, y_new = SMOTEGenerator(random_state=0).fit(X, y).sample(42)
    np.testing.assert_array_equal(X_new[y_new == 1], np.repeat(X[-1:], 2, axis=0))


# ------------------------------------------------------------------------------ truncation


@pytest.mark.parametrize("truncation", [0.0, 0.3, 1.0])
def test_truncation_shrinks_the_class_covariance_by_its_square(truncation):
    X, y = _table()
    base = GaussianMixtureGenerator(random_state=5)
    truncated = TruncatedGenerator(base, truncation=truncation, random_state=0).fit(X, y)
    X_base, y_base = truncated.generator_.sample(3000)
    X_new, y_new = truncated.sample(3000)
    np.testing.assert_array_equal(y_new, y_base)  # labels untouched, rows shrunk in place
    for label in range(3):
        mean = X[y == label].mean(axis=0)
        np.testing.assert_allclose(
            X_new[y_new == label] - mean, truncation * (X_base[y_base == label] - mean), atol=1e-12
        )
        np.testing.assert_allclose(
            np.cov(X_new[y_new == label], rowvar=False),
            truncation**2 * np.cov(X_base[y_base == label], rowvar=False),
            atol=1e-10,
        )


def test_truncation_toward_several_modes_collapses_onto_them():
    X, y = _table(n_per_class=(200, 200))
    generator = TruncatedGenerator(truncation=0.1, n_modes=3, random_state=0).fit(X, y)
    X_new, y_new = generator.sample(2000)
    assert [len(m) for m in generator.modes_] == [3, 3]
    for label, modes in zip(generator.classes_, generator.modes_, strict=True):
        drawn = X_new[y_new == label]
        nearest = np.min(np.linalg.norm(drawn[:, None] - modes[None], axis=2), axis=1)
        untruncated = generator.generator_.sample(2000)
        base = untruncated[0][untruncated[1] == label]
        base_nearest = np.min(np.linalg.norm(base[:, None] - modes[None], axis=2), axis=1)
        # Each row moves to 10 % of its distance from its nearest mode.
        np.testing.assert_allclose(nearest, 0.1 * base_nearest, rtol=1e-9, atol=1e-12)
        assert np.trace(np.cov(drawn, rowvar=False)) < np.trace(np.cov(base, rowvar=False))


# ------------------------------------------------------------------------------ wrong labels


@pytest.mark.parametrize("label_noise", [0.0, 0.1, 0.25, 1.0])
def test_label_noise_rate_is_binomial_and_flips_to_another_class(label_noise):
    X, y = _table()
    generator = LabelNoiseGenerator(
        GaussianMixtureGenerator(random_state=2), label_noise=label_noise, random_state=0
    ).fit(X, y)
    n = 6000
    X_new, y_new, flipped = generator.sample(n, return_flipped=True)
    X_clean, y_clean = generator.generator_.sample(n)
    np.testing.assert_array_equal(X_new, X_clean)
    np.testing.assert_array_equal(flipped, y_new != y_clean)  # a flip always changes the class
    assert abs(flipped.mean() - label_noise) <= _binomial_tolerance(label_noise, n) + 1e-12
    # The wrong class is uniform over the other two.
    if label_noise > 0:
        wrong = (y_new[flipped] - y_clean[flipped]) % 3
        share = np.mean(wrong == 1)
        assert abs(share - 0.5) <= _binomial_tolerance(0.5, flipped.sum())


def test_label_noise_needs_two_classes():
    X, _ = _table()
    with pytest.raises(ValueError, match="two classes"):
        LabelNoiseGenerator().fit(X, np.zeros(len(X), int))


# ------------------------------------------------------------------------------ label drift


def _separated_table(n=400, seed=0):
    rng = np.random.RandomState(seed)
    X = np.vstack([rng.standard_normal((n, 2)), rng.standard_normal((n, 2)) + [12.0, 0.0]])
    return X, np.repeat([0, 1], n)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3, 1.0])
def test_label_drift_wrong_label_rate_follows_the_smoothing(label_smoothing):
    # Two far-apart classes, two components: each component is one class, so a row's label is
    # wrong exactly when the smoothing draws it from the prior's other half: rate s / 2.
    X, y = _separated_table()
    generator = LabelDriftGenerator(
        n_components=2, label_smoothing=label_smoothing, random_state=0
    ).fit(X, y)
    n = 8000
    X_new, y_new = generator.sample(n)
    truth = (X_new[:, 0] > 6.0).astype(int)
    expected = label_smoothing / 2
    assert abs(np.mean(y_new != truth) - expected) <= _binomial_tolerance(max(expected, 1e-3), n)
    # The marginal label shares stay near the prior.
    assert abs(np.mean(y_new) - 0.5) <= _binomial_tolerance(0.5, n)


def test_label_drift_with_too_few_components_mislabels_a_class_and_costs_accuracy():
    # Three classes, two components: one component holds two classes, whose rows then get
    # labels drawn from their mixed shares; a model trained on them loses accuracy.
    X, y = _table(n_per_class=(300, 300, 300), shift=6.0)
    X_test, y_test = _table(n_per_class=(300, 300, 300), seed=1, shift=6.0)
    drift = LabelDriftGenerator(n_components=2, label_smoothing=0.0, random_state=0).fit(X, y)
    X_new, y_new = drift.sample(3000)
    faithful = GaussianMixtureGenerator(random_state=0).fit(X, y).sample(3000)
    model = LogisticRegression(max_iter=2000)
    drift_accuracy = model.fit(X_new, y_new).score(X_test, y_test)
    faithful_accuracy = model.fit(*faithful).score(X_test, y_test)
    assert faithful_accuracy > 0.95
    assert drift_accuracy < faithful_accuracy - 0.05
    # The component holding two classes has a label distribution far from one-hot.
    assert _purity(drift) < 0.75


def _purity(generator):
    """The smallest largest-label share over the components."""
    return float(generator.label_given_component_.max(axis=1).min())


class _BootstrapRows:
    """A minimal generator that is not a scikit-learn estimator: resampled training rows."""

    def fit(self, X, y):
        self.X_, self.y_ = np.asarray(X), np.asarray(y)
        return self

    def sample(self, n_samples):
        rows = np.random.RandomState(0).randint(len(self.y_), size=n_samples)
        return self.X_[rows], self.y_[rows]


@pytest.mark.parametrize("wrapper", [LabelNoiseGenerator, TruncatedGenerator])
def test_wrappers_accept_any_generator_with_fit_and_sample(wrapper):
    X, y = _table()
    generator = wrapper(_BootstrapRows(), random_state=0).fit(X, y)
    X_new, y_new = generator.sample(500)
    assert X_new.shape == (500, 3) and set(y_new.tolist()) <= {0, 1, 2}
    assert isinstance(generator.generator_, _BootstrapRows)
