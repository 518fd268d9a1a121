"""Hostile inputs (issue 9): each gives a located ScenarioError or the right answer, never a
traceback, a hang, a replaced device node or a silent loss.

Readers: GeniusWeb JSON of the wrong shape, a bad ``DETENTE_MAX_FILE_MB``, DEU rows cut short
or columns named twice, GENIUS files that were skipped or accepted silently, a tidy
``scenario.csv`` naming a field twice, and inputs that are not regular files (standard input,
pipes, FIFOs without a writer, ``/dev/zero``). Writers: device nodes, FIFOs and symbolic links
stay what they are, failed writes leave nothing behind, and exports that drop data say so.
"""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest

from detente.bargaining.genius import read_genius_folder
from detente.scenario.errors import ExportWarning, ScenarioError
from detente.scenario.io import _common, load, save
from detente.scenario.io.genius import GeniusFormatError
from detente.scenario.schema import Scenario

KTAB_CSV = "T,desc,2,1,\nActor,Description,Power,P1,S1,\nA1,First,10,20,30,\nA2,Second,5,80,40,\n"


def _small() -> Scenario:
    return Scenario.model_validate(
        {
            "name": "small",
            "actors": [
                {"id": "A", "name": "Alpha", "capability": 2.0},
                {"id": "B", "name": "Beta", "capability": 1.0},
            ],
            "issues": [{"id": "x", "name": "An issue"}],
            "positions": [
                {"actor": "A", "issue": "x", "position": 30.0, "salience": 50.0},
                {"actor": "B", "issue": "x", "position": 70.0, "salience": 80.0},
            ],
        }
    )


# --------------------------------------------------------------------------- GeniusWeb JSON
def _profile(**over: object) -> dict:
    las = {
        "name": "p",
        "domain": {"name": "d", "issuesValues": {"a": {"values": ["x", "y"]}}},
        "issueUtilities": {"a": {"discreteutils": {"valueUtilities": {"x": 0.2, "y": 1.0}}}},
        "issueWeights": {"a": 1.0},
    }
    las.update(over)
    return {"LinearAdditiveUtilitySpace": las}


def _range_profile(r: dict, utils: dict | None = None) -> dict:
    nu = {"lowValue": 0, "highValue": 4, "lowUtility": 0, "highUtility": 1}
    return _profile(
        domain={"name": "d", "issuesValues": {"a": {"range": r}}},
        issueUtilities={"a": {"numberutils": nu if utils is None else utils}},
    )


def _genius_folder(tmp_path: Path, bad: object) -> Path:
    """A GeniusWeb folder of one good profile and ``bad`` (written as JSON)."""
    (tmp_path / "p1.json").write_text(json.dumps(_profile()))
    (tmp_path / "p2.json").write_text(json.dumps(bad))
    return tmp_path


GENIUS_CASES = [
    # (what, profile, field part, allowed part) — AttributeError, ZeroDivisionError, ... before
    ("issueUtilities a list", _profile(issueUtilities=[1, 2]), "issueUtilities", "object"),
    ("range step 0", _range_profile({"low": 0, "high": 4, "step": 0}), "step", "> 0"),
    ("NaN weight", _profile(issueWeights={"a": float("nan")}), "issueWeights.a", ">= 0"),
    ("negative weight", _profile(issueWeights={"a": -0.5}), "issueWeights.a", ">= 0"),
    (
        "NaN utility",
        _profile(issueUtilities={"a": {"discreteutils": {"valueUtilities": {"x": float("nan")}}}}),
        "valueUtilities.x",
        "0 to 1",
    ),
    (
        "numberutils without lowValue",  # KeyError 'lowValue' before
        _range_profile(
            {"low": 0, "high": 4, "step": 1}, {"highValue": 4, "lowUtility": 0, "highUtility": 1}
        ),
        "numberutils.lowValue",
        "lowValue",
    ),
    (
        "range low as text",  # "could not convert string to float" before
        _range_profile({"low": "zero", "high": 4, "step": 1}),
        "range.low",
        "finite number",
    ),
    (
        "range high below low",  # an issue with no values ("zero-size array") before
        _range_profile({"low": 5, "high": 1, "step": 1}),
        "range.high",
        ">= 5",
    ),
    (
        "a range of a billion values",
        _range_profile({"low": 0, "high": 1e9, "step": 1}),
        "range",
        "at most",
    ),
    ("top level a list", [_profile()], "top level", "LinearAdditiveUtilitySpace"),
]


