"""Hard per-issue limits (reservation points) against brute force and closed forms; logrolls
on a hand-worked case."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detente.bargaining import (
    AdditiveDomain,
    analyze,
    limit_concessions,
    logrolls,
    nondominated,
)
from detente.scenario.arrays import ScenarioArrays


# ----------------------------------------------------------------- closed form
@pytest.mark.parametrize("s_a, s_b", [(1.0, 1.0), (1.0, 0.5), (0.2, 0.8), (0.9, 0.45)])
def test_minimal_concession_splits_gap_by_salience(s_a, s_b):
    # positions 0 and 100; A signs up to 30, B down to 60: a gap of 30 units
    a = ScenarioArrays.from_numpy(
        [1, 1],
        [[0.0], [100.0]],
        [[s_a], [s_b]],
        veto=[True, True],
        reservation=np.array([[30.0], [60.0]]),
    )
    c = limit_concessions(a)
    moves = {m["actor"]: m for m in c.moves}
    # balanced: equal salience-weighted moves, t_a + t_b = 30 -> t_a = 30 s_b / (s_a + s_b)
    assert moves["a0"]["units"] == pytest.approx(30 * s_b / (s_a + s_b), abs=1e-6)
    assert moves["a1"]["units"] == pytest.approx(30 * s_a / (s_a + s_b), abs=1e-6)
    meet = 30 + 30 * s_b / (s_a + s_b)
    assert c.meeting["i0"] == pytest.approx(meet, abs=1e-6)
    assert moves["a0"]["to"] == pytest.approx(meet, abs=1e-6)
    assert moves["a1"]["to"] == pytest.approx(meet, abs=1e-6)
    assert c.cost == pytest.approx(2 * 30 * s_a * s_b / (s_a + s_b), abs=1e-6)
    # "sum": the one who cares less moves the whole gap (cost min(s_a, s_b) * 30)
    cs = limit_concessions(a, objective="sum")
    assert cs.cost == pytest.approx(30 * min(s_a, s_b), abs=1e-6)
    # alone: the whole gap, and the meeting point is the other's limit
    solo = limit_concessions(a, allowed=["a1"])
    assert [(m["actor"], m["units"]) for m in solo.moves] == [("a1", pytest.approx(30.0))]
    assert solo.meeting["i0"] == pytest.approx(30.0)


def test_solo_concession_impossible_when_others_disagree():
    # three veto players; a0 and a1 cannot meet without moving, so a2 alone cannot open it
    a = ScenarioArrays.from_numpy(
        [1, 1, 1],
        [[0.0], [100.0], [50.0]],
        [[1.0], [1.0], [1.0]],
        veto=[True, True, True],
        reservation=np.array([[30.0], [60.0], [55.0]]),
    )
    assert limit_concessions(a, allowed=["a2"]) is None
    assert limit_concessions(a) is not None


# ----------------------------------------------------------------- brute force
def _random_scenario(rng, n, k):
    pos = rng.choice(np.arange(0, 101, 10), (n, k)).astype(float)
    res = np.where(
        rng.random((n, k)) < 0.6,
        np.clip(pos + rng.choice([-40, -25, -10, 0, 10, 25, 40], (n, k)), 0, 100),
        np.nan,
    )
    sal = rng.choice([0.2, 0.5, 1.0], (n, k))
    veto = rng.random(n) < 0.8
    veto[:2] = True
    return ScenarioArrays.from_numpy(rng.random(n) + 0.1, pos, sal, veto=veto, reservation=res)


def _signs(pos, res, x):
    """Definition: on every issue with a reservation point, |x - p| <= |r - p|."""
    ok = np.isnan(res) | (np.abs(x - pos) <= np.abs(res - pos) + 1e-9)
    return bool(ok.all())


def _u(pos, sal, x):
    w = sal / sal.sum()
    return float((w * (1 - np.abs(x - pos) / 100)).sum())


@pytest.mark.parametrize("seed", range(40))
def test_hard_limit_zone_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    a = _random_scenario(rng, n, k)
    batna = None
    if seed % 3 == 0:
        batna = np.where(rng.random(n) < 0.5, rng.uniform(0.3, 0.8, n), np.nan)
    res = analyze(a, grid=5, batna=batna, actors="all")
    dom = res.domain
    vals = [np.asarray(v) for v in dom.option_values]
    veto = np.flatnonzero(a.veto)
    accepted, utils = [], []
    for combo in itertools.product(*vals):
        x = np.array(combo)
        ok = all(_signs(a.position[i], a.reservation[i], x) for i in veto)
        u = np.array([_u(a.position[i], a.salience[i], x) for i in range(n)])
        if batna is not None:
            ok &= all(np.isnan(batna[i]) or u[i] >= batna[i] - 1e-12 for i in veto)
        if ok:
            accepted.append(x)
            utils.append(u)
    assert res.zone_nonempty == bool(accepted)
    if not accepted:
        assert res.zone.efficient == 0
        return
    U = np.array(utils)
    if batna is None:
        assert res.zone.n_packages == len(accepted)
    # the zone's efficient packages: the non-dominated among the accepted ones
    nd = nondominated(np.round(U, 12))
    expect = {tuple(np.round(U[i], 9)) for i in nd}
    got = {tuple(np.round(u, 9)) for u in res.zone.utilities[res.zone.mask]}
    assert got == expect
    # every solution is a package that every veto player signs
    for s in res.solutions.values():
        if s is None:
            continue
        x = np.array([float(s["package"][iss]) for iss in a.issue_ids])
        assert all(_signs(a.position[i], a.reservation[i], x) for i in veto)
    # utilitarian: the largest total utility among the accepted packages
    ut = res.solutions["utilitarian"]["utilities"]
    assert sum(ut.values()) == pytest.approx(U.sum(axis=1).max(), abs=1e-5)


def test_frontier_flags_agree_with_limits():
    rng = np.random.default_rng(7)
    a = _random_scenario(rng, 3, 3)
    res = analyze(a, grid=5, actors="all")
    for pkg, flag in zip(res.frontier.packages, res.in_zone, strict=True):
        x = np.array([res.domain.option_values[j][v] for j, v in enumerate(pkg)])
        assert flag == all(
            _signs(a.position[i], a.reservation[i], x) for i in np.flatnonzero(a.veto)
        )


def test_utility_reading_compensates_across_issues():
    # A would sign at most 30 on issue 0 but cares little about it; on issue 1 it gets its way
    a = ScenarioArrays.from_numpy(
        [1, 1],
        [[0.0, 0.0], [100.0, 100.0]],
        [[0.1, 1.0], [1.0, 0.1]],
        veto=[True, True],
        reservation=np.array([[30.0, 20.0], [70.0, 80.0]]),
    )
    hard = analyze(a, grid=11)
    soft = analyze(a, grid=11, walkaway="utility")
    assert not hard.zone_nonempty and set(hard.blocking) == {"i0", "i1"}
    # utility reading: A's walk-away = u(30, 20); the package (100, 0) gives A 1/1.1 > that
    assert soft.zone_nonempty


# ----------------------------------------------------------------- logrolls
def test_logroll_hand_worked():
    # A values option value v on both issues, B values 1 - v; A weighs x 0.8 / y 0.2, B the
    # reverse. From (0.5, 0.5) the only trade is x -> 1 (A +0.4, B -0.1) with
    # y -> 0 (A -0.1, B +0.4): both gain 0.3.
    v = np.array([0.0, 0.5, 1.0])
    d = AdditiveDomain(
        ("A", "B"),
        ("x", "y"),
        (("0", "0.5", "1"), ("0", "0.5", "1")),
        (np.stack([v, 1 - v]), np.stack([v, 1 - v])),
        np.array([[0.8, 0.2], [0.2, 0.8]]),
        np.zeros(2),
    )
    (t,) = logrolls(d, [1, 1])
    assert t["parties"] == ("A", "B") and t["issues"] == ("x", "y")
    assert t["options"] == {"x": "1", "y": "0"}
    assert t["gains"]["A"] == pytest.approx(0.3) and t["gains"]["B"] == pytest.approx(0.3)
    # equal weights: no logroll exists
    d2 = AdditiveDomain(
        d.party_ids, d.issue_ids, d.options, d.values, np.full((2, 2), 0.5), np.zeros(2)
    )
    assert logrolls(d2, [1, 1]) == []
