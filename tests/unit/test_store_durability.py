"""Durability of the run store: a writer killed with SIGKILL (mid-run, and at random points of
a stream of writes), a full disk, Ctrl-C, and two processes writing at once. Each leaves every
earlier run whole and no half-written run."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from detente.store import RunStore, StoreError

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

#: Results per run written by the writers below: a run is whole when it has all of them.
_PARTS = 5

_WRITER = textwrap.dedent(
    """
    import sys, time
    from detente.store import RunStore

    path, mode, count, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with RunStore(path) as store:
        print("open", flush=True)
        h = store.add_scenario("name: " + tag + "\\n", name=tag, fmt="yaml")
        for i in range(count):
            with store.run(tag, scenario_hash=h, models=["m"], params={"i": i}, seed=i) as run:
                for k in range({parts}):
                    run.add_result(f"part{k}", {"i": i, "k": k, "pad": "x" * 2000})
        if mode == "hang":
            with store.run(tag, scenario_hash=h, models=["m"], params={"i": -1}, seed=-1) as run:
                run.add_result("part0", {"i": -1})
                print("inside", flush=True)
                time.sleep(120)
        print("done", flush=True)
    """
).replace("{parts}", str(_PARTS))


def _writer(path: Path, mode: str, count: int, tag: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _WRITER,
            str(path),
            mode,
            str(count),
            tag,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _check_whole(path: Path) -> list[int]:
    """Every run has all its results and the file passes SQLite's integrity check; returns
    the ``i`` parameter of each run, oldest first."""
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with RunStore(path) as store:
        runs = [store.get_run(r.id) for r in store.list_runs()][::-1]
    for rec in runs:
        assert sorted(rec.results) == [f"part{k}" for k in range(_PARTS)], rec.id
        assert all(p["i"] == rec.params["i"] for p in rec.results.values())
    return [r.params["i"] for r in runs]


def test_sigkill_inside_a_run_leaves_earlier_runs_and_no_half_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    proc = _writer(path, "hang", 3, "w")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "open"
    line = proc.stdout.readline()  # blocks until the writer is inside its fourth run
    assert line.strip() == "inside", proc.stderr.read() if proc.stderr else ""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _check_whole(path) == [0, 1, 2]  # the killed run (i = -1) is not there at all


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.05, 0.2, 0.5])
def test_sigkill_at_random_points_of_a_write_stream(tmp_path: Path, delay: float) -> None:
    """Killed wherever it happens to be (between runs, inside one, inside a commit), from the
    moment the store is open: what is in the store is a prefix of the runs, each whole."""
    path = tmp_path / "runs.sqlite3"
    proc = _writer(path, "stream", 100_000, "s")
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "open"
    time.sleep(delay + random.Random(int(delay * 1000)).uniform(0, 0.01))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    done = _check_whole(path)
    assert done == list(range(len(done)))
    with RunStore(path) as store:  # and the store still takes writes
        with store.run("after", scenario_hash=None, models=[], params={}, seed=None):
            pass
        assert store.count_runs() == len(done) + 1


def test_full_disk_gives_located_error_and_no_partial_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    with RunStore(path) as store:
        with store.run("ok", scenario_hash=None, models=[], params={}, seed=None) as run:
            run.add_result("r", {"v": 1})
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is nearly full
        with pytest.raises(StoreError) as e:
            with store.run("big", scenario_hash=None, models=[], params={}, seed=None) as run:
                run.attach_scenario("name: big\n" + "#" * 50_000, name="big", fmt="yaml")
                for k in range(20):
                    run.add_result(f"r{k}", {"pad": "x" * 20_000})
        msg = str(e.value)
        assert str(path) in msg and "full" in msg and "--store" in msg
        assert [r.command for r in store.list_runs()] == ["ok"]
        assert store.list_scenarios() == []  # the scenario went with the run
        store._conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
        with store.run("after", scenario_hash=None, models=[], params={}, seed=None):
            pass
        assert [r.command for r in store.list_runs()] == ["after", "ok"]
        assert store.get_run(store.list_runs()[1].id).results == {"r": {"v": 1}}


def test_full_disk_from_the_cli_warns_and_keeps_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app
    from detente.store import _db

    real = _db.RunStore._connect
    db = tmp_path / "runs.sqlite3"
    with RunStore(db) as store:  # an existing store, on a disk that then fills up
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]

    def nearly_full(self: RunStore) -> sqlite3.Connection:
        conn = real(self)
        conn.execute(f"PRAGMA max_page_count = {pages}")  # not one page more
        return conn

    monkeypatch.setattr(_db.RunStore, "_connect", nearly_full)
    _register_commands()
    r = CliRunner().invoke(
        app, ["forecast", "miami", "-m", "compromise", "-f", "csv", "--store", str(db)]
    )
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("model,issue,forecast")
    assert "warning: run not recorded" in r.stderr and "full" in r.stderr
    monkeypatch.setattr(_db.RunStore, "_connect", real)
    with RunStore(db) as store:
        assert store.list_runs() == []


def test_ctrl_c_inside_a_run_writes_nothing(tmp_path: Path) -> None:
    with RunStore(tmp_path / "runs.sqlite3") as store:
        with pytest.raises(KeyboardInterrupt):
            with store.run("x", scenario_hash=None, models=[], params={}, seed=None) as run:
                run.add_result("r", {"v": 1})
                raise KeyboardInterrupt
        assert store.list_runs() == []


def test_two_processes_writing_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite3"
    procs = [_writer(path, "stream", 40, tag) for tag in ("a", "b")]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        assert out.split() == ["open", "done"]
    _check_whole(path)
    with RunStore(path) as store:
        for tag in ("a", "b"):
            got = sorted(store.get_run(r.id).params["i"] for r in store.list_runs(command=tag))
            assert got == list(range(40))
        assert store.count_runs() == 80
        assert len({r.id for r in store.list_runs()}) == 80


_OPENER = textwrap.dedent(
    """
    import sys, time
    from detente.store import RunStore

    path, start = sys.argv[1], float(sys.argv[2])
    while time.time() < start:  # every process opens the new file at the same instant
        pass
    with RunStore(path) as store:
        with store.run("open", scenario_hash=None, models=[], params={}, seed=None) as run:
            run.add_result("r", {"ok": True})
    print("ok", flush=True)
    """
)


def test_many_processes_creating_one_new_store_at_once(tmp_path: Path) -> None:
    # SQLite's busy handler does not cover the switch to WAL mode: without the retry, a
    # process opening a new store while another creates it failed with "database is locked".
    n, rounds = 6, 4
    for r in range(rounds):
        path = tmp_path / f"runs{r}.sqlite3"
        start = time.time() + 1.5
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", _OPENER, str(path), repr(start)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(n)
        ]
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            assert out.split() == ["ok"]
        with RunStore(path) as store:
            assert store.count_runs() == n
