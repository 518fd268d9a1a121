"""The run store proper: :class:`RunStore` (a SQLite file in WAL mode) and :class:`Run`."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from detente.results import jsonable
from detente.store._rows import RunRecord, RunRow, ScenarioRow, StoreError
from detente.store._schema import MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario
    from detente.store._diff import RunDiff

__all__ = ["ENV_VAR", "Run", "RunStore", "default_store_path", "scenario_hash"]

#: The environment variable naming the store file (overrides the per-user default).
ENV_VAR = "DETENTE_STORE"

#: Seconds a writer waits for another one's lock before giving up.
_BUSY_SECONDS = 60.0

#: What :meth:`RunStore._by_prefix` looks up: its table, key column, the key's name in
#: words and what to give instead of a key it does not find.
_PREFIXED = {
    "run": (
        "runs",
        "id",
        "run id",
        "a run id (or a unique prefix of one) from `detente runs list`",
    ),
    "scenario": (
        "scenarios",
        "hash",
        "scenario hash",
        "a hash from `detente runs list --format json`",
    ),
}

_RUN_COLUMNS = (
    "r.id, r.command, r.created, r.scenario_hash, s.name, r.models, r.seed, r.version, r.seconds"
)


def default_store_path() -> Path:
    """Where runs are recorded: ``$DETENTE_STORE`` when set, else ``runs.sqlite3`` in the
    per-user data folder (``platformdirs.user_data_path("detente")``: e.g.
    ``~/.local/share/detente`` on Linux)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return platformdirs.user_data_path("detente") / "runs.sqlite3"


