"""scikit-learn's and imbalanced-learn's estimator checks over every selector in the registry.

Each selector is configured with a generator pool (fit on whatever X a check passes), so every
check exercises a real selection.
"""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_sampler_checks,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skl_synthsel import (
    CovarianceMatchingSelector,
    LearningDynamicsSelector,
    SyntheticAugmentedClassifier,
    SyntheticAugmentedRegressor,
    VerifierSelector,
)
from skl_synthsel.utils import all_selectors
from skl_synthsel.utils._testing import make_generator_pool, make_selector

SELECTORS = dict(all_selectors())

SELECTOR_INSTANCES = [
    make_selector(selector, make_generator_pool(), n_select=0.5, pool_size=4.0, random_state=0)
    for selector in SELECTORS.values()
]

# Checks that a selector fails by design, with the reason.
SELECTOR_EXPECTED_FAILURES = {
    "check_target_type": (
        "selectors serve regression too: a continuous y selects jointly over (X, y) "
        "instead of raising 'Unknown label type'"
    ),
    "check_samplers_pandas_sparse": (
        "sparse input is refused with a TypeError: covariances and distances need dense rows"
    ),
}


def _selector():
    return CovarianceMatchingSelector(
        make_generator_pool(), n_select=0.5, pool_size=4.0, random_state=0
    )


META_ESTIMATORS = [
    SyntheticAugmentedClassifier(LogisticRegression(), _selector()),
    SyntheticAugmentedRegressor(Ridge(), _selector()),
]

META_EXPECTED_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": (
        "the selection depends on the real rows: repeating a row changes the class "
        "proportions, the quotas and the target covariance, so a weight of 2 is not the same "
        "as a repeated row"
    ),
}


def expected_failures(estimator):
    if not hasattr(estimator, "fit_resample"):
        return META_EXPECTED_FAILURES
    failures = dict(SELECTOR_EXPECTED_FAILURES)
    if isinstance(estimator, VerifierSelector | LearningDynamicsSelector):
        # It judges class labels, so it raises on a continuous y as the check expects.
        del failures["check_target_type"]
    return failures


@parametrize_with_checks(
    SELECTOR_INSTANCES + META_ESTIMATORS + [make_generator_pool()],
    expected_failed_checks=expected_failures,
    xfail_strict=True,  # an expected failure that passes is a stale entry
)
def test_sklearn_compatible(estimator, check):
    assert check(estimator) is None  # a check raises on failure and returns nothing


@parametrize_with_sampler_checks(SELECTOR_INSTANCES, expected_failed_checks=expected_failures)
def test_imblearn_sampler_compatible(estimator, check):
    assert check(estimator) is None  # a check raises on failure and returns nothing


def test_registry_names_every_public_selector():
    import skl_synthsel

    public = {name for name in skl_synthsel.__all__ if name.endswith("Selector")}
    assert public == {cls.__name__ for cls in SELECTORS.values()}


@pytest.mark.parametrize("selector", SELECTORS.values(), ids=lambda cls: cls.__name__)
def test_shared_docstrings_are_filled_in(selector):
    for placeholder in (
        "{pool}",
        "{n_select}",
        "{selector_tail}",
        "{selector_attributes}",
        "{parameters_and_attributes}",
    ):
        assert placeholder not in selector.__doc__
    for parameter in ("n_select", "feature_map", "random_state", "selected_indices_"):
        assert f"{parameter} :" in selector.__doc__
