"""Writing scenarios and command output: a write that cannot happen is a ScenarioError naming
the user's path (never a temporary name), leaves nothing behind, never touches another file,
and a written file gets the permissions of any new file (not a temporary file's 0600)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.examples import load_example
from detente.scenario.errors import ScenarioError
from detente.scenario.io import load, save
from detente.scenario.io._common import current_umask
from detente.scenario.schema import Scenario

_register_commands()
runner = CliRunner()

FILE_FORMATS = [
    ("s.yaml", "yaml"),
    ("s.json", "json"),
    ("s.csv", "ktab-csv"),
    ("s.d", "decide-csv"),
]


@pytest.fixture
def small(tmp_path: Path, small_yaml: str) -> Scenario:
    f = tmp_path / "in" / "small.yaml"
    f.parent.mkdir()
    f.write_text(small_yaml)
    return load(f)


@pytest.mark.parametrize(("name", "fmt"), FILE_FORMATS)
def test_writing_onto_a_folder_names_it_and_leaves_nothing(small, tmp_path, name, fmt) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / name).mkdir()
    with pytest.raises(ScenarioError) as info:
        save(small, out / name, format=fmt)
    msg = str(info.value)
    assert msg.startswith(str(out / name) + ":") and "folder" in msg and ".tmp" not in msg
    assert [p.name for p in out.iterdir()] == [name], "no temporary file left behind"


@pytest.mark.parametrize(("name", "fmt"), FILE_FORMATS)
def test_writing_into_a_missing_folder_names_the_path(small, tmp_path, name, fmt) -> None:
    out = tmp_path / "no" / name
    with pytest.raises(ScenarioError) as info:
        save(small, out, format=fmt)
    msg = str(info.value)
    assert msg.startswith(str(out) + ":") and "does not exist" in msg and ".tmp" not in msg
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(("name", "fmt"), FILE_FORMATS)
def test_a_file_named_like_a_temporary_file_is_left_alone(small, tmp_path, name, fmt) -> None:
    keep = tmp_path / (name + ".tmp")
    keep.write_text("the user's own file")
    save(small, tmp_path / name, format=fmt)
    assert keep.read_text() == "the user's own file"
    assert load(tmp_path / name, format=fmt).actors[0].id == "A"


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize(("name", "fmt"), [*FILE_FORMATS, ("folder", "tidy-csv")])
def test_written_files_get_a_new_files_permissions(small, tmp_path, name, fmt) -> None:
    out = save(small, tmp_path / name, format=fmt)
    want = (0o777 if fmt == "tidy-csv" else 0o666) & ~current_umask()
    assert out.stat().st_mode & 0o777 == want


def test_forecast_output_onto_a_folder_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "f.csv").mkdir()
    for fmt in ("csv", "json", "table"):
        r = runner.invoke(
            app, ["forecast", "miami", "-m", "compromise", "-f", fmt, "-o", str(tmp_path / "f.csv")]
        )
        assert r.exit_code == 2, r.output
        assert "f.csv" in r.output and ".tmp" not in r.output and "Traceback" not in r.output
        assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]


def test_forecast_table_output_is_written_whole(tmp_path: Path) -> None:
    out = tmp_path / "t.txt"
    r = runner.invoke(app, ["forecast", "miami", "-m", "compromise", "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert load_example("miami").name in text and "territory" in text
    assert [p.name for p in tmp_path.iterdir()] == ["t.txt"]
