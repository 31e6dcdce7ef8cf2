"""Covariance matching: choose the pool rows whose covariance matches the real rows'."""

from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone
from sklearn.covariance import EmpiricalCovariance
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.extmath import row_norms

from .._solvers import (
    SolverFailedError,
    certify,
    covariance_gap,
    greedy_covariance_matching,
    mixture_gap,
    mixture_problem,
    relaxed_steps,
    resolve_relaxed_solver,
    round_relaxed_weights,
    run_alone,
    run_in_lockstep,
    solve_relaxed,
)
from .._solvers._chunked import weighted_scatter
from .._solvers._max_entropy import gumbel_top_k, solve_max_entropy, target_noise_radius
from ..base import BaseSelector, GroupSelection
from ..utils._dask import gather_limit, is_dask_rows
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike
from ..utils._warnings import warn_solver_fallback

_N_RANDOM_DRAWS = 10
# Relaxed weights within this share of the target's norm match it exactly (to the solvers'
# tolerance): a reachable target.
_REACHABLE_RTOL = 1e-5
# Classes of at most this many pool rows are solved in lockstep (with one job): there the
# fast solver's interior-point iterations are small enough for their fixed costs to matter
# (measured: 100 classes of 200 rows, 1.2-1.3x faster fits), and holding every class's centred
# rows at once costs little.
_LOCKSTEP_CLASS_ROWS = 2000


def _indicator(n_rows, rows):
    weights = np.zeros(n_rows)
    weights[rows] = 1.0
    return weights


