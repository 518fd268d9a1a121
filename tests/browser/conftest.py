"""Browser tests: the dashboard served by ``detente serve`` on a free loopback port, driven by
Playwright through Debian's Chromium (``apt-get install -y chromium``; Playwright's own
browser download is never used).

Screenshots of every page go to ``tests/browser/artifacts/`` (git-ignored; set
``DETENTE_BROWSER_ARTIFACTS`` to put them elsewhere), with the server's log.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

#: Where Debian's chromium package puts the browser.
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def _chromium() -> str | None:
    for p in CHROMIUM_PATHS:
        if Path(p).is_file() and os.access(p, os.X_OK):
            return p
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder the screenshots (and the server log) are written to."""
    default = Path(__file__).parent / "artifacts"
    folder = Path(os.environ.get("DETENTE_BROWSER_ARTIFACTS", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, artifacts: Path) -> Iterator[str]:
    """``detente serve`` in a subprocess on a free loopback port, over a fresh store; its URL."""
    pytest.importorskip("fastapi", reason="the web extra (pip install 'detente[web]') is missing")
    port = _free_port()
    store = tmp_path_factory.mktemp("browser-store") / "runs.sqlite3"
    log = (artifacts / "server.log").open("w")
    cmd = [sys.executable, "-m", "detente", "serve", "--port", str(port), "--store", str(store)]
    env = {**os.environ, "DETENTE_STORE": str(store)}
    env.pop("DETENTE_TOKEN", None)
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _wait_up(url: str, proc: subprocess.Popen[Any], timeout: float = 90) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"detente serve exited with {proc.returncode}; see server.log")
        try:
            with urllib.request.urlopen(url + "/scenarios", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"detente serve did not answer on {url} within {timeout:.0f} s")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright through ``executable_path``."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    exe = _chromium()
    if exe is None:
        pytest.skip(
            "no chromium binary (looked for /usr/bin/chromium): install it with "
            "`apt-get install -y chromium` (.ci/run does) to run the browser tests"
        )
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (its own cookies: its own session) and page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    try:
        yield pg
    finally:
        context.close()
