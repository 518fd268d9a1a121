"""Readers for KTAB's Spatial Model of Politics (SMP) scenario files: CSV and XML.

KTAB (the KAPSARC Toolkit for Behavioral Analysis) reads SMP scenarios from a comma-separated
file or from an XML file that follows ``smpSchema.xsd``. This module parses both into a plain
frozen :class:`KtabData` (numbers exactly as in the file);
:mod:`detente.scenario.io.ktab_scenario` turns that into a
:class:`~detente.scenario.schema.Scenario`, whose ``to_arrays()`` is the one route to arrays.

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

Every malformed file raises :class:`~detente.scenario.errors.ScenarioError` naming the file,
the line, the field, the value found and what is allowed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

import numpy as np

from detente.scenario.errors import ScenarioError
from detente.scenario.io._common import csv_records, parse_number, read_bytes, read_text
from detente.scenario.ktab_params import KTAB_PARAMETERS  # the one table (re-exported)

__all__ = [
    "KTAB_PARAMETERS",
    "KtabData",
    "read_ktab",
    "read_ktab_csv",
    "read_ktab_xml",
]

_SAL_TOL = 1e-6  # rounding slack on "saliences sum to at most 100"
_XML_ALLOWED = "well-formed XML following smpSchema.xsd"


def _fail(
    path: Any, line: int | None, fld: str, value: Any, allowed: str, message: str
) -> ScenarioError:
    """A located error in a KTAB file (the value as text, as the file has it)."""
    return ScenarioError(
        message, path=path, line=line, field=fld, value=str(value), allowed=allowed
    )


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


@dataclass
class _Actors:
    """The actor part of a KTAB file, as it is being read."""

    names: list[str]
    descriptions: list[str]
    lines: list[int | None]
    capability: np.ndarray
    position: np.ndarray
    salience: np.ndarray
    notes: list[str] = field(default_factory=list)

    @classmethod
    def empty(cls, n: int, k: int) -> _Actors:
        return cls([], [], [], np.empty(n), np.empty((n, k)), np.empty((n, k)))


# --------------------------------------------------------------------------- helpers
def _num(
    path: Any, line: int | None, fld: str, text: str, lo: float, hi: float, what: str
) -> float:
    t = text.strip().strip('"').strip()
    return parse_number(t, path=path, line=line, field=fld, lo=lo, hi=hi, allowed=what)


def _check_names(path: Any, names: Sequence[str], lines: Sequence[int | None]) -> None:
    seen: dict[str, int | None] = {}
    for nm, ln in zip(names, lines, strict=True):
        if not nm:
            raise _fail(path, ln, "actor name", nm, "a non-empty name", "an empty actor name")
        if len(nm) > 25:
            raise _fail(
                path,
                ln,
                "actor name",
                nm,
                "at most 25 characters (KTAB's limit)",
                "actor name too long",
            )
        if nm in seen:
            raise _fail(
                path,
                ln,
                "actor name",
                nm,
                f"a name not already used (line {seen[nm]})",
                "a second actor of this name",
            )
        seen[nm] = ln


def _check_sal_rows(
    path: Any, sal: np.ndarray, names: Sequence[str], lines: Sequence[int | None]
) -> None:
    tot = sal.sum(axis=1)
    over = np.flatnonzero(tot > 100.0 + _SAL_TOL)
    if over.size:
        i = int(over[0])
        raise _fail(
            path,
            lines[i],
            f"saliences of {names[i]}",
            f"{tot[i]:g}",
            "a sum over dimensions of at most 100",
            "the saliences of this actor sum to more than 100",
        )


# --------------------------------------------------------------------------- CSV
def _csv_rows(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """The non-blank records, each with the line it starts on, cells trimmed of quotes and
    blanks, trailing empty cells dropped."""
    rows: list[tuple[int, list[str]]] = []
    for start, row in csv_records(
        text,
        path,
        allowed='comma-separated cells, quoted with " where they hold commas or newlines',
        skipinitialspace=True,
    ):
        cells = [c.strip().strip('"').strip() for c in row]
        while cells and cells[-1] == "":
            cells.pop()
        if cells:
            rows.append((start, cells))
    if len(rows) < 2:
        raise _fail(
            path,
            None,
            "file",
            f"{len(rows)} non-empty lines",
            "a title line, a header line and one line per actor",
            "too few lines for a KTAB scenario",
        )
    return rows


def _whole(path: Path, line: int, fld: str, cell: str) -> int:
    try:
        v = int(cell)
    except ValueError:
        v = 0
    if v < 1:
        raise _fail(path, line, fld, cell, "a whole number >= 1", "not a whole number >= 1")
    return v


def _csv_title(path: Path, line: int, first: list[str]) -> tuple[str, str, int, int]:
    """Line 1: scenario name, description, number of actors, number of dimensions."""
    if len(first) < 4:
        raise _fail(
            path,
            line,
            "first line",
            ",".join(first),
            "scenario name, description, number of actors, number of dimensions",
            "a first line of fewer than 4 cells",
        )
    n = _whole(path, line, "number of actors", first[2])
    k = _whole(path, line, "number of dimensions", first[3])
    return first[0], first[1], n, k


def _csv_actors(
    path: Path, header: list[str], body: list[tuple[int, list[str]]], dims: tuple[str, ...]
) -> _Actors:
    """One line per actor: name, description, capability, then position and salience per
    dimension, each number within its range."""
    k = len(dims)
    ncol = 3 + 2 * k
    out = _Actors.empty(len(body), k)
    for i, (ln, r) in enumerate(body):
        if len(r) < ncol:
            raise _fail(
                path,
                ln,
                "actor line",
                ",".join(r),
                f"{ncol} cells: name, description, capability, then position and salience "
                "per dimension",
                f"an actor line of {len(r)} cells",
            )
        out.names.append(r[0])
        out.descriptions.append(r[1])
        out.lines.append(ln)
        out.capability[i] = _num(
            path, ln, f"capability of {r[0]}", r[2], 0.0, 1e8, "a number from 0 to 1e8"
        )
        for d in range(k):
            out.position[i, d] = _num(
                path, ln, f"{dims[d]} of {r[0]}", r[3 + 2 * d], 0.0, 100.0, "a number from 0 to 100"
            )
            out.salience[i, d] = _num(
                path,
                ln,
                f"{header[4 + 2 * d]} of {r[0]}",
                r[4 + 2 * d],
                0.0,
                100.0,
                "a number from 0 to 100",
            )
    return out


def read_ktab_csv(path: str | Path, text: str | None = None) -> KtabData:
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
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Returns
    -------
    KtabData

    Raises
    ------
    ScenarioError
        With the file, line, field, value and what is allowed.

    References
    ----------
    KTAB, ``SMPModel::csvRead`` as described in ``shared/reference/bargaining-models.md`` §1.3.
    """
    p = Path(path)
    rows = _csv_rows(p, read_text(p) if text is None else text)
    ln0, first = rows[0]
    name, desc, n, k = _csv_title(p, ln0, first)
    ln1, header = rows[1]
    ncol = 3 + 2 * k
    if len(header) < ncol:
        raise _fail(
            p,
            ln1,
            "header",
            ",".join(header),
            f"{ncol} columns (Actor, Description, capability, then position and salience for "
            f"each of {k} dimensions)",
            "a header with too few columns",
        )
    dims = tuple(header[3 + 2 * d] for d in range(k))
    body = rows[2:]
    if len(body) != n:
        raise _fail(
            p,
            body[-1][0] if body else ln1,
            "number of actor lines",
            len(body),
            f"{n}, as the first line says",
            "not as many actor lines as the first line says",
        )
    actors = _csv_actors(p, header, body, dims)
    _check_names(p, actors.names, actors.lines)
    _check_sal_rows(p, actors.salience, actors.names, actors.lines)
    return KtabData(
        path=str(p),
        name=name,
        description=desc,
        actor_names=tuple(actors.names),
        actor_descriptions=tuple(actors.descriptions),
        dimension_names=dims,
        capability=actors.capability,
        position=actors.position,
        salience=actors.salience,
    )


