"""What a fitted selector chose: counts per class, its diagnostics, and a picture.

In the style of scikit-learn's Display objects (:class:`~sklearn.metrics.ConfusionMatrixDisplay`):
:meth:`SelectionReport.from_selector` computes everything from a fitted selector and its real
rows, :meth:`SelectionReport.plot` draws (matplotlib is imported only there), and the text
summary is ``str(report)`` or :meth:`SelectionReport.to_frame`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils.validation import _num_samples, check_is_fitted

# Per-class diagnostics shown when the selector has them, in this order.
_DIAGNOSTICS = ("covariance_gap", "random_covariance_gap")
# A Dask pool's picture: its selected rows and at most this many others (a uniform sample).
_DASK_PICTURE_ROWS = 100_000


class SelectionReport:
    """Summary of a fitted selector's choice: per-class counts, gaps, weights, a PCA picture.

    Build it with :meth:`from_selector`; ``str(report)`` prints the summary, :meth:`to_frame`
    returns it as a DataFrame, :meth:`plot` draws the real, pool and selected rows on the first
    two principal components of the selector's feature space (the PCA is fit on the real rows).

    Parameters
    ----------
    selector_name : str
        The selector's class name.
    task : {"classification", "regression"}
        The selector's task.
    classes : list
        The class labels; ``[None]`` for regression.
    n_real, n_pool, n_selected : ndarray of int of shape (n_classes,)
        Real rows, pool rows and selected rows per class.
    diagnostics : dict of str to ndarray of shape (n_classes,)
        Per-class diagnostics of the selector, e.g. ``covariance_gap`` and
        ``random_covariance_gap`` (the gap of random selections of the same size).
    weights : dict of str to float or None
        Summary of the selector's relaxed weights ``weights_``, or None if it has none.
    real_2d, pool_2d : ndarray of shape (n_rows, 2)
        Real and pool rows on the first two principal components. For a Dask pool,
        ``pool_2d`` holds the selected rows and a uniform sample of at most 100,000 others
        (the pool is never gathered whole); the counts are over the whole pool.
    selected : ndarray of int
        Positions of the selected rows in ``pool_2d`` (``selected_indices_`` for a pool in
        memory).
    explained_variance_ratio : ndarray of shape (2,)
        Of the two components, on the real rows.
    y_real, y_pool : ndarray
        Labels (or targets) of the real rows and of the rows of ``pool_2d``.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the picture, after :meth:`plot`.
    figure_ : matplotlib Figure
        Figure containing the picture, after :meth:`plot`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skl_synthsel import CovarianceMatchingSelector
    >>> from skl_synthsel.inspection import SelectionReport
    >>> X, y = make_classification(n_samples=660, n_features=4, random_state=0)
    >>> selector = CovarianceMatchingSelector((X[60:], y[60:]), n_select=1.0, random_state=0)
    >>> selector = selector.fit(X[:60], y[:60])
    >>> report = SelectionReport.from_selector(selector, X[:60], y[:60])
    >>> report.to_frame()[["n_real", "n_pool", "n_selected"]].sum().tolist()
    [60, 600, 60]
    >>> print(str(report).splitlines()[0])
    CovarianceMatchingSelector: 60 of 600 pool rows selected for 60 real rows (classification)
    """

    def __init__(
        self,
        *,
        selector_name: str,
        task: str,
        classes: list,
        n_real: np.ndarray,
        n_pool: np.ndarray,
        n_selected: np.ndarray,
        diagnostics: dict,
        weights: dict | None,
        real_2d: np.ndarray,
        pool_2d: np.ndarray,
        selected: np.ndarray,
        explained_variance_ratio: np.ndarray,
        y_real: np.ndarray,
        y_pool: np.ndarray,
    ) -> None:
        self.selector_name = selector_name
        self.task = task
        self.classes = classes
        self.n_real = n_real
        self.n_pool = n_pool
        self.n_selected = n_selected
        self.diagnostics = diagnostics
        self.weights = weights
        self.real_2d = real_2d
        self.pool_2d = pool_2d
        self.selected = selected
        self.explained_variance_ratio = explained_variance_ratio
        self.y_real = y_real
        self.y_pool = y_pool

    @classmethod
    def from_selector(cls, selector: Any, X: Any, y: Any) -> SelectionReport:
        """Summarise a fitted selector against the real rows it was fit on.

        Parameters
        ----------
        selector : fitted selector
            Any selector of skl_synthsel after ``fit`` or ``fit_resample``.
        X : array-like of shape (n_samples, n_features)
            The real rows the selector was fit on.
        y : array-like of shape (n_samples,)
            Their labels or targets.

        Returns
        -------
        report : SelectionReport
        """
        if not hasattr(selector, "selected_indices_") and hasattr(selector, "selector_"):
            selector = selector.selector_  # a SyntheticAugmented meta-estimator
        check_is_fitted(selector, "selected_indices_")
        n_samples = _num_samples(X)
        if len(np.asarray(y).reshape(len(y), -1)) != n_samples:
            raise ValueError(f"X has {n_samples} rows but y has {len(y)}; pass the same rows.")
        n_features = np.asarray(X).shape[1] if np.ndim(X) == 2 else None
        if n_features is not None and n_features != selector.n_features_in_:
            raise ValueError(
                f"X has {n_features} columns but {type(selector).__name__} was fit on "
                f"{selector.n_features_in_}: pass the real rows the selector was fit on."
            )
        task = selector.task_
        y_real = _labels(selector, y)
        y_pool = np.asarray(selector.y_pool_)
        selected = np.asarray(selector.selected_indices_, dtype=np.intp)
        if task == "classification":
            classes = selector.classes_.tolist()
            n_real = np.array([int(np.sum(y_real == c)) for c in classes])
            n_pool = np.array([int(np.sum(y_pool == c)) for c in classes])
            n_selected = np.array([int(np.sum(y_pool[selected] == c)) for c in classes])
        else:
            classes = [None]
            n_real = np.array([n_samples])
            n_pool = np.array([len(y_pool)])
            n_selected = np.array([len(selected)])
        diagnostics = {
            name: np.asarray(getattr(selector, name + "_"), dtype=float)
            for name in _DIAGNOSTICS
            if hasattr(selector, name + "_")
        }
        shown = _shown_pool_rows(selector, selected)
        real, pool = _feature_rows(selector, X, y_real, shown)
        real_2d, pool_2d, ratio = _project(real, pool, selector.random_state)
        if shown is not None:
            selected, y_pool = np.searchsorted(shown, selected), y_pool[shown]
        return cls(
            selector_name=type(selector).__name__,
            task=task,
            classes=classes,
            n_real=n_real,
            n_pool=n_pool,
            n_selected=n_selected,
            diagnostics=diagnostics,
            weights=_weights_summary(getattr(selector, "weights_", None), selected),
            real_2d=real_2d,
            pool_2d=pool_2d,
            selected=selected,
            explained_variance_ratio=ratio,
            y_real=y_real,
            y_pool=y_pool,
        )

    def to_frame(self) -> Any:
        """The per-class summary as a DataFrame, one row per class (one for regression).

        Returns
        -------
        frame : DataFrame
            Columns ``n_real``, ``n_pool``, ``n_selected``, ``selected_per_real`` and the
            selector's diagnostics (``covariance_gap``, ``random_covariance_gap``, and
            ``gap_ratio``, the selected gap over the random one, below 1 when the selection
            beats chance), indexed by class.
        """
        import pandas as pd

        index = pd.Index(["all" if c is None else c for c in self.classes], name="class")
        frame = pd.DataFrame(
            {
                "n_real": self.n_real,
                "n_pool": self.n_pool,
                "n_selected": self.n_selected,
                "selected_per_real": self.n_selected / np.maximum(self.n_real, 1),
            },
            index=index,
        )
        for name, values in self.diagnostics.items():
            frame[name] = values
        if set(_DIAGNOSTICS) <= set(self.diagnostics):
            with np.errstate(divide="ignore", invalid="ignore"):
                frame["gap_ratio"] = (
                    self.diagnostics["covariance_gap"] / self.diagnostics["random_covariance_gap"]
                )
        return frame

    def __str__(self) -> str:
        lines = [
            f"{self.selector_name}: {int(self.n_selected.sum())} of {int(self.n_pool.sum())} "
            f"pool rows selected for {int(self.n_real.sum())} real rows ({self.task})"
        ]
        lines.append(self.to_frame().to_string(float_format=lambda value: f"{value:.4g}"))
        if self.weights is not None:
            summary = ", ".join(f"{name}={value:.4g}" for name, value in self.weights.items())
            lines.append(f"weights_: {summary}")
        ratio = ", ".join(f"{value:.1%}" for value in self.explained_variance_ratio)
        lines.append(f"PCA of the real rows in the selector's feature space: {ratio} variance")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<SelectionReport of {self.selector_name}: {int(self.n_selected.sum())} rows "
            f"selected from {int(self.n_pool.sum())}>"
        )

    def plot(
        self,
        ax: Any = None,
        *,
        pool_kwargs: dict | None = None,
        real_kwargs: dict | None = None,
        selected_kwargs: dict | None = None,
    ) -> SelectionReport:
        """Draw the pool, real and selected rows on the first two principal components.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure is created if None.
        pool_kwargs, real_kwargs, selected_kwargs : dict, default=None
            Keyword arguments for the ``scatter`` calls of the three kinds of rows.

        Returns
        -------
        report : SelectionReport
            With ``ax_`` and ``figure_`` set.
        """
        from sklearn.utils._optional_dependencies import check_matplotlib_support

        check_matplotlib_support("SelectionReport.plot")
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        layers = [
            (
                self.pool_2d,
                {"s": 6, "c": "0.75", "alpha": 0.5, "label": f"pool ({len(self.pool_2d)})"},
                pool_kwargs,
            ),
            (
                self.real_2d,
                {"s": 22, "c": "tab:blue", "label": f"real ({len(self.real_2d)})"},
                real_kwargs,
            ),
            (
                self.pool_2d[self.selected],
                {
                    "s": 22,
                    "c": "tab:orange",
                    "marker": "x",
                    "label": f"selected ({len(self.selected)})",
                },
                selected_kwargs,
            ),
        ]
        for rows, defaults, overrides in layers:
            ax.scatter(rows[:, 0], rows[:, 1], **{**defaults, **(overrides or {})})
        first, second = self.explained_variance_ratio
        ax.set_xlabel(f"PC 1 ({first:.0%} of the real rows' variance)")
        ax.set_ylabel(f"PC 2 ({second:.0%})")
        ax.set_title(f"{self.selector_name}: real, pool and selected rows")
        ax.legend(loc="best")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _labels(selector: Any, y: Any) -> np.ndarray:
    """The real labels as the selector compares them (one-vs-all targets decoded)."""
    values = np.asarray(y)
    if getattr(selector, "_one_vs_all_", False) and values.ndim == 2:
        return selector.classes_[np.argmax(values, axis=1)]
    values = values.reshape(-1)
    if selector.task_ == "classification" and values.dtype.kind != selector.classes_.dtype.kind:
        from ..utils._task import check_labels

        return check_labels(values, "y", like=selector.classes_)
    return values


def _shown_pool_rows(selector: Any, selected: np.ndarray) -> np.ndarray | None:
    """The pool rows a Dask pool's picture shows, sorted; None (every row) for other pools."""
    from ..utils._dask import is_dask_collection

    if not is_dask_collection(selector.X_pool_):
        return None
    n_pool = len(selector.y_pool_)
    others = np.setdiff1d(np.arange(n_pool), selected, assume_unique=True)
    if len(others) > _DASK_PICTURE_ROWS:
        others = np.random.RandomState(0).choice(others, _DASK_PICTURE_ROWS, replace=False)
    return np.union1d(selected, others)


