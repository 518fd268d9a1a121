"""Reading and writing scenarios in every supported format.

The format is recognised from the file itself (its content, then its name); ``format=`` forces
one. Every reader returns a validated :class:`~detente.scenario.schema.Scenario` or raises
:class:`~detente.scenario.errors.ScenarioError` located by file, line and field.

Formats
-------
========== ======================================================= ===== =====
name       what                                                    read  write
========== ======================================================= ===== =====
yaml       detente's own format (YAML 1.2)                         yes   yes
json       detente's own format (JSON)                             yes   yes
tidy-csv   a folder of actors.csv, issues.csv, positions.csv,      yes   yes
           sources.csv
ktab-csv   KTAB's SMP CSV (scenario line, header, one row/actor)   yes   yes
ktab-xml   KTAB's SMP XML (with model parameters, accommodation)   yes   no
bdm-csv    expected-utility actor tables (Actor, Capability,       yes   no
           Position, Salience)
decide-csv Decide's exchange-model CSV (#A, #P, #M, #D rows)       yes   yes
deu        the DEU III table (one issue per row, grouped by        yes   no
           proposal; tab-separated)
========== ======================================================= ===== =====

Standard input
--------------
``load("-")`` reads a scenario from standard input; its format is recognised from the content
(give ``format=`` where the content is ambiguous). Pipes, ``/dev/stdin`` and other devices are
read once, as streams, under the same size limit as files; a named pipe that no one writes to
is refused after :data:`~detente.scenario.io._common.FIFO_WAIT_SECONDS` seconds instead of
waiting for ever. (A file actually named ``-`` is read as ``./-``.)
"""

from __future__ import annotations

import csv
import importlib
import io
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import STDIN_NAME, is_stdin, read_text
from detente.scenario.schema import Scenario

__all__ = ["FORMATS", "detect_format", "load", "save"]


@dataclass(frozen=True)
class _Format:
    name: str
    module: str
    reader: str
    writer: str | None
    suffixes: tuple[str, ...]
    folder: bool = False

    def read(self) -> Callable[..., Scenario]:
        return cast(
            Callable[..., Scenario], getattr(importlib.import_module(self.module), self.reader)
        )

    def write(self) -> Callable[..., None] | None:
        if self.writer is None:
            return None
        return cast(Callable[..., None], getattr(importlib.import_module(self.module), self.writer))


_IO = "detente.scenario.io."
FORMATS: dict[str, _Format] = {
    f.name: f
    for f in (
        _Format("yaml", _IO + "native", "read_yaml", "write_yaml", (".yaml", ".yml")),
        _Format("json", _IO + "native", "read_json", "write_json", (".json",)),
        _Format("tidy-csv", _IO + "tidy", "read_tidy", "write_tidy", (), folder=True),
        _Format(
            "ktab-csv", _IO + "ktab_scenario", "read_ktab_csv_scenario", "write_ktab_csv", (".csv",)
        ),
        _Format("ktab-xml", _IO + "ktab_scenario", "read_ktab_xml_scenario", None, (".xml",)),
        _Format("bdm-csv", _IO + "bdm_scenario", "read_bdm_scenario", None, (".csv",)),
        _Format("decide-csv", _IO + "decide", "read_decide", "write_decide", (".csv",)),
        _Format("deu", _IO + "deu", "read_deu", None, (".tsv",)),
    )
}


def _first_record(text: str) -> list[str]:
    """The cells of the first CSV record (which may span lines: a quoted multi-line cell)."""
    try:
        return next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        first = text.splitlines()[0] if text.splitlines() else ""
        return first.split(",")


def _sniff_text(head: str) -> str | None:
    """Guess the format from the first characters of the content."""
    text = head.lstrip("\ufeff").lstrip()
    if not text:
        return None
    first = text.splitlines()[0] if text.splitlines() else ""
    if text.startswith("{") or text.startswith("["):
        return "json"
    if text.startswith("<"):
        if "<Scenario" in text or "<Actors" in text or "<ScenarioName" in text or "<Model" in text:
            return "ktab-xml"
        if "utility_space" in text or "<negotiation_template" in text or "<objective" in text:
            return "genius"
        return "xml"
    if "\t" in first and ("isnr" in first or "prnr" in first):
        return "deu"
    if any(
        line.lstrip("'\"").startswith(("#A", "#P", "#M", "#D")) for line in text.splitlines()[:50]
    ):
        return "decide-csv"
    cells = [c.strip().strip('"') for c in _first_record(text)]
    if len(cells) >= 4 and all(c.lstrip("-").isdigit() for c in cells[2:4]):
        return "ktab-csv"
    low = [c.lower() for c in cells]
    if (
        any("actor" in c or c == "stakeholder" for c in low)
        and any(c.startswith("capabilit") or c in ("power", "influence", "resources") for c in low)
        and any("position" in c for c in low)
    ):
        return "bdm-csv"
    return None


