"""The dashboard's access to the run store: one :class:`~detente.store.RunStore` per thread,
and plain views of its records (attribute or mapping access, whichever the store returns)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__: list[str] = []


def field(record: Any, name: str, default: Any = None) -> Any:
    """``record.name`` or ``record[name]``, ``default`` when it has neither."""
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def results_of(run: Any) -> list[tuple[str, Any]]:
    """A stored run's results as ``(kind, payload)`` pairs, in the order they were added."""
    res = field(run, "results", None)
    if res is None:
        return []
    if isinstance(res, Mapping):
        return [(str(k), v) for k, v in res.items()]
    out: list[tuple[str, Any]] = []
    for r in res:
        if isinstance(r, tuple | list) and len(r) == 2:
            out.append((str(r[0]), r[1]))
        else:
            out.append((str(field(r, "kind", "")), field(r, "payload", None)))
    return out


class StoreAccess:
    """The run store at ``path``, opened on first use and shared by every thread (the store
    serialises its calls on one connection)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._store: Any = None

    def get(self) -> Any:
        """The :class:`~detente.store.RunStore`."""
        with self._lock:
            if self._store is None:
                from detente.store import RunStore

                self._store = RunStore(self.path)
            return self._store

    def close(self) -> None:
        """Close the store (it opens again on the next use)."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
