"""KTAB's nine SMP model parameters: names, allowed values and defaults, in one place.

The KTAB reader checks a file's ``<ModelParameters>`` against this table, the ``smp`` model
validates its options and fills in the defaults from it. The values are in KTAB's enum
order; the defaults are KTAB's code defaults (``pySMP.py`` passes ``(0,0,0,2,1,1,1,1,0)``),
as its reference logs print them (``shared/reference/bargaining-models.md`` §1.6).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = ["KTAB_ALIASES", "KTAB_DEFAULTS", "KTAB_PARAMETERS"]

#: The nine parameters and their allowed values, in KTAB's enum order.
KTAB_PARAMETERS: Final = MappingProxyType(
    {
        "VictoryProbModel": ("Linear", "Square", "Quartic", "Octic", "Binary"),
        "PCEModel": ("Conditional", "MarkovIncentive", "MarkovUniform"),
        "StateTransitions": ("Deterministic", "Stochastic"),
        "VotingRule": ("Binary", "PropBin", "Proportional", "PropCbc", "Cubic", "ASymProsp"),
        "BigRAdjust": ("None", "OneThird", "Half", "TwoThirds", "Full"),
        "BigRRange": ("Min", "Mid", "Max"),
        "ThirdPartyCommit": ("NoCommit", "SemiCommit", "FullCommit"),
        "InterVecBrgn": ("S1P1", "S2P2", "S2PMax"),
        "BargnModel": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
    }
)

#: KTAB's default of each parameter.
KTAB_DEFAULTS: Final = MappingProxyType(
    {
        "VictoryProbModel": "Linear",
        "PCEModel": "Conditional",
        "StateTransitions": "Deterministic",
        "VotingRule": "Proportional",
        "BigRAdjust": "OneThird",
        "BigRRange": "Mid",
        "ThirdPartyCommit": "SemiCommit",
        "InterVecBrgn": "S2P2",
        "BargnModel": "InitOnlyInterp",
    }
)

#: Short names KTAB's logs print for some values (``VotingRule: Prop``).
KTAB_ALIASES: Final = MappingProxyType({"Prop": "Proportional"})
