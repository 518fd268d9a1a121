"""An analyst's session in a real browser: upload the Miami example, run a forecast, see the
chart, edit a salience and run again, compare, download the brief — a screenshot of each page
(``tests/browser/artifacts/``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from detente.examples import example_path, load_example

pytestmark = pytest.mark.browser


def _shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def _run_forecast(page: Any, models: tuple[str, ...]) -> str:
    """Tick ``models`` only, launch, wait for the polled fragment to show the chart; the run
    id."""
    form = page.locator("#run-forecast")
    for box in form.locator("input[name=model]").all():
        box.set_checked(box.get_attribute("value") in models)
    form.get_by_role("button", name="Run forecast").click()
    page.wait_for_url(re.compile(r".*/jobs/[0-9a-f]+$"))
    # the page polls /jobs/ID with HTMX until the run is done, then shows the chart
    page.wait_for_selector("#job[data-state=done]", timeout=180_000)
    page.wait_for_function(
        "() => { const i = document.querySelector('#chart'); "
        "return i && i.complete && i.naturalWidth > 100; }",
        timeout=120_000,
    )
    link = page.locator("#run-link")
    return str(link.get_attribute("href")).rsplit("/", 1)[-1]


def _forecasts(page: Any) -> dict[str, str]:
    """The run page's compromise column: issue -> forecast text."""
    rows = page.locator("#forecasts tbody tr").all()
    return {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text() for r in rows}


def test_an_analysts_session(
    page: Any, server: str, artifacts: Path
) -> None:  # long: one story, step by step, a screenshot each
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # 1. the scenarios page, then the Miami example uploaded through the form
    page.goto(server + "/scenarios")
    _shot(page, artifacts, "01-scenarios")
    page.set_input_files("#upload input[name=file]", str(example_path("miami")))
    page.locator("#upload").get_by_role("button", name="Upload and validate").click()
    page.wait_for_url(re.compile(r".*/scenarios/[0-9a-f]{64}$"))
    miami = load_example("miami")
    assert page.locator("#scenario-name").inner_text() == miami.name
    scenario_url = page.url
    _shot(page, artifacts, "02-scenario")

    # 2. a forecast, its progress polled by HTMX, its chart shown
    first = _run_forecast(page, ("compromise", "median"))
    _shot(page, artifacts, "03-forecast-done")
    page.locator("#run-link").click()
    page.wait_for_selector("#forecasts")
    before = _forecasts(page)
    assert len(before) == len(miami.issues)
    _shot(page, artifacts, "04-run")

    # 3. a salience edited in the table: a new version; the forecast run again
    page.goto(scenario_url)
    n, pos = next((n, p) for n, p in enumerate(miami.positions) if p.salience < 90)
    new_salience = 100.0
    page.fill(f"input[name=salience-{n}]", f"{new_salience:g}")
    page.get_by_role("button", name="Save as a new version").click()
    page.wait_for_url(re.compile(r".*/scenarios/[0-9a-f]{64}\?from=[0-9a-f]{64}$"))
    assert page.url.split("?")[0] != scenario_url
    edited_url = page.url
    assert float(page.input_value(f"input[name=salience-{n}]")) == new_salience
    _shot(page, artifacts, "05-edited-scenario")
    second = _run_forecast(page, ("compromise", "median"))
    _shot(page, artifacts, "06-rerun-done")
    page.locator("#run-link").click()
    page.wait_for_selector("#forecasts")
    after = _forecasts(page)
    issue = next(i.name for i in miami.issues if i.id == pos.issue)
    assert after[issue] != before[issue], "more salience moves the compromise on that issue"
    _shot(page, artifacts, "07-rerun")

    # 4. the two runs compared; the two versions compared
    page.goto(f"{server}/compare?a={first}&b={second}")
    page.wait_for_selector("#diff-summary")
    _shot(page, artifacts, "08-compare-runs")
    page.goto(edited_url)
    page.get_by_role("link", name="compare the two versions").click()
    page.wait_for_selector("#diff")
    assert "1 value(s) differ" in page.inner_text("#diff-summary")
    _shot(page, artifacts, "09-compare-versions")
    page.goto(server + "/runs")
    assert page.locator(f"a[href='/runs/{first}']").count() >= 1
    _shot(page, artifacts, "10-runs")

    assert errors == [], f"the browser reported errors (CSP violations?): {errors}"

    # 5. the brief
    _brief(page, scenario_url, artifacts)


def _brief(page: Any, scenario_url: str, artifacts: Path) -> None:
    page.goto(scenario_url)
    with page.expect_download(timeout=300_000) as info:  # the brief runs its models
        page.locator("#brief-link").click()
    target = artifacts / "brief.html"
    info.value.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html")
    page.goto(target.as_uri())
    _shot(page, artifacts, "11-brief")
