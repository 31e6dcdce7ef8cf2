"""The tabular benchmark's library: protocol, measurements, summaries and report writers.

``benchmarks/paper_tabular.py`` is the command line over this module; the tests
(``tests/benchmarks/test_tabular_harness.py``) import it by path. The protocol, per real table
and seed (research notes, sections 5 and 6):

- :func:`skl_synthsel.datasets.real_generator_test_split` splits the table into a real test
  split (30 %), a small real training split (``n_real_per_class`` rows per class) and the rest,
  a disjoint split that trains the generators;
- each pool kind (:data:`POOL_KINDS`) is fit on that split and draws ``pool_factor`` rows per
  real row;
- each method adds rows to the real ones: the real rows alone, the real upper bound (as many
  extra *real* rows as a selector adds, from the generator split, where it has enough), the
  whole pool, random rows at fixed ratios, and every selector (a name -> factory mapping);
- each model is trained on every augmented set and scored on the real test split.

The summaries are paired over (table, seed): differences against random rows at the
selectors' ratio and against the real rows alone, and the **regret**: accuracy minus that of
the best fixed choice among {real only, whole pool, random at the selectors' ratio}, the best
being chosen per (pool kind, model) group on the mean over its tables and seeds (and, stricter,
per (table, pool kind, model) cell: ``regret_per_table``).
"""

import ast
import functools
import inspect
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skl_synthsel import RandomSelector
from skl_synthsel._solvers._max_entropy import target_noise_radius
from skl_synthsel.cli._select import METHODS
from skl_synthsel.datasets import (
    GaussianCopulaGenerator,
    GaussianMixtureGenerator,
    LabelDriftGenerator,
    LabelNoiseGenerator,
    SMOTEGenerator,
    TruncatedGenerator,
    real_generator_test_split,
)
from skl_synthsel.exceptions import SelectorWarning

REAL_ONLY, WHOLE_POOL, UPPER_BOUND = "real only", "whole pool", "real upper bound"
FAITHFUL, HARMFUL = "faithful", "harmful"


@dataclass(frozen=True)
class Table:
    """A real table bundled with scikit-learn or another installed package (no download).

    Attributes
    ----------
    loader : callable
        ``loader(return_X_y=True) -> (X, y)``.
    n_real_per_class : int
        Real training rows per class.
    n_pca : int or None
        If set, the features are reduced by a PCA fit on the generator split (never on the
        real training or test rows).
    requires : str or None
        The package that ships the table, if not scikit-learn.
    """

    loader: object
    n_real_per_class: int
    n_pca: int | None = None
    requires: str | None = None


def _statsmodels_data(name):
    try:
        from statsmodels import datasets
    except ImportError as exc:  # an optional table: say how to get it
        raise ImportError(
            f"The {name!r} table ships with statsmodels: pip install statsmodels "
            "(or pip install -e '.[bench]')."
        ) from exc
    return getattr(datasets, name).load_pandas().data


def load_fair(return_X_y=True):
    """statsmodels' ``fair`` (Fair, 1978): 6,366 wives, 8 features; y = any affair."""
    data = _statsmodels_data("fair")
    return data.drop(columns="affairs").to_numpy(float), (data["affairs"] > 0).to_numpy(int)


def load_anes96(return_X_y=True):
    """statsmodels' ``anes96``: 944 voters of the 1996 US election, 9 features; y = vote."""
    data = _statsmodels_data("anes96")
    columns = ["popul", "TVnews", "selfLR", "ClinLR", "DoleLR", "PID", "age", "educ", "income"]
    return data[columns].to_numpy(float), data["vote"].to_numpy(int)


TABLES = {
    "breast_cancer": Table(load_breast_cancer, 40),
    "wine": Table(load_wine, 25),
    "iris": Table(load_iris, 25),
    "digits": Table(load_digits, 30, n_pca=16),
    # Harder tables (accuracy 0.7-0.9, where the amount of added rows matters most),
    # bundled with statsmodels (the bench extra).
    "fair": Table(load_fair, 60, requires="statsmodels"),
    "anes96": Table(load_anes96, 40, requires="statsmodels"),
}


def available_tables():
    """The names of :data:`TABLES` whose package is installed."""
    import importlib.util

    return [
        name
        for name, table in TABLES.items()
        if table.requires is None or importlib.util.find_spec(table.requires) is not None
    ]