def _sniff(path: Path) -> str | None:
    """Guess the format of a regular file from its first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    return _sniff_text(head.decode("utf-8", errors="replace"))


def _decide(p: Path, sniffed: str | None) -> str:
    """The format from what the content looks like, then the file's suffix."""
    suffix = p.suffix.lower()
    # A native suffix is trusted over a look-alike first line (a YAML title with commas
    # and numbers reads like a KTAB header); JSON content is JSON whatever the name.
    if suffix in (".yaml", ".yml") and sniffed != "json":
        return "yaml"
    if sniffed in FORMATS:
        return cast(str, sniffed)
    if sniffed == "genius":
        raise ScenarioError(
            "a GENIUS negotiation domain or profile, not a scenario",
            path=p,
            allowed="use `detente analyze FOLDER` on the folder holding the domain and its profiles",
        )
    if suffix in (".yaml", ".yml", ""):
        return "yaml"
    if suffix == ".json":
        return "json"
    if suffix == ".txt":
        return "yaml"
    raise ScenarioError(
        "cannot tell the format of this file from its content",
        path=p,
        value=suffix or "(no suffix)",
        allowed="one of " + ", ".join(FORMATS) + " (force one with --input-format)",
    )


def _is_stream(p: Path) -> bool:
    """Whether ``p`` is read as a stream (a pipe or a device): read once, never sniffed apart."""
    try:
        mode = p.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def detect_format(path: str | Path) -> str:
    """Name of the format of ``path``, recognised from its content (then its name).

    Raises
    ------
    ScenarioError
        When the file is no scenario format detente reads, or is standard input or a pipe
        (whose content would be used up by looking at it: :func:`load` recognises those).
    """
    p = Path(path)
    if is_stdin(path) or _is_stream(p):
        raise ScenarioError(
            "a stream (standard input, a pipe, a device) cannot be looked at without using it up",
            path=STDIN_NAME if is_stdin(path) else p,
            allowed="load() it (which reads it once and recognises the format)",
        )
    if p.is_dir():
        if (p / "positions.csv").exists() or (p / "actors.csv").exists():
            return "tidy-csv"
        raise ScenarioError(
            "a folder that is no tidy-CSV scenario (no actors.csv / positions.csv)",
            path=p,
            allowed="a tidy-CSV folder, or a file in one of: " + ", ".join(FORMATS),
        )
    if not p.exists():
        raise ScenarioError("no such file", path=p)
    return _decide(p, _sniff(p))


def load(path: str | Path, format: str | None = None) -> Scenario:
    """Read a scenario from ``path`` in any supported format.

    Parameters
    ----------
    path : str or Path
        A file, a folder for the tidy-CSV format, or ``-`` for standard input (read once; the
        format recognised from the content unless given).
    format : str, optional
        Force a format (see :data:`FORMATS`); recognised from the file when omitted.

    Raises
    ------
    ScenarioError
        Anything wrong with the input, located by file, line and field.
    """
    stream = is_stdin(path) or _is_stream(Path(path))
    p = Path(STDIN_NAME) if is_stdin(path) else Path(path)
    text = read_text(path) if stream else None
    if format is not None:
        name = format
    elif text is not None:
        name = _decide(p, _sniff_text(text[:4096]))
    else:
        name = detect_format(p)
    if name not in FORMATS:
        raise ScenarioError(
            "unknown format", field="format", value=name, allowed=", ".join(FORMATS)
        )
    if text is not None and FORMATS[name].folder:
        raise ScenarioError(
            f"a {name} scenario is a folder; it cannot come from a stream",
            path=p,
            allowed="the folder's path, or a one-file format on standard input",
        )
    reader = FORMATS[name].read()
    try:
        return reader(p) if text is None else reader(p, text=text)
    except ScenarioError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
        # A reader bug must still not reach the user as a traceback.
        raise ScenarioError(
            f"not a valid {name} file ({type(exc).__name__}: {exc})"[:300],
            path=p,
            allowed=f"a valid {name} file",
        ) from None


def save(scenario: Scenario, path: str | Path, format: str | None = None) -> Path:
    """Write ``scenario`` to ``path``; the format comes from ``format`` or the suffix.

    The file is written to a temporary name and renamed into place, so a failed write never
    leaves half a file behind.
    """
    p = Path(path)
    name = format
    if name is None:
        suffix = p.suffix.lower()
        name = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".csv": "ktab-csv"}.get(suffix)
        if name is None and suffix == "":
            name = "tidy-csv"
    if name not in FORMATS:
        raise ScenarioError(
            "cannot tell which format to write",
            path=p,
            value=name or p.suffix,
            allowed="--output-format one of "
            + ", ".join(n for n, f in FORMATS.items() if f.writer),
        )
    writer = FORMATS[name].write()
    if writer is None:
        raise ScenarioError(
            f"detente reads {name} but does not write it",
            path=p,
            allowed=", ".join(n for n, f in FORMATS.items() if f.writer),
        )
    writer(scenario, p)
    return p
