"""The tidy-CSV scenario format: a folder of small CSV tables that a spreadsheet can edit.

Files (UTF-8, comma-separated, one header row; blank rows are skipped; an empty cell means
"not given", so the schema's default applies)::

    actors.csv        id, name, capability, role, veto, capability_basis, capability_sources,
                      veto_basis, notes, veto_issues
    issues.csv        id, name, description, lo, hi, unit, lo_means, hi_means, status_quo,
                      status_quo_note, group, attributes
    positions.csv     actor, issue, position, salience, low, high, reservation, basis,
                      salience_basis, sources, note
    sources.csv       id, title, publisher, url, date                      (optional)
    anchors.csv       issue, value, label, sources                         (optional)
    accommodation.csv actor, toward, weight                                (optional)
    scenario.csv      field, value  — rows name, description, as_of, model_params,
                      uncertainty, what_ifs, process, conflict, revision (optional)

``actors.csv``, ``issues.csv`` and ``positions.csv`` are required; in them ``id``, ``name``,
``capability`` / ``id``, ``name`` / ``actor``, ``issue``, ``position``, ``salience`` are the
required columns, the others may be left out. Saliences are on 0–100, positions in each issue's
own units between ``lo`` and ``hi`` (default 0–100). ``low``/``high`` give a position's range
(both or neither). Lists of source ids (``sources``, ``capability_sources``) are separated by
``;`` or ``,``. ``veto`` is ``true``/``false`` (``yes``/``no``, ``1``/``0`` also read).
``attributes``, ``model_params``, ``uncertainty``, ``process``, ``conflict`` and ``revision``
are JSON objects and ``what_ifs`` a JSON list of objects (the YAML blocks of the same names); ``veto_issues`` is a
list of issue ids. The scale anchors (labelled documented
options) are rows of ``anchors.csv`` rather than a cell, so that labels may hold any text.
Without ``scenario.csv`` the scenario is named after the folder.

Every problem is reported with the file, the line, the column, the value and what is
allowed. Writing builds the folder under a temporary name beside the target and renames it
into place, so a failed write leaves nothing half-written; an existing target is replaced only
when it holds nothing but these tables.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import (
    build_scenario,
    csv_records,
    current_umask,
    parse_number,
    read_text,
    write_target,
)
from detente.scenario.schema import Scenario

__all__ = ["COLUMNS", "read_tidy", "write_tidy"]

#: The columns of each table, in the order written; the first ones listed in ``_REQUIRED`` must
#: be present.
COLUMNS: dict[str, tuple[str, ...]] = {
    "actors": (
        "id", "name", "capability", "role", "veto", "capability_basis", "capability_sources",
        "veto_basis", "notes", "veto_issues",
    ),
    "issues": (
        "id", "name", "description", "lo", "hi", "unit", "lo_means", "hi_means", "status_quo",
        "status_quo_note", "group", "attributes",
    ),
    "positions": (
        "actor", "issue", "position", "salience", "low", "high", "reservation", "basis",
        "salience_basis", "sources", "note",
    ),
    "sources": ("id", "title", "publisher", "url", "date"),
    "anchors": ("issue", "value", "label", "sources"),
    "accommodation": ("actor", "toward", "weight"),
    "scenario": ("field", "value"),
}  # fmt: skip
_REQUIRED = {
    "actors": ("id", "name", "capability"),
    "issues": ("id", "name"),
    "positions": ("actor", "issue", "position", "salience"),
    "sources": ("id", "title"),
    "anchors": ("issue", "value", "label"),
    "accommodation": ("actor", "toward", "weight"),
    "scenario": ("field", "value"),
}
_OPTIONAL_FILES = ("sources", "anchors", "accommodation", "scenario")
_NUMBERS = {
    "actors": ("capability",),
    "issues": ("lo", "hi", "status_quo"),
    "positions": ("position", "salience", "low", "high", "reservation"),
    "anchors": ("value",),
    "accommodation": ("weight",),
}
_LISTS = {
    "actors": ("capability_sources", "veto_issues"),
    "positions": ("sources",),
    "anchors": ("sources",),
}
_SCENARIO_FIELDS = (
    "name", "description", "as_of", "model_params", "uncertainty", "what_ifs", "process",
    "conflict", "revision",
)  # fmt: skip
#: scenario.csv fields holding JSON: an object, or (``what_ifs``) a list of objects.
_JSON_FIELDS = {
    "model_params": dict,
    "uncertainty": dict,
    "process": dict,
    "conflict": dict,
    "revision": dict,
    "what_ifs": list,
}
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


class _Table:
    """One CSV file's rows as dicts of non-empty cells, with their lines."""

    def __init__(self, name: str, path: Path, rows: list[dict[str, str]], lines: list[int],
                 header: list[str]) -> None:  # fmt: skip
        self.name = name
        self.path = path
        self.rows = rows
        self.lines = lines
        self.header = header

    def column(self, col: str) -> str:
        if col in self.header:
            return f"column {self.header.index(col) + 1} ({col})"
        return f"column {col}"


