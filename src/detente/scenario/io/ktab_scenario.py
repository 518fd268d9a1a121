"""KTAB SMP scenarios (CSV and XML) as detente scenarios, and writing KTAB's CSV.

The low-level parsing is :mod:`detente.scenario.io.ktab`; this module turns its
:class:`~detente.scenario.io.ktab.KtabData` into a :class:`~detente.scenario.schema.Scenario`:

* **Actors.** KTAB's actor name (a short code such as ``XJ``) becomes the id — characters other
  than ``[A-Za-z0-9_.:-]`` mapped to ``_``, a ``_2``, ``_3`` … suffix where two names collide
  that way — and the description (``Xi Jinping``) the name. Capability as in the file (KTAB
  allows any scale from 0 to 1e8).
* **Issues.** One per dimension, id from the dimension name (the position column's header in
  CSV, ``<dName>`` in XML), on a 0–100 scale.
* **Positions and saliences** as in the file: both on 0–100, KTAB's own scale; every actor
  takes part in every dimension.
* **Accommodation** (XML ``<IdealAdjustment>``): every entry of KTAB's matrix that differs from
  the identity becomes one :class:`~detente.scenario.schema.Accommodation`, diagonal entries
  (an actor's weight on its own position) included.
* **Model parameters and seed** (XML) go into ``model_params`` as
  ``{"smp": {"VictoryProbModel": "Linear", ...}, "seed": 3507583219545544127}``.

Writing (:func:`write_ktab_csv`) is KTAB's CSV: only for scenarios whose issues are all on
0–100 and in which every actor has a position on every issue (KTAB has no notion of an absent
actor, and detente does not invent a position), whose saliences sum to at most 100 per actor
(KTAB refuses more), and whose actor ids are at most 25 characters (KTAB's limit). Anything
else is refused with a :class:`~detente.scenario.errors.ScenarioError` saying which issue,
actor or value is at fault. Accommodation, model parameters, veto, status quo, reservation
points, ranges, anchors and sources have no place in KTAB's CSV: they are not written, and an
:class:`~detente.scenario.errors.ExportWarning` names each that the scenario has. A description
of several lines is written as one quoted CSV cell and reads back whole.

References
----------
KTAB (KAPSARC Toolkit for Behavioral Analysis), ``SMPModel::csvRead`` / ``xmlRead`` and
``smpSchema.xsd``, as described in ``shared/reference/bargaining-models.md`` §1.3.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from detente.scenario.errors import ScenarioError
from detente.scenario.io import ktab
from detente.scenario.io._common import (
    atomic_write_text,
    build_scenario,
    read_text,
    unique_ids,
    warn_dropped,
)
from detente.scenario.schema import Actor, Scenario

__all__ = ["dump_ktab_csv", "read_ktab_csv_scenario", "read_ktab_xml_scenario", "write_ktab_csv"]

_KTAB_NAME_MAX = 25


def _read(path: str | Path, kind: str, text: str | None) -> Scenario:
    p = Path(path)
    if text is None:
        text = read_text(p)  # size limit, UTF-8, empty file: refused before any parsing
    reader = ktab.read_ktab_csv if kind == "CSV" else ktab.read_ktab_xml
    return _to_scenario(reader(p, text), p)


def _to_scenario(data: ktab.KtabData, path: Path) -> Scenario:
    names = list(data.actor_names)
    aids = unique_ids(names, "A")
    iids = unique_ids(list(data.dimension_names), "dim")
    actors = [
        {
            "id": aid,
            "name": (desc or name),
            "capability": float(cap),
            "notes": f"KTAB actor {name!r}" if aid != name else "",
        }
        for aid, name, desc, cap in zip(
            aids, names, data.actor_descriptions, data.capability, strict=True
        )
    ]
    issues = [
        {"id": iid, "name": dname or iid, "scale": {"lo": 0.0, "hi": 100.0}}
        for iid, dname in zip(iids, data.dimension_names, strict=True)
    ]
    positions = [
        {
            "actor": aid,
            "issue": iid,
            "position": float(data.position[a, d]),
            "salience": float(data.salience[a, d]),
        }
        for a, aid in enumerate(aids)
        for d, iid in enumerate(iids)
        if not np.isnan(data.position[a, d])  # an empty <dCoord>: no part (data.notes)
    ]
    accommodation = []
    if data.accommodation is not None:
        acc = data.accommodation
        for a, aid in enumerate(aids):
            for b, bid in enumerate(aids):
                if acc[a, b] != (1.0 if a == b else 0.0):
                    accommodation.append({"actor": aid, "toward": bid, "weight": float(acc[a, b])})
    params: dict[str, Any] = {}
    if data.parameters:
        params["smp"] = dict(data.parameters)
    if data.seed is not None:
        params["seed"] = int(data.seed)
    scenario = {
        "name": data.name or path.stem,
        "description": "\n".join(
            [data.description, *("Reader note: " + n for n in data.notes)]
        ).strip(),
        "actors": actors,
        "issues": issues,
        "positions": positions,
        "accommodation": accommodation,
        "model_params": params,
    }
    return build_scenario(scenario, path)


def read_ktab_csv_scenario(path: str | Path, text: str | None = None) -> Scenario:
    """Read a KTAB SMP scenario CSV into a scenario.

    Steps
    -----
    1. Refuse an empty, oversized or non-UTF-8 file
       (:func:`~detente.scenario.io._common.read_text`).
    2. Parse with :func:`detente.scenario.io.ktab.read_ktab_csv`.
    3. Map actors, dimensions, positions and saliences as the module notes say, and validate.

    Parameters
    ----------
    path : str or Path
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Raises
    ------
    ScenarioError
        With the file, line, field, value and what is allowed.

    References
    ----------
    KTAB ``SMPModel::csvRead`` (bargaining-models.md §1.3).
    """
    return _read(path, "CSV", text)


def read_ktab_xml_scenario(path: str | Path, text: str | None = None) -> Scenario:
    """Read a KTAB SMP scenario XML file into a scenario (with accommodation, parameters, seed).

    Steps
    -----
    1. Refuse an empty, oversized or non-UTF-8 file.
    2. Parse with :func:`detente.scenario.io.ktab.read_ktab_xml`.
    3. Map as the module notes say; ``IdealAdjustment`` entries become ``accommodation`` and
       ``ModelParameters``/``prngSeed`` go into ``model_params``.

    Parameters
    ----------
    path : str or Path
    text : str, optional
        The file's text, when already read (standard input); read from ``path`` otherwise.

    Raises
    ------
    ScenarioError

    References
    ----------
    KTAB ``SMPModel::xmlRead`` and ``smpSchema.xsd`` (bargaining-models.md §1.3).
    """
    return _read(path, "XML", text)


def _check_ktab_can_hold(scenario: Scenario, where: Path | None) -> None:
    """Every issue on 0–100, every actor placed on every issue, saliences summing to at most
    100 per actor, capabilities up to 1e8 and actor ids of at most 25 characters."""
    for n, issue in enumerate(scenario.issues):
        if (issue.scale.lo, issue.scale.hi) != (0.0, 100.0):
            raise ScenarioError(
                "KTAB scenarios are on a 0-100 scale; this issue is not",
                path=where,
                field=f"issues[{n}].scale ({issue.id})",
                value=[issue.scale.lo, issue.scale.hi],
                allowed="every issue on lo=0, hi=100 (rescale it first, or write YAML/tidy CSV)",
            )
    placed = {(p.actor, p.issue): p.salience for p in scenario.positions}
    for actor in scenario.actors:
        for issue in scenario.issues:
            if (actor.id, issue.id) not in placed:
                raise ScenarioError(
                    "KTAB has no absent actors: this actor has no position on this issue",
                    path=where,
                    field=f"positions ({actor.id}, {issue.id})",
                    value="(none)",
                    allowed="a position for every actor on every issue (or write YAML/tidy CSV)",
                )
    for n, actor in enumerate(scenario.actors):
        _check_ktab_actor(actor, n, sum(placed[(actor.id, i.id)] for i in scenario.issues), where)


def _check_ktab_actor(actor: Actor, n: int, total: float, where: Path | None) -> None:
    if total > 100.0 + 1e-9:
        raise ScenarioError(
            "KTAB needs each actor's saliences to sum to at most 100",
            path=where,
            field=f"saliences of actor {actor.id}",
            value=round(total, 6),
            allowed="a sum over issues of at most 100 (rescale the saliences first)",
        )
    if actor.capability > 1e8:
        raise ScenarioError(
            "capability too large for KTAB",
            path=where,
            field=f"actors[{n}].capability",
            value=actor.capability,
            allowed="a number from 0 to 1e8 (KTAB's limit; rescale the capabilities)",
        )
    if len(actor.id) > _KTAB_NAME_MAX:
        raise ScenarioError(
            "actor id too long for KTAB",
            path=where,
            field=f"actors[{n}].id",
            value=actor.id,
            allowed=f"at most {_KTAB_NAME_MAX} characters (KTAB's limit)",
        )


def dump_ktab_csv(scenario: Scenario, path: str | Path | None = None) -> str:
    """KTAB CSV text of a scenario.

    Raises :class:`ScenarioError` when KTAB cannot hold it, and warns
    (:class:`~detente.scenario.errors.ExportWarning`) naming what the format drops (vetoes,
    reservation points, accommodation, sources, ...).
    """
    _check_ktab_can_hold(scenario, None if path is None else Path(path))
    warn_dropped(scenario, "KTAB's CSV")
    pos = {(p.actor, p.issue): p for p in scenario.positions}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([scenario.name, scenario.description, len(scenario.actors), len(scenario.issues)])
    header = ["Actor", "Description", "Capability"]
    for issue in scenario.issues:
        header += [issue.id, f"{issue.id} Salience"]
    w.writerow(header)
    for actor in scenario.actors:
        row: list[Any] = [actor.id, actor.name, f"{actor.capability:.17g}"]
        for issue in scenario.issues:
            p = pos[(actor.id, issue.id)]
            row += [f"{p.position:.17g}", f"{p.salience:.17g}"]
        w.writerow(row)
    return buf.getvalue()


def write_ktab_csv(scenario: Scenario, path: str | Path) -> None:
    """Write a scenario as a KTAB SMP CSV (atomically).

    Steps
    -----
    1. Check that KTAB can hold the scenario: every issue on 0–100, every actor placed on every
       issue, saliences summing to at most 100 per actor, actor ids of at most 25 characters.
    2. Line 1: name, description, number of actors, number of issues; line 2: the header
       (``Actor, Description, Capability, <issue id>, <issue id> Salience, ...``); one line per
       actor (id, name, capability, position and salience per issue).
    3. Write to a temporary file beside ``path`` and rename it into place.

    Raises
    ------
    ScenarioError
        When KTAB's CSV cannot hold the scenario (nothing is written then).

    References
    ----------
    KTAB ``SMPModel::csvRead`` (bargaining-models.md §1.3).
    """
    p = Path(path)
    text = dump_ktab_csv(scenario, p)
    atomic_write_text(p, text, newline="")