# --------------------------------------------------------------------------- XML
def _parse_xml_with_lines(data: bytes) -> ET.Element:
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


def _line(el: ET.Element | None) -> int | None:
    v = el.get("_line") if el is not None else None
    return int(v) if v else None


def _child(path: Path, el: ET.Element, tag: str, what: str) -> ET.Element:
    c = el.find(tag)
    if c is None:
        raise _fail(path, _line(el), f"<{tag}>", "missing", what, f"no <{tag}> element")
    return c


def _text(el: ET.Element) -> str:
    return (el.text or "").strip()


def _xml_root(path: Path, raw: bytes) -> ET.Element:
    """Parse, and refuse a root other than ``<Scenario>`` or a Reform Priorities file."""
    try:
        root = _parse_xml_with_lines(raw)
    except expat.ExpatError as e:
        raise _fail(path, e.lineno, "XML", str(e), _XML_ALLOWED, "not well-formed XML") from None
    except (LookupError, ValueError, RecursionError, AssertionError) as e:
        # an unknown declared encoding, nesting deeper than the stack, a broken tree
        raise _fail(
            path, None, "XML", f"{type(e).__name__}: {e}"[:120], _XML_ALLOWED, "unreadable XML"
        ) from None
    if root.tag != "Scenario":
        raise _fail(
            path,
            _line(root),
            "root element",
            f"<{root.tag}>",
            "<Scenario> (KTAB smpSchema.xsd)",
            "not a KTAB SMP scenario",
        )
    if root.find(".//ItemValues") is not None or root.find("govBudget") is not None:
        raise _fail(
            path,
            _line(root),
            "scenario type",
            "Reform Priorities (reformpri.xsd)",
            "an SMP scenario (smpSchema.xsd); Reform Priorities files are a different KTAB "
            "model and are not supported",
            "a KTAB Reform Priorities file, not an SMP scenario",
        )
    return root


