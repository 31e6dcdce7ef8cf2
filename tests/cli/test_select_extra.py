"""``select``: repeated column names in a CSV header are a one-line error (pandas renames them)."""

import numpy as np
import pandas as pd
import pytest

from skl_synthsel.cli import main


def _write(path, header, rows):
    lines = [",".join(header)] + [",".join(str(value) for value in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def good_tables(tmp_path):
    rng = np.random.default_rng(0)

    def table(n_rows):
        frame = pd.DataFrame(rng.normal(size=(n_rows, 2)).round(4), columns=["a", "b"])
        frame["label"] = rng.choice(["x", "y"], n_rows)
        return frame

    real, pool = tmp_path / "real.csv", tmp_path / "pool.csv"
    table(20).to_csv(real, index=False)
    table(200).to_csv(pool, index=False)
    return real, pool


def _run(capsys, *args):
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "header, repeated",
    [
        (["a", "a", "label"], "['a']"),
        (["a", " a", "label"], "['a']"),
        (["a", "b", "a", "b", "label"], "['a', 'b']"),
    ],
)
@pytest.mark.parametrize("role", ["real", "pool"])
def test_repeated_column_names_are_a_one_line_error(
    capsys, tmp_path, good_tables, header, repeated, role
):
    real, pool = good_tables
    bad = tmp_path / "bad.csv"
    rows = [[0.1 * i] * (len(header) - 1) + ["x" if i % 2 else "y"] for i in range(10)]
    _write(bad, header, rows)
    paths = {"real": bad, "pool": pool} if role == "real" else {"real": real, "pool": bad}
    code, out, err = _run(
        capsys,
        "select",
        "--real",
        paths["real"],
        "--pool",
        paths["pool"],
        "--target",
        "label",
        "-q",
    )
    assert code == 2
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith(f"error: the {role} file ")
    assert f"repeats the column names {repeated}" in lines[0]
    assert "unique name" in lines[0]
    assert ".1" not in lines[0]


def test_unique_names_still_run(capsys, good_tables, tmp_path):
    real, pool = good_tables
    output = tmp_path / "out.csv"
    code, _, err = _run(
        capsys,
        "select", "--real", real, "--pool", pool, "--target", "label",
        "--n-select", "10", "--output", output, "-q",
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(output)
    assert list(table.columns) == ["a", "b", "label"] and len(table) == 30
