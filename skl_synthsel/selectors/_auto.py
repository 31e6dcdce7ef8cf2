"""The recommended selection: which rows and how many, from the data alone."""

from numbers import Integral, Real
from typing import Any, Literal

from sklearn.utils._param_validation import HasMethods, Interval

from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike
from ._covariance_matching import CovarianceMatchingSelector
from ._learning_dynamics import LearningDynamicsSelector
from ._sequential import SequentialSelector
from ._verifier import VerifierSelector

# Rows per real row the verifier keeps when the pool's labels are unreliable (n_select="auto").
_VERIFIED_RATIO = 2.0


@fill_doc
class AutoSelector(SequentialSelector):
    """Which synthetic rows to add, and how many, decided from the data: the recommended selector.

    Use it when you do not know your generator's flaws. It needs nothing but the pool:

    1. **Curation** (:class:`LearningDynamicsSelector`, classification only): a gradient-boosted
       model fit on the real rows follows each pool row's own-label probability over its
       boosting stages and drops the "hard" rows, those whose label the real rows confidently
       contradict (Seedat et al., ICML 2024; Data-IQ, NeurIPS 2022). Wrong labels, the common
       flaw of LLM-written and poorly trained generators, are what per-class statistics cannot
       see. Calibrated (``drop="excess"``): a model fit on few real rows finds some correct
       rows hard too, so only the pool's excess over the real rows' own cross-fitted hard share
       is dropped, and a faithful pool is left almost whole.
    2. **Matching within the target's noise** (:class:`CovarianceMatchingSelector` with
       ``method="entropy"``) on the rows kept: the maximum-entropy distribution over them whose
       covariance is within the real rows' own sampling error of their covariance. A faithful
       pool is within that radius, so the distribution is uniform; a distorted one is tilted
       toward the rows that repair its covariance.
    3. **The amount** (``n_select="auto"``): the effective number of rows of that distribution,
       ``exp(H(p))``: the whole (curated) pool when it is as close to the real rows as they are
       to the truth, fewer the more the pool must be tilted. On faithful pools the amount is
       what helps (more rows), on distorted ones the tilt is.

    **Unreliable labels.** The curation also estimates the share of the pool's labels that are
    wrong (``label_noise_``, see :class:`LearningDynamicsSelector`). Above
    ``label_noise_tolerance`` the rows it keeps still carry too many wrong labels near the
    class boundaries, where a linear model is most sensitive (on the benchmark, 3-8 % of the
    kept rows of a pool with 25 % wrong labels; with a linear model that cost 0.01-0.03
    accuracy against the real rows alone). Step 2 is then replaced: only the rows whose label
    a verifier fit on the real rows confirms most confidently are added
    (:class:`VerifierSelector`, logistic regression), 2 per real row with
    ``n_select="auto"``. They lie far from the real rows' decision boundary, so they cannot
    move it much, and still give trees and boosted models more rows.

    Pass ``n_select`` to fix the amount instead, e.g. in a
    :class:`~sklearn.model_selection.GridSearchCV` over ``[0, 1.0, 2.0, "auto", "all"]``
    validated on real rows. For regression the curation step is skipped.

    Read more in the :ref:`User Guide <selectors>`.

    Parameters
    ----------
    {pool}
    n_select : int, float, dict, "all" or "auto", default="auto"
        The amount after curation; ``"auto"`` as above.
    estimator : classifier or None, default=None
        The curation's boosted model (see :class:`LearningDynamicsSelector`); None means
        50 stages of depth-3 trees at learning rate 0.2 (histogram gradient boosting).
    label_noise_tolerance : float in [0, 1], default=0.15
        The estimated share of wrong labels above which only verified rows are added; 1
        never switches. On five of the benchmark's six tables (25-60 real rows per class) the
        estimate stayed at or below 0.152 on faithful pools (two of their 120 cells above 0.15)
        and at or above 0.158 on pools with 25 % wrong labels; on the hardest (``fair``,
        accuracy about 0.7) the two overlap (faithful up to 0.219, wrong labels down to 0.172),
        see :ref:`benchmark_auto_six_tables`.
    n_jobs : int or None, default=None
        Jobs in threads, for each step: the curation's boosted models, then the matching's
        classes. ``None`` means 1 unless in a :func:`joblib.parallel_config` context; ``-1``
        means all processors. The selection does not depend on it.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    steps_ : list of selectors
        The fitted steps: the curation (classification only), then the matching.
    kept_indices_ : list of ndarray
        Per step, the positions in ``X_pool_`` of the rows it kept.
    label_noise_ : float
        The curation's estimate of the share of the pool's labels that are wrong (NaN for
        regression, which is not curated).
    strategy_ : {"match", "verify"}
        ``"match"``: curation then matching within the target's noise; ``"verify"``: the
        labels were unreliable and the verified rows were added.

    See Also
    --------
    SequentialSelector : Any selectors in sequence.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.mixture import GaussianMixture
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skl_synthsel import AutoSelector, ClassConditionalSampler, make_pipeline
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> generator = ClassConditionalSampler(GaussianMixture(), random_state=0)
    >>> model = make_pipeline(AutoSelector(generator, random_state=0), StandardScaler(),
    ...                       LogisticRegression())
    >>> model.fit(X[:100], y[:100]).score(X[100:], y[100:]) > 0.9
    True
    """

    _parameter_constraints = {
        **{
            key: value
            for key, value in SequentialSelector._parameter_constraints.items()
            if key != "steps"
        },
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "label_noise_tolerance": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = "auto",
        estimator: Any | None = None,
        label_noise_tolerance: float = 0.15,
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
            estimator=estimator,
            label_noise_tolerance=label_noise_tolerance,
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

    def _fit_selection(self, X, X_checked, y_labels, X_pool, pool_checked, y_pool, real_info):
        shared = {
            "n_components": self.n_components,
            "feature_map": self.feature_map,
            "match_target": self.match_target,
        }
        matching = CovarianceMatchingSelector(
            None, method="entropy", target="empirical", n_jobs=self.n_jobs, **shared
        )
        if real_info["task_"] != "classification":
            attributes = self._run_steps([matching], X, y_labels, X_pool, y_pool, real_info)
            return {**attributes, "label_noise_": float("nan"), "strategy_": "match"}
        curation = LearningDynamicsSelector(
            None,
            estimator=self.estimator,
            n_select="all",
            drop="excess",
            n_jobs=self.n_jobs,
            **shared,
        )
        verifying = VerifierSelector(None, n_select=_VERIFIED_RATIO, **shared)

        def choose(fitted):
            noise = fitted[0].label_noise_
            return verifying if noise > self.label_noise_tolerance else matching

        attributes = self._run_steps(
            [curation, matching], X, y_labels, X_pool, y_pool, real_info, choose=choose
        )
        steps = attributes["steps_"]
        last = steps[-1] if len(steps) == 2 else None
        return {
            **attributes,
            "label_noise_": steps[0].label_noise_,
            "strategy_": "verify" if isinstance(last, VerifierSelector) else "match",
        }
