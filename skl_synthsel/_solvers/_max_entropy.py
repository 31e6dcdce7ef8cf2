"""Maximum-entropy covariance matching: match the target only as far as it is known.

Problem (one class; rows ``x_i`` centred on the real class mean, target ``C``, radius ``r``)::

    maximise   H(p) = -sum_i p_i log p_i
    subject to p >= 0,  sum_i p_i = 1,  || sum_i p_i x_i x_i^T - C ||_F <= r

``r`` is the target's own sampling error (the Ledoit-Wolf estimate from the real rows,
:func:`target_noise_radius`): a distribution closer to ``C`` than ``C`` is to the truth only copies
the real sample's noise. A faithful pool leaves the constraint slack, so ``p`` is uniform; a
distorted pool makes it bind, and ``p`` tilts toward the rows that restore the covariance.
``r -> 0`` is the paper's exact matching.

Dual. With a symmetric ``G`` (``d(d+1)/2`` numbers), the optimum is a Gibbs tilt
``p_i(G) ∝ exp(-x_i^T G x_i)`` and ``G`` minimises the convex function::

    D(G) = log sum_i exp(-x_i^T G x_i) + <G, C> + r ||G||_F,
    grad D(G) = C - sum_i p_i(G) x_i x_i^T + r G / ||G||_F

so each evaluation is one pass over the pool: the quadratic forms ``x_i^T G x_i`` (``O(N d^2)``)
and the weighted scatter (``O(N d^2)``). ``G = 0`` (the uniform distribution) is optimal exactly
when the pool's own second moment is within ``r`` of ``C``: that is checked first, in one pass.
Otherwise L-BFGS solves the dual, which is smooth away from 0. If the radius cannot be met (the
target is out of the pool's reach), the dual is unbounded below; the solver stops when the
primal residual no longer falls and reports ``reached=False``: the caller then falls back to the
closest distribution (the relaxed problem).
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

from ..utils._dask import is_dask_rows
from ._chunked import quadratic_forms, weighted_scatter

# Iterations of L-BFGS on the dual; each is about one pass over the pool.
_MAX_ITER = 200


@dataclass(frozen=True)
class MaxEntropySolution:
    """The maximum-entropy distribution over a class's pool rows.

    Attributes
    ----------
    probabilities : ndarray of shape (n_rows,)
        ``p``, summing to 1.
    residual : float
        ``||sum_i p_i x_i x_i^T - C||_F``: at most ``radius`` when ``reached``.
    radius : float
        The radius asked for.
    reached : bool
        Whether the radius was met.
    perplexity : float
        ``exp(H(p))``: the effective number of rows of ``p`` (the pool size when uniform).
    n_passes : int
        Passes over the pool.
    """

    probabilities: np.ndarray
    residual: float
    radius: float
    reached: bool
    perplexity: float
    n_passes: int


def target_noise_radius(real_centred, target, *, include_mean=True):
    """The target's sampling error ``r``: how far the truth's moment may be from the target.

    ``sqrt(beta^2)`` with ``beta^2 = (1/n^2) sum_i ||z_i z_i^T - C||_F^2`` (``z_i`` the real rows
    about their mean, ``C`` their covariance, ``ddof=0``) is the Ledoit-Wolf estimate of the
    expected squared Frobenius distance of the empirical covariance from the true one (Ledoit
    and Wolf, 2004, Lemma 3.3). Pool rows are compared about the real class *mean*, itself off
    the true mean ``mu`` by about ``||mu - m||^2 = tr(C) / n`` in expectation, which adds the
    rank-one term ``(mu - m)(mu - m)^T`` to the truth's second moment about ``m``. With
    ``include_mean`` the radius adds it (triangle inequality): a pool drawn from the truth is
    then within ``r`` of the target in about as many cases as not.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=(100, 3))
    >>> z -= z.mean(axis=0)
    >>> r = target_noise_radius(z, z.T @ z / 100, include_mean=False)
    >>> bool(0.1 < r < 0.5)  # the true error of a 3x3 identity from 100 rows is about 0.3
    True
    """
    n_rows = len(real_centred)
    if n_rows == 0:
        return 0.0
    # ||z z^T - C||^2 = ||z||^4 - 2 z^T C z + ||C||^2, without forming d x d per row.
    squared_norms = np.einsum("ij,ij->i", real_centred, real_centred)
    forms = np.einsum("ij,jk,ik->i", real_centred, target, real_centred)
    per_row = squared_norms**2 - 2.0 * forms + float(np.sum(target * target))
    radius = float(np.sqrt(max(per_row.sum(), 0.0)) / n_rows)
    if include_mean:
        radius += float(np.trace(target)) / n_rows
    return radius


def _gibbs(rows, G):
    if is_dask_rows(rows):
        log_total, _, log_weights = _dask_evaluate(rows, G, want_log_weights=True)
        log_weights -= log_total
        return np.exp(log_weights), log_weights
    log_weights = -quadratic_forms(rows, G)
    log_weights -= logsumexp(log_weights)
    return np.exp(log_weights), log_weights


def _block_evaluate(block, G, want_log_weights):
    """One block's part of the dual: its log-sum-exp and its scatter, exponents shifted."""
    log_weights = -quadratic_forms(block, G)
    peak = float(log_weights.max())
    shifted = np.exp(log_weights - peak)
    return (
        peak,
        float(shifted.sum()),
        weighted_scatter(block, shifted),
        (log_weights if want_log_weights else None),
    )


