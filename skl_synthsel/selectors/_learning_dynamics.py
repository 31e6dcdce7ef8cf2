"""Curation by learning dynamics: drop the pool rows a boosted model on real rows finds hard."""

from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._solvers._learning_dynamics import own_label_dynamics, stage_interface
from ..base import BaseSelector, GroupSelection
from ..exceptions import QuotaNotFilledWarning
from ..utils._docstrings import fill_doc
from ..utils._parallel import map_in_threads
from ..utils._threads import OPENMP_SMALL_VALUES, single_openmp_thread_when
from ..utils._typing import NSelect, PoolLike, RandomStateLike
from ..utils._warnings import warn

# The Data-IQ groups each value of ``keep`` keeps.
_KEPT = {"easy_ambiguous": ("easy", "ambiguous"), "easy": ("easy",)}

# At most this many pool rows (a fixed uniform sample) estimate the share of wrong labels.
_NOISE_SAMPLE = 10000
# The adaptive uncertainty threshold of Curated LLM: this fraction of the uncertainties' range.
_ADAPTIVE_FRACTION = 0.75


@fill_doc
class LearningDynamicsSelector(BaseSelector):
    """Drop the synthetic rows whose label a boosted model trained on real rows learns as wrong.

    The curation of Curated LLM (Seedat et al., ICML 2024 [1]_) with the Data-IQ groups
    (Seedat et al., NeurIPS 2022 [2]_). A gradient-boosted classifier (a clone of
    ``estimator``) is fit on the real rows only, in the feature space. For every pool row and
    every boosting stage ``t = 1..T`` (the model's first ``t`` rounds), ``p_t`` is the
    predicted probability of the row's *own* label; then

    - confidence ``c = mean_t p_t`` and aleatoric uncertainty ``u = mean_t p_t (1 - p_t)``;
    - with ``y = confidence_threshold`` and ``x = uncertainty_threshold``: a row is **easy**
      if ``c >= 1 - y`` and ``u <= x``, **hard** if ``c <= y`` and ``u <= x``, and
      **ambiguous** otherwise.

    The published method drops the hard rows (labels the real rows consistently contradict)
    and keeps the easy and ambiguous ones; ``keep="easy"`` keeps the easy rows only (fewer
    wrong labels, but less diversity). The rule is global: a row's class enters only through
    its own label. Both statistics come from one sweep over the stages with running sums,
    rows in chunks, so the memory is a few arrays of the pool's length, never stages x rows.

    How many rows are added:

    - ``n_select="all"`` (the default) keeps every row the rule keeps: the amount is the
      method's answer (``sampling_strategy_`` reports it).
    - A quota (int, float or dict) is filled uniformly at random (``random_state``) among the
      kept rows of each class, which keeps the pool's diversity (ranking by confidence would
      favour the easiest rows, and keeping only easy rows lost accuracy on faithful pools). A
      class with fewer kept rows than its quota gets all of them (in pool order), with a
      :class:`~skl_synthsel.exceptions.QuotaNotFilledWarning`.
    - ``n_select=0`` adds no row and fits no model (the statistics are not computed).

    Classification only: a continuous ``y`` is a ``ValueError`` (use e.g.
    :class:`~skl_synthsel.DiscriminatorSelector` or
    :class:`~skl_synthsel.CovarianceMatchingSelector` for regression).

    Parameters
    ----------
    {pool}
    estimator : classifier or None, default=None
        A boosted classifier exposing its stages: ``staged_predict_proba(X)`` (scikit-learn's
        :class:`~sklearn.ensemble.GradientBoostingClassifier`,
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`), or stage-limited
        ``predict_proba(X, iteration_range=(0, t))`` (XGBoost) or
        ``predict_proba(X, num_iteration=t)`` (LightGBM), which cost ``T`` predictions of
        growing prefixes. It is cloned and fit on the real rows with the class codes
        ``0..n_classes - 1`` (positions in ``classes_``) as labels, as XGBoost requires.
        ``None`` means 50 stages of depth-3 trees at learning rate 0.2, fit as a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (``max_depth=3``,
        ``min_samples_leaf=1``, no early stopping); with at most 255 real rows its bins are
        the values, so its splits are the exact ones. The statistics are means over the
        training path, which stages x learning rate spans: these follow the path of
        :class:`~sklearn.ensemble.GradientBoostingClassifier`'s defaults (100 stages at 0.1)
        with half the checkpoints, at half the cost. Against 100 stages at 0.1, on the six
        benchmark tables' 216 (table, pool, seed) cells the label-noise estimate moved by
        0.0004 on average (at most 0.04), precision and recall of planted wrong labels by at
        most 0.005 on average, and on 500-2,000 real rows in 2-10 classes 94-99 % of the
        rows got the same group. ``HistGradientBoostingClassifier()``'s own defaults would not
        do on small tables: its ``min_samples_leaf=20`` leaves few splits with 60 rows. A
        ``random_state`` parameter left at None is set from ``random_state``.
    n_select : int, float, dict or "all", default="all"
        ``"all"`` keeps every pool row that is not dropped. Otherwise the number of synthetic
        rows to select, drawn at random among the kept rows: an int is a number of rows, a
        float a number of rows per real row (``2.0`` adds two synthetic rows per real row). For
        classification the rows are split into per-class quotas that follow the real class
        proportions (largest remainder rounding); a dict ``{class: n_rows}`` sets the quotas
        explicitly.
    confidence_threshold : float in [0, 0.5], default=0.2
        ``y`` above: easy rows have a confidence of at least ``1 - y``, hard rows at most
        ``y``.
    uncertainty_threshold : float >= 0 or "auto", default=0.2
        ``x`` above: easy and hard rows have an aleatoric uncertainty of at most ``x`` (which
        is at most 0.25). ``0`` or ``"auto"`` sets ``x`` to 0.75 times the range (max - min)
        of the pool rows' uncertainties, the adaptive rule of [1]_.
    keep : {"easy_ambiguous", "easy"}, default="easy_ambiguous"
        The groups kept: the published method drops only the hard rows.
    drop : {"all", "excess"}, default="all"
        Which of the rows outside ``keep`` are dropped. ``"all"``: every one (the published
        method). ``"excess"``: only the pool's excess over the real rows' own share. A model
        fit on few real rows finds some *correct* rows hard too; the share of real rows that
        the rule drops when each is scored by models not trained on it (5-fold cross-fitting,
        ``real_drop_share_``) is what a faithful pool should lose by chance alone. Per class,
        a pool keeps that share of its dropped rows (the most confident of them), and loses
        the rest: a faithful pool is left almost whole, a pool with wrong labels loses them.
    n_jobs : int or None, default=None
        Boosted models fit at once, in threads (tree building releases the GIL): the model on
        every real row and the 5 cross-fitting models. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all processors. The result does
        not depend on it.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    estimator_ : classifier
        The boosted model fit on the real rows (labels are class codes, see ``estimator``).
    n_stages_ : int
        Number of boosting stages ``T`` the statistics average over.
    confidence_ : ndarray of shape (n_pool,)
        Per pool row, ``mean_t p_t``; NaN for rows of classes that ``y`` does not have.
    aleatoric_uncertainty_ : ndarray of shape (n_pool,)
        Per pool row, ``mean_t p_t (1 - p_t)``; NaN for rows of classes that ``y`` does not
        have.
    uncertainty_threshold_ : float
        The uncertainty threshold used (``uncertainty_threshold``, or the adaptive value).
    data_iq_ : ndarray of str of shape (n_pool,)
        Per pool row, its group: ``"easy"``, ``"ambiguous"`` or ``"hard"`` (``""`` for rows
        of classes that ``y`` does not have).
    scores_ : ndarray of shape (n_pool,)
        The confidence of the rows of classes selected from; NaN elsewhere.
    n_easy_, n_ambiguous_, n_hard_ : ndarray of shape (n_classes,)
        Per class, the number of its pool rows in each group (NaN for a class given no rows).
    n_dropped_ : ndarray of shape (n_classes,)
        Per class, the number of its pool rows that ``keep`` drops (NaN for a class given no
        rows).
    dropped_mask_ : ndarray of bool of shape (n_pool,)
        The pool rows the curation drops (a quota is then drawn from the others).
    real_drop_share_ : float
        ``drop="excess"`` only: the share of real rows the rule drops under cross-fitting.
    label_noise_ : float
        The estimated share of pool rows whose label is wrong, before any is dropped: the
        real rows' cross-fitted mean own-label confidence ``c_real`` against the pool's
        ``c_pool`` under the same fold models (on at most 10,000 pool rows, a fixed uniform
        sample, each scored by one fold model as each real row is), with ``c_wrong`` the
        mean confidence a real row would have had under a uniformly chosen other label:
        ``(c_real - c_pool) / (c_real - c_wrong)`` clipped to [0, 1] (a method-of-moments
        estimate under random label replacement; about 0 for a pool whose labels are as
        consistent with its features as the real rows' are). NaN if a class has a single
        real row.

    See Also
    --------
    VerifierSelector : Keep the rows whose label a verifier trained on real rows confirms.

    References
    ----------
    .. [1] N. Seedat, N. Huynh, B. van Breugel and M. van der Schaar, "Curated LLM: Synergy of
       LLMs and data curation for tabular augmentation in low-data regimes", ICML, 2024.
    .. [2] N. Seedat, J. Crabbé, I. Bica and M. van der Schaar, "Data-IQ: Characterizing
       subgroups with heterogeneous outcomes in tabular data", NeurIPS, 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skl_synthsel import LearningDynamicsSelector
    >>> X_all, y_all = make_classification(n_samples=1100, n_features=6, class_sep=2.0,
    ...                                    random_state=0)
    >>> X, y, X_pool, y_pool = X_all[:100], y_all[:100], X_all[100:], y_all[100:].copy()
    >>> y_pool[:250] = 1 - y_pool[:250]  # a quarter of the pool's labels are wrong
    >>> selector = LearningDynamicsSelector((X_pool, y_pool), random_state=0)
    >>> X_res, y_res = selector.fit_resample(X, y)
    >>> selector.n_hard_  # rows dropped per class
    array([135., 131.])
    >>> dropped = selector.data_iq_ == "hard"
    >>> print(f"planted: {dropped[:250].mean():.2f} dropped, clean: {dropped[250:].mean():.2f}")
    planted: 0.98 dropped, clean: 0.03
    >>> X_res.shape  # the 100 real rows and the 734 rows kept
    (834, 6)
    """

    _may_decline_rows = True

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "confidence_threshold": [Interval(Real, 0, 0.5, closed="both")],
        "uncertainty_threshold": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "keep": [StrOptions(set(_KEPT))],
        "drop": [StrOptions({"all", "excess"})],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        estimator: Any | None = None,
        n_select: NSelect = "all",
        confidence_threshold: float = 0.2,
        uncertainty_threshold: float | Literal["auto"] = 0.2,
        keep: Literal["easy", "easy_ambiguous"] = "easy_ambiguous",
        drop: Literal["all", "excess"] = "all",
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
            estimator=estimator,
            n_select=n_select,
            confidence_threshold=confidence_threshold,
            uncertainty_threshold=uncertainty_threshold,
            keep=keep,
            drop=drop,
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

    def _fit_shared(self, real, y_real, pool, y_pool, random_state):
        if self.task_ == "regression":
            raise ValueError(
                "LearningDynamicsSelector needs class labels: it drops the synthetic rows whose "
                "class label a boosted classifier trained on the real rows learns as wrong, and "
                "y is continuous (task='regression'). Pass class labels, or use another "
                "selector (e.g. DiscriminatorSelector or CovarianceMatchingSelector) for "
                "regression."
            )
        seed = random_state.randint(np.iinfo(np.int32).max)
        if self.estimator is None:
            template = default_curation_model(seed)
        else:
            template = clone(self.estimator)
            if template.get_params().get("random_state", "absent") is None:
                template.set_params(random_state=seed)
        if stage_interface(template) is None:
            raise TypeError(
                f"estimator={type(template).__name__} exposes no boosting stages: "
                "LearningDynamicsSelector needs a boosted classifier with "
                "staged_predict_proba(X) (e.g. GradientBoostingClassifier, "
                "HistGradientBoostingClassifier), or predict_proba(X, iteration_range=(0, t)) "
                "(XGBoost) or predict_proba(X, num_iteration=t) (LightGBM)."
            )
        codes = np.searchsorted(self.classes_, y_real)  # the probability columns' classes
        scored = np.isin(y_pool, self.classes_)
        rows = pool if scored.all() else pool[scored]  # no copy of a pool of known classes
        # The pool rows that estimate the label noise, scored by the cross-fitted models too.
        sample = np.flatnonzero(scored)
        if len(sample) > _NOISE_SAMPLE:
            sample = np.sort(np.random.RandomState(0).choice(sample, _NOISE_SAMPLE, replace=False))
        pool_codes = np.searchsorted(self.classes_, y_pool)
        # One job per model: the model on every real row scores the pool; each cross-fitting
        # model (5 stratified folds, models that never saw a real row score it) scores its
        # held-out real rows and its share of the sample. Threads: tree building releases the
        # GIL.
        n_splits = int(min(5, np.bincount(codes).min()))
        folds = []
        if n_splits >= 2:
            # Every training fold holds every class: n_splits is at most the smallest class.
            splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
            folds = list(splitter.split(real, codes))
        # Each sample row is scored by one fold model, as each real row is: the sample's rows
        # are dealt to the folds in turn (a fifth of the predictions of scoring it by all).
        dealt = [sample[fold :: len(folds)] for fold in range(len(folds))]
        jobs = [(np.arange(len(real)), [(rows, pool_codes[scored])])] + [
            (train, [(real[held_out], codes[held_out]), (pool[part], pool_codes[part])])
            for (train, held_out), part in zip(folds, dealt, strict=True)
        ]
        fitted = map_in_threads(
            _fit_and_sweep,
            [(template, real[train], codes[train], scored_sets) for train, scored_sets in jobs],
            self.n_jobs,
        )
        estimator, [(pool_confidence, pool_uncertainty, n_stages)] = fitted[0]
        confidence = np.full(len(pool), np.nan)
        uncertainty = np.full(len(pool), np.nan)
        confidence[scored], uncertainty[scored] = pool_confidence, pool_uncertainty
        threshold = self.uncertainty_threshold
        if threshold == "auto" or threshold == 0:
            values = uncertainty[scored]
            threshold = _ADAPTIVE_FRACTION * float(values.max() - values.min())
        data_iq = np.full(len(pool), "", dtype="<U9")
        data_iq[scored] = self._groups_of(confidence[scored], uncertainty[scored], threshold)
        dropped = scored & ~np.isin(data_iq, _KEPT[self.keep])
        real_confidence, real_dropped, sample_confidence = self._cross_fitted_real(
            fitted[1:], folds, len(real), threshold
        )
        extra = {"label_noise": _label_noise(real_confidence, sample_confidence, self.classes_)}
        if self.drop == "excess":
            share = float(real_dropped.mean()) if len(real_dropped) else 0.0
            dropped = _excess_only(dropped, confidence, y_pool, self.classes_, share)
            extra["real_drop_share"] = share
        return {
            **extra,
            "dropped_mask": dropped,
            "estimator": estimator,
            "n_stages": n_stages,
            "confidence": confidence,
            "aleatoric_uncertainty": uncertainty,
            "uncertainty_threshold": float(threshold),
            "data_iq": data_iq,
        }

    def _groups_of(self, confidence, uncertainty, threshold):
        """The Data-IQ group of each row: easy, ambiguous or hard."""
        certain = uncertainty <= threshold
        y = self.confidence_threshold
        return np.where(
            certain & (confidence >= 1 - y),
            "easy",
            np.where(certain & (confidence <= y), "hard", "ambiguous"),
        )

    def _cross_fitted_real(self, fitted, folds, n_real, threshold):
        """What the cross-fitting models say: about the real rows and the pool's sample.

        Returns each real row's own-label confidence (from the model that did not see it) and
        whether the rule drops it, and each sample row's confidence from the one fold model it
        was dealt to (in fold order): the pool is scored by the same, smaller models as the
        real rows, one model a row as theirs, so the two compare without the full model's
        advantage. Empty arrays if a class has a single real row (no folds).
        """
        if not folds:
            return np.empty(0), np.empty(0, dtype=bool), np.empty(0)
        confidence = np.empty(n_real)
        dropped = np.zeros(n_real, dtype=bool)
        sample_confidence = []
        for (_, (held_out_dynamics, sample_dynamics)), (_, held_out) in zip(
            fitted, folds, strict=True
        ):
            confidence[held_out], uncertainty, _ = held_out_dynamics
            groups = self._groups_of(confidence[held_out], uncertainty, threshold)
            dropped[held_out] = ~np.isin(groups, _KEPT[self.keep])
            sample_confidence.append(sample_dynamics[0])
        return confidence, dropped, np.concatenate(sample_confidence)

    def _select_group(self, group, random_state):
        data_iq = group.shared["data_iq"][group.pool_indices]
        kept = np.flatnonzero(~group.shared["dropped_mask"][group.pool_indices])
        n_select = group.n_select
        if isinstance(self.n_select, str):  # "all": every kept row
            selected = kept
        elif len(kept) >= n_select:
            selected = random_state.choice(kept, n_select, replace=False)
        else:
            selected = kept
            warn(
                f"Only {len(kept)} pool rows of class {group.label!r} are kept by "
                f"keep={self.keep!r}; {n_select} were asked for. Lower n_select, enlarge the "
                "pool, or loosen the thresholds to get more.",
                QuotaNotFilledWarning,
            )
        diagnostics = {
            f"n_{name}": int(np.sum(data_iq == name)) for name in ("easy", "ambiguous", "hard")
        }
        diagnostics["n_dropped"] = len(data_iq) - len(kept)
        return GroupSelection(
            selected=selected,
            scores=group.shared["confidence"][group.pool_indices],
            diagnostics=diagnostics,
        )


