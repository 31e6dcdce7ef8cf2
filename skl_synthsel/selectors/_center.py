"""Center matching and center sampling: choose pool rows by their distance to the real centroid."""

from numbers import Real
from typing import Any, Literal

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.extmath import row_norms

from .._solvers._chunked import squared_row_norms
from ..base import BaseSelector, GroupSelection
from ..utils._dask import is_dask_rows
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike


def _squared_distances_to_centroid(real, pool):
    """Squared Euclidean distance of every pool row to the mean of the real rows.

    One pass over a Dask pool (the distances are one number per row).
    """
    if is_dask_rows(pool):
        return squared_row_norms(pool - real.mean(axis=0))
    return row_norms(pool - real.mean(axis=0), squared=True)


def _selection(squared_distances, selected, scores, **diagnostics):
    """A group's result, with the mean distance of the chosen rows to the centroid."""
    return GroupSelection(
        selected=selected,
        scores=scores,
        diagnostics={
            "mean_centroid_distance": float(np.sqrt(squared_distances[selected]).mean()),
            **diagnostics,
        },
    )


@fill_doc
class CenterMatchingSelector(BaseSelector):
    """Select the synthetic rows nearest the centroid of the real rows, per class.

    The "center matching" baseline of Rezaei et al. (2025): in each class, the quota of pool
    rows with the smallest Euclidean distance to the mean of the class's real rows, in the
    feature space (standardised with the real rows' statistics, optionally mapped and reduced
    by PCA). For regression with ``match_target=True`` the standardised target is a coordinate
    of the feature space, so the rows nearest the joint centroid of ``(X, y)`` are chosen. Rows
    at equal distance are
    taken in pool order. The selection is deterministic: ``random_state`` only matters for a
    generator pool or a randomised PCA.

    {parameters_and_attributes}
    scores_ : ndarray of shape (n_pool,)
        Minus the distance of each pool row to its class's real centroid (larger is nearer);
        NaN for rows of classes that were not selected from.
    mean_centroid_distance_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the mean distance of the selected rows to the
        real centroid.
    n_pool_passes_ : int
        Only with a pool held as Dask collections (:ref:`dask`): the passes over the pool
        the fit made (computes that read every block of it), one per class for a per-class
        pass.

    See Also
    --------
    CenterSamplingSelector : Sample rows with a probability that falls with that distance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from skl_synthsel import CenterMatchingSelector
    >>> X, y = load_iris(return_X_y=True)
    >>> X_pool = np.concatenate([X + 0.1, X - 0.1, 1.5 * X])  # three distorted copies
    >>> selector = CenterMatchingSelector((X_pool, np.tile(y, 3)), n_select=0.5)
    >>> X_res, y_res = selector.fit_resample(X, y)
    >>> X_res.shape
    (225, 4)
    >>> # The rescaled copy lies far from the class centroids: none of its rows is chosen.
    >>> int((selector.selected_indices_ >= 300).sum())
    0
    """

    _supports_dask_pool = True  # one pass per class: the distances to the centroid

    def _select_group(self, group, random_state):
        real, pool, n_select = group.real, group.pool, group.n_select
        squared_distances = _squared_distances_to_centroid(real, pool)
        selected = np.argsort(squared_distances, kind="stable")[:n_select]
        return _selection(squared_distances, selected, -np.sqrt(squared_distances))