# name: (family, factory(seed) -> generator)
POOL_KINDS = {
    "copula": (FAITHFUL, lambda seed: GaussianCopulaGenerator(random_state=seed)),
    "gmm": (FAITHFUL, lambda seed: GaussianMixtureGenerator(random_state=seed)),
    "smote": (FAITHFUL, lambda seed: SMOTEGenerator(random_state=seed)),
    "truncated": (
        HARMFUL,
        lambda seed: TruncatedGenerator(truncation=0.5, n_modes=2, random_state=seed),
    ),
    "wrong_labels": (
        HARMFUL,
        lambda seed: LabelNoiseGenerator(label_noise=0.25, random_state=seed),
    ),
    "drift": (HARMFUL, lambda seed: LabelDriftGenerator(random_state=seed)),
}

MODELS = {
    "LR": lambda seed: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    "RF": lambda seed: RandomForestClassifier(n_estimators=100, random_state=seed, n_jobs=1),
    "HGB": lambda seed: HistGradientBoostingClassifier(random_state=seed),
}


def random_name(ratio):
    """The name of the random baseline at ``ratio`` synthetic rows per real row."""
    return f"random {ratio:g}:1"


def _selector_factory(selector_class, ratio, **params):
    """``factory(pool, random_state) -> selector`` for a selector class at ``ratio``."""
    return functools.partial(selector_class, n_select=ratio, **params)


def _parameter_options(selector_class, name):
    """The string options of a selector's parameter, sorted (empty if it has none)."""
    for constraint in selector_class._parameter_constraints.get(name, []):
        if hasattr(constraint, "options"):
            return sorted(constraint.options)
    return []


def default_selectors(ratio=2.0, n_components=None):
    """Every registered selector at ``ratio`` rows per real row: a name -> factory mapping.

    Covariance matching runs with each of its ``method`` options (``"covariance (relaxed)"``,
    ...). A selector that decides the amount itself (a string default ``n_select`` such as
    ``"auto"`` or ``"all"``) also runs with that default, as ``"<name> (own amount)"``. The
    registry's ``random`` is left out: it is the random baseline at the same ratio.

    Parameters
    ----------
    ratio : float, default=2.0
        Synthetic rows selected per real row.
    n_components : int, float or None, default=None
        The selectors' PCA dimension (None: the standardised features).

    Returns
    -------
    selectors : dict of str to callable
        ``factory(pool, random_state=seed)`` returns an unfitted selector.
    """
    selectors = {}
    for key, selector_class in METHODS.items():
        if key == "random":
            continue
        if key == "covariance_matching":
            for method in _parameter_options(selector_class, "method") or ["relaxed"]:
                selectors[f"covariance ({method})"] = _selector_factory(
                    selector_class, ratio, method=method, n_components=n_components
                )
            continue
        selectors[key] = _selector_factory(selector_class, ratio, n_components=n_components)
        own = inspect.signature(selector_class).parameters.get("n_select")
        if own is not None and isinstance(own.default, str):
            selectors[f"{key} (own amount)"] = _selector_factory(
                selector_class, own.default, n_components=n_components
            )
    return selectors


def _literal(text):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_method(spec, ratio=2.0, n_components=None):
    """A method given on the command line: ``(name, factory)``.

    Parameters
    ----------
    spec : str
        A name of :func:`default_selectors`, or ``key[:param=value,...]`` with ``key`` a name
        of the selector registry (``python -m skl_synthsel select --method``); values are
        Python literals or plain strings. ``n_select`` may be overridden, e.g.
        ``auto:n_select='auto'``.
    ratio : float, default=2.0
        Rows per real row, unless the spec sets ``n_select``.
    n_components : int, float or None, default=None
        The selectors' PCA dimension, unless the spec sets it.

    Returns
    -------
    name : str
        The spec itself (the name in the tables).
    factory : callable
        ``factory(pool, random_state=seed)``.
    """
    defaults = default_selectors(ratio, n_components)
    if spec in defaults:
        return spec, defaults[spec]
    key, _, text = spec.partition(":")
    if key not in METHODS:
        raise ValueError(
            f"unknown method {key!r}: choose among {sorted(defaults)} or a registry name "
            f"{sorted(METHODS)} with optional ':param=value,...'"
        )
    params = {"n_select": ratio, "n_components": n_components}
    for item in filter(None, text.split(",")):
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"{spec!r}: parameters are written name=value, got {item!r}")
        params[name.strip()] = _literal(value.strip())
    return spec, functools.partial(METHODS[key], **params)


