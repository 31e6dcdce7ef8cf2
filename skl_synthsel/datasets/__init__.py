"""Generators of the papers' settings and of realistic flawed synthetic pools."""

from ._covariance_shift import make_covariance_shift_regression
from ._flawed_pool import make_flawed_pool
from ._label_noise import make_label_noise_pool

__all__ = [
    "make_covariance_shift_regression",
    "make_flawed_pool",
    "make_label_noise_pool",
]
