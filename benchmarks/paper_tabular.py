"""The covariance-matching paper's protocol on real tabular data, for every registered selector.

Rezaei et al. (2025) train on a small real set plus synthetic rows chosen from a large pool
made by a pretrained generator, at 1:1 to 4:1 synthetic:real, and compare selection methods on
real test accuracy. On tabular data, per dataset and seed:

- the data set (bundled with scikit-learn: no download) is split into a real test split (30 %),
  a small real training split (``n_real_per_class`` rows per class) and the rest, a disjoint
  split that only trains the generators (the stand-in for a pretrained generator);
- four generators are fit on that split, one per class: a Gaussian mixture, a kernel density
  (Scott's bandwidth: over-smoothed), a Gaussian copula (empirical marginals), and the flawed
  generator of :func:`skl_synthsel.datasets.make_flawed_pool` (30 % mode-collapsed rows, 30 %
  over-dispersed rows, 10 % flipped labels);
- the *mixed pool* takes an equal share of rows from each generator (``pool_factor`` pool rows
  per real row in all), as a user who pools several generators would;
- every selector of the registry (covariance matching both relaxed and greedy) chooses
  ``ratio`` synthetic rows per real row, per class; baselines are the real rows alone, the real
  rows plus the whole mixed pool, and the real upper bound (the same number of extra *real*
  rows, taken from the generator split, where it has enough);
- three models are trained on each augmented set and scored on the real test split: a
  logistic regression, a random forest and a small MLP.

A second experiment gives each generator's pool alone to the selectors (logistic regression,
ratio 2:1, breast cancer and wine): it shows where selection matters and where it does not.

All selectors compare rows in the same space: standardised with the real rows' statistics, then
a PCA fit on the real rows to ``n_components`` dimensions (the paper's step 2), because with
15-25 real rows per class a covariance in 30-64 dimensions is mostly noise.

Run ``python benchmarks/paper_tabular.py`` (about 15 minutes on 2 cores; ``--n-jobs 1`` for one
process) to write the tables and plots that the documentation shows into
``docs/_static/benchmarks/``, or ``--quick`` for a small run written to
``benchmarks/results/paper_tabular_quick/``.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.covariance import LedoitWolf
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from sklearn.utils import check_random_state

from skl_synthsel import ClassConditionalSampler
from skl_synthsel.cli._demo import split_real_generator_test
from skl_synthsel.cli._select import METHODS as SELECTORS
from skl_synthsel.datasets import make_flawed_pool
from skl_synthsel.metrics import covariance_shift

REPO = Path(__file__).resolve().parents[1]
DOCS_OUTPUT = REPO / "docs" / "_static" / "benchmarks"
QUICK_OUTPUT = REPO / "benchmarks" / "results" / "paper_tabular_quick"

# name: (loader, real training rows per class)
DATASETS = {
    "breast_cancer": (load_breast_cancer, 25),
    "wine": (load_wine, 15),
    "digits": (load_digits, 20),
}
GENERATORS = ("gmm", "kde", "copula", "flawed")
# The sources of mixed-pool rows: the flawed generator's rows by flaw.
SOURCES = ("gmm", "kde", "copula", "flawed:faithful", "flawed:collapsed", "flawed:dispersed")
MODELS = ("logistic", "forest", "mlp")
MODEL_LABELS = {"logistic": "LR", "forest": "RF", "mlp": "MLP"}
REAL_ONLY, WHOLE_POOL, UPPER_BOUND = "real only", "real + whole pool", "real upper bound"
REFERENCE = "random"
MAIN = "covariance (relaxed)"


# -- generators ---------------------------------------------------------------------------------


class StandardizedDensity(BaseEstimator):
    """A density estimator fit in the standardised space; samples are scaled back.

    Gaussian mixtures and kernel densities are not scale-invariant: a feature in the thousands
    would dominate the covariance regularisation or the bandwidth.
    """

    def __init__(self, estimator, random_state=None):
        self.estimator = estimator
        self.random_state = random_state

    def fit(self, X, y=None):
        self.scaler_ = StandardScaler().fit(X)
        self.estimator_ = clone(self.estimator)
        if "random_state" in self.estimator_.get_params():
            self.estimator_.set_params(random_state=self.random_state)
        self.estimator_.fit(self.scaler_.transform(X))
        return self

    def sample(self, n_samples=1, random_state=None):
        if isinstance(self.estimator_, KernelDensity):
            drawn = self.estimator_.sample(n_samples, random_state=random_state)
        else:
            if random_state is not None:
                self.estimator_.set_params(random_state=random_state)
            drawn = self.estimator_.sample(n_samples)[0]
        return self.scaler_.inverse_transform(drawn)


class GaussianCopula(BaseEstimator):
    """Empirical marginals joined by a Gaussian dependence (Ledoit-Wolf correlation)."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y=None):
        self.marginals_ = QuantileTransformer(
            n_quantiles=min(len(X), 100),
            output_distribution="normal",
            random_state=self.random_state,
        ).fit(X)
        normal = self.marginals_.transform(X)
        self.mean_ = normal.mean(axis=0)
        self.root_ = np.linalg.cholesky(
            LedoitWolf().fit(normal).covariance_ + 1e-9 * np.eye(X.shape[1])
        )
        return self

    def sample(self, n_samples=1, random_state=None):
        rng = check_random_state(self.random_state if random_state is None else random_state)
        normal = self.mean_ + rng.standard_normal((n_samples, len(self.mean_))) @ self.root_.T
        return self.marginals_.inverse_transform(normal)


