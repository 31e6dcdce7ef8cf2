"""The capped simplex ``{w : 0 <= w <= 1, sum(w) = k}``: Euclidean projection and linear minimiser.

The relaxed covariance-matching problem is posed on this set. The projection is the step of a
projected-gradient method; the linear minimiser (the ``k`` rows of smallest gradient) is the
Frank-Wolfe vertex that certifies optimality.
"""

import numpy as np

_MAX_STEPS = 200


def _clipped_sum(values, shift):
    shifted = values - shift
    np.clip(shifted, 0.0, 1.0, out=shifted)
    return shifted.sum(), shifted


def project_capped_simplex(values, total, *, shift_hint=None):
    """Euclidean projection of ``values`` onto ``{w : 0 <= w <= 1, sum(w) = total}``.

    The projection is ``clip(values - shift, 0, 1)`` for the ``shift`` that makes the sum equal
    ``total``; the sum is piecewise linear and decreasing in ``shift``. Safeguarded Newton steps
    (bisection when a step leaves the bracket) find the piece, on which Newton is exact.

    Parameters
    ----------
    values : ndarray of shape (n,)
        The point to project.
    total : float
        The sum of the projection, ``0 <= total <= n``.
    shift_hint : float or None
        A guess of the shift (e.g. the previous iteration's), to start Newton near the answer.

    Returns
    -------
    projection : ndarray of shape (n,)
        In ``[0, 1]``, summing to ``total`` up to rounding.
    shift : float
    """
    n = values.size
    if not 0 <= total <= n:
        raise ValueError(f"total must be in [0, {n}]; got {total}.")
    low, high = float(values.min()) - 1.0, float(values.max())  # sums n and 0
    if shift_hint is None or not low < shift_hint < high:
        shift_hint = (float(values.sum()) - total) / n
        shift_hint = min(max(shift_hint, low), high)
    shift = shift_hint
    tolerance = 4 * np.finfo(float).eps * max(total, 1.0) * np.log2(n + 2)
    for _ in range(_MAX_STEPS):
        current, projection = _clipped_sum(values, shift)
        excess = current - total
        if abs(excess) <= tolerance:
            break
        if excess > 0:
            low = shift
        else:
            high = shift
        n_free = np.count_nonzero((projection > 0) & (projection < 1))
        # The sum falls by n_free per unit of shift on the current piece: exact there.
        step = shift + excess / n_free if n_free else np.nan
        shift = step if low < step < high else (low + high) / 2
        if high - low <= np.finfo(float).eps * max(abs(low), abs(high), 1.0):
            current, projection = _clipped_sum(values, shift)
            break
    return projection, shift


def smallest_k_vertex(scores, total):
    """The vertex of the capped simplex minimising ``scores @ w``.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Linear costs (a gradient).
    total : float
        The sum of the vertex; a non-integer total puts its fractional part on the next row.

    Returns
    -------
    vertex : ndarray of shape (n,)
        One on the ``floor(total)`` smallest scores; ties go to the lowest index.
    """
    whole = int(np.floor(total + 1e-9))
    order = np.argsort(scores, kind="stable")
    vertex = np.zeros(scores.size)
    vertex[order[:whole]] = 1.0
    if whole < scores.size and total - whole > 1e-9:
        vertex[order[whole]] = total - whole
    return vertex


def smallest_k_sum(scores, total):
    """``min_w scores @ w`` over the capped simplex: the sum of the ``total`` smallest scores.

    Uses a partial sort: ``O(n)`` rather than the ``O(n log n)`` of :func:`smallest_k_vertex`.
    """
    whole = int(np.floor(total + 1e-9))
    fraction = total - whole if total - whole > 1e-9 else 0.0
    if whole + (fraction > 0) == 0:
        return 0.0
    count = min(whole + (fraction > 0), scores.size)
    smallest = np.partition(scores, count - 1)[:count]
    if fraction == 0:
        return float(smallest.sum())
    largest = smallest.max()
    return float(smallest.sum() - largest + fraction * largest)
