"""Discriminator selection: keep the pool rows a cross-fitted classifier takes for real ones."""

from numbers import Integral
from typing import Any, Literal

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import has_fit_parameter

from ..base import BaseSelector, GroupSelection
from ..utils._dask import gather_limit, is_dask_rows
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike


@fill_doc
class DiscriminatorSelector(BaseSelector):
    """Select the synthetic rows that a classifier finds hardest to tell from real rows.

    In each class (for regression, over the whole pool), a clone of ``classifier`` learns to
    tell the class's real rows (label 1) from its pool rows (label 0) in the feature space, and
    the quota of pool rows with the highest predicted probability of being real is selected
    (ties in pool order).

    The probabilities are cross-fitted, so that no pool row is scored by a model that saw it:
    the class's pool rows are split into ``n_splits`` folds (a shuffled
    :class:`~sklearn.model_selection.KFold` seeded from ``random_state``), and each fold's rows
    are scored by a model trained on all the class's real rows and the other folds' pool rows.
    Scored in-sample, a flexible classifier would call every pool row "pool" because it
    memorised it. A class with fewer pool rows than ``n_splits`` uses one fold per row; a class
    with a single pool row has nothing to score it against, and that row is selected
    unscored.

    The pool usually has many more rows than the real table. If the classifier's ``fit``
    takes ``sample_weight``, the real rows and the training pool rows get equal total weight
    (as ``class_weight="balanced"``); otherwise (e.g. a
    :class:`~sklearn.neighbors.KNeighborsClassifier`, or a pipeline) the classes are left
    unbalanced, which lowers every probability of being real but changes the ranking little.

    Parameters
    ----------
    {pool}
    {n_select}
    classifier : classifier or None, default=None
        A probabilistic classifier (with ``predict_proba``), cloned for every fold. ``None``
        means :class:`~sklearn.linear_model.LogisticRegression` (``max_iter=1000``), which
        finds rows off the real rows' mean and linear structure; a flexible model (gradient
        boosting, k-nearest neighbours) finds subtler artefacts but needs more real rows. A
        ``random_state`` parameter left at None is set from ``random_state``.
    n_splits : int, default=5
        Number of cross-fitting folds of each class's pool rows; at least 2.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    scores_ : ndarray of shape (n_pool,)
        Cross-fitted probability that each pool row is real; NaN for rows that were not
        scored (classes not selected from, a single pool row).
    pool_folds_ : ndarray of shape (n_pool,)
        For each pool row, the position in ``fold_train_indices_`` of the model that scored
        it; -1 for rows that were not scored.
    fold_train_indices_ : list of ndarray
        For each fitted model, the indices into the pool of the pool rows it was trained on
        (besides all real rows of the class). A row is never among the rows of the model that
        scored it.
    n_pool_passes_ : int
        Only with a pool held as Dask collections (:ref:`dask`): the passes over the pool
        the fit made (computes that read every block of it), one per class for a per-class
        pass.

    See Also
    --------
    skl_synthsel.metrics : Detection AUC of a whole synthetic set.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skl_synthsel import DiscriminatorSelector
    >>> X_all, y_all = make_classification(n_samples=1050, n_features=4, random_state=0)
    >>> X, y, X_pool, y_pool = X_all[:50], y_all[:50], X_all[50:].copy(), y_all[50:]
    >>> X_pool[::2] += 3.0  # every other pool row is off the real distribution
    >>> selector = DiscriminatorSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    >>> X_res, y_res = selector.fit_resample(X, y)
    >>> X_res.shape
    (150, 4)
    >>> float(np.mean(selector.selected_indices_ % 2 == 0))  # share of shifted rows kept
    0.0
    """

    # A Dask pool: models fit on gathered rows (a sample beyond 64 MiB), scored on the cluster.
    _supports_dask_pool = True

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        classifier: Any | None = None,
        n_splits: int = 5,
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
            classifier=classifier,
            n_splits=n_splits,
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
        real, pool, n_select = group.real, group.pool, group.n_select
        pool_indices = group.pool_indices
        if len(pool) == 1:
            return GroupSelection(
                selected=np.array([0]),
                scores=np.array([np.nan]),
                state={"folds": (np.array([-1]), [])},
            )
        # max_iter: pool rows far outside the real range slow lbfgs down (no convergence noise).
        default = LogisticRegression(max_iter=1000)
        template = default if self.classifier is None else clone(self.classifier)
        seed = random_state.randint(np.iinfo(np.int32).max)
        if template.get_params().get("random_state", "absent") is None:
            template.set_params(random_state=seed)
        use_weights = has_fit_parameter(template, "sample_weight")
        folds = KFold(n_splits=min(self.n_splits, len(pool)), shuffle=True, random_state=seed)
        if is_dask_rows(pool):
            return self._dask_cross_fit(real, pool, pool_indices, n_select, template, folds, seed)
        probability_real = np.empty(len(pool))
        fold_of_row, train_sets = np.empty(len(pool), dtype=np.intp), []
        for train, scored in folds.split(pool):
            features = np.concatenate([real, pool[train]])
            is_real = np.r_[np.ones(len(real), dtype=int), np.zeros(len(train), dtype=int)]
            fit_params = {}
            if use_weights:
                fit_params["sample_weight"] = np.r_[
                    np.full(len(real), len(features) / (2 * len(real))),
                    np.full(len(train), len(features) / (2 * len(train))),
                ]
            model = clone(template).fit(features, is_real, **fit_params)
            real_column = int(np.flatnonzero(model.classes_ == 1)[0])
            probability_real[scored] = model.predict_proba(pool[scored])[:, real_column]
            fold_of_row[scored] = len(train_sets)
            train_sets.append(pool_indices[train])
        selected = np.argsort(-probability_real, kind="stable")[:n_select]
        return GroupSelection(
            selected=selected, scores=probability_real, state={"folds": (fold_of_row, train_sets)}
        )

    def _dask_cross_fit(self, real, pool, pool_indices, n_select, template, folds, seed):
        """The cross-fitting on a Dask pool: models fit in memory, rows scored on the cluster.

        Each fold's model is fit on the real rows and on the fold's training pool rows, or a
        uniform sample of them when the folds' rows together exceed 64 MiB; all of them are
        gathered in one go. The scoring is one pass: every block's rows are scored by their
        fold's model on the cluster.
        """
        use_weights = has_fit_parameter(template, "sample_weight")
        splits = list(folds.split(np.zeros((len(pool), 1))))
        cap = max(gather_limit(pool) // len(splits), 1)
        sampler = np.random.RandomState(seed)
        train_rows = [
            train if len(train) <= cap else np.sort(sampler.choice(train, cap, replace=False))
            for train, _ in splits
        ]
        union = np.unique(np.concatenate(train_rows))
        gathered = pool[union]
        models, fold_of_row = [], np.empty(len(pool), dtype=np.intp)
        for position, ((_, scored), train) in enumerate(zip(splits, train_rows, strict=True)):
            features = np.concatenate([real, gathered[np.searchsorted(union, train)]])
            is_real = np.r_[np.ones(len(real), dtype=int), np.zeros(len(train), dtype=int)]
            fit_params = {}
            if use_weights:
                fit_params["sample_weight"] = np.r_[
                    np.full(len(real), len(features) / (2 * len(real))),
                    np.full(len(train), len(features) / (2 * len(train))),
                ]
            models.append(clone(template).fit(features, is_real, **fit_params))
            fold_of_row[scored] = position
        probability_real = pool.concatenate(_block_probability_real, fold_of_row, models=models)
        selected = np.argsort(-probability_real, kind="stable")[:n_select]
        train_sets = [pool_indices[train] for train in train_rows]
        return GroupSelection(
            selected=selected, scores=probability_real, state={"folds": (fold_of_row, train_sets)}
        )

    def _summarize(self, results, shared, n_pool):
        # Folds are numbered across the classes, in class order; -1 marks an unscored row.
        pool_folds = np.full(n_pool, -1, dtype=np.intp)
        fold_train_indices = []
        for group, selection in results:
            if "folds" not in selection.state:  # the group's whole pool was taken
                continue
            fold_of_row, train_sets = selection.state["folds"]
            scored = fold_of_row >= 0
            pool_folds[group.pool_indices[scored]] = fold_of_row[scored] + len(fold_train_indices)
            fold_train_indices.extend(train_sets)
        return {
            "pool_folds": pool_folds,
            "fold_train_indices": fold_train_indices,
        }


def _block_probability_real(block, fold_of_row, models):
    """One block's probabilities of being real, each row by its fold's model (on a worker)."""
    probability = np.empty(len(block))
    for fold in np.unique(fold_of_row):
        rows = fold_of_row == fold
        model = models[fold]
        real_column = int(np.flatnonzero(model.classes_ == 1)[0])
        probability[rows] = model.predict_proba(block[rows])[:, real_column]
    return probability