def _dask_evaluate(rows, G, *, want_log_weights=False):
    """``log sum exp(-x'Gx)``, the Gibbs second moment (and the log-weights): one pass."""
    parts = rows.blockwise(_block_evaluate, G=G, want_log_weights=want_log_weights)
    logs = np.array([peak + np.log(total) for peak, total, _, _ in parts])
    log_total = float(logsumexp(logs))
    moment = np.zeros_like(G)
    for peak, _, scatter, _ in parts:  # in block order
        moment += np.exp(peak - log_total) * scatter
    moment = (moment + moment.T) / 2
    log_weights = np.concatenate([part[3] for part in parts]) if want_log_weights else None
    return log_total, moment, log_weights


def _block_uniform(block, weight):
    return weighted_scatter(block, np.full(len(block), weight)), float(
        np.einsum("ij,ij->", block, block)
    )


def _perplexity(probabilities, log_probabilities):
    positive = probabilities > 0
    entropy = -float(np.sum(probabilities[positive] * log_probabilities[positive]))
    return float(np.exp(entropy))


def solve_max_entropy(rows, target, radius):
    """The maximum-entropy distribution over ``rows`` whose second moment is within ``radius``.

    Parameters
    ----------
    rows : ndarray of shape (n_rows, d)
        The pool rows, centred on the real class mean (float64, C order), or a
        :class:`~skl_synthsel.utils._dask.DaskRows`: each dual evaluation is then one pass
        (every block returns its log-sum-exp and its scatter).
    target : ndarray of shape (d, d)
        The target covariance.
    radius : float
        The radius ``r >= 0`` (Frobenius).

    Returns
    -------
    solution : MaxEntropySolution
    """
    dask = is_dask_rows(rows)
    if not dask:
        rows = np.ascontiguousarray(rows, dtype=np.float64)
    n_rows, d = rows.shape
    uniform = np.full(n_rows, 1.0 / n_rows)
    if dask:  # the uniform moment and the spread in one pass
        parts = rows.blockwise(_block_uniform, weight=1.0 / n_rows)
        uniform_moment = sum(part[0] for part in parts)
        uniform_moment = (uniform_moment + uniform_moment.T) / 2
        spread = max(sum(part[1] for part in parts) / n_rows, 1e-12)
    else:
        uniform_moment = weighted_scatter(rows, uniform)
    residual = float(np.linalg.norm(uniform_moment - target))
    if residual <= radius:
        return MaxEntropySolution(uniform, residual, radius, True, float(n_rows), 1)

    upper = np.triu_indices(d)
    scale = np.where(upper[0] == upper[1], 1.0, 2.0)  # <G, S> over the upper triangle
    target_upper = target[upper]
    # Scale the dual by the pool's spread so that L-BFGS starts near unit steps.
    if not dask:
        spread = max(float(np.mean(np.einsum("ij,ij->i", rows, rows))), 1e-12)
    passes = [1]
    best = {"residual": residual, "g": np.zeros(len(target_upper))}

    def unpack(g):
        G = np.zeros((d, d))
        G[upper] = g
        return G + np.triu(G, 1).T

    def dual(g_scaled):
        g = g_scaled / spread
        G = unpack(g)
        if dask:
            log_total, moment, _ = _dask_evaluate(rows, G)
        else:
            log_weights = -quadratic_forms(rows, G)
            log_total = logsumexp(log_weights)
            probabilities = np.exp(log_weights - log_total)
            moment = weighted_scatter(rows, probabilities)
        passes[0] += 1
        norm_G = float(np.linalg.norm(G))
        value = log_total + float(np.sum(G * target)) + radius * norm_G
        gradient = target - moment
        if norm_G > 0:
            gradient = gradient + radius * G / norm_G
        res = float(np.linalg.norm(moment - target))
        if res < best["residual"]:
            best.update(residual=res, g=g.copy())
        return value, scale * gradient[upper] / spread

    # A first step along the steepest descent of the smooth part, away from the kink at 0.
    _, start_gradient = dual(np.zeros(len(target_upper)))
    start = -start_gradient / max(float(np.linalg.norm(start_gradient)), 1e-300)
    minimize(
        dual,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": _MAX_ITER, "gtol": 1e-9, "ftol": 1e-13},
    )
    if dask:  # the distribution and its moment in one pass
        log_total, moment, log_probabilities = _dask_evaluate(
            rows, unpack(best["g"]), want_log_weights=True
        )
        log_probabilities -= log_total
        probabilities = np.exp(log_probabilities)
    else:
        probabilities, log_probabilities = _gibbs(rows, unpack(best["g"]))
        moment = weighted_scatter(rows, probabilities)
    residual = float(np.linalg.norm(moment - target))
    reached = residual <= radius * (1 + 1e-3)
    return MaxEntropySolution(
        probabilities,
        residual,
        radius,
        bool(reached),
        _perplexity(probabilities, log_probabilities),
        passes[0] + 1,
    )


def gumbel_top_k(probabilities, k, random_state):
    """Draw ``k`` distinct rows without replacement with probabilities ``p`` (Gumbel-top-k).

    Rows of zero probability come last; ties (equal keys) go to the earlier row.
    """
    with np.errstate(divide="ignore"):
        keys = np.log(probabilities) + random_state.gumbel(size=len(probabilities))
    return np.argsort(-keys, kind="stable")[:k]
