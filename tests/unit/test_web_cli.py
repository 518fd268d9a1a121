"""``detente serve``: the options, the loopback default, the install hint without the extra."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app

_register_commands()
runner = CliRunner()


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What ``uvicorn.run`` was called with (nothing is served)."""
    pytest.importorskip("uvicorn")
    seen: dict[str, Any] = {}

    def fake_run(web: Any, **kw: Any) -> None:
        seen.update(kw, app=web)

    monkeypatch.setattr("uvicorn.run", fake_run)
    return seen


def test_serve_binds_to_loopback_by_default(served: dict[str, Any], tmp_path: Path) -> None:
    r = runner.invoke(app, ["serve", "--store", str(tmp_path / "runs.sqlite3")])
    assert r.exit_code == 0, r.output
    assert served["host"] == "127.0.0.1" and served["port"] == 8000
    assert "http://127.0.0.1:8000/" in r.output


def test_serve_elsewhere_without_token_warns(served: dict[str, Any], tmp_path: Path) -> None:
    r = runner.invoke(
        app, ["serve", "--host", "0.0.0.0", "--port", "8765", "--store", str(tmp_path / "s.db")]
    )
    assert r.exit_code == 0
    assert served["host"] == "0.0.0.0" and served["port"] == 8765
    assert "without --token" in r.output


def test_serve_token_from_the_environment(
    served: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    monkeypatch.setenv("DETENTE_TOKEN", "from-the-env-123")
    r = runner.invoke(app, ["serve", "--store", str(tmp_path / "runs.sqlite3")])
    assert r.exit_code == 0
    client = TestClient(served["app"])
    assert client.get("/scenarios").status_code == 401
    ok = client.get("/scenarios", headers={"authorization": "Bearer from-the-env-123"})
    assert ok.status_code == 200


def test_serve_refuses_a_short_token(served: dict[str, Any]) -> None:
    r = runner.invoke(app, ["serve", "--token", "abc"])
    assert r.exit_code == 2 and "too short" in r.output
    assert served == {}


def test_serve_refuses_a_store_that_is_a_folder(served: dict[str, Any], tmp_path: Path) -> None:
    r = runner.invoke(app, ["serve", "--store", str(tmp_path)])
    assert r.exit_code == 2
    assert "folder" in r.output and "Traceback" not in r.output
    assert served == {}


def test_serve_without_the_web_extra_prints_the_install_hint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("detente.cli.cmd_serve.missing_web_modules", lambda: ["fastapi"])
    r = runner.invoke(app, ["serve"])
    assert r.exit_code == 1
    assert "pip install 'detente[web]'" in r.output


def test_importing_detente_web_needs_no_fastapi() -> None:
    import subprocess
    import sys

    code = (
        "import sys, detente.web, detente.cli.cmd_serve; "
        "print(any(m.split('.')[0] in ('fastapi', 'starlette', 'jinja2', 'uvicorn') "
        "for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
