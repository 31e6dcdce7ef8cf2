"""The space in which selectors compare real and pool rows.

Every statistic is computed on columns first scaled by a power of two fit on the real rows
(:class:`PowerOfTwoScaler`): that brings each column's largest magnitude into [0.5, 1), so the
standardisation's variance neither underflows (columns around 1e-200, whose squares are below
the smallest float64) nor overflows (columns around 1e200). Multiplying by a power of two is
exact in floating point, so for columns of ordinary magnitude the feature space is bit for bit
what standardisation alone gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted

from ._dask import dask_rows_of, is_dask_collection, is_dask_rows

_MAX_FLOAT = np.finfo(np.float64).max


def _dense(X: Any) -> Any:
    return X.toarray() if hasattr(X, "toarray") else X


def _exponents(values: np.ndarray) -> np.ndarray:
    """Per column, the power of two that brings the largest magnitude into [0.5, 1)."""
    largest = np.max(np.abs(values), axis=0, initial=0.0)
    return np.frexp(largest)[1].astype(np.int64)


class PowerOfTwoScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale each column by the power of two that brings its largest magnitude into [0.5, 1).

    Like :class:`~sklearn.preprocessing.MaxAbsScaler`, but the factor is a power of two, so
    the scaling is exact (no rounding) and a later standardisation gives the same bits as
    without it, while its variance can no longer underflow or overflow.

    Attributes
    ----------
    exponent_ : ndarray of shape (n_features,)
        Each column is multiplied by ``2 ** -exponent_``.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> scaler = PowerOfTwoScaler().fit(np.array([[3e-200, 1.0], [-1e-200, 6.0]]))
    >>> scaler.transform(np.array([[3e-200, 6.0]])).round(3).tolist()
    [[0.574, 0.75]]
    """

    def fit(self, X: Any, y: Any = None) -> PowerOfTwoScaler:
        """Learn the per-column powers of two from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The real rows (after the feature map).
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        # Names are the feature map's business: this step sees plain columns.
        X = check_array(_dense(X), dtype=np.float64, ensure_all_finite=False)
        self.n_features_in_ = X.shape[1]
        self.exponent_ = _exponents(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Multiply each column by its power of two (exact).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        X = check_array(_dense(X), dtype=np.float64, ensure_all_finite=False)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but PowerOfTwoScaler is expecting "
                f"{self.n_features_in_} features as input."
            )
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(X, -self.exponent_)


def _has_missing(X: Any) -> bool:
    """Whether the rows as given hold NaN or infinity (False when that cannot be told)."""
    if hasattr(X, "isna"):
        try:
            numeric = X.select_dtypes("number") if hasattr(X, "select_dtypes") else X
            values = np.asarray(numeric, dtype=float)
            return bool(X.isna().to_numpy().any() or np.isinf(values).any())
        except (TypeError, ValueError):
            return bool(X.isna().to_numpy().any())
    try:
        values = check_array(_dense(X), dtype=np.float64, ensure_all_finite=False, ensure_2d=False)
    except (TypeError, ValueError):
        return False
    return not bool(np.all(np.isfinite(values)))


class FeatureSpace:
    """Feature map, then standardisation, then PCA, all fit on the real rows only.

    Given a regression target (``match_target=True``), the target standardised with the real
    targets' mean and standard deviation is appended as a last coordinate: a synthetic row whose
    ``y`` does not follow the real relation between features and target then does not match.

    Parameters
    ----------
    feature_map : transformer or None
        Cloned; None keeps the columns.
    n_components : int, float or None
        PCA after standardisation; None for none.
    random_state : int, RandomState instance or None
        Seeds the PCA.

    Examples
    --------
    >>> import numpy as np
    >>> real = np.array([[1e-200, 0.0], [3e-200, 1.0], [2e-200, 2.0]])
    >>> space = FeatureSpace(None, None, 0).fit(real)
    >>> space.transform(real, input_name="X").round(3).tolist()
    [[-1.225, -1.225], [1.225, 0.0], [0.0, 1.225]]
    """

    def __init__(self, feature_map: Any, n_components: Any, random_state: Any) -> None:
        steps = [clone(feature_map) if feature_map is not None else FunctionTransformer()]
        # Exact power-of-two scaling first: the standardisation's variance cannot underflow
        # or overflow. Matching is not scale-invariant: every column counts alike after it.
        steps += [PowerOfTwoScaler(), StandardScaler()]
        if n_components is not None:
            steps.append(PCA(n_components=n_components, random_state=random_state))
        self.transformer = make_pipeline(*steps)

    def fit(self, X: Any, y_regression: Any = None) -> FeatureSpace:
        """Fit the feature map, the scaling and the PCA on the real rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The real rows.
        y_regression : array-like of shape (n_samples,) or None, default=None
            A regression target to append as a standardised coordinate.

        Returns
        -------
        self : FeatureSpace
        """
        self.transformer.fit(X)
        if y_regression is not None:
            target = np.asarray(y_regression, dtype=float)
            # The same exact power-of-two scaling: no underflow of the variance.
            exponent = int(_exponents(target.reshape(-1, 1))[0])
            scaled = np.ldexp(target, -exponent)
            self.target_mean = float(np.ldexp(np.mean(scaled), exponent))
            spread = float(np.ldexp(np.std(scaled), exponent))
            self.target_scale = spread if spread > 0 else 1.0
        return self

    @property
    def n_dims(self) -> int:
        """Dimensions of the feature space, without the target coordinate."""
        last = self.transformer.steps[-1][1]
        return int(getattr(last, "n_components_", last.n_features_in_))

    def transform(self, X: Any, y_regression: Any = None, *, input_name: str) -> np.ndarray:
        """Rows in the feature space: C-ordered float64, finite.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features)
            Real or pool rows.
        y_regression : array-like of shape (n_rows,) or None, default=None
            Their regression targets, when the space has the target coordinate.
        input_name : str
            The rows' name in error messages (``"X"``, ``"X_pool"``).

        Returns
        -------
        features : ndarray of shape (n_rows, n_dims)
            A :class:`~skl_synthsel.utils._dask.DaskRows` for a Dask pool: mapped block by
            block when a pass reads it (each block checked as here).
        """
        if is_dask_rows(X) or is_dask_collection(X):
            rows = X if is_dask_rows(X) else dask_rows_of(X)
            return rows.map_blocks(
                _transform_block,
                *(() if y_regression is None else (np.asarray(y_regression, dtype=float),)),
                space=self,
                input_name=input_name,
                n_columns=self.n_dims + (y_regression is not None),
            )
        features = X
        # Step by step, so that a NaN or an overflow is caught where it appears (a later
        # step's own validation would report it as bad input).
        for position, (_, step) in enumerate(self.transformer.steps):
            with np.errstate(over="ignore", invalid="ignore"):
                features = _dense(step.transform(features))
            if position and not np.all(np.isfinite(features)):
                raise ValueError(_non_finite_message(X, features, input_name))
        # C order whatever the input's layout, so DataFrames and arrays give identical results
        # (BLAS sums in a layout-dependent order, and relaxed solutions are sensitive to it).
        features = np.ascontiguousarray(features, dtype=float)
        if y_regression is None:
            return features
        target = (np.asarray(y_regression, dtype=float) - self.target_mean) / self.target_scale
        if not np.all(np.isfinite(target)):
            raise ValueError(
                f"The target of {input_name} overflows float64 once standardised with the real "
                f"targets' mean and spread (beyond {_MAX_FLOAT:.3g}): its values are far "
                "larger than the real targets'. Rescale the target (e.g. other units or a log) "
                "or drop the pool rows far outside the real range."
            )
        return np.column_stack([features, target])


def _transform_block(block: Any, *y_block: Any, space: FeatureSpace, input_name: str) -> Any:
    """One block of a Dask pool in the feature space (run on a worker)."""
    return space.transform(block, y_block[0] if y_block else None, input_name=input_name)


def _non_finite_message(X: Any, features: np.ndarray, input_name: str) -> str:
    """Why the feature space of ``X`` holds NaN or infinity, and the fix."""
    if _has_missing(X):
        return (
            f"The feature map turned {input_name} into values with NaN or infinity: "
            f"{input_name} has missing or infinite values. Impute missing values in the feature "
            "map (e.g. a Pipeline starting with SimpleImputer) or before the selector."
        )
    if np.isinf(features).any():
        return (
            f"The feature space of {input_name} overflows float64: its values, finite as "
            f"given, exceed {_MAX_FLOAT:.3g} in magnitude once mapped and standardised with "
            "the real rows' statistics (pool values far larger than the real rows', or a "
            "feature map such as np.exp on large values). Rescale the columns (other units, "
            "a log transform), drop the pool rows far outside the real range, or change the "
            "feature map."
        )
    return (
        f"The feature map turned {input_name} into values with NaN or infinity although "
        f"{input_name} is finite: the feature map is undefined for some of its values (e.g. "
        "a log of a negative number). Change the feature map, or impute missing values in "
        "it or before the selector."
    )