@dataclass
class Config:
    """One benchmark run.

    Attributes
    ----------
    tables, kinds, models : list of str
        Keys of :data:`TABLES`, :data:`POOL_KINDS`, :data:`MODELS`.
    n_seeds : int
        Seeds 0 .. n_seeds - 1: splits, pools, selections and models.
    selectors : dict of str to callable
        Name -> ``factory(pool, random_state=seed)``.
    ratio : float
        The selectors' rows per real row; the random baseline at this ratio is the reference
        and one of the fixed choices of the regret, and the upper bound adds as many rows.
    random_ratios : tuple of float
        The random baselines (``ratio`` is always among them).
    pool_factor : int
        Pool rows per real row.
    baselines : bool
        Measure the baselines (real only, upper bound, whole pool, random); False measures the
        selectors alone, to add them to an earlier run's records (the splits, pools and seeds
        are the same).
    """

    tables: list = field(default_factory=lambda: ["breast_cancer", "wine", "iris"])
    kinds: list = field(default_factory=lambda: list(POOL_KINDS))
    models: list = field(default_factory=lambda: list(MODELS))
    n_seeds: int = 6
    selectors: dict = field(default_factory=default_selectors)
    ratio: float = 2.0
    random_ratios: tuple = (1.0, 2.0, 4.0)
    pool_factor: int = 15
    baselines: bool = True

    @property
    def reference(self):
        return random_name(self.ratio)

    @property
    def fixed_choices(self):
        return (REAL_ONLY, WHOLE_POOL, self.reference)

    def method_order(self):
        ratios = sorted(set(self.random_ratios) | {self.ratio})
        return (
            [REAL_ONLY, UPPER_BOUND, WHOLE_POOL]
            + [random_name(r) for r in ratios]
            + list(self.selectors)
        )


# -- the data ------------------------------------------------------------------------------------


def split_table(name, seed):
    """The real training, generator and test splits of a table, and the held-out rows.

    Returns
    -------
    split : dict
        ``"real"``, ``"generator"``, ``"test"``: ``(X, y)`` pairs (float64); ``"held_out"``:
        every row outside the real training split (generator and test splits), the reference
        for the target's noise.
    """
    table = TABLES[name]
    X, y = table.loader(return_X_y=True)
    X_real, y_real, X_gen, y_gen, X_test, y_test = real_generator_test_split(
        np.asarray(X, dtype=float), y, n_real_per_class=table.n_real_per_class, random_state=seed
    )
    if table.n_pca:
        pca = PCA(table.n_pca, random_state=seed).fit(X_gen)
        X_real, X_gen, X_test = (pca.transform(part) for part in (X_real, X_gen, X_test))
    return {
        "real": (X_real, y_real),
        "generator": (X_gen, y_gen),
        "test": (X_test, y_test),
        "held_out": (np.vstack([X_gen, X_test]), np.concatenate([y_gen, y_test])),
    }


def _standardised(rows, reference):
    mean, scale = reference.mean(axis=0), reference.std(axis=0, ddof=1)
    return (rows - mean) / np.where(scale > 0, scale, 1.0)


def covariance_error(X, y, X_reference, y_reference):
    """Mean over classes of ``||C - C_ref||_F / ||C_ref||_F`` (reference-standardised space).

    ``C`` is the sample covariance (ddof=1) of a class's rows in ``X``, ``C_ref`` that of the
    class's rows in ``X_reference``; both in the space standardised with the reference class's
    mean and standard deviation. Classes with fewer than two rows in ``X`` are skipped (NaN if
    none is left).
    """
    errors = []
    for label in np.unique(y_reference):
        rows, reference = X[y == label], X_reference[y_reference == label]
        if len(rows) < 2 or len(reference) < 2:
            continue
        C = np.cov(_standardised(rows, reference), rowvar=False)
        C_ref = np.cov(_standardised(reference, reference), rowvar=False)
        errors.append(np.linalg.norm(C - C_ref) / np.linalg.norm(C_ref))
    return float(np.mean(errors)) if errors else np.nan


def estimated_target_noise(X, y):
    """Mean over classes of the Ledoit-Wolf estimate ``r / ||C_t||_F`` of the target's noise.

    ``r = sqrt(sum_i ||z_i z_i^T - C_t||_F^2) / n`` with ``z_i`` a class's rows about their
    mean, standardised with their own statistics, and ``C_t = sum_i z_i z_i^T / n`` (research
    notes, section 5): what the real rows alone say about their covariance's sampling error.
    """
    values = []
    for label in np.unique(y):
        Z = _standardised(X[y == label], X[y == label])
        Z = Z - Z.mean(axis=0)
        C = Z.T @ Z / len(Z)
        # The library's own estimate, without the class mean's share (the covariance alone).
        radius = target_noise_radius(Z, C, include_mean=False)
        values.append(radius / np.linalg.norm(C))
    return float(np.mean(values))


