"""The command line, end to end through Typer's runner (and once as a real subprocess)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.examples import load_example
from detente.models import list_models, run_model

_register_commands()
runner = CliRunner()


def invoke(*args: str) -> object:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_forecast_csv_has_exact_columns_and_matches_the_models() -> None:
    r = invoke("forecast", "miami", "-m", "compromise", "-m", "median", "--format", "csv")
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(df.columns) == ["model", "issue", "forecast"]
    s = load_example("miami")
    assert set(df["issue"]) == {i.id for i in s.issues}
    want = run_model("compromise", s.to_arrays()).forecast
    got = df[df.model == "compromise"].set_index("issue").loc[[i.id for i in s.issues], "forecast"]
    np.testing.assert_allclose(got.to_numpy(), want, rtol=1e-5)


def test_forecast_history_csv_columns() -> None:
    r = invoke("forecast", "eu-emissions", "-m", "compromise", "--history", "--format", "csv")
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(df.columns) == ["model", "round", "actor", "issue", "position"]
    assert set(df["round"]) == {0} and len(df) == 10


def test_forecast_json_is_parseable_and_in_issue_units() -> None:
    r = invoke("forecast", "eu-emissions", "-m", "compromise", "--format", "json")
    payload = json.loads(r.stdout)
    (rec,) = payload["forecasts"]
    assert rec["issue"] == "emissions"
    # (sum c*s*x / sum c*s) on the published table, in years
    c = np.array([0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08])
    s = np.array([0.8, 0.4, 0.2, 0.8, 0.6, 0.6, 0.9, 0.1, 1.0, 0.7])
    x = np.array([4, 7, 4, 4, 10, 10, 10, 7, 4, 7])
    assert rec["forecast"] == pytest.approx((c * s * x).sum() / (c * s).sum(), rel=1e-9)


def test_forecast_table_names_every_issue() -> None:
    r = invoke("forecast", "miami")
    assert r.exit_code == 0
    for i in load_example("miami").issues:
        assert i.id in r.stdout


def test_models_csv_agrees_with_registry() -> None:
    r = invoke("models", "--format", "csv")
    df = pd.read_csv(io.StringIO(r.stdout))
    assert df.columns[0] == "model"
    assert list(df["model"]) == [m.name for m in list_models()]
    assert all(isinstance(c, str) and c for c in df["citation"])


def test_unknown_model_is_a_clean_error() -> None:
    r = invoke("forecast", "miami", "-m", "nope")
    assert r.exit_code == 2
    assert "nope" in r.output and "known models" in r.output


def test_bad_file_exit_code_2_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nactors:\n  - {id: a, name: A, capability: -1}\nissues: [{id: i, name: I}]\n"
    )
    r = invoke("forecast", str(bad))
    assert r.exit_code == 2
    assert "bad.yaml:3" in r.output and "capability" in r.output and "-1" in r.output
    assert "Traceback" not in r.output


def test_validate_reports_documented_share() -> None:
    r = invoke("validate", "miami")
    assert r.exit_code == 0 and "veto players: RUS, UKR" in r.stdout


def test_convert_roundtrip(tmp_path: Path) -> None:
    out = tmp_path / "m.json"
    assert invoke("convert", "miami", str(out)).exit_code == 0
    r = invoke("forecast", str(out), "-m", "compromise", "--format", "csv")
    r0 = invoke("forecast", "miami", "-m", "compromise", "--format", "csv")
    assert r.stdout == r0.stdout


def test_console_script_runs_in_a_subprocess() -> None:
    exe = Path(sys.executable).with_name("detente")
    if not exe.exists():
        pytest.skip("the detente console script is not installed beside this Python")
    p = subprocess.run(
        [str(exe), "forecast", "miami", "--format", "csv", "-m", "median"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("model,issue,forecast")
    p = subprocess.run(
        [str(exe), "forecast", "/nonexistent.yaml"], capture_output=True, text=True, timeout=120
    )
    assert p.returncode == 2 and "no such file" in p.stderr and "Traceback" not in p.stderr


def test_forecast_plot_writes_a_png(tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    r = invoke("forecast", "eu-emissions", "-m", "compromise", "-m", "eu", "--plot", str(out))
    assert r.exit_code == 0, r.output
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_output_into_a_missing_folder_is_a_clean_error(tmp_path: Path) -> None:
    r = invoke("forecast", "miami", "-m", "compromise", "-o", str(tmp_path / "no" / "f.csv"))
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output


def test_unknown_plot_type_is_refused_before_running(tmp_path: Path) -> None:
    r = invoke("forecast", "miami", "--plot", str(tmp_path / "f.xyz"))
    assert r.exit_code == 2 and ".png" in r.output


def test_deu_table_with_a_short_second_line_is_located(tmp_path: Path) -> None:
    f = tmp_path / "t.tsv"
    f.write_text('"prnr"\t"isnr"\t"pcom"\t"scom"\t"rp"\t"out"\n"1"\n"1"\t"i1"\t10\t50\t0\t5\n')
    r = invoke("forecast", str(f), "-m", "compromise", "--format", "csv")
    assert r.exit_code in (0, 2) and "Traceback" not in r.output


def test_plot_into_a_missing_folder_is_refused_before_any_output(tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    r = invoke(
        "forecast", "miami", "-m", "compromise", "-f", "csv", "-o", str(out),
        "--plot", str(tmp_path / "no" / "f.png"),
    )  # fmt: skip
    assert r.exit_code == 2 and "--plot" in r.output and "does not exist" in r.output
    assert not out.exists(), "no forecast written when the command fails"
    r = invoke("forecast", "miami", "-m", "compromise", "--plot", str(tmp_path / "no" / "f.png"))
    assert r.exit_code == 2 and "territory" not in r.stdout


def test_negative_seed_is_a_usage_error_not_a_traceback() -> None:
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise", "--seed", "-1"])
    assert r.exit_code == 2 and "--seed" in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)


# A bad value of a known option is refused by the model's own check_params (models branch);
# the seed is checked by the CLI, before any model runs, with the message `validate` gives.


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        pytest.param("{smp: {VotingRule: Bogus}}", ["VotingRule", "'Bogus'", "Binary"]),
        ("{seed: -5}", ["model_params.seed = -5; allowed: an integer >= 0"]),
    ],
)
def test_bad_model_params_in_the_file_are_a_clean_error(
    two_actor_file: Callable[[str], Path], params, shown
) -> None:
    f = two_actor_file(params)
    r = runner.invoke(app, ["forecast", str(f), "-m", "smp"])
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert str(f) in r.output and all(x in r.output for x in shown)


def test_a_model_named_twice_runs_once() -> None:
    r = invoke("forecast", "miami", "-m", "median", "-m", "compromise", "-m", "median", "-f", "csv")
    assert r.exit_code == 0, r.output
    df = pd.read_csv(io.StringIO(r.stdout))
    assert list(dict.fromkeys(df["model"])) == ["median", "compromise"]
    assert not df.duplicated(["model", "issue"]).any()


@pytest.mark.parametrize(
    ("params", "shown", "code"),
    [
        pytest.param(
            "{smp: {VotingRule: Bogus}}", ["VotingRule", "'Bogus'", "Binary"], 2,
        ),
        ("{smp: {Colour: Red}}", ["smp.Colour: model 'smp' has no option 'Colour'"], 2),
        ("{seed: -5}", ["model_params.seed = -5; allowed: an integer >= 0"], 2),
        ("{smp: {VotingRule: Binary}, seed: 4}", ["valid"], 0),
    ],
)  # fmt: skip
def test_validate_checks_the_model_params_the_models_read(
    two_actor_file: Callable[[str], Path], params: str, shown: list[str], code: int
) -> None:
    f = two_actor_file(params)
    r = runner.invoke(app, ["validate", str(f)])
    assert r.exit_code == code, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert all(x in r.output for x in shown)
