"""Warnings that point at the user's line, whatever the depth of the call inside the library."""

import os
import sys
import warnings

import imblearn
import joblib
import sklearn

import skl_synthsel

# Frames inside these packages are skipped: the warning is reported at the first frame outside
# them, the user's own call (also through a Pipeline, GridSearchCV or cross_val_score).
_LIBRARY_DIRS = tuple(
    os.path.dirname(module.__file__) + os.sep
    for module in (skl_synthsel, sklearn, imblearn, joblib)
)


def warn(message, category):
    """``warnings.warn`` reported at the caller's frame outside skl_synthsel and scikit-learn.

    Python 3.12's ``skip_file_prefixes`` does this; on older versions the stack level is found
    by walking the frames, not counted by hand.
    """
    if sys.version_info >= (3, 12):
        warnings.warn(message, category, skip_file_prefixes=_LIBRARY_DIRS)
        return
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1)


def warn_solver_fallback(error, fallback):
    """Say that a solver failed and what the selector does instead."""
    from ..exceptions import SolverFallbackWarning

    warn(f"{error}; falling back to {fallback} for this class.", SolverFallbackWarning)
