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
import json
import re
from pathlib import Path
from typing import Any

import yaml

from detente.history.case_spec import CaseFile
from detente.scenario.io import load

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "src" / "detente" / "history" / "cases"
SCENARIO = CASES / "dayton-1995-10-31.yaml"
CASE = CASES / "dayton-1995.case.yaml"
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
_BRACKET = re.compile(r"\[([^\[\]]+)\]")


def _yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _cited(node: Any) -> set[str]:
    """Source ids cited anywhere: lists under keys ending in ``sources``, ``[S..]`` in text."""
    if isinstance(node, dict):
        out: set[str] = set()
        for k, v in node.items():
            if str(k).endswith("sources") and isinstance(v, list):
                out |= {str(x) for x in v}
            else:
                out |= _cited(v)
        return out
    if isinstance(node, list):
        return set().union(set(), *(_cited(v) for v in node))
    if isinstance(node, str):
        found: set[str] = set()
        for group in _BRACKET.findall(node):
            found |= {
                t.strip() for t in re.split(r"[,;]", group) if re.fullmatch(r"S\d+", t.strip())
            }
        return found
    return set()


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
    for issue in s.issues:  # anchors documented, on the scale, every one with a label
        assert issue.scale.anchors, issue.id
        for a in issue.scale.anchors:
            assert issue.scale.lo <= a.value <= issue.scale.hi


def _late_or_unknown(raw: dict[str, Any]) -> list[str]:
    """Cited ids that resolve to no source, are undated, or are dated after the eve."""
    dates = {str(s["id"]): s.get("date") for s in raw["sources"]}
    bad = []
    for sid in sorted(_cited({k: v for k, v in raw.items() if k != "sources"})):
        if dates.get(sid) is None or dt.date.fromisoformat(str(dates[sid])) > EVE:
            bad.append(sid)
    return bad


def test_every_cited_source_resolves_and_is_dated_by_the_eve() -> None:
    raw = _yaml(SCENARIO)
    assert _cited(raw), "the scenario cites nothing"
    assert _late_or_unknown(raw) == []
    # Nothing after the eve sits in the source list either (cited or not).
    assert all(dt.date.fromisoformat(str(s["date"])) <= EVE for s in raw["sources"])


def test_the_date_check_catches_a_late_source() -> None:
    """The check above is not vacuous: date one cited source after the eve and it is caught."""
    raw = _yaml(SCENARIO)
    for s in raw["sources"]:
        if s["id"] == "S12":
            s["date"] = "1995-11-21"
    assert _late_or_unknown(raw) == ["S12"]


def test_validate_command_accepts_the_scenario() -> None:
    r = _cli("validate", str(SCENARIO))
    assert r.exit_code == 0, r.output


def test_every_judgement_is_marked_and_argued() -> None:
    s = load(SCENARIO)
    for a in s.actors:
        assert a.capability_basis == "judgement" and "judgement" in a.notes.lower(), a.id
    for p in s.positions:
        where = f"{p.actor}/{p.issue}"
        assert p.salience_basis == "judgement", where
        assert p.note, where
        if p.basis == "documented":
            assert p.sources, where
        else:
            assert "judgement" in p.note.lower(), where
        if p.reservation is not None:
            assert "reservation" in p.note.lower(), where
    veto_parties = {a.id for a in s.actors if a.veto and a.role == "party"}
    for p in s.positions:  # every veto party's position carries a reservation point
        if p.actor in veto_parties:
            assert p.reservation is not None, f"{p.actor}/{p.issue}"


def test_case_file_validates_and_resolves_against_the_scenario() -> None:
    case = CaseFile.model_validate(_yaml(CASE))
    assert (CASE.parent / case.scenario).resolve() == SCENARIO.resolve()
    s = load(SCENARIO)
    scales = {i.id: i.scale for i in s.issues}
    assert set(case.outcome.issues) == ISSUES  # every issue mapped, none invented
    ids = {src.id for src in case.sources}
    assert len(ids) == len(case.sources)
    assert set(case.outcome.sources) <= ids
    for iid, out in case.outcome.issues.items():
        assert scales[iid].lo <= out.value <= scales[iid].hi, iid
        assert out.sources and set(out.sources) <= ids, iid
        assert set(_cited_outcome(out.argument)) <= ids, iid
    for stage in case.outcome.ratification:
        assert set(stage.sources) <= ids
        assert stage.date >= case.outcome.date
    assert "as_of" not in _yaml(CASE)  # the outcome is later by nature: no as_of in the case


def _cited_outcome(text: str) -> set[str]:
    found: set[str] = set()
    for group in _BRACKET.findall(text):
        found |= {t.strip() for t in re.split(r"[,;]", group) if re.fullmatch(r"O\d+", t.strip())}
    return found


def test_outcome_facts_of_the_record() -> None:
    case = CaseFile.model_validate(_yaml(CASE))
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


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app

    _register_commands()
    return CliRunner().invoke(app, list(args))


def test_analyze_runs_on_the_eve() -> None:
    r = _cli("analyze", str(SCENARIO))
    assert r.exit_code == 0, r.output
    assert "BIH" in r.output and "SRB" in r.output


def test_forecast_runs_on_the_eve() -> None:
    r = _cli("forecast", str(SCENARIO), "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["forecasts"]
    assert {row["issue"] for row in rows} == ISSUES
    for row in rows:
        if row["forecast"] is not None:
            assert 0.0 <= row["forecast"] <= 100.0
