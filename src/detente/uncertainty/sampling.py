"""Draws of a scenario's uncertain inputs (Sobol, Latin hypercube or plain random).

OWNER: the uncertainty-inputs work. The signature of :func:`draw_inputs` is the seam the
ensemble runner, sensitivity analysis and ``detente simulate`` call; the body is the owner's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from detente.typing import SeedLike

if TYPE_CHECKING:
    from detente.scenario.draws import InputDraws
    from detente.scenario.schema import Scenario

__all__ = ["Method", "draw_inputs"]

Method = Literal["sobol", "lhs", "random"]


def draw_inputs(
    scenario: Scenario,
    n: int,
    *,
    seed: SeedLike | None = None,
    method: Method = "sobol",
    what_if: str | None = None,
) -> InputDraws:
    """``n`` draws of every uncertain input of ``scenario`` (or of its what-if ``what_if``).

    Every position, salience, capability and reservation point is uncertain, with the
    scenario's ``uncertainty`` block's distributions where given and the defaults by basis
    elsewhere; drivers and shocks of the ``process`` block likewise.
    """
    raise NotImplementedError("draw_inputs is being written (issue 12)")
