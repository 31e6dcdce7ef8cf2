"""The tabular benchmark's harness and command line, on tiny configurations."""

import importlib.util
import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load("tabular_harness", BENCHMARKS / "_tabular.py")


def _tiny_config(**changes):
    params = dict(
        tables=["iris"],
        kinds=["smote", "wrong_labels"],
        models=["LR"],
        n_seeds=2,
        selectors=dict(
            [
                harness.parse_method("center_matching"),
                harness.parse_method("covariance (greedy)"),
            ]
        ),
        random_ratios=(1.0, 2.0),
        pool_factor=3,
    )
    params.update(changes)
    return harness.Config(**params)


@pytest.fixture(scope="module")
def tiny_results():
    return harness.run(_tiny_config())


def test_run_measures_every_method_model_and_cell(tiny_results):
    results = tiny_results
    methods = ["real only", "whole pool", "random 1:1", "random 2:1"]
    methods += ["center_matching", "covariance (greedy)"]
    # iris: 25 real rows per class; the generator split (10 per class) is too small for the
    # real upper bound at 2:1 (50 per class), which is left out.
    assert sorted(set(results["method"])) == sorted(methods)
    assert len(results) == 2 * 2 * len(methods)  # kinds x seeds x methods (one model)
    assert results["error"].isna().all() and results["accuracy"].between(0, 1).all()
    added = results.groupby("method")["n_added"].unique()
    assert added["real only"].tolist() == [0]
    assert added["whole pool"].tolist() == [3 * 75]
    assert added["random 1:1"].tolist() == [75]
    assert added["covariance (greedy)"].tolist() == [150]
    # The target's noise belongs to the (table, seed): the same for every kind and method.
    assert (results.groupby("seed")["target_noise"].nunique() == 1).all()
    # Wrong labels are counted only where the pool has them: a quarter of the whole pool.
    share = results.set_index(["kind", "method"])["wrong_label_share"]
    assert share.loc[("smote", "whole pool")].isna().all()
    whole = share.loc[("wrong_labels", "whole pool")]
    assert np.all(np.abs(whole - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 225))
    assert share.loc[("wrong_labels", "real only")].isna().all()


def test_same_config_gives_the_same_records(tiny_results):
    again = harness.run(_tiny_config(kinds=["wrong_labels"], n_seeds=1))
    first = tiny_results[(tiny_results["kind"] == "wrong_labels") & (tiny_results["seed"] == 0)]
    columns = ["method", "accuracy", "n_added", "added_cov_error", "wrong_label_share"]
    pd.testing.assert_frame_equal(
        first[columns].reset_index(drop=True), again[columns].reset_index(drop=True)
    )


def test_upper_bound_adds_as_many_real_rows_as_the_selectors(tiny_results):
    config = _tiny_config(tables=["breast_cancer"], kinds=["gmm"], n_seeds=1, selectors={})
    records = pd.DataFrame(harness.run_cell("breast_cancer", "gmm", 0, config))
    upper = records[records["method"] == harness.UPPER_BOUND]
    assert upper["n_added"].tolist() == [2 * 80]
    # With iris (no upper bound) in the same results, the reports say where it was measured.
    iris = tiny_results[tiny_results["method"].isin(records["method"])]
    notes = harness.coverage_notes(pd.concat([iris, records]))
    assert len(notes) == 1 and notes[0].startswith("- real upper bound: measured on breast_cancer")
    X = np.arange(20.0).reshape(10, 2)
    y = np.array([0] * 6 + [1] * 4)
    X_extra, y_extra = harness.extra_real_rows(X, y, {0: 3, 1: 4}, seed=0)
    assert np.bincount(y_extra).tolist() == [3, 4]
    assert {tuple(row) for row in X_extra} <= {tuple(row) for row in X}
    assert harness.extra_real_rows(X, y, {0: 3, 1: 5}, seed=0) is None


def test_a_failing_selector_is_recorded_not_raised():
    name, factory = harness.parse_method("covariance_matching:method='no-such-solver'")
    config = _tiny_config(kinds=["gmm"], n_seeds=1, selectors={name: factory})
    records = pd.DataFrame(harness.run_cell("iris", "gmm", 0, config))
    failed = records[records["method"] == name]
    assert failed["accuracy"].isna().all()
    assert failed["error"].str.contains("method").all()
    assert records.loc[records["method"] != name, "error"].isna().all()
    assert "no-such-solver" in harness.failures(records)[0]


