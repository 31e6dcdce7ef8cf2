"""The selectors: one module per family, each holding only its method."""

from ._auto import AutoSelector
from ._center import CenterMatchingSelector, CenterSamplingSelector
from ._covariance_matching import CovarianceMatchingSelector
from ._discriminator import DiscriminatorSelector
from ._ds3 import DS3Selector
from ._kernel_mean_matching import KernelMeanMatchingSelector
from ._kmeans import KMeansSelector
from ._learning_dynamics import LearningDynamicsSelector
from ._random import RandomSelector
from ._sequential import SequentialSelector
from ._verifier import VerifierSelector

__all__ = [
    "AutoSelector",
    "CenterMatchingSelector",
    "CenterSamplingSelector",
    "CovarianceMatchingSelector",
    "DS3Selector",
    "DiscriminatorSelector",
    "KMeansSelector",
    "KernelMeanMatchingSelector",
    "LearningDynamicsSelector",
    "RandomSelector",
    "SequentialSelector",
    "VerifierSelector",
]
