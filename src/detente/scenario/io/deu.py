"""The DEU III table (Arregui & Perarnaud 2021): EU legislative issues, one per row.

The public copy (blksv/predictioneers_game, ``deu3.csv``, tab-separated and quoted) has a header
row, a second row of GDP figures (USD trillions; the Commission and the Parliament set to 4.1)
usable as a crude capability, then one row per issue: proposal and issue ids (``prnr``,
``isnr``), type, procedure (``proc``: COD/CNS), Council vote rule (``counvte``), intro date,
positions ``p<actor>`` and saliences ``s<actor>`` on 0–100 for the Commission (``com``), the
Parliament (``ep``) and 28 member states, the reference point ``rp`` and the outcome ``out``.

Reading rules (those of the published baselines, bargaining-models.md §3.3): a blank cell means
the actor is absent; a value outside 0–100 (such as 999) is missing; a missing salience next to a
valid position counts as 0. The table becomes one :class:`Scenario` whose issues are the rows
(issue id = ``isnr``, ``group`` = ``prnr``) with the procedure, the vote rule and — where the
file has it — the recorded outcome in ``Issue.attributes``.

References
----------
Arregui, J. & Perarnaud, C. (2021). A new dataset on legislative decision-making in the European
Union: the DEU III dataset. *Journal of European Public Policy*. doi:10.34810/data53 (CC BY 4.0).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import build_scenario, csv_records, parse_number, read_text
from detente.scenario.schema import Scenario

__all__ = ["ACTOR_NAMES", "read_deu", "valid_issue_ids"]

ACTOR_NAMES: dict[str, str] = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czechia",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}
_REQUIRED = ("prnr", "isnr", "rp")
_META = ("prname", "type", "council", "proc", "counvte", "proccde", "intro")
_SOURCES = [
    {
        "id": "DEU3",
        "title": "The DEU III dataset (positions, saliences, reference points, outcomes)",
        "publisher": "Arregui & Perarnaud, Journal of European Public Policy (2021); doi:10.34810/data53",
        "url": "https://doi.org/10.34810/data53",
    },
    {
        "id": "GDP-blksv",
        "title": "GDP line (USD trillions; Commission and EP set to 4.1) added to the public copy",
        "publisher": "blksv/predictioneers_game @ 21b9737, deu3.csv",
    },
]


_CELL_ALLOWED = "a number 0-100, blank for absent, or a missing code such as 999"


def _number(cell: str, path: Path, line: int, column: str) -> float | None:
    """A 0–100 value, ``None`` for blank or out-of-range (missing) cells."""
    cell = cell.strip()
    if cell == "" or cell.upper() in {"NA", "NAN", "."}:
        return None
    v = parse_number(
        cell, path=path, line=line, field=f"column {column}", allowed=_CELL_ALLOWED, finite=False
    )
    if not math.isfinite(v) or not 0.0 <= v <= 100.0:
        return None
    return v


def read_deu(path: str | Path, *, capability: str = "gdp", text: str | None = None) -> Scenario:
    """Read a DEU III table into one scenario whose issues are the table's rows.

    Steps
    -----
    1. Read the tab-separated rows (size limit, UTF-8); the header must name ``prnr``, ``isnr``
       and ``rp``, each column once; the actors are its ``p<actor>`` columns.
    2. A second row with no ``isnr`` is blksv's GDP line: one capability per actor.
    3. One issue per row, each with every header cell (a row cut short is refused); a blank or
       out-of-range cell is an absent actor or a missing value.
    4. Validate through the scenario schema, locating problems at their row.

    Parameters
    ----------
    path : str or Path
        The tab-separated table (``deu3-dev.tsv``, ``deu3-holdout-inputs.tsv`` or the full copy).
    capability : {"gdp", "equal"}
        Actor capability: the file's GDP line (blksv's addition), or 1 for every actor.
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Raises
    ------
    ScenarioError
        Missing or repeated columns, a row shorter or longer than the header, a non-numeric
        cell, a GDP line that is not numbers.
    """
    if capability not in ("gdp", "equal"):
        raise ScenarioError(
            "unknown capability option",
            field="capability",
            value=capability,
            allowed="gdp or equal",
        )
    p = Path(path)
    rows = _rows(p, read_text(p) if text is None else text)
    header, col, actors = _header(p, rows)
    body_start, gdp = _gdp_line(p, rows, col, actors)
    issues, positions, lines = _issue_rows(p, rows, body_start, header, col, actors)
    data = {
        "name": p.stem,
        "description": "DEU III legislative issues (Arregui & Perarnaud 2021)",
        "actors": [_actor(a, capability, gdp) for a in actors],
        "issues": issues,
        "positions": positions,
        "sources": _SOURCES,
    }
    return build_scenario(data, p, lines)


def _rows(p: Path, text: str) -> list[tuple[int, list[str]]]:
    """Every record with the line it starts on (a quoted cell may hold a newline)."""
    rows = list(
        csv_records(
            text,
            p,
            allowed='tab-separated cells, quoted with " where they hold tabs or newlines',
            what="a table",
            delimiter="\t",
            quotechar='"',
        )
    )
    if not rows or not rows[0][1]:
        raise ScenarioError("no header row", path=p, line=1)
    return rows


def _header(
    p: Path, rows: list[tuple[int, list[str]]]
) -> tuple[list[str], dict[str, int], list[str]]:
    """The header's columns (each once, the required ones present) and the actors."""
    line, cells = rows[0]
    header = [h.strip() for h in cells]
    col: dict[str, int] = {}
    for n, h in enumerate(header):
        if h and h in col:
            raise ScenarioError(
                f"a column named twice (first as column {col[h] + 1})",
                path=p,
                line=line,
                field=f"column {n + 1}",
                value=h,
                allowed="each column once",
            )
        col[h] = n
    for req in _REQUIRED:
        if req not in col:
            raise ScenarioError(
                "a required column is missing",
                path=p,
                line=line,
                field=req,
                allowed="a DEU III header with prnr, isnr, p<actor>, s<actor>, rp (and out)",
            )
    actors = [a for a in ACTOR_NAMES if f"p{a}" in col]
    actors += [
        h[1:]
        for h in header
        if h.startswith("p") and len(h) <= 4 and h[1:] not in ACTOR_NAMES and f"s{h[1:]}" in col
    ]
    if not actors:
        raise ScenarioError("no actor position columns (p<actor>)", path=p, line=line)
    return header, col, actors


