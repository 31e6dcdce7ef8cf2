"""SynthesizerSampler: SDV-style synthesizers (fit(DataFrame), sample(num_rows)) as pools."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from skl_synthsel import CovarianceMatchingSelector, RandomSelector, make_pipeline
from skl_synthsel.exceptions import GeneratorFitError
from skl_synthsel.generators import SynthesizerSampler

# Every fit of every copy, across deep copies: (number of rows, set of row fingerprints).
FIT_LOG = []


class FakeSynthesizer:
    """SDV's single-table interface: ``fit(DataFrame)``, ``sample(num_rows)`` -> DataFrame.

    Numeric columns: a multivariate normal with the fitted mean and covariance; other columns:
    drawn from their observed frequencies. Draws from numpy's global generator, as many
    synthesizers do. Not a scikit-learn estimator (no get_params).
    """

    def __init__(self, jitter=1e-6):
        self.jitter = jitter
        self.fitted = False

    def fit(self, data):
        assert isinstance(data, pd.DataFrame)
        numeric = data.select_dtypes("number")
        FIT_LOG.append((len(data), {row.tobytes() for row in numeric.to_numpy(dtype=float)}))
        self.columns_ = list(data.columns)
        self.numeric_ = list(numeric.columns)
        self.mean_ = numeric.mean().to_numpy()
        self.cov_ = np.atleast_2d(np.cov(numeric.to_numpy(dtype=float), rowvar=False))
        self.cov_ = self.cov_ + self.jitter * np.eye(len(self.numeric_))
        self.frequencies_ = {
            column: data[column].value_counts(normalize=True)
            for column in data.columns
            if column not in self.numeric_
        }
        self.fitted = True

    def sample(self, num_rows):
        values = np.random.multivariate_normal(self.mean_, self.cov_, size=num_rows)
        table = pd.DataFrame(values, columns=self.numeric_)
        for column, frequency in self.frequencies_.items():
            table[column] = np.random.choice(frequency.index.to_numpy(), num_rows, p=frequency)
        return table[self.columns_]


class UncloneableSynthesizer(FakeSynthesizer):
    """A get_params that does not round-trip through the constructor: clone() refuses it."""

    def get_params(self, deep=True):
        return {"jitter": self.jitter, "epochs": 10}

    def set_params(self, **params):
        return self


@pytest.fixture
def data():
    X, y = make_classification(
        n_samples=100, n_features=4, n_informative=3, n_redundant=0, random_state=0
    )
    return X, y


def test_cross_val_score_fits_a_synthesizer_per_class_on_each_training_fold(data):
    X, y = data
    fake = FakeSynthesizer()
    pipe = make_pipeline(
        RandomSelector(SynthesizerSampler(fake, random_state=0), n_select=1.0, random_state=0),
        LogisticRegression(),
    )
    FIT_LOG.clear()
    cv = KFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=cv)
    assert scores.shape == (5,)
    assert np.all((scores >= 0) & (scores <= 1))
    # 5 folds x 2 classes, each fit on that fold's training rows of one class only.
    assert len(FIT_LOG) == 10
    rows = {row.tobytes(): i for i, row in enumerate(X)}
    for fold, (train, test) in enumerate(cv.split(X, y)):
        for label, (n_rows, seen) in zip((0, 1), FIT_LOG[2 * fold : 2 * fold + 2], strict=True):
            assert n_rows == np.sum(y[train] == label)
            indices = {rows[row] for row in seen}
            assert indices <= set(train[y[train] == label])
            assert not indices & set(test)
    assert fake.fitted is False  # the user's object is never fit: copies are


def test_rows_per_class_follow_class_proportions_and_frames_keep_columns(data):
    X, y = data
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    y = np.where(np.arange(100) < 70, "spam", "ham")
    generator = SynthesizerSampler(FakeSynthesizer(), random_state=0).fit(X, y)
    X_new, y_new = generator.sample(50)
    assert list(X_new.columns) == ["a", "b", "c", "d"] and len(X_new) == 50
    assert (y_new == "spam").sum() == 35 and (y_new == "ham").sum() == 15
    assert len(generator.synthesizers_) == 2
    assert generator.classes_.tolist() == ["ham", "spam"]
    np.testing.assert_allclose(generator.class_prior_, [0.3, 0.7])
    # Each copy learnt its own class's mean.
    spam = generator.synthesizers_[1]
    np.testing.assert_allclose(spam.mean_, X[y == "spam"].mean().to_numpy())


def test_same_random_state_same_rows_and_global_numpy_state_restored(data):
    X, y = data
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    first = SynthesizerSampler(FakeSynthesizer(), random_state=3).fit(X, y).sample(20)
    second = SynthesizerSampler(FakeSynthesizer(), random_state=3).fit(X, y).sample(20)
    other = SynthesizerSampler(FakeSynthesizer(), random_state=4).fit(X, y).sample(20)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.allclose(first[0], other[0])
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    assert isinstance(first[0], np.ndarray) and first[0].dtype == float


def test_joint_mode_reads_labels_from_the_target_column(data):
    X, y = data
    labels = np.where(y == 1, "yes", "no")
    generator = SynthesizerSampler(
        FakeSynthesizer(), per_class=False, target_column="label", random_state=0
    ).fit(X, labels)
    assert len(generator.synthesizers_) == 1
    assert generator.synthesizers_[0].columns_ == ["x0", "x1", "x2", "x3", "label"]
    X_new, y_new = generator.sample(40)
    assert X_new.shape == (40, 4)
    assert set(y_new.tolist()) <= {"yes", "no"}


def test_joint_mode_refuses_invented_labels(data):
    X, y = data  # integer labels: the fake models the column as a number
    generator = SynthesizerSampler(FakeSynthesizer(), per_class=False, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="not classes of y.*per_class=True"):
        generator.sample(10)


def test_regression_is_joint_with_the_target_column():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = X @ [1.0, -1.0] + 0.1 * rng.normal(size=60)
    generator = SynthesizerSampler(FakeSynthesizer(), random_state=0).fit(X, y)
    assert generator.task_ == "regression" and len(generator.synthesizers_) == 1
    X_new, y_new = generator.sample(2000)
    assert X_new.shape == (2000, 2) and y_new.dtype == float
    # The joint model keeps the relation between features and target.
    coef = np.linalg.lstsq(X_new, y_new, rcond=None)[0]
    np.testing.assert_allclose(coef, [1.0, -1.0], atol=0.1)
    selector = CovarianceMatchingSelector(
        SynthesizerSampler(FakeSynthesizer(), random_state=0), n_select=30, random_state=0
    )
    X_out, y_out = selector.fit_resample(X, y)
    assert X_out.shape == (90, 2) and y_out.shape == (90,)


def test_target_column_must_not_be_a_feature():
    X = pd.DataFrame({"target": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 0.0, 1.0]})
    with pytest.raises(ValueError, match="target_column='target' is also a feature"):
        SynthesizerSampler(FakeSynthesizer(), per_class=False).fit(X, [0, 1, 0, 1])


def test_objects_that_clone_refuses_are_deep_copied(data):
    X, y = data
    original = UncloneableSynthesizer()
    with pytest.raises((TypeError, RuntimeError)):
        clone(original)
    sampler = SynthesizerSampler(original, random_state=0)
    cloned = clone(sampler)
    assert cloned.synthesizer is not original
    fitted = cloned.fit(X, y)
    assert all(copy.fitted for copy in fitted.synthesizers_)
    assert original.fitted is False
    X_out, y_out = RandomSelector(sampler, n_select=10, random_state=0).fit_resample(X, y)
    assert X_out.shape == (110, 4)


def test_a_synthesizer_that_fails_names_the_class_and_the_fix(data):
    X, y = data

    class Broken(FakeSynthesizer):
        def fit(self, data):
            raise ValueError("bad column")

    with pytest.raises(GeneratorFitError, match="rows of class 0.*per_class=False"):
        SynthesizerSampler(Broken()).fit(X, y)


def test_wrong_columns_or_row_count_from_sample_is_an_error(data):
    X, y = data

    class Short(FakeSynthesizer):
        def sample(self, num_rows):
            return super().sample(num_rows).iloc[:-1]

    generator = SynthesizerSampler(Short(), random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="exactly the number of rows"):
        generator.sample(10)


def test_copulas_gaussian_multivariate(data):
    multivariate = pytest.importorskip("copulas.multivariate")
    X, y = data
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    selector = RandomSelector(
        SynthesizerSampler(multivariate.GaussianMultivariate(), random_state=0),
        n_select=20,
        random_state=0,
    )
    with np.errstate(all="ignore"):
        X_out, y_out = selector.fit_resample(X, y)
        again = clone(selector).fit(X, y)
    assert X_out.shape == (120, 4) and list(X_out.columns) == ["a", "b", "c", "d"]
    assert sum(selector.sampling_strategy_.values()) == 20
    np.testing.assert_array_equal(again.selected_indices_, selector.selected_indices_)
    pd.testing.assert_frame_equal(again.X_pool_, selector.X_pool_)


@parametrize_with_checks([SynthesizerSampler(FakeSynthesizer(), random_state=0)])
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the fake's covariance of 1 row
def test_sklearn_compatible(estimator, check):
    assert check(estimator) is None


def test_sample_needs_a_positive_int(data):
    X, y = data
    generator = SynthesizerSampler(FakeSynthesizer(), random_state=0).fit(X, y)
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="pass a positive int number of rows"):
            generator.sample(bad)


def test_fit_needs_y(data):
    X, _ = data
    with pytest.raises(ValueError, match="requires y to be passed"):
        SynthesizerSampler(FakeSynthesizer()).fit(X, None)