def extra_real_rows(X, y, per_class, seed):
    """``per_class[label]`` rows per class drawn from ``(X, y)``, or None if too few."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for label, count in per_class.items():
        candidates = np.flatnonzero(y == label)
        if len(candidates) < count:
            return None
        rows.append(rng.choice(candidates, count, replace=False))
    rows = np.concatenate(rows)
    return X[rows], y[rows]


# -- one cell ------------------------------------------------------------------------------------


def _draw_pool(kind, X_gen, y_gen, n_rows, seed):
    """(X_pool, y_pool, wrong): ``wrong`` marks flipped labels (None when unknown)."""
    generator = POOL_KINDS[kind][1](seed).fit(X_gen, y_gen)
    if isinstance(generator, LabelNoiseGenerator):
        return generator.sample(n_rows, return_flipped=True)
    X_pool, y_pool = generator.sample(n_rows)
    return X_pool, y_pool, None


def run_cell(table, kind, seed, config, split=None):
    """Every method and model for one (table, pool kind, seed): a list of records.

    Parameters
    ----------
    table, kind : str
        Keys of :data:`TABLES` and :data:`POOL_KINDS`.
    seed : int
        Seeds the split, the pool, the selections and the models.
    config : Config
        The methods and models.
    split : dict or None, default=None
        :func:`split_table`'s result, to share one split between pool kinds.

    Returns
    -------
    records : list of dict
        One per (method, model): the accuracy on the real test split, the rows added, the
        selection time, the covariance error of the real rows and of the added rows against the
        held-out rows, and (wrong-label pools) the share of wrong labels among the added rows.
    """
    split = split_table(table, seed) if split is None else split
    (X_real, y_real), (X_gen, y_gen) = split["real"], split["generator"]
    X_test, y_test = split["test"]
    X_ref, y_ref = split["held_out"]
    X_pool, y_pool, wrong = _draw_pool(kind, X_gen, y_gen, config.pool_factor * len(y_real), seed)
    common = dict(
        table=table,
        kind=kind,
        family=POOL_KINDS[kind][0],
        seed=seed,
        target_noise=covariance_error(X_real, y_real, X_ref, y_ref),
        estimated_noise=estimated_target_noise(X_real, y_real),
    )
    models = {name: MODELS[name](seed) for name in config.models}
    records = []

    def evaluate(method, rows=None, extra=None, seconds=0.0, error=None):
        if extra is None and rows is not None:
            extra = (X_pool[rows], y_pool[rows])
        n_added = 0 if extra is None else len(extra[1])
        X_train = X_real if not n_added else np.vstack([X_real, extra[0]])
        y_train = y_real if not n_added else np.concatenate([y_real, extra[1]])
        measured = dict(
            method=method,
            n_added=n_added,
            seconds=seconds,
            added_cov_error=covariance_error(*extra, X_ref, y_ref) if n_added else np.nan,
            wrong_label_share=float(np.mean(wrong[rows]))
            if wrong is not None and rows is not None and len(rows)
            else np.nan,
            error=error,
        )
        for name, model in models.items():
            accuracy = np.nan
            if error is None:
                accuracy = clone(model).fit(X_train, y_train).score(X_test, y_test)
            records.append({**common, **measured, "model": name, "accuracy": accuracy})

    def select(method, factory):
        start = time.perf_counter()
        try:
            selector = factory((X_pool, y_pool), random_state=seed).fit(X_real, y_real)
        except Exception as exc:  # a failing selector is a result, not a crash
            evaluate(method, error=f"{type(exc).__name__}: {exc}")
            return
        evaluate(
            method, np.asarray(selector.selected_indices_), seconds=time.perf_counter() - start
        )

    if config.baselines:
        evaluate(REAL_ONLY)
        per_class = {
            label: int(round(config.ratio * np.sum(y_real == label))) for label in np.unique(y_real)
        }
        extra = extra_real_rows(X_gen, y_gen, per_class, seed)
        if extra is not None:
            evaluate(UPPER_BOUND, extra=extra)
        evaluate(WHOLE_POOL, np.arange(len(y_pool)))
        for ratio in sorted(set(config.random_ratios) | {config.ratio}):
            select(random_name(ratio), _selector_factory(RandomSelector, ratio))
    for method, factory in config.selectors.items():
        select(method, factory)
    return records


def run(config, progress=None):
    """Every cell of ``config``; returns the records as a DataFrame.

    Parameters
    ----------
    config : Config
        The run.
    progress : callable or None, default=None
        Called with a one-line message after each (table, seed).

    Returns
    -------
    results : DataFrame
        One row per (table, kind, seed, method, model).
    """
    from threadpoolctl import threadpool_limits

    records, start = [], time.perf_counter()
    tasks = [(table, seed) for table in config.tables for seed in range(config.n_seeds)]
    with threadpool_limits(limits=1), warnings.catch_warnings():
        # The library's warnings (a solver fallback still selects a valid subset) and the models'
        # convergence notices, by class; the outcomes are what the benchmark keeps.
        warnings.simplefilter("ignore", SelectorWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        for done, (table, seed) in enumerate(tasks, 1):
            split = split_table(table, seed)
            for kind in config.kinds:
                records += run_cell(table, kind, seed, config, split=split)
            if progress is not None:
                progress(
                    f"[{done}/{len(tasks)}] {table} seed {seed} "
                    f"(elapsed {time.perf_counter() - start:.0f} s)"
                )
    return pd.DataFrame.from_records(records)


# -- summaries -----------------------------------------------------------------------------------

_CELL = ["table", "kind", "model"]


def _paired(results, against):
    """Per record: accuracy minus that of method ``against`` in the same (cell, seed)."""
    keys = _CELL + ["seed"]
    reference = results[results["method"] == against].set_index(keys)["accuracy"]
    return (
        results["accuracy"].to_numpy()
        - reference.reindex(pd.MultiIndex.from_frame(results[keys])).to_numpy()
    )


def add_paired_columns(results, config):
    """The results with ``vs_random``, ``vs_real``, ``regret`` and ``regret_per_table`` columns.

    Every difference is paired per (table, kind, model, seed). The regret's best fixed choice
    is the one of ``config.fixed_choices`` with the highest mean accuracy: per (pool kind,
    model) group over its tables and seeds for ``regret`` (``best_fixed`` names it), the choice
    a user who knows the kind of generator and the model could make; per (table, pool kind,
    model) cell for ``regret_per_table``, a stricter oracle that also knows the table (a
    maximum over noisy means of few seeds: even the best fixed choice has a negative regret
    there).
    """
    results = results.copy()
    results["vs_random"] = _paired(results, config.reference)
    results["vs_real"] = _paired(results, REAL_ONLY)
    results = results.drop(columns="best_fixed", errors="ignore")
    per_group = _best_fixed(results, config, ["kind", "model"])
    results["regret"] = _regret(results, per_group, ["kind", "model"])
    results["regret_per_table"] = _regret(results, _best_fixed(results, config, _CELL), _CELL)
    return results.join(per_group, on=["kind", "model"])


def _best_fixed(results, config, by):
    """Per group of ``by``: the fixed choice of highest mean accuracy (``best_fixed``)."""
    fixed = results[results["method"].isin(config.fixed_choices)]
    means = fixed.groupby(by + ["method"])["accuracy"].mean().unstack("method")
    return means.idxmax(axis=1).rename("best_fixed")


def _regret(results, best, by):
    """Per record: accuracy minus that of its group's ``best`` fixed choice, same cell and seed."""
    keys = _CELL + ["seed"]
    best_accuracy = (
        results[["method", *keys, "accuracy"]]
        .join(best, on=by)
        .query("method == best_fixed")
        .set_index(keys)["accuracy"]
    )
    return (
        results["accuracy"].to_numpy()
        - best_accuracy.reindex(pd.MultiIndex.from_frame(results[keys])).to_numpy()
    )


