"""The scenario schema (pydantic v2): who is at the table, where each stands, and on what evidence.

A :class:`Scenario` is strict: unknown fields, duplicate ids, positions off their issue's scale,
references to unknown actors, issues or sources, and negative or non-finite numbers are all
refused with an error that names the field. It converts once into
:class:`~detente.scenario.arrays.ScenarioArrays` for the numeric core.

Saliences are written on 0–100 (the DEU, KTAB and most expert surveys' convention); the arrays
carry them on 0–1.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

import numpy as np
from pydantic import Field, StrictBool, field_validator, model_validator

from detente.scenario._types import (
    Basis,
    Id,
    NonNeg,
    Number,
    Role,
    SchemaProblem,
    Strict,
    Text,
)
from detente.scenario._types import ref_error as _ref_error
from detente.scenario.arrays import ScenarioArrays
from detente.scenario.conflict_spec import ConflictSpec, check_conflict
from detente.scenario.process_spec import ProcessSpec, check_process
from detente.scenario.revision_spec import RevisionSpec, check_revision
from detente.scenario.uncertainty_spec import UncertaintySpec, WhatIf, check_uncertainty

_Strict = Strict

__all__ = [
    "Accommodation",
    "Actor",
    "Anchor",
    "Basis",
    "Issue",
    "Position",
    "Role",
    "Scale",
    "Scenario",
    "Source",
]


class Source(_Strict):
    """A cited source: a document, a statement, a data set."""

    id: Id
    title: Text
    publisher: Text = ""
    url: Text = ""
    date: dt.date | None = None


class Anchor(_Strict):
    """A labelled point of an issue's scale (a documented option)."""

    value: Number
    label: Text
    sources: list[Id] = Field(default_factory=list)


class Scale(_Strict):
    """An issue's numeric scale: its ends, its unit and what the points mean."""

    lo: Number = 0.0
    hi: Number = 100.0
    unit: Text = "points"
    lo_means: Text = ""
    hi_means: Text = ""
    anchors: list[Anchor] = Field(default_factory=list)

    @model_validator(mode="after")
    def _ordered(self) -> Scale:
        if not self.lo < self.hi:
            raise ValueError(f"scale needs lo < hi (got lo={self.lo}, hi={self.hi})")
        for a in self.anchors:
            if not self.lo <= a.value <= self.hi:
                raise ValueError(
                    f"anchor {a.label!r} at {a.value} is off the scale [{self.lo}, {self.hi}]"
                )
        return self


class Actor(_Strict):
    """A party, mediator, guarantor or observer."""

    id: Id
    name: Text
    capability: NonNeg
    capability_basis: Basis = "judgement"
    capability_sources: list[Id] = Field(default_factory=list)
    role: Role = "party"
    veto: StrictBool = False
    veto_issues: list[Id] = Field(default_factory=list)
    veto_basis: Text = ""
    notes: Text = ""


class Issue(_Strict):
    """One dimension of the negotiation."""

    id: Id
    name: Text
    description: Text = ""
    scale: Scale = Field(default_factory=Scale)
    status_quo: Number | None = None
    status_quo_note: Text = ""
    group: Text = ""
    attributes: dict[str, str | float | int | bool] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sq_on_scale(self) -> Issue:
        sq = self.status_quo
        if sq is not None and not self.scale.lo <= sq <= self.scale.hi:
            raise ValueError(f"status_quo {sq} is off the scale [{self.scale.lo}, {self.scale.hi}]")
        return self


class Position(_Strict):
    """Where one actor stands on one issue, how much it cares, and on what evidence."""

    actor: Id
    issue: Id
    position: Number
    salience: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=100)]
    range: tuple[Number, Number] | None = None
    reservation: Number | None = None
    basis: Basis = "judgement"
    salience_basis: Basis = "judgement"
    sources: list[Id] = Field(default_factory=list)
    note: Text = ""

    @field_validator("range")
    @classmethod
    def _range_ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and v[0] > v[1]:
            raise ValueError(f"range must be [low, high] with low <= high (got {list(v)})")
        return v


