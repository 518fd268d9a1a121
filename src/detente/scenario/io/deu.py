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

import csv
import io
import math
from pathlib import Path
from typing import Any

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import build_scenario, read_text
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


def _number(cell: str, path: Path, line: int, column: str) -> float | None:
    """A 0–100 value, ``None`` for blank or out-of-range (missing) cells."""
    cell = cell.strip()
    if cell == "" or cell.upper() in {"NA", "NAN", "."}:
        return None
    try:
        v = float(cell)
    except ValueError:
        raise ScenarioError(
            "not a number",
            path=path,
            line=line,
            field=f"column {column}",
            value=cell,
            allowed="a number 0-100, blank for absent, or a missing code such as 999",
        ) from None
    if not math.isfinite(v) or not 0.0 <= v <= 100.0:
        return None
    return v


def read_deu(path: str | Path, *, capability: str = "gdp") -> Scenario:
    """Read a DEU III table into one scenario whose issues are the table's rows.

    Parameters
    ----------
    path : str or Path
        The tab-separated table (``deu3-dev.tsv``, ``deu3-holdout-inputs.tsv`` or the full copy).
    capability : {"gdp", "equal"}
        Actor capability: the file's GDP line (blksv's addition), or 1 for every actor.

    Raises
    ------
    ScenarioError
        Missing required columns, a non-numeric cell, a GDP line that is not numbers.
    """
    p = Path(path)
    text = read_text(p)
    reader = csv.reader(io.StringIO(text), delimiter="\t", quotechar='"')
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as e:
        raise ScenarioError(
            f"not readable as a table: {e}",
            path=p,
            line=reader.line_num + 1,
            allowed='tab-separated cells, quoted with " where they hold tabs or newlines',
        ) from None
    if not rows or not rows[0]:
        raise ScenarioError("no header row", path=p, line=1)
    header = [h.strip() for h in rows[0]]
    col = {h: n for n, h in enumerate(header)}
    for req in _REQUIRED:
        if req not in col:
            raise ScenarioError(
                "a required column is missing",
                path=p,
                line=1,
                field=req,
                allowed="a DEU III header with prnr, isnr, p<actor>, s<actor>, rp (and out)",
            )
    actors = [a for a in ACTOR_NAMES if f"p{a}" in col]
    extra = [
        h[1:]
        for h in header
        if h.startswith("p") and len(h) <= 4 and h[1:] not in ACTOR_NAMES and f"s{h[1:]}" in col
    ]
    actors += extra
    if len(actors) < 1:
        raise ScenarioError("no actor position columns (p<actor>)", path=p, line=1)

    body_start = 1
    gdp: dict[str, float] = {}
    if capability not in ("gdp", "equal"):
        raise ScenarioError(
            "unknown capability option",
            field="capability",
            value=capability,
            allowed="gdp or equal",
        )
    if (
        len(rows) > 1
        and rows[1]
        and (col["isnr"] >= len(rows[1]) or rows[1][col["isnr"]].strip() == "")
    ):
        body_start = 2
        for a in actors:
            cell = rows[1][col[f"p{a}"]].strip() if col[f"p{a}"] < len(rows[1]) else ""
            try:
                gdp[a] = float(cell)
            except ValueError:
                raise ScenarioError(
                    "the GDP line holds a non-number",
                    path=p,
                    line=2,
                    field=f"p{a}",
                    value=cell,
                    allowed="a number >= 0",
                ) from None
    caps = {a: (gdp.get(a, 1.0) if capability == "gdp" else 1.0) for a in actors}

    issues: list[dict[str, Any]] = []
    positions: list[dict[str, Any]] = []
    lines: dict[tuple[Any, ...], int] = {}
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[body_start:], start=body_start + 1):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        elif len(row) > len(header):
            raise ScenarioError(
                f"{len(row)} cells, the header has {len(header)}",
                path=p,
                line=n,
                allowed="one cell per header column (tab-separated)",
            )
        isnr = row[col["isnr"]].strip()
        if not isnr:
            raise ScenarioError(
                "empty issue id", path=p, line=n, field="isnr", allowed="an issue id"
            )
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
        attrs: dict[str, Any] = {m: row[col[m]].strip() for m in _META if m in col}
        if "out" in col:
            out = _number(row[col["out"]], p, n, "out")
            if out is not None:
                attrs["outcome"] = out
        rp = _number(row[col["rp"]], p, n, "rp")
        issue_index = len(issues)
        lines[("issues", issue_index)] = n
        issues.append(
            {
                "id": isnr,
                "name": f"{attrs.get('prname', '')} ({isnr})".strip(),
                "group": row[col["prnr"]].strip(),
                "status_quo": rp,
                "attributes": attrs,
            }
        )
        for a in actors:
            pos = _number(row[col[f"p{a}"]], p, n, f"p{a}")
            if pos is None:
                continue
            sal = _number(row[col[f"s{a}"]], p, n, f"s{a}") if f"s{a}" in col else None
            lines[("positions", len(positions))] = n
            positions.append(
                {
                    "actor": a,
                    "issue": isnr,
                    "position": pos,
                    "salience": 0.0 if sal is None else sal,
                    "basis": "documented",
                    "salience_basis": "documented",
                    "sources": ["DEU3"],
                    **({"note": "salience missing; counted as 0"} if sal is None else {}),
                }
            )
    if not issues:
        raise ScenarioError("the table has no issue rows", path=p, allowed="at least one issue row")
    data = {
        "name": p.stem,
        "description": "DEU III legislative issues (Arregui & Perarnaud 2021)",
        "actors": [
            {
                "id": a,
                "name": ACTOR_NAMES.get(a, a),
                "capability": caps[a],
                "capability_basis": "documented"
                if capability == "gdp" and a in gdp
                else "judgement",
                "capability_sources": ["GDP-blksv"] if capability == "gdp" and a in gdp else [],
                "veto": False,
            }
            for a in actors
        ],
        "issues": issues,
        "positions": positions,
        "sources": _SOURCES,
    }
    return build_scenario(data, p, lines)


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
