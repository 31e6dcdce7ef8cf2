"""One registry of all selectors: used by the tests, the demo, the CLI and the benchmarks.

Keys are the short names the CLI's ``--method`` takes.
"""

from ._center import CenterMatchingSelector, CenterSamplingSelector
from ._covariance_matching import CovarianceMatchingSelector
from ._discriminator import DiscriminatorSelector
from ._ds3 import DS3Selector
from ._kmeans import KMeansSelector
from ._kmm import KernelMeanMatchingSelector
from ._random import RandomSelector
from ._verifier import VerifierSelector

SELECTORS = {
    "covariance": CovarianceMatchingSelector,
    "random": RandomSelector,
    "center_matching": CenterMatchingSelector,
    "center_sampling": CenterSamplingSelector,
    "kmeans": KMeansSelector,
    "discriminator": DiscriminatorSelector,
    "verifier": VerifierSelector,
    "ds3": DS3Selector,
    "kmm": KernelMeanMatchingSelector,
}
