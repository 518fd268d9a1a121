"""Known answers for the EU-aware models: ``procedural``, ``sq-compromise``,
``role-compromise`` and ``fitted`` / ``fitted-lite``, on hand-built cases with the DEU
metadata they read (procedure, Council vote rule, a Commission ``com`` and a Parliament ``ep``).

Every expected value is worked out by hand in the comments from the model's documented rule
(and the rule of the paper it cites), not by calling the model's helpers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import detente.models._builtin  # noqa: F401  (built-in models register in their own order)
from detente.models.fitted import IDENTITY, fit, fitted_forecast
from detente.models.registry import run_model
from detente.scenario.arrays import ScenarioArrays

ACTORS = ["com", "ep", "de", "fr", "it"]


def _eu_case(
    labels: list[tuple[str, str]],
    *,
    com: float = 80.0,
    ep: float = 40.0,
    states: tuple[float, float, float] = (30.0, 50.0, 90.0),
    status_quo: Any = 20.0,
    capability: Any = (1.0, 1.0, 1.0, 1.0, 1.0),
    salience: Any = 1.0,
) -> ScenarioArrays:
    """One issue per ``(proc, counvte)`` label, the same positions on each."""
    k = len(labels)
    pos = np.repeat(np.array([[com], [ep], *[[s] for s in states]]), k, axis=1)
    a = ScenarioArrays.from_numpy(
        list(capability), pos, salience, status_quo=status_quo, actor_ids=ACTORS
    )
    attrs = tuple({"proc": p, "counvte": v} for p, v in labels)
    return replace(a, meta={"issue_attributes": attrs})


# --------------------------------------------------------------------------- procedural
def test_procedural_setter_qualified_majority_unanimity_and_parliament() -> None:
    # Commission (agenda setter) at 80, status quo 20, Council members at 30, 50, 90 with equal
    # weight; the EP at 40. Steunenberg (1994) / Crombez (1996): the setter proposes the point
    # it likes best among those that the required share of the Council (and, under COD, the
    # EP) prefers to the status quo. With Euclidean preferences a voter at v prefers x to
    # q = 20 iff |x - v| <= |20 - v|, i.e. (for x above 20) x <= 2v - 20:
    #   member at 30 accepts x <= 40, at 50 x <= 80, at 90 x <= 160; the EP at 40 x <= 60.
    # 1. QMV, threshold 2/3 (two members of three), CNS: 80 is accepted by 50 and 90 -> 80.
    # 2. Unanimity, CNS: all three accept only x <= 40 -> 40.
    # 3. Unanimity, COD: the EP's x <= 60 does not bind below 40 -> 40.
    # 4. QMV, COD: the Council accepts up to 80, the EP only up to 60 -> 60.
    a = _eu_case([("CNS", "QMV"), ("CNS", "UNAN"), ("COD", "Unanimity"), ("COD", "QMV(10)")])
    fc = run_model("procedural", a, qmv_threshold=2 / 3).forecast
    np.testing.assert_allclose(fc, [80.0, 40.0, 40.0, 60.0])
    # 5. Under QMV a majority threshold of 0.71 needs all three equal members -> 40 on CNS.
    assert run_model("procedural", a, qmv_threshold=0.71).forecast[0] == pytest.approx(40.0)


def test_procedural_mirror_and_weights() -> None:
    # Mirror image: setter 20, status quo 80, members 70, 50, 10. Below 80 a member at v
    # accepts x >= 2v - 80: 60, 20, -60. Two of three (2/3): 20 accepted by 50 and 10 -> 20;
    # unanimity: x >= 60 -> 60.
    a = _eu_case([("CNS", "QMV"), ("CNS", "UNAN")], com=20, states=(70, 50, 10), status_quo=80)
    np.testing.assert_allclose(run_model("procedural", a, qmv_threshold=2 / 3).forecast, [20, 60])
    # Weighted votes (Council weights as capability): members 30, 50, 90 weigh 3, 1, 1 (of 5).
    # Bounds 40 (w 3), 80 (w 1), 160 (w 1); the largest x accepted by >= 0.71 * 5 = 3.55 of
    # the weight: 160 has 1, 80 has 2, 40 has 5 -> 40. Weights 1, 1, 3 instead: 160 has 3,
    # 80 has 4 >= 3.55 -> 80, the setter's ideal. The Commission and the EP never vote.
    b = _eu_case([("CNS", "QMV")], capability=(50, 50, 3, 1, 1))
    assert run_model("procedural", b, qmv_threshold=0.71).forecast[0] == pytest.approx(40.0)
    c = _eu_case([("CNS", "QMV")], capability=(50, 50, 1, 1, 3))
    assert run_model("procedural", c, qmv_threshold=0.71).forecast[0] == pytest.approx(80.0)


def test_procedural_status_quo_stays_when_no_majority_gains() -> None:
    # Members at 10, 15, 0 all prefer the status quo 20 to anything above it -> 20.
    a = _eu_case([("CNS", "QMV")], states=(10, 15, 0))
    assert run_model("procedural", a, qmv_threshold=2 / 3).forecast[0] == pytest.approx(20.0)


def test_procedural_fallbacks_are_the_compromise() -> None:
    # No status quo, no vote rule, or no Commission: the compromise forecast, here the plain
    # mean (equal capability, salience 1) of 80, 40, 30, 50, 90 = 290 / 5 = 58.
    no_sq = _eu_case([("CNS", "QMV")], status_quo=np.nan)
    no_rule = _eu_case([("CNS", "")])
    for a in (no_sq, no_rule):
        assert run_model("procedural", a).forecast[0] == pytest.approx(58.0)
    no_com = replace(no_rule, actor_ids=("x", "ep", "de", "fr", "it"))
    no_com = replace(no_com, meta={"issue_attributes": ({"proc": "CNS", "counvte": "QMV"},)})
    assert run_model("procedural", no_com).forecast[0] == pytest.approx(58.0)


# --------------------------------------------------------------------------- sq-compromise
def test_sq_compromise_pull_under_unanimity() -> None:
    # Compromise m = 58 (above). Tsebelis (2002): unanimity ties the outcome to the status quo;
    # the model pulls 0.2 of the way to q = 20 there: 0.8 * 58 + 0.2 * 20 = 50.4; QMV (pull 0)
    # and an unknown rule keep 58; no status quo keeps 58.
    a = _eu_case([("CNS", "UNAN"), ("COD", "unanimity"), ("CNS", "QMV"), ("CNS", "")])
    np.testing.assert_allclose(run_model("sq-compromise", a).forecast, [50.4, 50.4, 58, 58])
    b = _eu_case([("CNS", "UNAN")], status_quo=np.nan)
    assert run_model("sq-compromise", b).forecast[0] == pytest.approx(58.0)
    # pull_qmv = 0.5 on a QMV issue: 0.5 * 58 + 0.5 * 20 = 39
    assert run_model("sq-compromise", a, pull_qmv=0.5).forecast[2] == pytest.approx(39.0)


# --------------------------------------------------------------------------- role-compromise
def test_role_compromise_weights_by_procedure() -> None:
    # The three members weigh 1 each (T = 3). COD: EP 1.0 T = 3, Commission 0.25 T = 0.75:
    # (0.75 * 80 + 3 * 40 + 30 + 50 + 90) / (0.75 + 3 + 3) = 350 / 6.75 = 51.851851...
    # CNS: EP 0, Commission 0.5 T = 1.5: (1.5 * 80 + 170) / (1.5 + 3) = 290 / 4.5 = 64.444...
    # No procedure: the compromise 58.
    a = _eu_case([("COD", "QMV"), ("CNS", "QMV"), ("", "QMV")])
    np.testing.assert_allclose(
        run_model("role-compromise", a).forecast, [350 / 6.75, 290 / 4.5, 58.0]
    )
    # The salience is kept: Commission salience 0.5 halves its COD weight to 0.375:
    # (0.375 * 80 + 120 + 170) / (0.375 + 6) = 320 / 6.375 = 50.196...
    sal = np.array([[0.5], [1.0], [1.0], [1.0], [1.0]])
    b = _eu_case([("COD", "QMV")], salience=sal)
    assert run_model("role-compromise", b).forecast[0] == pytest.approx(320 / 6.375)
    # Without com/ep ids it is the compromise model
    c = replace(a, actor_ids=("a", "b", "de", "fr", "it"))
    np.testing.assert_allclose(run_model("role-compromise", c).forecast, 58.0)


# --------------------------------------------------------------------------- fitted
def _random_eu(seed: int, n: int = 7, k: int = 9) -> ScenarioArrays:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 100, (n, k))
    pos[rng.random((n, k)) < 0.2] = np.nan
    pos[:3] = rng.uniform(0, 100, (3, k))  # com, ep and one state always present
    sal = rng.uniform(0.05, 1.0, (n, k))
    ids = ["com", "ep", *[f"s{i}" for i in range(n - 2)]]
    a = ScenarioArrays.from_numpy(
        rng.uniform(0.5, 3.0, n), pos, sal, status_quo=rng.uniform(0, 100, k), actor_ids=ids
    )
    labels = [(("COD", "CNS")[j % 2], ("QMV", "UNAN", "")[j % 3]) for j in range(k)]
    return replace(
        a, meta={"issue_attributes": tuple({"proc": p, "counvte": v} for p, v in labels)}
    )


@pytest.mark.parametrize("seed", range(5))
def test_fitted_identity_is_the_compromise_model(seed: int) -> None:
    a = _random_eu(seed)
    np.testing.assert_allclose(
        fitted_forecast(a, IDENTITY), run_model("compromise", a).forecast, rtol=1e-12
    )


def test_fitted_hand_cases() -> None:
    # Two actors at 0 (salience 0.5) and 100 (salience 1), equal capability, scale 0-100.
    a = ScenarioArrays.from_numpy([1, 1], [[0.0], [100.0]], [[0.5], [1.0]], status_quo=20.0)
    # gamma = 2: weights 0.25 and 1 -> 100 / 1.25 = 80 (the compromise gives 100 / 1.5).
    assert fitted_forecast(a, {"gamma": 2.0})[0] == pytest.approx(80.0)
    assert fitted_forecast(a, {})[0] == pytest.approx(100 / 1.5)
    # shrink 0.5 toward the midpoint 50 (inside [0, 100]): 0.5 * 80 + 0.5 * 50 = 65.
    assert fitted_forecast(a, {"gamma": 2.0, "shrink": 0.5})[0] == pytest.approx(65.0)
    # The midpoint is clipped to the weighted actors' range: both at 70 and 90 -> target 70;
    # m = (0.5 * 70 + 90) / 1.5 = 83.33; shrink 0.5 -> 0.5 * 83.33 + 0.5 * 70 = 76.67.
    b = replace(a, position=np.array([[70.0], [90.0]]))
    assert fitted_forecast(b, {"shrink": 0.5})[0] == pytest.approx(0.5 * 125 / 1.5 + 35)
    # Roles and the unanimity pull (salience 1, capability 1): com 80, ep 40, states 30/50/90.
    # com_w = 3 on a CNS/UNAN issue with ep_cns = 0: (3 * 80 + 170) / 6 = 68.33; pull 0.5 to
    # q = 20: 0.5 * 68.33 + 10 = 44.17. On a COD/QMV issue with ep_cod = 2, no pull:
    # (3 * 80 + 2 * 40 + 170) / 8 = 61.25.
    c = _eu_case([("CNS", "UNAN"), ("COD", "QMV")])
    p = {"com_w": 3.0, "ep_cns": 0.0, "ep_cod": 2.0, "pull_unan": 0.5}
    np.testing.assert_allclose(fitted_forecast(c, p), [0.5 * 410 / 6 + 10, 490 / 8])
    # the registered model passes its parameters through
    assert run_model("fitted", c, **IDENTITY).forecast[0] == pytest.approx(58.0)
    assert run_model("fitted-lite", a, gamma=2.0, shrink=0.0).forecast[0] == pytest.approx(80.0)


def test_fit_recovers_a_known_shrink() -> None:
    # Outcomes generated by the model itself with shrink 0.3 (gamma 1, no roles, no pull):
    # the MAE is zero there and positive elsewhere, so the fit must land on 0.3.
    a = _random_eu(11, n=8, k=40)
    y = fitted_forecast(a, {"shrink": 0.3})
    got = fit(a, y, free=("shrink",))
    assert got["shrink"] == pytest.approx(0.3, abs=0.01)
    assert {k: v for k, v in got.items() if k != "shrink"} == {
        k: v for k, v in IDENTITY.items() if k != "shrink"
    }
    # and two parameters at once, without the ridge that pulls gamma toward 1
    y2 = fitted_forecast(a, {"shrink": 0.2, "gamma": 2.0})
    got2 = fit(a, y2, free=("gamma", "shrink"), penalty=0.0)
    assert got2["shrink"] == pytest.approx(0.2, abs=0.02)
    assert got2["gamma"] == pytest.approx(2.0, abs=0.1)
