"""Helpers for the test suite (as scikit-learn's ``utils/_testing.py``)."""

from sklearn.mixture import GaussianMixture


def make_generator_pool(random_state=0):
    """A generator pool that works on any X: one Gaussian per class (or jointly for regression)."""
    from ..generators import ClassConditionalSampler

    return ClassConditionalSampler(GaussianMixture(), random_state=random_state)


def make_selector(selector_class, pool, **params):
    """An instance of any selector for the shared tests (a sequence gets two simple steps)."""
    from ..selectors import CovarianceMatchingSelector, RandomSelector, SequentialSelector

    if selector_class is SequentialSelector:
        steps = [RandomSelector(None, n_select="all"), CovarianceMatchingSelector(None)]
        return selector_class(pool, steps, **params)
    return selector_class(pool, **params)
