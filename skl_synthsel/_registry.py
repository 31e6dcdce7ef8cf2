"""One registry of all selectors: used by the tests, the demo, the CLI and the benchmarks.

Keys are the short names the CLI's ``--method`` takes.
"""

from ._covariance_matching import CovarianceMatchingSelector

SELECTORS = {
    "covariance": CovarianceMatchingSelector,
}
