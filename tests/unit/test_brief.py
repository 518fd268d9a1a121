"""The one-page brief (issue 14, part 3): self-contained, escaped, the bottom line named by the
documented options, the backtest numbers as measured, the CLI, and the printed page count."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from detente.cli.app import _register_commands, app
from detente.report.brief import BACKTEST_MAE, render_brief
from detente.scenario.io import load
from detente.scenario.revisions import load_series, run_revisions

try:
    from test_revisions import FIRST, SECOND
except ImportError:  # pragma: no cover - when tests/ is imported as a package
    from tests.unit.test_revisions import FIRST, SECOND

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "r1.yaml").write_text(FIRST)
    (tmp_path / "r2.yaml").write_text(SECOND)
    return tmp_path / "r1.yaml", tmp_path / "r2.yaml"


def _external_resources(html: str) -> list[str]:
    """Every fetched resource that is not inline: script or image sources, style sheets,
    CSS url()/@import, iframes and objects."""
    bad = re.findall(r"<script\b[^>]*\bsrc\s*=", html, re.I)
    bad += re.findall(r"<link\b[^>]*>", html, re.I)
    bad += [s for s in re.findall(r"\bsrc\s*=\s*\"([^\"]*)\"", html) if not s.startswith("data:")]
    bad += re.findall(r"url\(\s*['\"]?(?!data:)[^)]*\)", html, re.I)
    bad += re.findall(r"@import|<iframe|<object|<embed", html, re.I)
    return bad


def test_bottom_line_names_the_documented_options(files: tuple[Path, Path]) -> None:
    """First round: A signs [0, 40], B [60, 100]: blocked on the border, B's floor is
    "Beta's last offer" (60), A's ceiling "Alpha's last offer" (40)."""
    html = render_brief(load(files[0]), models=["compromise"], grid=5)
    assert "No deal zone" in html
    assert "The border" in html
    assert "«Beta&#39;s last offer»" in html and "«Alpha&#39;s last offer»" in html
    assert "Beta will go no lower" not in html  # the floor/ceiling table, not a number
    assert _external_resources(html) == []
    assert html.count("<img") == 1 and 'src="data:image/png;base64,' in html
    assert "<script" not in html.lower()
    assert "@media print" in html


def test_a_zone_is_said_in_words(files: tuple[Path, Path]) -> None:
    html = render_brief(load(files[1]), models=["compromise"], grid=5)
    assert "A deal zone exists" in html


def test_a_script_named_scenario_is_text(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(
        FIRST.replace("name: Two sides", "name: '<script>alert(1)</script>'").replace(
            "name: The border", "name: '<img src=x onerror=alert(2)>'"
        )
    )
    html = render_brief(load(f), models=["compromise"], grid=5)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script" not in html.lower()


def test_what_moved_since_last_time(files: tuple[Path, Path]) -> None:
    runs = run_revisions(load_series(files[1]), ["compromise"], grid=5)
    html = render_brief(
        runs.runs[-1].revision.scenario, runs=runs, models=["compromise"], grid=5,
        analysis=runs.runs[-1].analysis,
    )  # fmt: skip
    assert "What moved since last time" in html
    assert "The deal zone opened." in html
    assert "No longer blocking: x." in html
    assert "compromise on x: 50 → 40." in html
    assert "B moves to 60 [S1]" in html


def test_caveats_count_judgement_and_cite_the_backtest(files: tuple[Path, Path]) -> None:
    html = render_brief(load(files[0]), models=["compromise", "eu"], grid=5)
    # four positions, none documented; two capabilities, judgement by default
    assert "Judgement, not documented: 4 of 4 positions, 4 of 4 saliences" in html
    assert "2 of 2 capabilities" in html
    assert "compromise 24.5 points" in html and "expected utility (BDM) 34.6 points" in html
    assert "DEU III" in html
    assert ">eu<" not in html  # the model is never shown as "eu"


def test_backtest_numbers_are_the_measured_ones() -> None:
    """BACKTEST_MAE repeats docs/explanation/backtest.md's table: check every row there."""
    doc = (ROOT / "docs" / "explanation" / "backtest.md").read_text()
    table = doc[doc.index("| model", doc.index("## The numbers")) :]
    table = table[: table.index("\n\n")]
    found = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        name = cells[0].split(" (")[0].replace("weighted median", "median")
        found[name] = float(cells[1])
    for model, mae in BACKTEST_MAE.items():
        assert found[model] == mae, model


def test_ensemble_spread_and_the_shipped_example() -> None:
    """Miami with a small seeded ensemble: the spread is shown; the bottom line names the
    territory limits by their options (Russia's floor is the US Berlin/Dec proposal)."""
    from detente.examples import load_example

    html = render_brief(load_example("miami"), ensemble=8, seed=3, models=["compromise"], grid=5)
    assert "Spread over 8 draws" in html and "90% of draws" in html
    assert "No deal zone" in html and "«US Berlin/Dec proposal" in html
    assert "Territory taken by Russia per month" in html  # indicators from the process block
    assert _external_resources(html) == []


def test_cli_brief_writes_a_file_and_refuses_its_input(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    _register_commands()
    out = tmp_path / "brief.html"
    r = runner.invoke(
        app, ["brief", str(files[1]), "-o", str(out), "-m", "compromise", "--grid", "5",
              "--no-store"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and "What moved since last time" in html
    r = runner.invoke(app, ["brief", str(files[0]), "-o", str(files[0]), "--no-store"])
    assert r.exit_code == 2 and "destroy an input" in r.output
    r = runner.invoke(app, ["brief", "no-such-thing", "--no-store"])
    assert r.exit_code == 2 and "no such scenario file" in r.output


def test_cli_brief_of_a_recorded_run(tmp_path: Path, files: tuple[Path, Path]) -> None:
    _register_commands()
    store = tmp_path / "runs.sqlite3"
    r = runner.invoke(app, ["forecast", str(files[0]), "-m", "compromise", "--store", str(store)])
    assert r.exit_code == 0, r.output
    from detente.store import RunStore

    with RunStore(store) as st:
        run_id = st.list_runs()[0].id
    out = tmp_path / "b.html"
    r = runner.invoke(
        app, ["brief", run_id[:12], "-o", str(out), "--grid", "5", "--store", str(store)]
    )
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "Two sides" in html and "<th>compromise</th>" in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium to print with")
@pytest.mark.parametrize("series", [False, True], ids=["miami", "ukraine-2025"])
def test_the_miami_brief_prints_to_two_pages(tmp_path: Path, series: bool) -> None:
    """The Miami brief, and the brief of the newest revision with what moved, print to at
    most two A4 pages in Chromium."""
    from detente.examples import load_example

    page = tmp_path / "b.html"
    if series:
        runs = run_revisions(load_series("ukraine-2025"), grid=5)
        newest = runs.runs[-1]
        html = render_brief(newest.revision.scenario, runs=runs, analysis=newest.analysis, grid=5)
    else:
        html = render_brief(load_example("miami"), grid=5)
    page.write_text(html)
    pdf = tmp_path / "b.pdf"
    subprocess.run(
        ["chromium", "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", str(page)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
    assert 1 <= pages <= 2
