"""Pool generators of the benchmark protocol: faithful kinds and harmful kinds.

Each generator is a scikit-learn style estimator with ``fit(X, y)`` and
``sample(n_samples) -> (X, y)``, so that it can be the ``pool`` of any selector (which clones and
fits it at every ``fit``) or be fit once on a disjoint split to draw a fixed pool.

Faithful kinds (they estimate the class-conditional distribution honestly):
:class:`GaussianCopulaGenerator`, :class:`GaussianMixtureGenerator`, :class:`SMOTEGenerator`.
Harmful kinds (they distort it in a way a real generator does): :class:`TruncatedGenerator`
(draws shrunk toward class modes, as a truncated GAN), :class:`LabelNoiseGenerator` (a fraction
of wrong labels) and :class:`LabelDriftGenerator` (a joint generator whose labels drift from
the features, as an under-trained conditional GAN).

Every generator fits in float64 and returns float64 rows. With an int ``random_state``,
repeated calls to ``sample`` return the same rows.
"""

import copy
from numbers import Integral, Real

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.cluster import KMeans
from sklearn.covariance import LedoitWolf
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._quotas import largest_remainder

__all__ = [
    "GaussianCopulaGenerator",
    "GaussianMixtureGenerator",
    "LabelDriftGenerator",
    "LabelNoiseGenerator",
    "SMOTEGenerator",
    "TruncatedGenerator",
]

_SEED_MAX = 2**31 - 1


def _check_n_samples(n_samples, owner):
    if (
        isinstance(n_samples, bool | np.bool_)
        or not isinstance(n_samples, Integral)
        or n_samples < 1
    ):
        raise ValueError(
            f"n_samples={n_samples!r}: pass a positive int number of rows to "
            f"{type(owner).__name__}.sample()."
        )
    return int(n_samples)


def _scale_of(X):
    """Mean and standard deviation of the columns; constant columns get a scale of 1."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def _seeded(estimator, seed):
    """A clone of ``estimator`` with ``random_state=seed`` when it has that parameter."""
    estimator = clone(estimator, safe=False)  # a generator need not be a scikit-learn estimator
    if hasattr(estimator, "get_params") and "random_state" in estimator.get_params():
        estimator.set_params(random_state=seed)
    return estimator


class _PerClassGenerator(BaseEstimator):
    """One model per class; rows are drawn per class in proportion to the fitted classes.

    Subclasses implement ``_fit_class(rows, rng) -> state`` and
    ``_sample_class(state, n_rows, rng) -> rows``.
    """

    _parameter_constraints = {"random_state": ["random_state"]}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit one model per class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted generator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.class_prior_ = counts / counts.sum()
        rng = check_random_state(self.random_state)
        self.class_models_ = [self._fit_class(X[y == label], rng) for label in self.classes_]
        return self

    def sample(self, n_samples=1):
        """Draw labelled rows: exactly the class shares seen in ``fit`` (largest remainders).

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The rows (float64), grouped by class.
        y : ndarray of shape (n_samples,)
            Their class labels.
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples, self)
        # Seeds come from random_state alone: repeated calls give the same rows.
        rng = check_random_state(self.random_state)
        counts = largest_remainder(n_samples, self.class_prior_)
        rows, labels = [], []
        for state, label, count in zip(self.class_models_, self.classes_, counts, strict=True):
            seed = rng.randint(_SEED_MAX)
            if count == 0:
                continue
            rows.append(self._sample_class(state, int(count), check_random_state(seed)))
            labels.append(np.full(count, label))
        return np.concatenate(rows).astype(np.float64, copy=False), np.concatenate(labels)