def test_parse_method_reads_names_and_parameters():
    names = harness.default_selectors()
    assert "covariance (relaxed)" in names and "covariance (greedy)" in names
    assert "random" not in names  # the random baseline at the same ratio
    pool = (np.zeros((4, 2)), np.array([0, 0, 1, 1]))
    for key, selector_class in harness.METHODS.items():
        own = inspect.signature(selector_class).parameters["n_select"].default
        if key in ("random", "covariance_matching"):
            continue
        assert names[key](pool).n_select == 2.0  # every selector at the ratio
        if isinstance(own, str):  # and at its own amount, when it decides the amount
            assert names[f"{key} (own amount)"](pool).n_select == own
    name, factory = harness.parse_method("kmeans:n_init=3,batch_threshold=500", ratio=4.0)
    selector = factory((np.zeros((4, 2)), np.array([0, 0, 1, 1])), random_state=7)
    assert name == "kmeans:n_init=3,batch_threshold=500"
    params = selector.get_params()
    assert (params["n_init"], params["batch_threshold"], params["n_select"]) == (3, 500, 4.0)
    assert params["random_state"] == 7
    _, factory = harness.parse_method("verifier:n_select='all'")
    assert factory((np.zeros((2, 1)), np.array([0, 1]))).n_select == "all"
    with pytest.raises(ValueError, match="unknown method"):
        harness.parse_method("no_such_selector")
    with pytest.raises(ValueError, match="name=value"):
        harness.parse_method("kmeans:n_init")