def default_curation_model(random_state):
    """The boosted model of ``estimator=None``: 50 stages of depth-3 trees on binned features.

    Classical gradient boosting (depth 3, no minimum leaf size, no penalty, every stage kept)
    fit as histogram boosting, as the paper's XGBoost is: with at most 255 distinct values per
    feature the bins are the values themselves, so the candidate splits are the exact ones; on
    larger real sets the 255 quantile bins make each tree's fit linear in the rows instead of a
    sort per node. The statistics are means over the training path, which the product of the
    stages and the learning rate spans: 50 stages at 0.2 follow the path of
    ``GradientBoostingClassifier``'s 100 stages at 0.1 with half the checkpoints, at half the
    cost (fits and sweep are per tree).
    """
    return HistGradientBoostingClassifier(
        max_iter=50,
        learning_rate=0.2,
        max_depth=3,
        max_leaf_nodes=None,
        min_samples_leaf=1,
        l2_regularization=0.0,
        early_stopping=False,
        random_state=random_state,
    )


def _fit_and_sweep(template, X, y, scored_sets):
    """Fit a clone of ``template`` and sweep its stages over each ``(rows, codes)``.

    Each on one OpenMP thread when its data is small (see ``utils._threads``): boosting's
    per-tree threads cost more than they save there.
    """
    with single_openmp_thread_when(X.size < OPENMP_SMALL_VALUES):
        model = clone(template).fit(X, y)
    dynamics = []
    for rows, codes in scored_sets:
        with single_openmp_thread_when(rows.size < OPENMP_SMALL_VALUES):
            dynamics.append(own_label_dynamics(model, rows, codes))
    return model, dynamics


