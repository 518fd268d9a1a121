"""Cost before running, progress while running, and messages that name real options."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.cli.progress import ProgressReporter, reporting
from detente.models.registry import ModelInfo
from detente.progress import task
from detente.resources import Cost

_register_commands()
runner = CliRunner()


def _many_issues(tmp_path: Path, k: int) -> Path:
    f = tmp_path / "k.yaml"
    issues = ", ".join(f"{{id: i{j}, name: i{j}}}" for j in range(k))
    pos = ", ".join(
        f"{{actor: {a}, issue: i{j}, position: {p}, salience: 50}}"
        for j in range(k)
        for a, p in (("A", 10 + j), ("B", 90 - j))
    )
    f.write_text(
        "name: k\nactors: [{id: A, name: A, capability: 1}, {id: B, name: B, capability: 2}]\n"
        f"issues: [{issues}]\npositions: [{pos}]\n"
    )
    return f


# --- E. cost before running ---------------------------------------------------------------


def test_forecast_too_big_for_the_memory_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # 1 kB "available": even compromise on 5 actors x 12 issues (64 B a cell) does not fit
    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "0.001")
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise", "-f", "csv"])
    assert r.exit_code == 2, r.output
    assert "model compromise on 5 actors x 12 issues would need about" in r.output
    assert "model,issue,forecast" not in r.output and "Traceback" not in r.output


def test_backtest_too_big_for_the_memory_is_refused(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_MAX_MEMORY_MB", "0.0001")
    dev = shared_data / "deu3" / "deu3-dev.tsv"
    r = runner.invoke(app, ["backtest", str(dev), "-m", "compromise", "--boot", "10"])
    assert r.exit_code == 2, r.output
    assert "would need about" in r.output and "DEU backtest" not in r.output


def _slow_estimate(seconds: float) -> object:
    def estimate(self: ModelInfo, n_actors: int, n_issues: int, params: object) -> Cost:
        return Cost(f"model {self.name}", bytes=0.0, seconds=seconds)

    return estimate


def test_a_long_forecast_says_how_long_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ModelInfo, "estimate_cost", _slow_estimate(120.0))
    f = _many_issues(tmp_path, 3)
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "-m", "median", "-f", "csv"])
    assert r.exit_code == 0, r.output
    # 2 models x 120 s = 240 s = 4 min
    assert r.stderr == "forecasting 2 actors x 3 issues with compromise, median: about 4 min\n"
    assert r.stdout.startswith("model,issue,forecast")


def test_a_short_forecast_says_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ModelInfo, "estimate_cost", _slow_estimate(4.0))
    r = runner.invoke(app, ["forecast", str(_many_issues(tmp_path, 3)), "-m", "compromise"])
    assert r.exit_code == 0 and r.stderr == ""


def test_a_grouped_table_is_estimated_group_by_group(shared_data: Path) -> None:
    from detente.models.registry import group_cost
    from detente.scenario.io import load

    arrays = load(shared_data / "deu3" / "deu3-dev.tsv").to_arrays()
    groups = arrays.meta["issue_groups"]
    cost = group_cost("compromise", arrays, {})
    # the static default: 64 B and 1e-7 s per (actor present in the group, issue) cell
    sizes = {}
    for j, g in enumerate(groups):
        sizes.setdefault(g, []).append(j)
    cells = [arrays.present[:, idx].any(axis=1).sum() * len(idx) for idx in sizes.values()]
    assert cost.bytes == 64.0 * max(cells)
    assert cost.seconds == pytest.approx(1e-7 * sum(cells))
    assert f"the largest of {len(sizes)} groups" in cost.what


# --- E. progress ----------------------------------------------------------------------------


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=terminal, width=100), buf


def test_a_long_task_draws_a_bar_on_a_terminal() -> None:
    console, buf = _console(terminal=True)
    with reporting(ProgressReporter(console, delay=0.3)), task("fake run", total=8) as advance:
        for _ in range(8):
            time.sleep(0.1)
            advance()
    out = buf.getvalue()
    assert "fake run" in out and "/8" in out


def test_a_short_task_draws_nothing() -> None:
    console, buf = _console(terminal=True)
    with reporting(ProgressReporter(console)), task("fake run", total=1000) as advance:
        for _ in range(1000):
            advance()
    assert buf.getvalue() == ""


def test_without_a_terminal_a_plain_line_every_interval() -> None:
    console, buf = _console(terminal=False)
    now = [0.0]
    rep = ProgressReporter(console, first=3.0, interval=5.0, clock=lambda: now[0])
    with reporting(rep), task("smp rounds", total=30) as advance:
        for _ in range(30):
            now[0] += 1.0  # one second a round
            advance()
    # lines at 3, 8, ..., 28 s: none in the first 3 s, then at most one every 5 s
    lines = buf.getvalue().splitlines()
    assert lines == [f"smp rounds: {s}/30 ({s} s)" for s in (3, 8, 13, 18, 23, 28)]


def test_without_a_terminal_the_defaults_stay_quiet_for_ten_seconds() -> None:
    console, buf = _console(terminal=False)
    now = [0.0]
    with reporting(ProgressReporter(console, clock=lambda: now[0])), task("eu", 100) as advance:
        for _ in range(100):
            now[0] += 0.5
            advance()
    assert buf.getvalue().splitlines() == ["eu: 20/100 (10 s)", "eu: 80/100 (40 s)"]


def test_the_forecast_command_reports_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import detente.cli.progress as progress_mod

    seen: list[str] = []

    class Recorder(ProgressReporter):
        def start(self, description: str, total: float | None) -> object:
            seen.append(description)
            return super().start(description, total)

    monkeypatch.setattr(progress_mod, "ProgressReporter", Recorder)
    import detente.models.registry as registry

    real = registry.run_by_group

    def run(name: str, *a: object, **k: object) -> object:
        with task(f"fake {name}", total=1) as advance:
            advance()
        return real(name, *a, **k)

    monkeypatch.setattr(registry, "run_by_group", run)
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise", "-f", "csv"])
    assert r.exit_code == 0, r.output
    assert seen == ["fake compromise"]


# --- D4. messages that name the options each command has ----------------------------------


def _oom(*args: object, **kwargs: object) -> object:
    raise MemoryError


def test_forecast_out_of_memory_names_its_own_options(monkeypatch: pytest.MonkeyPatch) -> None:
    import detente.models.registry as registry

    monkeypatch.setattr(registry, "run_by_group", _oom)
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise"])
    assert r.exit_code == 1, r.output
    assert "out of memory" in r.output and "-m compromise" in r.output
    assert "--grid" not in r.output


def test_backtest_out_of_memory_names_its_own_options(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import detente.backtest as backtest

    monkeypatch.setattr(backtest, "run_backtest", _oom)
    r = runner.invoke(app, ["backtest", str(shared_data / "deu3" / "deu3-dev.tsv"), "-m", "median"])
    assert r.exit_code == 1, r.output
    assert "out of memory" in r.output and "--boot" in r.output and "--grid" not in r.output


def test_analyze_out_of_memory_names_grid(monkeypatch: pytest.MonkeyPatch) -> None:
    import detente.bargaining as bargaining

    monkeypatch.setattr(bargaining, "analyze", _oom)
    r = runner.invoke(app, ["analyze", "miami"])
    assert r.exit_code == 1 and "--grid" in r.output


def test_an_actor_named_twice_is_refused() -> None:
    r = runner.invoke(app, ["analyze", "miami", "--actors", "RUS,UKR,RUS"])
    assert r.exit_code == 2, r.output
    assert "--actors 'RUS,UKR,RUS': RUS is named twice; allowed: distinct actor ids" in r.output


def test_plot_of_many_issues_says_which_it_shows(tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    f = _many_issues(tmp_path, 14)
    r = runner.invoke(app, ["forecast", str(f), "-m", "compromise", "--plot", str(out)])
    assert r.exit_code == 0, r.output
    assert "the figure shows the first 12 of 14 issues; choose with --plot-issues" in r.stderr
    assert out.read_bytes()[:4] == b"\x89PNG"
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise", "--plot", str(out)])
    assert r.exit_code == 0 and "--plot-issues" not in r.output  # 12 issues: all drawn


def test_plot_issues_chooses_the_panels(tmp_path: Path) -> None:
    from detente.report.figures import MAX_ISSUES

    out = tmp_path / "f.png"
    f = _many_issues(tmp_path, 14)
    r = runner.invoke(
        app, ["forecast", str(f), "-m", "compromise", "--plot", str(out), "--plot-issues", "i13,i2"]
    )
    assert r.exit_code == 0, r.output
    assert MAX_ISSUES == 12 and "choose with" not in r.output
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--plot-issues", "i1"], "--plot-issues: needs --plot"),
        (["--plot", "{png}", "--plot-issues", "i1,zz"], "unknown issue 'zz'; allowed: i0, i1"),
        (["--plot", "{png}", "--plot-issues", "i1,i1"], "issue 'i1' named twice"),
        (["--plot", "{png}", "--plot-issues", ","], "no issue id given"),
        (["--plot", "{png}", "--plot-issues", ",".join(f"i{j}" for j in range(13))],
         "13 issues; allowed: at most 12"),
    ],
)  # fmt: skip
def test_bad_plot_issues_are_refused(tmp_path: Path, args: list[str], shown: str) -> None:
    f = _many_issues(tmp_path, 14)
    png = tmp_path / "f.png"
    r = runner.invoke(
        app, ["forecast", str(f), "-m", "compromise", *[a.format(png=png) for a in args]]
    )
    assert r.exit_code == 2, r.output
    assert shown in r.output and not png.exists()


def test_a_big_scenario_file_is_announced_before_it_is_read(tmp_path: Path) -> None:
    import json

    from detente.cli.app import _ANNOUNCE_READ_BYTES

    n, k = 40, 60
    doc = {
        "name": "big",
        "description": "d",
        "actors": [{"id": f"a{i}", "name": f"A{i}", "capability": 1.0} for i in range(n)],
        "issues": [{"id": f"i{j}", "name": f"I{j}", "scale": {"lo": 0, "hi": 1}} for j in range(k)],
        "positions": [
            {"actor": f"a{i}", "issue": f"i{j}", "position": 0.5, "salience": 50}
            for i in range(n)
            for j in range(k)
        ],
    }
    big = tmp_path / "big.json"
    text = json.dumps(doc)
    big.write_text(text + " " * (_ANNOUNCE_READ_BYTES + 1 - len(text)))  # past the threshold
    r = runner.invoke(app, ["forecast", str(big), "-m", "compromise", "-f", "csv"])
    assert r.exit_code == 0, r.output
    assert r.stderr.startswith("reading big.json (5.")
    small = tmp_path / "small.json"
    small.write_text(text)
    r = runner.invoke(app, ["forecast", str(small), "-m", "compromise", "-f", "csv"])
    assert r.exit_code == 0 and r.stderr == ""


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--grid", "10000"], "would need about"),
        (["--grid", str(10**20)], "--grid 100000000000000000000: out of range"),
        (["--actors", "RUS,,UKR"], "an empty actor id"),
    ],
)
def test_analyze_refuses_without_a_time_line_or_a_bare_message(args: list[str], shown: str) -> None:
    r = runner.invoke(app, ["analyze", "miami", *args])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and shown in err[0], r.stderr
