"""The paper's exact forward greedy for covariance matching.

Full steps. A step scores every candidate from three inner products with the pool (below), so
it reads the pool once: ``O(N d)`` flops, but the pass is bound by memory bandwidth, not by
arithmetic (measured: a ``3 x d`` by ``d x N`` product runs at about 1 GFlop/s). The step therefore
reads a float32 copy of the pool, laid out ``d x N`` (half the bytes of the float64 rows, and a
contiguous operand for the product), which ranks the candidates up to a rounding error that is
bounded explicitly; the few candidates within twice that bound of the smallest float32 score
(measured: 1 to 6 of 100,000) are then scored again in float64 from their rows, and the
smallest float64 score wins.

Lazy steps. A step moves the selection's mean and covariance by ``O(1/n)``, and a row's score
can fall by no more than an explicit amount that depends on the row through its distance from
the mean alone (:func:`score_lower_bound`): the covariance's change enters only through its
least eigenvalue, which stays small when the ranking is stable (a target out of the pool's
reach, the paper's setting). A full step therefore keeps a share of the rows, those of least
score, and the steps after it score only them, exactly; the other rows, binned by distance,
each bin with its least score, are bounded: the lazy step stands only if no bin can reach the
best kept row. Otherwise a full step runs, applies the skipped rank-one terms, and starts
again. When the target is within reach, each step re-ranks the rows, the bound fails at once,
and the greedy backs off to full steps (a snapshot every up to 64 of them).

The selection is the float64 greedy's, ties included (the lowest index wins), either way.
Invariants: every candidate's float32 score is within ``error`` of its exact score (the bound
accumulates the rank-one updates' rounding over the steps), so the exact best is always on the
shortlist; a selected row's ``x' C x`` is set to ``-inf``, which makes its score ``+inf``.
"""

import numpy as np

from ._chunked import quadratic_forms

_EPS32 = float(np.finfo(np.float32).eps)
_EPS64 = float(np.finfo(np.float64).eps)
# Lazy steps: pools from this many rows; the rows kept, from an eighth to 1/1024 of them
# (adapted to the phases' lengths); bins of the rows not kept, by squared distance.
_LAZY_FROM_ROWS = 2000
_KEPT_SHARES = (8, 1024)
_BINS = 128
# A snapshot costs about two full steps: one that paid for fewer than eight lazy steps
# doubles the full steps before the next (up to 64).
_MAX_BACKOFF = 64
_PAYING_PHASE = 8
# Rank-one terms applied per pass over the pool (the float32 products' buffer rows); past
# this many, x' W x is computed again from W (measured: about the cost of 32 terms).
_BLOCK = 8
_RECOMPUTE_FROM = 32


