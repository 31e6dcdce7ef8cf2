"""ClassConditionalSampler and generator pools: generate from the training rows only."""

from collections import Counter

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from skl_synthsel import ClassConditionalSampler, CovarianceMatchingSelector


def test_draws_follow_the_class_frequencies(classification_data):
    X, y, _, _ = classification_data
    generator = ClassConditionalSampler(GaussianMixture(), random_state=0).fit(X, y)
    X_new, y_new = generator.sample(600)
    assert X_new.shape == (600, 4)
    # 600 rows for 60 real rows: ten per real row of each class.
    assert Counter(y_new.tolist()) == {label: 10 * n for label, n in Counter(y.tolist()).items()}
    for label in range(3):
        assert np.allclose(X_new[y_new == label].mean(axis=0), X[y == label].mean(axis=0), atol=0.5)


def test_kernel_density_and_determinism(classification_data):
    X, y, _, _ = classification_data
    first = ClassConditionalSampler(KernelDensity(bandwidth=0.3), random_state=1).fit(X, y)
    second = ClassConditionalSampler(KernelDensity(bandwidth=0.3), random_state=1).fit(X, y)
    assert np.array_equal(first.sample(50)[0], second.sample(50)[0])
    assert first.sample(7)[0].shape == (7, 4)


def test_regression_samples_jointly(regression_data):
    X, y, _, _ = regression_data
    generator = ClassConditionalSampler(GaussianMixture(), random_state=0).fit(X, y)
    X_new, y_new = generator.sample(2000)
    assert generator.task_ == "regression" and X_new.shape == (2000, 3)
    # The joint Gaussian keeps the linear relation y ~ X beta.
    beta = np.linalg.lstsq(X_new, y_new, rcond=None)[0]
    assert np.allclose(beta, [1.0, -2.0, 0.5], atol=0.25)


def test_sample_needs_a_number():
    generator = ClassConditionalSampler(GaussianMixture()).fit(np.eye(4), [0, 0, 1, 1])
    with pytest.raises(ValueError, match="pass a positive int number of rows"):
        generator.sample()
    assert generator.set_params(n_samples=5).sample()[0].shape == (5, 4)


class RecordingGenerator:
    """A generator pool that remembers the rows it was fit on."""

    fitted_on = []

    def fit(self, X, y):
        RecordingGenerator.fitted_on.append(np.asarray(X).copy())
        self.generator_ = ClassConditionalSampler(GaussianMixture(), random_state=0).fit(X, y)
        return self

    def sample(self, n_samples):
        return self.generator_.sample(n_samples)


def test_a_generator_pool_is_fit_on_the_rows_given_to_fit(classification_data):
    X, y, _, _ = classification_data
    RecordingGenerator.fitted_on.clear()
    generator = RecordingGenerator()
    selector = CovarianceMatchingSelector(generator, n_select=1.0, pool_size=5.0, random_state=0)
    selector.fit(X[:40], y[:40])
    assert len(RecordingGenerator.fitted_on) == 1
    assert np.array_equal(RecordingGenerator.fitted_on[0], X[:40])
    assert len(selector.X_pool_) == 200  # pool_size=5.0 times the 40 selected rows
    assert not hasattr(generator, "generator_")  # the user's generator is cloned, not fit


def test_generator_returning_a_wrong_type_is_a_type_error(classification_data):
    X, y, _, _ = classification_data

    class Broken(RecordingGenerator):
        def sample(self, n_samples):
            return super().sample(n_samples)[0]

    with pytest.raises(TypeError, match=r"must return a tuple \(X, y\)"):
        CovarianceMatchingSelector(Broken()).fit(X, y)


def test_float32_input_is_fit_exactly_as_its_float64_values():
    # Whatever the BLAS kernel does with float32, the generator never sees it: it is fit on the
    # float64 values, so float32 input draws the float64 rows, cast back to float32.
    from sklearn.datasets import make_classification
    from sklearn.mixture import GaussianMixture

    from skl_synthsel import ClassConditionalSampler

    X, y = make_classification(n_samples=600, n_classes=3, n_informative=4, random_state=0)
    X32 = np.column_stack([X, X[:, 0], np.full(len(X), 3.0)]).astype(np.float32)
    sampler = ClassConditionalSampler(GaussianMixture(), random_state=0)
    rows32, labels32 = sampler.fit(X32, y).sample(500)
    rows64, labels64 = sampler.fit(X32.astype(np.float64), y).sample(500)
    assert rows32.dtype == np.float32 and rows64.dtype == np.float64
    assert np.array_equal(rows32, rows64.astype(np.float32))
    assert np.array_equal(labels32, labels64)


def test_a_generator_that_cannot_be_fit_names_the_class_cause_and_fix():
    from sklearn.mixture import GaussianMixture

    from skl_synthsel import ClassConditionalSampler
    from skl_synthsel.exceptions import GeneratorFitError

    X = np.zeros((20, 3))  # every column constant: no covariance to fit, even regularised
    y = np.repeat([0, 1], 10)
    sampler = ClassConditionalSampler(GaussianMixture(reg_covar=0.0), random_state=0)
    with pytest.raises(
        GeneratorFitError, match=r"class 0.*collinear or constant columns.*reg_covar"
    ):
        sampler.fit(X, y)
