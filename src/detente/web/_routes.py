"""The dashboard's routes (listed in :mod:`detente.web.app`); each is a few lines over the
state object, its errors answered as pages (:class:`~detente.web.app._Http`)."""

from __future__ import annotations

from typing import Any

# Imported by create_app only (the web extra is there): FastAPI reads the route signatures'
# annotations from this module's names, so Request must be a real import here.
from fastapi import FastAPI, Request
from starlette.responses import Response

from detente.cli.app import DEFAULT_MODELS
from detente.scenario.errors import ScenarioError
from detente.web import app as _a
from detente.web._compute import (
    MAX_DRAWS,
    MAX_RUNS,
    check_cost,
    check_request,
    spec_from_record,
)
from detente.web._jobs import QueueFull

__all__: list[str] = []

#: Scenarios listed on the scenarios page (the newest).
_LISTED = 200

_BRIEF_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def _wants_json(request: Request) -> bool:
    return request.headers.get("accept", "").startswith("application/json")


def scenario_page(
    request: Request,
    state: _a._App,
    h: str,
    *,
    status: int = 200,
    error: ScenarioError | None = None,
    parent: str | None = None,
    notice: str | None = None,
) -> Response:
    """The scenario page: the table of positions, the run forms, its runs."""
    from detente.models import list_models
    from detente.web._scenarios import position_rows

    scenario = state.scenario(h)
    runs = state.store.get().list_runs(limit=50, scenario_hash=h)
    return state.page(
        request,
        "scenario.html",
        status,
        scenario=scenario,
        hash=h,
        rows=position_rows(scenario),
        runs=runs,
        models=list_models(),
        default_models=DEFAULT_MODELS,
        max_draws=MAX_DRAWS,
        max_runs=MAX_RUNS,
        parent=parent,
        notice=notice,
        error=None if error is None else str(error),
        error_obj=None if error is None else _a._err_view(error),
    )


def add_routes(app: FastAPI, state: _a._App) -> None:
    """Every page and action of the dashboard."""
    from fastapi.responses import RedirectResponse

    async def on_http(request: Request, exc: Exception) -> Response:
        if not isinstance(exc, _a._Http):
            raise exc
        return state.error_page(request, exc)

    app.add_exception_handler(_a._Http, on_http)

    @app.get("/")
    def home() -> Response:
        return RedirectResponse("/scenarios", status_code=303)

    _scenario_routes(app, state)
    _run_routes(app, state)
    _login_routes(app, state)


def _scenario_routes(app: FastAPI, state: _a._App) -> None:  # long: one small function per route
    from fastapi.responses import PlainTextResponse, RedirectResponse
    from starlette.concurrency import run_in_threadpool

    def listing(
        request: Request, status: int = 200, error: ScenarioError | None = None
    ) -> Response:
        every = state.store.get().list_scenarios()
        shown = every[::-1][:_LISTED]  # the newest first
        return state.page(
            request,
            "scenarios.html",
            status,
            scenarios=shown,
            hidden=len(every) - len(shown),
            max_mb=f"{state.max_bytes / 1e6:g}",
            error=None if error is None else str(error),
            error_obj=None if error is None else _a._err_view(error),
            error_title="The scenario was not stored",
        )

    @app.get("/scenarios")
    def scenarios(request: Request) -> Response:
        return listing(request)

    @app.post("/scenarios")
    async def upload(request: Request) -> Response:
        from detente.web._scenarios import parse_upload

        form = await _a._form(request)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise _a._Http(400, "no file: send the scenario in the multipart form field 'file'")
        data = await upload.read()
        try:
            parsed = await run_in_threadpool(parse_upload, data, upload.filename)
        except ScenarioError as e:
            return await run_in_threadpool(listing, request, 422, e)
        h = await run_in_threadpool(state.store_scenario, parsed.text, parsed.scenario, parsed.fmt)
        if _wants_json(request):
            from fastapi.responses import JSONResponse

            return JSONResponse({"hash": h, "name": parsed.scenario.name}, status_code=201)
        return RedirectResponse(f"/scenarios/{h}", status_code=303)

    @app.get("/scenarios/{h}")
    def scenario(request: Request, h: str) -> Response:
        parent = request.query_params.get("from")
        parent = _a._checked_id(parent, "scenario") if parent else None
        return scenario_page(request, state, _a._checked_id(h, "scenario"), parent=parent)

    @app.post("/scenarios/{h}/edit")
    async def edit(request: Request, h: str) -> Response:
        form = await _a._form(request)
        return await run_in_threadpool(_edit, request, state, _a._checked_id(h, "scenario"), form)

    @app.post("/scenarios/{h}/runs")
    async def launch(request: Request, h: str) -> Response:
        form = await _a._form(request)
        return await run_in_threadpool(_launch, request, state, _a._checked_id(h, "scenario"), form)

    @app.get("/scenarios/{h}/text")
    def text(h: str) -> Response:
        h = _a._checked_id(h, "scenario")
        state.scenario(h)
        body = state.store.get().scenario_text(h)
        disposition = f'attachment; filename="scenario-{h[:12]}.txt"'
        return PlainTextResponse(body, headers={"Content-Disposition": disposition})

    @app.get("/scenarios/{h}/brief")
    def brief(h: str) -> Response:
        return _brief(state, _a._checked_id(h, "scenario"))

    @app.get("/revisions")
    def revisions(request: Request, a: str = "", b: str = "") -> Response:
        from detente.store._diff import _scenario_changes  # the run store's own comparison

        sa = state.scenario(_a._checked_id(a, "scenario"))
        sb = state.scenario(_a._checked_id(b, "scenario"))
        changes = _scenario_changes(sa, sb)
        return state.page(
            request,
            "compare.html",
            heading=f"{sa.name} ({a[:8]}) against {sb.name} ({b[:8]})",
            summary=f"{len(changes)} value(s) differ (capabilities; positions, saliences and "
            "reservations)",
            columns=["what", "actor", "issue", "A", "B"],
            rows=[[c.field, c.actor, c.issue or None, c.a, c.b] for c in changes],
        )


