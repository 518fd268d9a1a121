"""``detente forecast -m smp`` shows its progress turn by turn."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.cli.progress import ProgressReporter
from detente.models import run_model
from detente.scenario.io import load

_register_commands()
runner = CliRunner()


def _scenario(tmp_path: Path, n: int = 24, k: int = 3) -> Path:
    """A seeded scenario of ``n`` actors x ``k`` issues in the YAML format."""
    g = np.random.default_rng(12)
    actors = ", ".join(
        f"{{id: a{i}, name: a{i}, capability: {c:.1f}}}" for i, c in enumerate(g.uniform(1, 100, n))
    )
    issues = ", ".join(f"{{id: i{j}, name: i{j}}}" for j in range(k))
    pos = ", ".join(
        f"{{actor: a{i}, issue: i{j}, position: {g.uniform(0, 100):.1f}, "
        f"salience: {g.uniform(5, 60):.0f}}}"
        for i in range(n)
        for j in range(k)
    )
    f = tmp_path / "big.yaml"
    f.write_text(f"name: big\nactors: [{actors}]\nissues: [{issues}]\npositions: [{pos}]\n")
    return f


def test_forecast_smp_prints_progress_by_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With stderr not a terminal, the reporter the forecast command installs prints a line
    per turn once the run is old enough (here a clock that moves 1 s per look, lines from
    the first second on): "smp: turns: t/100" for t = 1 .. the run's number of turns."""
    import detente.cli.progress as progress_mod

    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=200)
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    class Lines(ProgressReporter):
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(console, first=0.0, interval=0.0, clock=clock)

    monkeypatch.setattr(progress_mod, "ProgressReporter", Lines)
    f = _scenario(tmp_path)
    r = runner.invoke(app, ["forecast", str(f), "-m", "smp", "-f", "json"])
    assert r.exit_code == 0, r.output
    turns = run_model("smp", load(f).to_arrays()).n_rounds
    assert turns >= 3
    lines = [x for x in out.getvalue().splitlines() if x.startswith("smp: turns:")]
    assert [x.split()[2] for x in lines] == [f"{t}/100" for t in range(1, turns + 1)]
    json.loads(r.stdout)  # the forecast itself is untouched on stdout


def test_forecast_smp_draws_a_bar_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a terminal a rich bar is drawn once the run passes ``delay`` (here at once)."""
    import detente.cli.progress as progress_mod

    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)

    class Bar(ProgressReporter):
        def __init__(self, *a: Any, **k: Any) -> None:
            super().__init__(console, delay=0.0)

    monkeypatch.setattr(progress_mod, "ProgressReporter", Bar)
    r = runner.invoke(app, ["forecast", str(_scenario(tmp_path)), "-m", "smp", "-f", "json"])
    assert r.exit_code == 0, r.output
    assert "smp: turns" in out.getvalue() and "/100" in out.getvalue()
