"""Fuzzing every loader: random and mutated files may only give a valid Scenario or a
ScenarioError — any other exception (a traceback for the user) fails the test.

The mutated files start from every shared file of each format (read from ``../shared/data``,
mutated in a temporary folder, never copied into the project), from the shipped YAML
examples, and from tidy-CSV/JSON/Decide/KTAB files written from them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.scenario.errors import ScenarioError
from detente.scenario.io import load, save
from detente.scenario.io.native import read_json, read_yaml
from detente.scenario.schema import Scenario

try:
    from strategies import mutations, random_text_files, valid_scenario_dicts
except ImportError:  # pragma: no cover - when tests/ is imported as a package
    from tests.property.strategies import mutations, random_text_files, valid_scenario_dicts

# writing Decide CSV from the shipped examples drops their vetoes etc. on purpose
pytestmark = pytest.mark.filterwarnings("ignore::detente.scenario.errors.ExportWarning")

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
EXAMPLES = sorted(
    (Path(__file__).resolve().parents[2] / "src" / "detente" / "examples").glob("*.yaml")
)

#: Examples per test; raise with DETENTE_FUZZ_EXAMPLES for a long hunt (default keeps the
#: whole module well under a minute).
N = int(os.environ.get("DETENTE_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=N,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# format -> shared files of that format
SHARED_FILES = {
    "bdm-csv": ["bdm/" + f for f in (
        "jmckib_ExampleActors_EU_emissions.csv", "jmckib_Sultan.csv", "masad_ChinaData.csv",
        "masad_ExampleActors.csv", "masad_HondurasCrisisData.csv")],
    "decide-csv": ["decide/cop21.csv", "decide/copenhagen.csv"],
    "deu": ["deu3/deu3-dev.tsv", "deu3/deu3-holdout-inputs.tsv"],
    "ktab-csv": ["ktab/" + f for f in (
        "SOE-Policy.csv", "SOE-Competitive.csv", "SOE-Pol-Comp.csv", "dummyData_3Dim.csv",
        "dummyData_6Dim.csv", "dummyData-a040.csv", "dummyData-a080.csv", "dummyData-a160.csv")],
    "ktab-xml": ["ktab/dummyData_3Dim.xml", "ktab/smpExample.xml", "ktab/reformpri-ex01.xml"],
}  # fmt: skip
CASES = [(fmt, rel) for fmt, rels in SHARED_FILES.items() for rel in rels]


def _shared(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        pytest.skip(f"../shared/data not found: {p}")
    return p


def _only_scenario_or_error(path: Path, fmt: str | None) -> None:
    """Load; a valid Scenario or a located ScenarioError are the only outcomes allowed."""
    try:
        result = load(path, format=fmt)
    except ScenarioError as e:
        assert e.message, "an error with no message"
        assert e.path, f"an error that names no file: {e}"
        return
    assert isinstance(result, Scenario)
    result.to_arrays()  # and it converts


@pytest.mark.parametrize(("fmt", "rel"), CASES, ids=[c[1] for c in CASES])
@FUZZ
@given(data=st.data())
def test_mutated_shared_files(tmp_path, fmt, rel, data):
    original = _shared(rel).read_bytes()
    mutated = data.draw(mutations(original), label="mutated file")
    path = tmp_path / Path(rel).name
    path.write_bytes(mutated)
    _only_scenario_or_error(path, fmt)  # forced format
    _only_scenario_or_error(path, None)  # recognised from the content


@pytest.fixture(scope="module")
def native_sources(tmp_path_factory) -> list[tuple[str, str, bytes]]:
    """YAML examples, and the same scenarios written as JSON and Decide: (format, suffix, bytes)."""
    base = tmp_path_factory.mktemp("native-src")
    out: list[tuple[str, str, bytes]] = [("yaml", ".yaml", ex.read_bytes()) for ex in EXAMPLES]
    for ex in EXAMPLES:
        s = read_yaml(ex)
        for fmt, suffix in (("json", ".json"), ("decide-csv", ".csv")):
            target = base / f"{ex.stem}{suffix}"
            save(s, target, format=fmt)
            out.append((fmt, suffix, target.read_bytes()))
    return out


@pytest.mark.parametrize("which", range(6))
@FUZZ
@given(data=st.data())
def test_mutated_native_and_written_files(tmp_path, native_sources, which, data):
    if which >= len(native_sources):
        pytest.skip("fewer shipped examples")
    fmt, suffix, original = native_sources[which]
    path = tmp_path / ("m" + suffix)
    path.write_bytes(data.draw(mutations(original), label="mutated file"))
    _only_scenario_or_error(path, fmt)
    _only_scenario_or_error(path, None)


TIDY_FROM = [*(("example", ex.name) for ex in EXAMPLES), ("shared", "decide/copenhagen.csv")]


@pytest.fixture(scope="module")
def tidy_sources(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The tables of each scenario in TIDY_FROM written as tidy CSV: {name: {file: bytes}}."""
    out: dict[str, dict[str, bytes]] = {}
    for kind, name in TIDY_FROM:
        if kind == "shared" and not (SHARED / name).exists():
            continue
        src = SHARED / name if kind == "shared" else next(e for e in EXAMPLES if e.name == name)
        folder = tmp_path_factory.mktemp("tidy-src") / "t"
        save(load(src), folder, format="tidy-csv")
        out[name] = {f.name: f.read_bytes() for f in sorted(folder.iterdir())}
    return out


