"""The shipped examples: valid, traceable and faithful to the shared research data."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from detente.examples import list_examples, load_example
from detente.models import run_model


@pytest.mark.parametrize("name", list_examples())
def test_example_loads_and_forecasts(name: str) -> None:
    s = load_example(name)
    f = run_model("compromise", s.to_arrays())
    assert np.isfinite(f.forecast).all()


def test_miami_every_number_is_traceable() -> None:
    s = load_example("miami")
    src = {x.id: x for x in s.sources}
    for p in s.positions:
        assert p.basis in {"documented", "judgement"}
        if p.basis == "documented":
            assert p.sources, f"{p.actor}/{p.issue} documented without a source"
        assert all(x in src for x in p.sources)
        assert p.salience_basis == "judgement" or p.sources
        if p.reservation is not None:
            assert "Reservation:" in p.note, "a reservation point says why"
    for a in s.actors:
        assert a.capability_basis == "judgement" or a.capability_sources
    # No source dated after the scenario's date (S22 and S23 post-date it).
    assert s.as_of == dt.date(2025, 12, 19)
    for x in s.sources:
        assert x.date is None or x.date <= dt.date(2026, 1, 1)
    cited = {c for p in s.positions for c in p.sources}
    assert not cited & {"S22", "S23"}


def test_miami_actors_roles_and_vetoes() -> None:
    s = load_example("miami")
    ids = {a.id for a in s.actors}
    assert {"RUS", "UKR", "USA"} <= ids and len(ids) >= 4
    assert {a.id for a in s.actors if a.veto} == {"RUS", "UKR"}
    assert s.actor("USA").role == "mediator"


def test_miami_matches_the_shared_research_table(shared_data: Path) -> None:
    s = load_example("miami")
    issues = [
        r["issue_id"] for r in csv.DictReader(open(shared_data / "ukraine-2025" / "issues.csv"))
    ]
    assert [i.id for i in s.issues] == issues
    rows = list(csv.DictReader(open(shared_data / "ukraine-2025" / "positions.csv")))
    checked = 0
    for r in rows:
        actor = "E3" if r["actor_id"] == "EUR" else r["actor_id"]
        p = s.position_of(actor, r["issue_id"])
        assert p is not None
        assert p.salience == float(r["salience_0_100"])
        if not (actor == "E3" and r["issue_id"] == "frozen_assets"):  # split: E3 vs EU (S4 vs S14)
            assert p.position == float(r["position_0_100"])
            checked += 1
    assert checked == len(rows) - 1


def test_emissions_example_reproduces_the_published_weighted_mean() -> None:
    # bargaining-models.md §2.3: the initial c*s-weighted mean of the case is 7.39.
    s = load_example("eu-emissions")
    assert run_model("compromise", s.to_arrays()).forecast[0] == pytest.approx(7.39, abs=0.005)
