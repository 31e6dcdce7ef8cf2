"""Generators of the papers' settings, of realistic flawed synthetic pools, and pool generators."""

from ._covariance_shift import make_covariance_shift_regression
from ._flawed_pool import make_flawed_pool
from ._label_noise import make_label_noise_pool
from ._pool_generators import (
    GaussianCopulaGenerator,
    GaussianMixtureGenerator,
    LabelDriftGenerator,
    LabelNoiseGenerator,
    SMOTEGenerator,
    TruncatedGenerator,
)
from ._splits import real_generator_test_split

__all__ = [
    "GaussianCopulaGenerator",
    "GaussianMixtureGenerator",
    "LabelDriftGenerator",
    "LabelNoiseGenerator",
    "SMOTEGenerator",
    "TruncatedGenerator",
    "make_covariance_shift_regression",
    "make_flawed_pool",
    "make_label_noise_pool",
    "real_generator_test_split",
]
