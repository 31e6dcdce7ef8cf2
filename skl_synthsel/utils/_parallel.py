"""Calls run ``n_jobs`` at a time in threads, in order, with scikit-learn's configuration.

Threads, not processes: the work (solvers, tree building) runs in BLAS, NumPy and Cython code
that releases the GIL, and nothing is copied. scikit-learn's configuration is per thread, so each
call runs under the caller's. ``sklearn.utils.parallel`` does that too, but it also sets the
warning filters in each worker: in threads, which share the process's filters, that races with
any ``catch_warnings`` in another thread (a solver's, say) and lets silenced warnings through.
"""

from joblib import Parallel, delayed, effective_n_jobs
from sklearn import config_context, get_config


def _with_config(function, config):
    def call(*args):
        with config_context(**config):
            return function(*args)

    return call


def map_in_threads(function, argument_lists, n_jobs, *, lazily=False):
    """``function(*arguments)`` for each of ``argument_lists``, ``n_jobs`` at a time in threads.

    Parameters
    ----------
    function : callable
    argument_lists : list of tuple
    n_jobs : int or None
        As joblib's: None is 1 unless in a :func:`joblib.parallel_config` context, -1 all
        processors.
    lazily : bool, default=False
        Return an iterator over the results (in order) instead of a list: the caller can use
        the first results while the threads compute the others. With one job, each call is
        then made when its result is asked for.

    Returns
    -------
    results : list or iterator
        The results in the order of ``argument_lists``.
    """
    if effective_n_jobs(n_jobs) == 1:
        results = (function(*arguments) for arguments in argument_lists)
        return results if lazily else list(results)
    call = _with_config(function, get_config())
    return Parallel(n_jobs=n_jobs, prefer="threads", return_as="generator" if lazily else "list")(
        delayed(call)(*arguments) for arguments in argument_lists
    )
