"""Shared fixtures for the detente test suite."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

#: ``../shared/data`` beside the repository (the reference data sets; never copied in).
SHARED_DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()


@pytest.fixture(autouse=True)
def _tmp_run_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test records its runs in a store of its own under pytest's temporary folder
    (``DETENTE_STORE``), never in the user's data folder."""
    path = tmp_path_factory.mktemp("store") / "runs.sqlite3"
    monkeypatch.setenv("DETENTE_STORE", str(path))
    monkeypatch.delenv("DETENTE_NO_STORE", raising=False)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ``../shared/data`` relative to the repo root; skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found: expected the reference data at {SHARED_DATA}")
    return SHARED_DATA


#: A two-actor, one-issue scenario that every writer can hold (KTAB CSV needs every actor on
#: every issue, on 0-100).
_SMALL_YAML = """\
name: small
actors:
  - {id: A, name: Alpha, capability: 2}
  - {id: B, name: Beta, capability: 1}
issues:
  - {id: x, name: An issue}
positions:
  - {actor: A, issue: x, position: 30, salience: 50}
  - {actor: B, issue: x, position: 70, salience: 80}
"""


@pytest.fixture
def small_yaml() -> str:
    """The YAML text of a small valid scenario (two actors on one issue) every writer holds."""
    return _SMALL_YAML


@pytest.fixture
def two_actor_file(tmp_path: Path) -> Callable[[str], Path]:
    """A maker of ``tmp_path/p.yaml``: a valid two-actor scenario whose ``model_params`` is the
    YAML text given."""

    def make(params: str) -> Path:
        f = tmp_path / "p.yaml"
        f.write_text(
            "name: p\nactors: [{id: A, name: A, capability: 1}, {id: B, name: B, capability: 2}]\n"
            "issues: [{id: x, name: x}]\n"
            "positions: [{actor: A, issue: x, position: 10, salience: 50},"
            " {actor: B, issue: x, position: 90, salience: 50}]\n"
            f"model_params: {params}\n"
        )
        return f

    return make
