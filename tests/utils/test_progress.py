"""``verbose``: progress on standard error, class by class, with or without tqdm."""

import sys

import numpy as np
import pytest
from sklearn.datasets import make_classification

from skl_synthsel import AutoSelector, CovarianceMatchingSelector, RandomSelector
from skl_synthsel.utils import all_selectors


@pytest.fixture
def data():
    X, y = make_classification(
        n_samples=960, n_features=4, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    return X[:60], y[:60], X[60:], y[60:]


def _lines(text, name):
    return [line for line in text.splitlines() if line.startswith(f"[{name}]")]


@pytest.mark.parametrize("name, cls", all_selectors())
def test_every_selector_has_verbose_off_by_default(name, cls):
    assert "verbose" in cls._parameter_constraints
    params = cls(None, steps=[RandomSelector(None)]) if name == "SequentialSelector" else cls(None)
    assert params.get_params()["verbose"] == 0


def test_silent_by_default(data, capsys):
    X, y, X_pool, y_pool = data
    RandomSelector((X_pool, y_pool), n_select=1.0, random_state=0).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_line_per_class_without_tqdm(data, capsys, monkeypatch):
    # tqdm is optional: without it, verbose=1 writes one line per class.
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y, X_pool, y_pool = data
    selector = RandomSelector((X_pool, y_pool), n_select=2.0, random_state=0, verbose=1)
    selector.fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == ""  # standard output stays free for the CLI's table
    lines = _lines(captured.err, "RandomSelector")
    assert len(lines) == 3
    for label, line in zip(selector.classes_.tolist(), lines, strict=True):
        n_pool = int(np.sum(y_pool == label))
        n_chosen = selector.sampling_strategy_[label]
        assert line.startswith(f"[RandomSelector] class {label!r}: {n_chosen} of {n_pool} ")


def test_a_bar_over_the_pool_rows_with_tqdm(data, capsys):
    pytest.importorskip("tqdm")
    X, y, X_pool, y_pool = data
    CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert f"{len(y_pool)}/{len(y_pool)}" in err
    assert _lines(err.replace("\r", "\n"), "CovarianceMatchingSelector") == []
    # verbose=2: the bar and the per-class lines.
    CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0, verbose=2).fit(X, y)
    err = capsys.readouterr().err.replace("\r", "\n")
    assert len(_lines(err, "CovarianceMatchingSelector")) == 3


def test_composite_steps_report_their_own_classes(data, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    X, y, X_pool, y_pool = data
    from sklearn.ensemble import GradientBoostingClassifier

    model = GradientBoostingClassifier(n_estimators=5, random_state=0)
    AutoSelector((X_pool, y_pool), estimator=model, random_state=0, verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert len(_lines(err, "LearningDynamicsSelector")) == 3
    assert len(_lines(err, "CovarianceMatchingSelector")) == 3


def test_verbose_does_not_change_the_selection(data, capsys):
    X, y, X_pool, y_pool = data
    quiet = CovarianceMatchingSelector((X_pool, y_pool), n_select=2.0, random_state=0).fit(X, y)
    loud = CovarianceMatchingSelector(
        (X_pool, y_pool), n_select=2.0, random_state=0, verbose=2
    ).fit(X, y)
    np.testing.assert_array_equal(quiet.selected_indices_, loud.selected_indices_)
