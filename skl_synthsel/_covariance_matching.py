"""Covariance matching: choose the pool rows whose covariance matches the real rows'."""

import warnings

import cvxpy as cp
import numpy as np
from sklearn.base import clone
from sklearn.covariance import EmpiricalCovariance
from sklearn.utils._param_validation import HasMethods, StrOptions

from ._base import BaseSelector, GroupSelection
from ._docstrings import fill_doc
from ._solvers import (
    SolverFailedError,
    covariance_gap,
    greedy_covariance_matching,
    round_relaxed_weights,
    solve_relaxed_cvxpy,
)

_N_RANDOM_DRAWS = 10


def _indicator(n_rows, rows):
    weights = np.zeros(n_rows)
    weights[rows] = 1.0
    return weights


@fill_doc
class CovarianceMatchingSelector(BaseSelector):
    """Select the synthetic rows whose covariance matches the real rows' covariance, per class.

    For linear models the covariance shift between synthetic and real rows drives the test error
    and the mean shift does not (Rezaei et al., 2025): this selector chooses, in each class, the
    quota of pool rows whose covariance is closest in Frobenius norm to the target covariance of
    the real rows of that class.

    All selections are measured by the same objective: the Frobenius gap between the selected
    rows' covariance about the real class mean (``ddof=0``) and the target covariance, in the
    feature space (standardised with the real rows' statistics, optionally mapped and reduced
    by PCA).

    Read more in the :ref:`User Guide <covariance_matching>`.

    Parameters
    ----------
    {pool}
    {n_select}
    method : {"relaxed", "greedy"}, default="relaxed"
        ``"relaxed"`` solves the convex relaxation (weights ``w`` in ``[0, 1]``, ``sum w = k``)
        with cvxpy, then rounds to exactly ``k`` rows by top-k followed by a swap repair (a local
        search on the exact objective); its optimum is a lower bound on the gap of any subset.
        ``"greedy"`` is the paper's exact forward greedy on the sample covariance (own mean,
        ``ddof=0``), started from the pool row nearest the real class mean.
    covariance_estimator : estimator or None, default=None
        A :mod:`sklearn.covariance` estimator fit on each class's real rows to give the target
        (its ``covariance_``). ``None`` means
        :class:`~sklearn.covariance.EmpiricalCovariance`; with few real rows per class a shrunk
        estimate such as :class:`~sklearn.covariance.LedoitWolf` or
        :class:`~sklearn.covariance.OAS` is steadier.
    solver : str, default="auto"
        The cvxpy solver for ``method="relaxed"``: ``"auto"`` (Clarabel) or the name of any
        installed cvxpy solver. If it fails, the selector falls back to the greedy with a
        warning.
    solver_options : dict or None, default=None
        Keyword arguments for :meth:`cvxpy.Problem.solve`, e.g. ``{"max_iter": 200}``.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    weights_ : ndarray of shape (n_pool,)
        The relaxed weights of the pool rows (``method="relaxed"``), each in ``[0, 1]`` and
        summing to the class quota within each class; usable as ``sample_weight``.
    covariance_gap_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the gap of the selected rows.
    random_covariance_gap_ : ndarray of shape (n_classes,)
        The mean gap of 10 uniformly random selections of the same size: the baseline.
    relaxed_lower_bound_ : ndarray of shape (n_classes,)
        The relaxed optimum: no subset of the same size has a smaller gap (NaN for the greedy).
    target_norm_ : ndarray of shape (n_classes,)
        Frobenius norm of each target covariance, to turn gaps into relative gaps.
    n_swaps_ : ndarray of shape (n_classes,)
        Swaps made by the swap repair (``method="relaxed"``).

    See Also
    --------
    SyntheticAugmentedClassifier : Fit any classifier on real plus selected (or weighted) rows.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.mixture import GaussianMixture
    >>> from skl_synthsel import ClassConditionalSampler, CovarianceMatchingSelector
    >>> X, y = load_iris(return_X_y=True)
    >>> generator = ClassConditionalSampler(GaussianMixture(), random_state=0)
    >>> X_pool, y_pool = generator.fit(X, y).sample(3000)
    >>> selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=0.5, random_state=0)
    >>> X_res, y_res = selector.fit_resample(X, y)
    >>> X_res.shape
    (225, 4)
    >>> bool(all(selector.covariance_gap_ < selector.random_covariance_gap_))
    True
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "method": [StrOptions({"relaxed", "greedy"})],
        "covariance_estimator": [HasMethods(["fit"]), None],
        "solver": [str],
        "solver_options": [dict, None],
    }

    def __init__(self, pool, *, n_select=1.0, method="relaxed", covariance_estimator=None,
                 solver="auto", solver_options=None, n_components=None, feature_map=None,
                 pool_size=10.0, include_real=True, task="auto", random_state=None):
        self.method = method
        self.covariance_estimator = covariance_estimator
        self.solver = solver
        self.solver_options = solver_options
        super().__init__(pool, n_select=n_select, n_components=n_components,
                         feature_map=feature_map, pool_size=pool_size,
                         include_real=include_real, task=task, random_state=random_state)

    def _prepare(self, real, y_real, pool, y_pool, random_state):
        if self.method == "relaxed":
            self._cvxpy_solver = self._resolve_solver()

    def _resolve_solver(self):
        if self.solver.lower() == "auto":
            return "CLARABEL"
        installed = {name.upper(): name for name in cp.installed_solvers()}
        if self.solver.upper() not in installed:
            raise ValueError(
                f"Unknown solver {self.solver!r}: use 'auto' or one of the installed cvxpy "
                f"solvers {sorted(installed.values())}."
            )
        return installed[self.solver.upper()]

    def _select_group(self, real, pool, n_select, random_state):
        estimator = EmpiricalCovariance() if self.covariance_estimator is None else clone(
            self.covariance_estimator)
        target = estimator.fit(real).covariance_
        centred = pool - real.mean(axis=0)
        weights, bound, n_swaps = None, np.nan, 0
        if self.method == "relaxed":
            try:
                weights, bound = solve_relaxed_cvxpy(
                    centred, target, n_select, solver=self._cvxpy_solver,
                    solver_options=self.solver_options,
                )
            except SolverFailedError as exc:
                warnings.warn(
                    f"{exc}; falling back to method='greedy' for this class.", UserWarning
                )
        if weights is not None:
            selected, n_swaps = round_relaxed_weights(centred, target, weights, n_select)
        else:
            nearest_to_mean = int(np.argmin(np.einsum("ij,ij->i", centred, centred)))
            selected = greedy_covariance_matching(
                centred, target, n_select, start_index=nearest_to_mean
            )
        random_gaps = [
            covariance_gap(centred, target, _indicator(
                len(pool), random_state.choice(len(pool), n_select, replace=False)))
            for _ in range(_N_RANDOM_DRAWS)
        ]
        return GroupSelection(
            selected=selected,
            weights=weights,
            diagnostics={
                "covariance_gap": covariance_gap(centred, target,
                                                 _indicator(len(pool), selected)),
                "random_covariance_gap": float(np.mean(random_gaps)),
                "relaxed_lower_bound": bound,
                "target_norm": float(np.linalg.norm(target)),
                "n_swaps": n_swaps,
            },
        )
