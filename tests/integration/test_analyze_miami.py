"""``detente analyze miami`` end to end: JSON shape, the empty zone, the blocking issues derived
from the scenario's own reservation points, and concessions that close every gap."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app, load_scenario


def _limits_from_scenario():
    """Signable interval per (veto actor, issue), straight from the scenario file."""
    sc = load_scenario("miami")
    veto = {a.id for a in sc.actors if a.veto}
    scale = {i.id: (i.scale.lo, i.scale.hi) for i in sc.issues}
    lim: dict[str, dict[str, tuple[float, float]]] = {}
    for p in sc.positions:
        if p.actor in veto and p.reservation is not None:
            rad = abs(p.reservation - p.position)
            lo, hi = scale[p.issue]
            lim.setdefault(p.issue, {})[p.actor] = (
                max(lo, p.position - rad),
                min(hi, p.position + rad),
                p.position,
            )
    return sc, veto, lim


@pytest.fixture(scope="module")
def miami_json():
    _register_commands()
    r = CliRunner().invoke(app, ["analyze", "miami", "--format", "json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_miami_zone_empty_and_blocking_issues(miami_json):
    d = miami_json
    sc, veto, lim = _limits_from_scenario()
    assert isinstance(d["frontier"], list) and d["frontier"]
    assert d["frontier_size"] == len(d["frontier"])
    assert set(d["frontier_parties"]) == veto  # default: the veto players
    expect = {
        iss
        for iss, by in lim.items()
        if max(v[0] for v in by.values()) > min(v[1] for v in by.values())
    }
    assert "territory" in expect
    assert d["zone"]["nonempty"] is False
    assert set(d["blocking_issues"]) == expect
    gaps = {g["issue"]: g["gap"] for g in d["limits"] if g["blocked"]}
    for iss in expect:
        by = lim[iss]
        assert gaps[iss] == pytest.approx(
            max(v[0] for v in by.values()) - min(v[1] for v in by.values())
        )
    # provenance: every reservation point used is listed with its sources from the file
    pos = {(p.actor, p.issue): p for p in sc.positions}
    assert len(d["reservation_points"]) == sum(len(v) for v in lim.values())
    for r in d["reservation_points"]:
        assert r["reservation"] == pos[(r["actor"], r["issue"])].reservation
        assert r["sources"] == list(pos[(r["actor"], r["issue"])].sources)


def test_miami_concessions_close_every_gap(miami_json):
    d = miami_json
    _, _veto, lim = _limits_from_scenario()
    whos = [c["who"] for c in d["concessions"]]
    # solo openings for the veto players with limits to move (the EU's veto, on sanctions and
    # the frozen assets, comes without reservation points)
    assert whos[0] == "joint" and set(whos[1:]) == {a for by in lim.values() for a in by}
    for c in d["concessions"]:
        assert not c.get("infeasible")
        moved = {(m["actor"], m["issue"]): m["to"] for m in c["moves"]}
        if c["who"] != "joint":
            assert {a for a, _ in moved} == {c["who"]}
        for iss, by in lim.items():
            ivals = []
            for a, (lo, hi, p) in by.items():
                if (a, iss) in moved:
                    rad = abs(moved[(a, iss)] - p)
                    lo, hi = max(0.0, p - rad), min(100.0, p + rad)
                ivals.append((lo, hi))
            assert max(v[0] for v in ivals) <= min(v[1] for v in ivals) + 1e-6, (c["who"], iss)
            if iss in c["meeting"]:
                x = c["meeting"][iss]
                assert all(lo - 1e-6 <= x <= hi + 1e-6 for lo, hi in ivals)
    # the zone opened by the joint concession is non-empty, and its solutions sign everywhere
    z = d["opened_zone"]
    assert z["by"] == "joint" and z["nonempty"]
    joint = d["concessions"][0]
    moved = {(m["actor"], m["issue"]): m["to"] for m in joint["moves"]}
    for s in z["solutions"].values():
        for iss, by in lim.items():
            x = float(s["package"][iss])
            for a, (lo, hi, p) in by.items():
                if (a, iss) in moved:
                    rad = abs(moved[(a, iss)] - p)
                    lo, hi = p - rad, p + rad
                assert lo - 1e-6 <= x <= hi + 1e-6, (a, iss, x)


def test_miami_table_and_options():
    _register_commands()
    # issue 14: the concessions and sources are the detail behind --detail
    r = CliRunner().invoke(app, ["analyze", "miami", "--detail"])
    assert r.exit_code == 0, r.output
    assert "zone of agreement: EMPTY" in r.output and "UKR alone" in r.output
    assert "sources: S8, S9;" in r.output  # RUS territory reservation point's sources
    r = CliRunner().invoke(app, ["analyze", "miami", "--walkaway", "nope"])
    assert r.exit_code == 2 and "limits, utility" in r.output


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--plot", "plane.txt"], ".png, .svg or .pdf"),
        (["--plot", "no/plane.png"], "does not exist"),
        (["--actors", ","], "no actor id given"),
        (["--actors", ""], "no actor id given"),
    ],
)
def test_bad_plot_or_actors_is_refused_before_the_report(tmp_path, monkeypatch, args, shown):
    monkeypatch.chdir(tmp_path)
    _register_commands()
    r = CliRunner().invoke(app, ["analyze", "miami", *args])
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert shown in r.output and "Bargaining space" not in r.output
    assert list(tmp_path.iterdir()) == []
