"""Choose which synthetic rows to add to a small real training set.

Selectors are imbalanced-learn style samplers: put one in :func:`make_pipeline` ahead of any
scikit-learn model, or wrap a model in :class:`SyntheticAugmentedClassifier`.
"""

from imblearn.pipeline import Pipeline, make_pipeline

from ._augmented import SyntheticAugmentedClassifier, SyntheticAugmentedRegressor
from ._center import CenterMatchingSelector, CenterSamplingSelector
from ._covariance_matching import CovarianceMatchingSelector
from ._discriminator import DiscriminatorSelector
from ._ds3 import DS3Selector
from ._kmeans import KMeansSelector
from ._kmm import KernelMeanMatchingSelector
from ._pool import ClassConditionalSampler
from ._random import RandomSelector
from ._verifier import VerifierSelector

__version__ = "0.1.0.dev0"

__all__ = [
    "CenterMatchingSelector",
    "CenterSamplingSelector",
    "ClassConditionalSampler",
    "CovarianceMatchingSelector",
    "DS3Selector",
    "DiscriminatorSelector",
    "KMeansSelector",
    "KernelMeanMatchingSelector",
    "Pipeline",
    "RandomSelector",
    "SyntheticAugmentedClassifier",
    "SyntheticAugmentedRegressor",
    "VerifierSelector",
    "make_pipeline",
]
