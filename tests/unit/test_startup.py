"""Start-up: what ``detente --help`` and a small forecast import (correctness, not time).

Each command runs in a fresh interpreter, as the console script does (``detente.cli.main``),
and reports the modules it imported. ``--help`` needs neither numpy nor pydantic nor any of
the heavy libraries; a forecast printed as a table needs no pandas and no matplotlib (and,
without ``smp``, no scipy). The time these save is measured by benchmarks/bench_startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "src" / "detente" / "examples" / "eu-emissions-1994.yaml"

_PROBE = """
import json, sys
{before}
sys.argv = ["detente", *json.loads(sys.argv[1])]
from detente.cli import main
try:
    main()
except SystemExit:
    pass
sys.stdout.flush()
mods = sorted(sys.modules)
{after}
sys.stderr.write("\\nMODULES " + json.dumps(mods) + "\\n")
"""

HEAVY = ("pandas", "scipy", "matplotlib", "SALib", "dask")


def _run(args: list[str], before: str = "", after: str = "") -> tuple[str, set[str]]:
    code = _PROBE.format(before=before, after=after)
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        # the test's own run store (tests/conftest.py), never the user's
        env={
            "COLUMNS": "100",
            "PATH": "/usr/bin:/bin",
            "DETENTE_STORE": os.environ["DETENTE_STORE"],
        },
    )
    line = [x for x in proc.stderr.splitlines() if x.startswith("MODULES ")]
    assert line, proc.stderr
    return proc.stdout, set(json.loads(line[-1][len("MODULES ") :]))


def _top(mods: set[str]) -> set[str]:
    return {m.split(".")[0] for m in mods}


def test_help_imports_no_heavy_library() -> None:
    out, mods = _run(["--help"])
    assert "forecast" in out and "Usage" in out
    assert not _top(mods) & {*HEAVY, "numpy", "pydantic", "yaml"}
    # rich's Markdown and Traceback machinery (markdown-it, pygments) is not loaded for help
    assert not mods & {"rich.markdown", "rich.traceback", "markdown_it", "pygments"}
    assert not any(m.startswith("detente.scenario") for m in mods)


def test_help_prints_the_same_with_the_deferred_rich_modules() -> None:
    """The stand-ins change nothing: the same text as when Typer imports everything itself."""
    fast, _ = _run(["--help"])
    plain, mods = _run(["--help"], before="import typer.rich_utils")
    assert "rich.markdown" in mods  # the plain path did import it
    assert fast == plain
    fast, _ = _run(["forecast", "--help"])
    plain, _ = _run(["forecast", "--help"], before="import typer.rich_utils")
    assert fast == plain


def test_after_help_rich_modules_are_the_real_ones() -> None:
    """Once help is printed, importing rich.markdown gets rich's module, not a stand-in."""
    after = (
        "import rich.markdown, rich.traceback, typer.rich_utils as t\n"
        "assert rich.markdown.__file__ and rich.traceback.__file__\n"
        "assert type(t.Markdown('x')) is rich.markdown.Markdown\n"
        "mods = sorted(sys.modules)"
    )
    _, mods = _run(["--help"], after=after)
    assert "markdown_it" in mods


def test_small_forecast_table_imports_no_pandas_scipy_matplotlib() -> None:
    out, mods = _run(
        ["forecast", str(EXAMPLE), "-m", "compromise", "-m", "median", "-m", "nash", "-m", "eu"]
    )
    assert "expected utility" in out  # the table printed (issue 14: "eu" is not shown)
    assert not _top(mods) & set(HEAVY)


def test_default_forecast_table_imports_no_pandas_matplotlib() -> None:
    """The default models include smp, whose distance matrix comes from scipy.spatial."""
    out, mods = _run(["forecast", str(EXAMPLE)])
    assert "(SMP)" in out
    assert not _top(mods) & {"pandas", "matplotlib", "SALib", "dask"}


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_still_use_pandas(fmt: str) -> None:
    """The frames are built where they are written (a check that the table path is the one
    that skips them, not that pandas went missing)."""
    out, mods = _run(["forecast", str(EXAMPLE), "-m", "compromise", "--format", fmt])
    assert "compromise" in out
    assert "pandas" in _top(mods)
