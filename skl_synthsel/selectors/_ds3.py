"""DS3: choose the pool rows that best represent the real rows under a row-sparsity penalty."""

from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from sklearn.utils._param_validation import Interval

from .._solvers import (
    SolverFailedError,
    nearest_dissimilarities,
    resolve_cvxpy_solver,
    solve_ds3,
)
from ..base import BaseSelector, GroupSelection
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike
from ..utils._warnings import warn_solver_fallback

# Above this many (pool row, real row) pairs per class, n_neighbors=None restricts each real
# row to its nearest pool rows: the exact linear program has one variable per pair.
_MAX_EXACT_PAIRS = 10_000
_AUTO_N_NEIGHBORS = 5
# Masses are rounded before ranking and counting: interior point solvers leave about 1e-5 of
# mass on many rows, and noise must not decide between equal masses.
_MASS_DECIMALS = 3


@fill_doc
class DS3Selector(BaseSelector):
    """Select the synthetic rows that best represent the real rows (DS3), per class.

    Dissimilarity-based sparse subset selection (Elhamifar et al., 2016) lets every real row be
    represented by pool rows at a cost, the squared Euclidean distance in the feature space,
    and penalises the number of pool rows used: it solves the linear program

    ``min lambda * sum_i max_j z_ij + sum_ij d_ij z_ij`` over ``z >= 0``, ``sum_i z_ij = 1``,

    with ``z_ij`` the share of real row ``j`` represented by pool row ``i``. A pool row's score is
    its representation mass ``sum_j z_ij``, the number of real rows it represents. The selector
    takes the quota of pool rows with the largest mass (rounded to ``1e-3``, the solver's
    accuracy); rows of equal mass, in particular the many rows of zero mass (DS3 uses at most
    about one row per real row, usually far fewer), follow by increasing distance to their
    nearest real row, then by pool order. So when the quota exceeds the representatives, the
    rest of the quota is the pool rows nearest the real rows.

    ``lambda = regularization * min_i sum_j d_ij``: a pool row becomes a representative only if
    it lowers the total dissimilarity by more than the fraction ``regularization`` of the cost
    of the best single representative. Larger values give fewer representatives.

    Read more in the :ref:`User Guide <ds3>`.

    Parameters
    ----------
    {pool}
    {n_select}
    regularization : float, default=0.01
        ``lambda`` relative to the cost of the best single representative, usually in
        ``(0, 1]``.
    n_neighbors : int or None, default=None
        How many pool rows may represent each real row at first: its ``n_neighbors`` nearest
        (the first in pool order among equal distances). The linear program then has
        about ``n_real * n_neighbors`` variables and twice as many constraints, instead of
        ``n_real * n_pool`` for the exact problem. Then up to 8 rounds of column generation
        add, each time, the 10 pool rows whose exclusion the program's dual prices highest,
        with the real rows they would serve more cheaply (at most ``10 * n_real`` pairs per
        round); each round also prices all ``n_pool * n_real`` pairs, from a copy of the distances
        computed once (at most 256 MiB; else recomputed in chunks each round).
        The dual also gives a lower bound on the exact optimum (``lower_bound_``), raised after
        the last round by maximising the Lagrangian dual near the last prices: when it equals
        ``objective_``, the restricted solution is exact (on ``benchmarks/bench_solvers.py``'s
        10-class pool the two are 0.2 to 0.6 % apart). ``None`` solves the exact
        problem for a class with at most 10,000 (pool row, real row) pairs and starts from 5
        neighbours above; an int at least the class's pool size gives the exact problem.
    solver : str, default="auto"
        The linear program's solver: ``"auto"`` or ``"clarabel"`` (Clarabel, called directly),
        or the name of any other installed cvxpy solver (through cvxpy). If it fails, the
        selector falls back, with a warning, to the pool rows nearest the real rows (the
        ranking of DS3 with zero mass everywhere).
    solver_options : dict or None, default=None
        For Clarabel, its settings (attributes of ``clarabel.DefaultSettings``), e.g.
        ``{"max_iter": 200}``; for another solver, keyword arguments for
        :meth:`cvxpy.Problem.solve`.
    {n_jobs}
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    scores_ : ndarray of shape (n_pool,)
        Representation mass of each pool row: within a class it sums to the number of real
        rows of that class (zero everywhere in a class whose solver failed).
    n_representatives_ : ndarray of shape (n_classes,)
        Per class (one entry for regression), the pool rows with mass of at least ``5e-4``.
    objective_ : ndarray of shape (n_classes,)
        The optimal value of the (restricted) linear program, in squared feature-space units:
        an upper bound on the exact DS3 optimum (NaN where the solver failed).
    lower_bound_ : ndarray of shape (n_classes,)
        A lower bound on the exact DS3 optimum, from the restricted problem's dual prices and
        a Lagrangian ascent from them.
    n_neighbors_ : ndarray of shape (n_classes,)
        The neighbourhood size used (the class's pool size for the exact problem).

    See Also
    --------
    KernelMeanMatchingSelector : Weight the pool rows to match the real rows' kernel mean.
    CovarianceMatchingSelector : Match the real rows' covariance.

    References
    ----------
    .. [1] E. Elhamifar, G. Sapiro and S. S. Sastry, "Dissimilarity-based sparse subset
       selection", IEEE Transactions on Pattern Analysis and Machine Intelligence, 2016.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from skl_synthsel import DS3Selector
    >>> from skl_synthsel.datasets import make_flawed_pool
    >>> X, y = load_wine(return_X_y=True)
    >>> X_pool, y_pool = make_flawed_pool(X, y, n_samples=900, random_state=0)
    >>> selector = DS3Selector((X_pool, y_pool), n_select=30).fit(X, y)
    >>> selector.sampling_strategy_
    {0: 10, 1: 12, 2: 8}
    >>> selector.n_representatives_.astype(int).tolist()  # pool rows that represent the rest
    [14, 15, 16]
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "regularization": [Interval(Real, 0, None, closed="neither")],
        "n_neighbors": [Interval(Integral, 1, None, closed="left"), None],
        "solver": [str],
        "solver_options": [dict, None],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        regularization: float = 0.01,
        n_neighbors: int | None = None,
        solver: str = "auto",
        solver_options: dict[str, Any] | None = None,
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
            regularization=regularization,
            n_neighbors=n_neighbors,
            solver=solver,
            solver_options=solver_options,
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

    def _cvxpy_solver(self):
        return "CLARABEL" if self.solver.lower() == "auto" else resolve_cvxpy_solver(self.solver)

    def _solve_group(self, group):
        """The whole selection: DS3 draws nothing at random (see the base)."""
        real, pool = group.real, group.pool
        n_neighbors = self.n_neighbors
        if n_neighbors is None:
            small = len(pool) * len(real) <= _MAX_EXACT_PAIRS
            n_neighbors = len(pool) if small else _AUTO_N_NEIGHBORS
        n_neighbors = min(n_neighbors, len(pool))
        failure = None
        try:
            mass, objective, lower_bound, nearest_real = solve_ds3(
                pool,
                real,
                self.regularization,
                n_neighbors=n_neighbors,
                solver=self._cvxpy_solver(),
                solver_options=self.solver_options,
            )
        except SolverFailedError as exc:
            failure = exc  # warned about by _select_group, in the user's thread
            mass, objective, lower_bound = np.zeros(len(pool)), np.nan, np.nan
            nearest_real = nearest_dissimilarities(pool, real)
        # lexsort: the last key is the primary one; it is stable, so pool order breaks ties.
        ranking = np.lexsort((nearest_real, -np.round(mass, _MASS_DECIMALS)))
        selection = GroupSelection(
            selected=ranking[: group.n_select],
            scores=mass,
            diagnostics={
                "n_representatives": int(np.sum(np.round(mass, _MASS_DECIMALS) > 0)),
                "objective": objective,
                "lower_bound": lower_bound,
                "n_neighbors": n_neighbors,
            },
        )
        return selection, failure

    def _select_group(self, group, random_state):
        selection, failure = group.solved
        if failure is not None:
            warn_solver_fallback(failure, "the pool rows nearest the real rows")
        return selection
