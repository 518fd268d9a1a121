"""Acceptable sets, minimal concessions (closed-form cases), utilities, the CLI command."""

from __future__ import annotations

import json

import numpy as np
import pytest

from detente.bargaining import (
    AdditiveDomain,
    analyze,
    blocking_issues,
    minimal_concessions,
    package_utility,
)
from detente.scenario.arrays import ScenarioArrays


def _split(r_a: float, r_b: float) -> AdditiveDomain:
    """One issue: split 10 units; A's utility = share/10, B's = 1 - share/10."""
    x = np.arange(11) / 10
    return AdditiveDomain(
        ("A", "B"),
        ("split",),
        (tuple(map(str, range(11))),),
        (np.stack([x, 1 - x]),),
        np.ones((2, 1)),
        np.array([r_a, r_b]),
    )


def test_zone_nonempty_closed_form():
    res = analyze(_split(0.3, 0.4))
    # acceptable to both: share in [3, 6] -> 4 efficient packages
    assert res.zone_nonempty and int(res.in_zone.sum()) == 4
    nash = res.solutions["nash"]["package"]["split"]
    # Nash on gains (x - 0.3)(0.6 - x) is maximal at x = 0.45 -> grid points 4 or 5 tie
    assert nash in ("4", "5")


def test_minimal_concession_closed_form():
    # A needs >= 0.7, B needs >= 0.6: gap 0.3 in total utility, whoever concedes
    d = _split(0.7, 0.6)
    c = minimal_concessions(d)
    assert c is not None and c.total == pytest.approx(0.3)
    solo_a = minimal_concessions(d, allowed=["A"])
    assert solo_a.delta["A"] == pytest.approx(0.3) and solo_a.delta["B"] == 0
    assert solo_a.package[0] == 4  # B keeps 0.6 exactly: A gets 4 of 10
    assert blocking_issues(d) == ["split"]
    res = analyze(d)
    assert not res.zone_nonempty and res.openings


def test_blocking_issue_only_where_no_option_can_work():
    # issue 0 is a fixed-sum split; issue 1 gives both parties the same value
    x = np.arange(3) / 2
    vals = (np.stack([x, 1 - x]), np.stack([x, x]))
    d = AdditiveDomain(
        ("A", "B"),
        ("s", "common"),
        (("0", "1", "2"), ("0", "1", "2")),
        vals,
        np.full((2, 2), 0.5),
        np.array([0.8, 0.8]),
    )
    # best on 'common' (0.5) + A needs 0.3 on split -> x >= 0.6, B needs 1-x >= 0.6: blocked
    assert blocking_issues(d) == ["s"]


def test_package_utility_loss_shapes():
    a = ScenarioArrays.from_numpy([1], [[20.0, 80.0]], [[1.0, 3.0]])
    x = np.array([70.0, 80.0])
    # weights 0.25 / 0.75; distance 0.5 on issue 0
    assert package_utility(a, x)[0] == pytest.approx(0.25 * 0.5 + 0.75)
    assert package_utility(a, x, shape="quadratic")[0] == pytest.approx(0.25 * 0.75 + 0.75)
    # KTAB u = (1-d)(1+dR) with R = 1 -> 0.5 * 1.5
    assert package_utility(a, x, shape="ktab", risk=1.0)[0] == pytest.approx(0.25 * 0.75 + 0.75)


def test_walkaway_from_batna_overrides():
    a = ScenarioArrays.from_numpy(
        [1, 1], [[0.0], [100.0]], [[1.0], [1.0]], veto=[True, True], status_quo=np.array([50.0])
    )
    for walkaway in ("utility", "limits"):
        res = analyze(a, batna=[0.9, 0.9], walkaway=walkaway)
        assert not res.zone_nonempty  # 0.9 + 0.9 > 1 on a fixed-sum issue
        assert res.openings[0].total == pytest.approx(0.8, abs=1e-9)


def test_cli_analyze_json_and_errors(tmp_path):
    from typer.testing import CliRunner

    import detente.cli.cmd_analyze  # noqa: F401  (registers the command)
    from detente.cli.app import app

    (tmp_path / "dom.xml").write_text(
        "<negotiation_template><utility_space><objective name='x'>"
        "<issue index='1' name='a' etype='discrete'><item value='u'/><item value='v'/></issue>"
        "</objective></utility_space></negotiation_template>"
    )
    for nm, ev in (("p1", (1, 2)), ("p2", (2, 1))):
        (tmp_path / f"{nm}.xml").write_text(
            "<utility_space><objective name='x'><weight index='1' value='1'/>"
            "<issue index='1' name='a' etype='discrete'>"
            f"<item value='u' evaluation='{ev[0]}'/><item value='v' evaluation='{ev[1]}'/>"
            "</issue></objective></utility_space>"
        )
    r = CliRunner().invoke(app, ["analyze", str(tmp_path), "--format", "json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["frontier_size"] == 2 and len(d["frontier"]) == 2
    r = CliRunner().invoke(app, ["analyze", str(tmp_path), "--actors", "zz"])
    assert r.exit_code == 2 and "zz" in r.output


def test_summary_lines_read_well_without_vetoes_or_a_package_count(shared_data):
    from detente.examples import load_example

    text = analyze(load_example("eu-emissions").to_arrays()).summary()
    assert "veto players: none" in text.splitlines()
    # A GENIUS domain's zone has no package count: the line must not read "NON-EMPTY (; ...".
    text = analyze(shared_data / "genius" / "EnglandZimbabwe").summary()
    assert "zone of agreement: NON-EMPTY (25 efficient)" in text.splitlines()
