"""Random selection: the baseline every comparison of selectors needs."""

from ..base import BaseSelector, GroupSelection
from ..utils._docstrings import fill_doc


@fill_doc
class RandomSelector(BaseSelector):
    """Select synthetic rows uniformly at random, per class.

    Within each class (jointly for regression) the quota is drawn uniformly without
    replacement from the class's pool rows, with
    ``random_state.choice(n_pool_in_class, quota, replace=False)``; classes are drawn in the
    order of ``classes_`` from one random state seeded by ``random_state``. Every subset of
    the quota's size is equally likely, whatever the rows' features: the baseline that any
    other selector has to beat.

    {parameters_and_attributes}
    n_pool_passes_ : int
        Only with a pool held as Dask collections (:ref:`dask`): the passes over the pool
        the fit made (computes that read every block of it), one per class for a per-class
        pass.

    See Also
    --------
    CovarianceMatchingSelector : Select the rows whose covariance matches the real rows'.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skl_synthsel import RandomSelector
    >>> X_all, y_all = make_classification(n_samples=560, n_features=5, random_state=0)
    >>> X, y, X_pool, y_pool = X_all[:60], y_all[:60], X_all[60:], y_all[60:]
    >>> selector = RandomSelector((X_pool, y_pool), n_select=2.0, random_state=0)
    >>> X_res, y_res = selector.fit_resample(X, y)
    >>> X_res.shape
    (180, 5)
    >>> selector.sampling_strategy_  # two synthetic rows per real row of each class
    {0: 62, 1: 58}
    """

    # Reads no row: a Dask pool is only gathered for the output.
    _supports_dask_pool = True

    def _select_group(self, group, random_state):
        return GroupSelection(
            selected=random_state.choice(len(group.pool), group.n_select, replace=False)
        )