def _read_table(folder: Path, name: str) -> _Table | None:
    path = folder / f"{name}.csv"
    if not path.exists():
        if name in _OPTIONAL_FILES:
            return None
        raise ScenarioError(
            f"the tidy-CSV folder has no {name}.csv",
            path=path,
            allowed="a folder with actors.csv, issues.csv and positions.csv "
            "(and optionally sources.csv, anchors.csv, accommodation.csv, scenario.csv)",
        )
    text = read_text(path)
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    allowed = 'comma-separated cells, quoted with " where they hold commas or newlines'
    for line, cells in csv_records(text, path, allowed=allowed):
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _check_header(cells, name, path, line)
            continue
        if len(cells) > len(header):
            extra = [c for c in cells[len(header) :] if c.strip()]
            if extra:
                raise ScenarioError(
                    f"{len(cells)} cells, the header has {len(header)}",
                    path=path,
                    line=line,
                    field=f"column {len(header) + 1}",
                    value=extra[0],
                    allowed=f"at most {len(header)} cells, one per header column "
                    "(quote cells that hold commas)",
                )
        rows.append({h: c.strip() for h, c in zip(header, cells, strict=False) if c.strip() != ""})
        lines.append(line)
    if header is None:
        raise ScenarioError("no header row", path=path, line=1, allowed=", ".join(COLUMNS[name]))
    return _Table(name, path, rows, lines, header)


def _check_header(cells: list[str], name: str, path: Path, line: int) -> list[str]:
    header = [c.strip().lower() for c in cells]
    while header and header[-1] == "":
        header.pop()
    known = COLUMNS[name]
    seen: set[str] = set()
    for n, h in enumerate(header, start=1):
        if h not in known:
            hint = ""
            if h in ("actor_id", "issue_id", "position_0_100", "salience_0_100"):
                hint = (
                    " (this folder is laid out differently from detente's tidy CSV;"
                    " see docs/reference/scenario-format.md)"
                )
            raise ScenarioError(
                f"unknown column in {name}.csv{hint}",
                path=path,
                line=line,
                field=f"column {n}",
                value=cells[n - 1],
                allowed=", ".join(known),
            )
        if h in seen:
            raise ScenarioError(
                "a column named twice",
                path=path,
                line=line,
                field=f"column {n}",
                value=cells[n - 1],
                allowed="each column once",
            )
        seen.add(h)
    for req in _REQUIRED[name]:
        if req not in seen:
            raise ScenarioError(
                f"{name}.csv has no {req!r} column",
                path=path,
                line=line,
                field=req,
                allowed="the columns " + ", ".join(_REQUIRED[name]) + " at least",
            )
    return header


