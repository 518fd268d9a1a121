"""The Colombia case (Havana, eve of the text of 24 August 2016): inputs dated, outcome recorded."""

from __future__ import annotations

import datetime as dt

import _case_checks as checks
import pytest

from detente.history.cases import load_case, score_cases

SCENARIO = checks.CASES / "colombia-2016-08-23.yaml"
CASE = checks.CASES / "colombia-2016.case.yaml"
EVE = dt.date(2016, 8, 23)
#: The six points of the Havana agenda, in the scenario's order.
AGENDA = [
    "agrarian_reform",
    "political_participation",
    "end_of_conflict",
    "illicit_drugs",
    "transitional_justice",
    "ratification",
]


@pytest.fixture(scope="module")
def case():
    return load_case("colombia-2016")


def test_every_cited_source_is_dated_by_the_eve(case) -> None:
    checks.check_loaded_cited_by_the_eve(case.scenario, EVE, ratification=True)


def test_every_salience_is_marked_judgement(case) -> None:
    # (positions documented or marked judgement: TestCaseChecks.test_every_judgement_is_marked)
    for p in case.scenario.positions:
        assert p.salience_basis == "judgement"


def test_the_six_agenda_points_are_the_issues(case) -> None:
    assert [i.id for i in case.scenario.issues] == AGENDA
    assert [a.id for a in case.scenario.actors if a.veto] == ["GOV", "FARC"]


def test_the_recorded_ratification(case) -> None:
    out = case.spec.outcome
    assert out.date == dt.date(2016, 8, 24) and out.reached
    pleb, senate, house = out.ratification
    assert (pleb.date, pleb.passed) == (dt.date(2016, 10, 2), False)
    assert pleb.scenario_stage == "plebiscite"
    assert "50.22%" in pleb.detail and "49.78%" in pleb.detail
    assert (senate.date, senate.passed) == (dt.date(2016, 11, 29), True) and "75-0" in senate.detail
    assert (house.date, house.passed) == (dt.date(2016, 11, 30), True) and "130-0" in house.detail
    (rev,) = out.revisions
    assert rev.date == dt.date(2016, 11, 24)
    assert set(rev.issues) == set(out.issues)


def test_the_plebiscite_stage_is_a_referendum_citing_the_polls(case) -> None:
    (st,) = case.scenario.process.ratification
    assert st.id == "plebiscite" and st.kind == "referendum"
    assert {"S11", "S12", "S13", "S14"} <= set(st.sources)  # the polls of July and August


def test_eve_zone_and_intervals_by_hand(case) -> None:
    """Justice: GOV signs [30, 50] (position 40, reservation 30), FARC [12, 38] (25, 38): they
    meet on [30, 38], and the recorded 35 lies in both. Every issue's intervals meet."""
    res = score_cases([case], ["compromise"], n_boot=50, runs=20)
    e = res.eve["colombia-2016"]
    assert e["zone"] is True and e["gaps"] == []
    assert e["inside"]["GOV"]["transitional_justice"]["interval"] == [30.0, 50.0]
    assert e["inside"]["FARC"]["transitional_justice"]["interval"] == [12.0, 38.0]
    assert e["inside"]["FARC"]["transitional_justice"]["inside"] is True


class TestCaseChecks(checks.CaseChecks):
    """The generic checks (:mod:`_case_checks`) on this case's own files, dates and ids."""

    SCENARIO, CASE, EVE, ISSUES = SCENARIO, CASE, EVE, set(AGENDA)
    ACTORS = ("GOV", "FARC")
    LATE = ("S11", "2016-09-01")
    ARGUED = False
