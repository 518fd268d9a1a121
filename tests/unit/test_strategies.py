"""Concession strategies: Faratin's curves at known points, NegMAS's exponent, tit-for-tat and
hard-liners against hand-computed sequences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from detente.process.strategies import Concession, StrategyTable, faratin_alpha, negmas_exponent
from detente.scenario.protocol_spec import StrategySpec

# Faratin, Sierra & Jennings (1998), polynomial family with kappa = 0:
# alpha(t) = t ** (1/e); by hand at t = 0, 1/2, 1.
POLY = [
    (0.2, [0.0, 0.5**5, 1.0]),  # Boulware e = 0.2: 0.03125 at half time
    (0.5, [0.0, 0.25, 1.0]),  # Boulware e = 0.5
    (1.0, [0.0, 0.5, 1.0]),  # linear
    (2.0, [0.0, math.sqrt(0.5), 1.0]),  # conceder e = 2: 0.7071...
    (5.0, [0.0, 0.5**0.2, 1.0]),  # conceder e = 5: 0.8706...
]


@pytest.mark.parametrize(("e", "want"), POLY)
def test_polynomial_curve_at_known_points(e: float, want: list[float]) -> None:
    got = faratin_alpha([0.0, 0.5, 1.0], e)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


def test_polynomial_opening_concession() -> None:
    # kappa = 0.2, linear: 0.2 + 0.8 t -> 0.2, 0.6, 1.0
    np.testing.assert_allclose(faratin_alpha([0, 0.5, 1], 1.0, 0.2), [0.2, 0.6, 1.0])


@pytest.mark.parametrize(
    ("e", "want"),
    [
        (1.0, [0.1, math.sqrt(0.1), 1.0]),  # exp(0.5 ln 0.1) = 0.1 ** 0.5
        (2.0, [0.1, 0.1**0.25, 1.0]),  # exp(0.25 ln 0.1)
        (0.5, [0.1, 0.1 ** math.sqrt(0.5), 1.0]),
    ],
)
def test_exponential_curve_at_known_points(e: float, want: list[float]) -> None:
    got = faratin_alpha([0.0, 0.5, 1.0], e, 0.1, "exponential")
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_boulware_below_linear_below_conceder() -> None:
    t = np.linspace(0.05, 0.95, 19)
    assert (faratin_alpha(t, 0.2) < faratin_alpha(t, 1.0)).all()
    assert (faratin_alpha(t, 1.0) < faratin_alpha(t, 5.0)).all()


def test_negmas_exponent_is_the_reciprocal() -> None:
    assert negmas_exponent(0.2) == 5.0
    assert negmas_exponent(4.0) == 0.25


def _table(*specs: StrategySpec, deadline: float = 4.0) -> StrategyTable:
    return StrategyTable.build(["A", "B"], specs, deadline=deadline)


def test_kinds_default_exponents_and_deadline() -> None:
    tab = StrategyTable.build(
        ["A", "B", "C"],
        [StrategySpec(actor="A", kind="boulware"), StrategySpec(actor="B", kind="conceder")],
        deadline=10,
    )
    # A boulware e=0.2, B conceder e=5, C linear by default; at t = 5 of 10:
    np.testing.assert_allclose(tab.time_levels(5), [0.5**5, 0.5**0.2, 0.5])
    # past the deadline everyone has conceded everything
    np.testing.assert_allclose(tab.time_levels(12), [1.0, 1.0, 1.0])


def test_own_deadline_overrides_the_talks() -> None:
    tab = _table(StrategySpec(actor="A", kind="linear", params={"deadline": 2}), deadline=8)
    np.testing.assert_allclose(tab.time_levels(1), [0.5, 1 / 8])


def test_hardliner_keeps_its_opening_concession() -> None:
    tab = _table(StrategySpec(actor="A", kind="hardliner", params={"kappa": 0.3}))
    conc = Concession(tab, ~np.eye(2, dtype=bool), m=3)
    for t in range(6):
        np.testing.assert_allclose(conc.levels(t)[:, 0], 0.3)


def _tft_demands(mode: str) -> list[float]:
    """B plays tit-for-tat (kappa 0.5, delta 1) against A's Boulware e = 0.5, deadline 4."""
    tab = _table(
        StrategySpec(actor="A", kind="boulware", params={"e": 0.5}),
        StrategySpec(actor="B", kind="tit_for_tat", reciprocity=mode, params={"kappa": 0.5}),
    )
    conc = Concession(tab, ~np.eye(2, dtype=bool), m=2)
    return [float(1 - conc.levels(t)[0, 1]) for t in range(5)]


def test_relative_tit_for_tat_by_hand() -> None:
    # A's demand D(t) = 1 - (t/4)^2 = 1, 15/16, 3/4, 7/16, 0.
    # d(0) = d(1) = 0.5; d(t) = d(t-1) D(t-1) / D(t-2):
    # d(2) = 0.5 * 15/16 = 0.46875; d(3) = 0.46875 * (3/4)/(15/16) = 0.375;
    # d(4) = 0.375 * (7/16)/(3/4) = 0.21875
    np.testing.assert_allclose(_tft_demands("relative"), [0.5, 0.5, 0.46875, 0.375, 0.21875])


def test_absolute_tit_for_tat_by_hand() -> None:
    # d(t) = d(t-1) - (D(t-2) - D(t-1)): 0.5 - 1/16 = 0.4375; - 3/16 = 0.25; - 5/16 -> 0 (clip)
    np.testing.assert_allclose(_tft_demands("absolute"), [0.5, 0.5, 0.4375, 0.25, 0.0])


def test_tit_for_tat_never_concedes_against_a_hardliner() -> None:
    tab = _table(
        StrategySpec(actor="A", kind="hardliner"),
        StrategySpec(actor="B", kind="tit_for_tat"),
    )
    conc = Concession(tab, ~np.eye(2, dtype=bool), m=1)
    assert all(conc.levels(t)[0, 1] == 0.0 for t in range(8))
