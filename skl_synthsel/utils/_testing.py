"""Helpers for the test suite (as scikit-learn's ``utils/_testing.py``)."""

from sklearn.mixture import GaussianMixture


def make_generator_pool(random_state=0):
    """A generator pool that works on any X: one Gaussian per class (or jointly for regression)."""
    from ..generators import ClassConditionalSampler

    return ClassConditionalSampler(GaussianMixture(), random_state=random_state)
