"""Closed forms from the papers: risk under covariance shift, accuracy under pruning."""

from ._covariance_shift import (
    covariance_ratio_eigenvalues,
    mixed_least_squares_risk,
    synthetic_only_least_squares_risk,
)
from ._pruning import (
    critical_label_noise,
    pruned_ridge_accuracy,
    synthetic_only_pruned_accuracy,
)

__all__ = [
    "covariance_ratio_eigenvalues",
    "critical_label_noise",
    "mixed_least_squares_risk",
    "pruned_ridge_accuracy",
    "synthetic_only_least_squares_risk",
    "synthetic_only_pruned_accuracy",
]