def greedy_covariance_matching(X, target, k, *, start_index=0, initial=None):
    """Forward greedy: add the row that minimises ``||cov(S + {x}) - target||_F``, ``k`` times.

    ``cov`` is the sample covariance of the selected rows about their own mean with ``ddof=0``
    (the maximum-likelihood estimate, as :class:`sklearn.covariance.EmpiricalCovariance`). With the
    running mean ``m`` and scatter ``W`` of the ``n`` rows chosen so far, a candidate ``x`` with
    ``u = x - m`` gives ``W' = W + n/(n+1) u u^T`` and

        ||W'/(n+1) - C||^2 = ||A||^2 + 2 c u^T A u + c^2 ||u||^4,  A = W/(n+1) - C, c = n/(n+1)^2.

    Every term is kept per candidate and updated in ``O(d)`` per step (``u^T W u`` changes by a
    rank-one term), so a full step costs ``O(N d)`` instead of ``O(N d^2)``: one read of a
    float32 copy of ``X``. Candidates are ranked by ``u^T A u + (c/2) ||u||^4`` (the score
    divided by ``2c``); those within the float32 rounding bound of the smallest are scored again
    in float64 from their rows, so the choice is the float64 one. Lazy steps (see the module
    docstring) read only a share of the rows and give the same choice.

    Parameters
    ----------
    X : ndarray of shape (n_rows, d)
        Candidate rows (any centre; centring near the target's mean improves rounding error).
    target : ndarray of shape (d, d)
        Target covariance.
    k : int
        Number of rows to select.
    start_index : int, default=0
        The first row: with one row the covariance is zero whatever the row, so the criterion
        cannot choose it. The selectors pass the row nearest the real mean. Unused when
        ``initial`` holds rows.
    initial : tuple (mean, scatter, count) or None
        Rows the selection starts from, for the mixture variant (real rows plus selected rows
        matched to the target): their mean, scatter about that mean (``sum (v - mean)(v -
        mean)^T``) and number, in the coordinates of ``X``. ``None`` starts from no rows.

    Returns
    -------
    selected : ndarray of shape (k,)
        Row indices in the order they were added. Ties (equal float64 scores, e.g. duplicated
        rows) go to the lowest index.
    """
    greedy = _Greedy(X, target, initial)
    selected = np.empty(k, dtype=np.intp)
    snapshot, wait, backoff = None, 0, 1
    for step in range(k):
        best = None
        if greedy.n_chosen == 0:
            best = start_index
        elif snapshot is not None:
            best = snapshot.best(greedy)
            if best is None:  # a row not kept could be the best: the phase ends
                if snapshot.n_lazy_steps >= _PAYING_PHASE:
                    wait, backoff = 0, 1
                else:
                    backoff = min(2 * backoff, _MAX_BACKOFF)
                    wait = backoff
                # A phase of L lazy steps on N / share kept rows costs about 2 N (a full step
                # and a snapshot) + L N / share: per step N (2 / L + 1 / share), least near
                # L = 2 share. Short phases keep more rows next time, long ones fewer.
                share, length = greedy.kept_share, snapshot.n_lazy_steps
                if length < share:
                    greedy.kept_share = max(share // 2, _KEPT_SHARES[0])
                elif length > 4 * share:
                    greedy.kept_share = min(share * 2, _KEPT_SHARES[1])
                snapshot = None
        if best is None:
            take_snapshot = wait == 0 and greedy.n_rows >= _LAZY_FROM_ROWS
            best, snapshot = greedy.full_step(take_snapshot)
            wait = max(wait - 1, 0)
        greedy.add(best)
        if snapshot is not None:
            snapshot.take(best)
        selected[step] = best
    return selected


class _Greedy:
    """The greedy's running state: the chosen rows' mean and scatter, per-row terms."""

    def __init__(self, X, target, initial):
        self.X = np.asarray(X, dtype=np.float64)
        self.target = np.asarray(target, dtype=np.float64)
        self.n_rows, d = self.X.shape
        self.columns = np.ascontiguousarray(self.X.T, dtype=np.float32)  # what a pass reads
        self.squared_norm = np.einsum("ij,ij->i", self.X, self.X)
        # x' C x; -inf once x is selected (its score becomes +inf).
        self.target_quad = np.einsum("ij,ij->i", self.X @ self.target, self.X)
        self.radius = float(np.sqrt(self.squared_norm.max())) if self.n_rows else 0.0
        if initial is None or initial[2] == 0:
            self.mean, self.scatter, self.n_chosen = np.zeros(d), np.zeros((d, d)), 0
            self.scatter_quad = np.zeros(self.n_rows)  # x' W x, updated by rank-one terms
        else:
            self.mean = np.array(initial[0], dtype=float)
            self.scatter = np.array(initial[1], dtype=float)
            self.n_chosen = int(initial[2])
            self.scatter_quad = np.einsum("ij,ij->i", self.X @ self.scatter, self.X)
        # The rank-one terms (u, weight) not yet added to scatter_quad: the last step's, or
        # every lazy step's since the last full step.
        self.pending = []
        self.n_selected = 0  # pool rows chosen (n_chosen also counts the initial rows)
        self.kept_share = 16  # a lazy phase's kept rows: n_rows / kept_share
        self.drift = 0.0  # minus the least eigenvalue of cov_t - cov_s at the last lazy step
        # |fl32(x . v) - x . v| <= product_error * ||v|| for every row x: d roundings in the
        # sum (a generous count for any summation order) and the rounding of x and v to float32.
        self.product_error = (d + 4) * _EPS32 * self.radius
        self.scatter_error = 0.0  # bound on |scatter_quad - x' W x| over the rows
        # Every array a step writes is allocated once: a fresh array of this size is fresh
        # pages, and faulting them in cost as much as the step's product (measured: 2.1 ms
        # against 1.2).
        self.vectors = np.empty((_BLOCK, d), dtype=np.float32)
        self.products = np.empty((_BLOCK, self.n_rows), dtype=np.float32)
        self.squares = np.empty(self.n_rows)
        self.score = np.empty(self.n_rows)
        self.u_norm2 = np.empty(self.n_rows)
        self.near_lowest = np.empty(self.n_rows, dtype=bool)

    def step_terms(self):
        """``A = W/(n+1) - C`` and ``c/2`` of the current step."""
        n = self.n_chosen
        return self.scatter / (n + 1) - self.target, n / (n + 1) ** 2 / 2

    def largest_u2(self):
        """A bound on every candidate's ``||x - m||^2``."""
        return (self.radius + float(np.linalg.norm(self.mean))) ** 2

    def rounding_slack(self, lowest, A, half_c):
        """Generous float64 rounding of expanded scores: about 1e-16 of their size, times 1e4."""
        largest = self.largest_u2()
        return 1e-12 * (
            abs(lowest) + largest * (float(np.abs(A).max()) * len(A) + 1) + half_c * largest**2
        )

    def exact_scores(self, rows, A, half_c):
        """``u'Au + (c/2) ||u||^4`` in float64 from the rows themselves: the scores that decide."""
        centred = self.X[rows] - self.mean
        exact = np.einsum("ij,ij->i", centred @ A, centred)
        exact += half_c * np.einsum("ij,ij->i", centred, centred) ** 2
        return exact

    def _add_rank_one_terms(self, products, weights):
        """``scatter_quad += w (x . u)^2`` from float32 products, and the bound on its error."""
        for row, weight in zip(products, weights, strict=True):
            self.squares[:] = row
            self.squares *= self.squares
            self.squares *= weight
            self.scatter_quad += self.squares
        # Each term w (x.u)^2 with x.u off by e = product_error ||u||: off by at most
        # w (2 |x.u| e + e^2), |x.u| <= radius ||u||; float32 rounding of the square aside.
        e, r = self.product_error, self.radius
        for u, weight in self.pending[: len(weights)]:
            self.scatter_error += weight * float(u @ u) * (2 * r * e + e**2 + 2 * _EPS32 * r**2)
        del self.pending[: len(weights)]

    def recompute_scatter_quad(self):
        """``x' W x`` from ``W`` itself, in float64: after a long lazy phase, cheaper than the
        skipped rank-one terms one by one."""
        quadratic_forms(self.X, self.scatter, out=self.scatter_quad)
        self.scatter_error = (
            2
            * (self.X.shape[1] + 2)
            * _EPS64
            * float(np.linalg.norm(self.scatter))
            * self.radius**2
        )
        self.pending.clear()

    def full_step(self, take_snapshot):
        """Score every row from one pass over the pool; return the best and a snapshot or None."""
        n = self.n_chosen
        A, half_c = self.step_terms()
        A_mean = A @ self.mean
        step_vectors = [2 * A_mean, 2 * self.mean]  # scaled by 2, which is exact
        if len(self.pending) > _RECOMPUTE_FROM:
            self.recompute_scatter_quad()
        # Rank-one terms in blocks; the last block also holds the step's vectors.
        n_head = max(len(self.pending) - (_BLOCK - len(step_vectors)), 0)
        while n_head > 0:
            size = min(_BLOCK, n_head)
            self.vectors[:size] = [u for u, _ in self.pending[:size]]
            np.matmul(self.vectors[:size], self.columns, out=self.products[:size])
            self._add_rank_one_terms(self.products[:size], [w for _, w in self.pending[:size]])
            n_head -= size
        n_tail = len(self.pending)
        size = n_tail + len(step_vectors)
        self.vectors[:size] = [u for u, _ in self.pending] + step_vectors
        products = self.products[:size]
        np.matmul(self.vectors[:size], self.columns, out=products)
        self._add_rank_one_terms(products[:n_tail], [w for _, w in self.pending])
        step_products = products[n_tail:]
        # score / (2c) = u'Au + (c/2) ||u||^4, with u'A u and ||u||^2 expanded in x.
        score, u_norm2 = self.score, self.u_norm2
        np.multiply(self.scatter_quad, 1.0 / (n + 1), out=score)
        score -= self.target_quad
        score -= step_products[0]
        score += self.mean @ A_mean
        np.subtract(self.squared_norm, step_products[1], out=u_norm2)
        u_norm2 += self.mean @ self.mean
        quad = score.copy() if take_snapshot else None  # u'Au
        np.multiply(u_norm2, u_norm2, out=self.squares)
        self.squares *= half_c
        score += self.squares
        lowest = float(score.min())
        norm_error = 2 * self.product_error * float(np.linalg.norm(self.mean))  # of ||u||^2
        largest_u2 = self.largest_u2()
        error = (
            self.scatter_error / (n + 1)
            + 2 * self.product_error * float(np.linalg.norm(A_mean))
            + half_c * (2 * largest_u2 * norm_error + norm_error**2)
            + self.rounding_slack(lowest, A, half_c)
        )
        np.less_equal(score, lowest + 2 * error, out=self.near_lowest)
        shortlist = np.flatnonzero(self.near_lowest)
        # argmin: the lowest index of equal scores (the shortlist is in index order).
        best = int(shortlist[np.argmin(self.exact_scores(shortlist, A, half_c))])
        if not take_snapshot:
            return best, None
        snapshot = _Snapshot(self, score, quad - error, u_norm2, norm_error, A)
        return best, snapshot

    def add(self, best):
        """Add row ``best`` to the selection."""
        n = self.n_chosen
        u = self.X[best] - self.mean
        weight = n / (n + 1)
        self.scatter += weight * np.outer(u, u)
        # x'W'x = x'Wx + weight * (u.x)^2: applied in the next full step's pass over X.
        self.pending.append((u, weight))
        self.mean += u / (n + 1)
        self.target_quad[best] = -np.inf
        self.n_chosen, self.n_selected = n + 1, self.n_selected + 1


def score_lower_bound(quad, rho_high, rho4_low, A_start, delta, least, half_c):
    """A lower bound on ``u'A_t u + (c_t/2) ||u||^4`` from a row's terms at an earlier step.

    ``quad = v'A_s v`` (from below), ``rho_high`` and ``rho4_low`` bound ``||v||`` and
    ``||v||^4`` with ``v = x - m_s``; ``delta = m_t - m_s``; ``least`` is at most the least
    eigenvalue of ``cov_t - cov_s`` (see :class:`_Snapshot`); ``half_c = c_t / 2``.
    """
    shift = float(np.sqrt(delta @ delta))
    A_delta = A_start @ delta
    bound = quad + float(delta @ A_delta)
    bound -= 2 * float(np.sqrt(A_delta @ A_delta)) * rho_high
    bound += min(least, 0.0) * (rho_high + shift) ** 2
    bound += half_c * (rho4_low - 4 * shift * rho_high**3)
    return bound


class _Snapshot:
    """A full step's kept rows, scored exactly later, and the bound for the rows not kept.

    ``A = cov - C`` changes by the selection's change of covariance, so at a later step ``t``
    with ``delta = m_t - m_s``, ``u = v - delta``, ``v = x - m_s``, ``rho = ||v||`` and
    ``q = v'A_s v`` of the full step ``s``, and ``mu`` the least eigenvalue of
    ``cov_t - cov_s`` (or 0):

        u'A_t u = u'A_s u + u'(cov_t - cov_s)u
                >= q - 2 rho ||A_s delta|| + delta'A_s delta + mu (rho + ||delta||)^2,
        (c_t/2) ||u||^4 >= (c_t/2) (rho^4 - 4 rho^3 ||delta||)   (convexity of y^4).

    On the paper's problem ``mu`` stays small (measured: -0.01 after 250 steps from 2,000 rows,
    where ``||cov_t - cov_s||`` is a hundred times more). The rows of least score are kept (a
    share, see ``_KEPT_SHARES``) and scored exactly at each later step, as a full step does but
    on them alone; the others are binned by ``rho^2``, each bin keeps its least ``q``, and the
    bound's other terms are taken at the bin's worst ``rho``: below every row of the bin.
    """

    def __init__(self, greedy, score, quad_low, u_norm2, norm_error, A):
        self.n_chosen = greedy.n_chosen
        n_available = greedy.n_rows - greedy.n_selected  # chosen rows score +inf
        n_kept = max(n_available // greedy.kept_share, 1)
        # Kept: the least scores less the drop that the last phase's least eigenvalue would
        # give (far rows fall the most), so that the bins hold out as long as they did then.
        ranking = score - greedy.drift * u_norm2 if greedy.drift else score
        order = np.argpartition(ranking, n_kept - 1)
        kept, rest = np.sort(order[:n_kept]), order[n_kept:]
        self.rows, self.X = kept, greedy.X[kept]
        self.squared_norm = greedy.squared_norm[kept]
        self.target_quad = greedy.target_quad[kept]
        self.scatter_quad = quadratic_forms(self.X, greedy.scatter)
        # The rows not kept, in bins of equal width in rho^2 (from above, with its rounding).
        rho2_high = u_norm2[rest] + norm_error
        width = max(float(rho2_high.max(initial=0.0)), 1e-300) / _BINS
        bins = np.minimum((rho2_high / width).astype(np.intp), _BINS - 1)
        self.bin_quad = np.full(_BINS, np.inf)
        np.minimum.at(self.bin_quad, bins, quad_low[rest])
        self.bin_rho_high = np.sqrt(np.arange(1, _BINS + 1) * width) * (1 + 1e-12)
        bin_rho2_low = np.arange(_BINS) * width * (1 - 1e-12) - 2 * norm_error
        self.bin_rho4_low = np.maximum(bin_rho2_low, 0.0) ** 2
        self.mean, self.A = greedy.mean.copy(), A
        self.covariance = greedy.scatter / (greedy.n_chosen + 1)
        self.vectors = np.empty((len(A), 3))
        self.n_lazy_steps = 0

    def best(self, greedy):
        """The best unselected row at this step, or None (a full step is due)."""
        n = greedy.n_chosen
        A, half_c = greedy.step_terms()
        mean = greedy.mean
        A_mean = A @ mean
        # The kept rows' scores, expanded as in a full step, in float64, with the last row's
        # rank-one term (u, weight) in the same product.
        u, weight = greedy.pending[-1]
        self.vectors[:, 0], self.vectors[:, 1], self.vectors[:, 2] = u, 2 * A_mean, 2 * mean
        products = self.X @ self.vectors
        self.scatter_quad += weight * products[:, 0] ** 2
        score = self.scatter_quad / (n + 1) - self.target_quad - products[:, 1]
        score += mean @ A_mean
        score += half_c * (self.squared_norm - products[:, 2] + mean @ mean) ** 2
        lowest = float(score.min())
        if not np.isfinite(lowest):
            return None  # every kept row is chosen
        slack = greedy.rounding_slack(lowest, A, half_c)
        shortlist = self.rows[score <= lowest + 2 * slack]
        exact = greedy.exact_scores(shortlist, A, half_c)
        position = int(np.argmin(exact))  # the lowest index of equal scores
        lowest = float(exact[position])
        # The rows not kept: each bin's bound must stay above the best.
        delta = mean - self.mean
        change = greedy.scatter / (n + 1) - self.covariance
        # eigvalsh's rounding: a few eps of the matrix's norm, generously.
        least = float(np.linalg.eigvalsh(change)[0]) - 1e-12 * float(np.linalg.norm(change))
        greedy.drift = max(-least, 0.0)
        bound = score_lower_bound(
            self.bin_quad, self.bin_rho_high, self.bin_rho4_low, self.A, delta, least, half_c
        )
        if np.any(bound - slack <= lowest):
            return None
        self.n_lazy_steps += 1
        return int(shortlist[position])

    def take(self, row):
        """Row ``row`` was just added: its score becomes ``+inf``."""
        position = np.searchsorted(self.rows, row)
        if position < len(self.rows) and self.rows[position] == row:
            self.target_quad[position] = -np.inf