def _gdp_line(
    p: Path, rows: list[tuple[int, list[str]]], col: dict[str, int], actors: list[str]
) -> tuple[int, dict[str, float]]:
    """blksv's GDP line (a second row without an issue id): where the issues start, and the
    GDP of each actor."""
    if len(rows) < 2:
        return 1, {}
    line, cells = rows[1]
    if not cells or (col["isnr"] < len(cells) and cells[col["isnr"]].strip() != ""):
        return 1, {}
    gdp: dict[str, float] = {}
    for a in actors:
        cell = cells[col[f"p{a}"]].strip() if col[f"p{a}"] < len(cells) else ""
        gdp[a] = parse_number(
            cell, path=p, line=line, field=f"p{a}", lo=0.0, allowed="a number >= 0"
        )
    return 2, gdp


def _issue_rows(
    p: Path,
    rows: list[tuple[int, list[str]]],
    body_start: int,
    header: list[str],
    col: dict[str, int],
    actors: list[str],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[tuple[Any, ...], int]]:
    """One issue per row, and each actor's position on it; the line of each, for errors."""
    issues: list[dict[str, Any]] = []
    positions: list[dict[str, Any]] = []
    lines: dict[tuple[Any, ...], int] = {}
    seen: dict[str, int] = {}
    for n, row in rows[body_start:]:
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise ScenarioError(
                f"{len(row)} cells, the header has {len(header)}"
                + (" (a row cut short?)" if len(row) < len(header) else ""),
                path=p,
                line=n,
                field=f"column {min(len(row), len(header)) + 1}",
                allowed="one cell per header column (tab-separated)",
            )
        isnr = _issue_id(p, n, row[col["isnr"]], seen)
        attrs: dict[str, Any] = {m: row[col[m]].strip() for m in _META if m in col}
        out = _number(row[col["out"]], p, n, "out") if "out" in col else None
        if out is not None:
            attrs["outcome"] = out
        lines[("issues", len(issues))] = n
        issues.append(
            {
                "id": isnr,
                "name": f"{attrs.get('prname', '')} ({isnr})".strip(),
                "group": row[col["prnr"]].strip(),
                "status_quo": _number(row[col["rp"]], p, n, "rp"),
                "attributes": attrs,
            }
        )
        for a in actors:
            entry = _position(p, n, row, col, a, isnr)
            if entry is not None:
                lines[("positions", len(positions))] = n
                positions.append(entry)
    if not issues:
        raise ScenarioError("the table has no issue rows", path=p, allowed="at least one issue row")
    return issues, positions, lines


def _issue_id(p: Path, n: int, cell: str, seen: dict[str, int]) -> str:
    isnr = cell.strip()
    if not isnr:
        raise ScenarioError("empty issue id", path=p, line=n, field="isnr", allowed="an issue id")
    if isnr in seen:
        raise ScenarioError(
            f"duplicate issue id (first on line {seen[isnr]})",
            path=p,
            line=n,
            field="isnr",
            value=isnr,
            allowed="unique isnr values",
        )
    seen[isnr] = n
    return isnr


def _position(
    p: Path, n: int, row: list[str], col: dict[str, int], a: str, isnr: str
) -> dict[str, Any] | None:
    """Actor ``a``'s position on the row's issue (``None`` when absent); a missing salience
    next to a valid position counts as 0."""
    pos = _number(row[col[f"p{a}"]], p, n, f"p{a}")
    if pos is None:
        return None
    sal = _number(row[col[f"s{a}"]], p, n, f"s{a}") if f"s{a}" in col else None
    return {
        "actor": a,
        "issue": isnr,
        "position": pos,
        "salience": 0.0 if sal is None else sal,
        "basis": "documented",
        "salience_basis": "documented",
        "sources": ["DEU3"],
        **({"note": "salience missing; counted as 0"} if sal is None else {}),
    }


def _actor(a: str, capability: str, gdp: dict[str, float]) -> dict[str, Any]:
    documented = capability == "gdp" and a in gdp
    return {
        "id": a,
        "name": ACTOR_NAMES.get(a, a),
        "capability": gdp.get(a, 1.0) if capability == "gdp" else 1.0,
        "capability_basis": "documented" if documented else "judgement",
        "capability_sources": ["GDP-blksv"] if documented else [],
        "veto": False,
    }


def valid_issue_ids(
    scenario: Scenario, min_actors: int = 3, need_outcome: bool = True
) -> list[str]:
    """Issues scored by the published baselines: an outcome (if asked) and at least
    ``min_actors`` actors with a valid position."""
    counts: dict[str, int] = {}
    for pos in scenario.positions:
        counts[pos.issue] = counts.get(pos.issue, 0) + 1
    return [
        i.id
        for i in scenario.issues
        if counts.get(i.id, 0) >= min_actors and (not need_outcome or "outcome" in i.attributes)
    ]
