"""Every shared scenario file loads through ``detente.scenario.io.load`` with its format
recognised from the file, gives sane arrays, and round-trips through the formats that can hold
it. Expected counts and values are read off the files and ``shared/data/SOURCES.md``, not off
the readers."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from detente.models.registry import run_model
from detente.scenario.errors import ScenarioError
from detente.scenario.io import detect_format, load, save
from detente.scenario.io.decide import read_decide
from detente.scenario.io.native import dump_yaml, read_json, read_yaml, write_json, write_yaml
from detente.scenario.io.tidy import read_tidy, write_tidy

pytestmark = pytest.mark.shared_data

# (relative path, format, actors, issues): counts from SOURCES.md / bargaining-models.md §1.4,
# or counted in the file by eye (bdm tables: data rows).
SHARED = [
    ("bdm/jmckib_ExampleActors_EU_emissions.csv", "bdm-csv", 10, 1),
    ("bdm/jmckib_Sultan.csv", "bdm-csv", 17, 1),
    ("bdm/masad_ChinaData.csv", "bdm-csv", 24, 1),
    ("bdm/masad_ExampleActors.csv", "bdm-csv", 10, 1),
    ("bdm/masad_HondurasCrisisData.csv", "bdm-csv", 5, 1),
    ("decide/cop21.csv", "decide-csv", 15, 13),
    ("decide/copenhagen.csv", "decide-csv", 11, 7),
    ("deu3/deu3-dev.tsv", "deu", 30, 258),
    ("deu3/deu3-holdout-inputs.tsv", "deu", 30, 106),
    ("ktab/SOE-Policy.csv", "ktab-csv", 26, 1),
    ("ktab/SOE-Competitive.csv", "ktab-csv", 34, 1),
    ("ktab/SOE-Pol-Comp.csv", "ktab-csv", 13, 2),
    ("ktab/dummyData_3Dim.csv", "ktab-csv", 7, 3),
    ("ktab/dummyData_6Dim.csv", "ktab-csv", 27, 6),
    ("ktab/dummyData-a040.csv", "ktab-csv", 40, 1),
    ("ktab/dummyData-a080.csv", "ktab-csv", 80, 1),
    ("ktab/dummyData-a160.csv", "ktab-csv", 160, 1),
    ("ktab/dummyData_3Dim.xml", "ktab-xml", 7, 3),
]

#: Shared files that detente reads as some format but that hold something else: they must be
#: refused with a ScenarioError, never a traceback.
NOT_SCENARIOS = [
    "ktab/reformpri-ex01.xml",  # KTAB's Reform Priorities model, not an SMP scenario
    "ktab/ref-output-smpExample.txt",  # a run log
    "ukraine-2025",  # the research table's own layout (the shipped YAML example is built from it)
    "cinc/cinc_selected_case_years.csv",
]


def _path(shared_data: Path, rel: str) -> Path:
    p = shared_data / rel
    if not p.exists():
        pytest.skip(f"{rel} not in ../shared/data")
    return p


@pytest.mark.parametrize(("rel", "fmt", "n", "k"), SHARED)
def test_every_shared_file_loads_with_its_format_recognised(shared_data, rel, fmt, n, k):
    path = _path(shared_data, rel)
    assert detect_format(path) == fmt
    scenario = load(path)
    a = scenario.to_arrays()
    assert a.position.shape == (n, k)
    assert len(a.actor_ids) == len(set(a.actor_ids)) == n
    assert np.all(np.isfinite(a.capability)) and np.all(a.capability >= 0)
    assert np.all((a.salience >= 0) & (a.salience <= 1))
    assert np.all(a.lo < a.hi)
    x = np.where(a.present, a.position, a.lo)
    assert np.all((x >= a.lo) & (x <= a.hi))
    assert a.present.any(axis=0).all(), "every issue has at least one actor"
    # and the forecast of the simplest model is in the issue's own units
    f = run_model("compromise", a)
    ok = np.isfinite(f.forecast)
    assert np.all((f.forecast[ok] >= a.lo[ok]) & (f.forecast[ok] <= a.hi[ok]))


@pytest.mark.parametrize("rel", NOT_SCENARIOS)
def test_shared_files_that_are_no_scenario_are_refused_cleanly(shared_data, rel):
    path = _path(shared_data, rel)
    with pytest.raises(ScenarioError) as info:
        load(path)
    assert str(path) in str(info.value) or path.name in str(info.value)


def test_smp_example_blank_coordinate_loads_as_no_part_with_a_note(shared_data):
    # The shared smpExample.xml leaves Alice's first coordinate empty (<dCoord></dCoord>,
    # line 32): the file loads, Alice takes no part on FirstDim, and the scenario says so.
    s = load(_path(shared_data, "ktab/smpExample.xml"))
    assert s.position_of("Alice", "FirstDim") is None
    assert s.position_of("Alice", "SecondDim") is not None
    assert "smpExample.xml:32" in s.description and "Alice" in s.description
    assert len(s.positions) == len(s.actors) * len(s.issues) - 1


def _smp_example_filled(shared_data, tmp_path) -> Path:
    """smpExample.xml with Alice's blank coordinate set to 52.8, her first position in
    KTAB's own reference run (ref-output-smpExample.txt)."""
    src = _path(shared_data, "ktab/smpExample.xml").read_text(encoding="utf-8-sig")
    f = tmp_path / "smpExample.xml"
    f.write_text(src.replace("<dCoord></dCoord>", "<dCoord>52.8</dCoord>"), encoding="utf-8")
    return f


