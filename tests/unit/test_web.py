"""The dashboard through FastAPI's TestClient: every route, bad uploads, the guard."""

from __future__ import annotations

import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra (pip install 'detente[web]') is missing")
pytest.importorskip("httpx", reason="TestClient needs httpx")

from fastapi.testclient import TestClient

from detente.examples import example_path

SMALL = """\
name: small
as_of: 2025-12-01
actors:
  - {id: A, name: Alpha, capability: 2, veto: true}
  - {id: B, name: Beta, capability: 1, veto: true}
issues:
  - {id: x, name: An issue}
positions:
  - {actor: A, issue: x, position: 30, salience: 50, sources: [s1]}
  - {actor: B, issue: x, position: 70, salience: 80}
sources:
  - {id: s1, title: The Alpha statement, url: "https://example.org/alpha", date: 2025-11-30}
"""

#: Line 9 holds positions[0]; a salience of 150 there is out of range (0-100).
BAD_SALIENCE = SMALL.replace("position: 30, salience: 50", "position: 30, salience: 150")

CSRF_RX = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """A maker of TestClients over one store in ``tmp_path`` (app options as keywords)."""
    from detente.web import create_app

    clients: list[TestClient] = []

    def make(**options: Any) -> TestClient:
        c = TestClient(create_app(tmp_path / "runs.sqlite", **options), follow_redirects=False)
        c.__enter__()
        clients.append(c)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def csrf(client: TestClient) -> str:
    m = CSRF_RX.search(client.get("/scenarios").text)
    assert m, "the page carries the CSRF token"
    return m.group(1)


def upload(client: TestClient, text: str | bytes, name: str = "s.yaml", **extra: str) -> Any:
    data = text.encode() if isinstance(text, str) else text
    form = {"csrf_token": csrf(client), **extra}
    return client.post("/scenarios", data=form, files={"file": (name, data)})


def stored(client: TestClient, text: str = SMALL, name: str = "s.yaml") -> str:
    r = upload(client, text, name)
    assert r.status_code == 303, r.text
    return str(r.headers["location"].rsplit("/", 1)[-1])


def wait_job(client: TestClient, location: str, timeout: float = 120) -> dict[str, Any]:
    end = time.time() + timeout
    while time.time() < end:
        j: dict[str, Any] = client.get(location, headers={"accept": "application/json"}).json()
        if j["state"] in ("done", "failed"):
            return j
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def launch(client: TestClient, h: str, **form: Any) -> Any:
    return client.post(f"/scenarios/{h}/runs", data={"csrf_token": csrf(client), **form})


# pages and headers -------------------------------------------------------------------------


def test_home_redirects_and_pages_carry_security_headers(client: TestClient) -> None:
    first = client.get("/")
    assert first.headers["location"] == "/scenarios"
    assert "HttpOnly" in first.headers["set-cookie"]
    assert "SameSite=Strict" in first.headers["set-cookie"]
    r = client.get("/scenarios")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in r.headers  # the session is kept
    # no script in the page but the vendored HTMX file (the CSP forbids inline scripts)
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/htmx.min.js">']


def test_htmx_is_vendored_version_2(client: TestClient) -> None:
    r = client.get("/static/htmx.min.js")
    assert r.status_code == 200 and r.text.startswith("var htmx=")
    notice = (Path(__file__).parents[2] / "src/detente/web/static/NOTICE").read_text()
    assert "htmx 2.0.11" in notice and "0BSD" in notice


# uploads -----------------------------------------------------------------------------------


def test_upload_miami_shows_positions_with_sources(client: TestClient) -> None:
    text = example_path("miami").read_text(encoding="utf-8")
    h = stored(client, text, "miami-2025-12-19.yaml")
    page = client.get(f"/scenarios/{h}")
    assert page.status_code == 200
    assert "Ukraine" in page.text
    assert 'name="salience-0"' in page.text
    from detente.examples import load_example

    s = load_example("miami")
    cited = next(p for p in s.positions if p.sources)
    title = next(src.title for src in s.sources if src.id == cited.sources[0])
    import html

    assert html.escape(title) in page.text
    assert client.get("/scenarios").text.count(f"/scenarios/{h}") >= 1


