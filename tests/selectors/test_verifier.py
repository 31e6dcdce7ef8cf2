"""VerifierSelector on the label-noise model of El Firdoussi et al., against direct counts."""

from collections import Counter

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skl_synthsel import VerifierSelector
from skl_synthsel.datasets import make_label_noise_pool


def standardise(X_real, *others):
    mean, std = X_real.mean(axis=0), X_real.std(axis=0)
    return [(rows - mean) / std for rows in (X_real, *others)]


@pytest.fixture(scope="module")
def noisy_labels():
    """200 real rows, a 2000-row pool and a 1000-row calibration split, 30% labels flipped."""
    X, y, X_pool, y_pool, pool_correct, _ = make_label_noise_pool(
        200, 2000, 20, mu=2.0, eps=0.3, return_masks=True, random_state=0
    )
    _, _, X_cal, y_given, cal_correct, _ = make_label_noise_pool(
        0, 1000, 20, mu=2.0, eps=0.3, return_masks=True, random_state=1
    )
    y_true = np.where(cal_correct, y_given, -y_given)
    return X, y, X_pool, y_pool, pool_correct, (X_cal, y_true, y_given)


def own_label_probability(verifier, rows, labels):
    columns = [verifier.classes_.tolist().index(label) for label in labels]
    return verifier.predict_proba(rows)[np.arange(len(rows)), columns]


def test_keeps_correct_labels_far_more_often_than_wrong_ones(noisy_labels):
    X, y, X_pool, y_pool, correct, calibration = noisy_labels
    selector = VerifierSelector((X_pool, y_pool), n_select=1000, calibration=calibration)
    X_res, y_res = selector.fit_resample(X, y)
    kept = np.isin(np.arange(len(X_pool)), selector.selected_indices_)
    assert kept[correct].mean() > 0.65 and kept[~correct].mean() < 0.05
    assert Counter(y_res[200:].tolist()) == selector.sampling_strategy_
    assert sum(selector.sampling_strategy_.values()) == 1000
    # The verifier is logistic regression fit on the standardised real rows.
    real, pool, cal = standardise(X, X_pool, calibration[0])
    verifier = LogisticRegression().fit(real, y)
    scores = own_label_probability(verifier, pool, y_pool)
    assert np.allclose(selector.scores_, scores)
    # Direct count on the calibration split: a row is kept when its given label's probability
    # reaches the score of the last pool row kept in that class.
    cut_offs = {
        label: np.sort(scores[y_pool == label])[::-1][quota - 1]
        for label, quota in selector.sampling_strategy_.items()
    }
    X_cal, y_true, y_given = calibration
    cal_scores = own_label_probability(verifier, cal, y_given)
    cal_kept = cal_scores >= np.array([cut_offs[label] for label in y_given])
    phi = cal_kept[y_true == y_given].mean()
    rho = cal_kept[y_true != y_given].mean()
    assert selector.phi_ == pytest.approx(phi) and selector.rho_ == pytest.approx(rho)
    assert selector.critical_label_noise_ == pytest.approx(phi / (phi + rho))
    assert selector.threshold_.tolist() == pytest.approx([cut_offs[-1], cut_offs[1]])
    # The measured rates are those of the pool, within sampling error.
    assert phi == pytest.approx(kept[correct].mean(), abs=0.06)
    assert selector.critical_label_noise_ > 0.9


def test_scores_are_the_probability_of_each_rows_own_label(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = VerifierSelector((X_pool, y_pool), n_select=2.0).fit(X, y)
    real, pool = standardise(X, X_pool)
    verifier = LogisticRegression().fit(real, y)
    assert np.allclose(selector.scores_, own_label_probability(verifier, pool, y_pool))
    expected = []
    for label, quota in selector.sampling_strategy_.items():
        members = np.flatnonzero(y_pool == label)
        expected.extend(members[np.argsort(-selector.scores_[members], kind="stable")[:quota]])
    assert selector.selected_indices_.tolist() == expected
    assert not hasattr(selector, "phi_")


def test_threshold_keeps_only_confirmed_rows_up_to_the_quota(noisy_labels):
    X, y, X_pool, y_pool, _, calibration = noisy_labels
    with pytest.warns(UserWarning, match="threshold=0.99"):
        generous = VerifierSelector(
            (X_pool, y_pool), n_select=1900, threshold=0.99, calibration=calibration
        ).fit(X, y)
    confirmed = generous.scores_ >= 0.99
    # Fewer rows pass than asked for: all of them and nothing else, and the strategy says so.
    assert sorted(generous.selected_indices_.tolist()) == np.flatnonzero(confirmed).tolist()
    assert generous.sampling_strategy_ == Counter(y_pool[confirmed].tolist())
    assert generous.threshold_.tolist() == [0.99, 0.99]
    X_cal, y_true, y_given = calibration
    cal_kept = (
        generous.verifier_.predict_proba(
            generous.feature_space_.transform(X_cal, input_name="X_cal")
        )[np.arange(len(y_given)), (y_given == 1).astype(int)]
        >= 0.99
    )
    assert generous.phi_ == pytest.approx(cal_kept[y_true == y_given].mean())
    assert generous.rho_ == pytest.approx(cal_kept[y_true != y_given].mean())
    # When the quota binds, the threshold changes nothing.
    binding = VerifierSelector((X_pool, y_pool), n_select=100, threshold=0.5).fit(X, y)
    top = VerifierSelector((X_pool, y_pool), n_select=100).fit(X, y)
    assert np.array_equal(binding.selected_indices_, top.selected_indices_)
    assert np.all(binding.threshold_ > 0.5)


def test_regression_targets_are_refused(regression_data):
    X, y, X_pool, y_pool = regression_data
    with pytest.raises(ValueError, match="VerifierSelector needs class labels"):
        VerifierSelector((X_pool, y_pool)).fit(X, y)


@pytest.mark.parametrize(
    "calibration, message",
    [
        (lambda X, y: (X, y), "tuple \\(X_cal, y_cal_true, y_cal_given\\)"),
        (lambda X, y: (X[:, :3], y, y), "3 columns but X has 4"),
        (lambda X, y: (X, y, y[:-1]), "same length"),
        (lambda X, y: (X, y, y + 5), "not classes of y"),
    ],
)
def test_bad_calibration_is_explained(classification_data, calibration, message):
    X, y, X_pool, y_pool = classification_data
    selector = VerifierSelector((X_pool, y_pool), calibration=calibration(X_pool[:50], y_pool[:50]))
    with pytest.raises(ValueError, match=message):
        selector.fit(X, y)


def test_a_threshold_no_row_reaches_leaves_every_class_empty(classification_data):
    X, y, X_pool, y_pool = classification_data
    selector = VerifierSelector((X_pool, y_pool), n_select=1.0, threshold=1.0)
    with pytest.warns(UserWarning) as record:
        X_res, y_res = selector.fit_resample(X, y)
    assert [str(warning.message)[:28] for warning in record] == [
        f"Only 0 pool rows of class {label} " for label in (0, 1, 2)
    ]
    assert selector.sampling_strategy_ == {0: 0, 1: 0, 2: 0}
    assert len(selector.selected_indices_) == 0 and np.array_equal(X_res, X)
    # Each class's rows were scored with their own label although quotas dropped to 0.
    verifier = LogisticRegression().fit(*standardise(X), y)
    assert np.allclose(
        selector.scores_, own_label_probability(verifier, standardise(X, X_pool)[1], y_pool)
    )
