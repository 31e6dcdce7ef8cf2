"""K-means selection: cluster a class's pool into its quota and take a row per cluster."""

from numbers import Integral
from typing import Any, Literal

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.extmath import row_norms

from ..base import BaseSelector, GroupSelection
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike

# The seeding with n_init="auto": k-means++ with one candidate per centre (the rule of Arthur and
# Vassilvitskii) instead of scikit-learn's greedy variant, which scores 2 + log(k) candidates
# per centre. Measured on a class of 10,000 rows (d = 20, 1,000 clusters, one thread): seeding
# 0.31 s instead of 0.75 s (0.17 s by _kmeans_plusplus_one_trial), Lloyd 0.35 s instead of
# 0.51 s, inertia 1.6 % higher.
# Lloyd iterations of the fast KMeans path when an iteration is expensive (rows x clusters of
# at least _LLOYD_CAP_SIZE): measured on the class above, Lloyd converges in 15 to 18
# iterations and 10 leave the inertia within 0.05 % of convergence at two thirds the time.
# Smaller problems (cheap anyway, and slower to converge in few dimensions) run to convergence.
_LLOYD_MAX_ITER = 10
_LLOYD_CAP_SIZE = 10**6
# MiniBatchKMeans (a class above batch_threshold rows) with n_init="auto": seeded on a random
# subsample of 3 rows per cluster, batches of 4,096 rows, at most two epochs, its one
# initialisation validated on one row per cluster, no labels pass at the end (the assignment
# pass below gives the inertia and the nearest rows in one read).
# Measured on a class of 100,000 rows (1,000 clusters): 1.1 s to 2 s instead of 4.2 s, inertia
# within 2 % of scikit-learn's defaults.
_SEED_ROWS_PER_CLUSTER = 3
_BATCH_SIZE = 4096
_BATCH_EPOCHS = 2
# Blocks of the assignment pass: rows x clusters of about 2**17 distances (1 MiB, a core's L2
# cache here), so that the reductions read the block from cache; at least 128 rows, below
# which the matrix product slows down. Measured on 100,000 rows in 20 dimensions, one thread:
# 0.52 s instead of 0.72 s for blocks of 256 rows with 1,000 centres, 0.07 s instead of 0.09 s
# with 100, the same 2.7 s with 5,000.
_BLOCK_ENTRIES = 2**17
_MIN_BLOCK_ROWS = 128


def _kmeans_plusplus_one_trial(X, n_clusters, random_state):
    """``kmeans_plusplus(X, n_clusters, n_local_trials=1)``'s centres, without its overhead.

    The same draws from ``random_state`` and the same arithmetic as scikit-learn's (each new
    centre's squared distances to every row as ``-2 x.c + ||c||^2 + ||x||^2``, clipped at
    zero; the potential as a dot product with unit weights), so the same centres; but in
    place, without the validation scikit-learn repeats for every centre (measured on 10,000
    rows in 20 dimensions and 1,000 centres: 0.17 s instead of 0.30 s, on 3,000 rows 0.09 s
    instead of 0.19 s).

    Returns
    -------
    centers : ndarray of shape (n_clusters, n_features)
    """
    n_rows = len(X)
    weights = np.ones(n_rows)
    squared_norms = row_norms(X, squared=True)
    indices = np.empty(n_clusters, dtype=np.intp)
    indices[0] = random_state.choice(n_rows, p=weights / weights.sum())
    row_buffer, cumulative = np.empty((1, n_rows)), np.empty(n_rows)

    def squared_distances_to(index):
        squared = np.matmul(X[index : index + 1], X.T, out=row_buffer)
        squared *= -2
        squared += squared_norms[index]
        squared += squared_norms
        return np.maximum(squared, 0, out=squared)[0]

    closest = squared_distances_to(indices[0]).copy()
    potential = closest @ weights
    for center in range(1, n_clusters):
        draw = random_state.uniform(size=1) * potential
        np.cumsum(closest, out=cumulative)
        # Rounding can put the draw past the last cumulative sum: take the last row then.
        indices[center] = min(int(np.searchsorted(cumulative, draw)[0]), n_rows - 1)
        np.minimum(closest, squared_distances_to(indices[center]), out=closest)
        potential = closest @ weights
    return X[indices]