def scenario_hash(text: str) -> str:
    """The store's key for a scenario: the SHA-256 of its UTF-8 text, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime) -> str:
    return t.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _new_id(t: datetime) -> str:
    """A run id that sorts by start time: ``YYYYMMDD-HHMMSS-ffffff-xxxx`` (UTC, 4 random hex
    digits so that two runs started in the same microsecond differ)."""
    return t.strftime("%Y%m%d-%H%M%S-%f") + "-" + secrets.token_hex(2)


def _dumps(obj: Any, what: str) -> str:
    """``obj`` as strict JSON (no NaN); numpy values and the like converted first."""
    try:
        return json.dumps(jsonable(obj), allow_nan=False, sort_keys=False)
    except (TypeError, ValueError) as e:
        raise StoreError(f"cannot be stored as JSON: {e}", field=what) from None


class Run:
    """A run being recorded: collect results with :meth:`add_result`; the store writes the run
    and all its results in one transaction when the ``with`` block ends without an exception.

    Attributes
    ----------
    id : str
        The run's id (sortable by start time), known from the start.
    """

    def __init__(
        self,
        command: str,
        *,
        scenario_hash: str | None,
        models: list[str],
        params: dict[str, Any],
        seed: int | None,
    ) -> None:
        self.started = _now()
        self.id = _new_id(self.started)
        self.command = command
        self.scenario_hash = scenario_hash
        self.models = [str(m) for m in models]
        self.params = dict(params)
        self.seed = seed
        self.results: dict[str, str] = {}
        self.scenario: tuple[str, str, str, date | None] | None = None
        self._t0 = time.perf_counter()

    def add_result(self, kind: str, payload: dict[str, Any]) -> None:
        """Keep ``payload`` (JSON-safe: e.g. a Result's ``to_dict()``) under ``kind``
        (``forecast:smp``, ``analysis``, ...); a kind given twice keeps the last payload."""
        self.results[str(kind)] = _dumps(payload, f"results.{kind}")

    def attach_scenario(self, text: str, *, name: str, fmt: str, as_of: date | None = None) -> str:
        """Record the scenario ``text`` with the run, in the same transaction (so a failed run
        leaves no scenario behind either); returns its hash, which becomes the run's."""
        self.scenario = (text, name, fmt, as_of)
        self.scenario_hash = scenario_hash(text)
        return self.scenario_hash

    def elapsed(self) -> float:
        """Seconds since the run started."""
        return time.perf_counter() - self._t0


def _set_wal_mode(conn: sqlite3.Connection) -> str:
    """Switch ``conn``'s file to WAL mode and return the journal mode SQLite reports.

    SQLite does not call its busy handler for the journal-mode switch: while another process
    opens the same new file (switching it, or recovering its log), the switch fails at once
    with "database is locked". Retry until :data:`_BUSY_SECONDS` have passed, as every other
    statement waits.
    """
    deadline = time.monotonic() + _BUSY_SECONDS
    pause = 0.005
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


class RunStore:
    """A run store: one SQLite file in WAL mode, created (with its folders) when missing.

    Every write is one transaction (``BEGIN IMMEDIATE``, ``synchronous=FULL``): a process
    killed at any point, or a full disk, leaves the earlier runs intact and no half-written
    run. Several processes may write the same file (they take turns; a writer waits up to a
    minute for another's lock).

    Threads: one connection guarded by a lock, so one ``RunStore`` may be shared by the
    threads of a web app (calls are serialised; each is short). Use it as a context manager
    or call :meth:`close`.

    Parameters
    ----------
    path : str, Path or None
        The store file; ``None``: :func:`default_store_path`.

    Raises
    ------
    StoreError
        The file cannot be opened or created, is not a run store, or was written by a newer
        detente (a schema version above :data:`SCHEMA_VERSION`).
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self._lock = threading.RLock()
        self._conn = self._connect()
        try:
            with self._sql("open the store"):
                self._migrate()
        except BaseException:
            self._conn.close()
            raise

    # ------------------------------------------------------------------ connection
    def _connect(self) -> sqlite3.Connection:
        """Open the file (its folder created), WAL mode, full sync, foreign keys."""
        if self.path.is_dir():
            raise StoreError(
                "cannot open the run store: this is a folder", path=self.path, allowed="a file name"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=_BUSY_SECONDS, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the run store: {e}", path=self.path) from None
        try:
            mode = _set_wal_mode(conn)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as e:
            conn.close()
            raise StoreError(
                f"cannot open the run store: {e}",
                path=self.path,
                allowed="a run store written by detente, or a new file name",
            ) from None
        if str(mode).lower() != "wal":
            conn.close()
            raise StoreError(
                f"cannot use write-ahead logging here (journal mode {mode})",
                path=self.path,
                allowed="a store on a local file system",
            )
        return conn

    def _migrate(self) -> None:
        """Bring the file to :data:`SCHEMA_VERSION`, one migration per transaction."""
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the run store has schema version {version}; this detente reads up to "
                f"{SCHEMA_VERSION}",
                path=self.path,
                allowed="a newer detente (pip install -U detente), or another --store",
            )
        while version < SCHEMA_VERSION:
            with self._transaction():
                # another process may have migrated while we waited for the lock
                version = self._conn.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    break
                for stmt in MIGRATIONS[version].split(";"):
                    if stmt.strip():
                        self._conn.execute(stmt)
                self._conn.execute(f"PRAGMA user_version = {version + 1}")
            version += 1

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolled back on any exception."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._conn.in_transaction:
                self._conn.rollback()
            raise
        self._conn.execute("COMMIT")

    @contextmanager
    def _sql(self, doing: str) -> Iterator[None]:
        """Hold the lock; turn SQLite's errors into a :class:`StoreError` naming the file."""
        with self._lock:
            try:
                yield
            except sqlite3.DatabaseError as e:
                if self._conn.in_transaction:
                    self._conn.rollback()
                raise StoreError(
                    f"cannot {doing}: {e}",
                    path=self.path,
                    allowed=_hint(e),
                ) from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The file's schema version (``PRAGMA user_version``)."""
        with self._sql("read the store"):
            return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    # ------------------------------------------------------------------ scenarios
    def add_scenario(self, text: str, *, name: str, fmt: str, as_of: date | None = None) -> str:
        """Keep a scenario's text; returns its hash (SHA-256 of the text). Adding the same
        text again changes nothing and returns the same hash."""
        with self._sql("record the scenario"), self._transaction():
            return self._insert_scenario(text, name, fmt, as_of)

    def _insert_scenario(self, text: str, name: str, fmt: str, as_of: date | None) -> str:
        h = scenario_hash(text)
        self._conn.execute(
            "INSERT OR IGNORE INTO scenarios (hash, name, fmt, as_of, added, text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (h, name, fmt, None if as_of is None else as_of.isoformat(), _iso(_now()), text),
        )
        return h

    def scenario_text(self, hash: str) -> str:
        """The text of the scenario with this hash (or a unique prefix of it)."""
        return str(self._by_prefix("scenario", hash, "text")[1])

    def scenario_fmt(self, hash: str) -> str:
        """The format name given with the scenario ``hash`` (``""`` when not held)."""
        with self._sql("read the store"):
            row = self._conn.execute("SELECT fmt FROM scenarios WHERE hash = ?", (hash,)).fetchone()
        return "" if row is None else str(row[0])

    def load_scenario(self, hash: str) -> Scenario:
        """The scenario with this hash (or a unique prefix), parsed: a
        :class:`~detente.scenario.schema.Scenario`.

        Raises
        ------
        StoreError
            No such scenario, or one kept in a format read as text only (``deu``, a DEU
            table) or that no longer parses (the message says why).
        """
        from detente.scenario.errors import ScenarioError
        from detente.scenario.io.native import read_json, read_yaml

        full, fmt, text = self._by_prefix("scenario", hash, "fmt, text")
        reader = {"yaml": read_yaml, "json": read_json}.get(fmt)
        if reader is None:
            raise StoreError(
                "this scenario is kept as text only",
                path=self.path,
                field="scenario",
                value=f"{full[:12]} ({fmt})",
                allowed="a scenario recorded as yaml or json; read this one with scenario_text()",
            )
        try:
            return reader(f"{self.path}#scenario={full[:12]}", text)
        except ScenarioError as e:
            raise StoreError(
                e.message, path=e.path, line=e.line, field=e.field, value=e.value, allowed=e.allowed
            ) from None

    def list_scenarios(self) -> list[ScenarioRow]:
        """Every scenario held, oldest first."""
        with self._sql("read the store"):
            rows = self._conn.execute(
                "SELECT hash, name, as_of, fmt, added FROM scenarios ORDER BY added, hash"
            ).fetchall()
        return [
            ScenarioRow(h, n, None if a is None else date.fromisoformat(a), f, ad)
            for h, n, a, f, ad in rows
        ]

    # ------------------------------------------------------------------ runs
    @contextmanager
    def run(
        self,
        command: str,
        *,
        scenario_hash: str | None,
        models: list[str],
        params: dict[str, Any],
        seed: int | None,
    ) -> Iterator[Run]:
        """Record a run: ``with store.run(...) as run: ... run.add_result(kind, payload)``.

        The run, its results (and the scenario given to :meth:`Run.attach_scenario`) are
        written in one transaction when the block ends normally, with the wall time of the
        block, the detente and Python versions. An exception in the block writes nothing and
        propagates. ``run.id`` names the run.
        """
        run = Run(command, scenario_hash=scenario_hash, models=models, params=params, seed=seed)
        yield run
        self.record(run)

    def record(self, run: Run) -> str:
        """Write a :class:`Run` built by hand (its ``models``, ``params``, ``seed`` may be set
        after it was made), its results and attached scenario, in one transaction, with the
        time since it was made as its wall time; returns its id. :meth:`run` calls this."""
        from detente import __version__

        seconds = run.elapsed()
        with self._sql("record the run"), self._transaction():
            if run.scenario is not None:
                text, name, fmt, as_of = run.scenario
                self._insert_scenario(text, name, fmt, as_of)
            self._conn.execute(
                "INSERT INTO runs (id, command, created, scenario_hash, models, params, seed,"
                " version, seconds, python) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    run.id,
                    run.command,
                    _iso(run.started),
                    run.scenario_hash,
                    json.dumps([str(m) for m in run.models]),
                    _dumps(run.params, "params"),
                    _seed_cell(run.seed),
                    __version__,
                    float(seconds),
                    platform.python_version(),
                ),
            )
            self._conn.executemany(
                "INSERT INTO results (run_id, kind, payload) VALUES (?, ?, ?)",
                [(run.id, k, p) for k, p in run.results.items()],
            )
        return run.id

    def list_runs(
        self,
        *,
        limit: int | None = None,
        command: str | None = None,
        scenario_hash: str | None = None,
    ) -> list[RunRow]:
        """Recorded runs, newest first; ``command``/``scenario_hash`` filter, ``limit`` cuts."""
        where, args = [], []
        if command is not None:
            where.append("r.command = ?")
            args.append(command)
        if scenario_hash is not None:
            where.append("r.scenario_hash = ?")
            args.append(scenario_hash)
        sql = (
            f"SELECT {_RUN_COLUMNS} FROM runs r LEFT JOIN scenarios s ON s.hash = r.scenario_hash"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY r.created DESC, r.id DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            args.append(str(max(0, int(limit))))
        with self._sql("read the store"):
            rows = self._conn.execute(sql, args).fetchall()
        return [_run_row(r) for r in rows]

    def resolve(self, run_id: str) -> str:
        """The full id of the one run whose id starts with ``run_id``."""
        return str(self._by_prefix("run", run_id)[0])

    def _by_prefix(self, what: str, prefix: str, columns: str = "") -> tuple[Any, ...]:
        """The key of the one run or scenario (``what``) whose key (run id, scenario hash)
        starts with ``prefix``, then ``columns`` of its row.

        Raises
        ------
        StoreError
            None starts so (or ``prefix`` is empty), or more than one does (up to five of
            them named).
        """
        table, key, label, hint = _PREFIXED[what]
        with self._sql("read the store"):
            rows = self._conn.execute(
                f"SELECT {', '.join(filter(None, (key, columns)))} FROM {table}"
                f" WHERE substr({key}, 1, ?) = ? ORDER BY {key} LIMIT 6",
                (len(prefix), prefix),
            ).fetchall()
        if not prefix or not rows:
            raise StoreError(
                f"no such {what}", path=self.path, field=what, value=prefix, allowed=hint
            )
        if len(rows) > 1:
            shown = ", ".join(r[0] for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
            raise StoreError(
                f"ambiguous {label} prefix: it starts {shown}",
                path=self.path,
                field=what,
                value=prefix,
                allowed="a longer prefix",
            )
        return tuple(rows[0])

    def get_run(self, run_id: str) -> RunRecord:
        """The run ``run_id`` (or a unique prefix of its id) in full."""
        full = self.resolve(run_id)
        with self._sql("read the store"):
            row = self._conn.execute(
                f"SELECT {_RUN_COLUMNS}, r.params, r.python FROM runs r"
                " LEFT JOIN scenarios s ON s.hash = r.scenario_hash WHERE r.id = ?",
                (full,),
            ).fetchone()
            results = self._conn.execute(
                "SELECT kind, payload FROM results WHERE run_id = ? ORDER BY rowid", (full,)
            ).fetchall()
        base = _run_row(row[:9])
        return RunRecord(
            **base.to_dict(),
            params=json.loads(row[9]),
            results={k: json.loads(p) for k, p in results},
            python=row[10],
        )

    def count_runs(self) -> int:
        """How many runs the store holds."""
        with self._sql("read the store"):
            return int(self._conn.execute("SELECT count(*) FROM runs").fetchone()[0])

    # ------------------------------------------------------------------ derived
    def diff(self, a: str, b: str) -> RunDiff:
        """What changed from run ``a`` to run ``b``: a :class:`~detente.store.RunDiff`."""
        from detente.store._diff import diff_runs

        return diff_runs(self, a, b)

    def export(self, run_ids: list[str], path: str | Path, fmt: str = "csv") -> Path:
        """Write runs to ``path`` (atomically): ``csv`` or ``parquet`` (a tidy table, one row
        per result value) or ``json`` (every run in full). Parquet needs ``pyarrow``
        (``pip install 'detente[parquet]'``)."""
        from detente.store._export import export_runs

        return export_runs(self, run_ids, Path(path), fmt)


def _run_row(r: tuple[Any, ...]) -> RunRow:
    return RunRow(
        id=r[0],
        command=r[1],
        created=r[2],
        scenario_hash=r[3],
        scenario_name=r[4],
        models=json.loads(r[5]),
        seed=None if r[6] is None else int(r[6], 0) if isinstance(r[6], str) else int(r[6]),
        version=r[7],
        seconds=float(r[8]),
    )


def _seed_cell(seed: int | None) -> int | str | None:
    """A seed as SQLite keeps it: an integer, or beyond 64 bits (the 128-bit seeds
    :func:`numpy.random.SeedSequence` draws) its hexadecimal text (``0x...``: decimal text
    would be turned into an inexact REAL by the column's INTEGER affinity)."""
    if seed is None:
        return None
    seed = int(seed)
    return seed if -(2**63) <= seed < 2**63 else hex(seed)


def _hint(e: sqlite3.DatabaseError) -> str:
    """What to do about a SQLite error, in words."""
    text = str(e).lower()
    if "full" in text:
        return "free disk space, or record elsewhere with --store PATH (or not at all: --no-store)"
    if "locked" in text or "busy" in text:
        return "retry when the other detente process writing this store has finished"
    if "readonly" in text or "read-only" in text:
        return "a writable file, or --store PATH"
    return "a run store written by detente, or another --store PATH"
