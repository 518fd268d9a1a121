"""The optional ``process`` block of a scenario: talks as a process over time (issue 13).

OWNER: the process-environment work (drivers, shocks, walk-aways that move, linked limits,
declared contradictions, sequencing, ratification). The protocol and strategies live in
:mod:`detente.scenario.protocol_spec` (owned by the process-protocols work).

Names shared with other work (keep them): ``ProcessSpec.drivers`` (each with an ``id``),
``ProcessSpec.shocks`` (each with an ``id``), ``ProcessSpec.start``, ``ProcessSpec.round_days``,
``ProcessSpec.protocol``, ``ProcessSpec.strategies``, ``check_process``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from detente.scenario._types import Id, Strict, Text
from detente.scenario.protocol_spec import ProtocolSpec, StrategySpec

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = ["Driver", "ProcessSpec", "Shock", "check_process"]


class Driver(Strict):
    """A dated series that moves walk-aways (territory taken per month, external funding)."""

    id: Id
    name: Text = ""


class Shock(Strict):
    """A named event with a date or a hazard (the front stalls; aid is cut)."""

    id: Id
    name: Text = ""


class ProcessSpec(Strict):
    """Everything about the talks over time."""

    start: dt.date | None = None
    round_days: Annotated[int, Field(strict=True, ge=1, le=366)] = 7
    protocol: ProtocolSpec = Field(default_factory=ProtocolSpec)
    strategies: list[StrategySpec] = Field(default_factory=list)
    drivers: list[Driver] = Field(default_factory=list)
    shocks: list[Shock] = Field(default_factory=list)


def check_process(scenario: Scenario) -> None:
    """Check the block's references against the scenario; raise ``SchemaProblem`` if wrong."""
    return None
