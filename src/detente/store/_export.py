"""Writing recorded runs to a file: :func:`export_runs` (CSV, JSON, Parquet).

CSV and Parquet hold one tidy table, one row per value of a result: ``run``, ``command``,
``created``, ``scenario``, ``kind`` (the result's name), ``key`` (its dotted path inside the
result, list positions in brackets: ``forecast[2]``) and ``value`` (as text in CSV; numbers
in ``value`` and text in ``text`` in Parquet). JSON holds every run in full (its row, its
parameters, its results) as a list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.store._rows import StoreError

if TYPE_CHECKING:
    import pandas as pd

    from detente.store._db import RunStore
    from detente.store._rows import RunRecord

__all__ = ["EXPORT_FORMATS", "export_runs", "tidy_rows"]

#: The formats :func:`export_runs` writes.
EXPORT_FORMATS = ("csv", "json", "parquet")

_PARQUET_HINT = "pip install 'detente[parquet]' (pyarrow), or --format csv"


def export_runs(store: RunStore, run_ids: list[str], path: Path, fmt: str) -> Path:
    """Write the runs ``run_ids`` (ids or unique prefixes) of ``store`` to ``path`` in
    ``fmt``, atomically (a temporary file beside it, renamed into place). Returns ``path``.

    Raises
    ------
    StoreError
        An unknown format or run id, Parquet without pyarrow, or a write the system refuses.
    """
    if fmt not in EXPORT_FORMATS:
        raise StoreError(
            "unknown export format", field="format", value=fmt, allowed=", ".join(EXPORT_FORMATS)
        )
    if not run_ids:
        raise StoreError("no run to export", field="run", allowed="one or more run ids")
    if fmt == "parquet":
        _require_pyarrow()
    records = [store.get_run(r) for r in run_ids]
    if fmt == "json":
        _write_text(path, json.dumps([r.to_dict() for r in records], indent=1) + "\n")
    elif fmt == "csv":
        _write_text(path, _table(records).to_csv(index=False), newline="")
    else:
        _write_parquet(path, _table(records, typed=True))
    return path


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise StoreError(
            "Parquet export needs the pyarrow package",
            field="format",
            value="parquet",
            allowed=_PARQUET_HINT,
        ) from None


def tidy_rows(obj: Any, prefix: str = "", *, lists: bool = True) -> list[tuple[str, Any]]:
    """``(dotted key, leaf value)`` for every leaf of a JSON value, in order; list items are
    keyed ``key[i]``, or with ``lists=False`` a list is one leaf."""
    if isinstance(obj, dict):
        items = [(f"{prefix}.{k}" if prefix else str(k), v) for k, v in obj.items()]
    elif lists and isinstance(obj, list):
        items = [(f"{prefix}[{i}]", v) for i, v in enumerate(obj)]
    else:
        return [(prefix, obj)]
    return [row for key, v in items for row in tidy_rows(v, key, lists=lists)]


def _table(records: list[RunRecord], *, typed: bool = False) -> pd.DataFrame:
    """The tidy table (module docstring); ``typed``: numbers and text in separate columns."""
    import pandas as pd

    rows = []
    for r in records:
        head = {
            "run": r.id,
            "command": r.command,
            "created": r.created,
            "scenario": r.scenario_name or "",
        }
        for kind, payload in r.results.items():
            for key, value in tidy_rows(payload):
                rows.append(head | {"kind": kind, "key": key} | _cell(value, typed))
    cols = ["run", "command", "created", "scenario", "kind", "key", "value"]
    return pd.DataFrame(rows, columns=[*cols, "text"] if typed else cols)


def _cell(value: Any, typed: bool) -> dict[str, Any]:
    if not typed:
        return {"value": "" if value is None else value}
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"value": float(value), "text": None}
    return {"value": None, "text": None if value is None else str(value)}


@contextmanager
def _as_store_error() -> Iterator[None]:
    """A write refused (a :class:`ScenarioError` naming the file) as a :class:`StoreError`."""
    from detente.scenario.errors import ScenarioError

    try:
        yield
    except ScenarioError as e:
        raise StoreError(e.message, path=e.path, allowed=e.allowed) from None


def _write_text(path: Path, text: str, newline: str | None = None) -> None:
    from detente.scenario.io._common import atomic_write_text

    with _as_store_error():
        atomic_write_text(path, text, newline=newline)


def _write_parquet(path: Path, df: pd.DataFrame) -> None:
    """``df`` to a Parquet file through a temporary file renamed into place."""
    from detente.scenario.io._common import atomic_path

    with _as_store_error(), atomic_path(path) as tmp:
        df.to_parquet(tmp, index=False, engine="pyarrow")
