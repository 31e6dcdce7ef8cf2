"""Discovery of the public selectors, as scikit-learn's ``all_estimators`` finds estimators."""

import inspect


def all_selectors():
    """Every public selector of skl_synthsel, sorted by name.

    Returns
    -------
    selectors : list of tuple (str, type)
        ``(class name, class)`` pairs, as :func:`sklearn.utils.discovery.all_estimators`
        returns them.

    Examples
    --------
    >>> from skl_synthsel.utils import all_selectors
    >>> dict(all_selectors())["CovarianceMatchingSelector"].__name__
    'CovarianceMatchingSelector'
    """
    from .. import selectors
    from ..base import BaseSelector

    found = [
        (name, getattr(selectors, name))
        for name in selectors.__all__
        if inspect.isclass(getattr(selectors, name))
        and issubclass(getattr(selectors, name), BaseSelector)
    ]
    return sorted(found)


def selector_short_name(selector_class):
    """The command line's name of a selector: its class name in snake case, without "Selector".

    >>> from skl_synthsel import KernelMeanMatchingSelector, KMeansSelector
    >>> selector_short_name(KernelMeanMatchingSelector), selector_short_name(KMeansSelector)
    ('kernel_mean_matching', 'kmeans')
    """
    import re

    stem = selector_class.__name__.removesuffix("Selector")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", stem).lower()
