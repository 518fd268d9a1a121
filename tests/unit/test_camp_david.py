"""The Camp David 1978 example: valid, dated before the summit, every number cited or judgement.

The scenario describes 4 September 1978, the eve of the summit; the accords of 17 September and
the Knesset vote of 28 September are its recorded outcome and live in YAML comments only. These
tests check what is known independently of any model: who can veto, which anchors are
documented, that nothing published after the eve is cited, and that the CLI runs on it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import _case_checks as checks
import yaml

from detente.scenario.io import load

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "src" / "detente" / "examples" / "camp-david-1978-09-04.yaml"
EVE = dt.date(1978, 9, 4)
ISSUES = {
    "sinai_withdrawal",
    "sinai_settlements",
    "sinai_security",
    "normalisation",
    "linkage",
    "palestinian_self_government",
}


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _late_citations(data: dict[str, Any]) -> list[str]:
    """Cited ids that are unknown, undated or dated after ``as_of`` (the date rule)."""
    as_of = dt.date.fromisoformat(str(data["as_of"]))
    dates = {str(s["id"]): s.get("date") for s in data.get("sources", [])}
    body = {k: v for k, v in data.items() if k != "sources"}
    bad = []
    for sid in sorted(checks.cited(body)):
        if sid not in dates or dates[sid] is None:
            bad.append(f"{sid}: not a dated source")
        elif dt.date.fromisoformat(str(dates[sid])) > as_of:
            bad.append(f"{sid}: dated {dates[sid]} after {as_of}")
    return bad


def test_loads_validates_and_has_the_documented_cast() -> None:
    s = load(FILE)
    assert s.as_of == EVE
    actors = {a.id: a for a in s.actors}
    assert set(actors) == {"EGY", "ISR", "USA"}
    # Egypt and Israel sign, the United States mediates (it signs no Egypt-Israel treaty).
    assert actors["EGY"].veto and actors["ISR"].veto
    assert not actors["USA"].veto and actors["USA"].role == "mediator"
    assert {i.id for i in s.issues} == ISSUES
    for issue in s.issues:
        assert (issue.scale.lo, issue.scale.hi) == (0.0, 100.0)
    assert s.model_params.get("seed") == 1978


def test_every_issue_is_anchored_on_documented_options() -> None:
    s = load(FILE)
    known = {x.id for x in s.sources}
    for issue in s.issues:
        documented = [a for a in issue.scale.anchors if a.sources]
        assert len(documented) >= 2, f"{issue.id}: fewer than two documented anchors"
        for a in issue.scale.anchors:
            assert set(a.sources) <= known
            assert issue.scale.lo <= a.value <= issue.scale.hi
    # The documented anchors named in the task: Begin's self-rule plan, Egypt's July 1978
    # proposals, the Aswan formula, the Israeli Sinai plan, Resolution 242 among the sources.
    labels = " ".join(a.label for i in s.issues for a in i.scale.anchors)
    for phrase in ("self-rule plan", "proposals of July 1978", "Aswan", "Ismailia"):
        assert phrase in labels
    titles = " ".join(x.title for x in s.sources)
    assert "Resolution 242" in titles and "Leeds Castle" in titles


def test_date_rule_nothing_cited_after_the_eve() -> None:
    data = _raw()
    assert str(data["as_of"]) == "1978-09-04"
    assert _late_citations(data) == []
    s = load(FILE)
    for x in s.sources:  # every listed source, cited or not, was public by the eve
        assert x.date is not None and x.date <= EVE, x.id
        assert x.url, f"{x.id} has no URL"


def test_date_rule_check_catches_a_late_source() -> None:
    # The same check on a copy that cites the accords themselves (17 September 1978): refused.
    data = _raw()
    data["sources"].append({"id": "S99", "title": "Camp David Accords", "date": "1978-09-17"})
    data["positions"][0]["sources"].append("S99")
    assert _late_citations(data) == ["S99: dated 1978-09-17 after 1978-09-04"]
    data["positions"][1]["note"] += " [S98]"
    assert "S98: not a dated source" in _late_citations(data)


def test_shared_date_tool_passes() -> None:
    checks.check_shared_date_tool()


def test_every_position_cites_or_is_judgement_and_every_judgement_says_so() -> None:
    s = load(FILE)
    known = {x.id for x in s.sources}
    assert len(s.positions) == 18  # three actors on six issues
    for p in s.positions:
        where = f"{p.actor}/{p.issue}"
        assert p.basis in {"documented", "judgement"}, where
        if p.basis == "documented":
            assert p.sources, f"{where} documented without a source"
        assert set(p.sources) <= known, where
        assert p.salience_basis == "judgement", where
        assert p.note, f"{where} has no note"
        if p.reservation is not None:
            assert "Reservation: judgement" in p.note, f"{where}: reservation not marked"
    # Reservation points for the two signatories on every issue; none for the mediator.
    with_res = {(p.actor, p.issue) for p in s.positions if p.reservation is not None}
    assert with_res == {(a, i) for a in ("EGY", "ISR") for i in ISSUES}
    for a in s.actors:
        assert a.capability_basis == "judgement"
        assert "judgement" in a.notes


def test_recorded_outcome_is_comments_only() -> None:
    text = FILE.read_text(encoding="utf-8")
    data = _raw()
    assert not any("outcome" in str(k) for k in data)  # no outcome block in the data
    block = text[text.index("# RECORDED OUTCOME") :]
    rows = dict(re.findall(r"^#\s+([a-z_]+)\s+(\d+)\s", block, flags=re.M))
    assert set(rows) == ISSUES
    assert all(0 <= float(v) <= 100 for v in rows.values())
    # The Knesset vote of 28 September 1978 as reported: 84 for, 19 against, 17 abstentions.
    assert "84 for, 19 against, 17 abstentions" in block


def _cli(*args: str) -> Any:
    from typer.testing import CliRunner

    from detente.cli.app import _register_commands, app

    _register_commands()  # what the ``detente`` script does before running the app
    return CliRunner().invoke(app, list(args))


def test_analyze_runs_and_names_both_veto_players() -> None:
    r = _cli("analyze", str(FILE))
    assert r.exit_code == 0, r.output
    assert "veto players: EGY, ISR" in r.output
    for issue in ISSUES:
        assert issue in r.output


def test_forecast_runs_on_every_issue() -> None:
    r = _cli("forecast", str(FILE), "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)["forecasts"]
    assert {row["issue"] for row in rows} == ISSUES
    for row in rows:  # a forecast, where a model gives one, lies on the issue's scale
        if row["forecast"] is not None:
            assert 0.0 <= row["forecast"] <= 100.0


DOC = ROOT / "docs" / "explanation" / "case-camp-david.md"


def _docs_process_block() -> dict[str, Any]:
    """The ``process:`` block given in the case page (the one YAML block that starts with it)."""
    blocks = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    found = [b for b in blocks if b.startswith("process:")]
    assert len(found) == 1
    data = yaml.safe_load(found[0])
    assert isinstance(data, dict)
    return data


def test_process_block_in_docs_loads(tmp_path: Path) -> None:

    block = _docs_process_block()["process"]
    # Facts of the case the block must keep, whatever the schema: the summit opened on
    # 5 September, a round a day, the US mediates the single text, the Knesset ratifies.
    assert str(block["start"]) == "1978-09-05" and block["round_days"] == 1
    assert block["protocol"]["name"] == "single_text" and block["protocol"]["mediator"] == "USA"
    assert [s["actor"] for s in block["ratification"]] == ["ISR"]
    # The example carries the same block as the case page, and it loads.
    on_file = yaml.safe_load(FILE.read_text(encoding="utf-8"))["process"]
    assert on_file == block
    s = load(FILE)
    assert s.process is not None and s.process.protocol.mediator == "USA"
    assert [r.actor for r in s.process.ratification] == ["ISR"]