def _mean_se(values):
    values = values.dropna()
    if len(values) == 0:
        return np.nan, np.nan
    se = values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.nan
    return float(values.mean()), float(se)


def summarise(results, config, by=("kind", "model")):
    """Mean and standard error over the paired units of each group and method.

    Parameters
    ----------
    results : DataFrame
        :func:`run`'s records.
    config : Config
        For the reference, the fixed choices and the method order.
    by : sequence of str, default=("kind", "model")
        Grouping columns; the units are the remaining (table, kind, seed) combinations, each
        one paired difference (their standard error treats them as independent).

    Returns
    -------
    summary : DataFrame
        One row per group and method: ``accuracy``, ``vs_random``, ``vs_real``, ``regret``
        (each with ``_se``), ``added_cov_error``, ``target_noise``, ``wrong_label_share``,
        ``n_units`` and ``n_failed``.
    """
    paired = add_paired_columns(results, config)
    rows = []
    order = {name: i for i, name in enumerate(config.method_order())}
    for keys, group in paired.groupby(list(by) + ["method"], sort=False):
        row = dict(zip(list(by) + ["method"], keys, strict=True))
        for column in ("accuracy", "vs_random", "vs_real", "regret", "regret_per_table"):
            row[column], row[column + "_se"] = _mean_se(group[column])
        for column in ("added_cov_error", "target_noise", "wrong_label_share", "seconds"):
            row[column] = float(group[column].mean()) if group[column].notna().any() else np.nan
        row["n_units"] = int(group["accuracy"].notna().sum())
        row["n_failed"] = int(group["error"].notna().sum())
        rows.append(row)
    summary = pd.DataFrame(rows)
    summary["_order"] = summary["method"].map(order).fillna(len(order))
    return summary.sort_values(list(by) + ["_order"], kind="stable").drop(columns="_order")


