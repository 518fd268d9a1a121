"""analyze respects per-issue vetoes, linked limits and declared contradictions (issue 13,
item 4): known answers on small scenarios, checked against a brute force over the grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detente.bargaining import analyze
from detente.bargaining.rules import PackageRules, veto_scope
from detente.scenario.io import load

BASE = """\
name: links
actors:
  - {id: A, name: Alpha, capability: 2, veto: true}
  - {id: B, name: Beta, capability: 1, veto: true}
  - {id: EU, name: Union, capability: 1, veto: true VETO_ISSUES}
issues:
  - {id: y, name: Y, scale: {lo: 0, hi: 100}}
  - {id: g, name: G, scale: {lo: 0, hi: 100}}
positions:
  - {actor: A, issue: y, position: 50, salience: 50, reservation: 60}
  - {actor: B, issue: y, position: 90, salience: 60, reservation: 80}
  - {actor: A, issue: g, position: 20, salience: 40, reservation: 40}
  - {actor: B, issue: g, position: 30, salience: 40, reservation: 60}
  - {actor: EU, issue: y, position: 85, salience: 50, reservation: 70}
  - {actor: EU, issue: g, position: 90, salience: 50, reservation: 70}
"""


def _load(tmp_path: Path, extra: str = "", scope: str = ", veto_issues: [y]") -> object:
    p = tmp_path / "l.yaml"
    p.write_text(BASE.replace(" VETO_ISSUES", scope) + extra, encoding="utf-8")
    return load(p)


def test_veto_on_named_issues_constrains_the_zone_only_there(tmp_path: Path) -> None:
    link = """\
process:
  linked_limits:
    - {actor: A, issue: y, reservation: 80, when: [{issue: g, at_most: 25}]}
"""
    sc = _load(tmp_path, link)
    arr = sc.to_arrays()
    assert veto_scope(arr)[2].tolist() == [True, False]
    res = analyze(sc)
    assert res.zone.nonempty
    # the EU's limit on g ([50, 100]) would clash with A's ([0, 40]) and B's; with its veto on
    # y only, the EU constrains y alone
    sc_full = _load(tmp_path, link, scope="")
    assert not analyze(sc_full).zone.nonempty


def test_linked_limit_opens_the_zone_only_with_its_condition(tmp_path: Path) -> None:
    # A's ordinary limit on y is [40, 60], B's [80, 100]: blocked. A signs y up to 80 (50 +- 30)
    # when g <= 25; A signs g in [0, 40], B in [0, 60]: the zone is y = 80, g in [0, 25].
    plain = _load(tmp_path)
    assert not analyze(plain).zone.nonempty
    link = """\
process:
  linked_limits:
    - {actor: A, issue: y, reservation: 80, when: [{issue: g, at_most: 25}]}
"""
    res = analyze(_load(tmp_path, link))
    assert res.zone.nonempty
    assert [float(v) for v in res.zone.options["y"]] == [80.0]
    assert max(float(v) for v in res.zone.options["g"]) <= 25.0
    assert any("linked limit" in n for n in res.notes)


def test_declared_contradiction_is_never_in_the_zone(tmp_path: Path) -> None:
    link = """\
process:
  linked_limits:
    - {actor: A, issue: y, reservation: 80, when: [{issue: g, at_most: 25}]}
  contradictions:
    - {id: c, when: [{issue: y, at_least: 75}, {issue: g, at_most: 10}]}
"""
    sc = _load(tmp_path, link)
    res = analyze(sc)
    assert res.zone.nonempty
    zone = res.zone
    assert zone.packages is not None and zone.domain is not None
    gs = np.asarray(res.domain.option_scale(1), float)[zone.packages[:, 1]]
    ys = np.asarray(res.domain.option_scale(0), float)[zone.packages[:, 0]]
    assert (ys == 80).all() and (gs > 10).all() and (gs <= 25).all()
    # a contradiction covering the whole remaining zone empties it
    full = link.replace("at_most: 10}", "at_most: 30}")
    assert not analyze(_load(tmp_path, full)).zone.nonempty


def test_admissible_against_a_brute_force(tmp_path: Path) -> None:
    link = """\
process:
  linked_limits:
    - {actor: A, issue: y, reservation: 80, when: [{issue: g, at_most: 25}]}
  contradictions:
    - {id: c, when: [{issue: y, at_least: 75}, {issue: g, at_most: 10}]}
"""
    sc = _load(tmp_path, link)
    arr = sc.to_arrays()
    rules = PackageRules.from_scenario(sc)
    grid = np.array([(y, g) for y in range(0, 101, 5) for g in range(0, 101, 5)], float)
    got = rules.admissible(arr, grid, veto_scope(arr))
    y, g = grid[:, 0], grid[:, 1]
    a_y = np.where(g <= 25, (y >= 20) & (y <= 80), (y >= 40) & (y <= 60))
    want = a_y & (g <= 40) & (y >= 80) & (g <= 60) & (y >= 70) & ~((y >= 75) & (g <= 10))
    assert np.array_equal(got, want)


def test_scenarios_without_rules_are_unchanged(tmp_path: Path) -> None:
    sc = _load(tmp_path, scope="")
    a = analyze(sc).to_dict()
    b = analyze(sc.to_arrays()).to_dict()
    assert a == b
