"""Kernel mean matching: weight the pool rows so that their kernel mean matches the real rows'."""

from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from scipy.spatial.distance import pdist
from sklearn.utils._param_validation import Interval

from .._solvers import SolverFailedError, kernel_features, resolve_cvxpy_solver, solve_kmm
from ..base import BaseSelector, GroupSelection
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike
from ..utils._warnings import warn_solver_fallback

# Up to this many pool rows per class, n_landmarks=None uses the exact kernel.
_MAX_EXACT_POOL = 500
_AUTO_N_LANDMARKS = 256
# Rows used by the median heuristic (evenly spaced, so no random draw is needed).
_MAX_MEDIAN_ROWS = 1000
# "auto": the factored dual Newton solver (solve_kmm_newton), with no cvxpy. Measured on the
# 10-class benchmark pool (10,000 pool rows per class, d = 20, 256 landmarks, one BLAS thread):
# about 0.2 s per class for the solve and 0.1 s for the Nystroem features, against 17 s for the
# first default (SCS at tolerance 1e-7, 11.5 s, and the Newton polish of its answer, 5.6 s),
# with the same optimum (relative duality gap below 1e-15 on every class).
_AUTO_SOLVER = "newton"
# The ridge that makes the optimal weights unique (relative to the mean kernel diagonal): see
# solve_kmm. It raises the objective by about 1e-8 of its value on the demo pool.
_RIDGE = 1e-6
# The tie rule. After the polish the weights are exact up to rounding noise of about
# eps_machine * max(kappa) / mu (about 1e-8 here); they are rounded to 6 decimals (the weights
# average about 1), kappa / N to 10, and equal rounded values go by pool order. The selection
# then depends on the last bits of the arithmetic only if two weights lie within that noise of a
# rounding boundary around the quota's cut.
_WEIGHT_DECIMALS = 6
_KAPPA_DECIMALS = 10
# Raw weights below this fraction of the largest are solver noise around the bound 0.
_ZERO_WEIGHT = 1e-6


