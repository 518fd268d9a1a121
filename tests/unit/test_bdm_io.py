"""The BDM actor-table reader: every shipped table loads; bad tables fail with a located error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.scenario.errors import ScenarioError
from detente.scenario.io import load
from detente.scenario.io.bdm import read_bdm_csv
from detente.scenario.schema import Scenario


def _arrays(path: Path, lo: float | None = None, hi: float | None = None):
    """The Scenario route to arrays (``lo``/``hi`` set the issue's scale, as an analyst would)."""
    s = load(path, format="bdm-csv")
    if lo is not None or hi is not None:
        d = s.model_dump()
        d["issues"][0]["scale"].update(lo=float(lo), hi=float(hi))
        s = Scenario.model_validate(d)
    return s.to_arrays()


# (file, n actors, salience scale, first actor, its capability, position, salience) — from the files
EXPECTED = [
    ("jmckib_ExampleActors_EU_emissions.csv", 10, 1.0, "Netherlands", 0.08, 4.0, 0.8),
    ("masad_ExampleActors.csv", 10, 100.0, "Netherlands", 0.08, 4.0, 80.0),
    ("jmckib_Sultan.csv", 17, 1.0, "HAWKS", 0.65, 14.25, 0.8),
    ("masad_ChinaData.csv", 24, 100.0, "Zeming", 80.0, 25.0, 50.0),
    ("masad_HondurasCrisisData.csv", 5, 1.0, "Nicaragua", 0.0001958, 1.0, 1.0),
]


@pytest.mark.parametrize(("name", "n", "scale", "first", "cap", "pos", "sal"), EXPECTED)
def test_every_shipped_table_loads(
    shared_data: Path,
    name: str,
    n: int,
    scale: float,
    first: str,
    cap: float,
    pos: float,
    sal: float,
) -> None:
    d = read_bdm_csv(shared_data / "bdm" / name)
    assert d.n_actors == n
    assert d.salience_scale == scale
    assert (d.actors[0], d.capability[0], d.position[0], d.salience[0]) == (first, cap, pos, sal)
    a = _arrays(shared_data / "bdm" / name)
    assert a.position.shape == (n, 1)
    assert np.all((a.salience >= 0) & (a.salience <= 1))
    assert a.lo[0] == min(d.position) and a.hi[0] == max(d.position)


def test_both_emissions_tables_give_the_same_arrays(shared_data: Path) -> None:
    a = _arrays(shared_data / "bdm" / "jmckib_ExampleActors_EU_emissions.csv")
    b = _arrays(shared_data / "bdm" / "masad_ExampleActors.csv")
    assert a.actor_ids == b.actor_ids
    np.testing.assert_allclose(a.salience, b.salience)
    np.testing.assert_allclose(a.position, b.position)


def test_explicit_scale(shared_data: Path) -> None:
    f = shared_data / "bdm" / "masad_ChinaData.csv"
    a = _arrays(f, lo=0, hi=100)
    assert (a.lo[0], a.hi[0]) == (0.0, 100.0)
    with pytest.raises(ValueError, match="off the scale"):  # positions 20.. refused
        _arrays(f, lo=20, hi=100)


BAD = [
    ("Actor,Capability,Position\nA,1,2\n", 1, "header", "salience"),
    ("Actor,Capability,Position,Salience\nA,1,x,0.5\n", 2, "Position", "a finite number"),
    ("Actor,Capability,Position,Salience\nA,-1,2,0.5\n", 2, "Capability", ">= 0"),
    ("Actor,Capability,Position,Salience\nA,1,2,150\n", 2, "Salience", "0–100"),
    ("Actor,Capability,Position,Salience\nA,1,2,0.5\nB,1,2\n", 3, "row", "4 comma-separated"),
    ("Actor,Capability,Position,Salience\nA,1,2,0.5\nA,1,3,0.5\n", 3, "Actor", "not used"),
    ("Actor,Capability,Position,Salience\n,1,2,0.5\n", 2, "Actor", "non-empty"),
    ("Actor,Capability,Position,Salience\nA,1,nan,0.5\n", 2, "Position", "finite"),
    ("Actor,Capability,Position,Salience\n", None, "file", "at least one actor"),
    ("", 1, "header", "header row"),
]


@pytest.mark.parametrize(("text", "line", "field", "allowed"), BAD)
def test_bad_tables_raise_located_errors(
    tmp_path: Path, text: str, line: int | None, field: str, allowed: str
) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as ei:
        read_bdm_csv(f)
    e = ei.value
    assert isinstance(e, ValueError)
    assert e.path == str(f) and e.line == line and e.field == field
    assert allowed in e.allowed
    assert str(f) in str(e) and field in str(e)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as ei:
        read_bdm_csv(tmp_path / "nope.csv")
    assert ei.value.path == str(tmp_path / "nope.csv") and "no such file" in ei.value.message