def test_upload_of_another_format_ktab_csv(client: TestClient, tmp_path: Path) -> None:
    from detente.scenario.io import load, save

    src = tmp_path / "small.yaml"
    src.write_text(SMALL)
    out = save(load(src), tmp_path / "small.csv", format="ktab-csv")
    h = stored(client, out.read_bytes().decode(), "small.csv")
    page = client.get(f"/scenarios/{h}")
    assert page.status_code == 200 and "Alpha" in page.text
    fresh = TestClient(client.app)  # read back by its format, also by a hash prefix
    client.app.state.detente._scenarios.clear()  # type: ignore[attr-defined]
    assert "Alpha" in fresh.get(f"/scenarios/{h[:12]}").text


def test_upload_of_a_zipped_tidy_csv_folder(client: TestClient, tmp_path: Path) -> None:
    from detente.scenario.io import load, save

    src = tmp_path / "small.yaml"
    src.write_text(SMALL)
    folder = save(load(src), tmp_path / "tidy", format="tidy-csv")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"deep/../../{f.name}")  # paths inside the archive are never used
    h = stored(client, buf.getvalue(), "small.zip")
    assert "Beta" in client.get(f"/scenarios/{h}").text


def test_a_zip_over_the_readers_size_cap_is_refused_before_unpacking(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETENTE_MAX_FILE_MB", "0.001")  # 1,048 bytes
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("positions.csv", "actor,issue,position,salience\n" + "A,x,1,1\n" * 200)
    r = upload(client, buf.getvalue(), "big.zip")
    assert r.status_code == 422
    assert "the archive&#39;s files are too large" in r.text and "up to 1.0 kB in all" in r.text


def test_upload_without_the_file_field_is_400(client: TestClient) -> None:
    r = client.post(
        "/scenarios",
        data={"csrf_token": csrf(client)},
        files={"scenario": ("s.yaml", SMALL.encode())},
    )
    assert r.status_code == 400
    assert "field &#39;file&#39;" in r.text or "field 'file'" in r.text


def test_upload_too_large_is_413(make_client: Callable[..., TestClient]) -> None:
    c = make_client(max_upload_bytes=2_000)
    r = upload(c, SMALL + "#" * 5_000)
    assert r.status_code == 413
    assert "upload too large" in r.text and "0.002 MB" in r.text


def test_upload_too_large_without_content_length_is_413(
    make_client: Callable[..., TestClient],
) -> None:
    c = make_client(max_upload_bytes=2_000)
    token = csrf(c)

    def chunks() -> Iterator[bytes]:
        yield b"csrf_token=" + token.encode() + b"&x="
        for _ in range(10):
            yield b"a" * 500

    r = c.post(
        "/scenarios",
        content=chunks(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 413


def test_upload_of_something_that_is_no_scenario_is_422(client: TestClient) -> None:
    r = upload(client, b"\x00\x01\x02 garbage \xff", "notes.bin")
    assert r.status_code == 422
    assert "notes.bin" in r.text  # located at the upload's name, not a server path
    assert "detente-upload" not in r.text and "/tmp" not in r.text


def test_upload_with_a_schema_error_is_located(client: TestClient) -> None:
    r = upload(client, BAD_SALIENCE, "talks.yaml")
    assert r.status_code == 422
    assert 'class="err-line">9<' in r.text
    assert 'class="err-field">positions[0].salience<' in r.text
    assert "at most 100" in r.text
    assert "talks.yaml" in r.text


def test_empty_upload_is_422(client: TestClient) -> None:
    r = upload(client, b"  \n", "empty.yaml")
    assert r.status_code == 422 and "empty" in r.text


def test_client_file_names_are_never_paths(client: TestClient, tmp_path: Path) -> None:
    target = tmp_path / "evil.yaml"
    r = upload(client, SMALL, str(target))
    assert r.status_code == 303
    assert not target.exists()
    r = upload(client, BAD_SALIENCE, "../../etc/passwd")
    assert r.status_code == 422 and "/etc/passwd" not in r.text


def test_a_script_name_is_shown_as_text(client: TestClient) -> None:
    evil = SMALL.replace("name: small", 'name: "<script>alert(1)</script>"')
    h = stored(client, evil)
    for page in (client.get(f"/scenarios/{h}"), client.get("/scenarios")):
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


# the guard ---------------------------------------------------------------------------------


def test_post_without_csrf_token_is_403(client: TestClient) -> None:
    client.get("/scenarios")
    r = client.post("/scenarios", files={"file": ("s.yaml", SMALL.encode())})
    assert r.status_code == 403 and "CSRF" in r.text


def test_post_with_a_wrong_csrf_token_is_403(client: TestClient) -> None:
    client.get("/scenarios")
    r = client.post(
        "/scenarios", data={"csrf_token": "0" * 64}, files={"file": ("s.yaml", SMALL.encode())}
    )
    assert r.status_code == 403


def test_csrf_token_of_another_session_is_refused(make_client: Callable[..., TestClient]) -> None:
    a = make_client()
    token = csrf(a)
    b = TestClient(a.app, follow_redirects=False)
    b.get("/scenarios")  # b's own session
    r = b.post("/scenarios", data={"csrf_token": token}, files={"file": ("s.yaml", b"x")})
    assert r.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
    ],
)
def test_cross_site_posts_are_403(client: TestClient, headers: dict[str, str]) -> None:
    token = csrf(client)
    r = client.post(
        "/scenarios",
        data={"csrf_token": token},
        files={"file": ("s.yaml", SMALL.encode())},
        headers=headers,
    )
    assert r.status_code == 403 and "refused" in r.text


def test_same_origin_post_is_accepted(client: TestClient) -> None:
    token = csrf(client)
    r = client.post(
        "/scenarios",
        data={"csrf_token": token},
        files={"file": ("s.yaml", SMALL.encode())},
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
    )
    assert r.status_code == 303


def test_token_missing_or_wrong_is_401(make_client: Callable[..., TestClient]) -> None:
    c = make_client(token="s3cret-token")
    assert c.get("/scenarios").status_code == 401
    assert c.get("/scenarios", headers={"authorization": "Bearer nope"}).status_code == 401
    assert c.get("/scenarios", headers={"x-detente-token": "s3cret-tokeX"}).status_code == 401
    assert c.get("/scenarios", headers={"authorization": "Bearer s3cret-token"}).status_code == 200
    assert c.get("/scenarios", headers={"x-detente-token": "s3cret-token"}).status_code == 200
    assert c.get("/static/style.css").status_code == 200  # the login page needs its style


def test_login_form_sets_a_cookie_not_the_token(make_client: Callable[..., TestClient]) -> None:
    c = make_client(token="s3cret-token")
    page = c.get("/login")
    assert page.status_code == 200
    token = CSRF_RX.search(page.text).group(1)  # type: ignore[union-attr]
    assert c.post("/login", data={"csrf_token": token, "token": "wrong"}).status_code == 401
    r = c.post("/login", data={"csrf_token": token, "token": "s3cret-token"})
    assert r.status_code == 303
    assert "s3cret-token" not in r.headers["set-cookie"]
    assert c.get("/scenarios").status_code == 200
    out = c.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303
    c.cookies.delete("detente_token")
    assert c.get("/scenarios").status_code == 401


def test_login_without_a_token_configured_redirects(client: TestClient) -> None:
    assert client.get("/login").status_code == 303


# edits and revisions -----------------------------------------------------------------------


def test_edit_makes_a_new_version_and_the_revisions_compare(client: TestClient) -> None:
    h = stored(client)
    r = client.post(f"/scenarios/{h}/edit", data={"csrf_token": csrf(client), "salience-0": "55"})
    assert r.status_code == 303
    new = r.headers["location"].split("/")[-1].split("?")[0]
    assert new != h
    page = client.get(r.headers["location"])
    assert 'name="salience-0" value="55.0"' in page.text
    assert f"/revisions?a={h}&amp;b={new}" in page.text
    assert 'name="salience-0" value="50.0"' in client.get(f"/scenarios/{h}").text  # kept
    diff = client.get(f"/revisions?a={h}&b={new}")
    assert diff.status_code == 200
    assert "1 value(s) differ" in diff.text
    assert "<td>salience</td><td>A</td><td>x</td><td>50.0</td><td>55.0</td>" in diff.text


def test_versions_compared_show_a_changed_capability(client: TestClient) -> None:
    a = stored(client)
    b = stored(client, SMALL.replace("name: Beta, capability: 1,", "name: Beta, capability: 3,"))
    diff = client.get(f"/revisions?a={a}&b={b}")
    assert "1 value(s) differ" in diff.text
    assert "<td>capability</td><td>B</td><td>—</td><td>1.0</td><td>3.0</td>" in diff.text


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("salience-1", "abc", "not a number"),
        ("salience-1", "150", "at most 100"),
        ("salience-1", "nan", "not a number"),
        ("position-1", "500", "off the scale"),
    ],
)
def test_a_bad_edit_is_located_in_the_page(
    client: TestClient, name: str, value: str, message: str
) -> None:
    h = stored(client)
    r = client.post(f"/scenarios/{h}/edit", data={"csrf_token": csrf(client), name: value})
    assert r.status_code == 422
    field = name.replace("-1", "")
    assert f'class="err-field">positions[1].{field}<' in r.text
    assert message in r.text
    assert '<tr class="bad">' in r.text


