"""What the commands read: standard input, any text in names, model options, every format."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.examples import example_path

_register_commands()
runner = CliRunner()


# --- B. '-' is standard input -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["forecast", "-", "-m", "compromise", "-f", "csv"],
        ["validate", "-"],
        ["analyze", "-", "--format", "json"],
    ],
)
def test_commands_read_a_scenario_from_stdin(args: list[str]) -> None:
    text = example_path("miami").read_text(encoding="utf-8")
    piped = runner.invoke(app, args, input=text)
    named = runner.invoke(app, [example_path("miami").as_posix() if a == "-" else a for a in args])
    assert piped.exit_code == 0, piped.output
    assert piped.stdout == named.stdout


def test_convert_reads_stdin(tmp_path: Path) -> None:
    from detente.examples import load_example
    from detente.scenario.io import load

    out = tmp_path / "m.json"
    text = example_path("miami").read_text(encoding="utf-8")
    r = runner.invoke(app, ["convert", "-", str(out)], input=text)
    assert r.exit_code == 0, r.output
    assert load(out) == load_example("miami")


def test_backtest_reads_stdin(shared_data: Path) -> None:
    dev = shared_data / "deu3" / "deu3-dev.tsv"
    args = ["-m", "compromise", "--boot", "20"]
    piped = runner.invoke(app, ["backtest", "-", *args], input=dev.read_text(encoding="utf-8"))
    named = runner.invoke(app, ["backtest", str(dev), *args])
    assert piped.exit_code == 0, piped.output
    assert "24.46" in piped.stdout and piped.stdout == named.stdout.replace(str(dev), "-")


def test_predict_refuses_stdin_twice(tmp_path: Path) -> None:
    r = runner.invoke(app, ["backtest", "predict", "--train", "-", "-", "-o", str(tmp_path / "p")])
    assert r.exit_code == 2 and "standard input can be read once" in r.output


def test_cat_into_forecast_in_a_subprocess() -> None:
    exe = Path(sys.executable).with_name("detente")
    if not exe.exists():
        pytest.skip("the detente console script is not installed beside this Python")
    src = example_path("miami")
    with src.open("rb") as fh:
        p = subprocess.run(
            [str(exe), "forecast", "-", "-m", "compromise", "-f", "csv"],
            stdin=fh,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(io.StringIO(p.stdout))
    assert list(df.columns) == ["model", "issue", "forecast"] and len(df) == 12


# --- C. brackets in names are text, not markup --------------------------------------------

BRACKETS = (
    "name: 'Plan [/b] for [i]peace[/i]'\n"
    "actors:\n"
    "  - {id: A, name: 'Alpha [bold red]', capability: 1, veto: true}\n"
    "  - {id: B, name: 'Beta [/b]', capability: 2, veto: true}\n"
    "issues:\n"
    "  - id: x\n"
    "    name: 'Issue [i]x'\n"
    "    scale:\n"
    "      unit: '[i]pts[/b]'\n"
    "      anchors: [{value: 40, label: 'deal [bold red]now[/]'}]\n"
    "positions:\n"
    "  - {actor: A, issue: x, position: 30, salience: 50, reservation: 60, note: 'per [/b] text'}\n"
    "  - {actor: B, issue: x, position: 50, salience: 50, reservation: 20}\n"
)


@pytest.fixture
def brackets(tmp_path: Path) -> Path:
    f = tmp_path / "b.yaml"
    f.write_text(BRACKETS)
    return f


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["forecast", "{f}", "-m", "compromise"],
         ["Plan [/b] for [i]peace[/i]", "[i]pts[/b]", "deal [bold red]now[/]"]),
        (["forecast", "{f}", "-m", "compromise", "--history"], ["Plan [/b] for [i]peace[/i]"]),
        (["validate", "{f}"], ["Plan [/b] for [i]peace[/i]"]),
        (["analyze", "{f}", "--detail"], ["per [/b] text"]),  # issue 14: notes in --detail
    ],
)  # fmt: skip
def test_brackets_in_names_are_printed_verbatim(
    brackets: Path, args: list[str], shown: list[str]
) -> None:
    r = runner.invoke(app, [a.format(f=brackets) for a in args])
    assert r.exit_code == 0, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    for text in shown:
        assert text in r.stdout, (text, r.stdout)


def test_brackets_in_the_output_path_are_printed_verbatim(tmp_path: Path) -> None:
    out = tmp_path / "[i]m[red].yaml"
    r = runner.invoke(app, ["convert", "miami", str(out)])
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.stdout.replace("\n", "")


def test_brackets_in_a_bad_file_name_are_printed_verbatim(tmp_path: Path) -> None:
    r = runner.invoke(app, ["forecast", str(tmp_path / "[bold red]x[/].yaml")])
    assert r.exit_code == 2 and "[bold red]x[/].yaml" in r.output


# --- D3. model_params checked by the registry before any model runs -----------------------


@pytest.mark.parametrize("command", ["forecast", "validate"])
@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ("{smpp: {VotingRule: Binary}}", ["model_params: no model named 'smpp'",
                                          "allowed: seed, compromise, median, nash, smp"]),
        ("{nash: {shap: linear}}", ["nash.shap", "no option 'shap'", "allowed: shape"]),
        ("{smp: {Colour: Red}}", ["smp.Colour", "no option 'Colour'", "VotingRule"]),
        ("{nash: 3}", ["model_params.nash", "not a mapping", "(got 3)"]),
        ("{seed: -5}", ["model_params.seed = -5; allowed: an integer >= 0"]),
    ],
)  # fmt: skip
def test_unknown_model_params_are_refused_with_the_allowed_keys(
    two_actor_file: Callable[[str], Path], command: str, params: str, shown: list[str]
) -> None:
    f = two_actor_file(params)
    r = runner.invoke(
        app, [command, str(f)] + (["-m", "compromise"] if command == "forecast" else [])
    )
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    out = " ".join(r.output.split())
    assert out.startswith(f"error: {f}: "), out
    for text in shown:
        assert text in out, (text, out)


@pytest.mark.parametrize("command", ["forecast", "validate"])
def test_a_bad_option_value_is_refused(two_actor_file: Callable[[str], Path], command: str) -> None:
    f = two_actor_file("{nash: {shape: cubic}}")
    r = runner.invoke(app, [command, str(f)])
    assert r.exit_code == 2, r.output
    assert "shape" in r.output and "'cubic'" in r.output and "quadratic" in r.output


def test_model_params_are_checked_before_any_model_runs(
    two_actor_file: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import detente.models.registry as registry

    ran: list[str] = []
    real = registry.run_by_group
    monkeypatch.setattr(
        registry, "run_by_group", lambda name, *a, **k: ran.append(name) or real(name, *a, **k)
    )
    f = two_actor_file("{compromise: {}, nash: {shape: linear}, zz: {}}")
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "-m", "nash"])
    assert r.exit_code == 2 and "no model named 'zz'" in r.output
    assert ran == []
    f = two_actor_file("{compromise: {}, nash: {shape: linear}, seed: 3}")
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "-m", "nash"])
    assert r.exit_code == 0, r.output
    assert ran == ["compromise", "nash"]


# --- D6. analyze reads every scenario format forecast reads -------------------------------


def test_analyze_reads_a_tidy_csv_folder(tmp_path: Path) -> None:
    folder = tmp_path / "talks"
    assert runner.invoke(app, ["convert", "miami", str(folder)]).exit_code == 0
    r = runner.invoke(app, ["analyze", str(folder), "--format", "json"])
    assert r.exit_code == 0, r.output
    want = runner.invoke(app, ["analyze", "miami", "--format", "json"])
    assert r.stdout == want.stdout


@pytest.mark.parametrize(("name", "fmt"), [("m.json", "json"), ("m.csv", "decide-csv")])
def test_analyze_reads_what_convert_writes(tmp_path: Path, name: str, fmt: str) -> None:
    out = tmp_path / name
    r = runner.invoke(app, ["convert", "eu-emissions", str(out), "--output-format", fmt])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["analyze", str(out)])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("Bargaining space: 10 parties, 1 issues")


def test_analyze_still_reads_a_genius_folder(shared_data: Path) -> None:
    r = runner.invoke(app, ["analyze", str(shared_data / "genius" / "EnglandZimbabwe")])
    assert r.exit_code == 0, r.output
    assert "2 parties, 5 issues, 576 packages" in r.stdout
