"""The Dayton 1995 historical case: a dated scenario on the eve and its recorded outcome.

The scenario (``dayton-1995-10-31.yaml``) describes the talks as of 31 October 1995, the day
before the proximity talks opened near Dayton; the case file (``dayton-1995.case.yaml``) records
the General Framework Agreement initialled on 21 November 1995 mapped onto each issue's scale.
These tests check what is known independently of any model: the date rule (written again here,
apart from the shared tool), that every judgement is marked, that the outcome resolves against
the scenario, facts of the record, and that ``analyze`` and ``forecast`` run on the eve. How far
the models' forecasts are from the outcome is reported in docs/explanation/case-dayton.md, not
asserted here.
"""

from __future__ import annotations

import datetime as dt

import _case_checks as checks

from detente.history.case_spec import CaseFile
from detente.scenario.io import load

SCENARIO = checks.CASES / "dayton-1995-10-31.yaml"
CASE = checks.CASES / "dayton-1995.case.yaml"
EVE = dt.date(1995, 10, 31)
ISSUES = {
    "territory",
    "sarajevo",
    "brcko_corridor",
    "state_structure",
    "eastern_slavonia",
    "implementation_force",
    "refugee_return",
    "war_crimes",
    "sanctions_relief",
}


def test_scenario_loads_and_validates() -> None:
    s = load(SCENARIO)
    assert s.as_of == EVE
    assert {i.id for i in s.issues} == ISSUES
    assert {a.id for a in s.actors} == {"BIH", "SRB", "HRV", "USA", "EUR", "RUS"}
    vetoes = {a.id for a in s.actors if a.veto}
    assert vetoes == {"BIH", "SRB", "HRV", "USA"}
    assert s.actor("USA").role == "mediator" and s.actor("USA").veto_issues == [
        "implementation_force"
    ]
    checks.check_anchors_on_the_scale(s)


def test_outcome_facts_of_the_record() -> None:
    case = CaseFile.model_validate(checks.read_yaml(CASE))
    # Initialled at Wright-Patterson on 21 November 1995, signed in Paris on 14 December 1995.
    assert case.outcome.reached is True
    assert case.outcome.date == dt.date(1995, 11, 21)
    assert [(r.date, r.passed) for r in case.outcome.ratification] == [
        (dt.date(1995, 12, 14), True)
    ]
    # The inter-entity line kept the Contact Group's 51:49 (Serb entity 49 per cent), the
    # parameter of the Geneva principles: the outcome equals that documented anchor.
    s = load(SCENARIO)
    geneva = [a for a in s.issue("territory").scale.anchors if "S12" in a.sources]
    assert [a.value for a in geneva] == [case.outcome.issues["territory"].value] == [49.0]


class TestCaseChecks(checks.CaseChecks):
    """The generic checks (:mod:`_case_checks`) on this case's own files, dates and ids."""

    SCENARIO, CASE, EVE, ISSUES = SCENARIO, CASE, EVE, ISSUES
    ACTORS = ("BIH", "SRB")
    LATE = ("S12", "1995-11-21")