# ----------------------------------------------------------------------------- spot values
def test_decide_values_read_as_written(shared_data):
    s = load(_path(shared_data, "decide/copenhagen.csv"))
    eu = s.actor("EU_incl_Norway")  # Decide id 'EU (incl Norway)'
    assert eu.name == "EU (incl Norway)"
    assert eu.capability == pytest.approx(0.156)
    p = s.position_of("EU_incl_Norway", "DevlopC2020")
    assert (p.position, p.salience) == (70.0, pytest.approx(90.0))  # '#D' ... 70.0 0.9 0.156
    assert s.position_of("Russia", "Commitments") is None  # no #D line: absent
    assert (s.issue("Newtreaty").scale.lo, s.issue("Newtreaty").scale.hi) == (0.0, 100.0)


def _decide_nbs(path: Path) -> dict[str, float]:
    """Decide's "NBS" per issue, sum(p s x) / sum(p s), straight from the file's #D lines."""
    num: dict[str, float] = {}
    den: dict[str, float] = {}
    for line in path.read_text().splitlines():
        cells = [c.strip().strip("'") for c in line.split("\t")]
        if cells[0] == "#D":
            issue, x, s, p = cells[2], float(cells[3]), float(cells[4]), float(cells[5])
            num[issue] = num.get(issue, 0.0) + p * s * x
            den[issue] = den.get(issue, 0.0) + p * s
    return {i: num[i] / den[i] for i in num}


@pytest.mark.parametrize("name", ["cop21", "copenhagen"])
def test_compromise_on_decide_data_is_decides_nbs(shared_data, name):
    path = _path(shared_data, f"decide/{name}.csv")
    expected = _decide_nbs(path)
    f = run_model("compromise", load(path).to_arrays())
    got = dict(zip(f.issue_ids, f.forecast, strict=True))
    assert set(got) == set(expected)
    for issue, value in expected.items():
        assert got[issue] == pytest.approx(value, rel=1e-12)


