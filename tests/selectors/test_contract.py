"""The contract every selector keeps, written once and run over ``all_selectors()``."""

import ast
import inspect
import textwrap
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.mixture import GaussianMixture

from skl_synthsel import ClassConditionalSampler
from skl_synthsel.base import BaseSelector
from skl_synthsel.utils import all_selectors
from skl_synthsel.utils._testing import make_generator_pool, make_selector

SELECTORS = [cls for _, cls in all_selectors()]
ids = [cls.__name__ for cls in SELECTORS]


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
def test_same_seed_same_selection_other_seed_other_rows(selector_class, classification_data):
    X, y, _, _ = classification_data
    pool = make_generator_pool()
    first = make_selector(selector_class, pool, n_select=0.5, random_state=4).fit(X, y)
    second = make_selector(selector_class, pool, n_select=0.5, random_state=4).fit(X, y)
    other = make_selector(selector_class, make_generator_pool(1), n_select=0.5, random_state=5).fit(
        X, y
    )
    assert np.array_equal(first.selected_indices_, second.selected_indices_)
    assert np.array_equal(first.X_pool_, second.X_pool_)
    assert not np.array_equal(first.X_pool_, other.X_pool_)


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
def test_pandas_round_trip_with_string_labels(selector_class, classification_data):
    X, y, X_pool, y_pool = classification_data
    columns = ["age", "income", "score", "height"]
    names = np.array(["low", "mid", "high"])
    X_df = pd.DataFrame(X, columns=columns).astype({"age": np.float32})
    y_s = pd.Series(names[y], name="risk")
    pool = (pd.DataFrame(X_pool, columns=columns), pd.Series(names[y_pool], name="risk"))
    selector = make_selector(selector_class, pool, n_select=1.0, random_state=0)
    X_res, y_res = selector.fit_resample(X_df, y_s)
    assert X_res.columns.tolist() == columns
    assert X_res.dtypes.tolist() == X_df.dtypes.tolist()
    assert isinstance(y_res, pd.Series) and y_res.name == "risk"
    pd.testing.assert_frame_equal(X_res.iloc[:60], X_df)
    chosen = selector.selected_indices_
    assert len(np.unique(chosen)) == len(chosen)
    assert Counter(y_res.iloc[60:].tolist()) == selector.sampling_strategy_
    assert y_res.iloc[60:].tolist() == names[y_pool[chosen]].tolist()
    assert np.allclose(X_res.iloc[60:].to_numpy(), X_pool[chosen], atol=1e-6)
    assert selector.feature_names_in_.tolist() == columns


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
@pytest.mark.parametrize("zero", [0, 0.0])
def test_n_select_zero_returns_exactly_the_real_rows(selector_class, zero, classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = make_selector(selector_class, (X_pool, y_pool), n_select=zero, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    assert np.array_equal(X_res, X) and np.array_equal(y_res, y)
    assert selector.selected_indices_.shape == (0,)
    assert selector.sampling_strategy_ == {0: 0, 1: 0, 2: 0}


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
def test_n_select_all_takes_every_pool_row_of_the_real_classes(selector_class, classification_data):
    X, y, X_pool, y_pool = classification_data
    X_pool, y_pool = X_pool[:300], y_pool[:300]
    selector = make_selector(selector_class, (X_pool, y_pool), n_select="all", random_state=0).fit(
        X, y
    )
    chosen = selector.selected_indices_
    assert len(np.unique(chosen)) == len(chosen)
    if selector._may_decline_rows:  # curation keeps a subset even of the whole pool
        assert 0 < len(chosen) <= 300
    else:
        assert sorted(chosen.tolist()) == list(range(300))
        assert selector.sampling_strategy_ == dict(Counter(y_pool.tolist()))


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
def test_refit_drops_every_attribute_of_the_previous_fit(selector_class, classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = make_selector(selector_class, (X_pool, y_pool), n_select=0.5, random_state=0).fit(
        X, y
    )
    first_fit = {name for name in vars(selector) if name not in selector.get_params()}
    assert "selected_indices_" in first_fit
    selector.stale_ = selector._stale_ = "left over"  # state only a previous fit could leave
    selector.set_params(n_select=0).fit(X, y)
    assert not hasattr(selector, "stale_") and not hasattr(selector, "_stale_")
    # With no rows to select no method runs: only the base's own attributes remain.
    assert not hasattr(selector, "weights_") and not hasattr(selector, "scores_")


def _assigns_to_self(function):
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and getattr(part.value, "id", "") == "self":
                    return True
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("setattr", "delattr"):
            return True
    return False


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
def test_selection_methods_return_what_they_learn_and_never_write_to_self(selector_class):
    for name in ("_select_group", "_solve_group", "_fit_shared", "_summarize"):
        method = getattr(selector_class, name)
        if method is not getattr(BaseSelector, name):
            assert not _assigns_to_self(method), f"{selector_class.__name__}.{name}"


PARALLEL = [cls for cls in SELECTORS if "n_jobs" in inspect.signature(cls).parameters]


def test_the_selectors_that_solve_classes_or_fit_models_at_once_have_n_jobs():
    names = {cls.__name__ for cls in PARALLEL}
    assert names == {
        "AutoSelector",
        "CovarianceMatchingSelector",
        "DS3Selector",
        "LearningDynamicsSelector",
    }


def _fitted_arrays(selector):
    return {
        name: value
        for name, value in vars(selector).items()
        if name.endswith("_") and isinstance(value, np.ndarray) and value.dtype.kind in "biuf"
    }


@pytest.mark.parametrize("selector_class", PARALLEL, ids=[cls.__name__ for cls in PARALLEL])
def test_n_jobs_changes_nothing_but_the_threads(selector_class, classification_data):
    # Three classes solved (or six models fit) two at a time: the same selection, bit for bit,
    # and every fitted array too (weights, scores, certificates, confidences).
    X, y, X_pool, y_pool = classification_data
    fits = [
        make_selector(selector_class, (X_pool, y_pool), random_state=3, n_jobs=n_jobs).fit(X, y)
        for n_jobs in (None, 2)
    ]
    assert np.array_equal(fits[0].selected_indices_, fits[1].selected_indices_)
    arrays = [_fitted_arrays(fit) for fit in fits]
    assert arrays[0].keys() == arrays[1].keys() and "selected_indices_" in arrays[0]
    for name, value in arrays[0].items():
        np.testing.assert_array_equal(value, arrays[1][name], err_msg=name)


def test_the_self_assignment_probe_can_fail():
    def leaking(self, group):
        self.models_ = []

    def augmenting(self, group):
        self.count_ += 1

    def clean(self, group):
        model = group.real
        return model

    assert _assigns_to_self(leaking) and _assigns_to_self(augmenting)
    assert not _assigns_to_self(clean)


def _collinear_float32_table():
    """The AMD reproducer: redundant columns, plus an exact copy and a constant column."""
    X, y = make_classification(
        n_samples=1000, n_classes=3, n_informative=4, weights=[0.2, 0.3, 0.5], random_state=0
    )
    X = np.column_stack([X, X[:, 0], np.full(len(X), 3.0)])
    return X.astype(np.float32), y


@pytest.mark.parametrize("selector_class", SELECTORS, ids=ids)
def test_float32_collinear_table_with_a_generator_pool(selector_class):
    X, y = _collinear_float32_table()
    pool = ClassConditionalSampler(GaussianMixture(), random_state=0)
    selector = make_selector(selector_class, pool, n_select=0.5, pool_size=4.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. a solver fallback; the rows are what matters
        X_res, y_res = selector.fit_resample(X, y)
    assert X_res.dtype == np.float32
    assert len(X_res) == len(y_res) == 1000 + len(selector.selected_indices_)
    assert selector.X_pool_.dtype == np.float32
    # The constant column stays constant in the generated rows (it has no variance to draw).
    assert np.allclose(X_res[:, -1], 3.0, atol=1e-2)
