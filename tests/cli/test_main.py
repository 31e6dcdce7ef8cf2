"""The command line, run in-process through ``main`` (one end-to-end run in a subprocess)."""

import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from skl_synthsel.cli import main
from skl_synthsel.cli._select import METHODS, parse_n_select

FEATURES = ["alpha", "beta", "gamma"]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys):
    """Run ``main(ARGS)`` as ``python -m skl_synthsel ARGS`` would; returns its exit and output."""

    def run(*args):
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as exc:  # argparse: --help and usage errors
            code = exc.code or 0
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def assert_one_line_error(result, *fragments):
    """Exit code 2, a single ``error: ...`` line on stderr naming the fragments, no traceback."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert result.stdout == ""


@pytest.fixture
def tables():
    """A real table of 30 rows in 2 classes and a 300-row pool from the same distribution."""
    rng = np.random.default_rng(0)

    def draw(n_rows):
        labels = rng.choice(["yes", "no"], n_rows)
        X = rng.normal(size=(n_rows, 3)) @ np.array([[1.0, 0.5, 0.0], [0, 1, 0.3], [0, 0, 1]])
        X[labels == "yes"] += 1.5
        table = pd.DataFrame(X, columns=FEATURES)
        table.insert(1, "label", labels)
        return table

    return draw(30), draw(300)


@pytest.fixture
def files(tmp_path, tables):
    real, pool = tables
    real.to_csv(tmp_path / "real.csv", index=False)
    pool.to_csv(tmp_path / "pool.csv", index=False)
    return tmp_path / "real.csv", tmp_path / "pool.csv"


def select_args(real, pool, *extra, output=None, target="label"):
    args = ["select", "--real", real, "--pool", pool, "--target", target, *extra]
    return args + (["--output", output] if output is not None else [])


# -- good runs -------------------------------------------------------------------------------


def test_select_writes_real_then_selected_rows_in_the_same_columns(
    run_cli, files, tmp_path, tables
):
    real_path, pool_path = files
    output = tmp_path / "selected.csv"
    result = run_cli(
        *select_args(
            real_path,
            pool_path,
            "--n-select",
            "2.0",
            "--method",
            "covariance_matching",
            output=output,
        )
    )
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(output)
    real, pool = tables
    assert written.columns.tolist() == real.columns.tolist()
    assert len(written) == 30 + 60
    pd.testing.assert_frame_equal(written.iloc[:30].reset_index(drop=True), real, check_exact=False)
    # Every added row is a row of the pool, with its label.
    keys = {tuple(np.round(row, 8)) for row in pool[FEATURES].to_numpy()}
    added = written.iloc[30:]
    assert all(tuple(np.round(row, 8)) in keys for row in added[FEATURES].to_numpy())
    # Per-class quotas follow the real class proportions.
    expected = (real["label"].value_counts() * 2).sort_index()
    assert added["label"].value_counts().sort_index().tolist() == expected.tolist()
    # Progress goes to stderr, in a few short lines, with a bar over the pool's 300 rows.
    assert "selecting" in result.stderr and "wrote 90 rows" in result.stderr
    assert "300/300" in result.stderr


def test_select_int_n_select_selected_only_and_stdout(run_cli, files):
    real_path, pool_path = files
    result = run_cli(
        *select_args(
            real_path,
            pool_path,
            "--n-select",
            "25",
            "--selected-only",
            "--method",
            "random",
            "--quiet",
        )
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    from io import StringIO

    written = pd.read_csv(StringIO(result.stdout))
    assert len(written) == 25
    assert written.columns.tolist() == ["alpha", "label", "beta", "gamma"]


def test_select_one_hot_encodes_categorical_columns_and_writes_original_values(
    run_cli, tmp_path, tables
):
    real, pool = tables
    rng = np.random.default_rng(1)
    real = real.assign(colour=rng.choice(["red", "green"], len(real)))
    pool = pool.assign(colour=rng.choice(["red", "green", "blue"], len(pool)))
    # The pool's columns in another order: matched by name.
    pool = pool[["colour", *reversed(real.columns[:-1])]]
    real.to_csv(tmp_path / "real.csv", index=False)
    pool.to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(
        *select_args(
            tmp_path / "real.csv",
            tmp_path / "pool.csv",
            "--n-select",
            "1.0",
            "--source-column",
            "source",
            output=tmp_path / "out.csv",
        )
    )
    assert result.returncode == 0, result.stderr
    assert "one-hot encoding" in result.stderr and "'colour'" in result.stderr
    assert "warning:" in result.stderr and "blue" in result.stderr
    written = pd.read_csv(tmp_path / "out.csv")
    assert written.columns.tolist() == [*real.columns, "source"]
    assert len(written) == 60
    assert set(written["colour"]) <= {"red", "green", "blue"}
    assert written["source"].tolist() == ["real"] * 30 + ["synthetic"] * 30


def test_select_regression_target(run_cli, tmp_path):
    rng = np.random.default_rng(2)

    def draw(n_rows):
        X = rng.normal(size=(n_rows, 2))
        return pd.DataFrame(
            {"x1": X[:, 0], "x2": X[:, 1], "y": X @ [1.0, -0.5] + 0.1 * rng.normal(size=n_rows)}
        )

    draw(20).to_csv(tmp_path / "real.csv", index=False)
    draw(200).to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(
        *select_args(
            tmp_path / "real.csv",
            tmp_path / "pool.csv",
            "--target",
            "y",
            "--n-select",
            "30",
            "--method",
            "center_matching",
            output=tmp_path / "out.csv",
            target="y",
        )
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(tmp_path / "out.csv")) == 50


# -- malformed input: one line, exit code 2, no traceback --------------------------------------


def test_missing_target_column(run_cli, files):
    result = run_cli(*select_args(*files, target="outcome"))
    assert_one_line_error(result, "'outcome'", "not a column", "alpha")


def test_target_missing_from_the_pool_only(run_cli, tmp_path, tables):
    real, pool = tables
    real.to_csv(tmp_path / "real.csv", index=False)
    pool.rename(columns={"label": "class"}).to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(*select_args(tmp_path / "real.csv", tmp_path / "pool.csv"))
    assert_one_line_error(result, "'label'", "pool.csv")


def test_mismatched_columns(run_cli, tmp_path, tables):
    real, pool = tables
    real.to_csv(tmp_path / "real.csv", index=False)
    pool.rename(columns={"gamma": "delta"}).to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(*select_args(tmp_path / "real.csv", tmp_path / "pool.csv"))
    assert_one_line_error(result, "missing ['gamma']", "unexpected ['delta']")


def test_non_numeric_value_in_a_numeric_column(run_cli, tmp_path, tables):
    real, pool = tables
    real.to_csv(tmp_path / "real.csv", index=False)
    pool = pool.astype({"beta": object})
    pool.loc[7, "beta"] = "oops"
    pool.to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(*select_args(tmp_path / "real.csv", tmp_path / "pool.csv"))
    assert_one_line_error(result, "'beta'", "'oops'", "line 9", "--categorical beta")


def test_missing_values(run_cli, tmp_path, tables):
    real, pool = tables
    real.loc[3, "alpha"] = np.nan
    real.to_csv(tmp_path / "real.csv", index=False)
    pool.to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(*select_args(tmp_path / "real.csv", tmp_path / "pool.csv"))
    assert_one_line_error(result, "missing values", "'alpha'")


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("", "is empty"),
        ("alpha,label,beta,gamma\n", "no rows"),
        ("alpha,label,beta,gamma\n1,yes,2,3\n1,no,2,3,4,5\n", "not a well-formed CSV"),
    ],
)
def test_empty_or_broken_file(run_cli, files, content, fragment):
    real_path, pool_path = files
    pool_path.write_text(content)
    result = run_cli(*select_args(real_path, pool_path))
    assert_one_line_error(result, fragment, "pool")


def test_regression_with_a_text_target(run_cli, files):
    result = run_cli(*select_args(*files, "--task", "regression"))
    assert_one_line_error(result, "numeric target", "'label'")


def test_file_not_found(run_cli, files, tmp_path):
    result = run_cli(*select_args(tmp_path / "nowhere.csv", files[1]))
    assert_one_line_error(result, "does not exist", "nowhere.csv")


def test_class_absent_from_the_pool(run_cli, tmp_path, tables):
    real, pool = tables
    real.to_csv(tmp_path / "real.csv", index=False)
    pool[pool["label"] == "yes"].to_csv(tmp_path / "pool.csv", index=False)
    result = run_cli(*select_args(tmp_path / "real.csv", tmp_path / "pool.csv"))
    assert_one_line_error(result, "'no'", "absent from the pool")


def test_quota_larger_than_the_pool(run_cli, files):
    result = run_cli(*select_args(*files, "--n-select", "5000"))
    assert_one_line_error(result, "quota")


def test_bad_n_select_is_an_argparse_error(run_cli, files):
    result = run_cli(*select_args(*files, "--n-select", "many"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "--n-select" in result.stderr and "not a number" in result.stderr


# -- help and demo ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["select"], ["demo"]])
def test_help(run_cli, command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert "usage: python -m skl_synthsel" in result.stdout
    if command == ["select"]:
        for option in (
            "--real",
            "--pool",
            "--target",
            "--n-select",
            "--method",
            "--task",
            "--random-state",
            "--selected-only",
            "--output",
            *METHODS,
        ):
            assert option in result.stdout


def test_demo_runs_on_a_tiny_configuration(run_cli):
    result = run_cli("demo", "--dataset", "wine", "--seeds", "1", "--n-real-per-class", "5")
    assert result.returncode == 0, result.stderr
    assert "| real only |" in result.stdout
    for name in METHODS:
        assert name in result.stdout


# -- in-process --------------------------------------------------------------------------------


def test_parse_n_select():
    assert parse_n_select("100") == 100 and isinstance(parse_n_select("100"), int)
    assert parse_n_select("2.0") == 2.0 and isinstance(parse_n_select("2.0"), float)
    assert parse_n_select("0") == 0 and parse_n_select("all") == "all"
    for bad in ("-1", "nan", "x"):
        with pytest.raises(ValueError):
            parse_n_select(bad)


def test_end_to_end_in_a_subprocess(files, tmp_path):
    """The one run as a user types it: ``python -m skl_synthsel select ...``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    output = tmp_path / "out.csv"
    args = select_args(*files, "--n-select", "1.0", "--method", "random", output=output)
    result = subprocess.run(
        [sys.executable, "-m", "skl_synthsel", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(output)) == 60 and "wrote 60 rows" in result.stderr


def test_n_select_zero_and_all(run_cli, files, tmp_path):
    for value, n_rows in (("0", 30), ("all", 330)):
        output = tmp_path / f"out_{value}.csv"
        result = run_cli(
            *select_args(*files, "--n-select", value, "--method", "random", output=output)
        )
        assert result.returncode == 0, result.stderr
        assert len(pd.read_csv(output)) == n_rows