def test_scenario_text_download(client: TestClient) -> None:
    h = stored(client)
    r = client.get(f"/scenarios/{h}/text")
    assert r.status_code == 200 and r.text == SMALL
    assert "attachment" in r.headers["content-disposition"]


# runs --------------------------------------------------------------------------------------


def test_forecast_runs_in_the_background_and_is_recorded(client: TestClient) -> None:
    h = stored(client)
    r = launch(client, h, kind="forecast", model="compromise", seed="7")
    assert r.status_code == 303
    job_url = r.headers["location"]
    first = client.get(job_url)
    assert first.status_code == 200
    j = wait_job(client, job_url)
    assert j["state"] == "done", j
    fragment = client.get(job_url, headers={"hx-request": "true"})
    assert "<html" not in fragment.text and 'id="chart"' in fragment.text
    assert "hx-trigger" not in fragment.text  # a finished job stops the polling
    run = client.get(f"/runs/{j['run']}")
    assert run.status_code == 200
    # compromise = capability x salience weighted mean: (2*50*30 + 1*80*70) / (100 + 80)
    assert f"<td>{(2 * 50 * 30 + 80 * 70) / 180:.1f}</td>" in run.text
    png = client.get(f"/runs/{j['run']}/chart.png")
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    svg = client.get(f"/runs/{j['run']}/chart.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    listing = client.get("/runs")
    assert f"/runs/{j['run']}" in listing.text
    assert f'<a href="/scenarios/{h}">small</a>' in listing.text  # the scenario's name
    assert f"/runs/{j['run']}" in client.get(f"/scenarios/{h}").text


def test_the_run_is_in_the_store_exactly_once(client: TestClient) -> None:
    h = stored(client)
    r = launch(client, h, kind="forecast", model="compromise")
    j = wait_job(client, r.headers["location"])
    store = client.app.state.detente.store.get()  # type: ignore[attr-defined]
    runs = store.list_runs(scenario_hash=h)
    assert [x.id for x in runs] == [j["run"]]


@pytest.mark.parametrize(
    ("kind", "form"),
    [("analyze", {}), ("ensemble", {"draws": "16", "seed": "1"}), ("simulate", {"runs": "5"})],
)
def test_other_kinds_of_run(client: TestClient, kind: str, form: dict[str, str]) -> None:
    h = stored(client)
    r = launch(client, h, kind=kind, **form)
    assert r.status_code == 303
    j = wait_job(client, r.headers["location"])
    assert j["state"] == "done", j
    assert client.get(f"/runs/{j['run']}/chart.png").content[:4] == b"\x89PNG"
    assert kind in client.get(f"/runs/{j['run']}").text


def test_an_analysis_is_recorded_as_the_cli_records_it(client: TestClient) -> None:
    h = stored(client)
    j = wait_job(client, launch(client, h, kind="analyze").headers["location"])
    store = client.app.state.detente.store.get()  # type: ignore[attr-defined]
    recorded = store.get_run(j["run"]).results["analysis"]
    # without the frontier's points (megabytes of JSON on the Miami example), as `detente analyze`
    assert recorded["frontier"] is None and recorded["frontier_points_recorded"] is False
    assert recorded["frontier_size"] > 0


def test_a_simulation_is_recorded_as_on_point_values(client: TestClient) -> None:
    # the dashboard's simulation draws no inputs; its record says so, as `--point` would
    h = stored(client)
    j = wait_job(client, launch(client, h, kind="simulate", runs="3").headers["location"])
    store = client.app.state.detente.store.get()  # type: ignore[attr-defined]
    assert store.get_run(j["run"]).params == {"runs": 3, "point": True}


def test_a_failing_run_says_why_and_records_nothing(client: TestClient) -> None:
    h = stored(client, SMALL.replace("as_of: 2025-12-01\n", ""))
    j = wait_job(client, launch(client, h, kind="simulate", runs="3").headers["location"])
    assert j["state"] == "failed" and "start date" in j["error"]
    assert client.app.state.detente.store.get().list_runs(scenario_hash=h) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("form", "where"),
    [
        ({"kind": "ensemble", "draws": "0"}, "draws"),
        ({"kind": "ensemble", "draws": "999999"}, "draws"),
        ({"kind": "forecast", "model": "no-such-model"}, "model"),
        ({"kind": "rm -rf"}, "kind"),
        ({"kind": "forecast", "seed": "-1"}, "seed"),
    ],
)
def test_bad_run_options_are_400(client: TestClient, form: dict[str, str], where: str) -> None:
    h = stored(client)
    r = launch(client, h, **form)
    assert r.status_code == 400
    assert f'class="err-field">{where}<' in r.text


