"""The optional ``conflict`` block: the armed conflict behind a negotiation, in UCDP's terms.

It describes the war a peace talk is about with the covariates of the UCDP Conflict
Termination data (Kreutz 2010), so that :mod:`detente.history` can look up how conflicts of that
kind have ended (``detente baserate``). The codes follow the UCDP/PRIO Armed Conflict Dataset
codebook: type of conflict, intensity, incompatibility, region.

References
----------
Kreutz, J. (2010). How and when armed conflicts end: Introducing the UCDP Conflict Termination
dataset. *Journal of Peace Research* 47(2), 243-250.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from detente.scenario._types import Id, SchemaProblem, Strict, Text, ref_error

if TYPE_CHECKING:
    from detente.scenario.schema import Scenario

__all__ = [
    "CODES",
    "CONFLICT_TYPES",
    "INCOMPATIBILITIES",
    "INTENSITIES",
    "REGIONS",
    "ConflictSpec",
    "check_conflict",
]

#: UCDP ``type_of_conflict`` codes 1-4 by name.
CONFLICT_TYPES = {
    "extrasystemic": 1,
    "interstate": 2,
    "intrastate": 3,
    "internationalized_intrastate": 4,
}
#: UCDP ``intensity_level``: 1 = 25-999 battle-related deaths in a year, 2 = 1,000 or more.
INTENSITIES = {"minor": 1, "war": 2}
#: UCDP ``incompatibility``: 1 territory, 2 government, 3 both.
INCOMPATIBILITIES = {"territory": 1, "government": 2, "both": 3}
#: UCDP ``region`` codes 1-5 by name.
REGIONS = {"europe": 1, "middle_east": 2, "asia": 3, "africa": 4, "americas": 5}
#: Each covariate field of the block with its names and codes.
CODES = {
    "type": CONFLICT_TYPES,
    "intensity": INTENSITIES,
    "incompatibility": INCOMPATIBILITIES,
    "region": REGIONS,
}

ConflictType = Literal["extrasystemic", "interstate", "intrastate", "internationalized_intrastate"]
Intensity = Literal["minor", "war"]
Incompatibility = Literal["territory", "government", "both"]
Region = Literal["europe", "middle_east", "asia", "africa", "americas"]


class ConflictSpec(Strict):
    """The armed conflict a negotiation is about, described by UCDP's covariates.

    Attributes
    ----------
    type : str
        ``interstate``, ``intrastate``, ``internationalized_intrastate`` or ``extrasystemic``.
    intensity : str
        ``war`` (1,000 or more battle-related deaths in a year) or ``minor`` (25-999).
    incompatibility : str
        What is fought over: ``territory``, ``government`` or ``both``.
    region : str
        ``europe``, ``middle_east``, ``asia``, ``africa`` or ``americas``.
    start : date
        When the current episode of fighting began (for the duration so far).
    ucdp_conflict_id : int or None
        The conflict's UCDP id, when it has one (documentation only).
    sources : list of source ids
        Where the description comes from.
    notes : str
        Free text: how the coding was decided.
    """

    type: ConflictType
    intensity: Intensity
    incompatibility: Incompatibility
    region: Region
    start: dt.date
    ucdp_conflict_id: int | None = Field(default=None, strict=True, ge=1)
    sources: list[Id] = Field(default_factory=list)
    notes: Text = ""

    def codes(self) -> dict[str, int]:
        """The block in UCDP's numeric codes (``type_of_conflict``, ``intensity_level``, ...)."""
        return {
            "type_of_conflict": CONFLICT_TYPES[self.type],
            "intensity_level": INTENSITIES[self.intensity],
            "incompatibility": INCOMPATIBILITIES[self.incompatibility],
            "region": REGIONS[self.region],
        }


def check_conflict(scenario: Scenario) -> None:
    """Cross-checks of a scenario's conflict block (sources exist; started by the as-of date).

    Raises
    ------
    SchemaProblem
        With the location of the first problem.
    """
    c = scenario.conflict
    if c is None:
        return
    sources = {s.id for s in scenario.sources}
    for m, s in enumerate(c.sources):
        if s not in sources:
            raise ref_error(("conflict", "sources", m), s, "source", sources)
    if scenario.as_of is not None and c.start > scenario.as_of:
        problem: Any = c.start.isoformat()
        raise SchemaProblem(
            ("conflict", "start"),
            "the conflict starts after the scenario's as_of date",
            problem,
            f"a start on or before {scenario.as_of.isoformat()}",
        )
