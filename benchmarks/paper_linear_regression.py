"""Section 1 of the covariance-matching paper: least squares on real plus synthetic rows.

Real rows ``x ~ N(0, Sigma_t)`` with ``Sigma_t = KMS(0.9)``, synthetic rows
``x ~ N(mu_s, Sigma_s)``, one coefficient vector, ``y = x^T beta + N(0, 1)``; least squares
without intercept on the union; excess risk ``(beta_hat - beta)^T Sigma_t (beta_hat - beta)``.
Three claims (Rezaei et al., 2025), each theory next to simulation:

1. **The covariance shift matters, the mean shift does not.** Over ``Sigma_s = KMS(rho_s)``
   rescaled so that ``Tr(M^T M) = p``, the T1 formula
   (:func:`skl_synthsel.theory.mixed_least_squares_risk`) against simulation, with synthetic
   means 0 and far from 0: the two simulated curves coincide, and the risk is minimal at
   ``rho_s = rho_t``.
2. **Matching is optimal only under the trace normalisation.** ``Sigma_s = c * Sigma_t``: the
   risk keeps falling as ``c`` grows, because extra synthetic variance is pure signal for a
   well-specified linear model.
3. **Selection from a mixed pool.** A pool of several sources (the matched covariance with and
   without a mean shift, mismatched covariances, all trace-normalised; then the same pool plus
   an over-dispersed source): every registered selector chooses the synthetic rows; the
   realised risk next to the T1 formula evaluated at the covariance of the rows it chose, and
   next to the oracle (all rows from a source with the real covariance).

Run ``python benchmarks/paper_linear_regression.py`` (about 2 minutes on one core) to write the
table and plots into ``docs/_static/benchmarks/``; ``--quick`` for a smoke run written to
``benchmarks/results/paper_linear_regression_quick/``.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from skl_synthsel import CovarianceMatchingSelector
from skl_synthsel.cli._select import METHODS as SELECTORS
from skl_synthsel.datasets import make_covariance_shift_regression
from skl_synthsel.exceptions import SelectorWarning
from skl_synthsel.theory import mixed_least_squares_risk

REPO = Path(__file__).resolve().parents[1]
DOCS_OUTPUT = REPO / "docs" / "_static" / "benchmarks"
QUICK_OUTPUT = REPO / "benchmarks" / "results" / "paper_linear_regression_quick"
RHO_TARGET = 0.9
WITH_TARGET = "covariance, match_target=True"


def excess_risk(X, y, coef, cov_target):
    """Realised excess risk of least squares without intercept on the target distribution."""
    beta_hat = np.linalg.lstsq(X, y, rcond=None)[0]
    error = beta_hat - coef
    return float(error @ cov_target @ error)


def unit_direction(p, rng):
    direction = rng.standard_normal(p)
    return direction / np.linalg.norm(direction)


# -- 1. covariance shift vs mean shift ----------------------------------------------------------


def shift_curve(p, n_target, n_synthetic, rho_grid, mean_norm, reps, seed):
    """Rows (rho_s, theory, (mean, s.e.) with mean 0, (mean, s.e.) with a shifted mean)."""
    rng = np.random.RandomState(seed)
    rows = []
    for rho_s in rho_grid:
        cells = []
        for shift in (0.0, mean_norm):
            risks = []
            for _ in range(reps):
                mean = shift * unit_direction(p, rng)
                X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
                    n_target,
                    n_synthetic,
                    p,
                    rho_target=RHO_TARGET,
                    rho_synthetic=rho_s,
                    mean_synthetic=mean,
                    return_params=True,
                    random_state=rng,
                )
                risks.append(
                    excess_risk(
                        np.vstack([X_t, X_s]), np.r_[y_t, y_s], params["coef"], params["cov_target"]
                    )
                )
            cells.append((np.mean(risks), np.std(risks, ddof=1) / np.sqrt(reps)))
        theory = mixed_least_squares_risk(
            params["cov_target"], params["cov_synthetic"], n_target, n_synthetic
        )
        rows.append((rho_s, theory, *cells))
    return rows


# -- 2. the trace normalisation ------------------------------------------------------------------


def scale_curve(p, n_target, n_synthetic, scales, reps, seed):
    """Rows (c, theory, (mean, s.e.)) for ``Sigma_s = c * Sigma_t``, not normalised."""
    rng = np.random.RandomState(seed)
    rows = []
    for scale in scales:
        risks = []
        for _ in range(reps):
            X_t, y_t, X_s, y_s, params = make_covariance_shift_regression(
                n_target,
                n_synthetic,
                p,
                rho_target=RHO_TARGET,
                rho_synthetic=RHO_TARGET,
                normalize_trace=False,
                return_params=True,
                random_state=rng,
            )
            noise = y_s - X_s @ params["coef"]
            X_s = np.sqrt(scale) * X_s  # covariance c * Sigma_t, same noise
            y_s = X_s @ params["coef"] + noise
            risks.append(
                excess_risk(
                    np.vstack([X_t, X_s]), np.r_[y_t, y_s], params["coef"], params["cov_target"]
                )
            )
        theory = mixed_least_squares_risk(
            params["cov_target"], scale * params["cov_target"], n_target, n_synthetic
        )
        rows.append((scale, theory, (np.mean(risks), np.std(risks, ddof=1) / np.sqrt(reps))))
    return rows


# -- 3. selection from a mixed pool ---------------------------------------------------------------


def pool_sources(mean_norm, dispersed_scale):
    """(name, rho_s, mean norm, covariance scale, trace-normalised) of each pool source."""
    base = [
        ("matched", RHO_TARGET, 0.0, 1.0, True),
        ("matched, shifted mean", RHO_TARGET, mean_norm, 1.0, True),
        ("KMS(0.5)", 0.5, 0.0, 1.0, True),
        ("KMS(0)", 0.0, 0.0, 1.0, True),
    ]
    dispersed = [
        (f"matched x{dispersed_scale:g} (not normalised)", RHO_TARGET, 0.0, dispersed_scale, False)
    ]
    return {"trace-normalised pool": base, "pool with an over-dispersed source": base + dispersed}


def draw_pool(sources, rows_per_source, p, coef, rng):
    """The pool's rows, targets and source index of each row."""
    parts = []
    for k, (_, rho_s, mean_norm, scale, normalised) in enumerate(sources):
        mean = mean_norm * unit_direction(p, rng)
        _, _, X_s, y_s = make_covariance_shift_regression(
            0,
            rows_per_source,
            p,
            rho_target=RHO_TARGET,
            rho_synthetic=rho_s,
            mean_synthetic=mean,
            coef=coef,
            normalize_trace=normalised,
            random_state=rng,
        )
        noise = y_s - X_s @ coef
        X_s = np.sqrt(scale) * X_s
        parts.append((X_s, X_s @ coef + noise, np.full(rows_per_source, k)))
    return tuple(np.concatenate(part) for part in zip(*parts, strict=True))


