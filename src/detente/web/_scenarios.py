"""Scenarios in the dashboard: reading an upload (every format detente reads), edits of the
positions table as a new validated version, and the rows the pages show.

No path a client sends is ever opened: an upload's bytes go to a fresh temporary folder under
a name made here (the client's file name only lends its suffix, which picks the reader, and a
cleaned label for messages).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.scenario.errors import ScenarioError

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__: list[str] = []


#: The files of a tidy-CSV folder taken from a .zip upload (by base name; nothing else).
_TIDY_FILES = ("actors.csv", "issues.csv", "positions.csv", "sources.csv", "anchors.csv")


@dataclass(frozen=True)
class Parsed:
    """An upload read and validated: the scenario, the text to store and its format."""

    scenario: Scenario
    text: str
    fmt: str


def display_name(filename: str | None) -> str:
    """A label for messages from a client's file name: its last component, letters, digits,
    ``._-`` only, at most 80 characters (``upload`` when nothing is left)."""
    base = re.split(r"[\\/]", filename or "")[-1]
    clean = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".")[:80]
    return clean or "upload"


def _suffix(name: str) -> str:
    """The name's suffix where a reader claims it (or ``.txt``), else none: it chooses the
    reader where the content is ambiguous."""
    from detente.scenario.io import FORMATS

    suffix = Path(name).suffix.lower()
    known = {s for f in FORMATS.values() for s in f.suffixes} | {".txt"}
    return suffix if suffix in known else ""


def _relocated(e: ScenarioError, folder: str, label: str) -> ScenarioError:
    """``e`` with the temporary folder's path replaced by the upload's label."""
    path = e.path
    if path is not None and path.startswith(folder):
        path = label
    return type(e)(
        e.message.replace(folder + "/", ""),
        path=path,
        line=e.line,
        field=e.field,
        value=e.value,
        allowed=e.allowed,
    )


def parse_upload(data: bytes, filename: str | None) -> Parsed:
    """Read an uploaded scenario (a file in any format detente reads, or a .zip of a tidy-CSV
    folder); raise :class:`ScenarioError` located at the upload's name, line and field."""
    from detente.scenario.io import detect_format, load
    from detente.scenario.io.native import dump_yaml

    label = display_name(filename)
    if not data.strip():
        raise ScenarioError("the file is empty", path=label, allowed="a scenario file")
    with tempfile.TemporaryDirectory(prefix="detente-upload-") as tmp:
        try:
            if data[:4] == b"PK\x03\x04":
                folder = _unzip_tidy(data, Path(tmp), label)
                scenario = load(folder, format="tidy-csv")
                return Parsed(scenario, dump_yaml(scenario), "yaml")
            path = Path(tmp) / ("scenario" + _suffix(label))
            path.write_bytes(data)
            fmt = detect_format(path)
            scenario = load(path, format=fmt)
        except ScenarioError as e:
            raise _relocated(e, tmp, label) from None
    text = data.decode("utf-8-sig", errors="replace")
    return Parsed(scenario, text, fmt)


def _unzip_tidy(data: bytes, root: Path, label: str) -> Path:
    """The tidy-CSV files of a zip archive, written by base name into ``root/tidy``."""
    from detente.resources import format_bytes
    from detente.scenario.io._common import _max_bytes

    limit = _max_bytes()  # the readers' own cap (DETENTE_MAX_FILE_MB), for the files together
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ScenarioError("not a readable zip archive", path=label) from None
    folder = root / "tidy"
    folder.mkdir()
    total = 0
    with archive:
        for info in archive.infolist():
            base = info.filename.rsplit("/", 1)[-1]
            if base not in _TIDY_FILES or info.is_dir():
                continue
            total += info.file_size
            if total > limit:
                raise ScenarioError(
                    "the archive's files are too large",
                    path=label,
                    allowed=f"up to {format_bytes(limit)} in all (DETENTE_MAX_FILE_MB raises it)",
                )
            (folder / base).write_bytes(archive.read(info)[: limit + 1])
    if not (folder / "positions.csv").exists() and not (folder / "actors.csv").exists():
        raise ScenarioError(
            "a zip archive without a tidy-CSV scenario",
            path=label,
            allowed="a zip of actors.csv, issues.csv, positions.csv (sources.csv, anchors.csv)",
        )
    return folder


def load_text(text: str, fmt: str, label: str) -> Scenario:
    """A stored scenario's text read back in its format (a one-file format of
    :data:`~detente.scenario.io.FORMATS`; any other name: recognised as for a ``.yaml`` file)."""
    from detente.scenario.io import FORMATS, load

    f = FORMATS.get(fmt)
    known = f is not None and not f.folder
    with tempfile.TemporaryDirectory(prefix="detente-stored-") as tmp:
        path = Path(tmp) / ("scenario" + (f.suffixes[0] if f is not None and known else ".yaml"))
        path.write_text(text, encoding="utf-8")
        try:
            return load(path, format=fmt if known else None)
        except ScenarioError as e:
            raise _relocated(e, tmp, label) from None


def _number(raw: str, field: str, label: str) -> float:
    """A number typed in the table; a located error for anything else."""
    import math

    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ScenarioError(
            "not a number", path=label, field=field, value=raw, allowed="a finite number"
        )
    return value


def apply_edits(scenario: Scenario, form: Mapping[str, Any], label: str) -> Scenario:
    """The scenario with the positions and saliences typed in the table (form fields
    ``position-N`` and ``salience-N`` for position N), validated as a whole; a
    :class:`ScenarioError` names the field (``positions[N].salience``) and the value."""
    from detente.scenario.io._common import build_scenario
    from detente.scenario.io.native import scenario_to_dict

    data = scenario_to_dict(scenario)
    positions = data.get("positions", [])
    for n, row in enumerate(positions):
        for key in ("position", "salience"):
            raw = form.get(f"{key}-{n}")
            if raw is None or str(raw).strip() == "":
                continue
            row[key] = _number(str(raw), f"positions[{n}].{key}", label)
    return build_scenario(data, label)


def position_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per position: actor, issue, position, salience, bases, note and its sources
    (id, title, url, date)."""
    sources = {s.id: s for s in scenario.sources}
    actors = {a.id: a.name for a in scenario.actors}
    issues = {i.id: i for i in scenario.issues}
    rows = []
    for n, p in enumerate(scenario.positions):
        issue = issues.get(p.issue)
        rows.append(
            {
                "n": n,
                "actor": actors.get(p.actor, p.actor),
                "issue": issue.name if issue else p.issue,
                "lo": issue.scale.lo if issue else None,
                "hi": issue.scale.hi if issue else None,
                "position": p.position,
                "salience": p.salience,
                "basis": p.basis,
                "salience_basis": p.salience_basis,
                "note": p.note,
                "sources": [
                    {
                        "id": s,
                        "title": sources[s].title if s in sources else s,
                        "url": sources[s].url if s in sources else "",
                        "date": sources[s].date if s in sources else None,
                    }
                    for s in p.sources
                ],
            }
        )
    return rows
