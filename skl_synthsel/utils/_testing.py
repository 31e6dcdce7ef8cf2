"""Helpers for the test suite (as scikit-learn's ``utils/_testing.py``)."""

from sklearn.mixture import GaussianMixture


def make_generator_pool(random_state=0):
    """A generator pool that works on any X: one Gaussian per class (or jointly for regression)."""
    from ..generators import ClassConditionalSampler

    return ClassConditionalSampler(GaussianMixture(), random_state=random_state)


def make_selector(selector_class, pool, **params):
    """An instance of any selector for the shared tests.

    A sequence gets two simple steps; the curation gets a 10-stage boosted model, so that the
    shared checks (hundreds of fits) stay quick: the stages' dynamics are tested on their own.
    """
    from sklearn.ensemble import GradientBoostingClassifier

    from ..selectors import (
        AutoSelector,
        CovarianceMatchingSelector,
        LearningDynamicsSelector,
        RandomSelector,
        SequentialSelector,
    )

    if selector_class in (AutoSelector, LearningDynamicsSelector):
        params.setdefault("estimator", GradientBoostingClassifier(n_estimators=10))
    if selector_class is SequentialSelector:
        steps = [RandomSelector(None, n_select="all"), CovarianceMatchingSelector(None)]
        return selector_class(pool, steps, **params)
    return selector_class(pool, **params)