def _greedy_candidates(centred, n_select):
    """For the greedy on a Dask pool: the rows it chooses from, gathered (one gather).

    The greedy reads every row at every step (``k`` passes on a cluster), so it runs on the
    client: on the whole class when its rows fit in the gather budget (64 MiB: the in-memory
    answer exactly), else on a uniform sample of that size (a fixed seed: the same rows at
    every fit). Its certificate is still computed over the whole pool.
    """
    n_rows = len(centred)
    n_candidates = max(min(n_rows, gather_limit(centred)), n_select)
    if n_candidates >= n_rows:
        rows = np.arange(n_rows)
    else:
        rows = np.sort(np.random.RandomState(0).choice(n_rows, n_candidates, replace=False))
    return rows, centred[rows]


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
    method : {"relaxed", "entropy", "greedy"}, default="relaxed"
        ``"relaxed"`` (the default) is the paper's matching, solved as a convex relaxation
        (weights ``w`` in ``[0, 1]``, ``sum w = k``) with ``solver``, then rounded to exactly
        ``k`` rows (the better of top-k and a systematic rounding, followed by a swap repair: a
        local search on the exact objective); its optimum is a lower bound on the gap of any
        subset. When the weights match the target exactly (a large optimal face, as with a
        faithful pool's shrunk target), the rounding starts from a systematic sample of them
        drawn with ``random_state``.
        ``"entropy"`` matches the target only as far as it is known: with few real rows the
        target covariance is itself off the truth by about its sampling error ``r`` (the
        Ledoit-Wolf estimate, ``noise_radius_``), and a selection closer to it than that only
        copies the real sample's noise. It finds the maximum-entropy distribution ``p`` over
        the class's pool rows whose second moment about the real class mean is within
        ``radius_scale * r`` of the target, then draws the quota without replacement from ``p``
        (Gumbel-top-k). A faithful pool leaves the constraint slack: ``p`` is uniform and the
        draw is random. A distorted pool makes it bind: ``p`` tilts toward the rows that
        restore the covariance. If the radius is out of the pool's reach (a singular target, a
        pool without rows in some direction), the radius grows to the closest distribution's
        gap plus ``r`` (``radius_reached_`` is then 0 and ``noise_radius_`` the radius used).
        Its effective number of rows, ``perplexity_``, is the amount ``n_select="auto"``
        selects: the method for an amount chosen from the data. ``radius_scale=0`` is the
        paper's exact matching by ``"relaxed"``.
        ``"greedy"`` is the paper's exact forward greedy on the sample covariance (own mean,
        ``ddof=0``), started from the pool row nearest the real class mean.
    target : {"pool_shrunk", "empirical"}, default="pool_shrunk"
        The target covariance. ``"pool_shrunk"`` (the default): the real rows' estimate from
        ``covariance_estimator`` shrunk toward the pool's own class second moment about the
        real class mean, ``(1 - a) C_real + a C_pool`` with the Ledoit-Wolf-type weight
        ``a = min(1, r^2 / ||C_real - C_pool||^2)``, ``r^2`` the real estimate's sampling
        variance: a pool as close to the real rows as their own noise pulls the target toward
        itself (matching then keeps the pool's spread instead of copying the real sample's
        noise), a distorted pool is overruled by the real rows (``target_shrinkage_`` holds
        ``a``). For ``method="entropy"`` the radius shrinks with it, to ``sqrt(1 - a) r``, the
        expected error of the shrunk target. ``"empirical"``: the real rows' estimate alone,
        the paper's target. On the tabular benchmark (:ref:`benchmark_covariance_target`) the
        shrunk target is level with random rows on faithful pools; the paper's target, with
        25-80 real rows per class, loses to them.
    radius_scale : float, default=1.0
        ``method="entropy"`` only: the radius in units of the target's estimated noise
        ``r``. ``0`` is the paper's exact matching; larger values keep more of the pool.
    covariance_estimator : estimator or None, default=None
        A :mod:`sklearn.covariance` estimator fit on each class's real rows to give the target
        (its ``covariance_``). ``None`` means
        :class:`~sklearn.covariance.EmpiricalCovariance`; with few real rows per class a shrunk
        estimate such as :class:`~sklearn.covariance.LedoitWolf` or
        :class:`~sklearn.covariance.OAS` is steadier.
    solver : str, default="auto"
        The solver of the relaxation for ``method="relaxed"``:

        - ``"fast"``: the large-pool solver. An accelerated projected gradient in chunked
          ``O(n d^2)`` passes over the pool finds the rows that matter, an interior point
          solves exactly on them, and the Frank-Wolfe gap over the whole pool certifies the
          result (repeating with a sharper screen if it fails). Memory stays ``O(n d)``.
        - the name of any installed cvxpy solver (e.g. ``"CLARABEL"``): the conic program over
          the whole pool, whose cost per iteration grows like ``n d^4``.
        - ``"auto"``: ``"fast"``, at every pool size (on small pools it goes straight to its
          interior point, faster than Clarabel and certified to a smaller gap).

        Every solver's answer gets the same certificate (``duality_gap_``). If the solver fails
        (or the fast solver cannot certify a gap within 1e-4 of its objective or 1e-6 of the
        target's norm), the selector falls back to the greedy with a warning.
    solver_options : dict or None, default=None
        Keyword arguments for the solver: for cvxpy those of :meth:`cvxpy.Problem.solve`, e.g.
        ``{"max_iter": 200}``; for ``"fast"`` its tolerances and limits, e.g.
        ``{"rtol": 1e-6, "max_iter": 500}`` (``rtol``, ``atol``, ``max_iter``,
        ``identify_rtol``, ``identify_atol``, ``working_set_limit``, ``max_rounds``,
        ``chunk_rows``). With ``"auto"`` the options go to whichever solver it picks: name the
        solver to pass options.
    mixture : bool, default=False
        What is matched to the target. ``False``: the selected rows alone (the paper's
        CovMatch). ``True``: the real rows and the selected rows together, the training set the
        model will see: ``||(scatter(real) + scatter(selected)) / (n_real + k) - C||_F`` about the
        real class mean; the greedy then starts from the real rows. Every gap reported
        (``covariance_gap_``, ``random_covariance_gap_``, the bound and the certificate) is then
        the mixture's gap. With the empirical covariance as target both give the same relaxed
        weights; they differ with a shrunk target.
    {n_jobs}
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    weights_ : ndarray of shape (n_pool,)
        The relaxed weights of the pool rows (``method="relaxed"``), each in ``[0, 1]`` and
        summing to the class quota within each class; for ``method="entropy"`` the quota times
        the maximum-entropy probabilities. Usable as ``sample_weight``.
    noise_radius_ : ndarray of shape (n_classes,)
        Per class, the radius the entropy method matched within (``radius_scale`` times the
        estimated sampling error of the target).
    target_covariance_ : list of ndarray of shape (n_dims, n_dims)
        Per class with a positive quota, the target covariance in the feature space.
    target_shrinkage_ : ndarray of shape (n_classes,)
        Per class, the weight of the pool's covariance in the target (0 for
        ``target="empirical"``).
    perplexity_ : ndarray of shape (n_classes,)
        ``method="entropy"``: the effective number of pool rows of the maximum-entropy
        distribution, ``exp(H(p))`` (the class's pool size when the pool is within the
        radius). ``n_select="auto"`` selects this many rows.
    radius_reached_ : ndarray of shape (n_classes,)
        ``method="entropy"``: 1 where the radius ``radius_scale * r`` was met, 0 where it was
        out of reach and grew to the closest distribution's gap plus ``r``.
    covariance_gap_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the gap of the selected rows.
    random_covariance_gap_ : ndarray of shape (n_classes,)
        The mean gap of 10 uniformly random selections of the same size: the baseline.
    relaxed_lower_bound_ : ndarray of shape (n_classes,)
        A certified lower bound on the relaxed optimum (from the Frank-Wolfe gap of the relaxed
        weights): no subset of the same size has a smaller gap (NaN for the greedy).
    duality_gap_ : ndarray of shape (n_classes,)
        The relaxed weights' gap minus ``relaxed_lower_bound_``: how far, at most, the
        relaxation was solved from its optimum (NaN for the greedy).
    certificate_ : ndarray of shape (n_classes,)
        For every method: ``covariance_gap_`` minus a certified lower bound on the gap of any
        subset of the same size (the relaxed bound, or for the greedy the Frank-Wolfe bound at
        its own subset): the selection is at most this far from the best possible.
    target_norm_ : ndarray of shape (n_classes,)
        Frobenius norm of each target covariance, to turn gaps into relative gaps.
    n_swaps_ : ndarray of shape (n_classes,)
        Swaps made by the swap repair (``method="relaxed"``).
    n_pool_passes_ : int
        Only with a pool held as Dask collections (:ref:`dask`): the passes over the pool
        the fit made (computes that read every block of it), one per class for a per-class
        pass.

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
    >>> # A faithful pool is as close to the real rows as their own noise: the target is
    >>> # the pool's spread, and the rows chosen keep it better than random rows do.
    >>> selector.target_shrinkage_.tolist()
    [1.0, 1.0, 1.0]
    >>> bool(all(selector.covariance_gap_ < 0.2 * selector.random_covariance_gap_))
    True
    >>> # An over-dispersed quarter of the pool: the real rows overrule it, and the rows
    >>> # chosen repair the covariance.
    >>> X_pool[::4] *= 1.6
    >>> selector = CovarianceMatchingSelector((X_pool, y_pool), n_select=0.5, random_state=0)
    >>> selector = selector.fit(X, y)
    >>> bool(all(selector.target_shrinkage_ < 0.01))
    True
    >>> bool(all(selector.covariance_gap_ < 0.05 * selector.random_covariance_gap_))
    True
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "method": [StrOptions({"entropy", "relaxed", "greedy"})],
        "target": [StrOptions({"empirical", "pool_shrunk"})],
        "radius_scale": [Interval(Real, 0, None, closed="left")],
        "covariance_estimator": [HasMethods(["fit"]), None],
        "solver": [str],
        "solver_options": [dict, None],
        "mixture": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        method: Literal["entropy", "greedy", "relaxed"] = "relaxed",
        target: Literal["empirical", "pool_shrunk"] = "pool_shrunk",
        radius_scale: float = 1.0,
        covariance_estimator: Any | None = None,
        solver: str = "auto",
        solver_options: dict[str, Any] | None = None,
        mixture: bool = False,
        n_jobs: int | None = None,
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
            method=method,
            target=target,
            radius_scale=radius_scale,
            covariance_estimator=covariance_estimator,
            solver=solver,
            solver_options=solver_options,
            mixture=mixture,
            n_jobs=n_jobs,
            n_components=n_components,
            feature_map=feature_map,
            pool_size=pool_size,
            include_real=include_real,
            task=task,
            match_target=match_target,
            random_state=random_state,
            verbose=verbose,
        )

    _supports_auto_amount = True  # n_select="auto": the entropy method's perplexity
    _supports_dask_pool = True  # every pass over the pool is a map-reduce over its blocks

    def _fit_shared(self, real, y_real, pool, y_pool, random_state):
        # Wrong combinations fail before any work.
        if self.method != "greedy":
            name = self._resolve_solver()
            if is_dask_rows(pool) and name != "fast":
                raise ValueError(
                    f"solver={self.solver!r} solves over the whole pool in memory; a pool "
                    "held as Dask collections is solved by solver='fast' (or 'auto')."
                )
        if self.mixture and self.method == "entropy":
            raise ValueError(
                "mixture=True matches the real rows plus the selected rows, which the entropy "
                "method does not do; use method='relaxed' or 'greedy' with mixture=True."
            )
        if self.n_select == "auto" and self.method != "entropy":
            raise ValueError(
                f"n_select='auto' takes the entropy method's effective number of rows; "
                f"method={self.method!r} has none. Use method='entropy' or a number of rows."
            )
        return {}

    def _resolve_solver(self, pool=None):
        # Check the name before any work. A Dask pool is solved by the large-pool solver, whose
        # passes are map-reduces.
        if is_dask_rows(pool):
            return "fast"
        return resolve_relaxed_solver(self.solver)

    def _target(self, real_centred, centred):
        """The target covariance, the shrinkage toward the pool and the target's noise radius."""
        estimator = (
            EmpiricalCovariance()
            if self.covariance_estimator is None
            else clone(self.covariance_estimator)
        )
        target = estimator.fit(real_centred).covariance_
        noise = target_noise_radius(real_centred, target)
        shrinkage = 0.0
        if self.target == "pool_shrunk":
            # About the real class mean.
            if is_dask_rows(centred):
                pool_moment = weighted_scatter(centred, np.ones(len(centred))) / len(centred)
            else:
                pool_moment = centred.T @ centred / len(centred)
            distance = float(np.sum((target - pool_moment) ** 2))
            shrinkage = 1.0 if distance <= noise**2 else noise**2 / distance
            target = (1 - shrinkage) * target + shrinkage * pool_moment
            noise *= np.sqrt(1 - shrinkage)  # the expected error of the shrunk target
        return target, shrinkage, noise

    def _closest_distribution_gap(self, centred, target):
        """The smallest gap of any distribution over the pool rows (the relaxation at k=1)."""
        try:
            weights, _, _ = solve_relaxed(
                centred,
                target,
                1,
                solver=self._resolve_solver(centred),
                solver_options=self.solver_options,
            )
        except SolverFailedError:
            weights = np.ones(len(centred))
        return covariance_gap(centred, target, weights)

    def _solve_groups(self, groups):
        """With one job, the small classes' solves in lockstep, then the others in order.

        The small classes' interior points are batched (:func:`run_in_lockstep`): on many
        classes of a few hundred rows an iteration's fixed costs exceed its factorisation. Each
        class gets what it gets alone, so the selection is the same either way. Larger classes
        are solved one at a time, just before their selection (as in the base): all their
        solves at once would hold a centred copy of the whole pool.
        """
        if effective_n_jobs(self.n_jobs) != 1:
            return super()._solve_groups(groups)
        small = [
            index
            for index, group in enumerate(groups)
            if not is_dask_rows(group.pool) and len(group.pool) <= _LOCKSTEP_CLASS_ROWS
        ]
        solved = dict(
            zip(small, run_in_lockstep([self._solve_steps(groups[i]) for i in small]), strict=True)
        )
        return (
            solved.pop(index) if index in solved else self._solve_group(group)
            for index, group in enumerate(groups)
        )

    def _solve_group(self, group):
        """The target and the method's solve: everything but the draws (see the base)."""
        return run_alone(self._solve_steps(group))

    def _solve_steps(self, group):
        """:meth:`_solve_group` as a generator of its interior-point problems."""
        real, pool, n_select = group.real, group.pool, group.n_select
        real_mean = real.mean(axis=0)
        centred, real_centred = pool - real_mean, real - real_mean
        target, shrinkage, noise = self._target(real_centred, centred)
        if self.mixture:
            matched, normaliser = mixture_problem(real_centred, target, n_select)
        else:
            matched, normaliser = target, None
        solved = {
            "centred": centred,
            "real_centred": real_centred,
            "target": target,
            "shrinkage": shrinkage,
            "noise": noise,
            "matched": matched,
            "normaliser": normaliser,
            "n_select": n_select,
            "weights": None,
            "certificate": None,
            "selected": None,
            "n_swaps": 0,
            "entropy": {},
            "failure": None,
        }
        method = self.method
        if method == "entropy":
            radius = self.radius_scale * noise
            solution = solve_max_entropy(centred, target, radius)
            reached = solution.reached
            if not reached and radius > 0:
                # Out of the pool's reach (e.g. a singular target from fewer real rows than
                # dimensions): match as closely as the pool allows, plus the target's noise,
                # never closer: the floor is the closest distribution over the pool.
                radius += self._closest_distribution_gap(centred, target)
                solution = solve_max_entropy(centred, target, radius)
            solved["entropy"] = {
                "perplexity": solution.perplexity,
                "radius_reached": float(reached),
            }
            if radius > 0:
                solved["noise"] = radius / self.radius_scale
                if group.auto_amount:
                    n_select = int(np.clip(np.round(solution.perplexity), 1, len(pool)))
                solved.update(
                    n_select=n_select,
                    probabilities=solution.probabilities,
                    weights=n_select * solution.probabilities,
                )
            else:
                method = "relaxed"  # radius 0: the paper's exact matching
        if method == "relaxed":
            try:
                weights, certificate, _ = yield from relaxed_steps(
                    centred,
                    matched,
                    n_select,
                    solver=self._resolve_solver(pool),
                    solver_options=self.solver_options,
                    normaliser=normaliser,
                )
            except SolverFailedError as exc:
                solved["failure"] = exc  # warned about by _select_group, in the user's thread
                method = "greedy"
            else:
                solved.update(weights=weights, certificate=certificate)
                # A target matched exactly (e.g. a faithful pool's shrunk target): the optimal
                # face is large, so the seed, not the weights' last digits, picks the start,
                # which _select_group draws. Otherwise the rounding draws nothing.
                if certificate.objective > _REACHABLE_RTOL * np.linalg.norm(matched):
                    solved["selected"], solved["n_swaps"] = round_relaxed_weights(
                        centred, matched, weights, n_select, normaliser=normaliser
                    )
        if method == "greedy":
            # The mixture's greedy starts from the real rows (mean 0 in these coordinates).
            real_rows = (
                (np.zeros(real.shape[1]), real_centred.T @ real_centred, len(real))
                if self.mixture
                else None
            )
            # A Dask pool: the greedy (a pass per step) runs on candidate rows, gathered.
            rows, candidates = (
                _greedy_candidates(centred, n_select) if is_dask_rows(centred) else (None, centred)
            )
            nearest_to_mean = int(np.argmin(row_norms(candidates, squared=True)))
            selected = greedy_covariance_matching(
                candidates, target, n_select, start_index=nearest_to_mean, initial=real_rows
            )
            solved["selected"] = selected if rows is None else rows[selected]
        solved["method"] = method
        return solved

    def _select_group(self, group, random_state):
        solved = group.solved
        centred, real_centred = solved["centred"], solved["real_centred"]
        target, matched, normaliser = solved["target"], solved["matched"], solved["normaliser"]
        n_select, selected = solved["n_select"], solved["selected"]
        n_swaps, certificate = solved["n_swaps"], solved["certificate"]
        if solved["failure"] is not None:
            warn_solver_fallback(solved["failure"], "method='greedy'")
        if solved["method"] == "entropy":
            selected = gumbel_top_k(solved["probabilities"], n_select, random_state)
        elif selected is None:  # relaxed weights matching the target exactly
            selected, n_swaps = round_relaxed_weights(
                centred,
                matched,
                solved["weights"],
                n_select,
                normaliser=normaliser,
                random_state=random_state,
            )
        bound, duality_gap = np.nan, np.nan
        if solved["method"] == "relaxed":
            bound, duality_gap = certificate.lower_bound, certificate.duality_gap
        if solved["method"] != "relaxed" or np.isnan(bound):
            # The selection's own certificate: the Frank-Wolfe bound at its subset.
            certificate = certify(
                centred, matched, _indicator(len(centred), selected), normaliser=normaliser
            )

        draws = [
            random_state.choice(len(centred), n_select, replace=False)
            for _ in range(_N_RANDOM_DRAWS)
        ]
        measured = centred
        if is_dask_rows(centred):
            # The selected and the random rows in one gather: every gap is then in memory.
            gathered = np.unique(np.concatenate([selected, *draws]))
            measured = centred[gathered]
            selected_local = np.searchsorted(gathered, selected)
            draws = [np.searchsorted(gathered, draw) for draw in draws]
        else:
            selected_local = selected

        def gap(weights):
            if self.mixture:
                return mixture_gap(real_centred, measured, target, weights)
            return covariance_gap(measured, target, weights)

        selected_gap = gap(_indicator(len(measured), selected_local))
        random_gaps = [gap(_indicator(len(measured), draw)) for draw in draws]
        return GroupSelection(
            selected=selected,
            weights=solved["weights"],
            diagnostics={
                "covariance_gap": selected_gap,
                "random_covariance_gap": float(np.mean(random_gaps)),
                "relaxed_lower_bound": bound,
                "duality_gap": duality_gap,
                "certificate": max(selected_gap - certificate.lower_bound, 0.0),
                "target_norm": float(np.linalg.norm(target)),
                "n_swaps": n_swaps,
                "noise_radius": self.radius_scale * solved["noise"],
                "target_shrinkage": solved["shrinkage"],
                **solved["entropy"],
            },
            fitted={"target_covariance": target},
        )