def _handmade_results():
    """One table, one kind per family, one model, three seeds; accuracies chosen by hand."""
    accuracy = {
        # method: accuracies over seeds 0, 1, 2
        "real only": [0.80, 0.82, 0.84],  # mean 0.82
        "whole pool": [0.85, 0.86, 0.81],  # mean 0.84: the best fixed choice on "gmm"
        "random 2:1": [0.83, 0.83, 0.83],  # mean 0.83
        "selector": [0.86, 0.85, 0.87],
    }
    rows = []
    for kind, family, shift in (("gmm", "faithful", 0.0), ("drift", "harmful", -0.1)):
        for method, values in accuracy.items():
            for seed, value in enumerate(values):
                bonus = 0.0 if method == "real only" else shift  # harmful: real only is best
                rows.append(
                    dict(table="t", kind=kind, family=family, model="LR", seed=seed,
                         method=method, accuracy=value + bonus, n_added=1, seconds=0.0,
                         target_noise=0.5, estimated_noise=0.4, added_cov_error=0.3,
                         wrong_label_share=np.nan, error=None)
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_regret_and_paired_differences_follow_their_definitions():
    config = harness.Config(
        tables=["t"], kinds=["gmm", "drift"], models=["LR"], n_seeds=3,
        selectors={"selector": None},
    )  # fmt: skip
    results = _handmade_results()
    paired = harness.add_paired_columns(results, config)
    assert set(paired.loc[paired["kind"] == "gmm", "best_fixed"]) == {"whole pool"}
    assert set(paired.loc[paired["kind"] == "drift", "best_fixed"]) == {"real only"}
    summary = harness.summarise(results, config).set_index(["kind", "method"])
    selector = summary.loc[("gmm", "selector")]
    regrets = np.array([0.86 - 0.85, 0.85 - 0.86, 0.87 - 0.81])
    assert selector["regret"] == pytest.approx(regrets.mean())
    assert selector["regret_se"] == pytest.approx(regrets.std(ddof=1) / np.sqrt(3))
    assert selector["vs_random"] == pytest.approx(np.mean([0.03, 0.02, 0.04]))
    assert selector["vs_real"] == pytest.approx(np.mean([0.06, 0.03, 0.03]))
    assert summary.loc[("gmm", "whole pool"), "regret"] == pytest.approx(0.0)
    assert summary.loc[("drift", "real only"), "regret"] == pytest.approx(0.0)
    drift = summary.loc[("drift", "selector")]
    assert drift["regret"] == pytest.approx(np.mean([0.76 - 0.80, 0.75 - 0.82, 0.77 - 0.84]))
    # Method order: baselines first, in the config's order.
    assert list(summary.loc["gmm"].index) == ["real only", "whole pool", "random 2:1", "selector"]
    pooled = harness.pooled_regret(results, config).set_index(["family", "model", "method"])
    assert pooled.loc[("faithful", "LR", "selector"), "regret"] == pytest.approx(regrets.mean())
    assert pooled.loc[("harmful", "all", "selector"), "regret"] == pytest.approx(drift["regret"])


def test_regret_chooses_per_group_and_the_per_table_regret_per_cell():
    config = harness.Config(
        tables=["t", "u"], kinds=["gmm"], models=["LR"], n_seeds=1, selectors={"selector": None},
    )  # fmt: skip
    accuracy = {  # (table, method): accuracy of the single seed
        ("t", "real only"): 0.80, ("t", "whole pool"): 0.90, ("t", "random 2:1"): 0.85,
        ("t", "selector"): 0.88,
        ("u", "real only"): 0.84, ("u", "whole pool"): 0.82, ("u", "random 2:1"): 0.83,
        ("u", "selector"): 0.83,
    }  # fmt: skip
    results = pd.DataFrame(
        [
            dict(table=table, kind="gmm", family="faithful", model="LR", seed=0, method=method,
                 accuracy=value, n_added=1, seconds=0.0, target_noise=0.5, estimated_noise=0.4,
                 added_cov_error=0.3, wrong_label_share=np.nan, error=None)
            for (table, method), value in accuracy.items()
        ]
    )  # fmt: skip
    paired = harness.add_paired_columns(results, config).set_index(["table", "method"])
    # Over both tables the whole pool is best (mean 0.86 against 0.82 and 0.84) ...
    assert set(paired["best_fixed"]) == {"whole pool"}
    assert paired.loc[("t", "selector"), "regret"] == pytest.approx(0.88 - 0.90)
    assert paired.loc[("u", "selector"), "regret"] == pytest.approx(0.83 - 0.82)
    assert paired.loc[("u", "whole pool"), "regret"] == pytest.approx(0.0)
    # ... while the per-table oracle takes the real rows alone on table u.
    assert paired.loc[("u", "selector"), "regret_per_table"] == pytest.approx(0.83 - 0.84)
    assert paired.loc[("u", "whole pool"), "regret_per_table"] == pytest.approx(0.82 - 0.84)
    assert paired.loc[("t", "selector"), "regret_per_table"] == pytest.approx(0.88 - 0.90)
    summary = harness.summarise(results, config).set_index("method")
    assert summary.loc["selector", "regret"] == pytest.approx(np.mean([-0.02, 0.01]))
    assert summary.loc["selector", "regret_per_table"] == pytest.approx(np.mean([-0.02, -0.01]))
    title, _, rows = harness.regret_table(results, config, "regret_per_table")
    assert title.startswith("Per-table regret") and "(table, pool kind, model)" in title
    assert dict((row[0], row[1]) for row in rows)["whole pool"] == "-0.010 ± 0.010"


def test_covariance_error_and_the_target_noise_estimate():
    rng = np.random.RandomState(0)
    X = rng.standard_normal((4000, 3))
    y = np.repeat([0, 1], 2000)
    assert harness.covariance_error(X, y, X, y) == pytest.approx(0.0, abs=1e-12)
    small = np.r_[np.arange(30), 2000 + np.arange(30)]
    measured = harness.covariance_error(X[small], y[small], X, y)
    estimated = harness.estimated_target_noise(X[small], y[small])
    # Both scale like 1/sqrt(n): about sqrt((p + 1) / n) for Gaussian rows, p=3, n=30.
    assert 0.15 < measured < 0.8 and 0.15 < estimated < 0.8
    larger = harness.estimated_target_noise(X[:1000], y[:1000] * 0)
    assert larger < estimated / 4
    # The closed form equals the definition, sqrt(sum_i ||z_i z_i^T - C||_F^2) / n / ||C||_F.
    Z = X[:30] - X[:30].mean(axis=0)
    Z = Z / Z.std(axis=0)
    C = Z.T @ Z / 30
    r = np.sqrt(np.sum((np.einsum("ij,ik->ijk", Z, Z) - C) ** 2)) / 30
    single = harness.estimated_target_noise(X[:30], np.zeros(30, int))
    assert single == pytest.approx(r / np.linalg.norm(C), rel=1e-10)


def test_reports_and_plots_are_written(tiny_results, tmp_path):
    config = _tiny_config()
    paths = harness.write_reports(tiny_results, config, tmp_path, "A tiny run.")
    paths += harness.write_plots(tiny_results, config, tmp_path)
    assert all(path.exists() and path.stat().st_size > 0 for path in paths)
    md = (tmp_path / "paper_tabular.md").read_text()
    assert md.startswith("# Selection on real tables")
    assert "A tiny run." in md and "### Regret" in md and "### smote pool (faithful)" in md
    assert "| covariance (greedy) |" in md and "wrong labels" in md
    inc = (tmp_path / "paper_tabular.inc").read_text()
    # regret, per-table regret, noise, 2 kinds
    assert inc.count(".. list-table::") == md.count("### ") == 5
    summary = pd.read_csv(tmp_path / "paper_tabular_summary.csv")
    columns = {"regret", "regret_se", "regret_per_table", "vs_random", "vs_real", "n_units"}
    assert columns <= set(summary.columns)
    assert set(summary["family"].dropna()) == {"faithful", "harmful"}


def test_script_runs_and_redraws_from_its_results(tmp_path):
    script = _load("paper_tabular_script", BENCHMARKS / "paper_tabular.py")
    argv = ["--tables", "iris", "--kinds", "gmm", "--models", "LR", "--seeds", "1",
            "--methods", "center_matching", "--pool-factor", "2", "--random-ratios", "2",
            "--no-plots", "--output-dir", str(tmp_path)]  # fmt: skip
    script.main(argv)
    results = pd.read_csv(tmp_path / "paper_tabular_results.csv")
    assert set(results["method"]) == {"real only", "whole pool", "random 2:1", "center_matching"}
    run = json.loads((tmp_path / "paper_tabular_run.json").read_text())
    assert run["argv"] == argv
    first = (tmp_path / "paper_tabular.md").read_text()
    (tmp_path / "paper_tabular.md").unlink()
    script.main(["--from-results", "--output-dir", str(tmp_path)])
    assert (tmp_path / "paper_tabular.md").read_text() == first
    # A selector added later is measured on the same cells and paired with the old baselines.
    script.main(["--add-methods", "kmeans", "--no-plots", "--output-dir", str(tmp_path)])
    extended = pd.read_csv(tmp_path / "paper_tabular_results.csv")
    pd.testing.assert_frame_equal(extended.iloc[: len(results)], results)
    assert extended.iloc[len(results) :]["method"].tolist() == ["kmeans"]
    assert json.loads((tmp_path / "paper_tabular_run.json").read_text())["added"] == ["kmeans"]
    report = (tmp_path / "paper_tabular.md").read_text()
    assert "| kmeans |" in report and "then `--add-methods kmeans`" in report
    _, config = script.parse_args(["--quick"])
    assert config.n_seeds == 1 and "covariance (relaxed)" in config.selectors


def test_label_noise_script_separates_a_faithful_pool_from_wrong_labels(capsys):
    script = _load("label_noise_script", BENCHMARKS / "label_noise_estimates.py")
    table = script.main(["--tables", "iris", "--seeds", "1", "--kinds", "gmm", "wrong_labels"])
    assert list(table.index) == [("gmm", "iris"), ("wrong_labels", "iris")]
    # The pool's 25 % wrong labels are seen, above the gate's tolerance; the faithful pool's
    # estimate is near 0, below it.
    assert table.loc[("wrong_labels", "iris"), "min"] > script.TOLERANCE
    assert table.loc[("gmm", "iris"), "max"] < script.TOLERANCE
    assert list(table["above"]) == [0.0, 1.0]
    assert "share > 0.15" in capsys.readouterr().out
