"""Calls in threads: in order, lazily if asked, under the caller's scikit-learn configuration."""

import threading
import warnings

import pytest
import sklearn

from skl_synthsel.utils._parallel import map_in_threads


def _worker_state(index):
    return index, threading.current_thread().name, sklearn.get_config()["assume_finite"]


@pytest.mark.parametrize("lazily", [False, True])
def test_results_come_in_order_from_other_threads_under_the_callers_configuration(lazily):
    with sklearn.config_context(assume_finite=True):
        results = map_in_threads(_worker_state, [(i,) for i in range(6)], 2, lazily=lazily)
        results = list(results)
    assert [index for index, _, _ in results] == list(range(6))
    assert all(assume_finite for _, _, assume_finite in results)
    assert threading.current_thread().name not in {name for _, name, _ in results}


def test_one_job_runs_in_the_callers_thread_and_lazily_on_demand():
    calls = []

    def record(index):
        calls.append(index)
        return threading.current_thread().name

    results = map_in_threads(record, [(0,), (1,)], 1, lazily=True)
    assert calls == []  # nothing runs before its result is asked for
    assert next(results) == threading.current_thread().name and calls == [0]
    assert map_in_threads(record, [(2,)], None) == [threading.current_thread().name]


def test_the_threads_share_the_process_warning_filters():
    # scikit-learn's Parallel installs a copy of the filters in each worker: in threads, that
    # races with another thread's catch_warnings (a silenced solver warning got through).
    def filters_seen(_):
        return warnings.filters

    seen = map_in_threads(filters_seen, [(0,), (1,)], 2)
    assert all(filters is warnings.filters for filters in seen)
