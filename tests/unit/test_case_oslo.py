"""The Oslo I 1993 historical case: a dated scenario on the eve and its recorded outcome.

The scenario (``oslo-1993-08-01.yaml``) describes the talks as of 1 August 1993, before the
Declaration of Principles was initialled in Oslo (20 August) and signed in Washington
(13 September); the case file (``oslo-1993.case.yaml``) records the Declaration and the letters of
mutual recognition mapped onto each issue's scale.
These tests check what is known independently of any model: the date rule (written again here,
apart from the shared tool), that every judgement is marked, that the outcome resolves against
the scenario, facts of the record, and that ``analyze`` and ``forecast`` run on the eve. How far
the models' forecasts are from the outcome is reported in docs/explanation/case-oslo.md, not
asserted here.
"""

from __future__ import annotations

import datetime as dt
import re

import _case_checks as checks

from detente.history.case_spec import CaseFile
from detente.scenario.io import load

SCENARIO = checks.CASES / "oslo-1993-08-01.yaml"
CASE = checks.CASES / "oslo-1993.case.yaml"
EVE = dt.date(1993, 8, 1)
ISSUES = {
    "mutual_recognition",
    "self_government_scope",
    "withdrawal",
    "jerusalem",
    "settlements",
    "security",
    "elections",
    "timetable",
    "refugees",
}


def test_scenario_loads_and_validates() -> None:
    s = load(SCENARIO)
    assert s.as_of == EVE
    assert {i.id for i in s.issues} == ISSUES
    assert {a.id for a in s.actors} == {"ISR", "PLO", "USA", "NOR"}
    assert {a.id for a in s.actors if a.veto} == {"ISR", "PLO"}
    assert s.actor("NOR").role == "mediator" and s.actor("USA").role == "mediator"
    checks.check_anchors_on_the_scale(s)


def test_outcome_facts_of_the_record() -> None:
    case = CaseFile.model_validate(checks.read_yaml(CASE))
    # Initialled in Oslo on 20 August 1993, signed at the White House on 13 September 1993;
    # the Knesset approved it on 23 September 1993 by 61 to 50 (8 abstentions).
    assert case.outcome.reached is True
    assert case.outcome.date == dt.date(1993, 8, 20)
    stages = [(r.date, r.passed) for r in case.outcome.ratification]
    assert stages == [(dt.date(1993, 9, 13), True), (dt.date(1993, 9, 23), True)]
    knesset = case.outcome.ratification[1]
    for_, against = (int(x) for x in re.findall(r"(\d+) for, (\d+) against", knesset.detail)[0])
    assert (for_, against) == (61, 50) and for_ + against <= 120
    # The interim period of the Declaration is Madrid's: five years, permanent-status talks by
    # the third year; the outcome sits on that documented anchor.
    s = load(SCENARIO)
    madrid = [a for a in s.issue("timetable").scale.anchors if "S4" in a.sources]
    assert [a.value for a in madrid] == [case.outcome.issues["timetable"].value] == [40.0]


class TestCaseChecks(checks.CaseChecks):
    """The generic checks (:mod:`_case_checks`) on this case's own files, dates and ids."""

    SCENARIO, CASE, EVE, ISSUES = SCENARIO, CASE, EVE, ISSUES
    ACTORS = ("ISR", "PLO")
    LATE = ("S14", "1993-09-13")