def test_decide_power_varying_by_issue_keeps_power_times_salience(tmp_path):
    # Actor B has power 0.5 on issue p but 0.2 on issue q: capability 0.5, salience on q
    # scaled by 0.4, so that capability x salience = power x salience everywhere.
    text = "\n".join(
        [
            "'#A'\t'A'\t'Alpha'\t''",
            "'#A'\t'B'\t'Beta'\t''",
            "'#P'\t'p'\t'p'\t''",
            "'#M'\t'p'\t0\t'none'",
            "'#M'\t'p'\t10\t'all'",
            "'#P'\t'q'\t'q'\t''",
            "'#D'\t'A'\t'p'\t2.0\t0.5\t0.3",
            "'#D'\t'B'\t'p'\t8.0\t0.9\t0.5",
            "'#D'\t'A'\t'q'\t20.0\t0.6\t0.3",
            "'#D'\t'B'\t'q'\t80.0\t1.0\t0.2",
        ]
    )
    path = tmp_path / "vary.csv"
    path.write_text(text)
    s = load(path)
    assert s.actor("B").capability == 0.5
    assert s.position_of("B", "q").salience == pytest.approx(40.0)
    assert "0.2" in s.position_of("B", "q").note
    sp = s.issue("p").scale
    assert (sp.lo, sp.hi, sp.lo_means, sp.hi_means) == (0.0, 10.0, "none", "all")
    f = run_model("compromise", s.to_arrays())
    by = dict(zip(f.issue_ids, f.forecast, strict=True))
    assert by["p"] == pytest.approx((0.3 * 0.5 * 2 + 0.5 * 0.9 * 8) / (0.3 * 0.5 + 0.5 * 0.9))
    assert by["q"] == pytest.approx((0.3 * 0.6 * 20 + 0.2 * 1.0 * 80) / (0.3 * 0.6 + 0.2 * 1.0))


def test_decide_salience_shares_become_percent_without_float_noise(tmp_path):
    # 0.55 * 100 is 55.00000000000001 in binary floating point; 0.29 * 100 is 28.999999999999996.
    text = "\n".join(
        [
            "'#A'\t'A'\t'Alpha'\t''",
            "'#A'\t'B'\t'Beta'\t''",
            "'#P'\t'p'\t'p'\t''",
            "'#D'\t'A'\t'p'\t20.0\t0.55\t0.5",
            "'#D'\t'B'\t'p'\t80.0\t0.29\t0.5",
        ]
    )
    path = tmp_path / "d.csv"
    path.write_text(text)
    s = load(path)
    assert [p.salience for p in s.positions] == [55.0, 29.0]
    assert "55.00000" not in dump_yaml(s) and "28.9999" not in dump_yaml(s)
    # and a scenario written as Decide CSV reads back with the same saliences
    save(s, tmp_path / "back.csv", format="decide-csv")
    assert [p.salience for p in load(tmp_path / "back.csv").positions] == [55.0, 29.0]


def test_ktab_values_read_as_written(shared_data):
    s = load(_path(shared_data, "ktab/SOE-Pol-Comp.csv"))
    xj = s.actor("XJ")
    assert (xj.name, xj.capability) == ("Xi Jinping", 100.0)
    # XJ,Xi Jinping, 100.0,30,24.0,20,48.0
    assert [p.position for p in s.positions if p.actor == "XJ"] == [30.0, 20.0]
    assert [p.salience for p in s.positions if p.actor == "XJ"] == [24.0, 48.0]
    assert [i.name for i in s.issues] == ["Policy Position", "Competitive Position"]


def test_ktab_csv_and_xml_of_the_same_scenario_agree(shared_data):
    a = load(_path(shared_data, "ktab/dummyData_3Dim.csv")).to_arrays()
    b = load(_path(shared_data, "ktab/dummyData_3Dim.xml")).to_arrays()
    np.testing.assert_allclose(a.capability, b.capability)
    np.testing.assert_allclose(a.position, b.position)
    np.testing.assert_allclose(a.salience, b.salience)


def test_ktab_xml_parameters_seed_and_accommodation(shared_data, tmp_path):
    s = load(_smp_example_filled(shared_data, tmp_path))
    assert detect_format(tmp_path / "smpExample.xml") == "ktab-xml"
    assert s.model_params["seed"] == 3507583219545544127  # <prngSeed>03507583219545544127
    assert s.model_params["smp"]["VotingRule"] == "PropCbc"
    assert s.model_params["smp"]["PCEModel"] == "MarkovIncentive"
    acc = {(e.actor, e.toward): e.weight for e in s.accommodation}
    assert acc == {
        ("Alice", "Alice"): 0.87,
        ("Bob", "Bob"): 0.75,
        ("Bob", "Alice"): 0.07,
        ("Carol", "Carol"): 0.65,
        ("Carol", "David"): 0.13,
        ("David", "David"): 0.57,
    }
    m = s.to_arrays().accommodation
    assert m[1, 0] == 0.07 and m[4, 4] == 1.0  # Ellie has no pair: identity row
    for fmt, target in (("tidy-csv", "t"), ("yaml", "s.yaml"), ("json", "s.json")):
        save(s, tmp_path / target, format=fmt)
        assert load(tmp_path / target) == s  # accommodation, parameters and seed survive


