"""Utilities shared by the selectors and the tools around them."""

from ._discovery import all_selectors

__all__ = ["all_selectors"]
