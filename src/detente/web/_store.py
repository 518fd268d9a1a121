"""The dashboard's access to the run store: one :class:`~detente.store.RunStore` shared by
every thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

__all__: list[str] = []


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
