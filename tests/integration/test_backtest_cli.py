"""``detente backtest`` and ``detente backtest predict`` through Typer's CliRunner."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import detente.cli.cmd_backtest  # noqa: F401  (registers the backtest commands)
from detente.cli.app import app

runner = CliRunner()


def _holdout_issue_count(path: Path, min_actors: int = 3) -> set[str]:
    """Issues of the inputs file with >= min_actors valid positions, read independently."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quotechar='"'))
    head = rows[0]
    pcols = [
        i
        for i, h in enumerate(head)
        if h.startswith("p") and h not in ("prnrnmc", "prnr", "prname", "proc", "proccde")
    ]
    isnr = head.index("isnr")
    out = set()
    for row in rows[1:]:
        if not row[isnr].strip():
            continue  # the GDP line
        n = 0
        for i in pcols:
            cell = row[i].strip() if i < len(row) else ""
            try:
                v = float(cell)
            except ValueError:
                continue
            n += 0.0 <= v <= 100.0
        if n >= min_actors:
            out.add(row[isnr].strip())
    return out


def test_backtest_table_csv_and_plot(shared_data: Path, tmp_path: Path) -> None:
    dev = shared_data / "deu3" / "deu3-dev.tsv"
    out_csv, out_png = tmp_path / "m.csv", tmp_path / "m.png"
    r = runner.invoke(
        app,
        ["backtest", str(dev), "--model", "compromise", "--model", "median", "--boot", "200",
         "--csv", str(out_csv), "--plot", str(out_png)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "24.46" in r.output and "29.36" in r.output
    t = pd.read_csv(out_csv)
    assert set(t["subset"]) == {"all", "COD", "CNS", "QMV", "Unan"}
    assert {"mae", "mae_lo", "mae_hi", "d_mae", "rmse", "within10"} <= set(t.columns)
    assert out_png.stat().st_size > 1000


def test_backtest_predict_blind(shared_data: Path, tmp_path: Path) -> None:
    dev = shared_data / "deu3" / "deu3-dev.tsv"
    hold = shared_data / "deu3" / "deu3-holdout-inputs.tsv"
    out = tmp_path / "predictions.csv"
    r = runner.invoke(
        app,
        [
            "backtest",
            "predict",
            "--train",
            str(dev),
            str(hold),
            "--model",
            "compromise",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out, dtype={"issue": str})
    assert list(df.columns) == ["issue", "model", "prediction"]
    assert set(df["issue"]) == _holdout_issue_count(hold)
    assert len(df) == len(set(df["issue"]))
    assert (df["model"] == "compromise").all()
    assert df["prediction"].between(0, 100).all()


def test_backtest_predict_fitted(shared_data: Path, tmp_path: Path) -> None:
    dev = shared_data / "deu3" / "deu3-dev.tsv"
    hold = shared_data / "deu3" / "deu3-holdout-inputs.tsv"
    out = tmp_path / "p.csv"
    r = runner.invoke(
        app,
        [
            "backtest",
            "predict",
            "--train",
            str(dev),
            str(hold),
            "--model",
            "fitted-lite",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert len(df) == len(_holdout_issue_count(hold)) and df["prediction"].notna().all()


@pytest.mark.parametrize(
    "args",
    [
        ["backtest", "no-such-file.tsv"],
        ["backtest", "{dev}", "--model", "no-such-model"],
        ["backtest", "{dev}", "--capability", "votes"],
        ["backtest", "{hold}"],  # no outcomes to score against
    ],
)
def test_backtest_errors_are_one_line(shared_data: Path, args: list[str]) -> None:
    d = {
        "dev": str(shared_data / "deu3" / "deu3-dev.tsv"),
        "hold": str(shared_data / "deu3" / "deu3-holdout-inputs.tsv"),
    }
    r = runner.invoke(app, [a.format(**d) for a in args])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output


def test_predict_with_training_file_without_outcomes_exits_2(
    shared_data: Path, tmp_path: Path
) -> None:
    # the held-out inputs as --train: reading its inputs is fine, it has no outcomes to fit on
    hold = str(shared_data / "deu3" / "deu3-holdout-inputs.tsv")
    out = tmp_path / "p.csv"
    for model in ("compromise", "fitted-lite"):
        r = runner.invoke(
            app, ["backtest", "predict", "--train", hold, hold, "-m", model, "-o", str(out)]
        )
        assert r.exit_code == 2, r.output
        assert "no issue with an outcome and at least 3 valid positions" in r.output
        assert "Traceback" not in r.output and not out.exists()


@pytest.mark.parametrize(
    ("flag", "target"),
    [
        ("--csv", "missing/m.csv"),  # a folder that does not exist: refused before the run
        ("--plot", "missing/m.png"),
        ("--csv", "."),  # a folder where the file should be: the write fails, one line
        ("--plot", "dir.png"),
    ],
)
def test_backtest_write_errors_are_one_line(
    shared_data: Path, tmp_path: Path, flag: str, target: str
) -> None:
    (tmp_path / "dir.png").mkdir()
    dev = str(shared_data / "deu3" / "deu3-dev.tsv")
    path = str(tmp_path / target)
    r = runner.invoke(app, ["backtest", dev, "-m", "compromise", "--boot", "20", flag, path])
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "error:" in r.output
    assert path.rstrip("/.") in r.output or str(tmp_path) in r.output


def test_backtest_plot_type_checked_before_running(shared_data: Path, tmp_path: Path) -> None:
    dev = str(shared_data / "deu3" / "deu3-dev.tsv")
    r = runner.invoke(app, ["backtest", dev, "-m", "compromise", "--plot", str(tmp_path / "m.gif")])
    assert r.exit_code == 2, r.output
    assert ".png, .svg or .pdf" in r.output  # the allowed types, one wording for every command
    assert "DEU backtest" not in r.output  # nothing was run


@pytest.mark.parametrize("target", ["missing/p.csv", "."])
def test_predict_write_errors_are_one_line(shared_data: Path, tmp_path: Path, target: str) -> None:
    dev = str(shared_data / "deu3" / "deu3-dev.tsv")
    hold = str(shared_data / "deu3" / "deu3-holdout-inputs.tsv")
    r = runner.invoke(
        app, ["backtest", "predict", "--train", dev, hold, "-o", str(tmp_path / target)]
    )
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output and "error:" in r.output


def test_backtest_csv_onto_a_folder_is_refused_before_running(
    shared_data: Path, tmp_path: Path
) -> None:
    dev = str(shared_data / "deu3" / "deu3-dev.tsv")
    r = runner.invoke(app, ["backtest", dev, "-m", "compromise", "--csv", str(tmp_path)])
    assert r.exit_code == 2, r.output
    assert "is a folder" in r.output and "DEU backtest" not in r.output


def test_backtest_negative_seed_is_a_usage_error(shared_data: Path) -> None:
    dev = str(shared_data / "deu3" / "deu3-dev.tsv")
    r = runner.invoke(app, ["backtest", dev, "-m", "compromise", "--boot", "10", "--seed", "-1"])
    assert r.exit_code == 2, r.output
    assert "--seed" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