@fill_doc
class CenterSamplingSelector(BaseSelector):
    """Sample synthetic rows with a probability that falls with their distance to the centroid.

    The "center sampling" baseline of Rezaei et al. (2025). In each class (jointly over
    ``(X, y)`` for regression), with ``d_i`` the Euclidean distance of pool row ``i`` to the mean
    of the class's real rows in the feature space, row ``i`` has the sampling weight::

        w_i = exp(-d_i ** 2 / (2 * temperature ** 2 * m))

    where ``m`` is the median of the ``d_i ** 2`` over the class's pool rows (their mean if the
    median is 0, and 1 if every distance is 0), so that ``temperature`` is free of the feature
    space's scale. The quota is drawn without replacement, each draw choosing among the rows
    not yet drawn with probability proportional to ``w_i`` (successive sampling). It is
    computed by the Gumbel-top-k trick: the rows with the largest
    ``log(w_i) + g_i``, with ``g_i`` independent standard Gumbel draws from ``random_state``.

    A small ``temperature`` concentrates the draw on the rows nearest the centroid (it tends to
    :class:`CenterMatchingSelector`); a large one tends to uniform random selection.

    Parameters
    ----------
    {pool}
    {n_select}
    temperature : float, default=1.0
        Width of the sampling kernel, in units of the median distance of the class's pool rows
        to the real centroid (at ``temperature=1`` a row at the median distance has weight
        ``exp(-1/2)`` relative to a row at the centroid). Must be positive.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    scores_ : ndarray of shape (n_pool,)
        Per pool row, the probability of being the first row drawn in its class,
        ``w_i / sum(w)`` (larger is nearer); NaN for rows of classes that were not selected
        from.
    mean_centroid_distance_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the mean distance of the selected rows to the
        real centroid.
    kernel_scale_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the scale ``m`` of the sampling kernel.
    n_pool_passes_ : int
        Only with a pool held as Dask collections (:ref:`dask`): the passes over the pool
        the fit made (computes that read every block of it), one per class for a per-class
        pass.

    See Also
    --------
    CenterMatchingSelector : Take the rows nearest the centroid.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> from skl_synthsel import CenterMatchingSelector, CenterSamplingSelector
    >>> X_all, y_all = make_blobs(n_samples=1040, centers=2, random_state=0)
    >>> X, y, X_pool, y_pool = X_all[:40], y_all[:40], X_all[40:], y_all[40:]
    >>> def distances(selector):
    ...     return selector.fit(X, y).mean_centroid_distance_.round(2).tolist()
    >>> distances(CenterMatchingSelector((X_pool, y_pool)))
    [0.12, 0.08]
    >>> for temperature in [0.5, 1.0, 4.0]:
    ...     selector = CenterSamplingSelector((X_pool, y_pool), temperature=temperature,
    ...                                       random_state=0)
    ...     print(temperature, distances(selector))
    0.5 [0.35, 0.47]
    1.0 [0.6, 0.52]
    4.0 [0.71, 0.72]
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "temperature": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        temperature: float = 1.0,
        n_components: int | float | None = None,
        feature_map: Any | None = None,
        pool_size: int | float = 10.0,
        include_real: bool = True,
        task: Literal["auto", "classification", "regression"] = "auto",
        match_target: bool = False,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        self._set_init_params(
            pool=pool,
            n_select=n_select,
            temperature=temperature,
            n_components=n_components,
            feature_map=feature_map,
            pool_size=pool_size,
            include_real=include_real,
            task=task,
            match_target=match_target,
            random_state=random_state,
            verbose=verbose,
        )

    _supports_dask_pool = True  # one pass per class: the distances to the centroid

    def _select_group(self, group, random_state):
        real, pool, n_select = group.real, group.pool, group.n_select
        squared_distances = _squared_distances_to_centroid(real, pool)
        # The median sets the kernel's width; the mean when most rows sit on the centroid.
        scale = next(
            (s for s in (np.median(squared_distances), squared_distances.mean()) if s > 0), 1.0
        )
        log_weights = -squared_distances / (2 * self.temperature**2 * scale)
        keys = log_weights + random_state.gumbel(size=len(pool))
        selected = np.argsort(-keys, kind="stable")[:n_select]
        # Normalised in log space: exp of very negative log-weights would underflow to 0/0.
        first_draw = np.exp(log_weights - np.logaddexp.reduce(log_weights))
        return _selection(squared_distances, selected, first_draw, kernel_scale=float(scale))