def test_bdm_salience_scales_agree(shared_data):
    # The same EC car-emissions table, salience 0-1 in one copy and 0-100 in the other.
    a = load(_path(shared_data, "bdm/jmckib_ExampleActors_EU_emissions.csv")).to_arrays()
    b = load(_path(shared_data, "bdm/masad_ExampleActors.csv")).to_arrays()
    np.testing.assert_allclose(a.salience, b.salience)
    np.testing.assert_allclose(a.position, b.position)
    assert (a.lo[0], a.hi[0]) == (4.0, 10.0)  # positions 4, 7, 10 in the file
    assert a.salience[0, 0] == pytest.approx(0.8)  # Netherlands 0.8 / 80


def test_bdm_forecast_in_the_files_units(shared_data):
    path = _path(shared_data, "bdm/jmckib_ExampleActors_EU_emissions.csv")
    rows = list(csv.DictReader(path.open()))
    num = sum(float(r["Capability"]) * float(r["Salience"]) * float(r["Position"]) for r in rows)
    den = sum(float(r["Capability"]) * float(r["Salience"]) for r in rows)
    f = run_model("compromise", load(path).to_arrays())
    assert f.forecast[0] == pytest.approx(num / den)


def test_deu_loads_through_auto_detection(shared_data):
    s = load(_path(shared_data, "deu3/deu3-dev.tsv"))
    assert {i.group for i in s.issues} and len({i.group for i in s.issues}) == 99  # proposals


# ----------------------------------------------------------------------------- round trips
def _examples() -> list[Path]:
    import detente.examples as ex

    return sorted(Path(ex.__file__).parent.glob("*.yaml"))


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_native_yaml_json_tidy_round_trip_exactly(tmp_path, path):
    s = read_yaml(path)
    write_json(s, tmp_path / "s.json")
    assert read_json(tmp_path / "s.json") == s
    write_yaml(read_json(tmp_path / "s.json"), tmp_path / "s.yaml")
    assert read_yaml(tmp_path / "s.yaml") == s
    write_tidy(s, tmp_path / "tidy")
    assert detect_format(tmp_path / "tidy") == "tidy-csv"
    assert read_tidy(tmp_path / "tidy") == s
    # and writing over an existing tidy folder replaces it
    write_tidy(s, tmp_path / "tidy")
    assert load(tmp_path / "tidy") == s


@pytest.mark.parametrize(
    "rel",
    [pytest.param(r.values[0], marks=r.marks) if hasattr(r, "values") else r[0] for r in SHARED],
)
def test_every_shared_file_round_trips_through_tidy_csv_and_yaml(shared_data, tmp_path, rel):
    s = load(_path(shared_data, rel))
    save(s, tmp_path / "t", format="tidy-csv")
    assert load(tmp_path / "t") == s
    save(s, tmp_path / "s.yaml")
    assert load(tmp_path / "s.yaml") == s


def _same_numbers(a, b):
    assert a.actor_ids == b.actor_ids and a.issue_ids == b.issue_ids
    np.testing.assert_allclose(a.lo, b.lo)
    np.testing.assert_allclose(a.hi, b.hi)
    np.testing.assert_array_equal(a.present, b.present)
    np.testing.assert_allclose(a.position[a.present], b.position[b.present], rtol=1e-12)
    wa = a.capability[:, None] * a.salience
    wb = b.capability[:, None] * b.salience
    np.testing.assert_allclose(wa, wb, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "rel", ["decide/cop21.csv", "decide/copenhagen.csv", "bdm/masad_ChinaData.csv"]
)
def test_decide_round_trip(shared_data, tmp_path, rel):
    s = load(_path(shared_data, rel))
    save(s, tmp_path / "d.csv", format="decide-csv")
    assert detect_format(tmp_path / "d.csv") == "decide-csv"
    back = load(tmp_path / "d.csv")
    _same_numbers(s.to_arrays(), back.to_arrays())
    assert [a.name for a in back.actors] == [a.name for a in s.actors]
    # and a second trip changes nothing at all
    save(back, tmp_path / "d2.csv", format="decide-csv")
    assert read_decide(tmp_path / "d2.csv").model_dump(exclude={"name", "description"}) == (
        back.model_dump(exclude={"name", "description"})
    )


