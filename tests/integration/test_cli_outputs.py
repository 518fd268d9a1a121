"""What the commands write: never over their own inputs, in full precision, warnings said."""

from __future__ import annotations

import io
import os
import stat
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

from detente.cli.app import _register_commands, app
from detente.scenario.io import load

_register_commands()
runner = CliRunner()

SCENARIO = (
    "name: s\n"
    "actors: [{id: A, name: A, capability: 1}, {id: B, name: B, capability: 3}]\n"
    "issues: [{id: x, name: x, scale: {lo: 0, hi: 2000000}}]\n"
    "positions: [{actor: A, issue: x, position: 1234567, salience: 50},"
    " {actor: B, issue: x, position: 1234568.5, salience: 50}]\n"
)


def _scenario(tmp_path: Path, name: str = "s.yaml", text: str = SCENARIO) -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def _refused(r: Result, what: str) -> None:
    assert r.exit_code == 2, r.output
    out = r.output
    assert "error:" in out and "destroy an input" in out and what in out, out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


# --- A. an output that is one of the command's inputs is refused before any work ---------


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink"])
def test_forecast_output_onto_its_input_is_refused(tmp_path: Path, spelling: str) -> None:
    f = _scenario(tmp_path)
    before = f.read_bytes()
    out = {
        "same": f,
        "dot": Path(os.path.relpath(f)).parent / "." / f.name,
        "symlink": tmp_path / "link.csv",
        "hardlink": tmp_path / "hard.csv",
    }[spelling]
    if spelling == "symlink":
        out.symlink_to(f)
    if spelling == "hardlink":
        os.link(f, out)
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "-f", "csv", "-o", str(out)])
    _refused(r, "--output")
    assert f.read_bytes() == before


def test_forecast_output_inside_a_tidy_input_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "talks"
    assert runner.invoke(app, ["convert", "miami", str(folder)]).exit_code == 0
    names = sorted(p.name for p in folder.iterdir())
    r = runner.invoke(app, ["forecast", str(folder), "-m", "compromise", "-o", str(folder / "f")])
    _refused(r, "inside the input folder")
    assert sorted(p.name for p in folder.iterdir()) == names


def test_forecast_plot_onto_its_input_is_refused(tmp_path: Path) -> None:
    f = _scenario(tmp_path, "s.png")  # a YAML scenario under a picture's name
    before = f.read_bytes()
    r = runner.invoke(app, ["forecast", str(f), "--input-format", "yaml", "--plot", str(f)])
    _refused(r, "--plot")
    assert f.read_bytes() == before


def test_analyze_plot_onto_its_input_is_refused(tmp_path: Path) -> None:
    f = _scenario(tmp_path, "s.svg")
    before = f.read_bytes()
    r = runner.invoke(app, ["analyze", str(f), "--input-format", "yaml", "--plot", str(f)])
    _refused(r, "--plot")
    assert f.read_bytes() == before


def test_backtest_predict_onto_the_training_data_is_refused(
    shared_data: Path, tmp_path: Path
) -> None:
    dev = tmp_path / "dev.tsv"
    dev.write_bytes((shared_data / "deu3" / "deu3-dev.tsv").read_bytes())
    hold = shared_data / "deu3" / "deu3-holdout-inputs.tsv"
    before = dev.read_bytes()
    r = runner.invoke(app, ["backtest", "predict", "--train", str(dev), str(hold), "-o", str(dev)])
    _refused(r, "--output")
    assert dev.read_bytes() == before


def test_backtest_csv_onto_its_table_is_refused(shared_data: Path, tmp_path: Path) -> None:
    dev = tmp_path / "dev.tsv"
    dev.write_bytes((shared_data / "deu3" / "deu3-dev.tsv").read_bytes())
    before = dev.read_bytes()
    r = runner.invoke(app, ["backtest", str(dev), "-m", "compromise", "--csv", str(dev)])
    _refused(r, "--csv")
    assert dev.read_bytes() == before and "DEU backtest" not in r.output


def test_convert_onto_its_input_needs_force(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    assert runner.invoke(app, ["convert", "miami", str(f)]).exit_code == 0
    before = f.read_bytes()
    r = runner.invoke(app, ["convert", str(f), str(f)])
    _refused(r, "--force")
    assert f.read_bytes() == before
    link = tmp_path / "link.yaml"
    link.symlink_to(f)
    _refused(runner.invoke(app, ["convert", str(link), str(f)]), "output")
    r = runner.invoke(app, ["convert", str(f), str(f), "--force"])
    assert r.exit_code == 0, r.output
    assert (
        load(f) == load(tmp_path / "m.yaml")
        and load(f).name == "Russia-Ukraine talks at the Miami round"
    )


def test_convert_into_the_folder_it_reads_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "talks"
    assert runner.invoke(app, ["convert", "miami", str(folder)]).exit_code == 0
    r = runner.invoke(app, ["convert", str(folder), str(folder / "m.yaml")])
    _refused(r, "inside the input folder")
    assert not (folder / "m.yaml").exists()


def _null_device(tmp_path: Path) -> Path:
    """``/dev/null``, or for root a null device made in ``tmp_path``: a writer that replaces
    the file it writes would otherwise replace the machine's /dev/null."""
    if os.geteuid() != 0:
        return Path("/dev/null")
    dev = tmp_path / "null"
    try:
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError as e:
        pytest.skip(f"cannot make a null device to write to as root: {e}")
    return dev


def test_output_to_dev_null_works_and_leaves_a_character_device(tmp_path: Path) -> None:
    null = _null_device(tmp_path)
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise", "-f", "csv", "-o", str(null)])
    assert r.exit_code == 0, r.output
    assert stat.S_ISCHR(os.stat(null).st_mode)
    assert not list(null.parent.glob(f".{null.name}*"))


# --- D1. CSV in full precision -------------------------------------------------------------


def test_forecast_csv_reads_back_to_the_exact_forecast(tmp_path: Path) -> None:
    from detente.models import run_model

    f = _scenario(tmp_path)
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "-f", "csv"])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(io.StringIO(r.stdout))["forecast"].iloc[0]
    # (1 * 1234567 + 3 * 1234568.5) / 4, exact in binary
    assert got == 1234568.125
    assert got == run_model("compromise", load(f).to_arrays()).forecast[0]


