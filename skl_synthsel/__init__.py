"""Choose which synthetic rows to add to a small real training set.

Selectors are imbalanced-learn style samplers: put one in :func:`make_pipeline` ahead of any
scikit-learn model, or wrap a model in :class:`SyntheticAugmentedClassifier`.
"""

from importlib.metadata import PackageNotFoundError, version

from .augmented import SyntheticAugmentedClassifier, SyntheticAugmentedRegressor
from .generators import ClassConditionalSampler
from .pipeline import Pipeline, make_pipeline
from .selectors import (
    CenterMatchingSelector,
    CenterSamplingSelector,
    CovarianceMatchingSelector,
    DiscriminatorSelector,
    DS3Selector,
    KernelMeanMatchingSelector,
    KMeansSelector,
    RandomSelector,
    VerifierSelector,
)

try:  # one source for the version: pyproject.toml, read from the installed metadata
    __version__ = version("skl-synthsel")
except PackageNotFoundError:  # pragma: no cover - running from a source tree not installed
    __version__ = "0+unknown"

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