@pytest.mark.parametrize(
    "rel", ["ktab/SOE-Pol-Comp.csv", "ktab/dummyData_6Dim.csv", "ktab/dummyData_3Dim.xml"]
)
def test_ktab_csv_round_trip(shared_data, tmp_path, rel):
    s = load(_path(shared_data, rel))
    save(s, tmp_path / "k.csv", format="ktab-csv")
    assert detect_format(tmp_path / "k.csv") == "ktab-csv"
    back = load(tmp_path / "k.csv")
    _same_numbers(s.to_arrays(), back.to_arrays())
    np.testing.assert_array_equal(s.to_arrays().capability, back.to_arrays().capability)
    assert [a.name for a in back.actors] == [a.name for a in s.actors]


def test_yaml_to_ktab_to_yaml_keeps_the_numbers(tmp_path):
    # A scenario built here (0-100 issues, everyone present, saliences summing to <= 100).
    yaml_text = """
name: three
actors:
  - {id: A, name: Alpha, capability: 3}
  - {id: B, name: Beta, capability: 1.5}
  - {id: C, name: Gamma, capability: 0.25}
issues:
  - {id: x, name: X}
  - {id: y, name: Y}
positions:
  - {actor: A, issue: x, position: 10, salience: 50}
  - {actor: A, issue: y, position: 90, salience: 50}
  - {actor: B, issue: x, position: 33.3, salience: 20}
  - {actor: B, issue: y, position: 0, salience: 70}
  - {actor: C, issue: x, position: 100, salience: 0}
  - {actor: C, issue: y, position: 55.5, salience: 99.5}
"""
    (tmp_path / "s.yaml").write_text(yaml_text)
    s = load(tmp_path / "s.yaml")
    save(s, tmp_path / "k.csv", format="ktab-csv")
    save(load(tmp_path / "k.csv"), tmp_path / "back.yaml")
    back = load(tmp_path / "back.yaml")
    _same_numbers(s.to_arrays(), back.to_arrays())
    save(back, tmp_path / "d.csv", format="decide-csv")
    _same_numbers(s.to_arrays(), load(tmp_path / "d.csv").to_arrays())


@pytest.mark.parametrize(
    ("rel", "why"),
    [
        ("bdm/jmckib_ExampleActors_EU_emissions.csv", "0-100"),  # scale 4-10
        ("decide/copenhagen.csv", "absent"),  # Russia has no Commitments line
        ("decide/cop21.csv", "absent"),  # ALBA has no amb2050 line
        ("ktab/dummyData_3Dim.csv", None),  # fits: no error
    ],
)
def test_ktab_writer_refuses_what_ktab_cannot_hold(shared_data, tmp_path, rel, why):
    s = load(_path(shared_data, rel))
    out = tmp_path / "k.csv"
    if why is None:
        save(s, out, format="ktab-csv")
        assert out.exists()
        return
    with pytest.raises(ScenarioError) as info:
        save(s, out, format="ktab-csv")
    assert why in str(info.value)
    assert not out.exists() and not list(tmp_path.iterdir()), "nothing half-written"


def test_ktab_writer_refuses_saliences_over_100(tmp_path):
    (tmp_path / "s.yaml").write_text(
        "name: t\nactors: [{id: A, name: A, capability: 1}]\n"
        "issues: [{id: x, name: x}, {id: y, name: y}]\n"
        "positions:\n  - {actor: A, issue: x, position: 1, salience: 60}\n"
        "  - {actor: A, issue: y, position: 1, salience: 60}\n"
    )
    with pytest.raises(ScenarioError, match="at most 100"):
        save(load(tmp_path / "s.yaml"), tmp_path / "k.csv", format="ktab-csv")