def _err(table: _Table, n: int, col: str, message: str, value: Any, allowed: str) -> ScenarioError:
    return ScenarioError(
        message,
        path=table.path,
        line=table.lines[n],
        field=table.column(col),
        value=value,
        allowed=allowed,
    )


def _number(table: _Table, n: int, col: str, cell: str) -> float:
    return parse_number(cell, path=table.path, line=table.lines[n], field=table.column(col))


def _ids(cell: str) -> list[str]:
    return [s.strip() for s in cell.replace(",", ";").split(";") if s.strip()]


def _convert(table: _Table) -> list[dict[str, Any]]:
    out = []
    for n, row in enumerate(table.rows):
        rec: dict[str, Any] = {}
        for col, cell in row.items():
            if col in _NUMBERS.get(table.name, ()):
                rec[col] = _number(table, n, col, cell)
            elif col in _LISTS.get(table.name, ()):
                rec[col] = _ids(cell)
            elif col == "veto":
                low = cell.lower()
                if low not in _TRUE | _FALSE:
                    raise _err(table, n, col, "not a yes/no value", cell, "true or false")
                rec[col] = low in _TRUE
            elif col == "attributes":
                rec[col] = _json_object(table, n, col, cell)
            else:
                rec[col] = cell
        out.append(rec)
    return out


