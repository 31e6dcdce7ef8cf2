"""The space in which selectors compare real and pool rows."""

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler


class FeatureSpace:
    """Feature map, then standardisation, then PCA, all fit on the real rows only.

    Given a regression target (``match_target=True``), the target standardised with the real
    targets' mean and standard deviation is appended as a last coordinate: a synthetic row whose
    ``y`` does not follow the real relation between features and target then does not match.
    """

    def __init__(self, feature_map, n_components, random_state):
        steps = [clone(feature_map) if feature_map is not None else FunctionTransformer()]
        # Matching is not scale-invariant: every column counts alike after standardisation.
        steps.append(StandardScaler())
        if n_components is not None:
            steps.append(PCA(n_components=n_components, random_state=random_state))
        self.transformer = make_pipeline(*steps)

    def fit(self, X, y_regression=None):
        self.transformer.fit(X)
        if y_regression is not None:
            self.target_mean = float(np.mean(y_regression))
            spread = float(np.std(y_regression))
            self.target_scale = spread if spread > 0 else 1.0
        return self

    def transform(self, X, y_regression=None, *, input_name):
        features = self.transformer.transform(X)
        if hasattr(features, "toarray"):
            features = features.toarray()
        # C order whatever the input's layout, so DataFrames and arrays give identical results
        # (BLAS sums in a layout-dependent order, and relaxed solutions are sensitive to it).
        features = np.ascontiguousarray(features, dtype=float)
        if not np.all(np.isfinite(features)):
            raise ValueError(
                f"The feature map turned {input_name} into values with NaN or infinity; "
                "impute missing values in the feature map or before the selector."
            )
        if y_regression is None:
            return features
        target = (np.asarray(y_regression, dtype=float) - self.target_mean) / self.target_scale
        return np.column_stack([features, target])