@pytest.mark.parametrize(
    ("what", "bad", "field", "allowed"), GENIUS_CASES, ids=[c[0] for c in GENIUS_CASES]
)
def test_hostile_geniusweb_profiles_are_located(tmp_path, what, bad, field, allowed):
    folder = _genius_folder(tmp_path, bad)
    with pytest.raises(GeniusFormatError) as info:
        read_genius_folder(folder)
    err = info.value
    assert isinstance(err, ScenarioError)
    assert err.path == str(folder / "p2.json"), str(err)
    assert err.field is not None and field in err.field, str(err)
    assert err.allowed is not None and allowed in err.allowed, str(err)


def _xml_folder(tmp_path: Path, reservation: str) -> Path:
    (tmp_path / "dom.xml").write_text(
        "<negotiation_template><utility_space><objective name='x'>"
        "<issue index='1' name='a' etype='discrete'><item value='u'/><item value='v'/></issue>"
        "</objective></utility_space></negotiation_template>"
    )
    (tmp_path / "p.xml").write_text(
        "<utility_space><objective name='x'><weight index='1' value='1'/>"
        "<issue index='1' name='a' etype='discrete'><item value='u' evaluation='1'/></issue>"
        f"</objective>\n<reservation value='{reservation}'/></utility_space>"
    )
    return tmp_path


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan"])
def test_genius_reservation_outside_0_1_is_refused(tmp_path, value):
    with pytest.raises(GeniusFormatError) as info:
        read_genius_folder(_xml_folder(tmp_path, value))
    err = info.value
    assert err.line == 2 and "reservation" in (err.field or "") and "0 to 1" in (err.allowed or "")


def test_genius_reservation_inside_0_1_is_read(tmp_path):
    assert read_genius_folder(_xml_folder(tmp_path, "0.25")).reservation.tolist() == [0.25]


# --------------------------------------------------------------------------- the size limit
@pytest.mark.parametrize("value", ["inf", "nan", "-5", "0", "lots", "1e400"])
def test_bad_max_file_mb_is_a_located_error(tmp_path, monkeypatch, value, small_yaml):
    """inf raised OverflowError; nan and text were ignored; a negative limit refused every
    file as "too large"."""
    f = tmp_path / "s.yaml"
    f.write_text(small_yaml)
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", value)
    with pytest.raises(ScenarioError) as info:
        load(f)
    assert info.value.field == "DETENTE_MAX_FILE_MB" and info.value.value == value
    assert "megabytes" in (info.value.allowed or "")


def test_a_good_max_file_mb_is_used(tmp_path, monkeypatch, small_yaml):
    f = tmp_path / "s.yaml"
    f.write_text(small_yaml + "#" + "x" * 2_000_000 + "\n")
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", "3")
    assert load(f).name == "small"
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", "1.5")
    with pytest.raises(ScenarioError, match="too large"):
        load(f)


# --------------------------------------------------------------------------- DEU
DEU = "prnr\tisnr\tpcom\tscom\tpde\tsde\trp\tout\n1\t1.1\t20\t30\t80\t40\t0\t50\n"


def test_deu_row_cut_short_is_refused(tmp_path):
    f = tmp_path / "d.tsv"
    f.write_text(DEU + "1\t1.2\t25\t30\t8")  # the file ends mid-row
    with pytest.raises(ScenarioError) as info:
        load(f)
    assert info.value.line == 3 and "cut short" in info.value.message


def test_deu_short_row_in_the_middle_is_refused(tmp_path):
    f = tmp_path / "d.tsv"
    f.write_text(DEU + "1\t1.2\t25\t30\n1\t1.3\t25\t30\t85\t40\t0\t60\n")
    with pytest.raises(ScenarioError) as info:
        load(f, format="deu")
    assert info.value.line == 3 and info.value.field == "column 5"


def test_deu_column_named_twice_is_refused(tmp_path):
    f = tmp_path / "d.tsv"
    f.write_text(DEU.replace("pde\tsde", "pde\tsde\tpde", 1).replace("80\t40", "80\t40\t90", 1))
    with pytest.raises(ScenarioError) as info:
        load(f, format="deu")
    err = info.value
    assert (err.line, err.field, err.value) == (1, "column 7", "pde")
    assert "first as column 5" in err.message


# --------------------------------------------------------------------------- tidy CSV
def test_tidy_scenario_field_named_twice_is_refused(tmp_path):
    folder = tmp_path / "t"
    save(_small(), folder, format="tidy-csv")
    with open(folder / "scenario.csv", "a", encoding="utf-8") as fh:
        fh.write("name,another name\n")
    with pytest.raises(ScenarioError) as info:
        load(folder)
    err = info.value
    assert err.path == str(folder / "scenario.csv") and err.line == 3
    assert "twice" in err.message and "first on line 2" in err.message


