"""The optional ``uncertainty`` and ``what_ifs`` blocks of a scenario (issue 12).

OWNER: the uncertainty work. This module is a seam written before the work began: the names
below (``Target`` and its keys, ``UncertainInput``, ``UncertaintySpec``, ``WhatIf``,
``check_uncertainty``) are shared with the process work and the ensemble runner; their fields
are to be completed by the owner.

A *target* addresses one number of a scenario in the analyst's terms::

    {input: position,    actor: UKR, issue: territory}
    {input: salience,    actor: UKR, issue: territory}
    {input: capability,  actor: RUS}
    {input: reservation, actor: UKR, issue: territory}
    {input: driver,      driver: front_gain}      # a multiplier on the series after the start
    {input: shock,       shock: aid_cut}          # the shock's probability (or hazard)

Draws of process targets reach :mod:`detente.process` as the keys ``"driver:<id>"`` and
``"shock:<id>"`` of :attr:`detente.scenario.draws.InputDraws.values`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from detente.scenario._types import Id, Number, Strict, Text

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = [
    "InputKind",
    "Target",
    "UncertainInput",
    "UncertaintySpec",
    "WhatIf",
    "check_uncertainty",
]

InputKind = Literal["position", "salience", "capability", "reservation", "driver", "shock"]
DistName = Literal["triangular", "uniform", "beta", "truncnorm"]


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
    """A distribution over one target (overrides the default for its basis)."""

    dist: DistName = "triangular"
    low: Number
    high: Number
    mode: Number | None = None
    group: Text = ""


class UncertaintySpec(Strict):
    """Distributions over the scenario's numbers, their defaults by basis, and correlations."""

    inputs: list[UncertainInput] = Field(default_factory=list)


class WhatIf(Strict):
    """A named alternative to the base case ("Western aid doubles"), run beside it."""

    id: Id
    name: Text
    description: Text = ""
    sources: list[Id] = Field(default_factory=list)


def check_uncertainty(scenario: Scenario) -> None:
    """Check the blocks' references against the scenario; raise ``SchemaProblem`` if wrong."""
    return None
