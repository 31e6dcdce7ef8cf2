"""Meta-estimators: fit any estimator on real rows plus selected (or weighted) synthetic rows."""

from ._augmented import SyntheticAugmentedClassifier, SyntheticAugmentedRegressor

__all__ = ["SyntheticAugmentedClassifier", "SyntheticAugmentedRegressor"]