# --------------------------------------------------------------------------- not regular files
def test_dash_reads_standard_input_and_sniffs_the_format(monkeypatch, small_yaml):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(KTAB_CSV.encode())))
    s = load("-")
    assert [a.id for a in s.actors] == ["A1", "A2"] and s.name == "T"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(small_yaml.encode())))
    assert load("-", format="yaml").name == "small"


def test_dash_has_the_byte_cap(monkeypatch, small_yaml):
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", "1")
    big = small_yaml.encode() + b"#" + b"x" * 2_000_000
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(big)))
    with pytest.raises(ScenarioError) as info:
        load("-")
    assert info.value.path == "<stdin>" and "too large" in info.value.message


def test_a_tidy_folder_cannot_come_from_standard_input(monkeypatch, small_yaml):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(small_yaml.encode())))
    with pytest.raises(ScenarioError, match="folder"):
        load("-", format="tidy-csv")


def test_dev_stdin_is_read_once_not_emptied_by_the_format_check(small_yaml):
    """`/dev/stdin` was "the file is empty": the format check read the pipe first."""
    code = "from detente.scenario.io import load; print(load('/dev/stdin').name)"
    r = subprocess.run(
        [sys.executable, "-c", code], input=small_yaml, capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "small"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_after_the_byte_cap(monkeypatch):
    """/dev/zero reports size 0: the cap must count the bytes read (it read until OOM)."""
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", "1")
    with pytest.raises(ScenarioError) as info:
        load("/dev/zero", format="yaml")
    assert "too large" in info.value.message and "more than" in info.value.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_nobody_writes_to_is_refused_not_waited_on(tmp_path, monkeypatch):
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)
    monkeypatch.setattr(_common, "FIFO_WAIT_SECONDS", 0.2)
    with pytest.raises(ScenarioError) as info:
        load(fifo)
    assert "FIFO" in info.value.message and info.value.path == str(fifo)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_with_a_writer_is_read(tmp_path, small_yaml):
    fifo = tmp_path / "in.yaml"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "w", encoding="utf-8") as fh:
            fh.write(small_yaml)

    t = threading.Thread(target=write, daemon=True)
    t.start()
    try:
        assert load(fifo).name == "small"
    finally:
        t.join(timeout=10)


# --------------------------------------------------------------------------- writers
def _null_device(tmp_path: Path) -> Path:
    """A private copy of the null device (so that a broken writer cannot replace the
    machine's own /dev/null); /dev/null itself where nodes cannot be made."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError):
        return Path("/dev/null")
    return node


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
@pytest.mark.parametrize("fmt", ["yaml", "json", "ktab-csv", "decide-csv"])
def test_writing_onto_the_null_device_keeps_it_a_device(tmp_path, fmt):
    dev = _null_device(tmp_path)
    save(_small(), dev, format=fmt)
    assert stat.S_ISCHR(dev.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == (
        ["null"] if dev.parent == tmp_path else []
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_writing_into_a_fifo_streams_and_keeps_it_a_fifo(tmp_path):
    fifo = tmp_path / "out.yaml"
    os.mkfifo(fifo)
    got: list[str] = []

    def read() -> None:
        with open(fifo, encoding="utf-8") as fh:
            got.append(fh.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    try:
        for _ in range(200):  # wait for the reader to open its end
            try:
                save(_small(), fifo, format="yaml")
                break
            except ScenarioError as e:
                assert "nothing reads" in e.message
                threading.Event().wait(0.01)
    finally:
        t.join(timeout=10)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert got and "name: small" in got[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.yaml"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_writing_into_a_fifo_nobody_reads_is_refused(tmp_path):
    fifo = tmp_path / "out.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ScenarioError, match="nothing reads"):
        save(_small(), fifo, format="yaml")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


@pytest.mark.parametrize(("name", "fmt"), [("s.yaml", "yaml"), ("s.csv", "ktab-csv")])
def test_writing_through_a_symlink_keeps_the_link(tmp_path, name, fmt):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / name
    target.write_text("old")
    link = tmp_path / name
    link.symlink_to(target)
    save(_small(), link, format=fmt)
    assert link.is_symlink() and Path(os.readlink(link)) == target
    assert load(target, format=fmt).actors[0].id == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["real", name])
    assert [p.name for p in (tmp_path / "real").iterdir()] == [name]


def test_writing_a_tidy_folder_through_a_symlink_keeps_the_link(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "t"
    link.symlink_to(real, target_is_directory=True)
    save(_small(), link, format="tidy-csv")
    assert link.is_symlink() and (real / "actors.csv").exists()
    assert load(link).actors[0].id == "A"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["real", "t"]


def test_a_failing_write_leaves_the_original_and_nothing_else(tmp_path, monkeypatch):
    f = tmp_path / "s.yaml"
    f.write_text("the original")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ScenarioError) as info:
        save(_small(), f, format="yaml")
    assert info.value.path == str(f) and "No space left" in info.value.message
    assert f.read_text() == "the original"
    assert [p.name for p in tmp_path.iterdir()] == ["s.yaml"]


@pytest.mark.parametrize("failing_call", [1, 2])
def test_a_failing_tidy_write_leaves_the_original_and_nothing_else(
    tmp_path, monkeypatch, failing_call
):
    """The swap's first rename (old folder aside) or second (new folder in) fails: a
    ScenarioError naming the folder (an OSError traceback before), the old tables intact, no
    temporary or ``.old`` folder left."""
    folder = tmp_path / "t"
    save(_small(), folder, format="tidy-csv")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real_replace = os.replace
    calls = []

    def replace(src: object, dst: object) -> None:
        calls.append(src)
        if len(calls) == failing_call:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)
    changed = _small().model_copy(update={"name": "changed"})
    with pytest.raises(ScenarioError) as info:
        save(changed, folder, format="tidy-csv")
    assert info.value.path == str(folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["t"]


# --------------------------------------------------------------------------- exports
def _rich() -> Scenario:
    d = _small().model_dump()
    d["actors"][0]["veto"] = True
    d["positions"][0]["reservation"] = 40.0
    d["issues"][0]["status_quo"] = 50.0
    d["accommodation"] = [{"actor": "A", "toward": "B", "weight": 0.2}]
    return Scenario.model_validate(d)


@pytest.mark.parametrize(
    ("fmt", "dropped"),
    [
        ("decide-csv", ["1 veto", "1 reservation point", "1 status quo", "accommodation"]),
        ("ktab-csv", ["1 veto", "1 reservation point", "1 status quo", "accommodation"]),
    ],
)
def test_exports_that_drop_data_warn(tmp_path, fmt, dropped):
    with pytest.warns(ExportWarning) as rec:
        save(_rich(), tmp_path / "s.csv", format=fmt)
    text = str(rec[0].message)
    for part in dropped:
        assert part in text, text


@pytest.mark.parametrize("fmt", ["yaml", "json", "tidy-csv", "decide-csv", "ktab-csv"])
def test_exports_that_keep_everything_do_not_warn(tmp_path, fmt):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExportWarning)
        save(_small(), tmp_path / ("s" if fmt == "tidy-csv" else "s.out"), format=fmt)


def test_ktab_csv_with_a_multi_line_description_reads_back(tmp_path):
    s = _small().model_copy(update={"description": "line one\nline two, with a comma"})
    f = tmp_path / "k.csv"
    save(s, f, format="ktab-csv")
    back = load(f)  # the format recognised from the content
    assert back.description == "line one\nline two, with a comma"
    assert [a.id for a in back.actors] == ["A", "B"]
    assert [(p.position, p.salience) for p in back.positions] == [(30.0, 50.0), (70.0, 80.0)]


# --------------------------------------------------------------------------- unreadable CSV
# A cell longer than the csv module's field limit (131072 characters) is a csv.Error: every
# CSV-like reader reports it at the line its record starts on (here line 2 of 3).
_HUGE = '"' + "x" * 200_000 + '"'


@pytest.mark.parametrize(
    ("name", "fmt", "text", "allowed"),
    [
        ("d.tsv", "deu", DEU.split("\n")[0] + "\n" + _HUGE + "\t1\n1\t1.1\n", "tab-separated"),
        ("k.csv", "ktab-csv", "T,desc,2,1,\n" + _HUGE + ",x\nA1,First,10,20,30,\n", "comma"),
        ("d.csv", "decide-csv", "'#A'\t'A1'\t'First'\t''\n" + _HUGE + "\t1\n", "separated by"),
    ],
)
def test_a_cell_too_long_for_csv_is_located_at_its_record(tmp_path, name, fmt, text, allowed):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load(f, format=fmt)
    err = info.value
    assert (err.path, err.line) == (str(f), 2)
    assert "field larger than field limit" in err.message and allowed in (err.allowed or "")


def test_a_cell_too_long_in_a_tidy_table_is_located_at_its_record(tmp_path):
    folder = tmp_path / "t"
    save(_small(), folder, format="tidy-csv")
    actors = folder / "actors.csv"
    actors.write_text(actors.read_text(encoding="utf-8") + _HUGE + ",1\n", encoding="utf-8")
    n_lines = actors.read_text(encoding="utf-8").count("\n")
    with pytest.raises(ScenarioError) as info:
        load(folder)
    err = info.value
    assert (err.path, err.line) == (str(actors), n_lines)
    assert "field larger than field limit" in err.message
