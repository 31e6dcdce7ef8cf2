"""Docstring fragments shared by the selectors, filled in with :func:`fill_doc`."""

_SHARED = {
    "pool": """pool : tuple (X_pool, y_pool) or generator
        The candidate synthetic rows. Either a pair of array-likes (arrays, lists, or a
        DataFrame and a Series with the same columns as ``X``), or a generator: an object with
        ``fit(X, y)`` and ``sample(n_samples)`` returning ``(X, y)``, such as
        :class:`~skl_synthsel.ClassConditionalSampler`. A generator is cloned and fit on the rows
        given to ``fit``/``fit_resample``, so each cross-validation fold generates from its own
        training rows. Array pools are shared, not copied, between clones.""",
    "n_select": """n_select : int, float or dict, default=1.0
        How many synthetic rows to select: an int is a number of rows, a float a number of rows
        per real row (``2.0`` adds two synthetic rows per real row). For classification the rows
        are split into per-class quotas that follow the real class proportions (largest
        remainder rounding); a dict ``{class: n_rows}`` sets the quotas explicitly.""",
    "n_jobs": """n_jobs : int or None, default=None
        Classes solved at once, in threads (the solvers spend their time in BLAS and NumPy,
        which release the GIL). ``None`` means 1 unless in a :func:`joblib.parallel_config`
        context; ``-1`` means all processors. The selection does not depend on it: every
        random draw is made class by class, in order.""",
    "selector_tail": """n_components : int, float or None, default=None
        If set, the rows are compared after a :class:`~sklearn.decomposition.PCA` fit on the
        real rows (after standardisation); a float keeps that fraction of the variance.
    feature_map : transformer or None, default=None
        Applied first to real and pool rows (fit on the real rows), e.g. a
        :class:`~sklearn.compose.ColumnTransformer` that one-hot encodes categorical columns, or
        an embedding. The feature space is ``feature_map``, then standardisation with the real
        rows' mean and standard deviation, then the optional PCA, all fit on the real rows.
        Output rows stay in the original columns.
    pool_size : int or float, default=10.0
        Rows drawn from a generator pool: an int is a number of rows, a float a multiple of
        the number of rows to select. Has no effect on an array pool.
    include_real : bool, default=True
        Whether ``fit_resample`` returns the real rows followed by the selected rows (True) or
        the selected rows alone (False).
    task : {"auto", "classification", "regression"}, default="auto"
        ``"auto"`` treats a continuous ``y`` as regression (one joint selection) and anything
        else as classes (one selection per class). Set ``"regression"`` for integer-valued
        targets such as counts.
    match_target : bool, default=False
        Regression only: whether the standardised target joins the coordinates in which rows
        are compared. ``False`` compares the features alone, as the covariance-matching theory
        does (a target coordinate makes the selection copy the real rows' noise). ``True``
        guards against a generator that got the relation between features and target wrong:
        rows whose target does not follow it no longer match.
    random_state : int, RandomState instance or None, default=None
        Seeds every randomised choice: the same input and seed give the same selection.
    verbose : int, default=0
        Progress on standard error, class by class: 0 is silent; 1 shows a progress bar over
        the pool's rows if `tqdm <https://tqdm.github.io>`_ is installed (the ``progress``
        extra), else one line per class; 2 shows both.""",
    "selector_attributes": """selected_indices_ : ndarray of shape (n_selected,)
        Indices into the pool (``X_pool_``) of the selected rows, in output order: class by
        class in the order of ``classes_``, and within a class in the order of selection.
    X_pool_ : array-like of shape (n_pool, n_features)
        The candidate rows: the pool's arrays as given (not copied), or the rows drawn from a
        generator pool.
    y_pool_ : ndarray of shape (n_pool,)
        Targets of the candidate rows.
    sampling_strategy_ : dict
        Number of synthetic rows added per class (classification only), as in
        imbalanced-learn's samplers.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    task_ : str
        ``"classification"`` or ``"regression"``.
    feature_space_ : FeatureSpace
        The fitted map to the space in which rows are compared.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen in ``fit``, when ``X`` has string column names.""",
}


# Selectors without parameters of their own take both sections at once; their own
# attributes, if any, follow in the docstring.
_SHARED["parameters_and_attributes"] = "\n    ".join(
    [
        "Parameters",
        "----------",
        _SHARED["pool"],
        _SHARED["n_select"],
        _SHARED["selector_tail"],
        "",
        "Attributes",
        "----------",
        _SHARED["selector_attributes"],
    ]
)


def fill_doc(obj):
    """Replace ``{pool}``, ``{n_select}``, ``{n_jobs}``, ``{selector_tail}``,
    ``{selector_attributes}`` and ``{parameters_and_attributes}`` (both sections at once) in a
    class docstring."""
    if obj.__doc__ is None:  # python -OO strips docstrings
        return obj
    # str.replace rather than str.format: docstrings also hold literal braces ({"a", "b"}).
    for name, text in _SHARED.items():
        obj.__doc__ = obj.__doc__.replace("{" + name + "}", text)
    return obj
