"""One thread for small problems, where threading costs more than it saves.

BLAS. A Cholesky factor of a 200 x 200 matrix takes twice as long with two OpenBLAS threads as
with one, and a regime-sweep row of 100 classes of 200 rows four to five times as long
(measured on two cores). The solvers run such problems under :func:`single_blas_thread`, as
scikit-learn's k-means limits the BLAS around its small per-chunk products. That limit is set
in the main thread only. threadpoolctl's limits are process-wide, but OpenBLAS does not
reliably take a new thread count from another thread (measured: a limit set in a worker thread
while the main thread had set one was not applied), and a restore that failed that way would
leave the process on one thread. In the threads of ``n_jobs`` the context does nothing: there
the classes already run side by side.

OpenMP. Histogram gradient boosting parallelises each tree's histograms and each stage's
predictions over OpenMP threads; on small data the synchronisation costs more than the work
(scikit-learn issue #30662: up to 15x slower than one thread; here 2-5x on 100-2,000 rows with
a busy second core). :func:`single_openmp_thread_when` runs such fits and predictions on one
thread. An OpenMP thread count belongs to the thread that sets it (``omp_set_num_threads``
writes the calling thread's copy), so this limit is safe in the threads of ``n_jobs`` too.
"""

import functools
import threading
from contextlib import contextmanager, nullcontext

from threadpoolctl import ThreadpoolController

_controller = []  # inspecting the loaded libraries is slow: once, when first needed
_depth = [0]  # nesting in the main thread

# Below this many values (rows x features), one OpenMP thread: the size below which
# scikit-learn's maintainers measured one thread as fast as all (issue #30662, PR #32955).
OPENMP_SMALL_VALUES = 1_000_000


def _threadpool_controller():
    if not _controller:
        _controller.append(ThreadpoolController())
    return _controller[0]


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
    limiter = _threadpool_controller().limit(limits=1, user_api="blas")
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


def each_step_on_one_blas_thread_when(is_small):
    """Decorate a generator function of rows ``U`` (a solve that yields requests to its caller):
    each of its steps, between two yields, runs under :func:`single_blas_thread` when
    ``is_small(U)``, and what the caller does between the steps runs under its own limits."""

    def decorate(generator_function):
        @functools.wraps(generator_function)
        def steps(U, *args, **kwargs):
            context = single_blas_thread if is_small(U) else nullcontext
            generator = generator_function(U, *args, **kwargs)
            reply = None
            while True:
                with context():
                    try:
                        request = generator.send(reply)
                    except StopIteration as stop:
                        return stop.value
                reply = yield request

        return steps

    return decorate


@contextmanager
def single_openmp_thread_when(is_small):
    """Run the block with one OpenMP thread in the calling thread if ``is_small``."""
    if not is_small:
        yield
        return
    limiter = _threadpool_controller().limit(limits=1, user_api="openmp")
    try:
        yield
    finally:
        limiter.restore_original_limits()