def selection_table(p, n_target, n_synthetic, rows_per_source, sources, mean_norm, reps, seed):
    """Per method: realised risks, plug-in T1 risks and source shares over repetitions."""
    rng = np.random.RandomState(seed)
    results = {}

    def record(name, risk, theory, shares):
        entry = results.setdefault(name, {"risk": [], "theory": [], "shares": []})
        entry["risk"].append(risk)
        entry["theory"].append(theory)
        entry["shares"].append(shares)

    for rep in range(reps):
        X_t, y_t, _, _, params = make_covariance_shift_regression(
            n_target, 0, p, rho_target=RHO_TARGET, return_params=True, random_state=rng
        )
        coef, cov_t = params["coef"], params["cov_target"]
        X_pool, y_pool, source = draw_pool(sources, rows_per_source, p, coef, rng)
        record("real only", excess_risk(X_t, y_t, coef, cov_t), np.nan, np.zeros(len(sources)))
        for name, selector_class in SELECTORS.items():
            selector = selector_class(
                (X_pool, y_pool), n_select=n_synthetic, task="regression", random_state=rep
            )
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SelectorWarning)
                    selector.fit(X_t, y_t)
            except ValueError as exc:  # e.g. a classification-only selector
                results.setdefault(name, {"error": " ".join(str(exc).split())})
                continue
            rows = selector.selected_indices_
            X_sel = X_pool[rows]
            theory = mixed_least_squares_risk(
                cov_t, np.cov(X_sel, rowvar=False), n_target, n_synthetic
            )
            record(
                name,
                excess_risk(np.vstack([X_t, X_sel]), np.r_[y_t, y_pool[rows]], coef, cov_t),
                theory,
                np.bincount(source[rows], minlength=len(sources)) / len(rows),
            )
        # Covariance matching with the target as a matched coordinate (match_target=True): what
        # matching y costs when every pool row follows the true relation.
        joint = CovarianceMatchingSelector(
            (X_pool, y_pool),
            n_select=n_synthetic,
            task="regression",
            match_target=True,
            random_state=rep,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SelectorWarning)
            rows = joint.fit(X_t, y_t).selected_indices_
        record(
            WITH_TARGET,
            excess_risk(np.vstack([X_t, X_pool[rows]]), np.r_[y_t, y_pool[rows]], coef, cov_t),
            mixed_least_squares_risk(
                cov_t, np.cov(X_pool[rows], rowvar=False), n_target, n_synthetic
            ),
            np.bincount(source[rows], minlength=len(sources)) / len(rows),
        )
        # The oracle: every synthetic row from the first source (the real covariance).
        oracle_rows = rng.choice(np.flatnonzero(source == 0), n_synthetic, replace=False)
        record(
            "oracle: matched source only",
            excess_risk(
                np.vstack([X_t, X_pool[oracle_rows]]), np.r_[y_t, y_pool[oracle_rows]], coef, cov_t
            ),
            mixed_least_squares_risk(cov_t, cov_t, n_target, n_synthetic),
            np.eye(len(sources))[0],
        )
    return results