def test_tidy_write_never_replaces_a_folder_with_other_files(tmp_path):
    s = read_yaml(_examples()[0])
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("precious")
    with pytest.raises(ScenarioError, match="other files"):
        write_tidy(s, target)
    assert (target / "thesis.docx").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_tidy_anchors_and_ranges_survive(tmp_path):
    s = read_yaml(_examples()[0])
    text = dump_yaml(s)
    assert text  # the example is loadable
    write_tidy(s, tmp_path / "t")
    n_anchor_rows = 0
    if (tmp_path / "t" / "anchors.csv").exists():
        n_anchor_rows = len(list(csv.DictReader((tmp_path / "t" / "anchors.csv").open())))
    assert n_anchor_rows == sum(len(i.scale.anchors) for i in s.issues)


def test_the_documented_example_loads_and_round_trips(tmp_path):
    import re

    doc = Path(__file__).resolve().parents[2] / "docs" / "reference" / "scenario-format.md"
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert blocks, "docs/reference/scenario-format.md has a ```yaml example"
    (tmp_path / "ex.yaml").write_text(blocks[0], encoding="utf-8")
    s = load(tmp_path / "ex.yaml")
    assert s.actor("NO").name == "Norway"  # the YAML 1.1 trap stays closed
    assert s.actor("A").capability == 1000.0  # 1e3 is a number
    assert s.issue("border").scale.unit == "km"
    for fmt, target in (("json", "ex.json"), ("tidy-csv", "ex"), ("yaml", "back.yaml")):
        save(s, tmp_path / target, format=fmt)
        assert load(tmp_path / target) == s


def test_cli_convert_chain_keeps_the_numbers(shared_data, tmp_path):
    from typer.testing import CliRunner

    from detente.cli import app

    src = _path(shared_data, "decide/copenhagen.csv")
    run = CliRunner().invoke
    steps = [
        [str(src), str(tmp_path / "c.yaml")],
        [str(tmp_path / "c.yaml"), str(tmp_path / "c.json")],
        [str(tmp_path / "c.json"), str(tmp_path / "tidy")],
        [str(tmp_path / "tidy"), str(tmp_path / "d.csv"), "--output-format", "decide-csv"],
    ]
    for args in steps:
        result = run(app, ["convert", *args])
        assert result.exit_code == 0, result.output
    _same_numbers(load(src).to_arrays(), load(tmp_path / "d.csv").to_arrays())
    assert load(tmp_path / "tidy") == load(tmp_path / "c.yaml") == load(src)
    # a scenario KTAB cannot hold: exit code 2, one located line, nothing written
    result = run(app, ["convert", str(src), str(tmp_path / "k.csv")])
    assert result.exit_code == 2
    assert "absent" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "k.csv").exists()


@pytest.mark.parametrize(
    "text",
    [
        '#A,A1,"First; the one",x\n#A,A2,Second,\n#P,p,p,\n#D,A1,p,20,0.3,0.5\n'
        "#D,A2,p,80,0.4,0.25\n",
        '"#A";"A1";"First, the one";"x"\n"#A";"A2";"Second"\n"#P";"p";"p"\n'
        '"#D";"A1";"p";20;0.3;0.5\n"#D";"A2";"p";80;0.4;0.25\n',
    ],
    ids=["comma", "semicolon"],
)
def test_decide_other_separators_and_quotes(tmp_path, text):
    (tmp_path / "d.csv").write_text(text)
    s = load(tmp_path / "d.csv")
    assert s.actor("A1").name.startswith("First") and s.actor("A1").name.endswith("the one")
    f = run_model("compromise", s.to_arrays())
    assert f.forecast[0] == pytest.approx((0.5 * 0.3 * 20 + 0.25 * 0.4 * 80) / (0.15 + 0.1))


def test_a_yaml_file_whose_first_line_looks_like_ktab_is_read_as_yaml(tmp_path: Path) -> None:
    from detente.scenario.io import detect_format

    f = tmp_path / "talks.yaml"
    f.write_text("# Talks, round 2, 3, 4\nname: x\n")
    f2 = tmp_path / "x.yaml"
    f2.write_text("Talks,round,3,4\n")
    assert detect_format(f) == "yaml" and detect_format(f2) == "yaml"