def _xml_seed(path: Path, root: ET.Element) -> int | None:
    seed_el = root.find("prngSeed")
    if seed_el is None or not _text(seed_el):
        return None
    t = _text(seed_el)
    if not t.isdigit() or int(t) >= 2**64:
        raise _fail(
            path,
            _line(seed_el),
            "prngSeed",
            t,
            "a whole number from 0 to 2**64 - 1",
            "not a seed KTAB takes",
        )
    return int(t)


def _xml_parameters(path: Path, root: ET.Element) -> dict[str, str]:
    """``<ModelParameters>``: each name and value checked against KTAB's enums."""
    params: dict[str, str] = {}
    mp = root.find("ModelParameters")
    for c in [] if mp is None else mp:
        if c.tag not in KTAB_PARAMETERS:
            raise _fail(
                path,
                _line(c),
                "ModelParameters",
                f"<{c.tag}>",
                ", ".join(KTAB_PARAMETERS),
                "an unknown SMP parameter",
            )
        v = _text(c)
        if v not in KTAB_PARAMETERS[c.tag]:
            raise _fail(
                path,
                _line(c),
                c.tag,
                v,
                ", ".join(KTAB_PARAMETERS[c.tag]),
                "a value this SMP parameter does not take",
            )
        params[c.tag] = v
    return params


def _xml_dimensions(path: Path, root: ET.Element) -> tuple[str, ...]:
    dims_el = _child(path, root, "Dimensions", "a list of <dName> elements")
    dims = tuple(_text(d) for d in dims_el.findall("dName"))
    if not dims:
        raise _fail(
            path,
            _line(dims_el),
            "Dimensions",
            "no <dName>",
            "at least one dimension",
            "no dimension",
        )
    return dims


def _xml_values(
    path: Path, actor: ET.Element, nm: str, i: int, dims: tuple[str, ...], out: _Actors
) -> None:
    """One actor's ``<Position><dCoord>`` and ``<Salience><dSal>``: one number in [0, 100] per
    dimension (an empty ``<dCoord>`` is no part on that dimension, said in ``notes``)."""
    k = len(dims)
    for tag, sub, arr in (("Position", "dCoord", out.position), ("Salience", "dSal", out.salience)):
        blk = _child(path, actor, tag, f"one <{sub}> per dimension")
        vals = blk.findall(sub)
        if len(vals) != k:
            raise _fail(
                path,
                _line(blk),
                f"{tag} of {nm}",
                f"{len(vals)} <{sub}>",
                f"{k} (one per dimension)",
                f"not one <{sub}> per dimension",
            )
        for d, v in enumerate(vals):
            if sub == "dCoord" and _text(v) == "":
                # An empty coordinate (smpExample.xml has one): the actor takes no part on
                # that dimension. Said in ``notes``; detente does not invent a position.
                arr[i, d] = np.nan
                out.notes.append(
                    f"{path}:{_line(v)}: empty <dCoord> for {nm} on {dims[d]}: "
                    "read as taking no part on that dimension (salience set to 0)"
                )
                continue
            arr[i, d] = _num(
                path,
                _line(v),
                f"{sub} {d + 1} ({dims[d]}) of {nm}",
                _text(v),
                0.0,
                100.0,
                "a number from 0 to 100",
            )


