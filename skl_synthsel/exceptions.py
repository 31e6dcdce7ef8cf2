"""The warnings and errors that skl_synthsel raises, to filter or catch by class.

As in :mod:`sklearn.exceptions`: filter a warning by its class, never by its message text::

    import warnings
    from skl_synthsel.exceptions import SolverFallbackWarning

    warnings.simplefilter("ignore", SolverFallbackWarning)
"""

__all__ = [
    "GeneratorFitError",
    "PoolClassWarning",
    "QuotaNotFilledWarning",
    "SelectorWarning",
    "SolverFailedError",
    "SolverFallbackWarning",
]


class SelectorWarning(UserWarning):
    """Base class of every warning skl_synthsel raises."""


class SolverFallbackWarning(SelectorWarning):
    """A solver failed or could not certify its answer; the selector used its fallback.

    The message names the solver, why it failed and what was used instead. The selection is
    still valid (exactly the quota of rows); only its optimality guarantee is weaker.
    """


class PoolClassWarning(SelectorWarning):
    """The pool holds rows of classes that the real rows do not have; they are never selected."""


class QuotaNotFilledWarning(SelectorWarning):
    """A selector added fewer rows than its quota (e.g. a verifier threshold confirmed fewer)."""


class SolverFailedError(RuntimeError):
    """A solver returned no usable solution. Selectors catch it and fall back, with a warning."""


class GeneratorFitError(ValueError):
    """A pool generator could not be fit on a class's rows; the message names the class and fix."""