def _assignment_pass(centers, rows):
    """The inertia and every centre's nearest row, in one pass over the rows.

    Squared distances ``||r||^2 - 2 r.c + ||c||^2`` by blocks of rows (minima clipped at zero),
    laid out centres x rows so that both reductions run along contiguous memory; a centre's nearest
    row is the first of equal distances in row order. Each block's distances are one matrix
    product, ``[-2 c, ||c||^2, 1] . [r, 1, ||r||^2]``: the norms are added inside it, not by
    two more passes over the block (measured on 100,000 rows and 1,000 centres in 20
    dimensions, one thread: 0.5-0.8 s instead of 1.2 s).

    Returns
    -------
    inertia : float
        Sum over rows of the squared distance to the nearest centre.
    nearest : ndarray of shape (n_centers,)
    """
    n_centers, d = centers.shape
    # -2 c is exact: the product then needs no separate scaling pass either.
    lifted_centers = np.column_stack(
        [-2 * centers, row_norms(centers, squared=True), np.ones(n_centers)]
    )
    block_rows = max(_MIN_BLOCK_ROWS, _BLOCK_ENTRIES // n_centers)
    lifted_block = np.ones((block_rows, d + 2))
    best = np.full(n_centers, np.inf)
    nearest = np.zeros(n_centers, dtype=np.intp)
    inertia = 0.0
    columns = np.arange(n_centers)
    for start in range(0, len(rows), block_rows):
        block = rows[start : start + block_rows]
        lifted = lifted_block[: len(block)]
        lifted[:, :d] = block
        lifted[:, d + 1] = row_norms(block, squared=True)
        squared = lifted_centers @ lifted.T
        # Clipping at zero commutes with the minima: applied to them only.
        inertia += float(np.maximum(squared.min(axis=0), 0.0).sum())
        rows_of_centres = squared.argmin(axis=1)
        values = np.maximum(squared[columns, rows_of_centres], 0.0)
        better = values < best
        best[better] = values[better]
        nearest[better] = start + rows_of_centres[better]
    return inertia, nearest


def _nearest_distinct_rows(centers, rows, nearest=None):
    """One distinct row per center: its nearest row, or its nearest row not yet taken.

    Centers claim rows in order of the distance to their nearest row, closest first (ties in
    center order), so that a contested row goes to the center it represents best; a center
    whose nearest row is taken gets its nearest untaken row. The claims' distances are
    computed again from the differences: a center on a row is then at exactly zero, where the
    matrix products that found the nearest rows leave rounding noise of either sign, which
    differs between BLAS builds and thread counts and would order the claims.

    Returns
    -------
    chosen : ndarray of shape (n_centers,)
        Indices into ``rows``, in the order of the claims.
    n_reassigned : int
        Centers that did not get their nearest row.
    """
    if nearest is None:
        nearest = pairwise_distances_argmin(centers, rows)
    distances = row_norms(rows[nearest] - centers, squared=True)
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
    pool rows, each seeded from ``random_state``. With ``n_init="auto"`` the centres are seeded
    by k-means++ with one candidate per centre (Arthur and Vassilvitskii's rule; scikit-learn's
    default scores ``2 + log(k)`` candidates per centre, which costs more than the Lloyd
    iterations when the quota is large), on the whole class for :class:`~sklearn.cluster.KMeans`
    (then at most 10 Lloyd iterations when rows times clusters reach a million) and on a
    random subsample of 3 rows per cluster for
    :class:`~sklearn.cluster.MiniBatchKMeans`, which then runs at most two epochs in batches
    of 4,096 rows (and checks its one initialisation on one row per cluster, not on three
    batches); its inertia and the rows nearest the centres come from one pass over the
    class's rows. Measured (1,000 clusters, 20 features): a class of 10,000 rows in 0.7 s
    instead of 1.3 s (one thread; inertia 1.6 % higher), one of 100,000 rows in about 2 s at
    one thread and 1.4 s at two, instead of 5 s (inertia within 2 %). An int ``n_init`` keeps
    scikit-learn's seeding and settings.

    Parameters
    ----------
    {pool}
    {n_select}
    batch_threshold : int, default=10_000
        A class with more pool rows than this is clustered with
        :class:`~sklearn.cluster.MiniBatchKMeans`, which is much faster on large pools at a
        small cost in inertia.
    n_init : "auto" or int, default="auto"
        Number of k-means initialisations per class, the best kept. ``"auto"``: one, seeded as
        described above (the fast path). An int: that many runs of scikit-learn's own seeding
        (greedy k-means++) and defaults; more runs give a lower inertia at a proportional cost.
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
    0.8
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "batch_threshold": [Interval(Integral, 1, None, closed="left")],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        batch_threshold: int = 10_000,
        n_init: Literal["auto"] | int = "auto",
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
            batch_threshold=batch_threshold,
            n_init=n_init,
            n_components=n_components,
            feature_map=feature_map,
            pool_size=pool_size,
            include_real=include_real,
            task=task,
            match_target=match_target,
            random_state=random_state,
            verbose=verbose,
        )

    def _select_group(self, group, random_state):
        pool, n_select = group.pool, group.n_select
        if n_select == len(pool):
            return GroupSelection(
                selected=np.arange(len(pool)),
                diagnostics={"inertia": 0.0, "n_reassigned": 0},
                fitted={"clusterers": None},
            )
        seed = random_state.randint(np.iinfo(np.int32).max)
        batched = len(pool) > self.batch_threshold
        if self.n_init != "auto":
            clustering = MiniBatchKMeans if batched else KMeans
            clusterer = clustering(n_clusters=n_select, n_init=self.n_init, random_state=seed)
        elif batched:
            rng = np.random.RandomState(seed)
            n_seed_rows = min(len(pool), _SEED_ROWS_PER_CLUSTER * n_select)
            seed_rows = pool[np.sort(rng.choice(len(pool), n_seed_rows, replace=False))]
            centers = _kmeans_plusplus_one_trial(seed_rows, n_select, rng)
            clusterer = MiniBatchKMeans(
                n_clusters=n_select,
                init=centers,
                n_init=1,
                batch_size=_BATCH_SIZE,
                max_iter=_BATCH_EPOCHS,
                compute_labels=False,
                # Its validation inertia only ranks initialisations, and there is one: on as
                # few rows as it allows, not 3 batches (a third of the work at 10,000 rows).
                init_size=n_select,
                random_state=rng,
            )
        else:
            rng = np.random.RandomState(seed)
            centers = _kmeans_plusplus_one_trial(pool, n_select, rng)
            clusterer = KMeans(
                n_clusters=n_select,
                init=centers,
                n_init=1,
                max_iter=_LLOYD_MAX_ITER if len(pool) * n_select >= _LLOYD_CAP_SIZE else 300,
                random_state=rng,
            )
        clusterer.fit(pool)
        if not (batched and self.n_init == "auto"):
            inertia = float(clusterer.inertia_)
            selected, n_reassigned = _nearest_distinct_rows(clusterer.cluster_centers_, pool)
        else:  # MiniBatchKMeans without its labels pass: one pass gives both
            inertia, nearest = _assignment_pass(clusterer.cluster_centers_, pool)
            selected, n_reassigned = _nearest_distinct_rows(
                clusterer.cluster_centers_, pool, nearest
            )
        return GroupSelection(
            selected=selected,
            diagnostics={"inertia": inertia, "n_reassigned": n_reassigned},
            fitted={"clusterers": clusterer},
        )
