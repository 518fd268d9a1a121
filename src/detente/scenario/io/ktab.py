"""Readers for KTAB's Spatial Model of Politics (SMP) scenario files: CSV and XML.

KTAB (the KAPSARC Toolkit for Behavioral Analysis) reads SMP scenarios from a comma-separated
file or from an XML file that follows ``smpSchema.xsd``. This module reads both into a plain
frozen :class:`KtabData` (numbers exactly as in the file) and converts that into
:class:`~detente.scenario.arrays.ScenarioArrays` with :func:`ktab_to_arrays`.

The formats (``shared/reference/bargaining-models.md`` §1.3):

CSV::

    <scenario name>,<description>,<numActors>,<numDims>,
    Actor,Description,<capability header>,<dim1 name>,<dim1 salience header>,...
    <name>,<desc>,<capability>,<pos_1>,<sal_1>,<pos_2>,<sal_2>,...

Quotes and surrounding blanks are trimmed; trailing empty cells are ignored. Capability is
>= 0; positions and saliences lie in [0, 100]; each actor's saliences sum to at most 100.

XML: ``<Scenario>`` with ``<name>``, ``<desc>``, optional ``<prngSeed>``, optional
``<ModelParameters>`` (the nine SMP enums by name), ``<Dimensions><dName>``,
``<Actors><Actor>`` (``name``, ``description``, ``capability``, ``<Position><dCoord>``,
``<Salience><dSal>``) and optional ``<IdealAdjustment><iaPair>`` entries that set entries of the
accommodation matrix (which starts as the identity).

Every malformed file raises :class:`KtabFormatError` naming the file, the line, the field, the
value found and what is allowed.
"""

from __future__ import annotations

import csv
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

import numpy as np

from detente.scenario.arrays import ScenarioArrays
from detente.scenario.ktab_params import KTAB_PARAMETERS  # the one table (re-exported)

__all__ = [
    "KTAB_PARAMETERS",
    "KtabData",
    "KtabFormatError",
    "ktab_to_arrays",
    "read_ktab",
    "read_ktab_csv",
    "read_ktab_xml",
]

_SAL_TOL = 1e-6  # rounding slack on "saliences sum to at most 100"


