"""Choose which synthetic rows to add to a small real training set."""

__version__ = "0.1.0.dev0"