def test_history_csv_reads_back_exactly(tmp_path: Path) -> None:
    f = _scenario(tmp_path)
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "-f", "csv", "--history"])
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout))
    assert sorted(df["position"]) == [1234567.0, 1234568.5]


def test_backtest_predict_csv_is_exact(shared_data: Path, tmp_path: Path) -> None:
    from detente.backtest import predict_file

    dev = shared_data / "deu3" / "deu3-dev.tsv"
    hold = shared_data / "deu3" / "deu3-holdout-inputs.tsv"
    out = tmp_path / "p.csv"
    r = runner.invoke(app, ["backtest", "predict", "--train", str(dev), str(hold), "-o", str(out)])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(out, dtype={"issue": str}, float_precision="round_trip")
    want = predict_file(dev, hold, "compromise")
    assert list(got["issue"]) == list(want["issue"])
    assert np.array_equal(got["prediction"].to_numpy(), want["prediction"].to_numpy())


# --- D2. the table says what it prints ----------------------------------------------------


def test_table_marks_a_status_quo_fallback_and_the_caption_says_so(tmp_path: Path) -> None:
    # A wants x < 50, B wants x > 50 against the status quo 50: no outcome both prefer, so
    # Nash falls back to the status quo, 50.
    f = _scenario(
        tmp_path,
        text=(
            "name: s\n"
            "actors: [{id: A, name: A, capability: 1}, {id: B, name: B, capability: 1}]\n"
            "issues: [{id: x, name: x, status_quo: 50}]\n"
            "positions: [{actor: A, issue: x, position: 10, salience: 50},"
            " {actor: B, issue: x, position: 90, salience: 50}]\n"
        ),
    )
    r = runner.invoke(app, ["forecast", str(f), "-m", "nash", "-m", "compromise"])
    assert r.exit_code == 0, r.output
    row = next(line for line in r.stdout.splitlines() if line.startswith("│ x "))
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells[2:4] == ["50.0*", "50.0"]
    assert "status quo, marked *" in r.stdout and "'–'" not in r.stdout


def test_table_dash_means_no_status_quo_either() -> None:
    # Miami has no status quo: where Nash finds no outcome it has no forecast at all.
    r = runner.invoke(app, ["forecast", "miami", "-m", "nash"])
    assert r.exit_code == 0, r.output
    row = next(line for line in r.stdout.splitlines() if line.startswith("│ territory "))
    assert "│    – │" in row
    assert "nash: on 6 issue(s) no outcome is preferred" in r.stdout
    assert "no status quo to fall back on" in r.stdout and "*" not in row


# --- D5. convert says what the output format drops ----------------------------------------


def test_convert_prints_writer_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import detente.scenario.io as io_mod

    real = io_mod.save

    def save(*args: object, **kwargs: object) -> Path:
        warnings.warn("decide-csv: vetoes of RUS, UKR dropped", UserWarning, stacklevel=2)
        return real(*args, **kwargs)

    monkeypatch.setattr(io_mod, "save", save)
    r = runner.invoke(app, ["convert", "miami", str(tmp_path / "m.yaml")])
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == ["warning: decide-csv: vetoes of RUS, UKR dropped"]
    assert "wrote" in r.stdout


def test_convert_to_decide_warns_that_vetoes_are_dropped(tmp_path: Path) -> None:
    r = runner.invoke(app, ["convert", "miami", str(tmp_path / "m.csv"), "--output-format",
                            "decide-csv"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert any(line.startswith("warning:") and "veto" in line for line in r.stderr.splitlines()), (
        r.stderr
    )


@pytest.mark.parametrize("command", ["forecast", "convert"])
def test_an_output_onto_the_file_redirected_to_stdin_is_refused(
    tmp_path: Path, command: str
) -> None:
    import subprocess
    import sys

    f = _scenario(tmp_path)
    before = f.read_bytes()
    args = ["-", "-m", "compromise", "-o", str(f)] if command == "forecast" else ["-", str(f)]
    with f.open("rb") as stdin:
        p = subprocess.run(
            [sys.executable, "-m", "detente", command, *args],
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert p.returncode == 2, p.stderr
    assert "is read on standard input" in p.stderr and "Traceback" not in p.stderr
    assert f.read_bytes() == before