def _feature_rows(
    selector: Any, X: Any, y_real: np.ndarray, shown: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Real and pool rows (those ``shown``, else all) in the selector's feature space."""
    X_pool, y_pool = selector.X_pool_, np.asarray(selector.y_pool_)
    if shown is not None:
        from ..utils._dask import DaskPoolRows, dask_rows_of

        # Only the rows shown are gathered, reading only the blocks that hold them.
        X_pool, y_pool = DaskPoolRows(dask_rows_of(X_pool)).take(shown), y_pool[shown]
    if getattr(selector, "feature_map", None) is not None:
        if hasattr(X, "columns") and not hasattr(X_pool, "columns"):
            import pandas as pd

            X_pool = pd.DataFrame(np.asarray(X_pool), columns=X.columns)
    else:
        X = np.asarray(X, dtype=float)
        X_pool = np.asarray(X_pool, dtype=float)
    in_space = selector.task_ == "regression" and getattr(selector, "match_target", False)
    space = selector.feature_space_
    real = space.transform(X, y_real if in_space else None, input_name="X")
    pool = space.transform(X_pool, y_pool if in_space else None, input_name="X_pool")
    return real, pool


def _project(real: np.ndarray, pool: np.ndarray, random_state: Any) -> tuple:
    """Both on the first two principal components of the real rows (zeros past the rank)."""
    n_components = min(2, real.shape[1], real.shape[0])
    pca = PCA(n_components=n_components, random_state=random_state).fit(real)
    pad = 2 - n_components
    real_2d, pool_2d = (np.pad(pca.transform(rows), ((0, 0), (0, pad))) for rows in (real, pool))
    ratio = np.pad(pca.explained_variance_ratio_, (0, pad))
    return real_2d, pool_2d, ratio


def _weights_summary(weights: np.ndarray | None, selected: np.ndarray) -> dict | None:
    """Counts and spread of relaxed weights; None for a selector without them."""
    if weights is None:
        return None
    weights = np.asarray(weights, dtype=float)
    positive = weights[weights > 0]
    total = float(weights.sum())
    return {
        "n_positive": int(positive.size),
        "sum": total,
        "min_positive": float(positive.min()) if positive.size else 0.0,
        "max": float(weights.max()) if weights.size else 0.0,
        "share_on_selected": float(weights[selected].sum() / total) if total > 0 else 0.0,
    }