def pooled_regret(results, config):
    """Regret per family (faithful / harmful) and model, and per family over all models."""
    per_model = summarise(results, config, by=("family", "model"))
    overall = summarise(results, config, by=("family",)).assign(model="all")
    return pd.concat([per_model, overall], ignore_index=True)


def table_diagnostics(results):
    """Per table: size, the measured and the estimated target noise (mean over seeds)."""
    first = results.drop_duplicates(["table", "seed"])
    out = first.groupby("table", sort=False)[["target_noise", "estimated_noise"]].mean()
    out["n_real_per_class"] = [TABLES[t].n_real_per_class for t in out.index]
    return out.reset_index()


# -- report writers ------------------------------------------------------------------------------


def _signed(mean, se):
    if np.isnan(mean):
        return "n/a"
    return f"{mean:+.3f} ± {se:.3f}" if not np.isnan(se) else f"{mean:+.3f}"


def markdown_table(title, header, rows):
    """A markdown table: a level-3 title, the header, then the rows (first column left)."""
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "---|" + "---:|" * (len(header) - 1))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def rst_table(title, header, rows):
    """The same table as a reStructuredText list-table."""

    def cell(text):
        return text.replace("*", "\\*") if not text.startswith("**") else text

    lines = [f".. list-table:: {title}", "   :header-rows: 1", "   :stub-columns: 1"]
    lines += ["   :class: benchmark-table", ""]
    for row in [header] + rows:
        lines.append(f"   * - {cell(row[0])}")
        lines += [f"     - {cell(value)}" for value in row[1:]]
    return "\n".join(lines) + "\n"


def regret_table(results, config, regret="regret"):
    """(title, header, rows): ``regret`` (or ``"regret_per_table"``) by family and model.

    The best non-fixed method of each column is in bold.
    """
    pooled = pooled_regret(results, config)
    models = [m for m in config.models if m in set(pooled["model"])] + ["all"]
    columns = [(f, m) for f in (FAITHFUL, HARMFUL) for m in models if f in set(pooled["family"])]
    index = pooled.set_index(["family", "model", "method"])
    methods = [m for m in config.method_order() if m in set(pooled["method"])]
    candidates = [m for m in methods if m in config.selectors]
    best = {}
    for column in columns:
        values = {m: index[regret].get((*column, m), np.nan) for m in candidates}
        values = {m: v for m, v in values.items() if not np.isnan(v)}
        best[column] = max(values, key=values.get) if values else None
    rows = []
    for method in methods:
        cells = [method]
        for column in columns:
            key = (*column, method)
            text = _signed(index[regret].get(key, np.nan), index[regret + "_se"].get(key, np.nan))
            cells.append(f"**{text}**" if best[column] == method else text)
        rows.append(cells)
    header = ["method"] + [f"{family} {model}" for family, model in columns]
    per_table = regret == "regret_per_table"
    title = (
        f"{'Per-table regret' if per_table else 'Regret'}: accuracy minus the best fixed choice "
        f"(real only, whole pool, {config.reference}) per "
        f"{'(table, pool kind, model)' if per_table else '(pool kind, model)'}, "
        "mean ± s.e. over (table, kind, seed)"
    )
    return title, header, rows


def kind_tables(results, config):
    """Per pool kind: methods x models (accuracy, vs random, vs real only, regret)."""
    summary = summarise(results, config).set_index(["kind", "model", "method"])
    tables = []
    for kind in [k for k in config.kinds if k in set(results["kind"])]:
        models = [m for m in config.models if (kind, m) in summary.index.droplevel(2)]
        header = ["method", "added cov. error"]
        header += [f"{m} {c}" for m in models for c in ("acc.", "vs random", "vs real", "regret")]
        if kind == "wrong_labels":
            header.insert(2, "wrong labels")
        rows = []
        for method in [m for m in config.method_order() if (kind, models[0], m) in summary.index]:
            first = summary.loc[(kind, models[0], method)]
            cells = [
                method,
                "n/a" if np.isnan(first["added_cov_error"]) else f"{first['added_cov_error']:.2f}",
            ]
            if kind == "wrong_labels":
                share = first["wrong_label_share"]
                cells.append("n/a" if np.isnan(share) else f"{share:.2f}")
            for model in models:
                row = summary.loc[(kind, model, method)]
                cells.append("n/a" if np.isnan(row["accuracy"]) else f"{row['accuracy']:.3f}")
                for column in ("vs_random", "vs_real", "regret"):
                    cells.append(_signed(row[column], row[column + "_se"]))
            rows.append(cells)
        family = POOL_KINDS[kind][0]
        noise = results.loc[results["kind"] == kind, "target_noise"].mean()
        title = (
            f"{kind} pool ({family}): mean accuracy and paired differences ± s.e. over "
            f"(table, seed); the real rows' own covariance error is {noise:.2f}"
        )
        tables.append((title, header, rows))
    return tables


