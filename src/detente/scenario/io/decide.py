"""Decide's exchange-model CSV (Stokman's exchange model, foarsitter/decide-exchange-model).

One record per line, tagged in the first cell; the cells are separated by tabs (the shipped
files), semicolons or commas, optionally quoted with ``'`` or ``"``::

    '#A'  actor id   name   description
    '#P'  issue id   name   description
    '#M'  issue id   position   [meaning]          a labelled point of the issue's scale
    '#D'  actor id   issue id   position   salience (0-1)   power (0-1)

Mapping onto a detente :class:`~detente.scenario.schema.Scenario`
------------------------------------------------------------------
* **Ids.** Decide ids may hold spaces and brackets (``EU (incl Norway)``); detente ids are
  ``[A-Za-z0-9_.:-]``, so every other run of characters becomes ``_`` (``EU_incl_Norway``) and the
  Decide id is kept as the name when ``#A``/``#P`` gives none. Two ids that map to the same
  detente id are an error.
* **Scale.** An issue's scale runs from its lowest to its highest ``#M`` point, widened to
  cover every ``#D`` position on it; with fewer than two distinct points it is 0–100 widened to
  cover them. The meanings of the lowest and highest ``#M`` points become ``lo_means`` and
  ``hi_means``; the points between that have a meaning become anchors.
* **Salience** is Decide's 0–1 times 100 (detente's 0–100).
* **Power → capability.** Decide gives power per actor *and* issue; detente has one capability
  per actor. The capability is the actor's largest power over its issues. Where an actor's
  power on an issue is below that, the ratio is folded into that issue's salience
  (``salience × power / capability``), so that capability × salience — the weight of every
  model that multiplies the two, Decide's own "NBS" ``Σ c s x / Σ c s`` among them — is exactly
  Decide's power × salience; the position's ``note`` records the original pair. In the shipped
  files every actor has one power for all issues, so nothing is folded. An actor with no ``#D``
  row gets capability 0.

Writing puts ``#A``, ``#P``, ``#M`` (scale ends with their meanings, then anchors) and ``#D``
(power = capability on every issue) as tab-separated, ``'``-quoted cells, like the shipped
files. Status quo, veto, reservation, ranges, roles, accommodation, model parameters and sources
have no place in the format: they are dropped, and an
:class:`~detente.scenario.errors.ExportWarning` names each that the scenario has.

References
----------
Stokman, F. N. & Van Oosten, R. (1994). The exchange of voting positions. In B. Bueno de
Mesquita & F. N. Stokman (eds.), *European Community Decision Making*. Yale UP.
Input format: foarsitter/decide-exchange-model, ``docs/inputfiles.md``, as summarised in
``shared/reference/bargaining-models.md`` §4.1.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import (
    atomic_write_text,
    build_scenario,
    csv_records,
    parse_number,
    read_text,
    warn_dropped,
)
from detente.scenario.schema import Scenario

__all__ = ["decide_id", "read_decide", "write_decide"]

_TAGS = ("#A", "#P", "#M", "#D")
_CELLS = {"#A": (2, 4), "#P": (2, 4), "#M": (3, 4), "#D": (6, 6)}
_KIND = {"#A": "actor", "#P": "issue"}
_LAYOUT = {
    "#A": "'#A', actor id, name, description",
    "#P": "'#P', issue id, name, description",
    "#M": "'#M', issue id, position, meaning",
    "#D": "'#D', actor id, issue id, position, salience 0-1, power 0-1",
}


def decide_id(text: str) -> str:
    """A detente id for a Decide id: runs of other characters than ``[A-Za-z0-9_.:-]`` -> ``_``."""
    out = re.sub(r"[^A-Za-z0-9_.:\-]+", "_", text.strip()).strip("_")
    return out[:80]


def _dialect(text: str) -> tuple[str, str]:
    """Separator and quote character, from the first record line."""
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        quote = "'" if s.startswith("'") else '"'
        head = s.lstrip("'\"")
        rest = head[2:] if head[:2] in _TAGS else head
        rest = rest.lstrip("'\"")
        for sep in ("\t", ";", ","):  # the character right after the tag decides
            if rest.startswith(sep):
                return sep, quote
        for sep in ("\t", ";", ","):
            if sep in s:
                return sep, quote
        return "\t", quote
    return "\t", "'"


def _number(
    cell: str,
    path: Path,
    line: int,
    field: str,
    allowed: str,
    lo: float | None = None,
    hi: float | None = None,
) -> float:
    return parse_number(cell, path=path, line=line, field=field, allowed=allowed, lo=lo, hi=hi)


def _ident(cell: str, path: Path, line: int, field: str) -> str:
    ident = decide_id(cell)
    if not ident:
        raise ScenarioError(
            "an empty id",
            path=path,
            line=line,
            field=field,
            value=cell,
            allowed="an id with at least one letter or digit",
        )
    return ident


@dataclass
class _Decide:
    """The records of a Decide file, by kind, with the line each came from."""

    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    actor_line: dict[str, int] = field(default_factory=dict)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    issue_line: dict[str, int] = field(default_factory=dict)
    #: issue id -> [(position, meaning, line)]
    marks: dict[str, list[tuple[float, str, int]]] = field(default_factory=dict)
    #: (line, actor, issue, position, salience, power)
    data: list[tuple[int, str, str, float, float, float]] = field(default_factory=list)
    seen_d: dict[tuple[str, str], int] = field(default_factory=dict)


def read_decide(path: str | Path, text: str | None = None) -> Scenario:
    """Read a Decide exchange-model CSV into a scenario.

    Steps
    -----
    1. Read the text (size limit, UTF-8) and tell the separator (tab, ``;`` or ``,``) and the
       quote character (``'`` or ``"``) from the first record.
    2. Read every line by its tag; blank lines are skipped, any other tag is an error.
    3. Check that every ``#M`` and ``#D`` record names a declared actor and issue.
    4. Map ids, build each issue's scale from its ``#M`` points and ``#D`` positions, turn
       saliences onto 0–100, and the per-issue powers into one capability per actor (folding
       any variation into the salience; see the module notes).
    5. Validate through the scenario schema, locating problems at the line of their record.

    Parameters
    ----------
    path : str or Path
        The Decide CSV file.
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        An unknown tag, a record with the wrong number of cells, a non-number, a salience
        outside 0–1, a negative power, a ``#D`` row for an undeclared actor or issue, duplicate
        ids or records — each with the file, line, field, value and what is allowed.

    References
    ----------
    Stokman & Van Oosten (1994); Decide's ``docs/inputfiles.md`` (bargaining-models.md §4.1).
    """
    p = Path(path)
    if text is None:
        text = read_text(p)
    sep, quote = _dialect(text)
    got = _Decide()
    for line, row in _records(text, sep, quote, p):
        _read_record(p, line, row, sep, got)
    _check_references(p, got)
    cap = {a: 0.0 for a in got.actors}
    for _, a, _, _, _, power in got.data:
        cap[a] = max(cap[a], power)
    lines: dict[tuple[Any, ...], int] = {}
    scenario = {
        "name": p.stem,
        "description": f"Decide exchange-model data ({p.name})",
        "actors": _actors_out(got, cap, lines),
        "issues": _issues_out(p, got, lines),
        "positions": _positions_out(got, cap, lines),
    }
    return build_scenario(scenario, p, lines)


def _read_record(p: Path, line: int, row: list[str], sep: str, got: _Decide) -> None:
    """One record, checked for its tag and its number of cells, into ``got``."""
    cells = [c.strip() for c in row]
    while cells and cells[-1] == "":
        cells.pop()
    if not cells:
        return
    tag = cells[0].strip("'\"").strip()
    if tag not in _TAGS:
        raise ScenarioError(
            "unknown record tag",
            path=p,
            line=line,
            field="column 1",
            value=cells[0],
            allowed="#A (actor), #P (issue), #M (scale point) or #D (position)",
        )
    lo_n, hi_n = _CELLS[tag]
    if not lo_n <= len(cells) <= hi_n:
        raise ScenarioError(
            f"{len(cells)} cells in a {tag} record",
            path=p,
            line=line,
            field=tag,
            value=sep.join(cells)[:80],
            allowed=f"{lo_n}" + (f" to {hi_n}" if hi_n != lo_n else "") + f" cells: {_LAYOUT[tag]}",
        )
    if tag in ("#A", "#P"):
        _read_declaration(p, line, tag, cells, got)
    elif tag == "#M":
        ident = _ident(cells[1], p, line, "#M issue id")
        value = _number(cells[2], p, line, "#M position", "a finite number")
        meaning = cells[3] if len(cells) > 3 else ""
        got.marks.setdefault(ident, []).append((value, meaning, line))
    else:
        _read_data(p, line, cells, got)


def _read_declaration(p: Path, line: int, tag: str, cells: list[str], got: _Decide) -> None:
    """``#A``/``#P``: id, name (the id when blank), description; each id once."""
    ident = _ident(cells[1], p, line, f"{tag} id")
    table, where = (got.actors, got.actor_line) if tag == "#A" else (got.issues, got.issue_line)
    if ident in table:
        raise ScenarioError(
            f"duplicate {_KIND[tag]} id (first on line {where[ident]})",
            path=p,
            line=line,
            field=f"{tag} id",
            value=cells[1],
            allowed="each id once (compared after mapping to letters, digits, _ . : -)",
        )
    where[ident] = line
    name = cells[2] if len(cells) > 2 and cells[2] else cells[1]
    desc = cells[3] if len(cells) > 3 else ""
    table[ident] = {"raw": cells[1], "name": name, "description": desc}


def _read_data(p: Path, line: int, cells: list[str], got: _Decide) -> None:
    """``#D``: actor, issue, position, salience in 0–1, power >= 0; one per actor and issue."""
    a = _ident(cells[1], p, line, "#D actor id")
    i = _ident(cells[2], p, line, "#D issue id")
    pos = _number(cells[3], p, line, "#D position", "a finite number")
    sal = _number(cells[4], p, line, "#D salience", "a number from 0 to 1", lo=0.0, hi=1.0)
    power = _number(cells[5], p, line, "#D power", "a number >= 0 (Decide uses 0 to 1)", lo=0.0)
    if (a, i) in got.seen_d:
        raise ScenarioError(
            f"a second #D record for this actor and issue (first on line {got.seen_d[(a, i)]})",
            path=p,
            line=line,
            field="#D",
            value=f"{cells[1]} / {cells[2]}",
            allowed="one #D record per actor and issue",
        )
    got.seen_d[(a, i)] = line
    got.data.append((line, a, i, pos, sal, power))


def _check_references(p: Path, got: _Decide) -> None:
    """At least one actor and one issue; ``#M`` and ``#D`` name declared ones."""
    if not got.actors:
        raise ScenarioError(
            "no #A (actor) records",
            path=p,
            allowed="at least one '#A' line: '#A', id, name, description",
        )
    if not got.issues:
        raise ScenarioError(
            "no #P (issue) records",
            path=p,
            allowed="at least one '#P' line: '#P', id, name, description",
        )
    for ident, pts in got.marks.items():
        if ident not in got.issues:
            raise ScenarioError(
                "a #M scale point for an issue not declared by a #P record",
                path=p,
                line=pts[0][2],
                field="#M issue id",
                value=ident,
                allowed="one of the #P ids: " + _shown(got.issues),
            )
    for line, a, i, *_ in got.data:
        for ident, table, kind, tag in (
            (a, got.actors, "actor", "#A"),
            (i, got.issues, "issue", "#P"),
        ):
            if ident not in table:
                raise ScenarioError(
                    f"a #D record for an {kind} not declared by a {tag} record",
                    path=p,
                    line=line,
                    field=f"#D {kind} id",
                    value=ident,
                    allowed=f"one of the {tag} ids: " + _shown(table),
                )


def _scale(p: Path, ident: str, got: _Decide) -> dict[str, Any]:
    """An issue's scale: its ``#M`` points and ``#D`` positions (see the module notes)."""
    pts = sorted(got.marks.get(ident, []), key=lambda t: t[0])
    values = [v for v, _, _ in pts] + [pos for _, _, i, pos, _, _ in got.data if i == ident]
    distinct = sorted(set(values))
    if len({v for v, _, _ in pts}) >= 2:
        lo, hi = min(values), max(values)
    else:
        lo, hi = min([0.0, *distinct]), max([100.0, *distinct])
    anchors = []
    used: set[float] = set()
    for v, m, ln in pts:
        if v in (lo, hi) or not m:
            continue
        if v in used:
            raise ScenarioError(
                "a second #M point at the same position",
                path=p,
                line=ln,
                field="#M position",
                value=v,
                allowed="one meaning per scale point",
            )
        used.add(v)
        anchors.append({"value": v, "label": m})
    return {
        "lo": lo,
        "hi": hi,
        "unit": "points",
        "lo_means": next((m for v, m, _ in pts if v == lo), ""),
        "hi_means": next((m for v, m, _ in reversed(pts) if v == hi), ""),
        "anchors": anchors,
    }


def _issues_out(p: Path, got: _Decide, lines: dict[tuple[Any, ...], int]) -> list[dict[str, Any]]:
    out = []
    for n, (ident, info) in enumerate(got.issues.items()):
        lines[("issues", n)] = got.issue_line[ident]
        out.append(
            {
                "id": ident,
                "name": info["name"],
                "description": info["description"],
                "scale": _scale(p, ident, got),
            }
        )
    return out


def _positions_out(
    got: _Decide, cap: dict[str, float], lines: dict[tuple[Any, ...], int]
) -> list[dict[str, Any]]:
    """Saliences onto 0–100, a power below the actor's largest folded into the salience."""
    positions: list[dict[str, Any]] = []
    for n, (line, a, i, pos, sal, power) in enumerate(got.data):
        lines[("positions", n)] = line
        entry: dict[str, Any] = {"actor": a, "issue": i, "position": pos}
        c = cap[a]
        if c > 0 and power != c:
            entry["salience"] = _percent(sal * power / c)
            entry["note"] = (
                f"Decide power {power:g} on this issue (the actor's largest is {c:g}): "
                f"salience {sal:g} scaled by {power / c:g} so that capability x salience = "
                "power x salience"
            )
        else:
            entry["salience"] = _percent(sal)
        positions.append(entry)
    return positions


def _actors_out(
    got: _Decide, cap: dict[str, float], lines: dict[tuple[Any, ...], int]
) -> list[dict[str, Any]]:
    out = []
    for n, (ident, info) in enumerate(got.actors.items()):
        lines[("actors", n)] = got.actor_line[ident]
        out.append(
            {
                "id": ident,
                "name": info["name"],
                "capability": cap[ident],
                "notes": info["description"],
            }
        )
    return out


def _records(text: str, sep: str, quote: str, path: Path) -> list[tuple[int, list[str]]]:
    """Every CSV record with the 1-based line it starts on."""
    return list(
        csv_records(
            text,
            path,
            allowed=f"records of cells separated by {sep!r}, quoted with {quote}",
            delimiter=sep,
            quotechar=quote,
            skipinitialspace=True,
        )
    )


def _shown(table: dict[str, Any]) -> str:
    names = list(table)
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")


def dump_decide(scenario: Scenario) -> str:
    """Decide CSV text of a scenario (see the module notes for what is kept).

    Warns (:class:`~detente.scenario.errors.ExportWarning`) naming each part of the scenario
    the format drops (vetoes, reservation points, status quo, ranges, sources, ...).
    """
    warn_dropped(scenario, "Decide's CSV", kept=("anchors", "scale_meanings"))
    buf = io.StringIO()
    w = csv.writer(
        buf, delimiter="\t", quotechar="'", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n"
    )
    for a in scenario.actors:
        w.writerow(["#A", a.id, a.name, a.notes])
    for i in scenario.issues:
        sc = i.scale
        w.writerow(["#P", i.id, i.name, i.description])
        w.writerow(["#M", i.id, float(sc.lo), sc.lo_means])
        for anc in sc.anchors:
            if anc.value not in (sc.lo, sc.hi):
                w.writerow(["#M", i.id, float(anc.value), anc.label])
        w.writerow(["#M", i.id, float(sc.hi), sc.hi_means])
    for p in scenario.positions:
        c = scenario.actor(p.actor).capability
        w.writerow(["#D", p.actor, p.issue, float(p.position), p.salience / 100.0, float(c)])
    return buf.getvalue()


def write_decide(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario as a Decide exchange-model CSV (atomically).

    Steps
    -----
    1. ``#A`` per actor (id, name, notes), ``#P`` per issue, ``#M`` for the scale ends (with
       ``lo_means``/``hi_means``) and every anchor, ``#D`` per position with salience / 100 and
       power = the actor's capability.
    2. Write to a temporary file beside ``path`` and rename it into place.

    Status quo, veto, reservation, ranges, roles and sources are not part of the format and are
    not written; an :class:`~detente.scenario.errors.ExportWarning` names each that the
    scenario has. Capabilities are written as they are (Decide's own files keep power on 0–1;
    the model uses only ratios).
    """
    atomic_write_text(path, dump_decide(scenario), newline="")


def _percent(share: float) -> float:
    """``100 * share`` without binary noise (0.55 -> 55.0, not 55.00000000000001)."""
    return round(100.0 * share, 10)
