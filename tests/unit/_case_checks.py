"""Checks shared by the historical-case and example tests; each test file passes its own facts.

The date rule is written again here, apart from the shared tool (``../shared/tools``), so the
tests check it independently: an id is cited when it sits in a list under a key ending in
``sources`` or in a ``[S..]`` bracket of any text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.history.case_spec import CaseFile
from detente.scenario.io import load

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "src" / "detente" / "history" / "cases"
SHARED_TOOL = ROOT.parent / "shared" / "tools" / "check_dating.py"
#: ``[S4]``, ``[S9, S10]``, ``[S1-S3]``: ids cited in brackets in free text.
BRACKET = re.compile(r"\[([^\[\]]+)\]")
_RANGE = re.compile(r"S(\d+)\s*[-\u2013]\s*S(\d+)")


def read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def ids_in_text(text: str, prefix: str = "S", *, ranges: bool = False) -> set[str]:
    """Ids ``<prefix><digits>`` cited in ``[...]`` brackets of a text; with ``ranges``,
    ``S1-S3`` is expanded."""
    one = re.compile(rf"{prefix}\d+")
    out: set[str] = set()
    for group in BRACKET.findall(text):
        for token in re.split(r"[,;]", group):
            token = token.strip()
            if ranges and (m := _RANGE.fullmatch(token)):
                out |= {f"S{k}" for k in range(int(m.group(1)), int(m.group(2)) + 1)}
            elif one.fullmatch(token):
                out.add(token)
    return out


def cited(node: Any, *, ranges: bool = False) -> set[str]:
    """Every id cited in a raw YAML tree: lists under a key ending in ``sources`` (a position's
    ``sources``, an anchor's ``sources``, ``capability_sources``) and ``[S..]`` in any text."""
    if isinstance(node, dict):
        out: set[str] = set()
        for k, v in node.items():
            if str(k).endswith("sources") and isinstance(v, list):
                out |= {str(x) for x in v}
            else:
                out |= cited(v, ranges=ranges)
        return out
    if isinstance(node, list):
        return set().union(set(), *(cited(v, ranges=ranges) for v in node))
    if isinstance(node, str):
        return ids_in_text(node, ranges=ranges)
    return set()


def late_or_unknown(raw: dict[str, Any], eve: dt.date) -> list[str]:
    """Cited ids that resolve to no source, are undated, or are dated after the eve."""
    dates = {str(s["id"]): s.get("date") for s in raw["sources"]}
    bad = []
    for sid in sorted(cited({k: v for k, v in raw.items() if k != "sources"})):
        if dates.get(sid) is None or dt.date.fromisoformat(str(dates[sid])) > eve:
            bad.append(sid)
    return bad


def check_sources_dated_by_the_eve(scenario: Path, eve: dt.date) -> None:
    """Every cited id resolves to a source dated by the eve, and so does every listed source."""
    raw = read_yaml(scenario)
    assert cited(raw), "the scenario cites nothing"
    assert late_or_unknown(raw, eve) == []
    # Nothing after the eve sits in the source list either (cited or not).
    assert all(dt.date.fromisoformat(str(s["date"])) <= eve for s in raw["sources"])


def check_date_rule_catches(scenario: Path, eve: dt.date, source: str, late: str) -> None:
    """The date check is not vacuous: date one cited source after the eve and it is caught."""
    raw = read_yaml(scenario)
    for s in raw["sources"]:
        if s["id"] == source:
            s["date"] = late
    assert late_or_unknown(raw, eve) == [source]


def check_shared_date_tool() -> None:
    """The shared date tool passes on the project (skipped when ``../shared`` is absent)."""
    if not SHARED_TOOL.exists():
        pytest.skip(f"the shared date tool is absent ({SHARED_TOOL}); ../shared not mounted")
    run = subprocess.run(
        [sys.executable, str(SHARED_TOOL)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 late citations" in run.stdout


def scenario_cited(s: Any, *, ratification: bool = False) -> set[str]:
    """Ids cited by a loaded scenario's positions and anchors (and ratification stages)."""
    out = {i for p in s.positions for i in p.sources}
    out |= {i for iss in s.issues for a in iss.scale.anchors for i in a.sources}
    if ratification:
        out |= {i for st in s.process.ratification for i in st.sources}
    return out


def check_loaded_cited_by_the_eve(s: Any, eve: dt.date, *, ratification: bool = False) -> set[str]:
    """A loaded scenario is dated ``eve`` and every id it cites is a source dated by then."""
    assert s.as_of == eve
    dates = {x.id: x.date for x in s.sources}
    ids = scenario_cited(s, ratification=ratification)
    assert ids <= set(dates)
    late = {i: dates[i] for i in ids if dates[i] is None or dates[i] > eve}
    assert not late
    return ids


def check_positions_documented_or_judgement(s: Any) -> None:
    for p in s.positions:
        assert p.basis in {"documented", "judgement"}
        if p.basis == "documented":
            assert p.sources, f"{p.actor}/{p.issue} documented without a source"


def check_every_judgement_marked_and_argued(scenario: Path) -> None:
    s = load(scenario)
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


def check_anchors_on_the_scale(s: Any) -> None:
    for issue in s.issues:  # anchors documented, on the scale, every one with a label
        assert issue.scale.anchors, issue.id
        for a in issue.scale.anchors:
            assert issue.scale.lo <= a.value <= issue.scale.hi


def check_case_file_resolves(case_path: Path, scenario: Path, issues: set[str]) -> None:
    """The case file validates, names the scenario, maps every issue on its scale, and every
    id it cites (``O..``) is one of its own sources."""
    case = CaseFile.model_validate(read_yaml(case_path))
    assert (case_path.parent / case.scenario).resolve() == scenario.resolve()
    s = load(scenario)
    scales = {i.id: i.scale for i in s.issues}
    assert set(case.outcome.issues) == issues  # every issue mapped, none invented
    ids = {src.id for src in case.sources}
    assert len(ids) == len(case.sources)
    assert set(case.outcome.sources) <= ids
    for iid, out in case.outcome.issues.items():
        assert scales[iid].lo <= out.value <= scales[iid].hi, iid
        assert out.sources and set(out.sources) <= ids, iid
        assert set(ids_in_text(out.argument, "O")) <= ids, iid
    for stage in case.outcome.ratification:
        assert set(stage.sources) <= ids
        assert stage.date >= case.outcome.date
    assert "as_of" not in read_yaml(case_path)  # the outcome is later by nature: no as_of


def cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app

    _register_commands()
    return CliRunner().invoke(app, list(args))


def check_validate_runs(scenario: Path) -> None:
    r = cli("validate", str(scenario))
    assert r.exit_code == 0, r.output


def check_analyze_runs(scenario: Path, actors: Iterable[str]) -> None:
    r = cli("analyze", str(scenario))
    assert r.exit_code == 0, r.output
    assert all(a in r.output for a in actors)


def check_forecast_runs(scenario: Path, issues: set[str]) -> None:
    r = cli("forecast", str(scenario), "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["forecasts"]
    assert {row["issue"] for row in rows} == issues
    for row in rows:
        if row["forecast"] is not None:
            assert 0.0 <= row["forecast"] <= 100.0


class CaseChecks:
    """The generic checks of one historical case, as tests: a case file subclasses it as
    ``TestCaseChecks`` and sets the class attributes to its own paths, dates and ids."""

    SCENARIO: Path
    CASE: Path
    EVE: dt.date
    ISSUES: set[str]
    ACTORS: tuple[str, ...]  # ids the analysis must name
    LATE: tuple[str, str]  # a cited source and a date after the eve to give it
    #: Every judgement argued in a note and every veto party's position with a reservation
    #: point (the Dayton and Oslo files); else each position is documented with a source or
    #: marked judgement (the Colombia and Good Friday files, written before that rule).
    ARGUED: bool = True

    def test_every_cited_source_resolves_and_is_dated_by_the_eve(self) -> None:
        check_sources_dated_by_the_eve(self.SCENARIO, self.EVE)

    def test_the_date_check_catches_a_late_source(self) -> None:
        check_date_rule_catches(self.SCENARIO, self.EVE, *self.LATE)

    def test_validate_command_accepts_the_scenario(self) -> None:
        check_validate_runs(self.SCENARIO)

    def test_every_judgement_is_marked(self) -> None:
        if self.ARGUED:
            check_every_judgement_marked_and_argued(self.SCENARIO)
        else:
            check_positions_documented_or_judgement(load(self.SCENARIO))

    def test_case_file_validates_and_resolves_against_the_scenario(self) -> None:
        check_case_file_resolves(self.CASE, self.SCENARIO, self.ISSUES)

    def test_analyze_runs_on_the_eve(self) -> None:
        check_analyze_runs(self.SCENARIO, self.ACTORS)

    def test_forecast_runs_on_the_eve(self) -> None:
        check_forecast_runs(self.SCENARIO, self.ISSUES)