def diagnostics_table(results):
    """(title, header, rows): per table, the target's noise measured and estimated."""
    diagnostics = table_diagnostics(results)
    rows = [
        [r.table, str(r.n_real_per_class), f"{r.target_noise:.2f}", f"{r.estimated_noise:.2f}"]
        for r in diagnostics.itertuples()
    ]
    header = ["table", "real rows per class", "measured", "Ledoit-Wolf estimate"]
    title = (
        "The target's noise: relative Frobenius error of the real rows' class covariance "
        "against the held-out rows, and its estimate from the real rows alone"
    )
    return title, header, rows


def coverage_notes(results):
    """Lines naming the methods measured on fewer tables than the others, with their tables."""
    measured = results[results["accuracy"].notna()]
    tables = measured.groupby("method")["table"].unique()
    every = set(measured["table"])
    return [
        f"- {method}: measured on {', '.join(sorted(found))} only (its means are over fewer "
        "tables than the other rows'; its paired differences are paired within those tables)."
        for method, found in tables.items()
        if set(found) != every
    ]


def failures(results):
    """Lines naming each method that failed, with its first error message."""
    failed = results[results["error"].notna()].drop_duplicates(["method", "table", "kind", "seed"])
    lines = []
    for method, group in failed.groupby("method"):
        lines.append(f"- {method}: failed in {len(group)} cell(s), e.g. {group['error'].iloc[0]}")
    return lines


def write_reports(results, config, output, setup):
    """Write ``paper_tabular.md``, ``paper_tabular.inc`` and the summary CSV into ``output``.

    Parameters
    ----------
    results : DataFrame
        :func:`run`'s records.
    config : Config
        The run's configuration.
    output : Path
        An existing directory.
    setup : str
        A paragraph describing the run (first in both reports).

    Returns
    -------
    paths : list of Path
        The files written.
    """
    tables = [regret_table(results, config), regret_table(results, config, "regret_per_table")]
    tables.append(diagnostics_table(results))
    tables += kind_tables(results, config)
    coverage = coverage_notes(results)
    notes = failures(results)
    legend = (
        "Regret and differences are paired per (table, pool kind, model, seed); bold: the "
        "selector of highest regret. 'added cov. error': the relative Frobenius error of the "
        "added rows' class covariance against the held-out rows (the same measure as the "
        "target's noise)."
    )
    md = ["# Selection on real tables: faithful and harmful pools", "", setup, "", legend, ""]
    md += [markdown_table(*table) for table in tables]
    rst = [setup, "", legend, ""] + [rst_table(*table) for table in tables]
    if coverage:
        md[6:6] = [*coverage, ""]
        rst[4:4] = [*coverage, ""]
    if notes:
        md += ["### Failures", "", *notes, ""]
        rst += ["**Failures.**", "", *notes, ""]
    paths = [output / "paper_tabular.md", output / "paper_tabular.inc"]
    paths[0].write_text("\n".join(md) + "\n")
    paths[1].write_text("\n".join(rst) + "\n")
    summary_path = output / "paper_tabular_summary.csv"
    pd.concat(
        [summarise(results, config), pooled_regret(results, config)], ignore_index=True
    ).to_csv(summary_path, index=False, float_format="%.5g")
    return paths + [summary_path]


# -- plots ---------------------------------------------------------------------------------------


def _colours(methods):
    import matplotlib

    palette = matplotlib.colormaps["tab20"]
    return {m: palette(i % 20) for i, m in enumerate(methods)}