# -- output ---------------------------------------------------------------------------------------


def _se(values):
    values = np.asarray(values, dtype=float)
    return values.std(ddof=1) / np.sqrt(len(values)) if len(values) > 1 else np.nan


def format_report(config, curve, scales, selections, wall):
    p, n_t, n_s = config["p"], config["n_target"], config["n_synthetic"]
    lines = [
        "# Section 1: least squares on real plus synthetic rows",
        "",
        f"p = {p} features, n_t = {n_t} real rows, n_s = {n_s} synthetic rows, "
        f"Sigma_t = KMS({RHO_TARGET}), noise variance 1, least squares without intercept; "
        f"{config['reps']} repetitions per point (mean ± standard error); run time "
        f"{wall:.0f} s (`python benchmarks/paper_linear_regression.py"
        f"{' --quick' if config['quick'] else ''}`).",
        "",
    ]

    lines += [
        "## 1. The covariance shift matters, the mean shift does not",
        "",
        f"Sigma_s = KMS(rho_s) rescaled to Tr(M^T M) = p; the shifted synthetic mean has "
        f"norm {config['mean_norm']:g} (the real rows have mean 0).",
        "",
        "| rho_s | T1 theory | simulation, mean 0 | simulation, shifted mean |",
        "|---:|---:|---:|---:|",
    ]
    for rho_s, theory, (m0, s0), (m1, s1) in curve:
        lines.append(f"| {rho_s:.2f} | {theory:.4f} | {m0:.4f} ± {s0:.4f} | {m1:.4f} ± {s1:.4f} |")
    best_theory = min(curve, key=lambda row: row[1])[0]
    lowest = min(row[2][0] for row in curve)
    near = [f"{row[0]:.2f}" for row in curve if row[2][0] - 2 * row[2][1] <= lowest]
    gaps = [abs(row[3][0] - row[2][0]) / np.hypot(row[2][1], row[3][1]) for row in curve]
    errors = [abs(row[2][0] / row[1] - 1) for row in curve]
    lines += [
        "",
        f"Theory is minimal at rho_s = {best_theory:.2f} (rho_t = {RHO_TARGET}); the "
        f"simulated risk (mean 0) is within two standard errors of its minimum at rho_s "
        f"in {{{', '.join(near)}}}. Theory and simulation differ by at most "
        f"{max(errors):.0%}; the two simulations (mean 0, shifted mean) differ by at "
        f"most {max(gaps):.1f} combined standard errors.",
        "",
    ]

    lines += [
        "## 2. Matching is optimal only under the trace normalisation",
        "",
        "Sigma_s = c * Sigma_t, not normalised (c = 1 is the matched, normalised case).",
        "",
        "| c | T1 theory | simulation |",
        "|---:|---:|---:|",
    ]
    for scale, theory, (mean, se) in scales:
        lines.append(f"| {scale:g} | {theory:.4f} | {mean:.4f} ± {se:.4f} |")
    lines += [
        "",
        "More synthetic variance keeps lowering the risk: with an unnormalised, "
        "over-dispersed pool, matching the real covariance is not optimal.",
        "",
    ]

    lines += ["## 3. Selection from a mixed pool", ""]
    for pool_name, (sources, results) in selections.items():
        names = [source[0] for source in sources]
        lines += [
            f"### {pool_name}",
            "",
            f"{config['rows_per_source']} rows per source; each method selects "
            f"{n_s} rows. T1 plug-in: the formula at the covariance of the selected "
            "rows.",
            "",
            "| method | excess risk | T1 plug-in | "
            + " | ".join(f"share: {n}" for n in names)
            + " |",
            "|---|---:|---:|" + "---:|" * len(names),
        ]
        ranked = sorted(results.items(), key=lambda item: np.mean(item[1].get("risk", [np.inf])))
        for name, entry in ranked:
            if "error" in entry:
                continue
            risk = f"{np.mean(entry['risk']):.4f} ± {_se(entry['risk']):.4f}"
            theory = (
                np.nanmean(entry["theory"]) if not np.all(np.isnan(entry["theory"])) else np.nan
            )
            theory_text = "-" if np.isnan(theory) else f"{theory:.4f}"
            shares = np.mean(entry["shares"], axis=0)
            lines.append(
                f"| {name} | {risk} | {theory_text} | "
                + " | ".join(f"{s:.2f}" for s in shares)
                + " |"
            )
        skipped = [
            f"{name} ({entry['error']})" for name, entry in results.items() if "error" in entry
        ]
        if skipped:
            lines += ["", "Not applicable: " + "; ".join(skipped)]
        lines.append("")
    return "\n".join(lines) + "\n"


