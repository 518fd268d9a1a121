"""A stand-in for detente.store.RunStore (its announced API), used until the real one lands."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

_LOCK = threading.Lock()


class FakeStore:
    def __init__(self, path: Any) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma busy_timeout=10000")
        self.db.execute(
            "create table if not exists scenarios (hash text primary key, text, name, fmt, as_of)"
        )
        self.db.execute(
            "create table if not exists runs (id integer primary key, command, scenario_hash,"
            " models, params, seed)"
        )
        self.db.execute("create table if not exists results (run_id, kind, payload)")

    def add_scenario(self, text: str, name: str = "", fmt: str = "yaml", as_of: Any = None) -> str:
        h = hashlib.sha256(text.encode()).hexdigest()
        with _LOCK:
            self.db.execute(
                "insert or ignore into scenarios values (?,?,?,?,?)",
                (h, text, name, fmt, None if as_of is None else str(as_of)),
            )
        return h

    def scenario_text(self, h: str) -> str:
        row = self.db.execute("select text from scenarios where hash=?", (h,)).fetchone()
        if row is None:
            raise KeyError(h)
        return str(row[0])

    def list_scenarios(self) -> list[Any]:
        rows = self.db.execute("select hash, name, fmt, as_of from scenarios").fetchall()
        return [SimpleNamespace(hash=r[0], name=r[1], fmt=r[2], as_of=r[3]) for r in rows]

    @contextmanager
    def run(self, command: str, scenario_hash: Any = None, models: Any = (), params: Any = None,
            seed: Any = None) -> Any:
        run = SimpleNamespace(id=None, results=[])
        run.add_result = lambda kind, payload: run.results.append((kind, payload))
        yield run
        with _LOCK:
            self.db.execute("begin")
            cur = self.db.execute(
                "insert into runs (command, scenario_hash, models, params, seed) values (?,?,?,?,?)",
                (command, scenario_hash, json.dumps(list(models)), json.dumps(params or {}), seed),
            )
            run.id = cur.lastrowid
            for k, p in run.results:
                self.db.execute("insert into results values (?,?,?)", (run.id, k, json.dumps(p)))
            self.db.execute("commit")

    def _run(self, r: Any) -> Any:
        res = self.db.execute("select kind, payload from results where run_id=?", (r[0],))
        return SimpleNamespace(
            id=r[0], command=r[1], scenario_hash=r[2], models=json.loads(r[3]),
            params=json.loads(r[4]), seed=r[5],
            results=[(k, json.loads(p)) for k, p in res.fetchall()],
        )

    def list_runs(self, limit: int | None = None, command: Any = None,
                  scenario_hash: Any = None) -> list[Any]:
        q, args = "select * from runs where 1=1", []
        if command:
            q += " and command=?"
            args.append(command)
        if scenario_hash:
            q += " and scenario_hash=?"
            args.append(scenario_hash)
        q += " order by id desc"
        if limit:
            q += f" limit {int(limit)}"
        return [self._run(r) for r in self.db.execute(q, args).fetchall()]

    def get_run(self, run_id: Any) -> Any:
        r = self.db.execute("select * from runs where id=?", (run_id,)).fetchone()
        if r is None:
            raise KeyError(run_id)
        return self._run(r)

    def diff(self, a: Any, b: Any) -> Any:
        import pandas as pd

        ra, rb = self.get_run(a), self.get_run(b)
        df = pd.DataFrame([{"field": "seed", "a": ra.seed, "b": rb.seed}])
        return SimpleNamespace(to_df=lambda: df, summary=lambda: f"run {a} vs run {b}")
