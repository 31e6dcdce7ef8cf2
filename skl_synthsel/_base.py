"""What every selector shares: validation, the pool, quotas, the feature space and the output."""

import copy
import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from imblearn.utils import check_target_type
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, _fit_context, clone
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ._feature_space import FeatureSpace
from ._output import stack_one_vs_all, stack_rows
from ._pool import is_generator, resolve_task
from ._quotas import largest_remainder, resolve_n_select

_FLOAT_DTYPES = [np.float64, np.float32]


@dataclass(frozen=True)
class Group:
    """One class's rows (the single group of a regression), as a selector sees them.

    Attributes
    ----------
    label : object
        The class label, or None for regression.
    real : ndarray of shape (n_real_in_group, n_dims)
        The group's real rows in the feature space.
    pool : ndarray of shape (n_pool_in_group, n_dims)
        The group's pool rows in the feature space.
    pool_indices : ndarray of shape (n_pool_in_group,)
        Positions of those pool rows in the whole pool (``X_pool_``).
    n_select : int
        The quota, ``1 <= n_select <= len(pool)``.
    """

    label: object
    real: np.ndarray
    pool: np.ndarray
    pool_indices: np.ndarray
    n_select: int


def warn_solver_fallback(error, fallback):
    """Say that a solver failed and what the selector does instead."""
    warnings.warn(f"{error}; falling back to {fallback} for this class.", UserWarning,
                  stacklevel=5)


@dataclass
class GroupSelection:
    """What a selector returns for one class (or for the single regression group).

    Attributes
    ----------
    selected : ndarray of int
        Indices into the group's pool rows, in order of selection; fewer than the quota only
        when the method declines to fill it (``sampling_strategy_`` reports the count).
    weights : ndarray of float or None
        Per pool row weights (e.g. relaxed weights in [0, 1]) usable as ``sample_weight``.
    scores : ndarray of float or None
        Per pool row scores, larger meaning more wanted.
    diagnostics : dict of str to float
        Method diagnostics; each key becomes a fitted attribute ``key + "_"`` holding one value
        per class.
    """

    selected: np.ndarray
    weights: np.ndarray | None = None
    scores: np.ndarray | None = None
    diagnostics: dict = field(default_factory=dict)


