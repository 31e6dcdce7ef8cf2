"""One BLAS thread for small dense problems, where threading costs more than it saves.

A Cholesky factor of a 200 x 200 matrix takes twice as long with two OpenBLAS threads as with
one, and a regime-sweep row of 100 classes of 200 rows four to five times as long (measured on
two cores). The solvers run such problems under :func:`single_blas_thread`, as scikit-learn's
k-means limits the BLAS around its small per-chunk products.

The limit is set in the main thread only. threadpoolctl's limits are process-wide, but
OpenBLAS does not reliably take a new thread count from another thread (measured: a limit set
in a worker thread while the main thread had set one was not applied), and a restore that
failed that way would leave the process on one thread. In the threads of ``n_jobs`` the
context does nothing: there the classes already run side by side.
"""

import functools
import threading
from contextlib import contextmanager, nullcontext

from threadpoolctl import ThreadpoolController

_controller = []  # inspecting the loaded libraries is slow: once, when first needed
_depth = [0]  # nesting in the main thread


@contextmanager
def single_blas_thread():
    """Run the block with one BLAS thread (in the main thread; elsewhere, unchanged)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if _depth[0]:
        _depth[0] += 1
        try:
            yield
        finally:
            _depth[0] -= 1
        return
    if not _controller:
        _controller.append(ThreadpoolController())
    limiter = _controller[0].limit(limits=1, user_api="blas")
    _depth[0] = 1
    try:
        yield
    finally:
        _depth[0] = 0
        limiter.restore_original_limits()


def single_blas_thread_when(is_small):
    """Decorate a solver of rows ``U``: run it under :func:`single_blas_thread` when
    ``is_small(U)``."""

    def decorate(function):
        @functools.wraps(function)
        def solve(U, *args, **kwargs):
            with single_blas_thread() if is_small(U) else nullcontext():
                return function(U, *args, **kwargs)

        return solve

    return decorate
