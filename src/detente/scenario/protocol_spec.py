"""The protocol and strategy part of a scenario's optional ``process`` block (issue 13).

OWNER: the process-protocols work. ``ProtocolSpec`` (which protocol, the mediator, its draft
rule and pressure) and ``StrategySpec`` (each actor's concession strategy) are completed by the
owner; :class:`~detente.scenario.process_spec.ProcessSpec` holds them.
"""

from __future__ import annotations

from pydantic import Field

from detente.scenario._types import Id, Strict

__all__ = ["ProtocolSpec", "StrategySpec"]


class ProtocolSpec(Strict):
    """How the talks run: the protocol, the mediator and its draft rule."""

    name: str = "single_text"
    mediator: Id | None = None


class StrategySpec(Strict):
    """One actor's concession strategy."""

    actor: Id
    kind: str = "linear"
    params: dict[str, float] = Field(default_factory=dict)
