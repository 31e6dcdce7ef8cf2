"""A pool generator from any table synthesizer: SDV single-table synthesizers, copulas models.

A *synthesizer* here is any object with ``fit(DataFrame)`` and ``sample(num_rows)`` returning a
DataFrame with the columns it was fit on: SDV's ``GaussianCopulaSynthesizer``,
``CTGANSynthesizer``, ``TVAESynthesizer``; copulas' ``GaussianMultivariate``; a small class of
your own. :class:`SynthesizerSampler` turns it into a pool generator (``fit(X, y)``,
``sample(n)`` returning ``(X, y)``) that a selector copies and fits inside each of its fits, so
each cross-validation fold generates from its own training rows.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import GeneratorFitError
from ..utils._quotas import largest_remainder
from ..utils._task import check_labels, resolve_task
from ._class_conditional import check_n_samples


def copy_synthesizer(synthesizer: Any) -> Any:
    """An unfitted-looking independent copy of ``synthesizer``: a clone, or else a deep copy.

    scikit-learn's :func:`~sklearn.base.clone` is used for objects it can clone; objects it
    refuses (no ``get_params``, or ``get_params`` that does not round-trip through the
    constructor, as some third-party synthesizers) are deep-copied instead.

    Parameters
    ----------
    synthesizer : object
        Any object.

    Returns
    -------
    copied : object
        A new object; fitting it leaves ``synthesizer`` untouched.

    Examples
    --------
    >>> from sklearn.mixture import GaussianMixture
    >>> copied = copy_synthesizer(GaussianMixture(n_components=2))
    >>> copied.n_components
    2
    """
    if hasattr(synthesizer, "get_params") and not isinstance(synthesizer, type):
        try:
            return clone(synthesizer)
        except (TypeError, RuntimeError, ValueError, AttributeError):
            pass
    return copy.deepcopy(synthesizer)


@contextlib.contextmanager
def _seeded_numpy(seed: int | None) -> Iterator[None]:
    """Seed numpy's global generator for the block, then restore its state.

    Many synthesizers draw from ``np.random`` directly; seeding it for the call (as copulas'
    own ``random_state`` decorator does) makes them reproducible without leaking the seed.
    """
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _seed_synthesizer(synthesizer: Any, seed: int) -> None:
    """Give the synthesizer its own seed where it has a way to take one."""
    if hasattr(synthesizer, "get_params") and hasattr(synthesizer, "set_params"):
        try:
            if "random_state" in synthesizer.get_params():
                synthesizer.set_params(random_state=seed)
                return
        except (TypeError, ValueError, AttributeError):
            pass
    if callable(getattr(synthesizer, "set_random_state", None)):  # copulas
        synthesizer.set_random_state(seed)
    elif hasattr(synthesizer, "random_state") and not callable(synthesizer.random_state):
        synthesizer.random_state = seed


class SynthesizerSampler(BaseEstimator):
    """Turn a table synthesizer (SDV, copulas, your own) into a pool generator.

    ``synthesizer`` is any object with ``fit(DataFrame)`` and ``sample(num_rows)`` returning a
    DataFrame with the same columns. It is copied (cloned, or deep-copied when scikit-learn
    cannot clone it) and fit in :meth:`fit`; a selector given this object as ``pool`` copies and
    fits it inside each of its fits, so each cross-validation fold generates from its own rows.

    Parameters
    ----------
    synthesizer : object with ``fit`` and ``sample``
        E.g. ``sdv.single_table.GaussianCopulaSynthesizer(metadata)`` or
        ``copulas.multivariate.GaussianMultivariate()``. Never fit itself: copies are.
    per_class : bool, default=True
        Classification only. ``True``: one copy per class, fit on that class's feature rows;
        ``sample(n)`` draws rows per class in proportion to the class frequencies seen in
        ``fit``. ``False``: one copy fit on the features with the labels as the column
        ``target_column``; the labels of the drawn rows are read from that column (they must
        be classes of ``y``: a synthesizer that treats the column as numbers may invent others).
        Regression is always joint: the target is the column ``target_column``.
    target_column : str, default="target"
        Name of the target's column in the joint table; must differ from the feature columns.
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` treats a continuous ``y`` as regression. A selector sets it to its own task.
    random_state : int, RandomState instance or None, default=None
        Seeds each copy (its ``random_state`` parameter, or copulas' ``set_random_state``)
        and numpy's global generator during ``fit`` and ``sample`` (restored afterwards), so
        that synthesizers drawing from ``np.random`` are reproducible too. Synthesizers with
        generators of their own (e.g. PyTorch for CTGAN) need their own seeding.

    Attributes
    ----------
    synthesizers_ : list of objects
        The fitted copies: one per class, or one for the joint table.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of the fitted rows in each class (classification only).
    task_ : str
        The task that was fit.
    columns_ : list of str
        The feature columns the synthesizers see: ``X``'s names, or ``x0, x1, ...``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen in ``fit``, when ``X`` has string column names.

    See Also
    --------
    ClassConditionalSampler : The same for density estimators with ``sample`` (GaussianMixture).

    Examples
    --------
    A synthesizer of your own: independent normal columns with each column's mean and spread.

    >>> import numpy as np
    >>> import pandas as pd
    >>> class NormalColumns:
    ...     def fit(self, data):
    ...         self.mean_, self.std_ = data.mean(), data.std()
    ...     def sample(self, num_rows):
    ...         values = np.random.normal(self.mean_, self.std_, (num_rows, len(self.mean_)))
    ...         return pd.DataFrame(values, columns=self.mean_.index)
    >>> from sklearn.datasets import load_iris
    >>> from skl_synthsel import RandomSelector
    >>> from skl_synthsel.generators import SynthesizerSampler
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> generator = SynthesizerSampler(NormalColumns(), random_state=0).fit(X, y)
    >>> X_new, y_new = generator.sample(6)
    >>> X_new.shape, y_new.tolist()
    ((6, 4), [0, 0, 1, 1, 2, 2])
    >>> selector = RandomSelector(SynthesizerSampler(NormalColumns()), n_select=30,
    ...                           random_state=0)
    >>> X_out, y_out = selector.fit_resample(X, y)
    >>> X_out.shape
    (180, 4)
    """

    _parameter_constraints = {
        "synthesizer": [HasMethods(["fit", "sample"])],
        "per_class": ["boolean"],
        "target_column": [str],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        synthesizer: Any,
        *,
        per_class: bool = True,
        target_column: str = "target",
        task: str = "auto",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.synthesizer = synthesizer
        self.per_class = per_class
        self.target_column = target_column
        self.task = task
        self.random_state = random_state

    def __sklearn_clone__(self) -> SynthesizerSampler:
        # clone() would call clone() on the synthesizer, which fails for objects whose
        # get_params does not round-trip; copy it the way fit does instead.
        params = {
            name: copy_synthesizer(value) if name == "synthesizer" else clone(value, safe=False)
            for name, value in self.get_params(deep=False).items()
        }
        return type(self)(**params)

    # -- fit ---------------------------------------------------------------------------------
    def _table(self, X: Any) -> Any:
        import pandas as pd

        if hasattr(X, "columns"):
            table = X.reset_index(drop=True).copy()
            table.columns = [str(column) for column in table.columns]
            return table
        values = np.asarray(X)
        return pd.DataFrame(values, columns=[f"x{i}" for i in range(values.shape[1])])

    def _fit_copy(self, table: Any, seed: int, where: str) -> Any:
        synthesizer = copy_synthesizer(self.synthesizer)
        _seed_synthesizer(synthesizer, seed)
        try:
            with _seeded_numpy(seed):
                fitted = synthesizer.fit(table)
        except (ValueError, TypeError, ArithmeticError, np.linalg.LinAlgError) as exc:
            raise GeneratorFitError(
                f"{type(synthesizer).__name__}.fit failed on {where} ({len(table)} rows, "
                f"columns {list(table.columns)}): {exc} Fixes: give the synthesizer the "
                "metadata or settings these columns need, fit one synthesizer on all the rows "
                "(per_class=False), or drop the offending column."
            ) from exc
        # SDV's and copulas' fit return None; scikit-learn style ones return self.
        return synthesizer if fitted is None else fitted

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any) -> SynthesizerSampler:
        """Fit copies of the synthesizer: one per class, or one on features and target.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training rows; a DataFrame is passed on with its columns and dtypes.
        y : array-like of shape (n_samples,)
            Class labels or continuous targets.

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "pass the labels or targets of the rows."
            )
        # Checked (shape, names, not sparse, not empty); a DataFrame then goes to the
        # synthesizer as it is, with its dtypes (categorical columns included).
        X_checked, y = validate_data(self, X, y, dtype=None, ensure_all_finite=False)
        table = self._table(X if hasattr(X, "columns") else X_checked)
        columns = list(table.columns)
        self.columns_ = columns
        self.task_ = resolve_task(self.task, y)
        rng = check_random_state(self.random_state)
        joint = self.task_ == "regression" or not self.per_class
        if joint and self.target_column in columns:
            raise ValueError(
                f"target_column={self.target_column!r} is also a feature column of X; give "
                "the target's column another name, e.g. SynthesizerSampler(..., "
                "target_column='__target__')."
            )
        if self.task_ == "regression":
            y = np.asarray(y, dtype=float)
        else:
            y = check_labels(y, "y")
            self.classes_, counts = np.unique(y, return_counts=True)
            self.class_prior_ = counts / counts.sum()
        if joint:
            joint_table = table.assign(**{self.target_column: y})
            self.synthesizers_ = [
                self._fit_copy(joint_table, rng.randint(2**31 - 1), "the joint (X, y) table")
            ]
        else:
            self.synthesizers_ = [
                self._fit_copy(
                    table[y == label].reset_index(drop=True),
                    rng.randint(2**31 - 1),
                    f"the rows of class {label!r}",
                )
                for label in self.classes_.tolist()
            ]
        self._as_frame = hasattr(X, "columns")
        self._input_columns = list(X.columns) if self._as_frame else None
        return self

    # -- sample ------------------------------------------------------------------------------
    def _draw(self, synthesizer: Any, n_rows: int, seed: int, columns: list) -> Any:
        import pandas as pd

        with _seeded_numpy(seed):
            drawn = synthesizer.sample(n_rows)
        if not hasattr(drawn, "columns"):
            drawn = pd.DataFrame(np.asarray(drawn), columns=columns)
        missing = [column for column in columns if column not in set(drawn.columns)]
        if missing:
            raise ValueError(
                f"{type(synthesizer).__name__}.sample({n_rows}) returned the columns "
                f"{list(drawn.columns)}, without {missing}: a synthesizer must return the "
                "columns it was fit on."
            )
        if len(drawn) != n_rows:
            raise ValueError(
                f"{type(synthesizer).__name__}.sample({n_rows}) returned {len(drawn)} rows; "
                "it must return exactly the number of rows asked for (check its constraints "
                "or rejection sampling settings)."
            )
        return drawn.reset_index(drop=True)[columns]

    def _output(self, table: Any) -> Any:
        if self._as_frame:
            table = table.copy()
            table.columns = self._input_columns
            return table
        return table.to_numpy(dtype=float)

    def sample(self, n_samples: int) -> tuple[Any, np.ndarray]:
        """Draw labelled rows.

        Parameters
        ----------
        n_samples : int
            Number of rows.

        Returns
        -------
        X : DataFrame or ndarray of shape (n_samples, n_features)
            A DataFrame with ``X``'s columns when ``fit`` saw a DataFrame, else floats.
        y : ndarray of shape (n_samples,)
            Class labels (grouped by class when ``per_class``) or targets.
        """
        import pandas as pd

        check_is_fitted(self)
        n_samples = check_n_samples(n_samples)
        # The seeds come from random_state alone: repeated calls give the same rows.
        rng = check_random_state(self.random_state)
        rng.randint(2**31 - 1, size=len(self.synthesizers_))  # the fit seeds
        if len(self.synthesizers_) == 1 and (self.task_ == "regression" or not self.per_class):
            columns = self.columns_ + [self.target_column]
            drawn = self._draw(self.synthesizers_[0], n_samples, rng.randint(2**31 - 1), columns)
            y = drawn[self.target_column].to_numpy()
            X = drawn[self.columns_]
            if self.task_ == "regression":
                return self._output(X), np.asarray(y, dtype=float)
            # Membership on the raw values first: a cast to the classes' dtype would truncate.
            known = pd.Series(np.asarray(y, dtype=object)).isin(self.classes_.tolist())
            if not bool(known.all()):
                unknown = pd.unique(np.asarray(y, dtype=object)[~known.to_numpy()])[:5]
                raise ValueError(
                    f"The synthesizer sampled target values {list(unknown)} that are not "
                    f"classes of y ({self.classes_.tolist()}); it models the target column as "
                    "numbers. Use per_class=True (one synthesizer per class), or tell the "
                    "synthesizer the column is categorical (e.g. SDV metadata)."
                )
            y = check_labels(y, "the sampled target column", like=self.classes_)
            return self._output(X), y
        counts = largest_remainder(n_samples, self.class_prior_)
        seeds = rng.randint(2**31 - 1, size=len(self.synthesizers_))
        parts = [
            (self._draw(synthesizer, int(count), int(seed), self.columns_), label, count)
            for synthesizer, label, count, seed in zip(
                self.synthesizers_, self.classes_, counts, seeds, strict=True
            )
            if count > 0
        ]
        X = pd.concat([rows for rows, _, _ in parts], ignore_index=True)
        y = np.concatenate(
            [np.full(count, label, dtype=self.classes_.dtype) for _, label, count in parts]
        )
        return self._output(X), y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags
