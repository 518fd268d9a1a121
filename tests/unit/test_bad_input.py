"""Bad input, format by format: each problem gets a ScenarioError naming the file, the line or
field, the value and what is allowed — and the CLI turns it into exit code 2, never a traceback.

The list is issue 2's "Bad input" item: YAML's traps (``NO`` read as false, ``1e3`` as a
string), unknown fields, positions off the scale, negative or NaN capability, duplicate ids, a
position for an unknown actor, an empty file, a 50 MB file, non-UTF-8 bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.scenario.errors import ScenarioError
from detente.scenario.io import load

# --------------------------------------------------------------------------- helpers
YAML_OK = """\
name: small
actors:
  - id: A
    name: Alpha
    capability: 2
  - id: NO
    name: Norway
    capability: 1e3
    veto: false
issues:
  - id: x
    name: An issue
    scale: {lo: 0, hi: 10}
positions:
  - actor: A
    issue: x
    position: 3
    salience: 50
  - actor: NO
    issue: x
    position: 7
    salience: 80
"""


def _fails(path: Path, *, line: int | None = None, field: str | None = None,
           value: str | None = None, allowed: str | None = None, fmt: str | None = None,
           ) -> ScenarioError:  # fmt: skip
    """Load ``path``, expect a ScenarioError, and check each part of its message."""
    with pytest.raises(ScenarioError) as info:
        load(path, format=fmt)
    err = info.value
    text = str(err)
    # the file itself (for a tidy-CSV folder: the table inside it)
    assert err.path is not None and (err.path == str(path) or Path(err.path).parent == path), text
    assert str(path.name) in text or str(path) in text, text
    if line is not None:
        assert err.line == line, text
        assert f":{line}:" in text, text
    if field is not None:
        assert err.field is not None and field in err.field, text
        assert field in text
    if value is not None:
        assert value in text, text
    if allowed is not None:
        assert err.allowed is not None and allowed in err.allowed, text
        assert "allowed:" in text
    assert "Traceback" not in text
    return err


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _replace_line(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# --------------------------------------------------------------------------- native YAML
def test_yaml_traps_are_closed(tmp_path):
    s = load(_write(tmp_path, "ok.yaml", YAML_OK))
    assert s.actors[1].id == "NO"  # not False
    assert s.actors[1].capability == 1000.0  # not the text "1e3"


def test_yaml_no_as_a_boolean_is_refused(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "veto: false", "veto: NO"))
    _fails(p, line=9, field="actors[1].veto", value="'NO'", allowed="true or false")


def test_yaml_unknown_field(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "    name: Alpha\n",
                                                  "    name: Alpha\n    colour: red\n"))  # fmt: skip
    _fails(p, line=5, field="actors[0].colour", value="'red'", allowed="only the fields")


def test_yaml_position_off_the_scale(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "position: 7", "position: 70"))
    _fails(p, line=21, field="positions[1].position", value="70", allowed="0 to 10")


@pytest.mark.parametrize(("cell", "shown"), [("-2", "-2"), (".nan", "nan"), (".inf", "inf")])
def test_yaml_negative_or_nan_capability(tmp_path, cell, shown):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "capability: 2", f"capability: {cell}"))
    _fails(p, line=5, field="actors[0].capability", value=shown)


def test_yaml_capability_too_large_to_compute_with(tmp_path):
    """1e308 is a finite float, but capability x salience x position overflows to inf."""
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "capability: 2", "capability: 1.0e308"))
    _fails(p, line=5, field="actors[0].capability", value="1e+308", allowed="at most 1e+15")


def test_yaml_scale_end_too_large(tmp_path):
    p = _write(
        tmp_path, "s.yaml", _replace_line(YAML_OK, "{lo: 0, hi: 10}", "{lo: 0, hi: 1.0e300}")
    )
    _fails(p, field="issues[0].scale.hi", value="1e+300")


def test_largest_allowed_numbers_give_finite_forecasts(tmp_path):
    import numpy as np

    from detente.models import run_model

    text = _replace_line(YAML_OK, "capability: 2", "capability: 1.0e15")
    text = text.replace("{lo: 0, hi: 10}", "{lo: -1.0e15, hi: 1.0e15}")
    text = text.replace("position: 7", "position: 1.0e15")
    arrays = load(_write(tmp_path, "s.yaml", text)).to_arrays()
    for model in ("compromise", "median", "nash", "smp", "eu"):
        fc = run_model(model, arrays)
        assert np.isfinite(fc.forecast).all(), (model, fc.forecast)


def test_yaml_duplicate_ids(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "id: NO", "id: A"))
    _fails(p, line=6, field="actors[1].id", value="'A'", allowed="unique")


def test_yaml_position_for_an_unknown_actor(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "actor: NO", "actor: SE"))
    _fails(p, line=19, field="positions[1].actor", value="'SE'", allowed="A, NO")


def test_yaml_salience_above_100(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "salience: 80", "salience: 180"))
    _fails(p, line=22, field="positions[1].salience", value="180")


def test_yaml_duplicate_key(tmp_path):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "    name: Alpha\n",
                                                  "    name: Alpha\n    name: Beta\n"))  # fmt: skip
    _fails(p, line=5, field="name", value="'name'", allowed="each key once")


def test_json_nan_and_bad_syntax(tmp_path):
    p = _write(tmp_path, "s.json", '{"name": "x",\n "actors": [{"capability": NaN}]}')
    _fails(p, value=None, allowed="finite")
    p = _write(tmp_path, "t.json", '{"name": "x",\n "actors": [}')
    _fails(p, line=2)


# --------------------------------------------------------------------------- every format
def _sample(tmp_path: Path, fmt: str) -> Path:
    """A small valid file of each format (written here, not copied from shared data)."""
    if fmt == "yaml":
        return _write(tmp_path, "s.yaml", YAML_OK)
    if fmt == "ktab-csv":
        return _write(tmp_path, "k.csv", "T,desc,2,1,\nActor,Description,Power,P1,S1,\n"
                      "A1,First,10,20,30,\nA2,Second,5,80,40,\n")  # fmt: skip
    if fmt == "decide-csv":
        return _write(tmp_path, "d.csv", "'#A'\t'A1'\t'First'\t''\n'#A'\t'A2'\t'Second'\t''\n"
                      "'#P'\t'p'\t'p'\t''\n'#M'\t'p'\t0\n'#M'\t'p'\t100\n"
                      "'#D'\t'A1'\t'p'\t20.0\t0.3\t0.5\n'#D'\t'A2'\t'p'\t80.0\t0.4\t0.25\n")  # fmt: skip
    if fmt == "bdm-csv":
        return _write(tmp_path, "b.csv", "Actor,Capability,Position,Salience\n"
                      "A1,0.5,20,0.3\nA2,0.25,80,0.4\n")  # fmt: skip
    if fmt == "tidy-csv":
        d = tmp_path / "tidy"
        d.mkdir()
        _write(d, "actors.csv", "id,name,capability,veto\nA1,First,10,false\nA2,Second,5,no\n")
        _write(d, "issues.csv", "id,name,lo,hi\np,P,0,100\n")
        _write(d, "positions.csv", "actor,issue,position,salience\nA1,p,20,30\nA2,p,80,40\n")
        return d
    if fmt == "deu":
        return _write(tmp_path, "d.tsv", "prnr\tisnr\tpcom\tscom\tpde\tsde\trp\tout\n"
                      "1\t1.1\t20\t30\t80\t40\t0\t50\n1\t1.2\t25\t30\t85\t40\t0\t60\n")  # fmt: skip
    if fmt == "ktab-xml":
        return _write(tmp_path, "k.xml", _KTAB_XML)
    raise AssertionError(fmt)


_KTAB_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Scenario>
  <name>T</name>
  <desc>d</desc>
  <Dimensions><dName>P1</dName></Dimensions>
  <Actors>
    <Actor><name>A1</name><description>First</description><capability>10</capability>
      <Position><dCoord>20</dCoord></Position><Salience><dSal>30</dSal></Salience></Actor>
    <Actor><name>A2</name><description>Second</description><capability>5</capability>
      <Position><dCoord>80</dCoord></Position><Salience><dSal>40</dSal></Salience></Actor>
  </Actors>
</Scenario>
"""

FORMATS = ["yaml", "ktab-csv", "ktab-xml", "decide-csv", "bdm-csv", "tidy-csv", "deu"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_sample_is_valid(tmp_path, fmt):
    s = load(_sample(tmp_path, fmt))
    assert len(s.actors) == 2


def _target(path: Path) -> Path:
    return path / "positions.csv" if path.is_dir() else path


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_file(tmp_path, fmt):
    t = _target(_sample(tmp_path, fmt))
    t.write_bytes(b"")
    err = _fails(t if fmt != "tidy-csv" else t.parent, fmt=fmt)
    assert "empty" in err.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_whitespace_only_file(tmp_path, fmt):
    t = _target(_sample(tmp_path, fmt))
    t.write_text("\n \n\t\n")
    err = _fails(t if fmt != "tidy-csv" else t.parent, fmt=fmt)
    assert "empty" in err.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_50_mb_file_is_refused_before_parsing(tmp_path, fmt):
    t = _target(_sample(tmp_path, fmt))
    with open(t, "r+b") as fh:  # sparse: the size is 50 MB, the disk use is not
        fh.truncate(50 * 1024 * 1024)
    err = _fails(t if fmt != "tidy-csv" else t.parent, fmt=fmt, allowed="MB")
    assert "too large" in err.message and "52.4 MB" in err.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_utf8_bytes(tmp_path, fmt):
    t = _target(_sample(tmp_path, fmt))
    raw = t.read_bytes()
    cut = raw.index(b"\n") + 1  # on line 2
    t.write_bytes(raw[:cut] + b"\xff\xfe caf\xe9 " + raw[cut:])
    err = _fails(t if fmt != "tidy-csv" else t.parent, fmt=fmt, line=2, allowed="UTF-8")
    assert "0xff" in err.message


# --------------------------------------------------------------------------- format by format
# (format, old text, new text, line, field part, value part, allowed part)
CASES = [
    # KTAB CSV
    ("ktab-csv", "A2,Second,5,80", "A2,Second,5,180", 4, "P1", "180", "0 to 100"),
    ("ktab-csv", "A1,First,10", "A1,First,-1", 3, "capability", "-1", "0 to 1e8"),
    ("ktab-csv", "A1,First,10", "A1,First,nan", 3, "capability", "nan", "0 to 1e8"),
    ("ktab-csv", "A2,Second", "A1,Second", 4, "actor name", "A1", "not already used"),
    ("ktab-csv", "A1,First,10,20,30", "A1,First,10,20,x", 3, "S1", "x", "0 to 100"),
    # KTAB XML
    ("ktab-xml", "<dCoord>80</dCoord>", "<dCoord>180</dCoord>", 10, "dCoord", "180", "0 to 100"),
    ("ktab-xml", "<capability>5<", "<capability>-5<", 9, "capability", "-5", "0 to 1e8"),
    ("ktab-xml", "<name>A2</name>", "<name>A1</name>", 9, "actor name", "A1", "not already"),
    ("ktab-xml", "</Scenario>", "", 13, "XML", None, "well-formed"),
    # Decide
    ("decide-csv", "20.0\t0.3\t0.5", "20.0\t1.3\t0.5", 6, "salience", "1.3", "0 to 1"),
    ("decide-csv", "20.0\t0.3\t0.5", "20.0\t0.3\t-0.5", 6, "power", "-0.5", ">= 0"),
    ("decide-csv", "20.0\t0.3\t0.5", "20.0\t0.3\tnan", 6, "power", "nan", "number"),
    ("decide-csv", "'#D'\t'A2'", "'#D'\t'A9'", 7, "actor", "A9", "A1, A2"),
    ("decide-csv", "'#A'\t'A2'", "'#A'\t'A1'", 2, "#A id", "A1", "each id once"),
    ("decide-csv", "'#D'\t'A2'\t'p'", "'#D'\t'A1'\t'p'", 7, "#D", "A1", "one #D record"),
    ("decide-csv", "'#P'", "'#Q'", 3, "column 1", "#Q", "#A (actor)"),
    ("decide-csv", "\t0.3\t0.5", "\t0.3", 6, "#D", None, "6 cells"),
    # BDM
    ("bdm-csv", "A1,0.5", "A1,-0.5", 2, "Capability", "-0.5", ">= 0"),
    ("bdm-csv", "A1,0.5", "A1,nan", 2, "Capability", "nan", "finite"),
    ("bdm-csv", "A2,0.25", "A1,0.25", 3, "Actor", "A1", "not used"),
    ("bdm-csv", "A2,0.25,80,0.4", "A2,0.25,80,400", 3, "Salience", "400", "0–100"),
    ("bdm-csv", "Salience\n", "Salinece\n", 1, "header", None, "salience"),
    # DEU
    ("deu", "\t20\t30", "\tabc\t30", 2, "pcom", "abc", "0-100"),
    ("deu", "1\t1.2\t25", "1\t\t25", 3, "isnr", None, "issue id"),
]


@pytest.mark.parametrize(
    ("fmt", "old", "new", "line", "field", "value", "allowed"),
    CASES,
    ids=[f"{c[0]}-{c[2]!r}" for c in CASES],
)
def test_located_errors_per_format(tmp_path, fmt, old, new, line, field, value, allowed):
    path = _sample(tmp_path, fmt)
    path.write_text(_replace_line(path.read_text(), old, new))
    _fails(path, line=line, field=field, value=value, allowed=allowed)


# tidy CSV: (file, old, new, line, column part, value part, allowed part)
TIDY = [
    ("positions.csv", "A2,p,80", "A2,p,180", 3, "column 3 (position)", "180", "0 to 100"),
    ("actors.csv", "A1,First,10", "A1,First,-10", 2, "column 3 (capability)", "-10", None),
    ("actors.csv", "A1,First,10", "A1,First,NaN", 2, "column 3 (capability)", "NaN", "finite"),
    ("actors.csv", "A2,Second", "A1,Second", 3, "column 1 (id)", "A1", "unique"),
    ("positions.csv", "A2,p", "A9,p", 3, "column 1 (actor)", "A9", "A1, A2"),
    ("positions.csv", "A2,p", "A2,q", 3, "column 2 (issue)", "q", "one of the issue ids: p"),
    (
        "actors.csv",
        "id,name,capability,veto",
        "id,name,capability,colour",
        1,
        "column 4",
        "colour",
        "id, name, capability, role",
    ),
    ("actors.csv", "10,false", "10,maybe", 2, "column 4 (veto)", "maybe", "true or false"),
    ("positions.csv", "A1,p,20,30", "A1,p,20,130", 2, "column 4 (salience)", "130", None),
    ("positions.csv", "A1,p,20,30", "A1,p,20,30,99", 2, "column 5", "99", "at most 4 cells"),
    (
        "actors.csv",
        "A1,First,10",
        "A1,First,1e309",
        2,
        "column 3 (capability)",
        "1e309",
        "finite",
    ),
    ("issues.csv", "p,P,0,100", "p,P,100,0", 2, "column 3 (lo)", None, None),
    ("actors.csv", "A1,First,10", "A 1,First,10", 2, "column 1 (id)", "A 1", "letters"),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "line", "field", "value", "allowed"),
    TIDY,
    ids=[f"{c[0]}-{c[2]!r}" for c in TIDY],
)
def test_located_errors_tidy_csv(tmp_path, name, old, new, line, field, value, allowed):
    folder = _sample(tmp_path, "tidy-csv")
    f = folder / name
    f.write_text(_replace_line(f.read_text(), old, new))
    err = _fails(folder, line=line, field=field, value=value, allowed=allowed)
    assert err.path == str(f), "the message names the CSV file, not just the folder"


def test_tidy_missing_table(tmp_path):
    folder = _sample(tmp_path, "tidy-csv")
    (folder / "issues.csv").unlink()
    err = _fails(folder, allowed="actors.csv, issues.csv and positions.csv")
    assert err.path == str(folder / "issues.csv")


# --------------------------------------------------------------------------- the CLI
@pytest.mark.parametrize("fmt", ["yaml", "ktab-csv", "decide-csv", "tidy-csv"])
def test_cli_exit_code_2_and_no_traceback(tmp_path, fmt):
    from typer.testing import CliRunner

    from detente.cli import app

    path = _sample(tmp_path, fmt)
    t = _target(path)
    raw = t.read_bytes().rstrip(b"\n")
    cut = raw.rindex(b"\n") + 1  # a bad byte on the last line
    t.write_bytes(raw[:cut] + b"\xff" + raw[cut:] + b"\n")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    out = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in out
    assert "UTF-8" in out
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


# --------------------------------------------------------------------------- parser limits
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.yaml", "name: " + "[" * 5000 + "]" * 5000),
        ("deep.json", '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ],
)
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path, name, text):
    err = _fails(_write(tmp_path, name, text), fmt=name.split(".")[1])
    assert "nested too deeply" in err.message


def test_yaml_alias_bomb_is_refused(tmp_path, monkeypatch):
    from detente.scenario.io import native

    monkeypatch.setattr(native, "_MAX_NODES", 5000)  # the real limit is 1,000,000 values
    levels = "".join(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, 9))
    p = _write(tmp_path, "bomb.yaml", "a0: &a0 [x, y]\n" + levels)  # expands to 2e8 values
    err = _fails(p, fmt="yaml", allowed="at most 5,000 values")
    assert "too many values" in err.message


@pytest.mark.parametrize(
    ("cell", "allowed"), [("9" * 5000, "4300 digits"), ("2025-13-45", "valid date")]
)
def test_yaml_values_python_cannot_convert(tmp_path, cell, allowed):
    p = _write(tmp_path, "s.yaml", _replace_line(YAML_OK, "capability: 2", f"capability: {cell}"))
    _fails(p, line=5, field="actors.0.capability", allowed=allowed)


@pytest.mark.parametrize("fmt", ["ktab-csv", "decide-csv", "bdm-csv", "tidy-csv", "deu"])
def test_a_cell_beyond_the_csv_field_limit(tmp_path, fmt):
    t = _target(_sample(tmp_path, fmt))
    raw = t.read_text()
    cut = raw.rindex("\n", 0, len(raw) - 1) + 1
    t.write_text(raw[:cut] + "x" * 140_000 + raw[cut:])
    _fails(t if fmt != "tidy-csv" else t.parent, fmt=fmt)


_TIDY_FULL = {
    "actors.csv": "id,name,capability,capability_sources\nA1,First,10,\nA2,Second,5,\n",
    "issues.csv": "id,name,lo,hi,status_quo\np,P,0,100,50\n",
    "positions.csv": "actor,issue,position,salience,low,high,basis,sources\n"
    "A1,p,20,30,,,,\nA2,p,80,40,,,,\n",
    "sources.csv": "id,title,date\nS1,Thing,2025-01-01\n",
    "anchors.csv": "issue,value,label,sources\np,50,middle,S1\n",
    "accommodation.csv": "actor,toward,weight\nA1,A2,0.1\n",
    "scenario.csv": 'field,value\nname,Test\nas_of,2025-12-19\nmodel_params,{"seed": 1}\n',
}
TIDY_FULL = [
    ("issues.csv", "100,50", "100,150", 2, "column 5 (status_quo)", "150"),
    ("anchors.csv", "p,50", "p,500", 2, "column 2 (value)", "500"),
    ("anchors.csv", "S1\n", "S9\n", 2, "column 4 (sources)", "S9"),
    ("anchors.csv", "p,50", "q,50", 2, "column 1 (issue)", "q"),
    ("positions.csv", "A1,p,20,30,,", "A1,p,20,30,25,90", 2, "column 5 (low)", "25"),
    ("positions.csv", "A1,p,20,30,,", "A1,p,20,30,,90", 2, "column 5 (low)", None),
    ("positions.csv", "A1,p,20,30,,,,", "A1,p,20,30,,,documented,", 2, "column 7 (basis)", None),
    ("positions.csv", "A1,p,20,30,,,,", "A1,p,20,30,,,,S7", 2, "column 8 (sources)", "S7"),
    ("accommodation.csv", "A1,A2", "A1,A9", 2, "column 2 (toward)", "A9"),
    ("accommodation.csv", "0.1", "1.5", 2, "column 3 (weight)", "1.5"),
    ("scenario.csv", "2025-12-19", "2025-19-19", 3, "column 2 (value)", "2025-19-19"),
    ("scenario.csv", "name,Test", "nom,Test", 2, "column 1 (field)", "nom"),
    ("sources.csv", "2025-01-01", "yesterday", 2, "column 3 (date)", "yesterday"),
    ("actors.csv", "A1,First,10,", "A1,First,10,S5", 2, "column 4 (capability_sources)", "S5"),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "line", "field", "value"),
    TIDY_FULL,
    ids=[f"{c[0]}-{c[2]!r}" for c in TIDY_FULL],
)
def test_located_errors_tidy_optional_tables(tmp_path, name, old, new, line, field, value):
    folder = tmp_path / "full"
    folder.mkdir()
    for f, text in _TIDY_FULL.items():
        _write(folder, f, text)
    assert load(folder).model_params == {"seed": 1}
    (folder / name).write_text(_replace_line(_TIDY_FULL[name], old, new))
    err = _fails(folder, line=line, field=field, value=value)
    assert err.path == str(folder / name)


def test_ktab_xml_unknown_declared_encoding(tmp_path):
    # found by the fuzz test: expat raised LookupError for encoding="TTF-8"
    p = _write(tmp_path, "k.xml", _KTAB_XML.replace('encoding="UTF-8"', 'encoding="TTF-8"'))
    _fails(p, fmt="ktab-xml")
    _fails(p)


def test_located_keeps_the_error_class() -> None:
    from detente.scenario.errors import ModelParamError, ScenarioError, TooCostlyError

    for cls in (ScenarioError, ModelParamError, TooCostlyError):
        e = cls("too big", field="x", value=3, allowed="less").located("f.yaml", 4)
        assert type(e) is cls
        assert str(e) == "f.yaml:4: x: too big (got 3); allowed: less"
