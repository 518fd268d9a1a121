"""Reading the UCDP Conflict Termination file (dyad level) with located errors.

The file has one row per dyad-year (UCDP Conflict Termination Dataset v3-2021, Kreutz 2010).
Every field this package uses is checked; a bad one raises :class:`ScenarioError` naming the
file, the line, the column, the value and what is allowed. Columns not used are not checked
(``cfiredate`` holds free text in a few rows, for instance).

Dates are written ``m/d/yy``. The data run from 1946 to 2020, and a dyad's first
battle-related death can be earlier (1939 at the latest here), so two-digit years
``00``-``21`` are read as 2000-2021 and ``22``-``99`` as 1922-1999. ISO dates
(``yyyy-mm-dd``) are also accepted. ``.`` and an empty cell mean "missing".
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.scenario.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

__all__: list[str] = []

#: Environment variable naming the termination file.
ENV_VAR = "DETENTE_UCDP_DATA"
#: Where the file is looked for by default, relative to the working directory.
DEFAULT_PATH = Path("..") / "shared" / "data" / "ucdp" / "ucdp-term-dyad-3-2021.csv"

#: Two-digit years up to this one are 20yy; later ones 19yy.
PIVOT_YY = 21

_MISSING = ("", ".")

#: column -> (kind, allowed codes or None)
_COLUMNS: dict[str, tuple[str, tuple[int, ...] | None]] = {
    "dyad_id": ("int", None),
    "conflict_id": ("int", None),
    "year": ("year", None),
    "start_date2": ("date", None),
    "ependdate": ("date?", None),
    "outcome": ("code?", (1, 2, 3, 4, 5, 6)),
    "dyadterm": ("code?", (0, 1)),
    "recur": ("code", (0, 1)),
    "type_of_conflict": ("code", (1, 2, 3, 4)),
    "intensity_level": ("code", (1, 2)),
    "incompatibility": ("code", (1, 2, 3)),
    "region": ("regions", (1, 2, 3, 4, 5)),
}
_TEXT_COLUMNS = ("location", "side_a", "side_b")


def data_path(path: str | Path | None = None) -> Path:
    """The termination file: ``path`` if given, else ``$DETENTE_UCDP_DATA``, else
    :data:`DEFAULT_PATH` (relative to the working directory).

    Raises
    ------
    ScenarioError
        When the file does not exist (the message says how to point at it).
    """
    if path is not None:
        p, how = Path(path), "given"
    elif os.environ.get(ENV_VAR):
        p, how = Path(os.environ[ENV_VAR]), f"from ${ENV_VAR}"
    else:
        p, how = DEFAULT_PATH, "the default"
    if not p.is_file():
        raise ScenarioError(
            f"the UCDP Conflict Termination file ({how}) was not found",
            path=str(p),
            allowed=(
                f"--data PATH or {ENV_VAR}=PATH naming ucdp-term-dyad-3-2021.csv "
                "(UCDP Conflict Termination Dataset, dyad level, from ucdp.uu.se)"
            ),
        )
    return p


def parse_date(text: str) -> dt.date:
    """A UCDP date (``m/d/yy`` with the century pivot, or ISO) as a date; ``ValueError``
    when it is neither."""
    t = text.strip()
    if "-" in t:
        return dt.date.fromisoformat(t)
    parts = t.split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(t)
    m, d, y = (int(p) for p in parts)
    if len(parts[2]) == 2:
        y += 2000 if y <= PIVOT_YY else 1900
    elif len(parts[2]) != 4:
        raise ValueError(t)
    return dt.date(y, m, d)


def read_rows(path: Path) -> pd.DataFrame:
    """The file's dyad-year rows, checked and typed, with each row's ``line`` in the file.

    Steps: read the header and check the used columns are there; check and convert each row
    (:func:`_row`); build the table.
    """
    import pandas as pd

    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise ScenarioError(
                "the file is empty", path=str(path), line=1, allowed="a UCDP termination CSV"
            ) from None
        index = _header_index(header, path)
        rows = []
        for rec in reader:
            if not any(c.strip() for c in rec):
                continue
            rows.append(_row(rec, index, path, reader.line_num))
    if not rows:
        raise ScenarioError("no data rows", path=str(path), line=2, allowed="dyad-year rows")
    return pd.DataFrame(rows)


def _header_index(header: list[str], path: Path) -> dict[str, int]:
    names = [h.strip() for h in header]
    index = {}
    for col in (*_COLUMNS, *_TEXT_COLUMNS):
        if col not in names:
            if col in _TEXT_COLUMNS:
                continue
            raise ScenarioError(
                "a column the termination data needs is missing",
                path=str(path),
                line=1,
                field=col,
                allowed="the UCDP Conflict Termination (dyad) columns: " + ", ".join(_COLUMNS),
            )
        index[col] = names.index(col)
    return index


def _row(rec: list[str], index: dict[str, int], path: Path, line: int) -> dict[str, Any]:
    """One checked row: ints, dates (``None`` when missing), region codes as a tuple."""
    out: dict[str, Any] = {"line": line}
    for col, (kind, allowed) in _COLUMNS.items():
        i = index[col]
        raw = rec[i].strip() if i < len(rec) else ""
        out[col] = _value(raw, kind, allowed, path, line, col)
    for col in _TEXT_COLUMNS:
        j = index.get(col)
        out[col] = rec[j].strip() if j is not None and j < len(rec) else ""
    return out


def _value(
    raw: str, kind: str, allowed: tuple[int, ...] | None, path: Path, line: int, col: str
) -> Any:
    """``raw`` converted as ``kind``, or a located :class:`ScenarioError`."""
    if kind.endswith("?") and raw in _MISSING:
        return None
    try:
        if kind.startswith("date"):
            return parse_date(raw)
        if kind == "regions":
            codes = tuple(int(x) for x in raw.split(","))
            if not codes or any(c not in (allowed or ()) for c in codes):
                raise ValueError(raw)
            return codes
        v = int(raw)
        if kind == "year" and not 1900 <= v <= 2100:
            raise ValueError(raw)
        if kind == "int" and v < 0:
            raise ValueError(raw)
        if allowed is not None and v not in allowed:
            raise ValueError(raw)
        return v
    except ValueError:
        raise ScenarioError(
            "not a valid value",
            path=str(path),
            line=line,
            field=col,
            value=raw,
            allowed=_allowed_text(kind, allowed),
        ) from None


def _allowed_text(kind: str, allowed: tuple[int, ...] | None) -> str:
    blank = " (or empty / '.' for missing)" if kind.endswith("?") else ""
    if kind.startswith("date"):
        return "a date m/d/yy (00-21 = 2000s, 22-99 = 1900s) or yyyy-mm-dd" + blank
    if kind == "regions":
        return "region codes 1-5, comma-separated (1 Europe, 2 Middle East, 3 Asia, 4 Africa, 5 Americas)"
    if kind == "year":
        return "a year from 1900 to 2100"
    if allowed is not None:
        return "one of " + ", ".join(map(str, allowed)) + blank
    return "a whole number >= 0"
