"""Reader for the actor tables of Bueno de Mesquita's expected-utility model (one issue).

The replications of the model ship one CSV per case, one row per actor, with four columns
whose names and scales differ between files:

* ``Actor,Capability,Position,Salience`` (jmckib; Masad's ``ExampleActors.csv``);
* ``Stakeholder,Resources,Position,Salience`` (Masad's China and Honduras tables).

Salience is on 0–1 in some files and 0–100 in others; :func:`read_bdm_csv` keeps it as the file
has it and records the scale; :mod:`detente.scenario.io.bdm_scenario` maps it onto detente's
0–100 in a :class:`~detente.scenario.schema.Scenario`, whose ``to_arrays()`` is the one route
to arrays. Every problem is a :class:`~detente.scenario.errors.ScenarioError` naming the file,
the line, the column, the value and what is allowed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import parse_number, read_text

__all__ = ["BdmData", "read_bdm_csv"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "stakeholder", "name", "player"),
    "capability": ("capability", "resources", "power", "clout", "capabilities"),
    "position": ("position",),
    "salience": ("salience",),
}


@dataclass(frozen=True)
class BdmData:
    """One BDM actor table, as the file has it.

    Attributes
    ----------
    path : str
    actors : tuple of str
    capability, position, salience : tuple of float
        In file order and units (salience on ``salience_scale``).
    salience_scale : float
        1.0 when the file's saliences lie on 0–1, 100.0 when on 0–100.
    position_range : tuple of float or None
        ``(min, max)`` of the positions, ``None`` when every actor stands at one point
        (the files state no scale, so the observed range is all that can be inferred).
    """

    path: str
    actors: tuple[str, ...]
    capability: tuple[float, ...]
    position: tuple[float, ...]
    salience: tuple[float, ...]
    salience_scale: float
    position_range: tuple[float, float] | None

    @property
    def n_actors(self) -> int:
        return len(self.actors)


def _columns(path: Path, first: list[str]) -> dict[str, int]:
    """The index of each of the four columns, matched by name (case-insensitive, any order)."""
    if not any(c.strip() for c in first):
        raise ScenarioError(
            "no header row",
            path=path,
            line=1,
            field="header",
            value="",
            allowed="a header row naming Actor, Capability, Position, Salience",
        )
    header = [h.strip().lower() for h in first]
    col: dict[str, int] = {}
    for key, names in _ALIASES.items():
        hits = [i for i, h in enumerate(header) if h in names]
        if not hits:
            raise ScenarioError(
                f"no {key} column",
                path=path,
                line=1,
                field="header",
                value=",".join(first),
                allowed=f"a column named one of {', '.join(names)} (for {key})",
            )
        col[key] = hits[0]
    return col


_SAL_ALLOWED = "a number in 0–1 or 0–100"


def _cell(
    path: Path,
    line: int,
    cell: tuple[str, str],
    lo: float | None = None,
    hi: float | None = None,
    allowed: str | None = None,
) -> float:
    """The number in ``cell`` (text, column header)."""
    text, column = cell
    return parse_number(text, path=path, line=line, field=column, lo=lo, hi=hi, allowed=allowed)


@dataclass
class _Rows:
    actors: list[str]
    capability: list[float]
    position: list[float]
    salience: list[float]


def _actor_rows(path: Path, rows: list[list[str]], col: dict[str, int]) -> _Rows:
    """One actor per non-blank row: a new non-empty name, capability >= 0, a finite position,
    salience within 0–100."""
    head = rows[0]
    out = _Rows([], [], [], [])
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != len(head):
            raise ScenarioError(
                f"{len(row)} fields, the header has {len(head)}",
                path=path,
                line=lineno,
                field="row",
                value=",".join(row),
                allowed=f"{len(head)} comma-separated fields",
            )
        name = row[col["actor"]].strip()
        column = head[col["actor"]]
        if not name:
            raise ScenarioError(
                "an empty actor name",
                path=path,
                line=lineno,
                field=column,
                value=name,
                allowed="a non-empty actor name",
            )
        if name in out.actors:
            raise ScenarioError(
                "a second row for this actor",
                path=path,
                line=lineno,
                field=column,
                value=name,
                allowed="a name not used on an earlier row",
            )
        cell = {key: (row[i], head[i]) for key, i in col.items()}
        out.actors.append(name)
        out.capability.append(_cell(path, lineno, cell["capability"], lo=0.0))
        out.position.append(_cell(path, lineno, cell["position"]))
        out.salience.append(
            _cell(path, lineno, cell["salience"], lo=0.0, hi=100.0, allowed=_SAL_ALLOWED)
        )
    return out


def read_bdm_csv(path: str | Path, text: str | None = None) -> BdmData:
    """Read a BDM actor table (``Actor|Stakeholder, Capability|Resources, Position, Salience``).

    Steps
    -----
    1. Match the header's columns (case-insensitive, any order) against the known names.
    2. Parse each row; capability must be >= 0, salience within 0–100.
    3. The salience scale is 100 if any salience exceeds 1, else 1.

    Parameters
    ----------
    path : str or Path
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Returns
    -------
    BdmData

    Raises
    ------
    ScenarioError
        Missing or unknown columns, a non-numeric or out-of-range value, a duplicate or
        empty actor name, a row with the wrong number of fields, or no rows at all.

    References
    ----------
    Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
    Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, 71–104.
    """
    p = Path(path)
    if text is None:
        text = read_text(p, allow_empty=True)
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as e:
        raise ScenarioError(
            f"not readable as CSV: {e}", path=p, allowed="comma-separated cells"
        ) from None
    col = _columns(p, rows[0] if rows else [])
    got = _actor_rows(p, rows, col)
    if not got.actors:
        raise ScenarioError(
            "no actor rows",
            path=p,
            field="file",
            value="no actor rows",
            allowed="at least one actor row after the header",
        )
    lo, hi = min(got.position), max(got.position)
    return BdmData(
        path=str(p),
        actors=tuple(got.actors),
        capability=tuple(got.capability),
        position=tuple(got.position),
        salience=tuple(got.salience),
        salience_scale=100.0 if max(got.salience) > 1.0 else 1.0,
        position_range=(lo, hi) if hi > lo else None,
    )
