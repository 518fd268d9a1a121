"""KTAB CSV/XML readers: every bundled file, and located errors on malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.scenario.errors import ScenarioError
from detente.scenario.io import load
from detente.scenario.io.ktab import read_ktab, read_ktab_csv, read_ktab_xml

# actors x dims, from shared/reference/bargaining-models.md §1.4
EXPECTED = {
    "SOE-Policy.csv": (26, 1),
    "SOE-Competitive.csv": (34, 1),
    "SOE-Pol-Comp.csv": (13, 2),
    "dummyData_3Dim.csv": (7, 3),
    "dummyData_3Dim.xml": (7, 3),
    "dummyData_6Dim.csv": (27, 6),
    "dummyData-a040.csv": (40, 1),
    "dummyData-a080.csv": (80, 1),
    "dummyData-a160.csv": (160, 1),
}


@pytest.mark.parametrize("fname", sorted(EXPECTED))
def test_reads_every_bundled_smp_file(shared_data: Path, fname: str) -> None:
    d = read_ktab(shared_data / "ktab" / fname)
    assert (d.n_actors, d.n_dims) == EXPECTED[fname]
    assert d.position.shape == d.salience.shape == EXPECTED[fname]
    assert (d.position >= 0).all() and (d.position <= 100).all()
    assert (d.salience.sum(axis=1) <= 100 + 1e-6).all()
    a = load(shared_data / "ktab" / fname).to_arrays()
    np.testing.assert_allclose(a.salience * 100, d.salience)
    np.testing.assert_array_equal(a.position, d.position)
    assert a.lo.tolist() == [0.0] * d.n_dims and a.hi.tolist() == [100.0] * d.n_dims


def test_soe_pol_comp_values(shared_data: Path) -> None:
    d = read_ktab_csv(shared_data / "ktab" / "SOE-Pol-Comp.csv")
    assert d.name == "China Policy/Competitive; scen 2"
    assert d.dimension_names == ("Policy Position", "Competitive Position")
    assert d.actor_names[0] == "XJ" and d.actor_descriptions[0] == "Xi Jinping"
    assert d.capability[1] == 60.2
    np.testing.assert_array_equal(d.position[0], [30, 20])
    np.testing.assert_array_equal(d.salience[0], [24.0, 48.0])


def test_csv_and_xml_of_dummy3_agree(shared_data: Path) -> None:
    c = read_ktab_csv(shared_data / "ktab" / "dummyData_3Dim.csv")
    x = read_ktab_xml(shared_data / "ktab" / "dummyData_3Dim.xml")
    assert x.seed == 3707583219545544125
    assert x.actor_names == c.actor_names


def test_smp_example_has_blank_coordinate(shared_data: Path) -> None:
    """The shared copy of smpExample.xml has an empty <dCoord> (Alice, FirstDim): read as no
    part on that dimension (nan position, zero salience in the arrays), with a located note."""
    d = read_ktab_xml(shared_data / "ktab" / "smpExample.xml")
    i = d.actor_names.index("Alice")
    assert np.isnan(d.position[i, 0]) and not np.isnan(d.position[i, 1:]).any()
    (note,) = d.notes
    assert ":32:" in note and "Alice" in note
    a = load(shared_data / "ktab" / "smpExample.xml").to_arrays()
    assert not a.present[i, 0] and a.salience[i, 0] == 0.0


def test_smp_example_parameters_and_accommodation(shared_data: Path, tmp_path: Path) -> None:
    src = (shared_data / "ktab" / "smpExample.xml").read_text(encoding="utf-8-sig")
    f = tmp_path / "ex.xml"
    f.write_text(src.replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>"))
    d = read_ktab_xml(f)
    assert d.parameters["PCEModel"] == "MarkovIncentive" and d.parameters["VotingRule"] == "PropCbc"
    assert d.seed == 3507583219545544127
    acc = d.accommodation
    assert acc is not None
    assert acc[0, 0] == 0.87 and acc[1, 0] == 0.07 and acc[2, 3] == 0.13 and acc[4, 4] == 1.0
    assert acc[0, 1] == 0.0


def test_reform_priorities_file_is_rejected(shared_data: Path) -> None:
    with pytest.raises(ScenarioError, match="Reform Priorities"):
        read_ktab_xml(shared_data / "ktab" / "reformpri-ex01.xml")


def _csv(tmp_path: Path, body: str) -> Path:
    f = tmp_path / "s.csv"
    f.write_text(body)
    return f


HEAD = "Scen,Desc,2,1,\nActor,Description,Power,P1,S1,\n"


@pytest.mark.parametrize(
    ("body", "line", "field", "value"),
    [
        (HEAD + "A,a,10,50,40,\nB,b,10,150,40,\n", 4, "P1 of B", "150"),
        (HEAD + "A,a,x,50,40,\nB,b,10,50,40,\n", 3, "capability of A", "x"),
        (HEAD + "A,a,10,50,-1,\nB,b,10,50,40,\n", 3, "S1 of A", "-1"),
        (HEAD + "A,a,10,50,40,\n", 3, "number of actor lines", "1"),
        ("Scen,Desc,2,two,\nActor,Description,Power,P1,S1,\n", 1, "number of dimensions", "two"),
        (HEAD + "A,a,10,50,40,\nA,b,10,50,40,\n", 4, "actor name", "A"),
    ],
)
def test_csv_errors_are_located(
    tmp_path: Path, body: str, line: int, field: str, value: str
) -> None:
    with pytest.raises(ScenarioError) as ei:
        read_ktab_csv(_csv(tmp_path, body))
    e = ei.value
    assert (e.line, e.field, e.value) == (line, field, value)
    assert isinstance(e, ValueError) and e.allowed and str(e.path).endswith("s.csv")


def test_salience_sum_over_100(tmp_path: Path) -> None:
    body = "S,D,2,2,\nActor,Desc,Pow,P1,S1,P2,S2,\nA,a,1,10,60,20,50,\nB,b,1,10,10,20,10,\n"
    with pytest.raises(ScenarioError, match="at most 100") as ei:
        read_ktab_csv(_csv(tmp_path, body))
    assert ei.value.line == 3


def test_xml_errors(tmp_path: Path) -> None:
    f = tmp_path / "bad.xml"
    f.write_text(
        "<Scenario><name>x</name><Dimensions><dName>d</dName></Dimensions>\n<Actors><Actor>"
        "<name>A</name><capability>1</capability><Position><dCoord>5</dCoord></Position>"
        "<Salience><dSal>5</dSal></Salience></Actor></Actors>\n<ModelParameters>"
        "<PCEModel>Foo</PCEModel></ModelParameters></Scenario>"
    )
    with pytest.raises(ScenarioError, match="MarkovIncentive") as ei:
        read_ktab_xml(f)
    assert ei.value.line == 3 and ei.value.field == "PCEModel"
    f.write_text("<Scenario><name>x</name>")
    with pytest.raises(ScenarioError, match="well-formed"):
        read_ktab_xml(f)
