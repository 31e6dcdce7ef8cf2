"""A realistic flawed synthetic pool drawn from a Gaussian fit to a real table."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.multiclass import type_of_target

from ..theory._linalg import psd_power
from ..utils._quotas import largest_remainder

__all__ = ["make_flawed_pool"]

FLAW_NAMES = ("faithful", "collapsed", "dispersed")


def _fit_gaussian(Z, reg_covar):
    """Mean and symmetric square root of the covariance of a Gaussian fit to Z.

    The eigenvalue-based root (unlike a Cholesky factor) also works when the
    covariance is singular, e.g. with ``reg_covar=0`` and a constant column.
    """
    mean = Z.mean(axis=0)
    if Z.shape[0] > 1:
        cov = np.atleast_2d(np.cov(Z, rowvar=False))
    else:
        cov = np.zeros((Z.shape[1], Z.shape[1]))
    cov = cov + reg_covar * np.eye(Z.shape[1])
    return mean, psd_power(cov, 0.5)


def _draw_group(Z, n_rows, fractions, params, rng):
    """Draw ``n_rows`` rows (faithful / collapsed / dispersed) from one fitted group.

    Returns the rows and the flaw index (into ``FLAW_NAMES``) of each row.
    """
    mean, root = _fit_gaussian(Z, params["reg_covar"])
    n_faithful, n_collapsed, n_dispersed = largest_remainder(n_rows, fractions)
    n_dim = Z.shape[1]

    def gaussian(n, center, scale):
        return center + scale * rng.standard_normal((n, n_dim)) @ root

    # Mode collapse: a few real rows are memorised, each reproduced with tiny noise.
    n_modes = min(params["n_collapsed_modes"], Z.shape[0])
    modes = Z[rng.choice(Z.shape[0], size=n_modes, replace=False)]
    collapsed_centers = modes[rng.randint(n_modes, size=n_collapsed)]
    rows = np.vstack(
        [
            gaussian(n_faithful, mean, 1.0),
            gaussian(n_collapsed, collapsed_centers, params["collapse_scale"]),
            gaussian(n_dispersed, mean, params["dispersion_scale"]),
        ]
    )
    flaws = np.repeat(np.arange(3), [n_faithful, n_collapsed, n_dispersed])
    return rows, flaws


def _resolve_task(y, task):
    if task != "auto":
        return task
    return "regression" if type_of_target(y) == "continuous" else "classification"


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "task": [StrOptions({"auto", "classification", "regression"})],
        "mode_collapse": [Interval(Real, 0, 1, closed="both")],
        "n_collapsed_modes": [Interval(Integral, 1, None, closed="left")],
        "collapse_scale": [Interval(Real, 0, None, closed="left")],
        "over_dispersion": [Interval(Real, 0, 1, closed="both")],
        "dispersion_scale": [Interval(Real, 0, None, closed="left")],
        "label_noise": [Interval(Real, 0, 1, closed="both")],
        "mean_shift": [Interval(Real, None, None, closed="neither")],
        "return_flaws": ["boolean"],
        "random_state": ["random_state"],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_flawed_pool(
    X,
    y,
    *,
    n_samples=1000,
    task="auto",
    mode_collapse=0.3,
    n_collapsed_modes=3,
    collapse_scale=0.1,
    over_dispersion=0.3,
    dispersion_scale=3.0,
    label_noise=0.0,
    mean_shift=0.0,
    return_flaws=False,
    random_state=None,
    reg_covar=1e-6,
):
    """Fit a class-conditional Gaussian to (X, y), draw a pool with realistic flaws.

    A stand-in for a real generator (GAN, copula, LLM) with the failure modes
    that selection methods must cope with. For classification, one
    full-covariance Gaussian is fit per class and the pool's class counts
    follow the real class frequencies (largest-remainder rounding, so they sum
    to ``n_samples`` exactly). For regression, one Gaussian is fit jointly to
    the columns of ``X`` and ``y``, so synthetic targets keep the real linear
    relation with the features. Within each group:

    - a ``mode_collapse`` fraction of rows is *collapsed*: ``n_collapsed_modes``
      real rows are picked at random and each collapsed row copies one of them
      plus Gaussian noise with the fitted covariance scaled by
      ``collapse_scale ** 2``;
    - an ``over_dispersion`` fraction is *dispersed*: drawn from the fitted
      Gaussian with its covariance scaled by ``dispersion_scale ** 2``;
    - the rest is *faithful*: drawn from the fitted Gaussian.

    On top of that, ``label_noise`` and ``mean_shift`` corrupt the pool, and
    the rows are shuffled.

    Read more in the :ref:`User Guide <datasets>`.

    Parameters
    ----------
    X : array-like or DataFrame of shape (n_real, n_features)
        Real numeric features. No NaN or infinite values.
    y : array-like or Series of shape (n_real,)
        Real targets: class labels or continuous values.
    n_samples : int, default=1000
        Number of pool rows to draw.
    task : {"auto", "classification", "regression"}, default="auto"
        With "auto", continuous ``y`` (see
        :func:`sklearn.utils.multiclass.type_of_target`) means regression and
        anything else classification.
    mode_collapse : float in [0, 1], default=0.3
        Fraction of collapsed rows.
    n_collapsed_modes : int, default=3
        Number of real rows per group that collapsed rows crowd around
        (capped by the group size).
    collapse_scale : float >= 0, default=0.1
        Standard-deviation scale of the noise around each collapsed mode,
        relative to the fitted covariance.
    over_dispersion : float in [0, 1], default=0.3
        Fraction of dispersed rows. ``mode_collapse + over_dispersion`` must
        not exceed 1.
    dispersion_scale : float >= 0, default=3.0
        Standard-deviation scale of the dispersed rows.
    label_noise : float in [0, 1], default=0.0
        Fraction of rows whose label is corrupted (exactly
        ``round(label_noise * n_samples)`` rows, chosen at random). For
        classification the label is flipped to another class chosen uniformly
        (needs at least two classes). For regression the target is replaced by
        the target of a pool row chosen at random, which breaks the link
        between features and target while keeping the marginal of ``y``.
    mean_shift : float, default=0.0
        Shift added to every pool row, in standard deviations of the real
        columns, along a fixed random unit direction: row ``x`` becomes
        ``x + mean_shift * std * u`` with ``u`` a random unit vector and
        ``std`` the real columns' standard deviations. Features only.
    return_flaws : bool, default=False
        Also return the flaw of each row.
    random_state : int, RandomState instance or None, default=None
        Controls every random draw; an int makes the pool reproducible. Label
        noise and the shift direction have their own streams: with a fixed
        ``random_state``, changing ``label_noise`` or ``mean_shift`` changes
        nothing else in the pool.
    reg_covar : float >= 0, default=1e-6
        Ridge added to each fitted covariance, relative to the mean variance of
        the real columns, so that the covariance is positive definite.

    Returns
    -------
    X_pool : ndarray or DataFrame of shape (n_samples, n_features)
        Pool features as floats; a DataFrame with the columns of ``X`` when
        ``X`` is a DataFrame.
    y_pool : ndarray or Series of shape (n_samples,)
        Pool targets. Class labels keep the labels and dtype of ``y``;
        regression targets are floats. A Series with the name of ``y`` when
        ``y`` is a Series.
    flaws : ndarray of str of shape (n_samples,)
        Only with ``return_flaws=True``: ``"faithful"``, ``"collapsed"`` or
        ``"dispersed"`` per row (label noise and mean shift apply on top).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skl_synthsel.datasets import make_flawed_pool
    >>> X, y = load_iris(return_X_y=True)
    >>> X_pool, y_pool, flaws = make_flawed_pool(
    ...     X, y, n_samples=300, return_flaws=True, random_state=0)
    >>> X_pool.shape
    (300, 4)
    >>> [int((y_pool == k).sum()) for k in range(3)]
    [100, 100, 100]
    >>> [int((flaws == name).sum()) for name in ("faithful", "collapsed", "dispersed")]
    [120, 90, 90]
    """
    if mode_collapse + over_dispersion > 1:
        raise ValueError(
            "mode_collapse + over_dispersion must not exceed 1, got "
            f"{mode_collapse} + {over_dispersion} = {mode_collapse + over_dispersion}."
        )
    columns = getattr(X, "columns", None) if hasattr(X, "iloc") else None
    y_name = getattr(y, "name", None) if hasattr(y, "iloc") else None
    y_is_series = hasattr(y, "iloc")
    y_dtype = getattr(y, "dtype", None)

    X_arr = check_array(X, dtype=np.float64, copy=False, input_name="X")
    y_arr = column_or_1d(y, warn=True)
    if y_arr.shape[0] != X_arr.shape[0]:
        raise ValueError(
            f"X and y have inconsistent numbers of rows: {X_arr.shape[0]} and {y_arr.shape[0]}."
        )
    task = _resolve_task(y_arr, task)
    # Separate streams for the rows, the label noise and the shift direction, so
    # that changing label_noise or mean_shift leaves the other draws unchanged.
    seeds = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=3)
    rng, label_rng, shift_rng = (np.random.RandomState(seed) for seed in seeds)
    std = X_arr.std(axis=0)

    n_noisy = int(round(label_noise * n_samples))
    noisy = label_rng.choice(n_samples, size=n_noisy, replace=False)
    fractions = [1.0 - mode_collapse - over_dispersion, mode_collapse, over_dispersion]
    params = {
        "n_collapsed_modes": n_collapsed_modes,
        "collapse_scale": collapse_scale,
        "dispersion_scale": dispersion_scale,
    }

    if task == "classification":
        if y_arr.dtype.kind == "f" and not np.all(np.isfinite(y_arr)):
            raise ValueError("y contains NaN or infinite values.")
        classes, y_codes = np.unique(y_arr, return_inverse=True)
        if label_noise > 0 and classes.size < 2:
            raise ValueError(
                "label_noise > 0 needs at least two classes to flip labels between; "
                "set label_noise=0."
            )
        class_counts = np.bincount(y_codes, minlength=classes.size)
        quotas = largest_remainder(n_samples, class_counts)
        params["reg_covar"] = reg_covar * max(np.mean(std**2), 1e-12)
        parts, flaw_parts, code_parts = [], [], []
        for code, quota in enumerate(quotas):
            rows, flaws = _draw_group(X_arr[y_codes == code], quota, fractions, params, rng)
            parts.append(rows)
            flaw_parts.append(flaws)
            code_parts.append(np.full(quota, code))
        X_pool = np.vstack(parts)
        codes_pool = np.concatenate(code_parts)
        flaw_idx = np.concatenate(flaw_parts)
        # Adding 1..K-1 modulo K moves to each other class with equal probability.
        offsets = label_rng.randint(1, classes.size, size=n_noisy) if n_noisy else 0
        codes_pool[noisy] = (codes_pool[noisy] + offsets) % classes.size
        y_pool = classes[codes_pool]
    else:
        y_float = check_array(
            y_arr.reshape(-1, 1), dtype=np.float64, input_name="y", ensure_min_samples=1
        )
        joint = np.hstack([X_arr, y_float])
        joint_std = joint.std(axis=0)
        params["reg_covar"] = reg_covar * max(np.mean(joint_std**2), 1e-12)
        rows, flaw_idx = _draw_group(joint, n_samples, fractions, params, rng)
        X_pool, y_pool = rows[:, :-1], rows[:, -1]
        y_pool[noisy] = y_pool[label_rng.randint(n_samples, size=n_noisy)]

    if mean_shift != 0:
        direction = shift_rng.standard_normal(X_arr.shape[1])
        direction /= np.linalg.norm(direction)
        X_pool = X_pool + mean_shift * std * direction

    order = rng.permutation(n_samples)
    X_pool, y_pool, flaw_idx = X_pool[order], y_pool[order], flaw_idx[order]
    flaws = np.asarray(FLAW_NAMES)[flaw_idx]

    if columns is not None:
        import pandas as pd

        X_pool = pd.DataFrame(X_pool, columns=columns)
    if y_is_series:
        import pandas as pd

        dtype = y_dtype if task == "classification" else None
        y_pool = pd.Series(y_pool, name=y_name, dtype=dtype)
    if return_flaws:
        return X_pool, y_pool, flaws
    return X_pool, y_pool