def _json_object(table: _Table, n: int, col: str, cell: str) -> dict[str, Any]:
    allowed = 'a JSON object such as {"procedure": "COD", "outcome": 50}'
    try:
        v = json.loads(cell, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise _err(table, n, col, f"not a JSON object ({e})", cell, allowed) from None
    if not isinstance(v, dict):
        raise _err(table, n, col, "not a JSON object", cell, allowed)
    return v


def _json_value(table: _Table, n: int, col: str, cell: str, kind: type) -> Any:
    """A JSON object (``kind`` dict) or a JSON list of objects (``kind`` list)."""
    if kind is dict:
        return _json_object(table, n, col, cell)
    allowed = 'a JSON list of objects such as [{"id": "aid_doubles", "name": "..."}]'
    try:
        v = json.loads(cell, parse_constant=_no_constant)
    except (ValueError, RecursionError) as e:
        raise _err(table, n, col, f"not a JSON list ({e})", cell, allowed) from None
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise _err(table, n, col, "not a JSON list of objects", cell, allowed)
    return v


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def read_tidy(folder: str | Path) -> Scenario:
    """Read a tidy-CSV scenario folder.

    Steps
    -----
    1. Read each table (size limit, UTF-8, empty file refused), check its header against the
       known columns, and turn cells into numbers, lists, booleans and JSON where the column
       says so — a bad cell is reported at its file, line and column.
    2. Attach anchors to their issues, ranges (``low``/``high``) to their positions, and the
       optional scenario fields (each at most once).
    3. Validate through the scenario schema; a problem it finds (an unknown actor, a position
       off its issue's scale, a duplicate id …) is reported at the file, line and column of
       the row at fault.

    Parameters
    ----------
    folder : str or Path
        The folder holding ``actors.csv``, ``issues.csv``, ``positions.csv`` and the optional
        tables.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Located by file, line and column.
    """
    root = Path(folder)
    if not root.is_dir():
        raise ScenarioError(
            "not a folder", path=root, allowed="a folder of actors.csv, issues.csv, positions.csv"
        )
    tables = {name: _read_table(root, name) for name in COLUMNS}
    actors_t, issues_t, positions_t = tables["actors"], tables["issues"], tables["positions"]
    if actors_t is None or issues_t is None or positions_t is None:  # pragma: no cover
        raise ScenarioError("a required table is missing", path=root)
    actors = _convert(actors_t)
    issues, issue_index = _issues(_convert(issues_t))
    positions_raw = _convert(positions_t)
    anchor_lines = _attach_anchors(tables["anchors"], issues, issue_index)
    positions = _positions(positions_t, positions_raw)
    data: dict[str, Any] = {
        "name": root.resolve().name or "scenario",
        "actors": actors,
        "issues": issues,
        "positions": positions,
    }
    for optional in ("sources", "accommodation"):
        table = tables[optional]
        if table is not None:
            data[optional] = _convert(table)
    data.update(_scenario_fields(tables["scenario"]))

    located: dict[str, Any] = {}

    def describe(loc: tuple[Any, ...]) -> str:
        located["loc"] = loc
        return ".".join(str(x) for x in loc)

    try:
        return build_scenario(data, root, None, describe=describe)
    except ScenarioError as exc:
        raise _relocate(exc, located.get("loc", ()), tables, anchor_lines) from None


def _issues(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Issue records with ``lo``, ``hi``, ``unit``, ``lo_means``, ``hi_means`` gathered into a
    scale; and the row of each issue id."""
    index: dict[str, int] = {}
    for n, rec in enumerate(records):
        rec["scale"] = {
            k: rec.pop(k) for k in ("lo", "hi", "unit", "lo_means", "hi_means") if k in rec
        }
        index.setdefault(str(rec.get("id", "")), n)
    return records, index


def _attach_anchors(
    anchors_t: _Table | None, issues: list[dict[str, Any]], issue_index: dict[str, int]
) -> dict[tuple[int, int], tuple[_Table, int]]:
    """Each anchors.csv row onto its issue's scale; the row of each (issue, anchor) pair."""
    anchor_lines: dict[tuple[int, int], tuple[_Table, int]] = {}
    if anchors_t is None:
        return anchor_lines
    for m, rec in enumerate(_convert(anchors_t)):
        iid = rec.pop("issue")
        if iid not in issue_index:
            raise _err(
                anchors_t,
                m,
                "issue",
                "an anchor for an issue not in issues.csv",
                iid,
                "one of the issue ids: " + _shown(issue_index),
            )
        k = issue_index[iid]
        lst = issues[k]["scale"].setdefault("anchors", [])
        anchor_lines[(k, len(lst))] = (anchors_t, m)
        lst.append(rec)
    return anchor_lines


def _positions(positions_t: _Table, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Position records, ``low``/``high`` (both or neither) made into a range."""
    positions = []
    for n, rec in enumerate(records):
        low, high = rec.pop("low", None), rec.pop("high", None)
        if (low is None) != (high is None):
            raise _err(
                positions_t,
                n,
                "low" if low is None else "high",
                "a range needs both low and high",
                "(empty)",
                "both low and high, or neither",
            )
        if low is not None:
            rec["range"] = [low, high]
        positions.append(rec)
    return positions


def _scenario_fields(scen_t: _Table | None) -> dict[str, Any]:
    """scenario.csv: known fields only, each once; ``model_params`` a JSON object."""
    out: dict[str, Any] = {}
    first: dict[str, int] = {}
    if scen_t is None:
        return out
    for n, row in enumerate(scen_t.rows):
        key = row.get("field", "")
        if key not in _SCENARIO_FIELDS:
            raise _err(
                scen_t, n, "field", "unknown scenario field", key, ", ".join(_SCENARIO_FIELDS)
            )
        if key in first:
            raise _err(
                scen_t,
                n,
                "field",
                f"a scenario field given twice (first on line {scen_t.lines[first[key]]})",
                key,
                "each of " + ", ".join(_SCENARIO_FIELDS) + " at most once",
            )
        first[key] = n
        value: Any = row.get("value", "")
        if key in _JSON_FIELDS:
            value = _json_value(scen_t, n, "value", value, _JSON_FIELDS[key])
        out[key] = value
    return out


_FIELD_COLUMN = {
    "range": "low",
    "scale": "lo",
}


def _relocate(
    exc: ScenarioError,
    loc: tuple[Any, ...],
    tables: dict[str, _Table | None],
    anchor_lines: dict[tuple[int, int], tuple[_Table, int]],
) -> ScenarioError:
    """Point a schema error at the file, line and column of the row at fault."""
    if not loc:
        return exc
    head = loc[0]
    table: _Table | None = None
    row: int | None = None
    col: str | None = None
    if head in ("actors", "issues", "positions", "sources", "accommodation") and len(loc) > 1:
        table = tables.get(head)
        row = loc[1] if isinstance(loc[1], int) else None
        rest = [x for x in loc[2:] if not isinstance(x, int)]
        if head == "issues" and len(loc) > 4 and loc[2:4] == ("scale", "anchors"):
            hit = anchor_lines.get((loc[1], loc[4])) if isinstance(loc[4], int) else None
            if hit:
                table, row = hit
                rest = [x for x in loc[5:] if not isinstance(x, int)]
            else:
                rest = ["id"]
        elif head == "issues" and rest[:1] == ["scale"]:
            rest = rest[1:] or ["lo"]
            hit = _anchor_row(exc.message, loc[1], anchor_lines)
            if hit is not None:
                (table, row), rest = hit, ["value"]
        elif head == "issues" and not rest and exc.message.startswith("status_quo"):
            rest = ["status_quo"]
        col = rest[0] if rest else None
        col = _FIELD_COLUMN.get(col, col) if col else None
    elif head in _SCENARIO_FIELDS:
        table = tables.get("scenario")
        if table is not None:
            for n, r in enumerate(table.rows):
                if r.get("field") == head:
                    row, col = n, "value"
    if table is None:
        file = {"actors": "actors.csv", "issues": "issues.csv", "positions": "positions.csv"}
        return ScenarioError(
            exc.message,
            path=exc.path,
            field=(file.get(str(head), "") + " " + ".".join(str(x) for x in loc)).strip(),
            value=exc.value,
            allowed=exc.allowed,
        )
    line = table.lines[row] if row is not None and row < len(table.lines) else None
    field = table.column(col) if col else None
    return ScenarioError(
        exc.message, path=table.path, line=line, field=field, value=exc.value, allowed=exc.allowed
    )


def _anchor_row(
    message: str, issue: Any, anchor_lines: dict[tuple[int, int], tuple[_Table, int]]
) -> tuple[_Table, int] | None:
    """The anchors.csv row of an anchor the scale validator refused (found by its label)."""
    m = re.match(r"anchor (.*) at ", message)
    if m is None or not isinstance(issue, int):
        return None
    for (k, _), (table, row) in anchor_lines.items():
        if k == issue and repr(table.rows[row].get("label", "")) == m.group(1):
            return table, row
    return None


def _shown(ids: Iterable[str]) -> str:
    names = list(ids)
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "") if names else "(none)"


# --------------------------------------------------------------------------- writing
def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, list | tuple):
        return ";".join(str(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False) if v else ""
    return str(v)


def _table_text(name: str, rows: list[dict[str, Any]]) -> str:
    used = [
        c for c in COLUMNS[name] if c in _REQUIRED[name] or any(_cell(r.get(c)) != "" for r in rows)
    ]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(used)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in used])
    return buf.getvalue()


def dump_tidy(scenario: Scenario) -> dict[str, str]:
    """The tables of a scenario as ``{file name: CSV text}`` (what :func:`write_tidy` writes)."""
    actors = [a.model_dump(mode="json") for a in scenario.actors]
    for a in actors:
        if a.get("capability_basis") == "judgement":
            a.pop("capability_basis")
        if a.get("role") == "party":
            a.pop("role")
    issues, anchors = [], []
    for i in scenario.issues:
        rec = i.model_dump(mode="json", exclude={"scale"})
        sc = i.scale
        rec.update(lo=sc.lo, hi=sc.hi, unit=sc.unit, lo_means=sc.lo_means, hi_means=sc.hi_means)
        issues.append(rec)
        for anc in sc.anchors:
            anchors.append(
                {"issue": i.id, "value": anc.value, "label": anc.label, "sources": anc.sources}
            )
    positions = []
    for p in scenario.positions:
        rec = p.model_dump(mode="json", exclude={"range"})
        if p.range is not None:
            rec["low"], rec["high"] = p.range
        for k in ("basis", "salience_basis"):
            if rec.get(k) == "judgement":
                rec.pop(k)
        positions.append(rec)
    out = {
        "actors.csv": _table_text("actors", actors),
        "issues.csv": _table_text("issues", issues),
        "positions.csv": _table_text("positions", positions),
    }
    if scenario.sources:
        out["sources.csv"] = _table_text(
            "sources", [s.model_dump(mode="json") for s in scenario.sources]
        )
    if anchors:
        out["anchors.csv"] = _table_text("anchors", anchors)
    if scenario.accommodation:
        out["accommodation.csv"] = _table_text(
            "accommodation", [e.model_dump(mode="json") for e in scenario.accommodation]
        )
    meta = [{"field": "name", "value": scenario.name}]
    if scenario.description:
        meta.append({"field": "description", "value": scenario.description})
    if scenario.as_of is not None:
        meta.append({"field": "as_of", "value": scenario.as_of.isoformat()})
    if scenario.model_params:
        meta.append(
            {
                "field": "model_params",
                "value": json.dumps(scenario.model_params, ensure_ascii=False),
            }
        )
    for key in ("uncertainty", "what_ifs", "process", "conflict", "revision"):
        block = getattr(scenario, key)
        if block:
            dumped = scenario.model_dump(mode="json", include={key}, exclude_defaults=True)
            meta.append(
                {"field": key, "value": json.dumps(dumped.get(key, []), ensure_ascii=False)}
            )
    out["scenario.csv"] = _table_text("scenario", meta)
    return out


_ALL_FILES = {f"{name}.csv" for name in COLUMNS}


def write_tidy(scenario: Scenario, folder: str | Path) -> None:
    """Write a scenario as a tidy-CSV folder, atomically.

    Steps
    -----
    1. Build every table's text (:func:`dump_tidy`).
    2. Follow a symbolic link to the folder it names (the link stays a link).
    3. Write the files into a new temporary folder beside the target.
    4. If the target exists, it must hold only tidy-CSV tables (so that nothing else is
       replaced); move it aside, move the new folder into place, then delete the old one. On
       any failure the old folder is put back and the temporary folders are removed.

    Raises
    ------
    ScenarioError
        When ``folder`` is a file, or a folder holding other files, or the system refuses the
        write (naming ``folder``, never a temporary name).
    """
    shown = Path(folder)
    target = write_target(shown)
    if target.exists() and not target.is_dir():
        raise ScenarioError(
            "a tidy-CSV scenario is a folder, and this is a file",
            path=shown,
            allowed="a new or empty folder, or an existing tidy-CSV folder",
        )
    if target.is_dir():
        others = sorted(p.name for p in target.iterdir() if p.name not in _ALL_FILES)
        if others:
            raise ScenarioError(
                "the folder holds other files; not replacing it",
                path=shown,
                value=others[:5],
                allowed="a new or empty folder, or an existing tidy-CSV folder",
            )
    files = dump_tidy(scenario)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _swap_in(target, files)
    except OSError as e:
        raise ScenarioError(f"cannot write: {e.strerror or e}", path=shown) from None


def _swap_in(target: Path, files: dict[str, str]) -> None:
    """Write ``files`` into a new folder beside ``target`` and swap it into place."""
    parent = target.parent
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    old: Path | None = None
    try:
        # a new folder's usual permissions, not mkdtemp's 0700
        os.chmod(tmp, 0o777 & ~current_umask())
        for name, text in files.items():
            with open(tmp / name, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            os.rmdir(old)
            os.replace(target, old)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)
        raise
    finally:
        if old is not None and old.exists() and target.exists():
            shutil.rmtree(old, ignore_errors=True)