@pytest.mark.parametrize("kind", ["forecast", "ensemble"])
def test_a_run_too_big_for_the_memory_is_refused_before_it_is_queued(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    h = stored(client)
    monkeypatch.setattr("detente.resources.available_memory", lambda: 1.0)  # one byte free
    r = launch(client, h, kind=kind, model="compromise", draws="16", seed="1")
    assert r.status_code == 400
    assert "memory" in r.text and f"scenario {h[:12]}" in r.text
    assert client.app.state.detente.jobs._jobs == {}  # type: ignore[attr-defined]
    assert client.app.state.detente.store.get().list_runs() == []  # type: ignore[attr-defined]


def test_bad_model_params_of_the_scenario_are_refused_before_the_run(client: TestClient) -> None:
    h = stored(client, SMALL + "model_params:\n  smp: {NoSuchOption: 1}\n")
    r = launch(client, h, kind="forecast", model="compromise")
    assert r.status_code == 400
    assert 'class="err-field">smp.NoSuchOption<' in r.text and "VotingRule" in r.text


def test_forecast_defaults_are_the_cli_defaults(client: TestClient) -> None:
    h = stored(client)
    r = launch(client, h, kind="forecast", seed="3")
    j = wait_job(client, r.headers["location"])
    store = client.app.state.detente.store.get()  # type: ignore[attr-defined]
    assert store.get_run(j["run"]).models == ["compromise", "median", "nash", "smp", "eu"]


def test_chart_is_drawn_again_from_the_store(make_client: Callable[..., TestClient]) -> None:
    a = make_client()
    h = stored(a)
    j = wait_job(a, launch(a, h, kind="forecast", model="compromise").headers["location"])
    b = make_client()  # a fresh server over the same store: nothing in memory
    assert b.get(f"/runs/{j['run']}/chart.png").content[:4] == b"\x89PNG"


def test_compare_two_runs(client: TestClient) -> None:
    h = stored(client)
    runs = [
        wait_job(
            client,
            launch(client, h, kind="forecast", model="compromise", seed=s).headers["location"],
        )["run"]
        for s in ("1", "2")
    ]
    r = client.get(f"/compare?a={runs[0]}&b={runs[1]}")
    assert r.status_code == 200 and 'id="diff-summary"' in r.text


def test_unknown_things_are_404(client: TestClient) -> None:
    assert client.get("/scenarios/" + "0" * 64).status_code == 404
    assert client.get("/scenarios/bad$id").status_code == 404
    assert client.get("/runs/99999").status_code == 404
    assert client.get("/runs/1/chart.gif").status_code == 404
    assert client.get("/jobs/nope").status_code == 404
    assert client.get("/compare?a=1&b=2").status_code == 404


def test_brief_download(client: TestClient) -> None:
    text = example_path("miami").read_text(encoding="utf-8")
    h = stored(client, text, "miami.yaml")
    r = client.get(f"/scenarios/{h}/brief")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    assert r.text.lstrip().lower().startswith("<!doctype html")


def test_progress_of_a_running_job_is_shown(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from detente.progress import task

    halfway, release = threading.Event(), threading.Event()
    real = __import__("detente.web._jobs", fromlist=["compute"]).compute

    def slow(scenario: Any, spec: Any) -> Any:
        with task("counting rounds", total=4) as advance:
            advance()
            advance()
            halfway.set()
            release.wait(30)
            advance()
            advance()
        return real(scenario, spec)

    monkeypatch.setattr("detente.web._jobs.compute", slow)
    h = stored(client)
    job_url = launch(client, h, kind="forecast", model="compromise").headers["location"]
    assert halfway.wait(30)
    fragment = client.get(job_url, headers={"hx-request": "true"}).text
    release.set()
    assert "counting rounds (2 of 4)" in fragment
    assert '<progress max="1" value="0.5">' in fragment
    assert 'hx-trigger="every 1s"' in fragment  # still polling
    assert wait_job(client, job_url)["state"] == "done"


def test_a_full_run_queue_is_429(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("detente.web._jobs.MAX_PENDING", 0)
    h = stored(client)
    r = launch(client, h, kind="forecast", model="compromise")
    assert r.status_code == 429 and "too many runs waiting" in r.text
    assert client.app.state.detente.store.get().list_runs() == []  # type: ignore[attr-defined]


def test_a_run_recorded_elsewhere_without_seed_has_no_chart(client: TestClient) -> None:
    h = stored(client)
    store = client.app.state.detente.store.get()  # type: ignore[attr-defined]
    payload = {"model": "compromise", "issues": ["x"], "forecast": [47.78]}
    with store.run("forecast", scenario_hash=h, models=["compromise"], params={}, seed=None) as run:
        run.add_result("forecast:compromise", payload)
    page = client.get(f"/runs/{run.id}")
    assert page.status_code == 200
    assert "<td>47.8</td>" in page.text and 'id="chart"' not in page.text
    r = client.get(f"/runs/{run.id}/chart.png")
    assert r.status_code == 404 and "recorded no seed" in r.text


@pytest.mark.parametrize(
    ("command", "params", "chart"),
    [
        # as `detente ensemble --method lhs` records it: a sobol ensemble would be another run
        ("ensemble", {"input": "s.yaml", "draws": 16, "method": "lhs"}, False),
        # as `detente analyze --grid 31` records it
        ("analyze", {"input": "s.yaml", "grid": 31}, False),
        # as `detente forecast --seed 5` records it: its model options are the scenario's own
        ("forecast", {"input": "s.yaml", "model_params": {}}, True),
    ],
)
def test_a_run_made_with_other_options_is_not_drawn_as_another_run(
    client: TestClient, command: str, params: dict[str, Any], chart: bool
) -> None:
    h = stored(client)
    store = client.app.state.detente.store.get()  # type: ignore[attr-defined]
    models = ["compromise"] if command != "analyze" else []
    with store.run(command, scenario_hash=h, models=models, params=params, seed=5) as run:
        run.add_result("result", {"made": "elsewhere"})
    assert ('id="chart"' in client.get(f"/runs/{run.id}").text) is chart
    r = client.get(f"/runs/{run.id}/chart.png")
    if chart:
        assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    else:
        assert r.status_code == 404 and "options the dashboard does not set" in r.text
