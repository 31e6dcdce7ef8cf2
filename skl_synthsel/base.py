"""The selector contract: what every selector shares, and the one method each one adds.

A selector implements :meth:`BaseSelector._select_group`, which receives one class's rows (a
:class:`Group`) and *returns* everything it learned as a :class:`GroupSelection`; it never writes
to ``self``. The base does the rest: validation, the pool, quotas, the feature space, turning
the results into fitted attributes (and dropping every previous fit's state on refit), and
assembling the output in the user's containers.
"""

import copy
import dataclasses
import types
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from imblearn.utils import check_target_type
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, _fit_context, clone
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from .exceptions import PoolClassWarning
from .utils._dask import (
    DaskPoolRows,
    check_dask_pool,
    group_rows,
    is_dask_pool,
    is_dask_rows,
    pool_pass_summary,
)
from .utils._feature_space import FeatureSpace
from .utils._output import stack_one_vs_all, stack_rows
from .utils._parallel import map_in_threads
from .utils._progress import GroupProgress
from .utils._quotas import check_n_select, class_quotas, resolve_n_select
from .utils._repr import summarize_pool
from .utils._task import check_labels, is_generator, resolve_task
from .utils._typing import ArrayLike, NSelect, PoolLike, RandomStateLike
from .utils._warnings import warn


@dataclass(frozen=True)
class Group:
    """One class's rows (the single group of a regression), as a selector sees them.

    Attributes
    ----------
    label : object
        The class label, or None for regression.
    real : ndarray of shape (n_real_in_group, n_dims)
        The group's real rows in the feature space (float64).
    pool : ndarray of shape (n_pool_in_group, n_dims)
        The group's pool rows in the feature space (float64).
    pool_indices : ndarray of shape (n_pool_in_group,)
        Positions of those pool rows in the whole pool (``X_pool_``).
    n_select : int
        The quota, ``1 <= n_select <= len(pool)``.
    shared : mapping
        What :meth:`BaseSelector._fit_shared` learned from every class at once (read-only).
    auto_amount : bool
        ``n_select="auto"``: the method chooses how many of the group's rows to take
        (``n_select`` is then the group's pool size, the most it may take).
    solved : object
        What :meth:`BaseSelector._solve_group` returned for the group (None if the selector
        does not implement it).
    """

    label: object
    real: np.ndarray
    pool: np.ndarray
    pool_indices: np.ndarray
    n_select: int
    shared: types.MappingProxyType = field(default_factory=lambda: types.MappingProxyType({}))
    auto_amount: bool = False
    solved: Any = None


@dataclass
class GroupSelection:
    """Everything a selector learned for one group; the base turns it into fitted attributes.

    Attributes
    ----------
    selected : ndarray of int
        Indices into the group's pool rows, in order of selection; fewer than the quota only
        when the method declines to fill it (``sampling_strategy_`` reports the count).
    weights : ndarray of float or None
        Per pool row weights (e.g. relaxed weights in [0, 1]) usable as ``sample_weight``:
        ``weights_`` over the whole pool (0 outside the groups).
    scores : ndarray of float or None
        Per pool row scores, larger meaning more wanted: ``scores_`` (NaN outside the groups).
    diagnostics : dict of str to float
        Each key becomes a fitted attribute ``key + "_"``: one value per class (NaN for a class
        given no rows).
    fitted : dict of str to object
        Fitted objects (models, clusterings, per-row arrays); each key becomes a fitted
        attribute ``key + "_"``: a list with one entry per group that ran, in class order.
    state : dict
        What :meth:`BaseSelector._summarize` needs from this group to combine the groups;
        not stored.
    """

    selected: np.ndarray
    weights: np.ndarray | None = None
    scores: np.ndarray | None = None
    diagnostics: dict = field(default_factory=dict)
    fitted: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict)