def _edit(request: Request, state: _a._App, h: str, form: Any) -> Response:
    """Store the edited table as a new version (or show where it is wrong)."""
    from fastapi.responses import RedirectResponse

    from detente.scenario.io.native import dump_yaml
    from detente.web._scenarios import apply_edits

    scenario = state.scenario(h)
    try:
        edited = apply_edits(scenario, form, f"edit of {scenario.name}")
    except ScenarioError as e:
        return scenario_page(request, state, h, status=422, error=e)
    new = state.store_scenario(dump_yaml(edited), edited, "yaml")
    if new == h:
        return scenario_page(request, state, h, notice="nothing changed")
    return RedirectResponse(f"/scenarios/{new}?from={h}", status_code=303)


def _launch(request: Request, state: _a._App, h: str, form: Any) -> Response:
    """Queue the run the form asks for; its job page (or JSON with the job id)."""
    from fastapi.responses import JSONResponse, RedirectResponse

    scenario = state.scenario(h)  # 404 before anything is queued
    kind = str(form.get("kind", ""))
    models = [str(m) for m in form.getlist("model")]
    try:
        spec = check_request(kind, form, models)
        check_cost(scenario, spec, f"scenario {h[:12]}")
    except ScenarioError as e:
        return scenario_page(request, state, h, status=400, error=e)
    try:
        job = state.jobs.submit(spec, h)
    except QueueFull as e:
        raise _a._Http(429, f"too many runs waiting: {e}") from None
    if _wants_json(request):
        return JSONResponse({"job": job.id, "seed": spec.seed}, status_code=202)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def _brief(state: _a._App, h: str) -> Response:
    """The one-page brief as an HTML download (:func:`detente.report.brief.render_brief`)."""
    from fastapi.responses import HTMLResponse

    from detente.report.brief import render_brief
    from detente.web._compute import PLOT_LOCK

    scenario = state.scenario(h)

    with PLOT_LOCK:  # the brief draws with pyplot, which is not thread-safe
        html = render_brief(scenario)
    headers = {
        "Content-Disposition": f'attachment; filename="brief-{h[:12]}.html"',
        "Content-Security-Policy": _BRIEF_CSP,
    }
    return HTMLResponse(html, headers=headers)


def _run_routes(app: FastAPI, state: _a._App) -> None:  # long: one small function per route
    from fastapi.responses import JSONResponse, Response

    @app.get("/jobs/{job_id}")
    def job(request: Request, job_id: str) -> Response:
        j = state.jobs.get(_a._checked_id(job_id, "job"))
        if j is None:
            raise _a._Http(404, "no such job (jobs are forgotten when the server restarts)")
        if _wants_json(request):
            return JSONResponse({"state": j.state, "run": j.run_id, "error": j.error})
        if request.headers.get("hx-request"):
            return state.page(request, "job_fragment.html", job=j)
        name = state.scenario(j.scenario_hash).name
        return state.page(request, "job.html", job=j, scenario_name=name)

    @app.get("/runs")
    def runs(request: Request) -> Response:
        return state.page(request, "runs.html", runs=state.store.get().list_runs(limit=200))

    @app.get("/runs/{run_id}")
    def run(request: Request, run_id: str) -> Response:
        key = _a._run_key(run_id)
        record = state.run_record(key)
        results = list(record.results.items())
        h = record.scenario_hash
        names = {i.id: i.name for i in state.scenario(h).issues} if h else {}
        return state.page(
            request,
            "run.html",
            run_id=run_id,
            meta=record,
            fields=_a._record_fields(record),
            chartable=spec_from_record(record) is not None,
            table=_a._forecast_table(results, names),
            results=[(k, _a._payload_text(p)) for k, p in results],
        )

    @app.get("/runs/{run_id}/chart.{fmt}")
    def run_chart(run_id: str, fmt: str) -> Response:
        if fmt not in ("png", "svg"):
            raise _a._Http(404, "charts are .png or .svg")
        data = state.run_chart(_a._run_key(run_id), fmt)
        media = "image/png" if fmt == "png" else "image/svg+xml"
        return Response(data, media_type=media)

    @app.get("/compare")
    def compare(request: Request, a: str = "", b: str = "") -> Response:
        ka, kb = _a._run_key(a), _a._run_key(b)
        state.run_record(ka)
        state.run_record(kb)
        diff = state.store.get().diff(ka, kb)
        df = diff.to_df()
        return state.page(
            request,
            "compare.html",
            heading=f"Run {a} against run {b}",
            summary=diff.summary(),
            columns=[str(c) for c in df.columns],
            rows=df.astype(object).where(df.notna(), None).values.tolist(),
        )


def _login_routes(app: FastAPI, state: _a._App) -> None:
    from fastapi.responses import RedirectResponse

    @app.get("/login")
    def login_form(request: Request) -> Response:
        if state.token is None:
            return RedirectResponse("/scenarios", status_code=303)
        return state.page(request, "login.html")

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await _a._form(request)
        given = form.get("token")
        if not isinstance(given, str) or not _a._token_ok(state, given):
            return state.page(request, "login.html", 401, error="wrong token")
        out = RedirectResponse("/scenarios", status_code=303)
        value = request.scope["state"]["login_value"]
        out.set_cookie("detente_token", value, httponly=True, samesite="strict", path="/")
        return out

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        await _a._form(request)
        out = RedirectResponse("/login", status_code=303)
        out.delete_cookie("detente_token", path="/")
        return out