def _xml_actors(path: Path, root: ET.Element, dims: tuple[str, ...]) -> _Actors:
    actors_el = _child(path, root, "Actors", "a list of <Actor> elements")
    actors = actors_el.findall("Actor")
    if not actors:
        raise _fail(
            path, _line(actors_el), "Actors", "no <Actor>", "at least one actor", "no actor"
        )
    out = _Actors.empty(len(actors), len(dims))
    for i, a in enumerate(actors):
        nm = _text(_child(path, a, "name", "the actor's name"))
        out.names.append(nm)
        out.lines.append(_line(a))
        d_el = a.find("description")
        out.descriptions.append(_text(d_el) if d_el is not None else "")
        c_el = _child(path, a, "capability", "the actor's capability")
        out.capability[i] = _num(
            path,
            _line(c_el),
            f"capability of {nm}",
            _text(c_el),
            0.0,
            1e8,
            "a number from 0 to 1e8",
        )
        _xml_values(path, a, nm, i, dims, out)
    return out


def _xml_accommodation(path: Path, root: ET.Element, names: list[str]) -> np.ndarray | None:
    """The identity with entry (A, B) set for every ``iaPair``; rows summing to at most 1."""
    ia = root.find("IdealAdjustment")
    if ia is None:
        return None
    acc = np.eye(len(names))
    index = {nm: i for i, nm in enumerate(names)}
    for pair in ia.findall("iaPair"):
        ends = []
        for tag in ("adjustingIdeal", "referencePos"):
            end_el = _child(path, pair, tag, "an actor name")
            if _text(end_el) not in index:
                raise _fail(
                    path,
                    _line(end_el),
                    tag,
                    _text(end_el),
                    "one of the actor names: " + ", ".join(names),
                    "an unknown actor",
                )
            ends.append(index[_text(end_el)])
        a_el = _child(path, pair, "adjust", "a number from 0 to 1")
        acc[ends[0], ends[1]] = _num(
            path, _line(a_el), "adjust", _text(a_el), 0.0, 1.0, "a number from 0 to 1"
        )
    rows = acc.sum(axis=1)
    over = np.flatnonzero(rows > 1.0 + 1e-9)
    if over.size:
        i = int(over[0])
        raise _fail(
            path,
            _line(ia),
            f"adjust entries of {names[i]}",
            f"{rows[i]:g}",
            "a row sum of at most 1",
            "the adjustments of this actor sum to more than 1",
        )
    return acc


def read_ktab_xml(path: str | Path, text: str | None = None) -> KtabData:
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
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Returns
    -------
    KtabData

    Raises
    ------
    ScenarioError

    References
    ----------
    KTAB, ``SMPModel::xmlRead`` and ``smpSchema.xsd``, as described in
    ``shared/reference/bargaining-models.md`` §1.3.
    """
    p = Path(path)
    root = _xml_root(p, read_bytes(p) if text is None else text.encode("utf-8"))
    name = _text(_child(p, root, "name", "the scenario name"))
    desc_el = root.find("desc")
    seed = _xml_seed(p, root)
    params = _xml_parameters(p, root)
    dims = _xml_dimensions(p, root)
    actors = _xml_actors(p, root, dims)
    _check_names(p, actors.names, actors.lines)
    _check_sal_rows(p, actors.salience, actors.names, actors.lines)
    return KtabData(
        path=str(p),
        name=name,
        description=_text(desc_el) if desc_el is not None else "",
        actor_names=tuple(actors.names),
        actor_descriptions=tuple(actors.descriptions),
        dimension_names=dims,
        capability=actors.capability,
        position=actors.position,
        salience=actors.salience,
        parameters=params,
        seed=seed,
        accommodation=_xml_accommodation(p, root, actors.names),
        notes=tuple(actors.notes),
    )


def read_ktab(path: str | Path) -> KtabData:
    """Read a KTAB SMP scenario, CSV or XML by its suffix."""
    p = Path(path)
    suf = p.suffix.lower()
    if suf == ".csv":
        return read_ktab_csv(p)
    if suf == ".xml":
        return read_ktab_xml(p)
    raise _fail(p, None, "file suffix", suf, ".csv or .xml", "not a KTAB file name")
