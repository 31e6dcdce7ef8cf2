"""CovarianceMatchingSelector's solver dispatch, certificates and mixture option."""

import numpy as np
import pytest
from sklearn.covariance import LedoitWolf
from sklearn.datasets import make_classification

import skl_synthsel._solvers._relaxed as relaxed_module
from skl_synthsel import CovarianceMatchingSelector
from skl_synthsel._solvers import mixture_gap


def test_fast_and_clarabel_certify_the_same_bound(classification_data):
    X, y, X_pool, y_pool = classification_data
    fits = {
        solver: CovarianceMatchingSelector(
            (X_pool, y_pool), method="relaxed", solver=solver, random_state=0
        ).fit(X, y)
        for solver in ("fast", "CLARABEL")
    }
    fast, clarabel = fits["fast"], fits["CLARABEL"]
    scale = fast.target_norm_
    assert np.all(np.abs(fast.relaxed_lower_bound_ - clarabel.relaxed_lower_bound_) <= 1e-6 * scale)
    for selector in (fast, clarabel):
        assert np.all(selector.duality_gap_ <= 1e-6 * scale)
        np.testing.assert_allclose(
            selector.certificate_,
            selector.covariance_gap_ - selector.relaxed_lower_bound_,
            atol=1e-12,
        )
        assert np.all(selector.certificate_ >= 0)


def test_greedy_reports_its_own_certificate(classification_data):
    X, y, X_pool, y_pool = classification_data
    greedy = CovarianceMatchingSelector((X_pool, y_pool), method="greedy", random_state=0).fit(X, y)
    relaxed = CovarianceMatchingSelector((X_pool, y_pool), method="relaxed", random_state=0).fit(
        X, y
    )
    assert np.all(np.isnan(greedy.relaxed_lower_bound_)) and np.all(np.isnan(greedy.duality_gap_))
    assert np.all(np.isfinite(greedy.certificate_)) and np.all(greedy.certificate_ >= 0)
    # Its certified bound is a valid lower bound: below the relaxed optimum (at most the
    # relaxed weights' objective, the relaxed bound plus the duality gap).
    greedy_bound = greedy.covariance_gap_ - greedy.certificate_
    assert np.all(greedy_bound <= relaxed.relaxed_lower_bound_ + relaxed.duality_gap_ + 1e-9)


def _wide_data():
    X, y = make_classification(n_samples=1060, n_features=20, n_informative=10, random_state=0)
    return X[:60], y[:60], X[60:], y[60:]


@pytest.mark.parametrize("data", ["wide", "narrow"])
def test_auto_is_the_fast_solver_at_every_size_and_a_named_one_is_used(
    monkeypatch, classification_data, data
):
    # 20 features and about 500 pool rows per class, or 4 features: the fast solver on every
    # class either way (it is faster than Clarabel on small pools too); "CLARABEL" by name.
    X, y, X_pool, y_pool = _wide_data() if data == "wide" else classification_data
    calls = []
    original = relaxed_module.relaxed_fast_steps

    def counting(*args, **kwargs):  # the fast solver's steps, each solve recorded
        calls.append(args[0].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(relaxed_module, "relaxed_fast_steps", counting)
    selector = CovarianceMatchingSelector((X_pool, y_pool), method="relaxed", random_state=0).fit(
        X, y
    )
    assert len(calls) == len(np.unique(y))
    assert np.all(np.isfinite(selector.certificate_))
    calls.clear()
    named = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", solver="CLARABEL", random_state=0
    ).fit(X, y)
    assert not calls and np.all(np.isfinite(named.certificate_))


def test_mixture_matches_real_plus_selected_rows(classification_data):
    X, y, X_pool, y_pool = classification_data
    kwargs = {"covariance_estimator": LedoitWolf(), "target": "empirical", "random_state": 0}
    mixture = CovarianceMatchingSelector(
        (X_pool, y_pool), method="relaxed", mixture=True, **kwargs
    ).fit(X, y)
    plain = CovarianceMatchingSelector((X_pool, y_pool), method="relaxed", **kwargs).fit(X, y)
    space = mixture.feature_space_
    real, pool = space.transform(X, input_name="X"), space.transform(X_pool, input_name="X")
    for position, label in enumerate(mixture.classes_):
        members = np.flatnonzero(y_pool == label)
        real_rows = real[y == label]
        target = LedoitWolf().fit(real_rows).covariance_
        centred_real = real_rows - real_rows.mean(axis=0)
        centred_pool = pool[members] - real_rows.mean(axis=0)

        def gap(
            selected,
            centred_real=centred_real,
            centred_pool=centred_pool,
            members=members,
            target=target,
        ):
            return mixture_gap(
                centred_real, centred_pool, target, np.isin(members, selected).astype(float)
            )

        assert mixture.covariance_gap_[position] == pytest.approx(gap(mixture.selected_indices_))
        # The certified mixture bound holds for any subset, the plain selection's included.
        assert mixture.relaxed_lower_bound_[position] <= gap(plain.selected_indices_) + 1e-9
    greedy = CovarianceMatchingSelector(
        (X_pool, y_pool), mixture=True, method="greedy", **kwargs
    ).fit(X, y)
    assert np.all(greedy.certificate_ >= 0)


def test_fast_solver_failure_falls_back_to_greedy_with_a_warning(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = CovarianceMatchingSelector(
        (X_pool, y_pool),
        method="relaxed",
        target="empirical",
        solver="fast",
        random_state=0,
        # The target is reachable: without the projection the crippled solver fails.
        solver_options={
            "max_iter": 1,
            "working_set_limit": 10,
            "max_rounds": 0,
            "reachable": False,
        },
    )
    with pytest.warns(UserWarning, match="fast solver stopped.*falling back to method='greedy'"):
        selector.fit(X, y)
    greedy = CovarianceMatchingSelector(
        (X_pool, y_pool), method="greedy", target="empirical", random_state=0
    ).fit(X, y)
    assert np.array_equal(selector.selected_indices_, greedy.selected_indices_)


def test_fast_solver_options_are_validated(classification_data):
    X, y, X_pool, y_pool = classification_data
    with pytest.raises(ValueError, match="not options of the fast solver"):
        CovarianceMatchingSelector(
            (X_pool, y_pool), method="relaxed", solver="fast", solver_options={"max_iters": 5}
        ).fit(X, y)
