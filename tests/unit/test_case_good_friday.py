"""The Good Friday case (multi-party talks, 6 April 1998): inputs dated, outcome recorded."""

from __future__ import annotations

import datetime as dt

import _case_checks as checks
import pytest

from detente.history.cases import load_case, score_cases

SCENARIO = checks.CASES / "good-friday-1998-04-06.yaml"
CASE = checks.CASES / "good-friday-1998.case.yaml"
EVE = dt.date(1998, 4, 6)
ISSUES = {
    "consent",
    "articles_2_3",
    "north_south",
    "assembly",
    "decommissioning",
    "prisoners",
    "policing",
}


@pytest.fixture(scope="module")
def case():
    return load_case("good-friday-1998")


def test_every_cited_source_is_dated_by_the_eve(case) -> None:
    cited = checks.check_loaded_cited_by_the_eve(case.scenario, EVE)
    # the governments' papers the scales are anchored on are among them
    assert {"S1", "S2", "S3", "S4"} <= cited


def test_the_veto_players_and_the_recorded_referendums(case) -> None:
    assert [a.id for a in case.scenario.actors if a.veto] == ["UK", "IRL", "UUP", "SDLP"]
    out = case.spec.outcome
    assert out.date == dt.date(1998, 4, 10)
    ni, roi = out.ratification
    assert (ni.date, ni.passed, ni.scenario_stage) == (dt.date(1998, 5, 22), True, "referendum_ni")
    assert "71.12%" in ni.detail and "94.39%" in roi.detail and roi.passed


def test_eve_gap_on_the_assembly_by_hand(case) -> None:
    """UUP signs the assembly issue on [45, 100] (position 80, reservation 45: 80 - 35 = 45,
    80 + 35 clipped to 100); the SDLP on [0, 35] (15, 35: 15 - 20 clipped to 0, 15 + 20 = 35):
    a gap of 10 between the SDLP and the UUP, so there is no zone on the eve."""
    res = score_cases([case], ["compromise"], n_boot=50, runs=20)
    e = res.eve["good-friday-1998"]
    assert e["zone"] is False
    gaps = {g["issue"]: g for g in e["gaps"]}
    assert gaps["assembly"]["gap"] == pytest.approx(10.0)
    assert e["inside"]["UUP"]["assembly"]["interval"] == [45.0, 100.0]
    assert e["inside"]["SDLP"]["assembly"]["interval"] == [0.0, 35.0]


class TestCaseChecks(checks.CaseChecks):
    """The generic checks (:mod:`_case_checks`) on this case's own files, dates and ids; with
    them, every position documented with a source or marked judgement."""

    SCENARIO, CASE, EVE, ISSUES = SCENARIO, CASE, EVE, ISSUES
    ACTORS = ("UK", "IRL", "UUP", "SDLP")
    LATE = ("S1", "1999-01-01")
    ARGUED = False
