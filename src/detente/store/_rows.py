"""The rows the store hands back: :class:`ScenarioRow`, :class:`RunRow`, :class:`RunRecord`,
and its error, :class:`StoreError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from detente.scenario.errors import ScenarioError

__all__ = ["RunRecord", "RunRow", "ScenarioRow", "StoreError"]


class StoreError(ScenarioError):
    """A run store that cannot be opened, read or written, or a run id it does not hold.

    Located like every input error: ``path`` is the store file, ``field`` what was asked for
    (``run``, ``scenario``), ``allowed`` what to do instead (e.g. ``detente runs list``).
    """


@dataclass(frozen=True)
class ScenarioRow:
    """A scenario held by the store (its text by :meth:`RunStore.scenario_text`)."""

    hash: str
    name: str
    as_of: date | None
    fmt: str
    added: str


@dataclass(frozen=True)
class RunRow:
    """One recorded run, as listed: ``created`` is UTC ISO 8601 (the start of the run),
    ``seconds`` its wall time, ``version`` the detente version that ran it."""

    id: str
    command: str
    created: str
    scenario_hash: str | None
    scenario_name: str | None
    models: list[str]
    seed: int | None
    version: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Every field, as a JSON-safe dict (a :class:`RunRecord`'s: its params, results and
        python too)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class RunRecord(RunRow):
    """One recorded run in full: its row, its parameters, the Python version that ran it and
    its results (``kind`` → the JSON payload given to ``Run.add_result``)."""

    params: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    python: str = ""
