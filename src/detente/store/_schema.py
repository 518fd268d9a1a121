"""The store's SQL schema and its migrations (``PRAGMA user_version``).

Each entry of :data:`MIGRATIONS` takes a file from version ``i`` to ``i + 1``; a new file
runs them all. Migrations only add (tables, columns, indexes): a file written by an older
detente opens in a newer one; a file from a newer detente is refused with a located error
rather than misread.
"""

from __future__ import annotations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1 = """
CREATE TABLE scenarios (
    hash  TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    fmt   TEXT NOT NULL,
    as_of TEXT,
    added TEXT NOT NULL,
    text  TEXT NOT NULL
);
CREATE TABLE runs (
    id            TEXT PRIMARY KEY,
    command       TEXT NOT NULL,
    created       TEXT NOT NULL,
    scenario_hash TEXT REFERENCES scenarios(hash),
    models        TEXT NOT NULL,
    params        TEXT NOT NULL,
    seed          INTEGER,
    version       TEXT NOT NULL,
    seconds       REAL NOT NULL
);
CREATE TABLE results (
    run_id  TEXT NOT NULL REFERENCES runs(id),
    kind    TEXT NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run_id, kind)
);
"""

_V2 = """
ALTER TABLE runs ADD COLUMN python TEXT NOT NULL DEFAULT '';
CREATE INDEX runs_created ON runs(created);
CREATE INDEX runs_scenario ON runs(scenario_hash);
"""

#: SQL scripts, the i-th taking a store from schema version i to i + 1.
MIGRATIONS: tuple[str, ...] = (_V1, _V2)

#: The schema version this detente writes.
SCHEMA_VERSION = len(MIGRATIONS)
