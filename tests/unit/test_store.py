"""The run store API (detente.store): scenarios, runs in one transaction, listing, lookup by
prefix, diff, export, schema migration, located errors."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from datetime import date
from pathlib import Path

import pytest

from detente.store import (
    SCHEMA_VERSION,
    RunDiff,
    RunStore,
    StoreError,
    default_store_path,
)
from detente.store._schema import MIGRATIONS

_YAML_A = """\
name: talks
as_of: 2025-12-19
actors:
  - {id: A, name: Alpha, capability: 2}
  - {id: B, name: Beta, capability: 1}
issues:
  - {id: x, name: An issue}
  - {id: y, name: Another}
positions:
  - {actor: A, issue: x, position: 30, salience: 50}
  - {actor: B, issue: x, position: 70, salience: 80}
  - {actor: A, issue: y, position: 10, salience: 40}
  - {actor: B, issue: y, position: 90, salience: 40}
"""
# B's capability 1 -> 3, A's salience on x 50 -> 60, B's position on y 90 -> 80.
_YAML_B = (
    _YAML_A.replace("name: Beta, capability: 1", "name: Beta, capability: 3")
    .replace("position: 30, salience: 50", "position: 30, salience: 60")
    .replace("position: 90, salience: 40", "position: 80, salience: 40")
)


#: The keys of a listed run, in order (``runs list -f json``); a run in full adds three.
_ROW_KEYS = "id command created scenario_hash scenario_name models seed version seconds".split()


def _forecast(model: str, values: list[float]) -> dict[str, object]:
    return {"model": model, "issues": ["x", "y"], "forecast": values}


@pytest.fixture
def store(tmp_path: Path):
    with RunStore(tmp_path / "sub" / "runs.sqlite3") as s:
        yield s


def test_default_path_env_and_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETENTE_STORE", str(tmp_path / "x.sqlite3"))
    assert default_store_path() == tmp_path / "x.sqlite3"
    monkeypatch.delenv("DETENTE_STORE")
    import platformdirs

    assert default_store_path() == platformdirs.user_data_path("detente") / "runs.sqlite3"


def test_creates_folders_wal_and_version(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "runs.sqlite3"
    with RunStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION
    assert path.is_file()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


def test_scenario_hash_is_sha256_and_idempotent(store: RunStore) -> None:
    h = store.add_scenario(_YAML_A, name="talks", fmt="yaml", as_of=date(2025, 12, 19))
    assert h == hashlib.sha256(_YAML_A.encode()).hexdigest()
    assert store.add_scenario(_YAML_A, name="other name", fmt="yaml") == h
    rows = store.list_scenarios()
    assert len(rows) == 1
    assert (rows[0].hash, rows[0].name, rows[0].as_of, rows[0].fmt) == (
        h,
        "talks",
        date(2025, 12, 19),
        "yaml",
    )
    assert store.scenario_text(h) == _YAML_A
    assert store.scenario_text(h[:10]) == _YAML_A


def test_run_recorded_with_results_and_metadata(store: RunStore) -> None:
    import platform

    from detente import __version__

    h = store.add_scenario(_YAML_A, name="talks", fmt="yaml")
    with store.run(
        "forecast", scenario_hash=h, models=["compromise", "smp"], params={"k": 1}, seed=7
    ) as run:
        run.add_result("forecast:compromise", _forecast("compromise", [50.0, 40.0]))
    rec = store.get_run(run.id)
    assert rec.id == run.id
    assert (rec.command, rec.scenario_hash, rec.scenario_name) == ("forecast", h, "talks")
    assert (rec.models, rec.seed, rec.params) == (["compromise", "smp"], 7, {"k": 1})
    assert rec.version == __version__ and rec.python == platform.python_version()
    assert rec.seconds >= 0 and rec.created.endswith("Z")
    assert rec.results == {"forecast:compromise": _forecast("compromise", [50.0, 40.0])}


def test_numpy_payload_made_json_safe(store: RunStore) -> None:
    import numpy as np

    with store.run("x", scenario_hash=None, models=[], params={}, seed=None) as run:
        run.add_result("r", {"v": np.array([1.5, np.nan]), "n": np.int64(3)})
    assert store.get_run(run.id).results["r"] == {"v": [1.5, None], "n": 3}


def test_exception_writes_nothing_and_reraises(store: RunStore) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with store.run("forecast", scenario_hash=None, models=["m"], params={}, seed=None) as run:
            run.attach_scenario(_YAML_A, name="talks", fmt="yaml")
            run.add_result("r", {"v": 1})
            raise RuntimeError("boom")
    assert store.list_runs() == []
    assert store.list_scenarios() == []  # the attached scenario went with the run


def test_attach_scenario_recorded_with_run(store: RunStore) -> None:
    with store.run("analyze", scenario_hash=None, models=[], params={}, seed=None) as run:
        h = run.attach_scenario(_YAML_A, name="talks", fmt="yaml", as_of=date(2025, 12, 19))
    assert store.get_run(run.id).scenario_hash == h
    assert store.scenario_text(h) == _YAML_A


def test_list_runs_newest_first_and_filters(store: RunStore) -> None:
    h = store.add_scenario(_YAML_A, name="talks", fmt="yaml")
    ids = []
    for cmd in ("forecast", "analyze", "forecast"):
        with store.run(cmd, scenario_hash=h, models=[], params={}, seed=None) as run:
            pass
        ids.append(run.id)
    assert [r.id for r in store.list_runs()] == ids[::-1]
    assert ids == sorted(ids)  # ids sort by start time
    assert [r.id for r in store.list_runs(command="forecast")] == [ids[2], ids[0]]
    assert [r.id for r in store.list_runs(limit=1)] == [ids[2]]
    assert store.list_runs(scenario_hash="0" * 64) == []
    assert len(store.list_runs(scenario_hash=h)) == 3


def test_unknown_and_ambiguous_ids_located(store: RunStore) -> None:
    for _ in range(2):
        with store.run("forecast", scenario_hash=None, models=[], params={}, seed=None):
            pass
    with pytest.raises(StoreError) as e:
        store.get_run("nope")
    assert isinstance(e.value, ValueError)
    assert str(store.path) in str(e.value) and "detente runs list" in str(e.value)
    with pytest.raises(StoreError, match="ambiguous"):
        store.get_run("2")  # both ids start with the year
    with pytest.raises(StoreError, match="no such run"):
        store.get_run("")


def test_run_id_prefix(store: RunStore) -> None:
    with store.run("forecast", scenario_hash=None, models=[], params={}, seed=None) as run:
        pass
    assert store.get_run(run.id[:-2]).id == run.id


def test_other_objects_stored_as_text(store: RunStore) -> None:
    with store.run(
        "f", scenario_hash=None, models=[], params={"d": date(2025, 1, 2)}, seed=None
    ) as run:
        pass
    assert store.get_run(run.id).params == {"d": "2025-01-02"}


def test_store_path_is_folder(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="folder"):
        RunStore(tmp_path)


def test_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"bad\.sqlite3"):
        RunStore(bad)


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    RunStore(path).close()
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer detente"):
        RunStore(path)


def test_old_version_file_migrated(tmp_path: Path) -> None:
    """A version-1 file (written by hand with the first migration only) holding a run opens,
    is brought to the current version, and its run reads back."""
    path = tmp_path / "old.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.execute(
        "INSERT INTO runs (id, command, created, scenario_hash, models, params, seed, version,"
        " seconds) VALUES ('20250101-000000-000000-abcd', 'forecast', '2025-01-01T00:00:00Z',"
        " NULL, '[\"smp\"]', '{}', 3, '0.0.1', 1.5)"
    )
    con.execute("INSERT INTO results VALUES ('20250101-000000-000000-abcd', 'r', '{\"v\": 2}')")
    con.commit()
    con.close()
    with RunStore(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        rec = s.get_run("20250101")
        assert (rec.models, rec.seed, rec.version, rec.python) == (["smp"], 3, "0.0.1", "")
        assert rec.results == {"r": {"v": 2}}
        with s.run("analyze", scenario_hash=None, models=[], params={}, seed=None):
            pass
        assert s.count_runs() == 2
    con = sqlite3.connect(path)
    idx = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"runs_created", "runs_scenario"} <= idx
    con.close()


def test_diff_scenario_params_models_forecasts(store: RunStore) -> None:
    with store.run(
        "forecast", scenario_hash=None, models=["compromise"], params={"smp": {"s": 1}}, seed=1
    ) as ra:
        ra.attach_scenario(_YAML_A, name="talks", fmt="yaml")
        ra.add_result("forecast:compromise", _forecast("compromise", [50.0, 40.0]))
    with store.run(
        "forecast",
        scenario_hash=None,
        models=["compromise", "smp"],
        params={"smp": {"s": 2}},
        seed=1,
    ) as rb:
        rb.attach_scenario(_YAML_B, name="talks", fmt="yaml")
        rb.add_result("forecast:compromise", _forecast("compromise", [52.5, 40.0]))
        rb.add_result("forecast:smp", _forecast("smp", [60.0, 41.0]))
    d = store.diff(ra.id, rb.id)
    assert isinstance(d, RunDiff)
    assert d.scenario_changed and d.scenario_compared
    scen = {(c.field, c.actor, c.issue): (c.a, c.b) for c in d.section("scenario")}
    assert scen == {
        ("capability", "B", ""): (1.0, 3.0),
        ("salience", "A", "x"): (50.0, 60.0),
        ("position", "B", "y"): (90.0, 80.0),
    }
    assert [(c.field, c.a, c.b) for c in d.section("params")] == [("smp.s", 1, 2)]
    assert [(c.model, c.a, c.b) for c in d.section("models")] == [("smp", False, True)]
    fc = {(c.issue, c.model): (c.a, c.b, c.change) for c in d.section("forecast")}
    assert fc == {
        ("x", "compromise"): (50.0, 52.5, 2.5),
        ("x", "smp"): (None, 60.0, None),
        ("y", "smp"): (None, 41.0, None),
    }
    df = d.to_df()
    assert len(df) == len(d.changes) == 8
    json.dumps(d.to_dict(), allow_nan=False)
    assert "capability B: 1 -> 3 (+2)" in d.summary()


def test_diff_same_run_is_empty(store: RunStore) -> None:
    with store.run("forecast", scenario_hash=None, models=["m"], params={}, seed=None) as run:
        run.add_result("f", _forecast("m", [1.0, 2.0]))
    d = store.diff(run.id, run.id)
    assert d.changes == [] and not d.scenario_changed


def test_export_csv_json(store: RunStore, tmp_path: Path) -> None:
    import pandas as pd

    with store.run("forecast", scenario_hash=None, models=["m"], params={"p": 1}, seed=2) as run:
        run.add_result("forecast:m", _forecast("m", [1.5, 2.5]))
    out = store.export([run.id], tmp_path / "runs.csv")
    df = pd.read_csv(out)
    forecast = df[df.key.str.startswith("forecast[")]
    assert forecast.value.astype(float).tolist() == [1.5, 2.5]
    assert set(df.run) == {run.id}
    js = json.loads(store.export([run.id[:12]], tmp_path / "runs.json", fmt="json").read_text())
    assert js[0]["id"] == run.id and js[0]["params"] == {"p": 1} and js[0]["seed"] == 2
    assert js[0]["results"]["forecast:m"]["forecast"] == [1.5, 2.5]
    assert list(js[0]) == [*_ROW_KEYS, "params", "results", "python"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_parquet_or_hint(store: RunStore, tmp_path: Path) -> None:
    with store.run("forecast", scenario_hash=None, models=["m"], params={}, seed=None) as run:
        run.add_result("forecast:m", _forecast("m", [1.5, 2.5]))
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(StoreError, match=r"detente\[parquet\]"):
            store.export([run.id], tmp_path / "r.parquet", fmt="parquet")
        assert not (tmp_path / "r.parquet").exists()
        return
    import pandas as pd

    df = pd.read_parquet(store.export([run.id], tmp_path / "r.parquet", fmt="parquet"))
    assert df[df.key.str.startswith("forecast[")].value.tolist() == [1.5, 2.5]


def test_export_bad_format(store: RunStore, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="xlsx"):
        store.export(["x"], tmp_path / "a", fmt="xlsx")


def test_threads_share_one_store(store: RunStore) -> None:
    def work() -> None:
        for _ in range(10):
            with store.run("t", scenario_hash=None, models=[], params={}, seed=None) as run:
                run.add_result("r", {"v": 1})
            store.list_runs(limit=3)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.count_runs() == 40
    assert len({r.id for r in store.list_runs()}) == 40


def test_big_seed_round_trips(store: RunStore) -> None:
    seed = 2**127 + 12345  # SeedSequence entropy is 128 bits
    with store.run("ensemble", scenario_hash=None, models=[], params={}, seed=seed) as run:
        pass
    assert store.get_run(run.id).seed == seed
    assert store.list_runs()[0].seed == seed


def test_record_prepared_run(store: RunStore) -> None:
    from detente.store import Run

    run = Run("simulate", scenario_hash=None, models=[], params={}, seed=None)
    run.models, run.params, run.seed = ["smp"], {"runs": 10}, 5
    run.add_result("simulation", {"p": 0.5})
    assert store.record(run) == run.id
    rec = store.get_run(run.id)
    assert (rec.models, rec.params, rec.seed) == (["smp"], {"runs": 10}, 5)


def test_load_scenario_parses_json_and_yaml_refuses_text_only(store: RunStore) -> None:
    h = store.add_scenario(_YAML_A, name="talks", fmt="yaml")
    s = store.load_scenario(h[:8])
    assert [a.id for a in s.actors] == ["A", "B"] and s.as_of == date(2025, 12, 19)
    d = store.add_scenario("id\tx\n1\t2\n", name="t.tsv", fmt="deu")
    with pytest.raises(StoreError, match="text only"):
        store.load_scenario(d)
    bad = store.add_scenario("name: x\nactors: []\n", name="x", fmt="yaml")
    with pytest.raises(StoreError, match="actors"):
        store.load_scenario(bad)


def test_diff_ensemble_medians_and_zone(store: RunStore) -> None:
    def ens(q50: float, pz: float) -> dict[str, object]:
        stats = {"q05": 1.0, "q50": q50, "q95": 9.0}
        return {
            "forecasts": {"smp": {"x": stats, "y": stats | {"q50": 5.0}}},
            "probability_zone": pz,
        }

    ids = []
    for q50, pz in ((4.0, 0.25), (6.0, 0.5)):
        with store.run("ensemble", scenario_hash=None, models=["smp"], params={}, seed=1) as run:
            run.add_result("ensemble", ens(q50, pz))
        ids.append(run.id)
    got = {(c.field, c.issue, c.model): (c.a, c.b, c.change) for c in store.diff(*ids).changes}
    assert got == {
        ("median", "x", "smp"): (4.0, 6.0, 2.0),
        ("probability_zone", "", ""): (0.25, 0.5, 0.25),
    }


def test_parquet_without_pyarrow_gives_install_hint(
    store: RunStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    with store.run("forecast", scenario_hash=None, models=["m"], params={}, seed=None) as run:
        pass
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now raises ImportError
    with pytest.raises(StoreError, match=r"pip install 'detente\[parquet\]'"):
        store.export([run.id], tmp_path / "r.parquet", fmt="parquet")
    assert list(tmp_path.glob("*parquet*")) == []


def test_scenario_prefix_unknown_ambiguous_or_empty_refused(store: RunStore) -> None:
    # 17 scenarios: two of them share their first hex digit (16 digits only).
    hashes = [store.add_scenario(f"name: s{i}\n", name=f"s{i}", fmt="yaml") for i in range(17)]
    first = [h[0] for h in hashes]
    twice = next(c for c in first if first.count(c) > 1)
    with pytest.raises(StoreError, match=f"ambiguous scenario hash prefix: it starts {twice}"):
        store.scenario_text(twice)
    with pytest.raises(StoreError, match="no such scenario"):
        store.scenario_text("")  # not "the first scenario held"
    with pytest.raises(StoreError, match="no such scenario"):
        store.load_scenario("g")  # not a hex digit: no hash starts so
    assert store.scenario_text(hashes[3]) == "name: s3\n"


def test_tidy_rows_keys_and_params_diff_keeps_lists_whole(store: RunStore) -> None:
    from detente.store._export import tidy_rows

    value = {"f": [1, {"g": 2}], "h": {"i": None}, "e": []}
    assert tidy_rows(value) == [("f[0]", 1), ("f[1].g", 2), ("h.i", None)]
    assert tidy_rows(value, lists=False) == [("f", [1, {"g": 2}]), ("h.i", None), ("e", [])]
    ids = []
    for b in ([1, 2], [1, 3]):
        with store.run("x", scenario_hash=None, models=[], params={"a": {"b": b}}, seed=1) as run:
            pass
        ids.append(run.id)
    got = [(c.field, c.a, c.b) for c in store.diff(*ids).section("params")]
    assert got == [("a.b", [1, 2], [1, 3])]