def make_generator(name, seed):
    """A class-conditional generator with ``fit(X, y)`` and ``sample(n) -> (X, y)``."""
    density = {
        "gmm": StandardizedDensity(GaussianMixture(n_components=2, reg_covar=1e-2)),
        "kde": StandardizedDensity(KernelDensity(bandwidth="scott")),
        "copula": GaussianCopula(),
    }[name]
    return ClassConditionalSampler(density, random_state=seed)


def draw_pools(X_gen, y_gen, n_rows, seed):
    """``n_rows`` rows from each generator, and each row's source (flaw for the flawed one)."""
    pools = {}
    for name in GENERATORS:
        if name == "flawed":
            X_pool, y_pool, flaws = make_flawed_pool(
                X_gen,
                y_gen,
                n_samples=n_rows,
                mode_collapse=0.3,
                over_dispersion=0.3,
                label_noise=0.1,
                return_flaws=True,
                random_state=seed,
            )
            sources = np.char.add("flawed:", flaws.astype(str))
        else:
            X_pool, y_pool = make_generator(name, seed).fit(X_gen, y_gen).sample(n_rows)
            sources = np.full(n_rows, name)
        pools[name] = (np.asarray(X_pool, dtype=float), np.asarray(y_pool), sources)
    return pools


def mix_pools(pools, n_rows, seed):
    """An equal share of each generator's rows: ``n_rows`` in all."""
    rng = np.random.default_rng(seed)
    shares = np.full(len(pools), n_rows // len(pools))
    shares[: n_rows % len(pools)] += 1
    parts = []
    for (X, y, sources), share in zip(pools.values(), shares, strict=True):
        rows = rng.choice(len(y), share, replace=False)
        parts.append((X[rows], y[rows], sources[rows]))
    return tuple(np.concatenate(part) for part in zip(*parts, strict=True))


# -- methods, models and measurements ----------------------------------------------------------


def selector_variants():
    """(name, selector class, extra parameters): every registered selector, covariance twice."""
    for key, selector in SELECTORS.items():
        if key == "covariance":
            yield MAIN, selector, {"method": "relaxed"}
            yield "covariance (greedy)", selector, {"method": "greedy"}
        else:
            yield key, selector, {}


def make_models(seed):
    return {
        "logistic": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "forest": RandomForestClassifier(n_estimators=100, random_state=seed),
        "mlp": make_pipeline(
            StandardScaler(),
            MLPClassifier(
                hidden_layer_sizes=(32,),
                solver="lbfgs",
                alpha=1e-2,
                max_iter=500,
                random_state=seed,
            ),
        ),
    }


def covariance_gap(X_real, y_real, X_added, y_added):
    """Mean over classes of ``||C_added - C_real||_F / ||C_real||_F`` (standardised space).

    The same measure for every method, whatever space the method selected in: the real class's
    own standardisation, all features.
    """
    gaps = []
    for label in np.unique(y_real):
        added = X_added[y_added == label]
        if len(added) < 2:
            continue
        gaps.append(covariance_shift(X_real[y_real == label], added, standardize=True)["relative"])
    return float(np.mean(gaps)) if gaps else np.nan


def extra_real_rows(X_gen, y_gen, per_class, seed):
    """``per_class[label]`` further real rows per class, or None if the split is too small."""
    rng = np.random.default_rng(seed + 1)
    rows = []
    for label, count in per_class.items():
        candidates = np.flatnonzero(y_gen == label)
        if len(candidates) < count:
            return None
        rows.append(rng.choice(candidates, count, replace=False))
    rows = np.concatenate(rows)
    return X_gen[rows], y_gen[rows]


def run_task(dataset, seed, config):
    """Every measurement for one dataset and seed: a list of dicts (one per model fit)."""
    from threadpoolctl import threadpool_limits

    warnings.simplefilter("ignore")  # convergence and fallback chatter; outcomes are recorded
    start = time.perf_counter()
    with threadpool_limits(limits=1):
        records = _run_task(dataset, seed, config)
    return dataset, seed, records, time.perf_counter() - start


def _run_task(dataset, seed, config):
    loader, n_real_per_class = DATASETS[dataset]
    X, y = loader(return_X_y=True)
    X_real, y_real, X_gen, y_gen, X_test, y_test = split_real_generator_test(
        X, y, n_real_per_class, seed
    )
    n_pool = config["pool_factor"] * len(y_real)
    pools = draw_pools(X_gen, y_gen, n_pool, seed)
    mixed = mix_pools(pools, n_pool, seed)
    n_components = min(config["n_components"], X.shape[1]) if config["n_components"] else None
    records = []

    def evaluate(pool_name, ratio, method, X_added, y_added, seconds, models, sources=None):
        X_train = np.vstack([X_real, X_added]) if len(y_added) else X_real
        y_train = np.concatenate([y_real, y_added]) if len(y_added) else y_real
        gap = covariance_gap(X_real, y_real, X_added, y_added) if len(y_added) else np.nan
        composition = {}
        if sources is not None:
            composition = {f"share:{s}": float(np.mean(sources == s)) for s in SOURCES}
        for model_name, model in make_models(seed).items():
            if model_name not in models:
                continue
            accuracy = clone(model).fit(X_train, y_train).score(X_test, y_test)
            records.append(
                dict(
                    dataset=dataset,
                    seed=seed,
                    pool=pool_name,
                    ratio=ratio,
                    method=method,
                    model=model_name,
                    accuracy=accuracy,
                    covariance_gap=gap,
                    seconds=seconds,
                    **composition,
                )
            )

    def compare(pool_name, pool, ratio, models):
        X_pool, y_pool, sources = pool
        for name, selector_class, params in selector_variants():
            selector = selector_class(
                (X_pool, y_pool),
                n_select=ratio,
                random_state=seed,
                n_components=n_components,
                **params,
            )
            tic = time.perf_counter()
            selector.fit(X_real, y_real)
            seconds = time.perf_counter() - tic
            rows = selector.selected_indices_
            evaluate(
                pool_name,
                ratio,
                name,
                X_pool[rows],
                y_pool[rows],
                seconds,
                models,
                sources[rows] if pool_name == "mixed" else None,
            )
        per_class = {
            label: int(round(ratio * np.sum(y_real == label))) for label in np.unique(y_real)
        }
        extra = extra_real_rows(X_gen, y_gen, per_class, seed)
        if extra is not None:
            evaluate(pool_name, ratio, UPPER_BOUND, *extra, 0.0, models)

    all_models = MODELS
    evaluate("mixed", 0.0, REAL_ONLY, X_real[:0], y_real[:0], 0.0, all_models)
    if dataset in config["single_pool_datasets"]:  # real only is the same for every pool
        records.extend(
            {**r, "pool": pool_name}
            for pool_name in GENERATORS
            for r in records[: len(all_models)]
            if r["model"] == "logistic"
        )
    evaluate("mixed", 0.0, WHOLE_POOL, mixed[0], mixed[1], 0.0, all_models, mixed[2])
    for ratio in config["ratios"]:
        compare("mixed", mixed, ratio, all_models)
    if dataset in config["single_pool_datasets"]:
        for pool_name in GENERATORS:
            compare(pool_name, pools[pool_name], config["single_ratio"], ("logistic",))
    return records


# -- aggregation and output ---------------------------------------------------------------------


def method_order(results):
    """Baselines first, then the selectors in registry order, the upper bound last."""
    names = [REAL_ONLY, WHOLE_POOL] + [name for name, _, _ in selector_variants()]
    present = set(results["method"])
    return [n for n in names if n in present] + ([UPPER_BOUND] if UPPER_BOUND in present else [])


def summarise(results, index, columns):
    """mean and sd of the accuracy over seeds, as two pivot tables."""
    grouped = results.groupby(index + columns)["accuracy"]
    mean = grouped.mean().unstack(columns)
    sd = grouped.std(ddof=1).unstack(columns)
    return mean, sd


def _cell(mean, sd, best):
    if np.isnan(mean):
        return "n/a"
    text = f"{mean:.3f} ± {sd:.3f}"
    return f"**{text}**" if best else text


def _best(values, methods):
    """The best mean among the selectors (not the baselines or the upper bound)."""
    selectable = [m for m in methods if m not in (REAL_ONLY, WHOLE_POOL, UPPER_BOUND)]
    return np.nanmax([values.get(m, np.nan) for m in selectable] + [-np.inf])


def main_tables(results, ratios):
    """Per dataset: methods x (model, ratio) on the mixed pool. Returns (title, header, rows)."""
    tables = []
    mixed = results[results["pool"] == "mixed"]
    for dataset in DATASETS:
        data = mixed[mixed["dataset"] == dataset]
        if data.empty:
            continue
        methods = method_order(data)
        mean, sd = summarise(data, ["method"], ["model", "ratio"])
        header = ["method"] + [f"{MODEL_LABELS[m]} {r:g}:1" for m in MODELS for r in ratios]
        rows = []
        for method in methods:
            cells = [method]
            for model in MODELS:
                for ratio in ratios:
                    key = (model, 0.0 if method in (REAL_ONLY, WHOLE_POOL) else ratio)
                    value = mean.loc[method].get(key, np.nan)
                    spread = sd.loc[method].get(key, np.nan)
                    column = mean[(model, ratio)] if (model, ratio) in mean else pd.Series()
                    best = method not in (REAL_ONLY, WHOLE_POOL, UPPER_BOUND) and np.isclose(
                        value, _best(column.to_dict(), methods)
                    )
                    cells.append(_cell(value, spread, best))
            rows.append(cells)
        n_seeds = data["seed"].nunique()
        _, n_real = DATASETS[dataset]
        title = (
            f"{dataset}: {n_real} real rows per class, mixed pool of four generators, "
            f"test accuracy (mean ± sd over {n_seeds} seeds)"
        )
        tables.append((title, header, rows))
    return tables


def single_pool_tables(results, single_ratio):
    """Per dataset: methods x generator, each generator's pool alone, logistic regression."""
    tables = []
    data_all = results[(results["pool"] != "mixed") & (results["model"] == "logistic")]
    for dataset in DATASETS:
        data = data_all[data_all["dataset"] == dataset]
        if data.empty:
            continue
        methods = [m for m in method_order(data) if m != WHOLE_POOL]
        mean, sd = summarise(data, ["method"], ["pool"])
        header = ["method"] + list(GENERATORS)
        rows = []
        for method in methods:
            cells = [method]
            for pool in GENERATORS:
                best = method not in (REAL_ONLY, UPPER_BOUND) and np.isclose(
                    mean.loc[method, pool], _best(mean[pool].to_dict(), methods)
                )
                cells.append(_cell(mean.loc[method, pool], sd.loc[method, pool], best))
            rows.append(cells)
        title = (
            f"{dataset}: one generator's pool at a time, {single_ratio:g}:1, logistic regression"
        )
        tables.append((title, header, rows))
    return tables


def composition_table(results, ratio):
    """Share of each source among the rows each method took from the mixed pool."""
    columns = [f"share:{s}" for s in SOURCES]
    data = results[
        (results["pool"] == "mixed")
        & (results["model"] == "logistic")
        & ((results["ratio"] == ratio) | (results["method"] == WHOLE_POOL))
    ]
    data = data.dropna(subset=columns)
    shares = data.groupby("method")[columns].mean()
    methods = [m for m in method_order(data) if m in shares.index]
    header = ["method"] + list(SOURCES)
    rows = [[m] + [f"{shares.loc[m, c]:.2f}" for c in columns] for m in methods]
    title = (
        f"Where the selected rows come from (mixed pool, {ratio:g}:1, all datasets and "
        "seeds): share of each generator; the flawed generator's rows by flaw"
    )
    return title, header, rows


def paired_comparison(results, against=REFERENCE):
    """Covariance matching minus ``against``: paired over seeds, per setting.

    Returns a DataFrame with one row per (dataset, pool, model, ratio).
    """
    keys = ["dataset", "pool", "model", "ratio", "seed"]
    main = results[results["method"] == MAIN].set_index(keys)["accuracy"]
    other = results[results["method"] == against].set_index(keys)["accuracy"]
    diff = (main - other).dropna().groupby(level=keys[:-1])
    table = pd.DataFrame({"mean": diff.mean(), "sd": diff.std(ddof=1), "n": diff.size()})
    # Rank of covariance matching among the selectors (1 = best mean).
    selectors = [name for name, _, _ in selector_variants()]
    means = (
        results[results["method"].isin(selectors)]
        .groupby(keys[:-1] + ["method"])["accuracy"]
        .mean()
        .unstack("method")
    )
    table["rank"] = means.rank(axis=1, ascending=False)[MAIN]
    table["n_selectors"] = means.notna().sum(axis=1)
    table["best"] = means.idxmax(axis=1)
    return table.reset_index()


def honest_summary(results):
    """Lines of text: how often covariance matching wins, and where it loses."""
    table = paired_comparison(results)
    se = table["sd"] / np.sqrt(table["n"])
    wins = int((table["mean"] > 2 * se).sum())
    losses = int((table["mean"] < -2 * se).sum())
    ties = len(table) - wins - losses
    first = int((table["rank"] == 1).sum())
    lines = [
        f"Over {len(table)} settings (dataset x pool x model x ratio), covariance matching "
        f"(relaxed) beats random selection in {wins}, loses in {losses} and ties in {ties} "
        "(a paired difference over seeds beyond two standard errors counts; ties are the "
        f"rest). It has the best mean of the {int(table['n_selectors'].max())} selectors in "
        f"{first} settings; its median rank is {table['rank'].median():g}.",
        "",
    ]
    below = table["mean"] < 0
    lost = table[below & (table["mean"] < -se)].sort_values("mean")
    if below.any():
        lines.append(
            f"Covariance matching (relaxed) has a lower mean accuracy than random "
            f"selection in {int(below.sum())} settings, in {len(lost)} of them by more "
            "than one standard error (difference ± standard error over seeds; the best "
            "selector there):"
        )
        lines.append("")
        for row, row_se in zip(lost.itertuples(), se[lost.index], strict=True):
            ratio = "" if row.ratio == 0 else f", {row.ratio:g}:1"
            lines.append(
                f"- {row.dataset}, {row.pool} pool, {MODEL_LABELS[row.model]}{ratio}: "
                f"{row.mean:+.3f} ± {row_se:.3f} (best: {row.best})"
            )
        lines.append("")
    best_counts = table["best"].value_counts()
    lines.append(
        "Best selector per setting (count): "
        + ", ".join(f"{name} {count}" for name, count in best_counts.items())
        + "."
    )
    return lines


def markdown_table(title, header, rows):
    lines = [
        f"### {title}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" + "---:|" * (len(header) - 1),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def rst_table(title, header, rows):
    """A list-table with the same content (reStructuredText, for the docs)."""

    def cell(text):
        return text.replace("*", "\\*") if not text.startswith("**") else text

    lines = [
        f".. list-table:: {title}",
        "   :header-rows: 1",
        "   :stub-columns: 1",
        "   :class: benchmark-table",
        "",
    ]
    for row in [header] + rows:
        lines.append(f"   * - {cell(row[0])}")
        lines += [f"     - {cell(value)}" for value in row[1:]]
    return "\n".join(lines) + "\n"


def write_reports(results, config, output, wall_seconds):
    ratios = config["ratios"]
    tables = main_tables(results, ratios)
    singles = single_pool_tables(results, config["single_ratio"])
    composition = composition_table(results, max(ratios))
    summary = honest_summary(results)
    setup = (
        f"{config['n_seeds']} seeds, pool of {config['pool_factor']} rows per real row, "
        f"ratios {', '.join(f'{r:g}:1' for r in ratios)}, every selector compares rows "
        f"after a PCA to {config['n_components']} components fit on the real rows; "
        f"run time {wall_seconds / 60:.1f} min on {config['n_jobs']} process(es) "
        f"(`python benchmarks/paper_tabular.py{' --quick' if config['quick'] else ''}`)."
    )

    md = [
        "# The paper's protocol on tabular data",
        "",
        setup,
        "",
        "Bold: the best selector in the column (baselines and the real upper bound excluded).",
        "",
    ]
    md += [markdown_table(*t) for t in tables]
    md += ["## Each generator alone", ""] + [markdown_table(*t) for t in singles]
    md += ["## Composition of the selections", "", markdown_table(*composition)]
    md += ["## Summary", ""] + summary
    (output / "paper_tabular.md").write_text("\n".join(md) + "\n")

    rst = [
        setup,
        "",
        "Bold: the best selector in the column (baselines and the real upper bound excluded).",
        "",
    ]
    rst += [rst_table(*t) for t in tables]
    rst += ["**Each generator alone.**", ""] + [rst_table(*t) for t in singles]
    rst += ["**Composition of the selections.**", "", rst_table(*composition)]
    rst += ["**Summary.**", ""] + summary
    (output / "paper_tabular.inc").write_text("\n".join(rst) + "\n")


# -- plots ----------------------------------------------------------------------------------------

_FIXED_COLOURS = {
    MAIN: "tab:red",
    "covariance (greedy)": "tab:orange",
    REFERENCE: "black",
    UPPER_BOUND: "tab:green",
    WHOLE_POOL: "dimgrey",
    REAL_ONLY: "darkgrey",
}
_OTHER_COLOURS = (
    "tab:blue",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
    "navy",
    "goldenrod",
    "teal",
    "slateblue",
    "sienna",
)


def method_colour(method):
    """One colour per method, the same in every plot; red, orange, black, green are reserved."""
    if method in _FIXED_COLOURS:
        return _FIXED_COLOURS[method]
    others = [name for name, _, _ in selector_variants() if name not in _FIXED_COLOURS]
    index = others.index(method) if method in others else len(others)
    return _OTHER_COLOURS[index % len(_OTHER_COLOURS)]


def _style(method):
    """Covariance matching and random stand out; the other selectors stay in the background."""
    if method == MAIN:
        return dict(color=method_colour(method), lw=2.5, zorder=5)
    if method == "covariance (greedy)":
        return dict(color=method_colour(method), lw=2.0, zorder=4)
    if method == REFERENCE:
        return dict(color=method_colour(method), lw=2.0, ls="--", zorder=4)
    if method == UPPER_BOUND:
        return dict(color=method_colour(method), lw=1.5, ls=":", marker="s")
    return dict(color=method_colour(method), lw=1.0, alpha=0.8)


def plot_accuracy_vs_ratio(results, ratios, path):
    import matplotlib.pyplot as plt

    mixed = results[results["pool"] == "mixed"]
    datasets = [d for d in DATASETS if d in set(mixed["dataset"])]
    fig, axes = plt.subplots(
        len(datasets), len(MODELS), figsize=(13, 3.3 * len(datasets)), squeeze=False, sharex=True
    )
    selectors = [name for name, _, _ in selector_variants()]
    for i, dataset in enumerate(datasets):
        for j, model in enumerate(MODELS):
            ax = axes[i, j]
            data = mixed[(mixed["dataset"] == dataset) & (mixed["model"] == model)]
            stats = data.groupby(["method", "ratio"])["accuracy"].agg(["mean", "std", "count"])
            for method in selectors + [UPPER_BOUND]:
                if method not in stats.index.get_level_values(0):
                    continue
                row = stats.loc[method].reindex(ratios)
                style = _style(method)
                style.setdefault("marker", "o")
                ax.plot(ratios, row["mean"], ms=3, label=method, **style)
                if method in (MAIN, REFERENCE):
                    se = row["std"] / np.sqrt(row["count"])
                    ax.fill_between(
                        ratios, row["mean"] - se, row["mean"] + se, color=style["color"], alpha=0.15
                    )
            for method, ls in ((REAL_ONLY, "-"), (WHOLE_POOL, "-.")):
                value = data[data["method"] == method]["accuracy"].mean()
                ax.axhline(value, color=method_colour(method), ls=ls, lw=1.2, label=method)
            ax.set_title(f"{dataset}, {MODEL_LABELS[model]}", fontsize=10)
            ax.set_xticks(ratios)
            ax.set_xticklabels([f"{r:g}:1" for r in ratios])
            if j == 0:
                ax.set_ylabel("real test accuracy")
            if i == len(datasets) - 1:
                ax.set_xlabel("synthetic : real rows")
            ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(len(labels), 7), fontsize=8, frameon=False
    )
    fig.suptitle(
        "Accuracy against the synthetic:real ratio (mixed pool; bands: ± 1 s.e. "
        "over seeds for covariance matching and random)",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.06, 1, 0.97))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_gap_vs_accuracy(results, path):
    import matplotlib.pyplot as plt
    from scipy.stats import spearmanr

    data = results[
        (results["pool"] == "mixed")
        & (results["model"] == "logistic")
        & results["covariance_gap"].notna()
    ]
    datasets = [d for d in DATASETS if d in set(data["dataset"])]
    fig, axes = plt.subplots(1, len(datasets), figsize=(4.6 * len(datasets), 4.2), squeeze=False)
    methods = method_order(data)
    markers = {r: m for r, m in zip(sorted(set(data["ratio"])), "o^sDv", strict=False)}
    for ax, dataset in zip(axes[0], datasets, strict=True):
        subset = data[data["dataset"] == dataset]
        means = subset.groupby(["method", "ratio"])[["covariance_gap", "accuracy"]].mean()
        for method in methods:
            if method not in means.index.get_level_values(0):
                continue
            color = method_colour(method)
            for ratio, row in means.loc[method].iterrows():
                ax.scatter(
                    row["covariance_gap"],
                    row["accuracy"],
                    color=color,
                    marker=markers.get(ratio, "o"),
                    s=40,
                    edgecolor="k",
                    lw=0.4,
                    label=method if ratio == means.loc[method].index[-1] else None,
                )
        rho = spearmanr(subset["covariance_gap"], subset["accuracy"]).statistic
        ax.set_xscale("log")
        ax.set_title(f"{dataset} (Spearman rho over runs: {rho:+.2f})", fontsize=10)
        ax.set_xlabel("covariance gap of the added rows (relative, per class)")
        ax.set_ylabel("LR real test accuracy")
        ax.grid(alpha=0.3)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=min(len(labels), 7), fontsize=8, frameon=False
    )
    ratio_text = ", ".join(f"{m} {r:g}:1" for r, m in markers.items() if r > 0)
    fig.suptitle(
        f"Covariance gap against accuracy (mixed pool, mean over seeds; markers: {ratio_text})",
        fontsize=11,
    )
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_composition(results, ratio, path):
    import matplotlib.pyplot as plt

    title, header, rows = composition_table(results, ratio)
    methods = [row[0] for row in rows]
    shares = np.array([[float(v) for v in row[1:]] for row in rows])
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(methods) + 1.6))
    colors = ["tab:blue", "tab:cyan", "tab:purple", "tab:olive", "tab:red", "tab:orange"]
    left = np.zeros(len(methods))
    for j, source in enumerate(SOURCES):
        ax.barh(methods, shares[:, j], left=left, color=colors[j], label=source)
        left += shares[:, j]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the added rows")
    ax.legend(
        ncol=6,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.12),
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )
    ax.set_title(f"Where the selected rows come from (mixed pool, {ratio:g}:1)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# -- driver -------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="a small run (2 datasets, 2 seeds, ratios 1 and 4)"
    )
    parser.add_argument("--seeds", type=int, default=None, help="default: 10 (quick: 2)")
    parser.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=None)
    parser.add_argument(
        "--pool-factor",
        type=int,
        default=None,
        help="pool rows per real row (default: 20, quick: 10)",
    )
    parser.add_argument(
        "--n-components",
        type=int,
        default=16,
        help="PCA dimension of the selectors' space (0: none)",
    )
    parser.add_argument("--n-jobs", type=int, default=2, help="processes (at most 2 cores)")
    parser.add_argument(
        "--from-results",
        action="store_true",
        help="do not run: redraw the tables and plots from the results file "
        "of an earlier run in the output directory",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help=f"default: {DOCS_OUTPUT.relative_to(REPO)} (quick: {QUICK_OUTPUT.relative_to(REPO)})",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    return args, dict(
        quick=quick,
        datasets=args.datasets or (["breast_cancer", "wine"] if quick else list(DATASETS)),
        n_seeds=args.seeds or (2 if quick else 10),
        pool_factor=args.pool_factor or (10 if quick else 20),
        ratios=(1.0, 4.0) if quick else (1.0, 2.0, 4.0),
        single_ratio=2.0,
        # The one-generator experiment skips digits: its 10 classes make every selection ten
        # solves, and the run must stay within 20 minutes on 2 cores.
        single_pool_datasets=("breast_cancer", "wine"),
        n_components=args.n_components,
        n_jobs=max(1, args.n_jobs),
    )


def render(results, config, output, wall):
    """Write the tables and plots of a finished run."""
    write_reports(results, config, output, wall)
    import matplotlib

    matplotlib.use("Agg")
    plot_accuracy_vs_ratio(
        results, list(config["ratios"]), output / "paper_tabular_accuracy_vs_ratio.png"
    )
    plot_gap_vs_accuracy(results, output / "paper_tabular_gap_vs_accuracy.png")
    plot_composition(results, max(config["ratios"]), output / "paper_tabular_composition.png")


def main(argv=None):
    args, config = parse_args(argv)
    output = args.output_dir or (QUICK_OUTPUT if config["quick"] else DOCS_OUTPUT)
    output.mkdir(parents=True, exist_ok=True)
    if args.from_results:
        run = json.loads((output / "paper_tabular_run.json").read_text())
        results = pd.read_csv(output / "paper_tabular_results.csv")
        render(results, {**config, **run["config"]}, output, run["wall_seconds"])
        print((output / "paper_tabular.md").read_text())
        return
    # The heaviest dataset first, so that two processes finish together.
    order = sorted(config["datasets"], key=lambda d: -len(DATASETS[d][0]().target))
    tasks = [(dataset, seed) for dataset in order for seed in range(config["n_seeds"])]
    records, start = [], time.perf_counter()
    print(
        f"{len(tasks)} runs (dataset x seed) on {config['n_jobs']} process(es)",
        file=sys.stderr,
        flush=True,
    )

    def report(done, dataset, seed, seconds):
        print(
            f"[{done}/{len(tasks)}] {dataset} seed {seed}: {seconds:.0f} s "
            f"(elapsed {time.perf_counter() - start:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    if config["n_jobs"] == 1:
        for done, (dataset, seed) in enumerate(tasks, 1):
            _, _, rows, seconds = run_task(dataset, seed, config)
            records += rows
            report(done, dataset, seed, seconds)
    else:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(config["n_jobs"], mp_context=context) as executor:
            futures = [executor.submit(run_task, d, s, config) for d, s in tasks]
            for done, future in enumerate(as_completed(futures), 1):
                dataset, seed, rows, seconds = future.result()
                records += rows
                report(done, dataset, seed, seconds)
    wall = time.perf_counter() - start

    results = pd.DataFrame.from_records(records).sort_values(
        ["dataset", "pool", "model", "ratio", "method", "seed"], kind="stable"
    )
    results.to_csv(output / "paper_tabular_results.csv", index=False, float_format="%.5g")
    (output / "paper_tabular_run.json").write_text(
        json.dumps(
            {"wall_seconds": wall, "config": {k: v for k, v in config.items() if k != "datasets"}},
            indent=1,
        )
        + "\n"
    )
    render(results, config, output, wall)
    print((output / "paper_tabular.md").read_text())
    print(f"wrote {output} in {wall / 60:.1f} min", file=sys.stderr)


if __name__ == "__main__":
    main()