class Accommodation(_Strict):
    """KTAB's ideal adjustment: how far ``actor`` moves its ideal toward ``toward``'s position."""

    actor: Id
    toward: Id
    weight: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1)]


class Scenario(_Strict):
    """A negotiation at one moment: actors, issues, positions and the sources behind them."""

    name: Text
    description: Text = ""
    as_of: dt.date | None = None
    actors: list[Actor] = Field(min_length=1)
    issues: list[Issue] = Field(min_length=1)
    positions: list[Position] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    accommodation: list[Accommodation] = Field(default_factory=list)
    model_params: dict[str, Any] = Field(default_factory=dict)
    uncertainty: UncertaintySpec | None = None
    what_ifs: list[WhatIf] = Field(default_factory=list)
    process: ProcessSpec | None = None
    conflict: ConflictSpec | None = None
    revision: RevisionSpec | None = None

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        _unique("actors", [a.id for a in self.actors])
        _unique("issues", [i.id for i in self.issues])
        _unique("sources", [s.id for s in self.sources])
        actors = {a.id for a in self.actors}
        issues = {i.id: i for i in self.issues}
        sources = {s.id for s in self.sources}
        seen: set[tuple[str, str]] = set()
        for n, p in enumerate(self.positions):
            loc: tuple[Any, ...] = ("positions", n)
            if p.actor not in actors:
                raise _ref_error((*loc, "actor"), p.actor, "actor", actors)
            if p.issue not in issues:
                raise _ref_error((*loc, "issue"), p.issue, "issue", set(issues))
            if (p.actor, p.issue) in seen:
                raise SchemaProblem(
                    (*loc, "issue"),
                    f"a second position for actor {p.actor!r} on this issue",
                    p.issue,
                    "at most one position per actor and issue",
                )
            seen.add((p.actor, p.issue))
            sc = issues[p.issue].scale
            for name, val in (("position", p.position), ("reservation", p.reservation)):
                if val is not None and not sc.lo <= val <= sc.hi:
                    raise SchemaProblem(
                        (*loc, name),
                        f"off the scale of issue {p.issue!r}",
                        val,
                        f"{sc.lo:g} to {sc.hi:g} {sc.unit}",
                    )
            if p.range is not None:
                lo, hi = p.range
                if not (sc.lo <= lo <= p.position <= hi <= sc.hi):
                    raise SchemaProblem(
                        (*loc, "range"),
                        "the range must contain the position and lie on the scale",
                        [lo, hi],
                        f"[low, high] with {sc.lo:g} <= low <= {p.position:g} <= high <= {sc.hi:g}",
                    )
            for m, s in enumerate(p.sources):
                if s not in sources:
                    raise _ref_error((*loc, "sources", m), s, "source", sources)
            if p.basis == "documented" and not p.sources:
                raise SchemaProblem(
                    (*loc, "basis"),
                    "basis is 'documented' but no source is cited",
                    p.basis,
                    "cite a source id in 'sources', or mark the position as 'judgement'",
                )
        for n, a in enumerate(self.actors):
            for m, s in enumerate(a.capability_sources):
                if s not in sources:
                    raise _ref_error(("actors", n, "capability_sources", m), s, "source", sources)
        for n, i in enumerate(self.issues):
            for m, anc in enumerate(i.scale.anchors):
                for q, s in enumerate(anc.sources):
                    if s not in sources:
                        raise _ref_error(
                            ("issues", n, "scale", "anchors", m, "sources", q), s, "source", sources
                        )
        for n, acc in enumerate(self.accommodation):
            for fld in ("actor", "toward"):
                if getattr(acc, fld) not in actors:
                    raise _ref_error(("accommodation", n, fld), getattr(acc, fld), "actor", actors)
        self._check_veto_issues(set(issues))
        check_uncertainty(self)
        check_process(self)
        check_conflict(self)
        check_revision(self)
        return self

    def _check_veto_issues(self, issues: set[str]) -> None:
        for n, a in enumerate(self.actors):
            for m, iss in enumerate(a.veto_issues):
                if iss not in issues:
                    raise _ref_error(("actors", n, "veto_issues", m), iss, "issue", issues)
            if a.veto_issues and not a.veto:
                raise SchemaProblem(
                    ("actors", n, "veto_issues"),
                    "veto_issues names the issues an actor's veto covers, but veto is false",
                    a.veto_issues,
                    "set 'veto: true' with 'veto_issues', or drop 'veto_issues'",
                )

    # ---------------------------------------------------------------- lookups
    def actor(self, actor_id: str) -> Actor:
        """The actor with this id."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def issue(self, issue_id: str) -> Issue:
        """The issue with this id."""
        for i in self.issues:
            if i.id == issue_id:
                return i
        raise KeyError(issue_id)

    def position_of(self, actor_id: str, issue_id: str) -> Position | None:
        """The position of an actor on an issue, or ``None`` if it takes no part."""
        for p in self.positions:
            if p.actor == actor_id and p.issue == issue_id:
                return p
        return None

    # ----------------------------------------------------------------- arrays
    def to_arrays(self) -> ScenarioArrays:
        """Convert once into frozen numpy arrays (saliences onto 0–1)."""
        aidx = {a.id: n for n, a in enumerate(self.actors)}
        iidx = {i.id: n for n, i in enumerate(self.issues)}
        n, k = len(aidx), len(iidx)
        pos = np.full((n, k), np.nan)
        sal = np.zeros((n, k))
        res = np.full((n, k), np.nan)
        for p in self.positions:
            a, j = aidx[p.actor], iidx[p.issue]
            pos[a, j] = p.position
            sal[a, j] = p.salience / 100.0
            if p.reservation is not None:
                res[a, j] = p.reservation
        scope = None
        if any(act.veto_issues for act in self.actors):
            scope = np.zeros((n, k), dtype=bool)
            for act in self.actors:
                if act.veto:
                    cols = [iidx[i] for i in act.veto_issues] if act.veto_issues else slice(None)
                    scope[aidx[act.id], cols] = True
        acc = None
        if self.accommodation:
            acc = np.eye(n)
            for e in self.accommodation:
                acc[aidx[e.actor], aidx[e.toward]] = e.weight
        return ScenarioArrays(
            actor_ids=tuple(aidx),
            issue_ids=tuple(iidx),
            capability=np.array([a.capability for a in self.actors]),
            position=pos,
            salience=sal,
            present=~np.isnan(pos),
            veto=np.array([a.veto for a in self.actors]),
            reservation=res,
            status_quo=np.array(
                [math.nan if i.status_quo is None else i.status_quo for i in self.issues]
            ),
            lo=np.array([i.scale.lo for i in self.issues]),
            hi=np.array([i.scale.hi for i in self.issues]),
            accommodation=acc,
            veto_scope=scope,
            meta={
                "scenario": self.name,
                "model_params": dict(self.model_params),
                "issue_groups": tuple(i.group for i in self.issues),
                "issue_attributes": tuple(dict(i.attributes) for i in self.issues),
                "issue_anchors": tuple(
                    tuple(a.value for a in i.scale.anchors) for i in self.issues
                ),
                "roles": tuple(a.role for a in self.actors),
            },
        )

    def provenance(self) -> list[dict[str, Any]]:
        """Every number's evidence: one row per position with its basis and resolved sources."""
        src = {s.id: s for s in self.sources}
        rows = []
        for p in self.positions:
            rows.append(
                {
                    "actor": p.actor,
                    "issue": p.issue,
                    "position": p.position,
                    "position_basis": p.basis,
                    "salience": p.salience,
                    "salience_basis": p.salience_basis,
                    "sources": "; ".join(
                        f"{s}: {src[s].publisher} {src[s].title}".strip() for s in p.sources
                    ),
                }
            )
        return rows


def _unique(what: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for n, i in enumerate(ids):
        if i in seen:
            raise SchemaProblem((what, n, "id"), "duplicate id", i, "ids unique within " + what)
        seen.add(i)
