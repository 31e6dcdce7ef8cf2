"""Choose which synthetic rows to add to a small real training set.

Selectors are imbalanced-learn style samplers: put one in :func:`make_pipeline` ahead of any
scikit-learn model, or wrap a model in :class:`SyntheticAugmentedClassifier`.
"""

from importlib.metadata import PackageNotFoundError, version

from .augmented import SyntheticAugmentedClassifier, SyntheticAugmentedRegressor
from .generators import ClassConditionalSampler, SynthesizerSampler
from .pipeline import Pipeline, make_pipeline
from .selectors import (
    AutoSelector,
    CenterMatchingSelector,
    CenterSamplingSelector,
    CovarianceMatchingSelector,
    DiscriminatorSelector,
    DS3Selector,
    KernelMeanMatchingSelector,
    KMeansSelector,
    LearningDynamicsSelector,
    RandomSelector,
    SequentialSelector,
    VerifierSelector,
)

try:  # one source for the version: pyproject.toml, read from the installed metadata
    __version__ = version("skl-synthsel")
except PackageNotFoundError:  # pragma: no cover - running from a source tree not installed
    __version__ = "0+unknown"

__all__ = [
    "AutoSelector",
    "CenterMatchingSelector",
    "CenterSamplingSelector",
    "ClassConditionalSampler",
    "CovarianceMatchingSelector",
    "DS3Selector",
    "DiscriminatorSelector",
    "KMeansSelector",
    "KernelMeanMatchingSelector",
    "LearningDynamicsSelector",
    "Pipeline",
    "RandomSelector",
    "SequentialSelector",
    "SynthesizerSampler",
    "SyntheticAugmentedClassifier",
    "SyntheticAugmentedRegressor",
    "VerifierSelector",
    "make_pipeline",
]
