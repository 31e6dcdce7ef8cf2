"""The command line: ``python -m skl_synthsel demo`` and ``python -m skl_synthsel select``."""

from ._main import main

__all__ = ["main"]
