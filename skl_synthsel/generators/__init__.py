"""Pool generators: objects with ``fit(X, y)`` and ``sample(n)`` that a selector fits per fold."""

from ._class_conditional import ClassConditionalSampler
from ._synthesizer import SynthesizerSampler

__all__ = ["ClassConditionalSampler", "SynthesizerSampler"]