def plot_accuracy_vs_ratio(results, config, path):
    """Accuracy minus real only against the rows added per real row, per kind and model."""
    import matplotlib.pyplot as plt

    summary = summarise(results, config)
    kinds = [k for k in config.kinds if k in set(summary["kind"])]
    models = [m for m in config.models if m in set(summary["model"])]
    fig, axes = plt.subplots(
        len(models),
        len(kinds),
        figsize=(2.6 * len(kinds), 2.3 * len(models) + 0.8),
        squeeze=False,
        sharex=True,
    )
    ratios = sorted(set(config.random_ratios) | {config.ratio})
    selectors = list(config.selectors)
    colours = _colours(selectors)
    for i, model in enumerate(models):
        for j, kind in enumerate(kinds):
            ax = axes[i, j]
            data = summary[(summary["kind"] == kind) & (summary["model"] == model)]
            value = data.set_index("method")["vs_real"]
            curve = [0.0] + [value.get(random_name(r), np.nan) for r in ratios]
            curve.append(value.get(WHOLE_POOL, np.nan))
            xs = [0.0] + list(ratios) + [float(config.pool_factor)]
            ax.plot(xs, curve, color="black", marker="o", ms=3, label="random / whole pool")
            ax.axhline(0.0, color="grey", lw=0.8)
            if UPPER_BOUND in value:
                ax.plot(
                    [config.ratio], [value[UPPER_BOUND]], "s", color="tab:green", label=UPPER_BOUND
                )
            offsets = np.linspace(-0.25, 0.25, max(len(selectors), 1))
            for offset, method in zip(offsets, selectors, strict=False):
                if method in value:
                    ax.plot(
                        [config.ratio * np.exp(offset)],
                        [value[method]],
                        "x",
                        color=colours[method],
                        label=method,
                    )
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_xticks(xs)
            ax.set_xticklabels([f"{x:g}" for x in xs], fontsize=7)
            ax.tick_params(axis="y", labelsize=7)
            ax.set_title(f"{kind}, {model}", fontsize=9)
            if j == 0:
                ax.set_ylabel("accuracy − real only", fontsize=8)
            if i == len(models) - 1:
                ax.set_xlabel("rows added per real row", fontsize=8)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=7, frameon=False
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_gap_vs_accuracy(results, config, path):
    """Regret against the added rows' covariance error, per family; the target's noise marked."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    summary = summarise(results, config, by=("family",))
    noise = results["target_noise"].mean()
    families = [f for f in (FAITHFUL, HARMFUL) if f in set(summary["family"])]
    fig, axes = plt.subplots(1, len(families), figsize=(5.2 * len(families), 4.2), squeeze=False)
    methods = [m for m in config.method_order() if m in set(summary["method"])]
    colours = _colours(methods)
    for ax, family in zip(axes[0], families, strict=True):
        data = summary[summary["family"] == family].set_index("method")
        for method in methods:
            if method in data.index and not np.isnan(data.loc[method, "added_cov_error"]):
                row = data.loc[method]
                ax.errorbar(
                    row["added_cov_error"],
                    row["regret"],
                    yerr=row["regret_se"],
                    fmt="o",
                    color=colours[method],
                    label=method,
                    ms=5,
                    capsize=2,
                )
        ax.axvline(noise, color="grey", ls="--", lw=1, label="target's noise (real rows)")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator([0.2, 0.3, 0.5, 1, 2, 5, 10, 20]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{family} pools", fontsize=10)
        ax.set_xlabel("added rows' class covariance error vs held-out rows")
        ax.set_ylabel("regret")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_composition(results, config, path):
    """Share of wrong labels among the rows each method adds from the wrong-label pool."""
    import matplotlib.pyplot as plt

    data = results[(results["kind"] == "wrong_labels") & results["wrong_label_share"].notna()]
    shares = data.groupby("method")["wrong_label_share"].mean()
    methods = [m for m in config.method_order() if m in shares.index]
    fig, ax = plt.subplots(figsize=(7, 0.32 * max(len(methods), 1) + 1.4))
    ax.barh(methods, [shares[m] for m in methods], color="tab:red")
    if WHOLE_POOL in shares:
        ax.axvline(shares[WHOLE_POOL], color="black", ls="--", lw=1, label="whole pool")
        ax.legend(fontsize=8, frameon=False)
    ax.invert_yaxis()
    ax.set_xlabel("share of wrong labels among the added rows (wrong-label pool)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def write_plots(results, config, output):
    """The three PNG files of the documentation; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    paths = [
        output / "paper_tabular_accuracy_vs_ratio.png",
        output / "paper_tabular_gap_vs_accuracy.png",
        output / "paper_tabular_composition.png",
    ]
    plot_accuracy_vs_ratio(results, config, paths[0])
    plot_gap_vs_accuracy(results, config, paths[1])
    plot_composition(results, config, paths[2])
    return paths


def print_progress(message):
    """Progress to standard error."""
    print(message, file=sys.stderr, flush=True)
