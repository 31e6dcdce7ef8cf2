"""Judge synthetic rows: distribution shift, detectability and utility for learning."""

from ._augmentation import augmentation_gain
from ._detection import detection_auc
from ._shift import covariance_ratio_spectrum, covariance_shift, mean_shift
from ._utility import generalization_difference, ranking_consistency

__all__ = [
    "augmentation_gain",
    "covariance_ratio_spectrum",
    "covariance_shift",
    "detection_auc",
    "generalization_difference",
    "mean_shift",
    "ranking_consistency",
]