def _label_noise(real_confidence, pool_confidence, classes):
    """The share of wrong labels in the pool, estimated by the method of moments.

    Model: a pool row's label is drawn as a real row's is, or, with probability ``eps``,
    replaced by another class chosen uniformly. A real row's cross-fitted own-label confidence
    ``c`` averages ``c_real``; had its label been replaced, the confidence would have averaged
    ``c_wrong = mean (1 - c) / (n_classes - 1)``. The pool's mean confidence is then
    ``(1 - eps) c_real + eps c_wrong``, so ``eps = (c_real - c_pool) / (c_real - c_wrong)``,
    clipped to [0, 1]; NaN when the real rows cannot be cross-fitted or their model is no
    better than chance (``c_real <= c_wrong``).
    """
    if not len(real_confidence) or not len(pool_confidence) or len(classes) < 2:
        return float("nan")
    c_real = float(np.mean(real_confidence))
    c_wrong = float(np.mean((1.0 - real_confidence) / (len(classes) - 1)))
    if c_real <= c_wrong:
        return float("nan")
    eps = (c_real - float(np.mean(pool_confidence))) / (c_real - c_wrong)
    return float(np.clip(eps, 0.0, 1.0))


def _excess_only(dropped, confidence, y_pool, classes, share):
    """Per class, un-drop the most confident ``share`` of the class's rows among the dropped."""
    dropped = dropped.copy()
    for label in classes.tolist():
        rows = np.flatnonzero(y_pool == label)
        candidates = rows[dropped[rows]]
        n_allowed = min(int(np.floor(share * len(rows))), len(candidates))
        if n_allowed:
            # The most confident dropped rows are the likeliest correct: ties by pool order.
            order = np.argsort(-confidence[candidates], kind="stable")
            dropped[candidates[order[:n_allowed]]] = False
    return dropped