class BaseSelector(OneToOneFeatureMixin, BaseEstimator):
    """Base class of the selectors. Subclasses implement ``_select_group`` only.

    A selector is an imbalanced-learn style sampler: ``fit_resample(X, y)`` returns the real rows
    followed by the selected synthetic rows. It has no ``transform``, so that it can be a step of
    :class:`imblearn.pipeline.Pipeline`, which applies it at fit time only.
    """

    _parameter_constraints = {
        "pool": [tuple, list, HasMethods(["fit", "sample"])],
        "n_select": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, None, closed="neither"),
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
    }

    def __init__(self, pool, *, n_select=1.0, n_components=None, feature_map=None,
                 pool_size=10.0, include_real=True, task="auto", match_target=False,
                 random_state=None):
        self.pool = pool
        self.n_select = n_select
        self.n_components = n_components
        self.feature_map = feature_map
        self.pool_size = pool_size
        self.include_real = include_real
        self.task = task
        self.match_target = match_target
        self.random_state = random_state

    def _set_init_params(self, **params):
        """Store a subclass's constructor arguments as given (no logic in ``__init__``).

        A selector with parameters of its own lists them all in its signature, which is what
        ``get_params`` reads, and passes them here in one call.
        """
        for name, value in params.items():
            setattr(self, name, value)

    # -- the one method a selector implements ------------------------------------------------
    def _select_group(self, group, random_state):
        """Choose ``group.n_select`` of the group's pool rows to add to its real rows.

        Parameters
        ----------
        group : Group
            One class's real and pool rows in the feature space (the single group of a
            regression), with the class label and the pool rows' positions in the pool.
        random_state : RandomState
            The selector's random state, shared by the classes in order.

        Returns
        -------
        selection : GroupSelection
        """
        raise NotImplementedError

    def _prepare(self, real, y_real, pool, y_pool, random_state):
        """Hook for work that needs every class at once (e.g. fitting a verifier). No-op."""

    # -- fit --------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
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
        X_checked, y_labels = self._validate_real(X, y)
        X_pool, y_pool = self._draw_pool(X, y_labels)
        pool_checked, y_pool = self._validate_pool(X_pool, y_pool)
        self.X_pool_, self.y_pool_ = X_pool, y_pool
        if self.feature_map is not None:
            # A feature map may select columns by name: give it the user's containers.
            X_checked, pool_checked = X, _like_real_container(X, X_pool)

        regression = self.task_ == "regression"
        in_space = regression and self.match_target  # the target as a matched coordinate
        self.feature_space_ = FeatureSpace(
            self.feature_map, self.n_components, self.random_state
        ).fit(X_checked, y_labels if in_space else None)
        real = self.feature_space_.transform(X_checked, y_labels if in_space else None,
                                             input_name="X")
        pool = self.feature_space_.transform(pool_checked, y_pool if in_space else None,
                                             input_name="X_pool")
        random_state = check_random_state(self.random_state)
        self._prepare(real, y_labels, pool, y_pool, random_state)

        if regression:
            if isinstance(self.n_select, dict):
                raise ValueError(
                    "n_select as a dict {class: n_rows} needs classes; for regression pass "
                    "an int number of rows or a float ratio."
                )
            groups = [(None, np.arange(len(real)), np.arange(len(pool)),
                       self._n_rows_total(len(real)))]
        else:
            groups = self._class_groups(y_labels, y_pool)
        self._run_groups(groups, real, pool, random_state)
        return self

    def _forget_fitted_attributes(self):
        """Drop the previous fit's attributes: a refit must not keep stale weights or scores."""
        for name in [name for name in vars(self) if name.endswith("_")
                     and not name.startswith("_")]:
            delattr(self, name)

    def _n_rows_total(self, n_real):
        """Total number of synthetic rows asked for by ``n_select``."""
        if isinstance(self.n_select, dict):
            return int(sum(self.n_select.values()))
        return resolve_n_select(self.n_select, n_real)

    def _validate_real(self, X, y):
        """Check the real rows; set the task, classes and ``n_features_in_``.

        Returns the checked X (C-ordered floats without a feature map) and a 1-D y.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the class labels or targets of the real rows."
            )
        self.task_ = resolve_task(self.task, y)
        kind = type_of_target(y, input_name="y")
        if kind in ("continuous-multioutput", "multiclass-multioutput"):
            raise ValueError(
                f"Multi-output targets are not supported (y has type {kind!r}); "
                "select for one target column at a time."
            )
        self._one_vs_all = False
        if self.task_ == "classification":
            check_classification_targets(y)  # task="classification" with a continuous y
            y, self._one_vs_all = check_target_type(y, indicate_one_vs_all=True)
        checked = self.feature_map is None
        # C order: statistics computed from F- and C-ordered copies differ in the last bits.
        X, y = validate_data(
            self, X, y,
            dtype=_FLOAT_DTYPES if checked else None,
            ensure_all_finite=checked,
            order="C",
            y_numeric=self.task_ == "regression",
        )
        if self.task_ == "regression":
            return X, np.asarray(y, dtype=float)
        self.classes_, counts = np.unique(y, return_counts=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0]!r}): classification selectors need "
                "at least two classes. For a continuous target set task='regression'."
            )
        self._class_counts = counts
        return X, y

    def _draw_pool(self, X, y):
        """The pool's raw rows: given arrays, or rows drawn from a generator fit on (X, y)."""
        if is_generator(self.pool):
            n_rows = self._n_rows_total(_num_samples(X))
            n_draw = (self.pool_size if isinstance(self.pool_size, Integral)
                      else max(int(np.ceil(self.pool_size * n_rows)), 1))
            generator = clone(self.pool, safe=False)
            if hasattr(generator, "get_params") and "task" in generator.get_params():
                # A generator generates for the task the selector serves (integer targets
                # are regression when the selector says so).
                generator.set_params(task=self.task_)
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

    def _validate_pool(self, X_pool, y_pool):
        """Check the pool against the real rows. Returns its checked rows and 1-D targets."""
        checked = self.feature_map is None
        X_values = check_array(
            X_pool, dtype=_FLOAT_DTYPES if checked else None, ensure_all_finite=checked,
            order="C", input_name="X_pool",
        )
        if X_values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"The pool has {X_values.shape[1]} columns but X has {self.n_features_in_}; "
                "give the pool the same columns as X."
            )
        names = getattr(self, "feature_names_in_", None)
        if names is not None and hasattr(X_pool, "columns"):
            pool_names = np.asarray(X_pool.columns, dtype=object)
            if not np.array_equal(pool_names, names):
                missing = [c for c in names if c not in set(pool_names)]
                extra = [c for c in pool_names if c not in set(names)]
                detail = (f"missing {missing}, unexpected {extra}" if missing or extra
                          else "same names in another order")
                raise ValueError(
                    f"The pool's columns differ from X's ({detail}); give the pool X's "
                    "columns in the same order."
                )
        if self.task_ == "classification":
            y_pool, _ = check_target_type(y_pool, indicate_one_vs_all=True)
        y_pool = column_or_1d(y_pool, warn=True)
        if len(y_pool) != len(X_values):
            raise ValueError(
                f"The pool has {len(X_values)} rows in X_pool but {len(y_pool)} targets in "
                "y_pool; they must have the same length."
            )
        if self.task_ == "regression":
            return X_values, check_array(y_pool, ensure_2d=False, dtype=np.float64,
                                         input_name="y_pool")
        unknown = np.setdiff1d(np.unique(y_pool), self.classes_)
        if unknown.size:
            warnings.warn(
                f"The pool has rows of classes {unknown.tolist()} that y does not have; "
                "they are never selected.",
                UserWarning,
                stacklevel=3,
            )
        return X_values, y_pool

    def _class_groups(self, y, y_pool):
        """One (class, real rows, pool rows, quota) per class with a positive quota."""
        if isinstance(self.n_select, dict):
            unknown = set(self.n_select) - set(self.classes_.tolist())
            if unknown:
                raise ValueError(
                    f"n_select names classes {sorted(unknown, key=str)} that are not in y; "
                    f"the classes are {self.classes_.tolist()}."
                )
            quotas = np.array([int(self.n_select.get(c, 0)) for c in self.classes_.tolist()])
            if np.any(quotas < 0) or quotas.sum() < 1:
                raise ValueError(
                    "n_select as a dict must map classes to non-negative numbers of rows "
                    f"with a positive total; got {self.n_select}."
                )
        else:
            quotas = largest_remainder(self._n_rows_total(len(y)), self._class_counts)
        groups = []
        for label, quota in zip(self.classes_.tolist(), quotas.tolist(), strict=True):
            if quota == 0:
                continue
            pool_rows = np.flatnonzero(y_pool == label)
            if pool_rows.size == 0:
                raise ValueError(
                    f"Class {label!r} of y is absent from the pool: no synthetic row has that "
                    "label. Add rows of that class to the pool, or give it 0 rows with "
                    "n_select={class: n_rows}."
                )
            groups.append((label, np.flatnonzero(y == label), pool_rows, quota))
        return groups

    def _run_groups(self, groups, real, pool, random_state):
        """Select in each group and gather the results into fitted attributes."""
        n_groups = 1 if self.task_ == "regression" else len(self.classes_)
        labels = [None] if self.task_ == "regression" else self.classes_.tolist()
        selected, weights, scores, diagnostics = [], None, None, {}
        for label, _, pool_rows, quota in groups:
            if pool_rows.size < quota:
                where = "" if label is None else f" of class {label!r}"
                raise ValueError(
                    f"The quota{where} is {quota} rows but the pool has only {pool_rows.size} "
                    f"rows{where}; lower n_select or enlarge the pool."
                )
        for label, real_rows, pool_rows, quota in groups:
            group = Group(label=label, real=real[real_rows], pool=pool[pool_rows],
                          pool_indices=pool_rows, n_select=quota)
            result = self._select_group(group, random_state)
            selected.append(pool_rows[result.selected])
            if result.weights is not None:
                weights = np.zeros(len(pool)) if weights is None else weights
                weights[pool_rows] = result.weights
            if result.scores is not None:
                scores = np.full(len(pool), np.nan) if scores is None else scores
                scores[pool_rows] = result.scores
            for name, value in result.diagnostics.items():
                diagnostics.setdefault(name, np.full(n_groups, np.nan))[
                    labels.index(label)] = value
        self.selected_indices_ = np.concatenate(selected).astype(np.intp)
        if self.task_ == "classification":
            # The rows actually added per class, as imbalanced-learn's samplers report them.
            chosen = self.y_pool_[self.selected_indices_]
            self.sampling_strategy_ = {label: int(np.sum(chosen == label))
                                       for label in self.classes_.tolist()}
        if weights is not None:
            self.weights_ = weights
        if scores is not None:
            self.scores_ = scores
        for name, values in diagnostics.items():
            setattr(self, name + "_", values)

    # -- output -----------------------------------------------------------------------------
    def fit_resample(self, X, y):
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
        return self._resample(X, y, self.selected_indices_)

    def _resample(self, X, y, pool_indices):
        """Real rows followed by the pool rows ``pool_indices``, in the input's containers."""
        check_is_fitted(self)
        X_out = stack_rows(X, self.X_pool_, pool_indices, include_real=self.include_real)
        if self._one_vs_all:
            y_out = stack_one_vs_all(np.asarray(y), self.y_pool_, pool_indices, self.classes_,
                                     include_real=self.include_real)
        else:
            y_out = stack_rows(y, self.y_pool_, pool_indices, include_real=self.include_real)
        return X_out, y_out

    # -- scikit-learn protocol --------------------------------------------------------------
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

