"""The counted one-thread BLAS limit of the small dense solves, and the OpenMP limit of the
small boosted fits."""

import threading

import numpy as np
import pytest
import scipy.linalg  # noqa: F401  (SciPy's BLAS loaded: it is limited too)
from threadpoolctl import threadpool_info, threadpool_limits

from skl_synthsel._solvers import solve_relaxed_fast
from skl_synthsel.utils._threads import (
    each_step_on_one_blas_thread_when,
    single_blas_thread,
    single_openmp_thread_when,
)


def _threads(user_api):
    return {
        info["filepath"]: info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == user_api
    }


def _blas_threads():
    return _threads("blas")


@pytest.fixture
def two_threads():
    if not _blas_threads():
        pytest.skip("no BLAS that threadpoolctl can inspect")
    with threadpool_limits(limits=2, user_api="blas"):
        yield _blas_threads()


def test_the_limit_holds_inside_and_is_restored(two_threads):
    with single_blas_thread():
        assert set(_blas_threads().values()) == {1}
        with single_blas_thread():  # nested: still one, still restored once
            assert set(_blas_threads().values()) == {1}
        assert set(_blas_threads().values()) == {1}
    assert _blas_threads() == two_threads


@pytest.mark.parametrize("small", [True, False])
def test_a_generator_solve_steps_on_one_thread_and_yields_under_the_callers(two_threads, small):
    """Each step of a decorated generator runs on one BLAS thread when its rows are small;
    between its yields the caller keeps its own limits; the return value comes through."""
    seen = []

    @each_step_on_one_blas_thread_when(lambda U: small)
    def steps(U, n_steps):
        for _ in range(n_steps):
            seen.append(set(_blas_threads().values()))
            reply = yield "request"
            assert reply == "reply"
        seen.append(set(_blas_threads().values()))
        return U.sum()

    generator = steps(np.ones(3), 2)
    assert generator.send(None) == "request"
    assert _blas_threads() == two_threads  # the caller, between two steps
    assert generator.send("reply") == "request"
    with pytest.raises(StopIteration) as stop:
        generator.send("reply")
    assert stop.value.value == 3.0
    inside = {1} if small else set(two_threads.values())
    assert seen == [inside] * 3
    assert _blas_threads() == two_threads


def test_other_threads_leave_the_limits_alone(two_threads):
    # OpenBLAS does not reliably take a thread count from a non-main thread, and a restore
    # lost that way would leave the process on one thread: there the context does nothing.
    seen = {}

    def worker():
        with single_blas_thread():
            seen["inside"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == {"inside": True}
    assert _blas_threads() == two_threads
    # In the main thread, while a worker runs inside, the main thread's limit still holds.
    with single_blas_thread():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert set(_blas_threads().values()) == {1}
    assert _blas_threads() == two_threads


def test_a_small_solve_gives_the_same_weights_under_any_thread_count(two_threads):
    # 200 rows in 20 dimensions: run on one thread inside whatever the caller set.
    rng = np.random.default_rng(0)
    U = rng.normal(size=(200, 20))
    target = 0.9 ** np.abs(np.subtract.outer(np.arange(20), np.arange(20)))
    with_two = solve_relaxed_fast(U, target, 20)
    assert _blas_threads() == two_threads
    with threadpool_limits(limits=1, user_api="blas"):
        with_one = solve_relaxed_fast(U, target, 20)
    assert with_two.converged and np.array_equal(with_two.weights, with_one.weights)


@pytest.fixture
def two_openmp_threads():
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime its boosting uses)

    if not _threads("openmp"):
        pytest.skip("no OpenMP runtime that threadpoolctl can inspect")
    with threadpool_limits(limits=2, user_api="openmp"):
        yield _threads("openmp")


def test_openmp_limit_holds_when_small_and_is_restored(two_openmp_threads):
    with single_openmp_thread_when(True):
        assert set(_threads("openmp").values()) == {1}
    assert _threads("openmp") == two_openmp_threads
    with single_openmp_thread_when(False):
        assert _threads("openmp") == two_openmp_threads


def test_openmp_limit_in_a_worker_thread_leaves_the_caller_alone(two_openmp_threads):
    # omp_set_num_threads sets the calling thread's count: a worker of n_jobs limiting its
    # own fits must not change the main thread's, nor leave itself limited afterwards.
    seen = {}

    def worker():
        # A new thread starts from the runtime's default count, not from the caller's.
        seen["before"] = _threads("openmp")
        with single_openmp_thread_when(True):
            seen["inside"] = set(_threads("openmp").values())
        seen["after"] = _threads("openmp")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["inside"] == {1} and seen["after"] == seen["before"]
    assert _threads("openmp") == two_openmp_threads