def _median_heuristic_gamma(real, pool):
    """``1 / (2 median ||x - x'||^2)`` over pairs of real and pool rows (evenly spaced subsets)."""
    rows = []
    for part in (real, pool):
        step = max(1, int(np.ceil(len(part) / (_MAX_MEDIAN_ROWS // 2))))
        rows.append(part[::step])
    squared = pdist(np.vstack(rows), "sqeuclidean")
    positive = squared[squared > 0]
    return 1.0 / (2 * float(np.median(positive))) if positive.size else 1.0


@fill_doc
class KernelMeanMatchingSelector(BaseSelector):
    """Select the synthetic rows with the largest kernel mean matching weights, per class.

    Kernel mean matching (Huang et al., 2007) estimates importance weights ``w`` of the ``N``
    pool rows of a class such that the weighted pool has the kernel mean of the real rows (a
    density ratio ``p_real / p_pool`` without estimating either density). It solves the
    quadratic program

    ``min 1/2 w' K w - kappa' w`` over ``0 <= w <= max_weight``, ``|sum w - N| <= N eps``,

    with the Gaussian kernel ``K`` among pool rows and ``kappa_i = (N / n_real) sum_j
    k(x_i, r_j)`` against the real rows ``r_j``, in the feature space. Its optimal weights are
    not unique (with ``r < N`` kernel directions the objective does not see ``N - r`` of them),
    so the selector adds ``mu/2 ||w||^2`` with ``mu = 1e-6`` times the mean kernel diagonal: of
    the (nearly) optimal weights, the most even ones, unique, and solved to machine precision
    (semismooth Newton on the dual, which ends with an exact step; the objective rises by about
    ``1e-8`` of its value). The selector takes the quota of pool rows with the largest weights,
    rounded to 6 decimals (rounding noise is about ``1e-7``); ties (e.g. many weights at the
    bound 0) are broken by larger ``kappa / N`` rounded to 10 decimals (nearer the real rows in
    kernel terms), then by pool order. The selection is therefore the same with any number of
    BLAS threads and for float32 or float64 input of the same values.

    Read more in the :ref:`User Guide <kernel_mean_matching>`.

    Parameters
    ----------
    {pool}
    {n_select}
    gamma : float or None, default=None
        The kernel ``exp(-gamma ||x - x'||^2)``. ``None``: the median heuristic,
        ``1 / (2 m)`` with ``m`` the median squared distance between rows (real and pool rows of
        the class, at most 500 of each, evenly spaced).
    max_weight : float, default=1000.0
        The bound ``B`` on each weight: how far a single pool row may stand in for missing
        pool density.
    eps : float or None, default=None
        Tolerance on the total weight; ``None`` means ``(sqrt(N) - 1) / sqrt(N)``.
    n_landmarks : int or None, default=None
        The kernel matrix: exact or a Nystroem approximation
        (:class:`~sklearn.kernel_approximation.Nystroem`) with this many landmark pool rows.
        Exact: ``N x N`` kernel, ``O(N^3)`` eigendecomposition, and a program with an
        ``N x r`` dense factor (``r <= N``). Nystroem with ``m`` landmarks:
        ``O((N + n_real) m d + m^3)`` features and a program with an ``N x m`` factor; no
        ``N x N`` matrix is formed. ``None``: exact up to 500 pool rows per class, 256
        landmarks above. An int at least the class's pool size gives the exact kernel.
    solver : str, default="auto"
        ``"auto"``: a factored solver without cvxpy, Newton steps on the ``r``-dimensional dual
        of the ridge problem along a continuation in the ridge (each step ``O(N r)`` plus an
        ``r x r`` factorisation; about 0.3 s for 10,000 pool rows and 256 landmarks). Any
        installed cvxpy solver can be named instead, e.g. ``"CLARABEL"`` or ``"SCS"``: its
        answer is then refined by the same Newton steps at the final ridge (the reference,
        much slower on large pools). If the solver fails, the selector falls back, with a
        warning, to the pool rows with the largest ``kappa``.
    solver_options : dict or None, default=None
        Keyword arguments for :meth:`cvxpy.Problem.solve` when a cvxpy solver is named (not
        used by ``"auto"``).
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    weights_ : ndarray of shape (n_pool,)
        Sample weights of the pool rows, for
        :class:`SyntheticAugmentedClassifier` with ``weighting="relaxed"``: the kernel mean
        matching weights (with those below ``1e-6`` times the class's largest set to 0),
        rescaled to sum to the class quota in each class, as the relaxed covariance matching
        weights do. The synthetic rows then weigh as much as the selected rows would. Where
        the solver failed, weight 1 on the selected rows.
    scores_ : ndarray of shape (n_pool,)
        The raw kernel mean matching weights: estimated density ratios real / pool, averaging
        about 1 over a class's pool rows (``kappa`` where the solver failed).
    gamma_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the kernel parameter used.
    effective_sample_size_ : ndarray of shape (n_classes,)
        Kish's effective number of pool rows, ``(sum w)^2 / sum w^2`` of the raw weights: how
        many rows carry the weight (NaN where the solver failed).
    n_landmarks_ : ndarray of shape (n_classes,)
        The Nystroem landmarks used (the class's pool size for the exact kernel).

    See Also
    --------
    DS3Selector : Select the pool rows that best represent the real rows.
    SyntheticAugmentedClassifier : Fit any classifier on real plus selected (or weighted) rows.

    References
    ----------
    .. [1] J. Huang, A. Gretton, K. Borgwardt, B. Schoelkopf and A. Smola, "Correcting sample
       selection bias by unlabeled data", NeurIPS, 2007.
    .. [2] A. Gretton, A. Smola, J. Huang, M. Schmittfull, K. Borgwardt and B. Schoelkopf,
       "Covariate shift by kernel mean matching", in Dataset Shift in Machine Learning, 2009.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skl_synthsel import KernelMeanMatchingSelector
    >>> X_all, y_all = make_classification(n_samples=700, n_features=5, random_state=0)
    >>> X, y = X_all[:100], y_all[:100]
    >>> X_pool, y_pool = 1.5 * X_all[100:], y_all[100:]  # an over-dispersed pool
    >>> selector = KernelMeanMatchingSelector((X_pool, y_pool), n_select=40).fit(X, y)
    >>> selector.sampling_strategy_
    {0: 18, 1: 22}
    >>> round(float(selector.weights_.sum()), 6)  # per class, the weights sum to the quota
    40.0
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "max_weight": [Interval(Real, 0, None, closed="neither")],
        "eps": [Interval(Real, 0, None, closed="left"), None],
        "n_landmarks": [Interval(Integral, 1, None, closed="left"), None],
        "solver": [str],
        "solver_options": [dict, None],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        gamma: float | None = None,
        max_weight: float = 1000.0,
        eps: float | None = None,
        n_landmarks: int | None = None,
        solver: str = "auto",
        solver_options: dict[str, Any] | None = None,
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
            gamma=gamma,
            max_weight=max_weight,
            eps=eps,
            n_landmarks=n_landmarks,
            solver=solver,
            solver_options=solver_options,
            n_components=n_components,
            feature_map=feature_map,
            pool_size=pool_size,
            include_real=include_real,
            task=task,
            match_target=match_target,
            random_state=random_state,
            verbose=verbose,
        )

    def _solver_and_options(self):
        if self.solver.lower() == "auto":
            return _AUTO_SOLVER, None
        return resolve_cvxpy_solver(self.solver), self.solver_options

    def _select_group(self, group, random_state):
        real, pool, n_select = group.real, group.pool, group.n_select
        gamma = _median_heuristic_gamma(real, pool) if self.gamma is None else self.gamma
        n_landmarks = self.n_landmarks
        if n_landmarks is None:
            n_landmarks = len(pool) if len(pool) <= _MAX_EXACT_POOL else _AUTO_N_LANDMARKS
        n_landmarks = min(n_landmarks, len(pool))
        factor, kappa = kernel_features(
            pool, real, gamma, n_landmarks=n_landmarks, random_state=random_state, truncate=False
        )
        solver, solver_options = self._solver_and_options()
        try:
            raw, _ = solve_kmm(
                factor,
                kappa,
                max_weight=self.max_weight,
                eps=self.eps,
                solver=solver,
                solver_options=solver_options,
                ridge=_RIDGE,
                polish=True,
            )
        except SolverFailedError as exc:
            warn_solver_fallback(exc, "the pool rows with the largest kernel mean term kappa")
            raw = None
        # lexsort: the last key is the primary one; it is stable, so pool order breaks ties.
        rounded_kappa = np.round(kappa / len(pool), _KAPPA_DECIMALS)
        primary = rounded_kappa if raw is None else np.round(raw, _WEIGHT_DECIMALS)
        selected = np.lexsort((-rounded_kappa, -primary))[:n_select]
        if raw is None:
            weights, effective_size = np.zeros(len(pool)), np.nan
            weights[selected] = 1.0
        else:
            weights = np.where(raw >= _ZERO_WEIGHT * raw.max(), raw, 0.0)
            # All zero only if every kernel value underflowed (a huge gamma): weigh evenly.
            weights = weights if weights.sum() > 0 else np.ones(len(pool))
            weights *= n_select / weights.sum()
            effective_size = float(raw.sum() ** 2 / np.sum(raw**2))
        return GroupSelection(
            selected=selected,
            weights=weights,
            scores=kappa if raw is None else raw,
            diagnostics={
                "gamma": gamma,
                "effective_sample_size": effective_size,
                "n_landmarks": n_landmarks,
            },
        )
