"""``detente ensemble`` end to end: output formats, located option errors (exit 2), the seed
note, and a clean Ctrl-C (exit 130, nothing half written) in a real subprocess.

The input sampler (``draw_inputs``) is written on another branch: these tests put a small
stand-in in its place (``_draw_case``), so they check the command, not the sampler.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app

_register_commands()
runner = CliRunner()

#: A stand-in sampler: capabilities and saliences times U(0.7, 1.3), reservation points
#: plus N(0, 8), from the seed given (the same code runs in the subprocess test).
DRAWER = """
def _stand_in(scenario, n, *, seed, method, what_if):
    from dataclasses import replace
    import numpy as np
    from detente.scenario.draws import InputDraws
    a = scenario.to_arrays()
    rng = np.random.default_rng(seed)
    f = rng.uniform(0.7, 1.3, (n, *a.salience.shape))
    arrays = replace(
        a,
        capability=a.capability * rng.uniform(0.7, 1.3, (n, a.n_actors)),
        position=np.broadcast_to(a.position, f.shape),
        salience=np.clip(a.salience * f, 0.0, 1.0),
        reservation=np.clip(a.reservation + rng.normal(0, 8, f.shape), a.lo, a.hi),
    )
    return InputDraws(arrays, what_if=what_if)
"""
_ns: dict[str, object] = {}
exec(DRAWER, _ns)  # the stand-in is shared with the subprocess test as text
stand_in = _ns["_stand_in"]


@pytest.fixture(autouse=True)
def _sampler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("detente.uncertainty.ensemble._draw_case", stand_in)


def invoke(*args: str) -> object:
    return runner.invoke(app, ["ensemble", *args], catch_exceptions=False)


def test_json_has_the_promised_keys(tmp_path: Path) -> None:
    out = tmp_path / "ens.json"
    r = invoke(
        "miami",
        "-n",
        "64",
        "--seed",
        "3",
        "-m",
        "compromise",
        "-m",
        "nash",
        "--format",
        "json",
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["seed"] == 3 and d["draws"] == 64 and d["models"] == ["compromise", "nash"]
    assert d["probability_of_agreement"] is None
    assert 0.0 <= d["probability_zone"] <= 1.0
    assert set(d["forecasts"]["compromise"]["territory"]) >= {"q05", "q50", "q95"}
    assert "territory" in d["blocking"]


def test_table_and_plot(tmp_path: Path) -> None:
    pic = tmp_path / "ens.png"
    r = invoke("miami", "-n", "32", "--seed", "1", "-m", "compromise", "--plot", str(pic))
    assert r.exit_code == 0, r.output
    assert "territory" in r.stdout and "a zone of agreement exists in" in r.stdout
    assert pic.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_same_seed_same_json_and_seed_reported() -> None:
    a = invoke("miami", "-n", "40", "--seed", "9", "-m", "compromise", "--format", "json")
    b = invoke("miami", "-n", "40", "--seed", "9", "-m", "compromise", "--format", "json")
    assert a.exit_code == 0 and a.stdout == b.stdout
    c = invoke("miami", "-n", "8", "-m", "compromise", "--format", "json")
    assert c.exit_code == 0
    seed = json.loads(c.stdout)["seed"]
    assert f"repeat this run with --seed {seed}" in c.stderr


def test_process_executor_gives_the_same_json() -> None:
    base = invoke("miami", "-n", "40", "--seed", "9", "-m", "compromise", "--format", "json")
    # a small chunk size is not a CLI option: equality over the chunks the CLI makes is enough
    pool = invoke(
        "miami",
        "-n",
        "40",
        "--seed",
        "9",
        "-m",
        "compromise",
        "--format",
        "json",
        "--executor",
        "process",
        "--workers",
        "2",
    )
    assert pool.exit_code == 0, pool.output
    strip = lambda s: {k: v for k, v in json.loads(s).items() if k != "executor"}  # noqa: E731
    assert strip(pool.stdout) == strip(base.stdout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "--draws 0"),
        (["--draws", "-5"], "--draws -5"),
        (["--workers", "0", "--executor", "process"], "--workers 0"),
        (
            ["--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler tcp://127.0.0.1:1: a scheduler address is for the dask executor only",
        ),
        (["-m", "nope"], "unknown model"),
        (["--what-if", "ghost"], "no what-if 'ghost'"),
        (["--plot", "x.txt"], "unknown figure type"),
    ],
)
def test_bad_options_exit_2_with_one_line(args: list[str], message: str) -> None:
    r = invoke("miami", "-n", "8", "--seed", "1", "-m", "compromise", *args)
    assert r.exit_code == 2, r.output
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_unknown_what_if_names_the_file_and_the_choices() -> None:
    r = invoke("miami", "-n", "8", "--what-if", "ghost")
    assert r.exit_code == 2
    assert "what_if" in r.stderr and "allowed:" in r.stderr


_WRAPPER = (
    DRAWER
    + """
import sys
from pathlib import Path
import detente.uncertainty.ensemble as ens

STARTED = Path(sys.argv[1])

def _slow(scenario, n, **kw):
    STARTED.write_text("drawing")  # tells the test the run has started
    return _stand_in(scenario, n, **kw)

ens._draw_case = _slow
from detente.cli.app import main
sys.argv = ["detente", *sys.argv[2:]]
main()
"""
)


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["local", "process"])
def test_ctrl_c_exits_130_and_writes_nothing(tmp_path: Path, executor: str) -> None:
    started = tmp_path / "started"
    out, pic = tmp_path / "ens.json", tmp_path / "ens.png"
    cmd = [
        sys.executable,
        "-c",
        _WRAPPER,
        str(started),
        "ensemble",
        "miami",
        "-n",
        "100000",
        "-m",
        "smp",
        "--seed",
        "1",
        "--format",
        "json",
        "-o",
        str(out),
        "--plot",
        str(pic),
        "--executor",
        executor,
    ]
    p = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    deadline = time.monotonic() + 120
    while not started.exists() and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.1)
    if not started.exists():
        p.kill()
        pytest.fail("the run did not start: " + p.communicate()[1])
    time.sleep(1.0)  # well inside the run (20,000 smp runs take minutes)
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail("Ctrl-C did not stop the run within two minutes")
    assert p.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() and not pic.exists()
    assert sorted(x.name for x in tmp_path.iterdir()) == ["started"]