class GaussianCopulaGenerator(_PerClassGenerator):
    """Per class, marginals estimated one column at a time, joined by a Gaussian copula.

    Each column's rows are mapped to normal scores through their ranks,
    ``Phi^{-1}((rank - 1/2) / n)``; the copula is the Ledoit-Wolf correlation of those scores. A
    drawn row is a correlated normal vector ``z``, mapped back column by column through the
    inverse CDF of the marginal at ``Phi(z)``.

    Parameters
    ----------
    marginals : {"kde", "empirical"}, default="kde"
        ``"kde"``: a Gaussian kernel density per column (Silverman's bandwidth), whose variance
        is the column's variance plus the squared bandwidth; its inverse CDF is interpolated on
        a grid. ``"empirical"``: the column's empirical quantile function (linear
        interpolation between order statistics, as :func:`numpy.quantile`), which never leaves
        the observed range.
    n_grid : int, default=512
        Grid points of the interpolated inverse CDF of a ``"kde"`` marginal.
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of the fitted rows in each class.
    class_models_ : list of dict
        Per class: ``"correlation"`` (the copula), ``"root"`` (its square root) and
        ``"tables"``: per feature, the marginal's inverse CDF as ``(levels, values)`` arrays.
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    GaussianMixtureGenerator : A Gaussian mixture per class.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> import numpy as np
    >>> from skl_synthsel.datasets import GaussianCopulaGenerator
    >>> X, y = load_iris(return_X_y=True)
    >>> generator = GaussianCopulaGenerator(random_state=0).fit(X, y)
    >>> X_new, y_new = generator.sample(30)
    >>> X_new.shape, np.bincount(y_new).tolist()
    ((30, 4), [10, 10, 10])
    """

    _parameter_constraints = {
        **_PerClassGenerator._parameter_constraints,
        "marginals": [StrOptions({"kde", "empirical"})],
        "n_grid": [Interval(Integral, 16, None, closed="left")],
    }

    def __init__(self, *, marginals="kde", n_grid=512, random_state=None):
        self.marginals = marginals
        self.n_grid = n_grid
        self.random_state = random_state

    def _marginal_table(self, column):
        """(levels, values): the inverse CDF of one column's marginal at ``levels``."""
        n = len(column)
        ordered = np.sort(column)
        if self.marginals == "empirical" or n == 1:
            return np.linspace(0.0, 1.0, n), ordered
        spread = min(column.std(), (ordered[(3 * n) // 4] - ordered[n // 4]) / 1.34)
        if spread <= 0:
            spread = column.std()
        bandwidth = 0.9 * spread * n ** (-0.2)
        if bandwidth <= 0:  # a constant column
            return np.array([0.0, 1.0]), np.full(2, ordered[0])
        grid = np.linspace(ordered[0] - 5 * bandwidth, ordered[-1] + 5 * bandwidth, self.n_grid)
        cdf = ndtr((grid[:, None] - column[None, :]) / bandwidth).mean(axis=1)
        cdf[0], cdf[-1] = 0.0, 1.0
        keep = np.r_[True, np.diff(cdf) > 0]  # strictly increasing levels for np.interp
        return cdf[keep], grid[keep]

    def _fit_class(self, rows, rng):
        n, d = rows.shape
        tables = [self._marginal_table(rows[:, j]) for j in range(d)]
        if n < 3:
            correlation = np.eye(d)
        else:
            scores = ndtri((rankdata(rows, axis=0) - 0.5) / n)
            covariance = LedoitWolf().fit(scores).covariance_
            scale = np.sqrt(np.clip(np.diag(covariance), 1e-12, None))
            correlation = covariance / np.outer(scale, scale)
        eigenvalues, eigenvectors = np.linalg.eigh(correlation)
        root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
        return {"correlation": correlation, "root": root, "tables": tables}

    def _sample_class(self, state, n_rows, rng):
        normal = rng.standard_normal((n_rows, len(state["tables"]))) @ state["root"].T
        levels = ndtr(normal)
        return np.column_stack(
            [
                np.interp(levels[:, j], table_levels, table_values)
                for j, (table_levels, table_values) in enumerate(state["tables"])
            ]
        )


class GaussianMixtureGenerator(_PerClassGenerator):
    """Per class, a Gaussian mixture fit in the class's standardised space.

    A mixture is not scale-invariant (its covariance regularisation is added in the units of
    the features), so each class's rows are standardised first and the draws scaled back.

    Parameters
    ----------
    n_components : int, default=2
        Mixture components per class (at most the class's number of rows).
    covariance_type : {"full", "tied", "diag", "spherical"}, default="full"
        Passed to :class:`~sklearn.mixture.GaussianMixture`.
    reg_covar : float, default=1e-2
        Added to the diagonal of the covariances, in standardised units.
    random_state : int, RandomState instance or None, default=None
        Seeds the mixtures' initialisation and the draws.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of the fitted rows in each class.
    class_models_ : list of dict
        Per class: the fitted ``"mixture"`` and the standardisation ``"mean"``, ``"scale"``.
    n_features_in_ : int
        Number of features seen in ``fit``.

    See Also
    --------
    skl_synthsel.ClassConditionalSampler : Any density estimator, per class.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> import numpy as np
    >>> from skl_synthsel.datasets import GaussianMixtureGenerator
    >>> X, y = load_wine(return_X_y=True)
    >>> X_new, y_new = GaussianMixtureGenerator(random_state=0).fit(X, y).sample(100)
    >>> X_new.shape, np.bincount(y_new).tolist()
    ((100, 13), [33, 40, 27])
    """

    _parameter_constraints = {
        **_PerClassGenerator._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "covariance_type": [StrOptions({"full", "tied", "diag", "spherical"})],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self, *, n_components=2, covariance_type="full", reg_covar=1e-2, random_state=None
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.reg_covar = reg_covar
        self.random_state = random_state

    def _fit_class(self, rows, rng):
        mean, scale = _scale_of(rows)
        mixture = GaussianMixture(
            n_components=min(self.n_components, len(rows)),
            covariance_type=self.covariance_type,
            reg_covar=self.reg_covar,
            random_state=rng.randint(_SEED_MAX),
        ).fit((rows - mean) / scale)
        return {"mixture": mixture, "mean": mean, "scale": scale}

    def _sample_class(self, state, n_rows, rng):
        drawn, _ = _sample_mixture(state["mixture"], n_rows, rng.randint(_SEED_MAX))
        return state["mean"] + state["scale"] * drawn[rng.permutation(n_rows)]


def _sample_mixture(mixture, n_rows, seed):
    """``mixture.sample(n_rows)`` drawn with ``seed``, leaving the fitted mixture unchanged."""
    seeded = copy.copy(mixture)  # GaussianMixture.sample draws from its own random_state
    seeded.random_state = seed
    return seeded.sample(n_rows)


class SMOTEGenerator(_PerClassGenerator):
    """SMOTE's interpolation rule: points on segments between same-class nearest neighbours.

    A drawn row of class ``c`` is ``x_i + u (x_j - x_i)``: ``x_i`` a uniformly chosen real row of
    class ``c``, ``x_j`` one of its ``k_neighbors`` nearest neighbours within the class (uniform),
    ``u ~ U(0, 1)`` (Chawla et al., 2002). Neighbours are found in the class's standardised space
    (an affine map: the segments are the same).

    Parameters
    ----------
    k_neighbors : int, default=5
        Neighbours per row (fewer when the class has fewer other rows).
    random_state : int, RandomState instance or None, default=None
        Seeds the draws.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of the fitted rows in each class.
    class_models_ : list of dict
        Per class: the ``"rows"`` and the ``"neighbors"`` (indices, one row per real row).
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    A class with a single row reproduces that row.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skl_synthsel.datasets import SMOTEGenerator
    >>> X, y = load_iris(return_X_y=True)
    >>> X_new, y_new = SMOTEGenerator(random_state=0).fit(X, y).sample(9)
    >>> X_new.shape, y_new.tolist()
    ((9, 4), [0, 0, 0, 1, 1, 1, 2, 2, 2])
    """

    _parameter_constraints = {
        **_PerClassGenerator._parameter_constraints,
        "k_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, k_neighbors=5, random_state=None):
        self.k_neighbors = k_neighbors
        self.random_state = random_state

    def _fit_class(self, rows, rng):
        if len(rows) == 1:
            return {"rows": rows, "neighbors": np.zeros((1, 1), dtype=np.intp)}
        mean, scale = _scale_of(rows)
        k = min(self.k_neighbors, len(rows) - 1)
        search = NearestNeighbors(n_neighbors=k).fit((rows - mean) / scale)
        # kneighbors() without rows leaves each row out of its own neighbours.
        return {"rows": rows, "neighbors": search.kneighbors()[1]}

    def _sample_class(self, state, n_rows, rng):
        rows, neighbors = state["rows"], state["neighbors"]
        base = rng.randint(len(rows), size=n_rows)
        partner = neighbors[base, rng.randint(neighbors.shape[1], size=n_rows)]
        step = rng.uniform(size=(n_rows, 1))
        return rows[base] + step * (rows[partner] - rows[base])


def _default_generator():
    return GaussianMixtureGenerator()


class _WrappingGenerator(BaseEstimator):
    """Fits a clone of ``generator`` (seeded from ``random_state``) and keeps the classes."""

    _parameter_constraints = {
        "generator": [HasMethods(["fit", "sample"]), None],
        "random_state": ["random_state"],
    }

    def _fit_generator(self, X, y):
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        rng = check_random_state(self.random_state)
        base = _default_generator() if self.generator is None else self.generator
        self.generator_ = _seeded(base, rng.randint(_SEED_MAX)).fit(X, y)
        return X, y, rng

    def _draw(self, n_samples):
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples, self)
        X, y = self.generator_.sample(n_samples)
        return np.asarray(X, dtype=np.float64), np.asarray(y)


class TruncatedGenerator(_WrappingGenerator):
    """Draws of a generator shrunk toward their class's modes (a truncated GAN).

    The truncation trick of BigGAN / StyleGAN trades diversity for typicality: a drawn row
    ``x`` of class ``c`` becomes ``m + truncation * (x - m)``, ``m`` the nearest of the class's
    ``n_modes`` modes. With one mode (the class mean) the class covariance of the draws shrinks
    by ``truncation ** 2`` exactly; with several, the draws collapse onto a few clusters.

    Parameters
    ----------
    generator : generator with ``fit(X, y)`` and ``sample(n)``, default=None
        The generator to truncate; :class:`GaussianMixtureGenerator` when None.
    truncation : float in [0, 1], default=0.5
        ``psi``: 1 leaves the draws unchanged, 0 returns the modes.
    n_modes : int, default=1
        Modes per class: the class mean for 1, else k-means centres of the class's
        standardised rows (at most the class's number of rows).
    random_state : int, RandomState instance or None, default=None
        Seeds the wrapped generator and the k-means.

    Attributes
    ----------
    generator_ : generator
        The fitted clone of ``generator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    modes_ : list of ndarray of shape (n_modes, n_features)
        The modes of each class.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skl_synthsel.datasets import TruncatedGenerator
    >>> X, y = load_iris(return_X_y=True)
    >>> X_new, y_new = TruncatedGenerator(truncation=0.5, random_state=0).fit(X, y).sample(300)
    >>> bool(X_new[y_new == 0].std(axis=0).sum() < X[y == 0].std(axis=0).sum())
    True
    """

    _parameter_constraints = {
        **_WrappingGenerator._parameter_constraints,
        "truncation": [Interval(Real, 0, 1, closed="both")],
        "n_modes": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, generator=None, *, truncation=0.5, n_modes=1, random_state=None):
        self.generator = generator
        self.truncation = truncation
        self.n_modes = n_modes
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the wrapped generator and find each class's modes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted generator.
        """
        X, y, rng = self._fit_generator(X, y)
        self.modes_ = []
        for label in self.classes_:
            rows = X[y == label]
            n_modes = min(self.n_modes, len(rows))
            if n_modes == 1:
                self.modes_.append(rows.mean(axis=0, keepdims=True))
                continue
            mean, scale = _scale_of(rows)
            centres = (
                KMeans(n_modes, n_init=4, random_state=rng.randint(_SEED_MAX))
                .fit((rows - mean) / scale)
                .cluster_centers_
            )
            self.modes_.append(mean + scale * centres)
        return self

    def sample(self, n_samples=1):
        """Draw rows from the wrapped generator and shrink them toward their class modes.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The truncated rows (float64).
        y : ndarray of shape (n_samples,)
            Their class labels, as the wrapped generator drew them.
        """
        X, y = self._draw(n_samples)
        out = X.copy()
        for label, modes in zip(self.classes_, self.modes_, strict=True):
            rows = np.flatnonzero(y == label)
            if not len(rows):
                continue
            nearest = euclidean_distances(X[rows], modes, squared=True).argmin(axis=1)
            centre = modes[nearest]
            out[rows] = centre + self.truncation * (X[rows] - centre)
        return out, y


class LabelNoiseGenerator(_WrappingGenerator):
    """A generator's rows with a fraction of wrong labels.

    Each drawn label is replaced, independently with probability ``label_noise``, by one of the
    *other* fitted classes (uniformly): the number of wrong labels is binomial.

    Parameters
    ----------
    generator : generator with ``fit(X, y)`` and ``sample(n)``, default=None
        The generator whose labels are corrupted; :class:`GaussianMixtureGenerator` when None.
    label_noise : float in [0, 1], default=0.25
        Probability that a drawn label is wrong.
    random_state : int, RandomState instance or None, default=None
        Seeds the wrapped generator and the flips.

    Attributes
    ----------
    generator_ : generator
        The fitted clone of ``generator``.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skl_synthsel.datasets import LabelNoiseGenerator
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> generator = LabelNoiseGenerator(label_noise=0.2, random_state=0).fit(X, y)
    >>> X_new, y_new, flipped = generator.sample(1000, return_flipped=True)
    >>> X_new.shape, round(float(flipped.mean()), 1)
    ((1000, 30), 0.2)
    """

    _parameter_constraints = {
        **_WrappingGenerator._parameter_constraints,
        "label_noise": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, generator=None, *, label_noise=0.25, random_state=None):
        self.generator = generator
        self.label_noise = label_noise
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Fit the wrapped generator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels (at least two classes).

        Returns
        -------
        self : object
            The fitted generator.
        """
        self._fit_generator(X, y)
        if len(self.classes_) < 2:
            raise ValueError("LabelNoiseGenerator needs at least two classes to flip labels.")
        return self

    def sample(self, n_samples=1, return_flipped=False):
        """Draw rows and flip a random fraction ``label_noise`` of their labels.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.
        return_flipped : bool, default=False
            Also return which labels were flipped.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The wrapped generator's rows (float64).
        y : ndarray of shape (n_samples,)
            Their labels, some wrong.
        flipped : ndarray of bool of shape (n_samples,)
            True where the label was changed; only with ``return_flipped=True``.
        """
        X, y = self._draw(n_samples)
        rng = check_random_state(self.random_state)
        rng.randint(_SEED_MAX)  # the wrapped generator's seed: the flips draw after it
        flipped = rng.uniform(size=len(y)) < self.label_noise
        codes = np.searchsorted(self.classes_, y)
        shift = rng.randint(1, len(self.classes_), size=len(y))
        noisy = y.copy()
        noisy[flipped] = self.classes_[(codes[flipped] + shift[flipped]) % len(self.classes_)]
        return (X, noisy, flipped) if return_flipped else (X, noisy)


class LabelDriftGenerator(BaseEstimator):
    """A joint generator whose labels drift from the features (an under-trained CTGAN).

    One Gaussian mixture is fit to the standardised features of every class at once; its
    components do not follow the classes. A drawn row comes from a component ``k`` and its
    label from a smoothed, misspecified conditional,
    ``(1 - label_smoothing) * P(y | k) + label_smoothing * P(y)``, ``P(y | k)`` the class shares
    of the training rows in component ``k`` (by responsibility). Rows in components that mix
    classes, and every row through the smoothing, get labels that the features do not support:
    a conditional generator whose label embedding has not yet been learned.

    Parameters
    ----------
    n_components : int, default=3
        Mixture components for the whole table (fewer than the classes' own structure).
    label_smoothing : float in [0, 1], default=0.3
        Weight of the class prior in each component's label distribution: 1 makes the labels
        independent of the features.
    reg_covar : float, default=1e-2
        Added to the diagonal of the covariances, in standardised units.
    random_state : int, RandomState instance or None, default=None
        Seeds the mixture and the draws.

    Attributes
    ----------
    mixture_ : GaussianMixture
        The joint mixture, in the standardised space.
    label_given_component_ : ndarray of shape (n_components, n_classes)
        The smoothed label distribution of each component.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    class_prior_ : ndarray of shape (n_classes,)
        Fraction of the fitted rows in each class.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skl_synthsel.datasets import LabelDriftGenerator
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> generator = LabelDriftGenerator(random_state=0).fit(X, y)
    >>> X_new, y_new = generator.sample(200)
    >>> X_new.shape, generator.label_given_component_.shape
    ((200, 30), (3, 2))
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "label_smoothing": [Interval(Real, 0, 1, closed="both")],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_components=3, label_smoothing=0.3, reg_covar=1e-2, random_state=None):
        self.n_components = n_components
        self.label_smoothing = label_smoothing
        self.reg_covar = reg_covar
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the joint mixture and each component's label distribution.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted generator.
        """
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        check_classification_targets(y)
        self.classes_, codes, counts = np.unique(y, return_inverse=True, return_counts=True)
        self.class_prior_ = counts / counts.sum()
        rng = check_random_state(self.random_state)
        self.mean_, self.scale_ = _scale_of(X)
        Z = (X - self.mean_) / self.scale_
        self.mixture_ = GaussianMixture(
            n_components=min(self.n_components, len(Z)),
            reg_covar=self.reg_covar,
            random_state=rng.randint(_SEED_MAX),
        ).fit(Z)
        responsibilities = self.mixture_.predict_proba(Z)
        one_hot = np.eye(len(self.classes_))[codes]
        mass = responsibilities.T @ one_hot
        totals = mass.sum(axis=1, keepdims=True)
        conditional = np.divide(
            mass, totals, out=np.tile(self.class_prior_, (len(mass), 1)), where=totals > 0
        )
        self.label_given_component_ = (
            1 - self.label_smoothing
        ) * conditional + self.label_smoothing * self.class_prior_
        return self

    def sample(self, n_samples=1):
        """Draw rows from the joint mixture and labels from their component's distribution.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The rows (float64), in random order.
        y : ndarray of shape (n_samples,)
            Their labels.
        """
        check_is_fitted(self)
        n_samples = _check_n_samples(n_samples, self)
        rng = check_random_state(self.random_state)
        Z, components = _sample_mixture(self.mixture_, n_samples, rng.randint(_SEED_MAX))
        order = rng.permutation(n_samples)
        Z, components = Z[order], components[order]
        cumulative = np.cumsum(self.label_given_component_[components], axis=1)
        codes = (rng.uniform(size=(n_samples, 1)) > cumulative).sum(axis=1)
        codes = np.minimum(codes, len(self.classes_) - 1)
        return self.mean_ + self.scale_ * Z, self.classes_[codes]