@pytest.mark.parametrize(("kind", "name"), TIDY_FROM)
@FUZZ
@given(data=st.data())
def test_mutated_tidy_folders(tmp_path, tidy_sources, kind, name, data):
    if name not in tidy_sources:
        pytest.skip(f"../shared/data not found: {name}")
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    tables = tidy_sources[name]
    for f, raw in tables.items():
        (folder / f).write_bytes(raw)
    table = data.draw(st.sampled_from(sorted(tables)), label="table")
    mutated = data.draw(mutations(tables[table]), label="mutated table")
    (folder / table).write_bytes(mutated)
    _only_scenario_or_error(folder, "tidy-csv")
    _only_scenario_or_error(folder, None)


ALL_FORMATS = ["yaml", "json", "ktab-csv", "ktab-xml", "bdm-csv", "decide-csv", "deu"]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
@settings(max_examples=int(1.5 * N), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(raw=random_text_files())
def test_random_files(tmp_path, fmt, raw):
    path = tmp_path / "random.txt"
    path.write_bytes(raw)
    _only_scenario_or_error(path, fmt)
    _only_scenario_or_error(path, None)


@settings(max_examples=2 * N, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(d=valid_scenario_dicts())
def test_valid_scenarios_round_trip_through_every_writer(tmp_path, d):
    """A valid scenario dict loads, and reads back equal from YAML, JSON and tidy CSV."""
    (tmp_path / "s.json").write_text(json.dumps(d))
    s = read_json(tmp_path / "s.json")
    for target, fmt in (("s.yaml", "yaml"), ("s2.json", "json"), ("tidy", "tidy-csv")):
        save(s, tmp_path / target, format=fmt)
        assert load(tmp_path / target) == s
    # Decide holds positions and capability x salience exactly
    save(s, tmp_path / "d.csv", format="decide-csv")
    back = load(tmp_path / "d.csv").to_arrays()
    a = s.to_arrays()
    assert back.present.tolist() == a.present.tolist()
    assert back.position[back.present].tolist() == pytest.approx(a.position[a.present].tolist())


# --------------------------------------------------------------------------- hostile inputs
GENIUS = SHARED / "genius"
GENIUS_FOLDERS = ["EnglandZimbabwe", "Laptop", "ItexvsCypress", "geniusweb_Party"]


@pytest.mark.parametrize("name", GENIUS_FOLDERS)
@FUZZ
@given(data=st.data())
def test_mutated_genius_folders(tmp_path, name, data):
    """GENIUS XML and GeniusWeb JSON: a negotiation or a located ScenarioError (a list where
    an object belongs, a step of 0, NaN weights, a file that is no domain or profile)."""
    from detente.scenario.io.genius import read_genius_negotiation

    src = _shared(f"genius/{name}")
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    files = sorted(src.iterdir())
    for f in files:
        (folder / f.name).write_bytes(f.read_bytes())
    victim = data.draw(st.sampled_from(files), label="file")
    (folder / victim.name).write_bytes(data.draw(mutations(victim.read_bytes()), label="mutated"))
    try:
        neg = read_genius_negotiation(folder)
    except ScenarioError as e:
        assert e.message and e.path, f"an error that names no file: {e}"
        return
    assert len(neg.party_ids) >= 1 and all(v.size for v in neg.values)


@settings(max_examples=N, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(raw=random_text_files())
def test_random_bytes_on_standard_input(monkeypatch, raw):
    """``load("-")``: the format sniffed from the content of a stream read once."""
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    try:
        result = load("-")
    except ScenarioError as e:
        assert e.message and e.path == "<stdin>", f"an error that names no input: {e}"
        return
    assert isinstance(result, Scenario)


@settings(max_examples=N, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    limit=st.one_of(
        st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=8),
        st.floats().map(repr),
    )
)
def test_any_max_file_mb_is_a_limit_or_a_located_error(tmp_path, monkeypatch, limit):
    ex = EXAMPLES[0] if EXAMPLES else None
    if ex is None:  # pragma: no cover
        pytest.skip("no shipped example")
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", limit)
    try:
        load(ex)
    except ScenarioError as e:
        assert e.field == "DETENTE_MAX_FILE_MB" or "too large" in e.message, str(e)