class KtabFormatError(ValueError):
    """A KTAB scenario file that cannot be read.

    Attributes
    ----------
    path : str
        The file.
    line : int or None
        1-based line number (``None`` when the problem is not tied to a line).
    field : str
        The field (column header or XML element) at fault.
    value : str
        The value found.
    allowed : str
        What is allowed there.
    """

    def __init__(self, path: Any, line: int | None, field: str, value: Any, allowed: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.value = str(value)
        self.allowed = allowed
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {field} = {self.value!r}; allowed: {allowed}")


@dataclass(frozen=True, eq=False)
class KtabData:
    """The contents of one KTAB SMP scenario file, numbers as in the file.

    Attributes
    ----------
    path : str
        Where it was read from.
    name, description : str
        Scenario name and description.
    actor_names, actor_descriptions : tuple of str
    dimension_names : tuple of str
    capability : (n,) float
        As in the file (any scale, >= 0).
    position : (n, k) float
        0–100.
    salience : (n, k) float
        0–100, each row summing to at most 100.
    parameters : dict
        The ``<ModelParameters>`` given in the XML (name → value); empty for CSV.
    seed : int or None
        ``<prngSeed>`` if given.
    accommodation : (n, n) float or None
        The ideal-adjustment matrix (identity with the XML's ``iaPair`` entries set); ``None``
        when the file gives none (KTAB then uses the identity).
    notes : tuple of str
        What the reader had to decide, with file and line (e.g. an empty ``<dCoord>``).
    """

    path: str
    name: str
    description: str
    actor_names: tuple[str, ...]
    actor_descriptions: tuple[str, ...]
    dimension_names: tuple[str, ...]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    parameters: dict[str, str] = field(default_factory=dict)
    seed: int | None = None
    accommodation: np.ndarray | None = None
    notes: tuple[str, ...] = ()

    @property
    def n_actors(self) -> int:
        return len(self.actor_names)

    @property
    def n_dims(self) -> int:
        return len(self.dimension_names)


# --------------------------------------------------------------------------- helpers
def _num(
    path: Any, line: int | None, fld: str, text: str, lo: float, hi: float, what: str
) -> float:
    t = text.strip().strip('"').strip()
    try:
        v = float(t)
    except ValueError:
        raise KtabFormatError(path, line, fld, t, what) from None
    if not math.isfinite(v) or v < lo or v > hi:
        raise KtabFormatError(path, line, fld, t, what)
    return v


def _check_names(path: Any, names: Sequence[str], lines: Sequence[int | None]) -> None:
    seen: dict[str, int | None] = {}
    for nm, ln in zip(names, lines, strict=True):
        if not nm:
            raise KtabFormatError(path, ln, "actor name", nm, "a non-empty name")
        if len(nm) > 25:
            raise KtabFormatError(
                path, ln, "actor name", nm, "at most 25 characters (KTAB's limit)"
            )
        if nm in seen:
            raise KtabFormatError(
                path, ln, "actor name", nm, f"a name not already used (line {seen[nm]})"
            )
        seen[nm] = ln


def _check_sal_rows(
    path: Any, sal: np.ndarray, names: Sequence[str], lines: Sequence[int | None]
) -> None:
    tot = sal.sum(axis=1)
    over = np.flatnonzero(tot > 100.0 + _SAL_TOL)
    if over.size:
        i = int(over[0])
        raise KtabFormatError(
            path,
            lines[i],
            f"saliences of {names[i]}",
            f"{tot[i]:g}",
            "a sum over dimensions of at most 100",
        )


# --------------------------------------------------------------------------- CSV
def read_ktab_csv(path: str | Path) -> KtabData:
    """Read a KTAB SMP scenario CSV.

    Steps
    -----
    1. Line 1: scenario name, description, number of actors, number of dimensions (extra
       trailing cells are ignored, as KTAB does).
    2. Line 2: header; the dimension names are the position headers (columns 4, 6, ...).
    3. One line per actor: name, description, capability, then position and salience per
       dimension. Blank lines are skipped.
    4. Check ranges (capability >= 0, positions and saliences in [0, 100], saliences of an actor
       summing to at most 100), the actor count and the name rules.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    KtabData

    Raises
    ------
    KtabFormatError
        With the file, line, field, value and what is allowed.

    References
    ----------
    KTAB, ``SMPModel::csvRead`` as described in ``shared/reference/bargaining-models.md`` §1.3.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = p.read_text(encoding="latin-1")
    rows = [
        (ln, [c.strip().strip('"').strip() for c in row])
        for ln, row in enumerate(csv.reader(io.StringIO(text), skipinitialspace=True), start=1)
    ]
    rows = [(ln, r) for ln, r in rows if any(c for c in r)]
    for _ln, r in rows:
        while r and r[-1] == "":
            r.pop()
    if len(rows) < 2:
        raise KtabFormatError(
            p,
            None,
            "file",
            f"{len(rows)} non-empty lines",
            "a title line, a header line and one line per actor",
        )
    ln0, first = rows[0]
    if len(first) < 4:
        raise KtabFormatError(
            p,
            ln0,
            "first line",
            ",".join(first),
            "scenario name, description, number of actors, number of dimensions",
        )
    name, desc = first[0], first[1]
    try:
        n = int(first[2])
    except ValueError:
        raise KtabFormatError(p, ln0, "number of actors", first[2], "a whole number >= 1") from None
    try:
        k = int(first[3])
    except ValueError:
        raise KtabFormatError(
            p, ln0, "number of dimensions", first[3], "a whole number >= 1"
        ) from None
    if n < 1:
        raise KtabFormatError(p, ln0, "number of actors", first[2], "a whole number >= 1")
    if k < 1:
        raise KtabFormatError(p, ln0, "number of dimensions", first[3], "a whole number >= 1")
    ln1, header = rows[1]
    ncol = 3 + 2 * k
    if len(header) < ncol:
        raise KtabFormatError(
            p,
            ln1,
            "header",
            ",".join(header),
            f"{ncol} columns (Actor, Description, capability, then position and salience for each of {k} dimensions)",
        )
    dims = tuple(header[3 + 2 * d] for d in range(k))
    body = rows[2:]
    if len(body) != n:
        raise KtabFormatError(
            p,
            body[-1][0] if body else ln1,
            "number of actor lines",
            len(body),
            f"{n}, as the first line says",
        )
    names, descs, lines = [], [], []
    cap = np.empty(n)
    pos = np.empty((n, k))
    sal = np.empty((n, k))
    for i, (ln, r) in enumerate(body):
        if len(r) < ncol:
            raise KtabFormatError(
                p,
                ln,
                "actor line",
                ",".join(r),
                f"{ncol} cells: name, description, capability, then position and salience per dimension",
            )
        names.append(r[0])
        descs.append(r[1])
        lines.append(ln)
        cap[i] = _num(p, ln, f"capability of {r[0]}", r[2], 0.0, 1e8, "a number from 0 to 1e8")
        for d in range(k):
            pos[i, d] = _num(
                p, ln, f"{dims[d]} of {r[0]}", r[3 + 2 * d], 0.0, 100.0, "a number from 0 to 100"
            )
            sal[i, d] = _num(
                p,
                ln,
                f"{header[4 + 2 * d]} of {r[0]}",
                r[4 + 2 * d],
                0.0,
                100.0,
                "a number from 0 to 100",
            )
    _check_names(p, names, lines)
    _check_sal_rows(p, sal, names, lines)
    return KtabData(
        path=str(p),
        name=name,
        description=desc,
        actor_names=tuple(names),
        actor_descriptions=tuple(descs),
        dimension_names=dims,
        capability=cap,
        position=pos,
        salience=sal,
    )


# --------------------------------------------------------------------------- XML
def _parse_xml_with_lines(data: bytes) -> Any:
    """Parse XML with expat, recording each element's source line as attribute ``_line``."""
    builder = ET.TreeBuilder()
    px = expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        el = builder.start(tag, attrs)
        el.set("_line", str(px.CurrentLineNumber))

    px.StartElementHandler = start
    px.EndElementHandler = builder.end
    px.CharacterDataHandler = builder.data
    px.Parse(data, True)
    return builder.close()


def _line(el: Any) -> int | None:
    v = el.get("_line") if el is not None else None
    return int(v) if v else None


def _child(path: Any, el: Any, tag: str, what: str) -> Any:
    c = el.find(tag)
    if c is None:
        raise KtabFormatError(path, _line(el), f"<{tag}>", "missing", what)
    return c


def _text(el: Any) -> str:
    return (el.text or "").strip()


def read_ktab_xml(path: str | Path) -> KtabData:
    """Read a KTAB SMP scenario XML file (``smpSchema.xsd``).

    Steps
    -----
    1. Parse, recording the line of every element. A root other than ``<Scenario>``, or a
       Reform Priorities file (``reformpri.xsd``: ``<ItemValues>`` instead of positions), is
       rejected with a message saying so.
    2. Read name, description, optional seed and optional ``<ModelParameters>`` (each value is
       checked against KTAB's enum names).
    3. Read dimensions and actors; every ``dCoord``/``dSal`` must be a number in [0, 100], one
       per dimension; saliences of an actor sum to at most 100.
    4. Start the accommodation matrix as the identity and set entry (A, B) for every
       ``iaPair`` (``adjustingIdeal`` A, ``referencePos`` B, ``adjust`` in [0, 1]).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    KtabData

    Raises
    ------
    KtabFormatError

    References
    ----------
    KTAB, ``SMPModel::xmlRead`` and ``smpSchema.xsd``, as described in
    ``shared/reference/bargaining-models.md`` §1.3.
    """
    p = Path(path)
    try:
        root = _parse_xml_with_lines(p.read_bytes())
    except expat.ExpatError as e:
        raise KtabFormatError(
            p, e.lineno, "XML", str(e), "well-formed XML following smpSchema.xsd"
        ) from None
    if root.tag != "Scenario":
        raise KtabFormatError(
            p, _line(root), "root element", f"<{root.tag}>", "<Scenario> (KTAB smpSchema.xsd)"
        )
    if root.find(".//ItemValues") is not None or root.find("govBudget") is not None:
        raise KtabFormatError(
            p,
            _line(root),
            "scenario type",
            "Reform Priorities (reformpri.xsd)",
            "an SMP scenario (smpSchema.xsd); Reform Priorities files are a different KTAB model and are not supported",
        )
    name = _text(_child(p, root, "name", "the scenario name"))
    desc_el = root.find("desc")
    desc = _text(desc_el) if desc_el is not None else ""
    seed = None
    seed_el = root.find("prngSeed")
    if seed_el is not None and _text(seed_el):
        t = _text(seed_el)
        if not t.isdigit() or int(t) >= 2**64:
            raise KtabFormatError(
                p, _line(seed_el), "prngSeed", t, "a whole number from 0 to 2**64 - 1"
            )
        seed = int(t)
    params: dict[str, str] = {}
    mp = root.find("ModelParameters")
    if mp is not None:
        for c in mp:
            if c.tag not in KTAB_PARAMETERS:
                raise KtabFormatError(
                    p, _line(c), "ModelParameters", f"<{c.tag}>", ", ".join(KTAB_PARAMETERS)
                )
            v = _text(c)
            if v not in KTAB_PARAMETERS[c.tag]:
                raise KtabFormatError(p, _line(c), c.tag, v, ", ".join(KTAB_PARAMETERS[c.tag]))
            params[c.tag] = v
    dims_el = _child(p, root, "Dimensions", "a list of <dName> elements")
    dims = tuple(_text(d) for d in dims_el.findall("dName"))
    if not dims:
        raise KtabFormatError(
            p, _line(dims_el), "Dimensions", "no <dName>", "at least one dimension"
        )
    k = len(dims)
    actors_el = _child(p, root, "Actors", "a list of <Actor> elements")
    actors = actors_el.findall("Actor")
    if not actors:
        raise KtabFormatError(p, _line(actors_el), "Actors", "no <Actor>", "at least one actor")
    n = len(actors)
    names, descs, lines = [], [], []
    notes: list[str] = []
    cap = np.empty(n)
    pos = np.empty((n, k))
    sal = np.empty((n, k))
    for i, a in enumerate(actors):
        nm = _text(_child(p, a, "name", "the actor's name"))
        names.append(nm)
        lines.append(_line(a))
        d_el = a.find("description")
        descs.append(_text(d_el) if d_el is not None else "")
        c_el = _child(p, a, "capability", "the actor's capability")
        cap[i] = _num(
            p, _line(c_el), f"capability of {nm}", _text(c_el), 0.0, 1e8, "a number from 0 to 1e8"
        )
        for tag, sub, arr in (("Position", "dCoord", pos), ("Salience", "dSal", sal)):
            blk = _child(p, a, tag, f"one <{sub}> per dimension")
            vals = blk.findall(sub)
            if len(vals) != k:
                raise KtabFormatError(
                    p,
                    _line(blk),
                    f"{tag} of {nm}",
                    f"{len(vals)} <{sub}>",
                    f"{k} (one per dimension)",
                )
            for d, v in enumerate(vals):
                if sub == "dCoord" and _text(v) == "":
                    # An empty coordinate (smpExample.xml has one): the actor takes no part on
                    # that dimension. Said in ``notes``; detente does not invent a position.
                    arr[i, d] = np.nan
                    notes.append(
                        f"{p}:{_line(v)}: empty <dCoord> for {nm} on {dims[d]}: "
                        "read as taking no part on that dimension (salience set to 0)"
                    )
                    continue
                arr[i, d] = _num(
                    p,
                    _line(v),
                    f"{sub} {d + 1} ({dims[d]}) of {nm}",
                    _text(v),
                    0.0,
                    100.0,
                    "a number from 0 to 100",
                )
    _check_names(p, names, lines)
    _check_sal_rows(p, sal, names, lines)
    acc = None
    ia = root.find("IdealAdjustment")
    if ia is not None:
        acc = np.eye(n)
        index = {nm: i for i, nm in enumerate(names)}
        for pair in ia.findall("iaPair"):
            ends = []
            for tag in ("adjustingIdeal", "referencePos"):
                end_el = _child(p, pair, tag, "an actor name")
                if _text(end_el) not in index:
                    raise KtabFormatError(
                        p,
                        _line(end_el),
                        tag,
                        _text(end_el),
                        "one of the actor names: " + ", ".join(names),
                    )
                ends.append(index[_text(end_el)])
            a_el = _child(p, pair, "adjust", "a number from 0 to 1")
            acc[ends[0], ends[1]] = _num(
                p, _line(a_el), "adjust", _text(a_el), 0.0, 1.0, "a number from 0 to 1"
            )
        rows = acc.sum(axis=1)
        over = np.flatnonzero(rows > 1.0 + 1e-9)
        if over.size:
            i = int(over[0])
            raise KtabFormatError(
                p,
                _line(ia),
                f"adjust entries of {names[i]}",
                f"{rows[i]:g}",
                "a row sum of at most 1",
            )
    return KtabData(
        path=str(p),
        name=name,
        description=desc,
        actor_names=tuple(names),
        actor_descriptions=tuple(descs),
        dimension_names=dims,
        capability=cap,
        position=pos,
        salience=sal,
        parameters=params,
        seed=seed,
        accommodation=acc,
        notes=tuple(notes),
    )


def read_ktab(path: str | Path) -> KtabData:
    """Read a KTAB SMP scenario, CSV or XML by its suffix."""
    p = Path(path)
    suf = p.suffix.lower()
    if suf == ".csv":
        return read_ktab_csv(p)
    if suf == ".xml":
        return read_ktab_xml(p)
    raise KtabFormatError(p, None, "file suffix", suf, ".csv or .xml")


def ktab_to_arrays(data: KtabData) -> ScenarioArrays:
    """Convert :class:`KtabData` to :class:`ScenarioArrays`.

    Positions stay on KTAB's 0–100 scale (``lo = 0``, ``hi = 100``); saliences are divided by
    100 onto 0–1; the accommodation matrix is carried over (``None`` = identity). The scenario
    name, description, dimension names, model parameters and seed go into ``meta``.
    """
    arr = ScenarioArrays.from_numpy(
        data.capability,
        data.position,
        np.where(np.isnan(data.position), 0.0, data.salience / 100.0),
        lo=0.0,
        hi=100.0,
        accommodation=data.accommodation,
        actor_ids=data.actor_names,
        issue_ids=data.dimension_names,
    )
    arr.meta.update(
        source="ktab",
        path=data.path,
        name=data.name,
        description=data.description,
        actor_descriptions=data.actor_descriptions,
        ktab_parameters=dict(data.parameters),
        seed=data.seed,
    )
    return arr
