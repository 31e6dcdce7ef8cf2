"""K-means selection: cluster a class's pool into its quota and take a row per cluster."""

from numbers import Integral

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances_argmin_min
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import row_norms

from ..base import BaseSelector, GroupSelection
from ..utils._docstrings import fill_doc


def _nearest_distinct_rows(centers, rows):
    """One distinct row per center: its nearest row, or its nearest row not yet taken.

    Centers claim rows in order of the distance to their nearest row, closest first (ties in
    center order), so that a contested row goes to the center it represents best; a center
    whose nearest row is taken gets its nearest untaken row.

    Returns
    -------
    chosen : ndarray of shape (n_centers,)
        Indices into ``rows``, in the order of the claims.
    n_reassigned : int
        Centers that did not get their nearest row.
    """
    nearest, distances = pairwise_distances_argmin_min(centers, rows)
    taken = np.zeros(len(rows), dtype=bool)
    chosen, n_reassigned = [], 0
    for center in np.argsort(distances, kind="stable"):
        row = nearest[center]
        if taken[row]:
            squared = row_norms(rows - centers[center], squared=True)
            squared[taken] = np.inf
            row = int(np.argmin(squared))
            n_reassigned += 1
        taken[row] = True
        chosen.append(row)
    return np.asarray(chosen, dtype=np.intp), n_reassigned


@fill_doc
class KMeansSelector(BaseSelector):
    """Select one synthetic row per k-means cluster of the pool, per class.

    The "K-means" baseline of Rezaei et al. (2025): in each class (the whole pool for
    regression) the class's pool rows are clustered, in the feature space, into as many
    clusters as the class's quota, and the row nearest each cluster centre is selected. When
    two centres share a nearest row (duplicated rows, or fewer distinct rows than clusters),
    the centre nearer to it keeps it and the other takes its nearest row not yet taken, so
    exactly ``quota`` distinct rows come out. A quota equal to the class's pool takes all of it.

    The clustering is :class:`~sklearn.cluster.KMeans`, or
    :class:`~sklearn.cluster.MiniBatchKMeans` for a class with more than ``batch_threshold``
    pool rows, each seeded from ``random_state``.

    Parameters
    ----------
    {pool}
    {n_select}
    batch_threshold : int, default=10_000
        A class with more pool rows than this is clustered with
        :class:`~sklearn.cluster.MiniBatchKMeans`, which is much faster on large pools at a
        small cost in inertia.
    n_init : "auto" or int, default="auto"
        Number of k-means initialisations per class, the best kept (``"auto"``: as
        :class:`~sklearn.cluster.KMeans` decides). More runs give a lower inertia at a
        proportional cost.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    clusterers_ : list of KMeans, MiniBatchKMeans or None
        The fitted clusterings, one per class with a positive quota in the order of
        ``classes_`` (one for regression); None for a class whose quota takes its whole pool.
    inertia_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the clustering's sum of squared distances of the
        pool rows to their cluster centre (0 when the whole pool is taken).
    n_reassigned_ : ndarray of shape (n_classes,)
        Per class, the cluster centres that did not get their nearest row because a nearer
        centre had taken it.

    See Also
    --------
    CenterMatchingSelector : Take the rows nearest the real centroid.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel import KMeansSelector
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(40, 2)), np.repeat([0, 1], 20)
    >>> # A mode-collapsed pool: 900 rows close to one point, then 100 spread out.
    >>> X_pool = np.concatenate([rng.normal(scale=0.05, size=(900, 2)),
    ...                          rng.normal(size=(100, 2))])
    >>> y_pool = rng.integers(0, 2, size=1000)
    >>> selector = KMeansSelector((X_pool, y_pool), n_select=0.5, random_state=0).fit(X, y)
    >>> [clusterer.n_clusters for clusterer in selector.clusterers_]
    [10, 10]
    >>> # One row per cluster: most come from the spread-out tenth of the pool.
    >>> float(np.mean(selector.selected_indices_ >= 900))
    0.85
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "batch_threshold": [Interval(Integral, 1, None, closed="left")],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        pool,
        *,
        n_select=1.0,
        batch_threshold=10_000,
        n_init="auto",
        n_components=None,
        feature_map=None,
        pool_size=10.0,
        include_real=True,
        task="auto",
        match_target=False,
        random_state=None,
    ):
        self._set_init_params(
            pool=pool,
            n_select=n_select,
            batch_threshold=batch_threshold,
            n_init=n_init,
            n_components=n_components,
            feature_map=feature_map,
            pool_size=pool_size,
            include_real=include_real,
            task=task,
            match_target=match_target,
            random_state=random_state,
        )

    def _select_group(self, group, random_state):
        pool, n_select = group.pool, group.n_select
        if n_select == len(pool):
            return GroupSelection(
                selected=np.arange(len(pool)),
                diagnostics={"inertia": 0.0, "n_reassigned": 0},
                fitted={"clusterers": None},
            )
        clustering = MiniBatchKMeans if len(pool) > self.batch_threshold else KMeans
        clusterer = clustering(
            n_clusters=n_select,
            n_init=self.n_init,
            random_state=random_state.randint(np.iinfo(np.int32).max),
        )
        clusterer.fit(pool)
        selected, n_reassigned = _nearest_distinct_rows(clusterer.cluster_centers_, pool)
        return GroupSelection(
            selected=selected,
            diagnostics={"inertia": float(clusterer.inertia_), "n_reassigned": n_reassigned},
            fitted={"clusterers": clusterer},
        )