def markdown_to_rst(markdown):
    """The report as reStructuredText for the docs: headings and pipe tables converted."""
    out, table = [], []

    def flush():
        if not table:
            return
        rows = [
            [cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table
            if not set(line.replace("|", "").strip()) <= set("-:")
        ]
        out.append(".. list-table::")
        out.append("   :header-rows: 1")
        out.append("   :class: benchmark-table")
        out.append("")
        for row in rows:
            out.append(f"   * - {row[0]}")
            out.extend(f"     - {cell}" for cell in row[1:])
        out.append("")
        table.clear()

    for line in markdown.splitlines():
        if line.startswith("|"):
            table.append(line)
            continue
        flush()
        if line.startswith("# "):
            continue  # the docs page has its own title
        if line.startswith("#"):
            text = line.lstrip("#").strip()
            out += [f"**{text}**", ""] if line.startswith("### ") else [text, "-" * len(text)]
            continue
        out.append(line.replace("`", "``").replace("****", ""))
    flush()
    return "\n".join(out) + "\n"


def plot(config, curve, scales, selections, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    rho = [row[0] for row in curve]
    axes[0].plot(rho, [row[1] for row in curve], "k-", label="T1 theory")
    for k, (label, marker) in enumerate(
        (("simulation, mean 0", "o"), ("simulation, shifted mean", "s"))
    ):
        means = np.array([row[2 + k][0] for row in curve])
        errors = np.array([row[2 + k][1] for row in curve])
        axes[0].errorbar(
            np.array(rho) + (k - 0.5) * 0.01,
            means,
            yerr=2 * errors,
            fmt=marker,
            ms=5,
            capsize=2,
            label=label,
        )
    axes[0].axvline(RHO_TARGET, color="grey", ls=":", lw=1)
    axes[0].set(
        xlabel="rho_s (synthetic KMS correlation)",
        ylabel="excess risk",
        title=f"1. Covariance shift (Tr(M'M) = p, rho_t = {RHO_TARGET})",
    )
    axes[0].legend(fontsize=8)

    c = [row[0] for row in scales]
    axes[1].plot(c, [row[1] for row in scales], "k-", label="T1 theory")
    axes[1].errorbar(
        c,
        [row[2][0] for row in scales],
        yerr=[2 * row[2][1] for row in scales],
        fmt="o",
        capsize=2,
        label="simulation",
    )
    axes[1].axvline(1.0, color="grey", ls=":", lw=1)
    axes[1].set(
        xscale="log",
        xlabel="c in Sigma_s = c Sigma_t",
        ylabel="excess risk",
        title="2. Without the trace normalisation",
    )
    axes[1].set_xticks(c, [f"{value:g}" for value in c])
    axes[1].minorticks_off()
    axes[1].legend(fontsize=8)

    ax = axes[2]
    pools = list(selections)
    # Real rows alone have five times the risk: left out so that the selections can be told
    # apart (the table has it).
    first = selections[pools[0]][1]
    methods = sorted(
        (name for name in first if "error" not in first[name] and name != "real only"),
        key=lambda name: np.mean(first[name]["risk"]),
    )
    width = 0.8 / len(pools)
    for k, pool_name in enumerate(pools):
        results = selections[pool_name][1]
        means = [np.mean(results[m]["risk"]) for m in methods]
        errors = [2 * _se(results[m]["risk"]) for m in methods]
        ax.barh(
            np.arange(len(methods)) + (k - (len(pools) - 1) / 2) * width,
            means,
            width,
            xerr=errors,
            label=pool_name,
            capsize=2,
        )
    ax.set_yticks(np.arange(len(methods)))
    ax.set_yticklabels(methods, fontsize=8)
    ax.invert_yaxis()
    ax.set(
        xlabel="excess risk (bars: ± 2 s.e.; real rows alone: > 1)",
        title=f"3. Selecting {config['n_synthetic']} rows from a mixed pool",
    )
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.4, -0.15), ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    config = dict(
        quick=args.quick,
        p=20,
        n_target=40,
        n_synthetic=80,
        mean_norm=3.0,
        rows_per_source=200,
        reps=10 if args.quick else 300,
        selection_reps=3 if args.quick else 30,
    )
    output = args.output_dir or (QUICK_OUTPUT if args.quick else DOCS_OUTPUT)
    output.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    p, n_t, n_s = config["p"], config["n_target"], config["n_synthetic"]
    with threadpool_limits(limits=1):
        print("1. covariance shift vs mean shift", file=sys.stderr, flush=True)
        curve = shift_curve(
            p,
            n_t,
            n_s,
            [0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95],
            config["mean_norm"],
            config["reps"],
            args.seed,
        )
        print("2. trace normalisation", file=sys.stderr, flush=True)
        scales = scale_curve(p, n_t, n_s, [0.25, 0.5, 1.0, 2.0, 4.0], config["reps"], args.seed + 1)
        selections = {}
        for pool_name, sources in pool_sources(config["mean_norm"], 4.0).items():
            print(f"3. selection: {pool_name}", file=sys.stderr, flush=True)
            selections[pool_name] = (
                sources,
                selection_table(
                    p,
                    n_t,
                    n_s,
                    config["rows_per_source"],
                    sources,
                    config["mean_norm"],
                    config["selection_reps"],
                    args.seed + 2,
                ),
            )
    wall = time.perf_counter() - start
    report = format_report(config, curve, scales, selections, wall)
    (output / "paper_linear_regression.md").write_text(report)
    (output / "paper_linear_regression.inc").write_text(markdown_to_rst(report))
    plot(config, curve, scales, selections, output / "paper_linear_regression.png")
    print(report)
    print(f"wrote {output} in {wall:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
