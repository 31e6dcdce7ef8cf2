"""Selectors in sequence: each chooses from the rows the one before it kept."""

from typing import Any, Literal

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._indexing import _safe_indexing

from ..base import BaseSelector, rows_per_class
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike


@fill_doc
class SequentialSelector(BaseSelector):
    """Run selectors one after another: each chooses from the rows the one before kept.

    The usual use is curation followed by a selection: e.g.
    ``SequentialSelector(pool, [LearningDynamicsSelector(None), CovarianceMatchingSelector(None)])``
    first drops the pool rows whose labels the real rows contradict, then matches the covariance
    with what is left. Each step is cloned, given the rows the previous step kept as its pool
    (its own ``pool`` is ignored: pass None) and fit on the same real rows, in its own feature
    space. ``n_select`` is the last step's amount; the earlier steps keep their own.

    Read more in the :ref:`User Guide <selectors>`.

    Parameters
    ----------
    {pool}
    steps : list of selectors
        The selectors, in order; at least one.
    {n_select}
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    steps_ : list of selectors
        The fitted steps.
    kept_indices_ : list of ndarray
        Per step, the positions in ``X_pool_`` of the rows it kept.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel import (CovarianceMatchingSelector, RandomSelector,
    ...                           SequentialSelector)
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(40, 3)), np.repeat([0, 1], 20)
    >>> X_pool, y_pool = rng.normal(size=(400, 3)), np.repeat([0, 1], 200)
    >>> selector = SequentialSelector(
    ...     (X_pool, y_pool),
    ...     [RandomSelector(None, n_select=100), CovarianceMatchingSelector(None)],
    ...     n_select=20, random_state=0,
    ... ).fit(X, y)
    >>> [len(kept) for kept in selector.kept_indices_]
    [100, 20]
    >>> bool(np.isin(selector.selected_indices_, selector.kept_indices_[0]).all())
    True
    """

    _parameter_constraints = {**BaseSelector._parameter_constraints, "steps": [list]}
    _supports_auto_amount = True  # if the last step does; checked in fit
    _may_decline_rows = True  # the steps decide

    def __init__(
        self,
        pool: PoolLike,
        steps: list[BaseSelector],
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
        self._set_init_params(
            pool=pool,
            steps=steps,
            n_select=n_select,
            n_components=n_components,
            feature_map=feature_map,
            pool_size=pool_size,
            include_real=include_real,
            task=task,
            match_target=match_target,
            random_state=random_state,
            verbose=verbose,
        )

    def _fit_selection(self, X, X_checked, y_labels, X_pool, pool_checked, y_pool, real_info):
        return self._run_steps(self.steps, X, y_labels, X_pool, y_pool, real_info)

    def _run_steps(self, steps, X, y_labels, X_pool, y_pool, real_info, choose=None):
        """Fit the steps in order on shrinking pools; returns the fitted attributes.

        ``choose(fitted_steps) -> selector``, if given, replaces the last step once the steps
        before it are fitted (a composite that decides its last step from what they found).
        """
        if not steps or not all(isinstance(step, BaseSelector) for step in steps):
            raise TypeError(
                "steps must be a non-empty list of skl_synthsel selectors, e.g. "
                "[LearningDynamicsSelector(None), CovarianceMatchingSelector(None)]."
            )
        if self.n_select == "auto" and not steps[-1]._supports_auto_amount:
            raise ValueError(
                f"n_select='auto' is the last step's choice, and "
                f"{type(steps[-1]).__name__} cannot choose the amount; pass a number."
            )
        random_state = check_random_state(self.random_state)
        rows = np.arange(len(y_pool))
        fitted, kept = [], []
        for position, step in enumerate(steps):
            last = position == len(steps) - 1
            if choose is not None and last:
                # The composite's own choice of its last step, from the steps fitted so far.
                step = choose(fitted)
            step = clone(step, safe=False)
            params = {
                "pool": (_safe_indexing(X_pool, rows), y_pool[rows]),
                "include_real": True,
                "task": real_info["task_"],
            }
            if last and (self.n_select != "auto" or step._supports_auto_amount):
                # A chosen last step that cannot choose the amount keeps its own.
                params["n_select"] = self.n_select
            if self.verbose:
                params["verbose"] = self.verbose  # each step reports its own classes
            if "random_state" in step.get_params():
                params["random_state"] = random_state.randint(np.iinfo(np.int32).max)
            step.set_params(**params).fit(X, y_labels)
            rows = rows[step.selected_indices_]
            fitted.append(step)
            kept.append(rows)
            if len(rows) == 0:
                break
        attributes = {
            "steps_": fitted,
            "kept_indices_": kept,
            "selected_indices_": rows.astype(np.intp),
            "feature_space_": fitted[-1].feature_space_,
        }
        if real_info["task_"] == "classification":
            classes = real_info["classes_"].tolist()
            attributes["sampling_strategy_"] = rows_per_class(y_pool, rows, classes)
        return attributes