class BaseSelector(OneToOneFeatureMixin, BaseEstimator):
    """Base class of the selectors. Subclasses implement :meth:`_select_group` only.

    A selector is an imbalanced-learn style sampler: ``fit_resample(X, y)`` returns the real rows
    followed by the selected synthetic rows. It has no ``transform``, so that it can be a step of
    :class:`imblearn.pipeline.Pipeline`, which applies it at fit time only.

    Three optional hooks, all pure (they return, never write to ``self``):
    :meth:`_fit_shared` for what needs every class at once (e.g. one verifier for all classes),
    :meth:`_summarize` for attributes that combine the groups' results, and
    :meth:`_solve_group` for the part of a group's selection that draws nothing at random,
    which the base runs ``n_jobs`` classes at a time.
    """

    # A method that may keep fewer rows than a group's whole pool even when asked for all of it
    # (curation). Others take the whole pool at once for n_select="all", without running.
    _may_decline_rows = False
    # Whether the method can choose the amount itself (n_select="auto").
    _supports_auto_amount = False
    # Whether the method selects from a pool held as Dask collections, on the cluster.
    _supports_dask_pool = False

    _parameter_constraints = {
        "pool": [tuple, list, HasMethods(["fit", "sample"])],
        "n_select": [
            Interval(Integral, 0, None, closed="left"),
            Interval(Real, 0, None, closed="left"),
            StrOptions({"all", "auto"}),
            dict,
        ],
        "n_components": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
            None,
        ],
        "feature_map": [HasMethods(["fit", "transform"]), None],
        "pool_size": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
        ],
        "include_real": ["boolean"],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "match_target": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        n_components: int | float | None = None,
        feature_map: Any | None = None,
        pool_size: int | float = 10.0,
        include_real: bool = True,
        task: Literal["auto", "classification", "regression"] = "auto",
        match_target: bool = False,
        random_state: RandomStateLike = None,
        verbose: int = 0,
    ) -> None:
        self.pool = pool
        self.n_select = n_select
        self.n_components = n_components
        self.feature_map = feature_map
        self.pool_size = pool_size
        self.include_real = include_real
        self.task = task
        self.match_target = match_target
        self.random_state = random_state
        self.verbose = verbose

    def _set_init_params(self, **params):
        """Store a subclass's constructor arguments as given (no logic in ``__init__``).

        A selector with parameters of its own lists them all in its signature, which is what
        ``get_params`` reads, and passes them here in one call.
        """
        for name, value in params.items():
            setattr(self, name, value)

    # -- what a selector implements ---------------------------------------------------------
    def _select_group(self, group, random_state):
        """Choose ``group.n_select`` of the group's pool rows to add to its real rows.

        Parameters
        ----------
        group : Group
            One class's real and pool rows in the feature space (the single group of a
            regression), with the class label, the pool rows' positions in the pool and what
            :meth:`_fit_shared` learned.
        random_state : RandomState
            The selector's random state, shared by the classes in order.

        Returns
        -------
        selection : GroupSelection
            The rows chosen and everything learned on the way.
        """
        raise NotImplementedError

    def _solve_group(self, group):
        """The part of a group's selection that draws nothing at random; None by default.

        A selector whose classes are costly, independent problems (an optimisation per class)
        implements it and has an ``n_jobs`` parameter: the base solves the groups ``n_jobs`` at
        a time in threads, and passes each result to :meth:`_select_group` as
        ``group.solved``, class by class in order. Every draw from the random state happens
        there, so the selection is the same whatever ``n_jobs``. It must not warn (a warning
        from a thread cannot point at the user's line): return what went wrong, and let
        :meth:`_select_group` warn.
        """
        return None

    def _fit_shared(self, real, y_real, pool, y_pool, random_state):
        """Learn what needs every class at once; returns a dict of fitted attributes.

        Each key ``name`` becomes the fitted attribute ``name + "_"``, and every group sees the
        dict as ``group.shared``. The default learns nothing.
        """
        return {}

    def _summarize(self, results, shared, n_pool):
        """Fitted attributes that combine the groups' results: a dict ``{name: value}``.

        ``results`` is a list of ``(group, selection)`` in class order, ``n_pool`` the number
        of pool rows. Each key ``name`` becomes the fitted attribute ``name + "_"``. The
        default adds none.
        """
        return {}

    # -- fit --------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: ArrayLike, y: ArrayLike) -> "BaseSelector":
        """Select synthetic rows for the real rows ``X``, ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The real rows.
        y : array-like of shape (n_samples,)
            Their class labels or targets.

        Returns
        -------
        self : object
            The fitted selector.
        """
        self._forget_fitted_attributes()
        check_n_select(self.n_select)
        if self.n_select == "auto" and not self._supports_auto_amount:
            from .utils import all_selectors

            able = [name for name, cls in all_selectors() if cls._supports_auto_amount]
            raise ValueError(
                f"{type(self).__name__} cannot choose the amount itself (n_select='auto'); "
                f"pass a number of rows, a ratio, 0 or 'all', or use one of {able}."
            )
        X_checked, y_labels, real_info = self._validate_real(X, y)
        X_pool, y_pool = self._draw_pool(X, y_labels, real_info["task_"])
        pool_checked, y_pool = self._validate_pool(X_pool, y_pool, real_info)
        self._set_fitted(real_info)
        self._set_fitted({"X_pool_": X_pool, "y_pool_": y_pool})
        self._set_fitted(
            self._fit_selection(X, X_checked, y_labels, X_pool, pool_checked, y_pool, real_info)
        )
        self._set_fitted(pool_pass_summary(self))  # a Dask pool's n_pool_passes_
        return self

    def _set_fitted(self, attributes):
        # The one place where fitted attributes are set: selectors return, the base stores.
        for name, value in attributes.items():
            setattr(self, name, value)

    def _fit_selection(self, X, X_checked, y_labels, X_pool, pool_checked, y_pool, real_info):
        """Feature space, shared fit and per-group selection; returns their fitted attributes.

        Composite selectors (:class:`~skl_synthsel.SequentialSelector`) replace this step.
        """
        if self.feature_map is not None:
            # A feature map may select columns by name: give it the user's containers.
            X_checked, pool_checked = X, _like_real_container(X, X_pool)

        regression = real_info["task_"] == "regression"
        in_space = regression and self.match_target  # the target as a matched coordinate
        feature_space = FeatureSpace(self.feature_map, self.n_components, self.random_state).fit(
            X_checked, y_labels if in_space else None
        )
        self._set_fitted({"feature_space_": feature_space})  # hooks may map extra rows
        real = feature_space.transform(X_checked, y_labels if in_space else None, input_name="X")
        pool = feature_space.transform(
            pool_checked, y_pool if in_space else None, input_name="X_pool"
        )
        random_state = check_random_state(self.random_state)
        groups = self._groups(y_labels, y_pool, real_info)
        shared = self._fit_shared(real, y_labels, pool, y_pool, random_state) if groups else {}
        attributes = {name + "_": value for name, value in shared.items()}
        attributes.update(
            self._run_groups(groups, real, pool, y_pool, real_info, shared, random_state)
        )
        return attributes

    def _forget_fitted_attributes(self):
        """Drop everything a previous fit set: a refit must not keep stale weights or state.

        Fitted attributes, public and private, end in ``_``; scikit-learn's own bookkeeping
        (metadata requests, callbacks, output configuration) does not and is kept.
        """
        for name in [
            name for name in vars(self) if name.endswith("_") and not name.startswith("__")
        ]:
            delattr(self, name)

    def _n_rows_total(self, n_real):
        """Total number of synthetic rows asked for by ``n_select`` (None for the whole pool)."""
        if isinstance(self.n_select, dict):
            return int(sum(self.n_select.values()))
        return resolve_n_select(self.n_select, n_real)

    def _validate_real(self, X, y):
        """Check the real rows. Returns the checked X, a 1-D y and the fitted attributes.

        Statistics are computed in float64 whatever the input's dtype (the output keeps it).
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the class labels or targets of the real rows."
            )
        if self.task != "regression":
            check_labels(y, "y")  # a mix of strings and numbers cannot even be sorted
        task = resolve_task(self.task, y)
        kind = type_of_target(y, input_name="y")
        if kind in ("continuous-multioutput", "multiclass-multioutput"):
            raise ValueError(
                f"Multi-output targets are not supported (y has type {kind!r}); "
                "select for one target column at a time."
            )
        one_vs_all = False
        if task == "classification":
            check_classification_targets(y)  # task="classification" with a continuous y
            y, one_vs_all = check_target_type(y, indicate_one_vs_all=True)
            y = check_labels(y, "y")
        checked = self.feature_map is None
        # C order: statistics computed from F- and C-ordered copies differ in the last bits.
        X, y = validate_data(
            self,
            X,
            y,
            dtype=np.float64 if checked else None,
            ensure_all_finite=checked,
            order="C",
            y_numeric=task == "regression",
        )
        # validate_data has set n_features_in_ and feature_names_in_ on the selector.
        info = {"task_": task, "_one_vs_all_": one_vs_all}
        if task == "regression":
            return X, np.asarray(y, dtype=float), info
        classes, counts = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({classes[0]!r}): classification selectors need "
                "at least two classes. For a continuous target set task='regression'."
            )
        info.update(classes_=classes, _class_counts_=counts)
        return X, y, info

    def _draw_pool(self, X, y, task):
        """The pool's raw rows: given arrays, or rows drawn from a generator fit on (X, y)."""
        if is_generator(self.pool):
            n_rows = self._n_rows_total(_num_samples(X))
            if isinstance(self.pool_size, Integral):
                n_draw = self.pool_size
            else:
                # With n_select=0 or "all" the pool size is a multiple of the real rows.
                basis = _num_samples(X) if not n_rows else n_rows
                n_draw = max(int(np.ceil(self.pool_size * basis)), 1)
            generator = clone(self.pool, safe=False)
            if hasattr(generator, "get_params") and "task" in generator.get_params():
                # A generator generates for the task the selector serves (integer targets
                # are regression when the selector says so).
                generator.set_params(task=task)
            generator.fit(X, y)
            drawn = generator.sample(n_draw)
            if not (isinstance(drawn, tuple) and len(drawn) == 2):
                raise TypeError(
                    f"The pool generator's sample({n_draw}) returned {type(drawn).__name__}; "
                    "it must return a tuple (X, y)."
                )
            return drawn
        if len(self.pool) != 2:
            raise ValueError(
                f"pool must be a pair (X_pool, y_pool); got a {type(self.pool).__name__} of "
                f"length {len(self.pool)}."
            )
        return self.pool

    def _validate_pool(self, X_pool, y_pool, real_info):
        """Check the pool against the real rows. Returns its checked rows and 1-D targets.

        A pool held as Dask collections is checked lazily (:mod:`.utils._dask`): its rows stay
        on the cluster, their finiteness is checked in the first pass over them.
        """
        checked = self.feature_map is None
        if is_dask_pool(X_pool, y_pool):
            raw, X_values, X_pool, y_pool = check_dask_pool(self, X_pool, y_pool)
            if (
                not checked
                and hasattr(self, "feature_names_in_")
                and not hasattr(X_pool, "columns")
            ):
                raise ValueError(
                    "X has column names and the feature map may select columns by name, but "
                    "the Dask pool is an array; give the pool as a dask DataFrame with X's "
                    "columns."
                )
            self._set_fitted({"_dask_pool_rows_": raw})
        else:
            X_values = check_array(
                X_pool,
                dtype=np.float64 if checked else None,
                ensure_all_finite=checked,
                order="C",
                input_name="X_pool",
            )
        n_features = self.n_features_in_
        if X_values.shape[1] != n_features:
            raise ValueError(
                f"The pool has {X_values.shape[1]} columns but X has {n_features}; "
                "give the pool the same columns as X."
            )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and hasattr(X_pool, "columns"):
            pool_names = np.asarray(X_pool.columns, dtype=object)
            if not np.array_equal(pool_names, names):
                missing = [c for c in names if c not in set(pool_names)]
                extra = [c for c in pool_names if c not in set(names)]
                detail = (
                    f"missing {missing}, unexpected {extra}"
                    if missing or extra
                    else "same names in another order"
                )
                raise ValueError(
                    f"The pool's columns differ from X's ({detail}); give the pool X's "
                    "columns in the same order."
                )
        if real_info["task_"] == "classification":
            check_labels(y_pool, "y_pool")
            y_pool, _ = check_target_type(y_pool, indicate_one_vs_all=True)
        y_pool = column_or_1d(y_pool, warn=True)
        if len(y_pool) != len(X_values):
            raise ValueError(
                f"The pool has {len(X_values)} rows in X_pool but {len(y_pool)} targets in "
                "y_pool; they must have the same length."
            )
        if real_info["task_"] == "regression":
            return X_values, check_array(
                y_pool, ensure_2d=False, dtype=np.float64, input_name="y_pool"
            )
        y_pool = check_labels(y_pool, "y_pool", like=real_info["classes_"])
        unknown = np.setdiff1d(np.unique(y_pool), real_info["classes_"])
        if unknown.size:
            warn(
                f"The pool has rows of classes {unknown.tolist()} that y does not have; "
                "they are never selected.",
                PoolClassWarning,
            )
        return X_values, y_pool

    def _groups(self, y, y_pool, real_info):
        """One ``(label, real rows, pool rows, quota)`` per class with a positive quota.

        A quota of None means the group's whole pool (``n_select="all"``).
        """
        if real_info["task_"] == "regression":
            if isinstance(self.n_select, dict):
                raise ValueError(
                    "n_select as a dict {class: n_rows} needs classes; for regression pass "
                    "an int number of rows, a float ratio, 0 or 'all'."
                )
            n_rows = self._n_rows_total(len(y))
            if n_rows == 0:
                return []
            quota = len(y_pool) if n_rows is None else n_rows
            return [(None, np.arange(len(y)), np.arange(len(y_pool)), quota)]
        classes = real_info["classes_"]
        pool_rows = [np.flatnonzero(y_pool == label) for label in classes.tolist()]
        quotas = class_quotas(
            self.n_select, classes, real_info["_class_counts_"], [len(r) for r in pool_rows]
        )
        groups = []
        for label, rows, quota in zip(classes.tolist(), pool_rows, quotas, strict=True):
            if quota == 0:
                continue
            if rows.size == 0:
                raise ValueError(
                    f"Class {label!r} of y is absent from the pool: no synthetic row has that "
                    "label. Add rows of that class to the pool, or give it 0 rows with "
                    "n_select={class: n_rows}. If y is a numeric target rather than classes, "
                    "pass task='regression'."
                )
            if rows.size < quota:
                raise ValueError(
                    f"The quota of class {label!r} is {quota} rows but the pool has only "
                    f"{rows.size} rows of class {label!r}; lower n_select or enlarge the pool."
                )
            groups.append((label, np.flatnonzero(y == label), rows, quota))
        return groups

    def _run_groups(self, groups, real, pool, y_pool, real_info, shared, random_state):
        """Select in each group and gather the results into fitted attributes."""
        regression = real_info["task_"] == "regression"
        labels = [None] if regression else real_info["classes_"].tolist()
        read_only = types.MappingProxyType(dict(shared))
        results, selected = [], []
        progress = GroupProgress(
            type(self).__name__, sum(len(rows) for _, _, rows, _ in groups), self.verbose
        )
        built = [
            Group(
                label=label,
                real=real[real_rows],
                pool=group_rows(pool, pool_rows),  # lazily for a Dask pool
                pool_indices=pool_rows,
                n_select=quota,
                shared=read_only,
                auto_amount=self.n_select == "auto",
            )
            for label, real_rows, pool_rows, quota in groups
        ]
        # The whole pool of each group: nothing to choose, the method does not run.
        whole = self.n_select == "all" and not self._may_decline_rows
        solutions = self._solve_groups([] if whole else built)
        for group in built:
            progress.start()
            pool_rows = group.pool_indices
            if whole:
                result = GroupSelection(selected=np.arange(len(pool_rows)), state={"all": True})
            else:
                group = dataclasses.replace(group, solved=next(solutions))
                result = self._select_group(group, random_state)
            results.append((group, result))
            selected.append(pool_rows[np.asarray(result.selected, dtype=np.intp)])
            progress.done(group.label, len(pool_rows), len(result.selected))
        progress.close()

        attributes = {}
        attributes["selected_indices_"] = (
            np.concatenate(selected).astype(np.intp) if selected else np.empty(0, dtype=np.intp)
        )
        if not regression:
            attributes["sampling_strategy_"] = rows_per_class(
                y_pool, attributes["selected_indices_"], labels
            )
        for name, fill in (("weights", 0.0), ("scores", np.nan)):
            if any(getattr(result, name) is not None for _, result in results):
                values = np.full(len(pool), fill)
                for group, result in results:
                    if getattr(result, name) is not None:
                        values[group.pool_indices] = getattr(result, name)
                    elif name == "weights" and result.state.get("all"):
                        values[group.pool_indices] = 1.0  # every row taken whole
                attributes[name + "_"] = values
        for group, result in results:
            for name, value in result.diagnostics.items():
                values = attributes.setdefault(name + "_", np.full(len(labels), np.nan))
                values[labels.index(group.label)] = value
        # One entry per group that ran, None where the method did not run (whole pool taken).
        for name in dict.fromkeys(key for _, result in results for key in result.fitted):
            attributes[name + "_"] = [result.fitted.get(name) for _, result in results]
        if results:
            summary = self._summarize(results, read_only, len(pool))
            attributes.update({name + "_": value for name, value in summary.items()})
        return attributes

    def _solve_groups(self, groups):
        """Iterate over :meth:`_solve_group` of each group, in order, ``n_jobs`` in threads.

        Lazily: with one job, a group is solved just before it is selected, as if there were
        no solve step. A Dask pool is solved class by class, its passes already running on the
        cluster.
        """
        n_jobs = getattr(self, "n_jobs", None)  # the parameter of the selectors that solve
        if any(is_dask_rows(group.pool) for group in groups):
            n_jobs = 1
        return map_in_threads(
            self._solve_group, [(group,) for group in groups], n_jobs, lazily=True
        )

    # -- output -----------------------------------------------------------------------------
    def fit_resample(self, X: ArrayLike, y: ArrayLike) -> tuple[Any, Any]:
        """Select synthetic rows and return them after the real rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The real rows.
        y : array-like of shape (n_samples,)
            Their class labels or targets.

        Returns
        -------
        X_resampled : array-like of shape (n_samples + n_selected, n_features)
            The real rows followed by the selected rows (the selected rows alone if
            ``include_real=False``), in the container of ``X``: a DataFrame keeps its columns
            and dtypes, a list stays a list.
        y_resampled : array-like of shape (n_samples + n_selected,)
            The matching targets, in the container of ``y``.
        """
        self.fit(X, y)
        return self.resample(X, y)

    def resample(
        self, X: ArrayLike, y: ArrayLike, *, pool_indices: ArrayLike | None = None
    ) -> tuple[Any, Any]:
        """The real rows ``X``, ``y`` followed by pool rows, after ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The real rows the selector was fit on.
        y : array-like of shape (n_samples,)
            Their class labels or targets.
        pool_indices : array-like of int or None, default=None
            Positions in ``X_pool_`` of the rows to append; None means ``selected_indices_``.
            The meta-estimators pass the rows with a positive relaxed weight.

        Returns
        -------
        X_resampled, y_resampled : array-like
            As returned by :meth:`fit_resample`.
        """
        check_is_fitted(self)
        if pool_indices is None:
            pool_indices = self.selected_indices_
        pool_indices = np.asarray(pool_indices, dtype=np.intp)
        X_pool = self.X_pool_
        if hasattr(self, "_dask_pool_rows_"):
            # Only the rows to append are gathered from the cluster.
            X_pool = DaskPoolRows(self._dask_pool_rows_)
        X_out = stack_rows(X, X_pool, pool_indices, include_real=self.include_real)
        if self._one_vs_all_:
            y_out = stack_one_vs_all(
                np.asarray(y),
                self.y_pool_,
                pool_indices,
                self.classes_,
                include_real=self.include_real,
            )
        else:
            y_out = stack_rows(y, self.y_pool_, pool_indices, include_real=self.include_real)
        return X_out, y_out

    # -- scikit-learn protocol --------------------------------------------------------------
    def __repr__(self, N_CHAR_MAX=700):
        # The pool is shown by its shape and kind, never printed row by row.
        if is_generator(self.pool) or not isinstance(self.pool, tuple | list):
            return super().__repr__(N_CHAR_MAX)
        shown = copy.copy(self)
        shown.pool = summarize_pool(self.pool)
        return BaseEstimator.__repr__(shown, N_CHAR_MAX)

    def __sklearn_clone__(self):
        if is_generator(self.pool):
            return super().__sklearn_clone__()
        # clone() deep-copies non-estimator parameters: that would copy the pool's arrays for
        # every fold and candidate of a search. Clone the rest and share the pool.
        without_pool = copy.copy(self)
        without_pool.pool = None
        cloned = BaseEstimator.__sklearn_clone__(without_pool)
        cloned.pool = self.pool
        return cloned

    def __sklearn_tags__(self):
        # imbalanced-learn's Tags carry sampler_tags, which its sampler checks read.
        from imblearn.utils._tags import InputTags, SamplerTags, Tags
        from sklearn.utils import TargetTags

        return Tags(
            estimator_type="sampler",
            target_tags=TargetTags(required=True),
            sampler_tags=SamplerTags(sample_indices=False),
            input_tags=InputTags(two_d_array=True, dataframe=True),
        )


def _like_real_container(X, X_pool):
    """The pool as a DataFrame with X's columns when X is one: feature maps select by name."""
    if hasattr(X, "columns") and not hasattr(X_pool, "columns"):
        import pandas as pd

        return pd.DataFrame(np.asarray(X_pool), columns=X.columns)
    return X_pool


def rows_per_class(y_pool, rows, labels):
    """The rows actually added per class, as imbalanced-learn's samplers report them."""
    chosen = y_pool[rows]
    return {label: int(np.sum(chosen == label)) for label in labels}
