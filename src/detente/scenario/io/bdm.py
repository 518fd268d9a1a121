"""Reader for the actor tables of Bueno de Mesquita's expected-utility model (one issue).

The replications of the model ship one CSV per case, one row per actor, with four columns
whose names and scales differ between files:

* ``Actor,Capability,Position,Salience`` (jmckib; Masad's ``ExampleActors.csv``);
* ``Stakeholder,Resources,Position,Salience`` (Masad's China and Honduras tables).

Salience is on 0–1 in some files and 0–100 in others; :func:`read_bdm_csv` keeps it as the file
has it and records the scale, :func:`bdm_to_arrays` maps it onto 0–1.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.scenario.arrays import ScenarioArrays

__all__ = ["BdmData", "BdmFormatError", "bdm_to_arrays", "read_bdm_csv"]

_ALIASES: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "stakeholder", "name", "player"),
    "capability": ("capability", "resources", "power", "clout", "capabilities"),
    "position": ("position",),
    "salience": ("salience",),
}


class BdmFormatError(ValueError):
    """A BDM actor table that cannot be read.

    Attributes
    ----------
    path : str
        The file.
    line : int or None
        1-based line number (``None`` for whole-file problems).
    field : str
        The column (or ``"header"``, ``"file"``).
    value : str
        The offending text.
    allowed : str
        What would have been accepted.
    """

    def __init__(self, path: Any, line: int | None, field: str, value: Any, allowed: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.value = value
        self.allowed = allowed
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {field} = {value!r} is not valid; allowed: {allowed}")


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


def _number(path: Path, line: int, field: str, text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise BdmFormatError(path, line, field, text, "a number") from None
    if not np.isfinite(x):
        raise BdmFormatError(path, line, field, text, "a finite number")
    return x


def read_bdm_csv(path: str | Path) -> BdmData:
    """Read a BDM actor table (``Actor|Stakeholder, Capability|Resources, Position, Salience``).

    Steps
    -----
    1. Match the header's columns (case-insensitive, any order) against the known names.
    2. Parse each row; capability must be >= 0, salience within 0–100.
    3. The salience scale is 100 if any salience exceeds 1, else 1.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    BdmData

    Raises
    ------
    BdmFormatError
        Missing or unknown columns, a non-numeric or out-of-range value, a duplicate or
        empty actor name, a row with the wrong number of fields, or no rows at all.

    References
    ----------
    Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. In
    Bueno de Mesquita & Stokman (eds.), *European Community Decision Making*, 71–104.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BdmFormatError(p, None, "file", str(p), "an existing CSV file") from None
    except UnicodeDecodeError as exc:
        raise BdmFormatError(p, None, "file", str(exc), "UTF-8 text") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(c.strip() for c in rows[0]):
        raise BdmFormatError(
            p, 1, "header", "", "a header row naming Actor, Capability, Position, Salience"
        )
    header = [h.strip().lower() for h in rows[0]]
    col: dict[str, int] = {}
    for key, names in _ALIASES.items():
        hits = [i for i, h in enumerate(header) if h in names]
        if not hits:
            raise BdmFormatError(
                p,
                1,
                "header",
                ",".join(rows[0]),
                f"a column named one of {', '.join(names)} (for {key})",
            )
        col[key] = hits[0]
    actors: list[str] = []
    cap: list[float] = []
    pos: list[float] = []
    sal: list[float] = []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise BdmFormatError(
                p, lineno, "row", ",".join(row), f"{len(header)} comma-separated fields"
            )
        name = row[col["actor"]].strip()
        if not name:
            raise BdmFormatError(p, lineno, rows[0][col["actor"]], name, "a non-empty actor name")
        if name in actors:
            raise BdmFormatError(
                p, lineno, rows[0][col["actor"]], name, "a name not used on an earlier row"
            )
        c = _number(p, lineno, rows[0][col["capability"]], row[col["capability"]].strip())
        if c < 0:
            raise BdmFormatError(
                p, lineno, rows[0][col["capability"]], row[col["capability"]], "a number >= 0"
            )
        x = _number(p, lineno, rows[0][col["position"]], row[col["position"]].strip())
        s = _number(p, lineno, rows[0][col["salience"]], row[col["salience"]].strip())
        if not 0.0 <= s <= 100.0:
            raise BdmFormatError(
                p,
                lineno,
                rows[0][col["salience"]],
                row[col["salience"]],
                "a number in 0–1 or 0–100",
            )
        actors.append(name)
        cap.append(c)
        pos.append(x)
        sal.append(s)
    if not actors:
        raise BdmFormatError(
            p, None, "file", "no actor rows", "at least one actor row after the header"
        )
    scale = 100.0 if max(sal) > 1.0 else 1.0
    lo, hi = min(pos), max(pos)
    return BdmData(
        path=str(p),
        actors=tuple(actors),
        capability=tuple(cap),
        position=tuple(pos),
        salience=tuple(sal),
        salience_scale=scale,
        position_range=(lo, hi) if hi > lo else None,
    )


def bdm_to_arrays(
    data: BdmData, lo: float | None = None, hi: float | None = None, issue_id: str = "issue"
) -> ScenarioArrays:
    """One-issue :class:`ScenarioArrays` from a BDM table (salience mapped onto 0–1).

    Parameters
    ----------
    data : BdmData
    lo, hi : float, optional
        The issue's scale; default the smallest and largest position (``lo - 0.5 .. lo + 0.5``
        when all actors stand at one point).
    issue_id : str
        The issue's id.
    """
    pos = np.asarray(data.position, float)
    a = float(pos.min()) if lo is None else float(lo)
    b = float(pos.max()) if hi is None else float(hi)
    if lo is None and hi is None and b <= a:
        a, b = a - 0.5, a + 0.5
    if not b > a:
        raise ValueError(f"{data.path}: scale lo={a} must be below hi={b}")
    if pos.min() < a or pos.max() > b:
        raise ValueError(
            f"{data.path}: positions {pos.min()}..{pos.max()} lie outside the scale {a}..{b}"
        )
    sal = np.asarray(data.salience, float) / data.salience_scale
    return ScenarioArrays.from_numpy(
        np.asarray(data.capability, float),
        pos[:, None],
        sal[:, None],
        lo=a,
        hi=b,
        actor_ids=data.actors,
        issue_ids=(issue_id,),
    )
