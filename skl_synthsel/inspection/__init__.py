"""Inspecting what a selector chose: per-class counts, diagnostics and a picture."""

from ._report import SelectionReport

__all__ = ["SelectionReport"]
