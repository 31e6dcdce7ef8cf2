"""Verifier selection: keep the synthetic rows whose label a model trained on real rows confirms."""

from numbers import Real
from typing import Any, Literal

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_array, column_or_1d
from sklearn.utils._param_validation import HasMethods, Interval

from ..base import BaseSelector, GroupSelection
from ..exceptions import QuotaNotFilledWarning
from ..theory import critical_label_noise
from ..utils._dask import is_dask_rows
from ..utils._docstrings import fill_doc
from ..utils._typing import NSelect, PoolLike, RandomStateLike
from ..utils._warnings import warn


@fill_doc
class VerifierSelector(BaseSelector):
    """Select the synthetic rows whose label a verifier trained on the real rows confirms.

    The pruning of El Firdoussi et al. (2025): a generator's labels can be wrong, and a
    verifier keeps a row with probability ``phi`` if its label is correct and ``rho`` if it is
    wrong. Here the verifier is a clone of ``verifier`` fit on all real rows, in the feature
    space; a pool row's score is the verifier's predicted probability of the row's own label.
    In each class the quota of rows with the highest scores is kept (ties in pool order).

    With ``threshold``, only rows scoring at least ``threshold`` are kept and ``n_select`` is
    a maximum: a class with fewer confirmed rows than its quota gets only those (with a
    warning), since filling the quota would add rows the verifier rejected. Then
    ``sampling_strategy_`` holds the rows actually added.

    Classification only: the verifier judges class labels, so a continuous ``y`` is a
    ``ValueError``.

    The theory says that real plus kept synthetic rows help as long as the pool's label-noise
    rate ``eps`` is below ``eps* = phi / (phi + rho)``
    (:func:`~skl_synthsel.theory.critical_label_noise`). Pass a labelled calibration split as
    ``calibration`` to measure this selector's ``phi`` and ``rho``.

    Parameters
    ----------
    {pool}
    {n_select}
    verifier : classifier or None, default=None
        A probabilistic classifier (with ``predict_proba``), cloned and fit on the real rows in
        the feature space. ``None`` means :class:`~sklearn.linear_model.LogisticRegression`
        (``max_iter=1000``).
        Give a randomised verifier its own ``random_state`` for a reproducible selection.
    threshold : float in [0, 1] or None, default=None
        If set, keep only rows whose label has a predicted probability of at least
        ``threshold``, at most the quota of each class (the highest scores first). ``None``
        keeps exactly the quota of the highest-scoring rows.
    calibration : tuple (X_cal, y_cal_true, y_cal_given) or None, default=None
        Rows with their true label and the label the generator gave them, in the columns of
        ``X`` and not part of the pool. Each row is kept or not by the same rule as the pool
        rows of its given label's class (a score at or above that class's ``threshold_``),
        and the measured keep rates are reported as ``phi_`` and ``rho_``.
    {selector_tail}

    Attributes
    ----------
    {selector_attributes}
    verifier_ : classifier
        The verifier fit on the real rows.
    scores_ : ndarray of shape (n_pool,)
        Per pool row, the verifier's probability of the row's own label; NaN for rows of
        classes that were not selected from.
    threshold_ : ndarray of shape (n_classes,)
        Per class, the effective cut-off: the score of the last row kept when the quota is
        filled, otherwise ``threshold`` (NaN for a class given no rows).
    phi_ : float
        With ``calibration``: the fraction of correctly labelled calibration rows kept.
    rho_ : float
        With ``calibration``: the fraction of wrongly labelled calibration rows kept.
    critical_label_noise_ : float
        With ``calibration``: ``phi_ / (phi_ + rho_)``, the label-noise rate of a pool beyond
        which its kept rows carry no signal (NaN when neither rate is defined and positive).
    n_pool_passes_ : int
        Only with a pool held as Dask collections (:ref:`dask`): the passes over the pool
        the fit made (computes that read every block of it), one per class for a per-class
        pass.

    See Also
    --------
    skl_synthsel.theory.pruned_ridge_accuracy : Accuracy of ridge on real plus pruned rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_synthsel import VerifierSelector
    >>> from skl_synthsel.datasets import make_label_noise_pool
    >>> X, y, X_pool, y_pool = make_label_noise_pool(100, 400, 10, eps=0.3, random_state=0)
    >>> _, _, X_cal, y_cal_given, correct, _ = make_label_noise_pool(
    ...     0, 400, 10, eps=0.3, return_masks=True, random_state=1)
    >>> y_cal_true = np.where(correct, y_cal_given, -y_cal_given)
    >>> selector = VerifierSelector((X_pool, y_pool), n_select=2.0,
    ...                             calibration=(X_cal, y_cal_true, y_cal_given))
    >>> X_res, y_res = selector.fit_resample(X, y)
    >>> X_res.shape
    (300, 10)
    >>> bool(selector.phi_ > 0.6 > 0.2 > selector.rho_)
    True
    """

    _parameter_constraints = {
        **BaseSelector._parameter_constraints,
        "verifier": [HasMethods(["fit", "predict_proba"]), None],
        "threshold": [Interval(Real, 0, 1, closed="both"), None],
        "calibration": [tuple, list, None],
    }

    def __init__(
        self,
        pool: PoolLike,
        *,
        n_select: NSelect = 1.0,
        verifier: Any | None = None,
        threshold: float | None = None,
        calibration: tuple[Any, ...] | list[Any] | None = None,
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
            verifier=verifier,
            threshold=threshold,
            calibration=calibration,
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
                "VerifierSelector needs class labels: it keeps the synthetic rows whose class "
                "label a verifier confirms, and y is continuous (task='regression'). Pass class "
                "labels, or use another selector (e.g. DiscriminatorSelector) for regression."
            )
        default = LogisticRegression(max_iter=1000)
        template = default if self.verifier is None else clone(self.verifier)
        verifier = template.fit(real, y_real)
        shared = {"verifier": verifier}
        if self.calibration is not None:
            shared["calibration"] = self._calibration_scores(verifier)
        return shared

    # Scoring is one pass per class over a Dask pool: the verifier is fit on real rows only.
    _supports_dask_pool = True

    @staticmethod
    def _own_label_probability(verifier, rows, labels):
        """The verifier's predicted probability of each row's given label.

        Over a Dask pool, each block is scored on the cluster (one pass).
        """
        if is_dask_rows(rows):
            return rows.concatenate(_block_own_label_probability, labels, verifier=verifier)
        columns = np.searchsorted(verifier.classes_, labels)
        return verifier.predict_proba(rows)[np.arange(len(rows)), columns]

    def _calibration_scores(self, verifier):
        """The calibration rows' given labels, whether they are right, and their scores."""
        if len(self.calibration) != 3:
            raise ValueError(
                "calibration must be a tuple (X_cal, y_cal_true, y_cal_given); got "
                f"{len(self.calibration)} items."
            )
        X_cal, y_true, y_given = self.calibration
        if self.feature_map is None:
            X_cal = check_array(X_cal, dtype=np.float64, input_name="X_cal")
            if X_cal.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"The calibration rows have {X_cal.shape[1]} columns but X has "
                    f"{self.n_features_in_}; give them the same columns as X."
                )
        y_true, y_given = column_or_1d(y_true), column_or_1d(y_given)
        if not len(y_true) == len(y_given) == len(X_cal):
            raise ValueError(
                f"calibration has {len(X_cal)} rows, {len(y_true)} true labels and "
                f"{len(y_given)} given labels; they must have the same length."
            )
        unknown = np.setdiff1d(y_given, self.classes_)
        if unknown.size:
            raise ValueError(
                f"The calibration rows' given labels {unknown.tolist()} are not classes of y "
                f"({self.classes_.tolist()})."
            )
        features = self.feature_space_.transform(X_cal, input_name="X_cal")
        return {
            "given": y_given,
            "correct": y_true == y_given,
            "scores": self._own_label_probability(verifier, features, y_given),
        }

    def _select_group(self, group, random_state):
        pool, n_select, label = group.pool, group.n_select, group.label
        scores = self._own_label_probability(
            group.shared["verifier"], pool, np.full(len(pool), label)
        )
        ranked = np.argsort(-scores, kind="stable")
        n_confirmed = n_select if self.threshold is None else int(np.sum(scores >= self.threshold))
        selected = ranked[: min(n_select, n_confirmed)]
        cut_off = scores[selected[-1]] if len(selected) == n_select else self.threshold
        if len(selected) < n_select:
            warn(
                f"Only {len(selected)} pool rows of class {label!r} have a score of at least "
                f"threshold={self.threshold}; {n_select} were asked for. Lower the threshold "
                "or enlarge the pool to get more.",
                QuotaNotFilledWarning,
            )
        state = {}
        if "calibration" in group.shared:
            calibration = group.shared["calibration"]
            kept = (calibration["given"] == label) & (calibration["scores"] >= cut_off)
            state = {
                "kept_correct": int(np.sum(kept & calibration["correct"])),
                "kept_wrong": int(np.sum(kept & ~calibration["correct"])),
            }
        return GroupSelection(
            selected=selected, scores=scores, diagnostics={"threshold": cut_off}, state=state
        )

    def _summarize(self, results, shared, n_pool):
        if "calibration" not in shared:
            return {}
        # Classes given no rows keep no calibration row.
        kept_correct = sum(s.state.get("kept_correct", 0) for _, s in results)
        kept_wrong = sum(s.state.get("kept_wrong", 0) for _, s in results)
        correct = shared["calibration"]["correct"]
        with np.errstate(invalid="ignore", divide="ignore"):
            phi = float(np.divide(kept_correct, correct.sum()))
            rho = float(np.divide(kept_wrong, (~correct).sum()))
        defined = np.isfinite([phi, rho]).all() and phi + rho > 0
        return {
            "phi": phi,
            "rho": rho,
            "critical_label_noise": critical_label_noise(rho, phi) if defined else np.nan,
        }


def _block_own_label_probability(block, labels, verifier):
    """One block's scores (run on a worker)."""
    return VerifierSelector._own_label_probability(verifier, block, labels)
