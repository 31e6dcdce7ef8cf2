"""Choose which synthetic rows to add to a small real training set.

Selectors are imbalanced-learn style samplers: put one in :func:`make_pipeline` ahead of any
scikit-learn model, or wrap a model in :class:`SyntheticAugmentedClassifier`.
"""

from imblearn.pipeline import Pipeline, make_pipeline

from ._augmented import SyntheticAugmentedClassifier, SyntheticAugmentedRegressor
from ._covariance_matching import CovarianceMatchingSelector
from ._pool import ClassConditionalSampler

__version__ = "0.1.0.dev0"

__all__ = [
    "ClassConditionalSampler",
    "CovarianceMatchingSelector",
    "Pipeline",
    "SyntheticAugmentedClassifier",
    "SyntheticAugmentedRegressor",
    "make_pipeline",
]
