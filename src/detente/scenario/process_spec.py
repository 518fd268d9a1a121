"""The optional ``process`` block of a scenario: talks as a process over time (issue 13).

OWNER: the process-environment work (drivers, shocks, walk-aways that move, linked limits,
declared contradictions, sequencing, ratification). The protocol and strategies live in
:mod:`detente.scenario.protocol_spec` (owned by the process-protocols work).

Names shared with other work (keep them): ``ProcessSpec.drivers`` (each with an ``id``),
``ProcessSpec.shocks`` (each with an ``id``), ``ProcessSpec.start``, ``ProcessSpec.round_days``,
``ProcessSpec.protocol``, ``ProcessSpec.strategies``, ``check_process``.

The block, field by field (docs/reference/scenario-format.md, "The process block"; the
equations in docs/explanation/process-world.md):

* ``drivers``: dated series (territory taken per month, external funding) with a unit, a
  frequency, sources, and how the series extends past its last value (``last``, ``mean`` of the
  last ``window`` values, or a linear ``trend`` fitted to them).
* ``shocks``: named events with a ``date`` (and a ``probability`` that it happens) or a
  ``hazard_per_month``; their ``effects`` scale a driver or move an actor's limit.
* ``walkaways``: how each reservation point moves: a cost of delay per month and a
  sensitivity to each driver (issue units of widening per driver unit).
* ``expectations``: each side's expected battlefield trend for a driver, converging on the
  realised series at a rate per month (Fearon 1995; Slantchev 2003).
* ``linked_limits``: an actor's reservation point on an issue that holds only when other
  issues reach a level (and, optionally, only with a ratification stage).
* ``contradictions``: packages the scenario declares infeasible.
* ``sequencing``: steps and ordering demands (``binding`` ones must not form a cycle).
* ``ratification``: stages with a probability of passing that depends on the terms.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, StrictBool, model_validator

from detente.scenario._types import (
    Basis,
    Id,
    NonNeg,
    Number,
    SchemaProblem,
    Strict,
    Text,
    ref_error,
)
from detente.scenario.protocol_spec import ProtocolSpec, StrategySpec, check_protocol

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = [
    "Condition",
    "Contradiction",
    "Driver",
    "Expectation",
    "LinkedLimit",
    "OrderDemand",
    "ProcessSpec",
    "RatificationStage",
    "Sensitivity",
    "Sequencing",
    "SeriesPoint",
    "Shock",
    "ShockEffect",
    "SupportCurve",
    "SupportPoint",
    "Walkaway",
    "check_process",
    "order_cycle",
]

Probability = Annotated[float, Field(strict=False, allow_inf_nan=False, ge=0.0, le=1.0)]
Frequency = Literal["day", "week", "month", "quarter", "year"]
Extend = Literal["last", "mean", "trend"]
StageKind = Literal["referendum", "parliament", "legislature", "unanimity", "other"]


class _Cited(Strict):
    """Fields every process entry shares: its basis, its sources and a note."""

    basis: Basis = "judgement"
    sources: list[Id] = Field(default_factory=list)
    note: Text = ""


class SeriesPoint(Strict):
    """One dated value of a driver series."""

    date: dt.date
    value: Number
    sources: list[Id] = Field(default_factory=list)
    note: Text = ""


class Driver(_Cited):
    """A dated series that moves walk-aways (territory taken per month, external funding).

    ``series`` holds one value per period of ``frequency`` (no gaps, dates increasing). After
    the last value the series extends by ``extend``: ``last`` (the last value), ``mean`` (the
    mean of the last ``window`` values) or ``trend`` (the least-squares line through them).
    ``extend_basis`` argues the choice.
    """

    id: Id
    name: Text = ""
    unit: Text = ""
    frequency: Frequency = "month"
    series: list[SeriesPoint] = Field(min_length=1)
    extend: Extend = "last"
    window: Annotated[int, Field(strict=True, ge=1, le=1000)] = 3
    extend_basis: Text = ""


class Condition(Strict):
    """A level an issue reaches: ``at_least`` and/or ``at_most`` (issue units)."""

    issue: Id
    at_least: Number | None = None
    at_most: Number | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Condition:
        if self.at_least is None and self.at_most is None:
            raise ValueError("a condition needs at_least, at_most or both")
        if self.at_least is not None and self.at_most is not None:
            if self.at_least > self.at_most:
                raise ValueError(f"at_least {self.at_least} > at_most {self.at_most}")
        return self


class ShockEffect(Strict):
    """What a shock does from its date on.

    Either ``driver`` with ``factor`` (the driver's values after the shock are multiplied by
    it), or ``actor`` and ``issue`` with ``shift`` (issue units added to the half-width of the
    actor's signable interval: positive widens, the actor signs more; negative narrows).
    """

    driver: Id | None = None
    factor: NonNeg | None = None
    actor: Id | None = None
    issue: Id | None = None
    shift: Number | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ShockEffect:
        on_driver = self.driver is not None and self.factor is not None
        on_limit = self.actor is not None and self.issue is not None and self.shift is not None
        if on_driver == on_limit:
            raise ValueError(
                "an effect is either {driver, factor} or {actor, issue, shift}, exactly one"
            )
        return self


class Shock(_Cited):
    """A named event with a ``date`` (happening with ``probability``) or a monthly hazard.

    ``hazard_per_month`` is the probability that the event happens in any one month (30.4375
    days) given it has not happened yet: the time to the event is exponential with rate
    ``-ln(1 - h)`` per month.
    """

    id: Id
    name: Text = ""
    date: dt.date | None = None
    probability: Probability = 1.0
    hazard_per_month: Annotated[float, Field(allow_inf_nan=False, ge=0.0, lt=1.0)] | None = None
    effects: list[ShockEffect] = Field(default_factory=list)

    @model_validator(mode="after")
    def _date_or_hazard(self) -> Shock:
        if (self.date is None) == (self.hazard_per_month is None):
            raise ValueError("a shock has either a date or a hazard_per_month, exactly one")
        return self


class Sensitivity(Strict):
    """Issue units the actor's limit widens per driver unit above ``reference``.

    ``reference`` defaults to the driver's value at the start date.
    """

    driver: Id
    per_unit: Number
    reference: Number | None = None


class Walkaway(_Cited):
    """How one actor's reservation point on one issue moves with time and drivers."""

    actor: Id
    issue: Id
    delay_cost_per_month: Number = 0.0
    sensitivities: list[Sensitivity] = Field(default_factory=list)


class Expectation(_Cited):
    """An actor's expected value of a driver (its battlefield trend) at the start.

    The gap between expectation and the realised series closes at ``convergence_per_month``
    (a rate: the gap is multiplied by ``exp(-rate * months)``).
    """

    actor: Id
    driver: Id
    expected: Number
    convergence_per_month: NonNeg = 0.0


class LinkedLimit(_Cited):
    """A reservation point that holds only when ``when`` holds (all conditions).

    Elsewhere the actor's ordinary reservation point applies. ``requires_stage`` names a
    ratification stage the package then needs (territory only with a referendum).
    """

    actor: Id
    issue: Id
    reservation: Number
    when: list[Condition] = Field(default_factory=list)
    requires_stage: Id | None = None

    @model_validator(mode="after")
    def _some_condition(self) -> LinkedLimit:
        if not self.when and self.requires_stage is None:
            raise ValueError("a linked limit needs 'when' conditions or 'requires_stage'")
        return self


class Contradiction(_Cited):
    """A package the scenario declares infeasible: every condition in ``when`` holds."""

    id: Id
    name: Text = ""
    when: list[Condition] = Field(min_length=1)


class OrderDemand(_Cited):
    """``first`` must happen before ``then``: an actor's demand, or a rule (no actor).

    ``binding`` demands are ones the file declares must hold (legal or physical order); they
    must not form a cycle. Non-binding demands that exclude each other are a finding.
    """

    id: Id
    actor: Id | None = None
    first: Id
    then: Id
    binding: StrictBool = False


class Sequencing(Strict):
    """The steps of an implementation and the ordering demands on them."""

    steps: list[Id] = Field(min_length=1)
    demands: list[OrderDemand] = Field(default_factory=list)


class SupportPoint(Strict):
    """The share in favour when the issue takes ``value``."""

    value: Number
    share: Probability


class SupportCurve(Strict):
    """Share in favour as a piecewise-linear function of one issue (flat beyond the ends)."""

    issue: Id
    points: list[SupportPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _increasing(self) -> SupportCurve:
        vals = [p.value for p in self.points]
        if any(b <= a for a, b in itertools.pairwise(vals)):
            raise ValueError(f"support points need strictly increasing values (got {vals})")
        return self


class RatificationStage(_Cited):
    """A stage an agreed package must pass (referendum, parliament, Congress, unanimity).

    The chance of passing is either a fixed ``probability`` or comes from ``support`` (poll
    shares as functions of the terms): with ``s(x)`` the smallest share over the curves,
    ``P(pass) = Phi((s(x) - threshold) / poll_error)``. The stage is needed only when the
    package meets every ``required_if`` condition (always when empty), or when a linked limit
    that names it is used. ``days`` is how long the stage takes.
    """

    id: Id
    name: Text = ""
    kind: StageKind = "other"
    actor: Id
    required_if: list[Condition] = Field(default_factory=list)
    probability: Probability | None = None
    support: list[SupportCurve] = Field(default_factory=list)
    threshold: Probability = 0.5
    poll_error: Annotated[float, Field(allow_inf_nan=False, gt=0.0, le=1.0)] = 0.05
    days: Annotated[int, Field(strict=True, ge=0, le=3660)] = 0

    @model_validator(mode="after")
    def _one_rule(self) -> RatificationStage:
        if (self.probability is None) == (not self.support):
            raise ValueError("a stage has either a probability or support curves, exactly one")
        return self


class ProcessSpec(Strict):
    """Everything about the talks over time."""

    start: dt.date | None = None
    round_days: Annotated[int, Field(strict=True, ge=1, le=366)] = 7
    protocol: ProtocolSpec = Field(default_factory=ProtocolSpec)
    strategies: list[StrategySpec] = Field(default_factory=list)
    drivers: list[Driver] = Field(default_factory=list)
    shocks: list[Shock] = Field(default_factory=list)
    walkaways: list[Walkaway] = Field(default_factory=list)
    expectations: list[Expectation] = Field(default_factory=list)
    linked_limits: list[LinkedLimit] = Field(default_factory=list)
    contradictions: list[Contradiction] = Field(default_factory=list)
    sequencing: Sequencing | None = None
    ratification: list[RatificationStage] = Field(default_factory=list)


# ----------------------------------------------------------------------------- checks
def check_process(scenario: Scenario) -> None:
    """Check the block's references against the scenario; raise ``SchemaProblem`` if wrong.

    Steps
    -----
    1. Unique ids (drivers, shocks, contradictions, stages, demands).
    2. Driver series: dates strictly increasing, one per period of the frequency (no gaps).
    3. Shocks: a dated shock is not before the start; effects name known drivers, actors,
       issues.
    4. Walk-aways, expectations, linked limits, contradictions, stages: known actors,
       issues, drivers, stages and sources.
    5. Sequencing: demands name declared steps and known actors; binding demands are acyclic.
    6. Protocol and strategies (:func:`~detente.scenario.protocol_spec.check_protocol`).
    """
    p = scenario.process
    if p is None:
        return
    ctx = _Context.of(scenario, p)
    for name in ("drivers", "shocks", "contradictions", "ratification"):
        _unique(("process", name), [x.id for x in getattr(p, name)])
    for n, d in enumerate(p.drivers):
        _check_driver(ctx, ("process", "drivers", n), d)
    for n, s in enumerate(p.shocks):
        _check_shock(ctx, ("process", "shocks", n), s, p.start)
    _check_moves(ctx, p)
    _check_links(ctx, p)
    if p.sequencing is not None:
        _check_sequencing(ctx, ("process", "sequencing"), p.sequencing)
    check_protocol(scenario)


class _Context:
    """The ids a process block may refer to."""

    def __init__(
        self, actors: set[str], issues: dict[str, Any], sources: set[str], spec: ProcessSpec
    ) -> None:
        self.actors = actors
        self.issues = issues
        self.sources = sources
        self.drivers = {d.id for d in spec.drivers}
        self.stages = {s.id for s in spec.ratification}

    @classmethod
    def of(cls, scenario: Scenario, spec: ProcessSpec) -> _Context:
        return cls(
            {a.id for a in scenario.actors},
            {i.id: i for i in scenario.issues},
            {s.id for s in scenario.sources},
            spec,
        )

    def actor(self, loc: tuple[Any, ...], value: str | None) -> None:
        if value is not None and value not in self.actors:
            raise ref_error(loc, value, "actor", self.actors)

    def issue(self, loc: tuple[Any, ...], value: str | None) -> None:
        if value is not None and value not in self.issues:
            raise ref_error(loc, value, "issue", set(self.issues))

    def driver(self, loc: tuple[Any, ...], value: str | None) -> None:
        if value is not None and value not in self.drivers:
            raise ref_error(loc, value, "driver", self.drivers)

    def stage(self, loc: tuple[Any, ...], value: str | None) -> None:
        if value is not None and value not in self.stages:
            raise ref_error(loc, value, "ratification stage", self.stages)

    def cited(self, loc: tuple[Any, ...], sources: list[str]) -> None:
        for m, s in enumerate(sources):
            if s not in self.sources:
                raise ref_error((*loc, "sources", m), s, "source", self.sources)

    def on_scale(self, loc: tuple[Any, ...], issue: str, value: float | None) -> None:
        if value is None:
            return
        sc = self.issues[issue].scale
        if not sc.lo <= value <= sc.hi:
            raise SchemaProblem(
                loc, f"off the scale of issue {issue!r}", value, f"{sc.lo:g} to {sc.hi:g}"
            )

    def conditions(self, loc: tuple[Any, ...], conds: list[Condition]) -> None:
        for m, c in enumerate(conds):
            self.issue((*loc, m, "issue"), c.issue)
            self.on_scale((*loc, m, "at_least"), c.issue, c.at_least)
            self.on_scale((*loc, m, "at_most"), c.issue, c.at_most)


def _unique(loc: tuple[Any, ...], ids: list[str]) -> None:
    seen: set[str] = set()
    for n, i in enumerate(ids):
        if i in seen:
            raise SchemaProblem((*loc, n, "id"), "duplicate id", i, "ids unique within the list")
        seen.add(i)


def _next_period(d: dt.date, freq: str) -> dt.date:
    """The date one period after ``d`` (months keep the day, clipped to the month's end)."""
    if freq == "day":
        return d + dt.timedelta(days=1)
    if freq == "week":
        return d + dt.timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[freq]
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(d.day, last))


def _check_driver(ctx: _Context, loc: tuple[Any, ...], d: Driver) -> None:
    ctx.cited(loc, d.sources)
    for m, pt in enumerate(d.series):
        ctx.cited((*loc, "series", m), pt.sources)
        if m == 0:
            continue
        prev = d.series[m - 1].date
        if pt.date <= prev:
            raise SchemaProblem(
                (*loc, "series", m, "date"),
                f"driver {d.id!r}: dates out of order (after {prev.isoformat()})",
                pt.date.isoformat(),
                "dates strictly increasing",
            )
        want = _next_period(prev, d.frequency)
        if pt.date != want:
            raise SchemaProblem(
                (*loc, "series", m, "date"),
                f"driver {d.id!r}: a gap in the {d.frequency}ly series after {prev.isoformat()}",
                pt.date.isoformat(),
                f"the next {d.frequency}: {want.isoformat()} (one value per {d.frequency})",
            )


def _check_shock(ctx: _Context, loc: tuple[Any, ...], s: Shock, start: dt.date | None) -> None:
    ctx.cited(loc, s.sources)
    if s.date is not None and start is not None and s.date < start:
        raise SchemaProblem(
            (*loc, "date"),
            f"shock {s.id!r} is dated before the process start {start.isoformat()}",
            s.date.isoformat(),
            f"a date on or after {start.isoformat()} (past events belong in the drivers)",
        )
    for m, e in enumerate(s.effects):
        el = (*loc, "effects", m)
        ctx.driver((*el, "driver"), e.driver)
        ctx.actor((*el, "actor"), e.actor)
        ctx.issue((*el, "issue"), e.issue)


def _check_moves(ctx: _Context, p: ProcessSpec) -> None:
    for n, w in enumerate(p.walkaways):
        loc = ("process", "walkaways", n)
        ctx.actor((*loc, "actor"), w.actor)
        ctx.issue((*loc, "issue"), w.issue)
        ctx.cited(loc, w.sources)
        for m, s in enumerate(w.sensitivities):
            ctx.driver((*loc, "sensitivities", m, "driver"), s.driver)
    for n, e in enumerate(p.expectations):
        loc = ("process", "expectations", n)
        ctx.actor((*loc, "actor"), e.actor)
        ctx.driver((*loc, "driver"), e.driver)
        ctx.cited(loc, e.sources)


def _check_links(ctx: _Context, p: ProcessSpec) -> None:
    for n, ll in enumerate(p.linked_limits):
        loc = ("process", "linked_limits", n)
        ctx.actor((*loc, "actor"), ll.actor)
        ctx.issue((*loc, "issue"), ll.issue)
        ctx.on_scale((*loc, "reservation"), ll.issue, ll.reservation)
        ctx.conditions((*loc, "when"), ll.when)
        ctx.stage((*loc, "requires_stage"), ll.requires_stage)
        ctx.cited(loc, ll.sources)
    for n, c in enumerate(p.contradictions):
        loc = ("process", "contradictions", n)
        ctx.conditions((*loc, "when"), c.when)
        ctx.cited(loc, c.sources)
    for n, st in enumerate(p.ratification):
        loc = ("process", "ratification", n)
        ctx.actor((*loc, "actor"), st.actor)
        ctx.conditions((*loc, "required_if"), st.required_if)
        for m, cv in enumerate(st.support):
            ctx.issue((*loc, "support", m, "issue"), cv.issue)
        ctx.cited(loc, st.sources)


def _check_sequencing(ctx: _Context, loc: tuple[Any, ...], seq: Sequencing) -> None:
    _unique((*loc, "steps"), list(seq.steps))
    _unique((*loc, "demands"), [d.id for d in seq.demands])
    steps = set(seq.steps)
    for n, d in enumerate(seq.demands):
        dl = (*loc, "demands", n)
        ctx.actor((*dl, "actor"), d.actor)
        ctx.cited(dl, d.sources)
        for fld in ("first", "then"):
            if getattr(d, fld) not in steps:
                raise ref_error((*dl, fld), getattr(d, fld), "step", steps)
        if d.first == d.then:
            raise SchemaProblem((*dl, "then"), "a step ordered before itself", d.then, "two steps")
    cycle = order_cycle([(d.first, d.then) for d in seq.demands if d.binding])
    if cycle:
        first = next(
            n
            for n, d in enumerate(seq.demands)
            if d.binding and (d.first, d.then) == (cycle[0], cycle[1])
        )
        raise SchemaProblem(
            (*loc, "demands", first),
            "the binding ordering demands form a cycle",
            " -> ".join(cycle),
            "binding demands that admit an order (mark demands that may clash binding: false)",
        )


def order_cycle(edges: list[tuple[str, str]]) -> list[str]:
    """A cycle in the directed graph ``edges`` (``[a, b, ..., a]``), or ``[]`` if acyclic.

    Depth-first search with three colours; the first back edge found closes the cycle.
    """
    succ: dict[str, list[str]] = {}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    colour = dict.fromkeys(succ, 0)
    for root in sorted(succ):
        if colour[root]:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                colour[node] = 1
                path.append(node)
            if i < len(succ[node]):
                stack.append((node, i + 1))
                nxt = succ[node][i]
                if colour[nxt] == 1:
                    return [*path[path.index(nxt) :], nxt]
                if colour[nxt] == 0:
                    stack.append((nxt, 0))
            else:
                colour[node] = 2
                path.pop()
    return []
