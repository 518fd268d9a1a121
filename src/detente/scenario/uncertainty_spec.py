"""The optional ``uncertainty`` and ``what_ifs`` blocks of a scenario (issue 12).

A *target* addresses one number of a scenario in the analyst's terms::

    {input: position,    actor: UKR, issue: territory}
    {input: salience,    actor: UKR, issue: territory}
    {input: capability,  actor: RUS}
    {input: reservation, actor: UKR, issue: territory}
    {input: driver,      driver: territory_gain}   # a multiplier on the series after the start
    {input: shock,       shock: aid_cut}           # the shock's probability (or hazard)

Every position, salience, capability and reservation point of a scenario is uncertain, with a
default distribution by the basis of the number (``documented`` narrower than ``judgement``,
:class:`UncertaintyDefaults`); the ``uncertainty`` block overrides the defaults, gives a number
its own distribution (:class:`UncertainInput`), makes drivers and shocks of the ``process``
block uncertain (only where listed) and states correlations (:class:`Correlation`).

A *what-if* (:class:`WhatIf`) is a named alternative to the base case made of
:class:`Change` s: a number set, shifted or scaled, or a structural change (an actor gains a
veto on named issues; an actor's role changes). :func:`detente.uncertainty.whatif.apply_what_if`
turns one into a new validated :class:`~detente.scenario.schema.Scenario`.

Draws of process targets reach :mod:`detente.process` as the keys ``"driver:<id>"`` and
``"shock:<id>"`` of :attr:`detente.scenario.draws.InputDraws.values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from detente.scenario._types import (
    Basis,
    Id,
    NonNeg,
    Number,
    Role,
    SchemaProblem,
    Strict,
    Text,
    ref_error,
)

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = [
    "Change",
    "ChangeKind",
    "CopulaName",
    "Correlation",
    "DistName",
    "DocumentedWidths",
    "InputKind",
    "JudgementWidths",
    "Target",
    "UncertainInput",
    "UncertaintyDefaults",
    "UncertaintySpec",
    "WhatIf",
    "check_uncertainty",
    "scenario_value",
    "support_bounds",
    "target_problem",
]

InputKind = Literal["position", "salience", "capability", "reservation", "driver", "shock"]
DistName = Literal["triangular", "uniform", "beta", "truncnorm"]
CopulaName = Literal["gaussian", "iman-conover"]
#: What a what-if change may address: a number (an :data:`InputKind`) or a structure.
ChangeKind = Literal[
    "position", "salience", "capability", "reservation", "driver", "shock", "veto", "role"
]
Share = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=1)]
Points = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=100)]
Positive = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1e15)]
Rho = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1, le=1)]

#: Which fields of a target each kind needs.
NEEDS: dict[str, tuple[str, ...]] = {
    "position": ("actor", "issue"),
    "salience": ("actor", "issue"),
    "capability": ("actor",),
    "reservation": ("actor", "issue"),
    "driver": ("driver",),
    "shock": ("shock",),
    "veto": ("actor",),
    "role": ("actor",),
}


class Target(Strict):
    """One number of the scenario, addressed by what it is and whose it is."""

    input: InputKind
    actor: Id | None = None
    issue: Id | None = None
    driver: Id | None = None
    shock: Id | None = None

    def key(self) -> str:
        """A stable text key: ``position:UKR:territory``, ``capability:RUS``, ``driver:x``."""
        parts = [self.input, self.actor, self.issue, self.driver, self.shock]
        return ":".join(p for p in parts if p is not None)


class UncertainInput(Target):
    """A distribution over one target (overrides the default for its basis).

    ``low`` and ``high`` bound the support (``low == high`` fixes the number there).
    ``triangular``: peak at ``mode`` (default: the scenario's own value). ``uniform``: flat.
    ``beta``: ``alpha``, ``beta`` shape parameters over ``[low, high]``. ``truncnorm``: a
    normal of ``mean`` (default: the scenario's value) and ``sd`` cut to ``[low, high]``.
    ``group`` names the analyst group the input joins in sensitivity analysis (default: its
    kind's group, such as "RUS saliences").
    """

    dist: DistName = "triangular"
    low: Number
    high: Number
    mode: Number | None = None
    alpha: Positive | None = None
    beta: Positive | None = None
    mean: Number | None = None
    sd: Positive | None = None
    group: Text = ""
    note: Text = ""
    sources: list[Id] = Field(default_factory=list)


class DocumentedWidths(Strict):
    """Default half-widths for numbers marked ``documented``.

    ``position`` and ``reservation`` as a share of the issue's scale span, ``salience`` in
    points on 0–100, ``capability`` as a relative ± (0.1 = ±10%).
    """

    position: Share = 0.05
    reservation: Share = 0.10
    salience: Points = 5.0
    capability: Share = 0.10


class JudgementWidths(Strict):
    """Default half-widths for numbers marked ``judgement`` (and every reservation point)."""

    position: Share = 0.15
    reservation: Share = 0.15
    salience: Points = 15.0
    capability: Share = 0.30


class UncertaintyDefaults(Strict):
    """The house defaults by basis (see docs/explanation/uncertainty.md for why)."""

    documented: DocumentedWidths = Field(default_factory=DocumentedWidths)
    judgement: JudgementWidths = Field(default_factory=JudgementWidths)
    dist: Literal["triangular", "uniform"] = "triangular"


class Correlation(Strict):
    """A rank correlation ``rho`` between two uncertain targets."""

    between: tuple[Target, Target]
    rho: Rho
    note: Text = ""


class UncertaintySpec(Strict):
    """Distributions over the scenario's numbers, their defaults by basis, and correlations."""

    defaults: UncertaintyDefaults = Field(default_factory=UncertaintyDefaults)
    inputs: list[UncertainInput] = Field(default_factory=list)
    correlations: list[Correlation] = Field(default_factory=list)
    copula: CopulaName = "gaussian"


class Change(Strict):
    """One change a what-if makes to the base case.

    Numbers (``position``, ``salience``, ``capability``, ``reservation``, ``driver``,
    ``shock``): exactly one of ``set`` (the new value), ``add`` (added to it) or ``scale``
    (it is multiplied by). Structures: ``{input: veto, actor: EU, issues: [...]}`` (the actor
    gains a veto on those issues; all issues when the list is empty) and
    ``{input: role, actor: EU, role: party}``.
    """

    input: ChangeKind
    actor: Id | None = None
    issue: Id | None = None
    driver: Id | None = None
    shock: Id | None = None
    set: Number | None = None
    add: Number | None = None
    scale: NonNeg | None = None
    issues: list[Id] = Field(default_factory=list)
    role: Role | None = None
    note: Text = ""

    def key(self) -> str:
        """The target's key, as :meth:`Target.key`."""
        parts = [self.input, self.actor, self.issue, self.driver, self.shock]
        return ":".join(p for p in parts if p is not None)


class WhatIf(Strict):
    """A named alternative to the base case ("Western aid doubles"), run beside it."""

    id: Id
    name: Text
    description: Text = ""
    basis: Basis = "judgement"
    sources: list[Id] = Field(default_factory=list)
    changes: list[Change] = Field(min_length=1)


# --------------------------------------------------------------------------- checks
def check_uncertainty(scenario: Scenario) -> None:
    """Check the blocks against the scenario; raise ``SchemaProblem`` (located) if wrong.

    Steps: the ``uncertainty`` block's inputs (targets known, supports ordered and on the
    scale, distribution parameters given), its correlations (targets uncertain, no pair
    twice, the matrix positive semi-definite); then every what-if (ids unique, sources
    known, every change's target known and its result allowed).
    """
    spec = scenario.uncertainty
    if spec is not None:
        keys = _check_inputs(scenario, spec)
        _check_correlations(scenario, spec, keys)
    _check_what_ifs(scenario)


def target_problem(
    scenario: Scenario, t: Target | Change, loc: tuple[Any, ...]
) -> SchemaProblem | None:
    """The problem with a target's address (a field missing or unknown id), or ``None``."""
    need = NEEDS[t.input]
    for fld in ("actor", "issue", "driver", "shock"):
        val = getattr(t, fld)
        if fld in need and val is None:
            return SchemaProblem(
                (*loc, fld), f"a {t.input} target needs '{fld}'", None, _needs_text(t.input)
            )
        if fld not in need and val is not None:
            return SchemaProblem(
                (*loc, fld), f"a {t.input} target takes no '{fld}'", val, _needs_text(t.input)
            )
    known = _known_ids(scenario)
    for fld in need:
        val = getattr(t, fld)
        if val not in known[fld]:
            if fld in ("driver", "shock") and scenario.process is None:
                return SchemaProblem(
                    (*loc, fld),
                    f"unknown {fld}",
                    val,
                    f"a {fld} id of the scenario's process block (the scenario has none)",
                )
            return ref_error((*loc, fld), val, fld, known[fld])
    if t.input in ("position", "salience", "reservation"):
        if scenario.position_of(t.actor or "", t.issue or "") is None:
            return SchemaProblem(
                (*loc, "issue"),
                f"actor {t.actor!r} takes no part in this issue (no position)",
                t.issue,
                "an issue the actor has a position on",
            )
    return None


def _needs_text(kind: str) -> str:
    return f"{kind} targets name " + " and ".join(NEEDS[kind])


def _known_ids(scenario: Scenario) -> dict[str, set[str]]:
    proc = scenario.process
    return {
        "actor": {a.id for a in scenario.actors},
        "issue": {i.id for i in scenario.issues},
        "driver": {d.id for d in proc.drivers} if proc is not None else set(),
        "shock": {s.id for s in proc.shocks} if proc is not None else set(),
    }


def _check_inputs(scenario: Scenario, spec: UncertaintySpec) -> set[str]:
    seen: set[str] = set()
    sources = {s.id for s in scenario.sources}
    for n, u in enumerate(spec.inputs):
        loc: tuple[Any, ...] = ("uncertainty", "inputs", n)
        problem = target_problem(scenario, u, loc)
        if problem is not None:
            raise problem
        if u.key() in seen:
            raise SchemaProblem(
                (*loc, "input"), "a second distribution for this target", u.key(), "one per target"
            )
        seen.add(u.key())
        for m, s in enumerate(u.sources):
            if s not in sources:
                raise ref_error((*loc, "sources", m), s, "source", sources)
        _check_support(scenario, u, loc)
        _check_shape(u, loc)
    return seen


def support_bounds(scenario: Scenario, t: Target) -> tuple[float, float, str]:
    """Where a target's values may lie: ``(lo, hi, in words)``."""
    if t.input in ("position", "reservation"):
        sc = scenario.issue(t.issue or "").scale
        return sc.lo, sc.hi, f"{sc.lo:g} to {sc.hi:g} {sc.unit} (the scale of issue {t.issue!r})"
    if t.input == "salience":
        return 0.0, 100.0, "0 to 100 (salience points)"
    if t.input == "shock":
        return 0.0, 1.0, "0 to 1 (a probability, or a hazard per month)"
    what = "a capability" if t.input == "capability" else "a driver multiplier (1 = as written)"
    return 0.0, float("inf"), f"0 or more ({what})"


def scenario_value(scenario: Scenario, t: Target) -> float | None:
    """The number a target addresses as the scenario writes it (``None``: not written).

    A driver's value is its multiplier, 1 (the series as written); a shock's is the
    probability (or hazard) its process entry states, when it states one.
    """
    if t.input == "capability":
        return scenario.actor(t.actor or "").capability
    if t.input == "driver":
        return 1.0
    if t.input == "shock":
        for s in scenario.process.shocks if scenario.process is not None else []:
            if s.id == t.shock:
                for name in ("probability", "hazard"):
                    val = getattr(s, name, None)
                    if isinstance(val, (int, float)) and not isinstance(val, bool):
                        return float(val)
        return None
    p = scenario.position_of(t.actor or "", t.issue or "")
    if p is None:
        return None
    return {"position": p.position, "salience": p.salience, "reservation": p.reservation}[t.input]


def _check_support(scenario: Scenario, u: UncertainInput, loc: tuple[Any, ...]) -> None:
    if u.input == "reservation" and scenario_value(scenario, u) is None:
        raise SchemaProblem(
            (*loc, "input"),
            f"actor {u.actor!r} has no reservation point on issue {u.issue!r} to make uncertain",
            u.key(),
            "write the reservation point in its position first",
        )
    if u.low > u.high:
        raise SchemaProblem(
            (*loc, "low"),
            "the support is reversed: low > high",
            [u.low, u.high],
            "low <= high",
        )
    lo, hi, words = support_bounds(scenario, u)
    for fld in ("low", "high"):
        val = getattr(u, fld)
        if not lo <= val <= hi:
            raise SchemaProblem(
                (*loc, fld), f"the {u.input}'s support leaves its range", val, words
            )
    for fld in ("mode", "mean"):
        val = getattr(u, fld)
        if val is not None and not u.low <= val <= u.high:
            raise SchemaProblem(
                (*loc, fld), f"the {fld} lies outside the support", val, f"{u.low:g} to {u.high:g}"
            )
    if u.dist == "triangular" and u.mode is None and u.low < u.high:
        val = scenario_value(scenario, u)
        if val is None or not u.low <= val <= u.high:
            raise SchemaProblem(
                (*loc, "mode"),
                "a triangular distribution peaks at the scenario's own value by default, "
                f"which is {'not written' if val is None else f'{val:g}, outside the support'}",
                [u.low, u.high],
                "a support containing the scenario's value, or an explicit mode",
            )


def _check_shape(u: UncertainInput, loc: tuple[Any, ...]) -> None:
    required = {"beta": ("alpha", "beta"), "truncnorm": ("sd",)}.get(u.dist, ())
    for fld in required:
        if getattr(u, fld) is None:
            raise SchemaProblem(
                (*loc, fld), f"a {u.dist} distribution needs '{fld}'", None, "a number above 0"
            )
    unused = {
        "triangular": ("alpha", "beta", "mean", "sd"),
        "uniform": ("mode", "alpha", "beta", "mean", "sd"),
        "beta": ("mode", "mean", "sd"),
        "truncnorm": ("mode", "alpha", "beta"),
    }[u.dist]
    for fld in unused:
        if getattr(u, fld) is not None:
            raise SchemaProblem(
                (*loc, fld),
                f"a {u.dist} distribution takes no '{fld}'",
                getattr(u, fld),
                _DIST_FIELDS[u.dist],
            )


_DIST_FIELDS = {
    "triangular": "triangular: low, high, mode",
    "uniform": "uniform: low, high",
    "beta": "beta: low, high, alpha, beta",
    "truncnorm": "truncnorm: low, high, mean, sd",
}


def _check_correlations(scenario: Scenario, spec: UncertaintySpec, listed: set[str]) -> None:
    import numpy as np

    if not spec.correlations:
        return
    pairs: dict[tuple[str, str], float] = {}
    for n, c in enumerate(spec.correlations):
        loc: tuple[Any, ...] = ("uncertainty", "correlations", n, "between")
        keys = []
        for m, t in enumerate(c.between):
            problem = target_problem(scenario, t, (*loc, m))
            if problem is not None:
                raise problem
            if t.input in ("driver", "shock") and t.key() not in listed:
                raise SchemaProblem(
                    (*loc, m),
                    "only uncertain inputs can be correlated; this one is not listed in inputs",
                    t.key(),
                    "a driver or shock listed in uncertainty.inputs",
                )
            keys.append(t.key())
        a, b = sorted(keys)
        if a == b:
            raise SchemaProblem(loc, "a target correlated with itself", a, "two different targets")
        if (a, b) in pairs:
            raise SchemaProblem(loc, "this pair is correlated twice", [a, b], "each pair once")
        pairs[(a, b)] = c.rho
    names = sorted({k for p in pairs for k in p})
    idx = {k: i for i, k in enumerate(names)}
    mat = np.eye(len(names))
    for (a, b), rho in pairs.items():
        mat[idx[a], idx[b]] = mat[idx[b], idx[a]] = rho
    low = float(np.linalg.eigvalsh(mat).min())
    if low < -1e-10:
        raise SchemaProblem(
            ("uncertainty", "correlations"),
            "the correlation matrix is not positive semi-definite "
            f"(smallest eigenvalue {low:.3g}): these correlations cannot hold together",
            {f"{a} ~ {b}": r for (a, b), r in pairs.items()},
            "correlations of a positive semi-definite matrix (weaken some rho)",
        )


def _check_what_ifs(scenario: Scenario) -> None:
    if not scenario.what_ifs:
        return
    from detente.uncertainty.whatif import changed_data

    seen: set[str] = set()
    sources = {s.id for s in scenario.sources}
    for n, w in enumerate(scenario.what_ifs):
        loc: tuple[Any, ...] = ("what_ifs", n)
        if w.id in seen:
            raise SchemaProblem((*loc, "id"), "duplicate id", w.id, "what-if ids unique")
        seen.add(w.id)
        for m, s in enumerate(w.sources):
            if s not in sources:
                raise ref_error((*loc, "sources", m), s, "source", sources)
        if w.basis == "documented" and not w.sources:
            raise SchemaProblem(
                (*loc, "basis"),
                "basis is 'documented' but no source is cited",
                w.basis,
                "cite a source id in 'sources', or mark the what-if as 'judgement'",
            )
        changed_data(scenario, n)
