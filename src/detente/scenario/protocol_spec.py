"""The protocol and strategy part of a scenario's optional ``process`` block (issue 13).

``ProtocolSpec`` says how the talks run (which protocol, the mediator, its draft rule and
pressure, the deadline the parties concede toward, how many ratification attempts a run may
make); ``StrategySpec`` gives one actor's concession strategy
(:mod:`detente.process.strategies`). :class:`~detente.scenario.process_spec.ProcessSpec`
holds them; :func:`check_protocol` checks their references against the scenario (actor ids,
the mediator) and raises a located :class:`~detente.scenario._types.SchemaProblem`.

Example (YAML)::

    process:
      start: 2025-12-19
      protocol: {name: single_text, mediator: USA, draft: mediator, pressure: 0.2,
                 deadline_rounds: 52}
      strategies:
        - {actor: RUS, kind: boulware, params: {e: 0.3}}
        - {actor: UKR, kind: tit_for_tat, reciprocity: relative}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from detente.scenario._types import Id, SchemaProblem, Strict, ref_error

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = [
    "PROTOCOLS",
    "STRATEGY_KINDS",
    "ProtocolSpec",
    "StrategySpec",
    "check_protocol",
    "mediator_of",
]

#: Protocol names ``simulate`` runs.
PROTOCOLS = ("single_text", "alternating")
#: Strategy kinds (see :mod:`detente.process.strategies`).
STRATEGY_KINDS = ("boulware", "linear", "conceder", "time", "tit_for_tat", "hardliner")
#: The numeric ``params`` each strategy kind takes.
_PARAMS: dict[str, tuple[str, ...]] = {
    "boulware": ("e", "kappa", "deadline"),
    "linear": ("kappa", "deadline"),
    "conceder": ("e", "kappa", "deadline"),
    "time": ("e", "kappa", "deadline"),
    "tit_for_tat": ("kappa", "delta"),
    "hardliner": ("kappa",),
}

Unit = Annotated[float, Field(strict=True, ge=0.0, le=1.0, allow_inf_nan=False)]


class ProtocolSpec(Strict):
    """How the talks run: the protocol, the mediator and its draft rule.

    Attributes
    ----------
    name : {"single_text", "alternating"}
        The single negotiating text (a mediator drafts, the parties object, the mediator
        revises) or multilateral alternating offers (each party in turn proposes).
    mediator : actor id, optional
        Who drafts the single text (default: the first actor whose role is ``mediator``).
    draft : {"nash", "mediator"}
        The draft rule: the Nash product of the veto players' gains over what they would all
        sign now, or the mediator's own preferred package within it.
    pressure : float in [0, 1]
        How far an interested mediator pulls the draft from that package toward its own
        ideal (``draft: mediator`` only; 0 = none, 1 = its ideal whatever the parties say).
    deadline_rounds : int
        Rounds to the deadline the parties concede toward (Faratin's ``t_max``), unless a
        strategy sets its own.
    max_ratifications : int
        Ratification attempts a run may make; after that many failures it ends without a
        deal.
    candidates : int
        Interior values per issue the Nash draft searches (besides the ends of what every
        veto player would sign and their positions).
    """

    name: Literal["single_text", "alternating"] = "single_text"
    mediator: Id | None = None
    draft: Literal["nash", "mediator"] = "nash"
    pressure: Unit = 0.0
    deadline_rounds: Annotated[int, Field(strict=True, ge=1, le=100_000)] = 52
    max_ratifications: Annotated[int, Field(strict=True, ge=1, le=100)] = 2
    candidates: Annotated[int, Field(strict=True, ge=1, le=1000)] = 7

    @model_validator(mode="after")
    def _pressure_needs_mediator_rule(self) -> ProtocolSpec:
        if self.pressure > 0 and self.draft != "mediator":
            raise ValueError(
                "pressure pulls the draft toward the mediator's ideal; it needs draft: mediator"
            )
        return self


class StrategySpec(Strict):
    """One actor's concession strategy (see :mod:`detente.process.strategies`).

    Attributes
    ----------
    actor : actor id
    kind : {"boulware", "linear", "conceder", "time", "tit_for_tat", "hardliner"}
    params : dict
        ``e`` (> 0, Faratin's exponent; boulware < 1, conceder > 1), ``kappa`` (opening
        concession in [0, 1)), ``deadline`` (rounds, >= 1), ``delta`` (tit-for-tat memory,
        rounds, whole number >= 1); which ones a kind takes is checked.
    family : {"polynomial", "exponential"}
        Faratin's curve family for the time-dependent kinds.
    reciprocity : {"relative", "absolute"}
        Tit-for-tat only.
    """

    actor: Id
    kind: Literal["boulware", "linear", "conceder", "time", "tit_for_tat", "hardliner"] = "linear"
    params: dict[str, float] = Field(default_factory=dict)
    family: Literal["polynomial", "exponential"] = "polynomial"
    reciprocity: Literal["relative", "absolute"] = "relative"

    @model_validator(mode="after")
    def _check_params(self) -> StrategySpec:
        allowed = _PARAMS[self.kind]
        for key, val in self.params.items():
            if key not in allowed:
                raise ValueError(
                    f"strategy {self.kind!r} takes no parameter {key!r}; allowed: "
                    + ", ".join(allowed)
                )
            _check_value(self.kind, key, float(val), self.family)
        return self


def _check_value(kind: str, key: str, val: float, family: str) -> None:
    """Refuse a strategy parameter outside its range (in words)."""
    import math

    if not math.isfinite(val):
        raise ValueError(f"{key} must be a finite number, got {val!r}")
    if key == "e":
        if val <= 0:
            raise ValueError(f"e must be > 0, got {val:g}")
        if kind == "boulware" and val >= 1:
            raise ValueError(f"a boulware strategy has e < 1, got {val:g}; use conceder or time")
        if kind == "conceder" and val <= 1:
            raise ValueError(f"a conceder strategy has e > 1, got {val:g}; use boulware or time")
    elif key == "kappa":
        low_ok = val > 0 if family == "exponential" else val >= 0
        if not (low_ok and val < 1):
            want = "(0, 1)" if family == "exponential" else "[0, 1)"
            raise ValueError(f"kappa must lie in {want}, got {val:g}")
    elif key == "deadline" and val < 1:
        raise ValueError(f"deadline must be >= 1 round, got {val:g}")
    elif key == "delta" and (val < 1 or val != int(val)):
        raise ValueError(f"delta must be a whole number of rounds >= 1, got {val:g}")


def check_protocol(scenario: Scenario) -> None:
    """Check the process block's protocol and strategies against the scenario.

    Raises :class:`SchemaProblem` (located at ``process.protocol.mediator`` or
    ``process.strategies.N.actor``) for an unknown actor, an actor given two strategies, a
    mediator rule without a mediator, or a mediator that is not at the table on any issue.
    """
    spec = scenario.process
    if spec is None:
        return
    ids = {a.id for a in scenario.actors}
    proto = spec.protocol
    if proto.mediator is not None and proto.mediator not in ids:
        raise ref_error(("process", "protocol", "mediator"), proto.mediator, "actor", ids)
    if proto.draft == "mediator" and proto.name == "single_text" and mediator_of(scenario) is None:
        raise SchemaProblem(
            ("process", "protocol", "draft"),
            "the mediator draft rule needs a mediator",
            proto.draft,
            "name one with protocol.mediator, give an actor role: mediator, or draft: nash",
        )
    seen: set[str] = set()
    for n, s in enumerate(spec.strategies):
        if s.actor not in ids:
            raise ref_error(("process", "strategies", n, "actor"), s.actor, "actor", ids)
        if s.actor in seen:
            raise SchemaProblem(
                ("process", "strategies", n, "actor"),
                "actor given two strategies",
                s.actor,
                "one strategy per actor",
            )
        seen.add(s.actor)


def mediator_of(scenario: Scenario) -> str | None:
    """The mediator's id: the protocol's ``mediator``, else the first actor with role
    ``mediator``, else ``None``."""
    spec = scenario.process
    if spec is not None and spec.protocol.mediator is not None:
        return spec.protocol.mediator
    for a in scenario.actors:
        if a.role == "mediator":
            return a.id
    return None
