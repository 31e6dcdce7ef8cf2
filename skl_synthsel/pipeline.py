"""imbalanced-learn's Pipeline, which applies samplers (selectors) at fit time only."""

from imblearn.pipeline import Pipeline, make_pipeline

__all__ = ["Pipeline", "make_pipeline"]
