"""The dashboard's FastAPI application (:func:`create_app`): pages over the run store.

Pages
-----
``GET /scenarios``                 stored scenarios; the upload form; compare two versions
``POST /scenarios``                upload and validate (multipart field ``file``)
``GET /scenarios/{hash}``          the scenario: positions and saliences with their sources
                                   (editable), the run forms, its runs, the brief
``POST /scenarios/{hash}/edit``    the edited table, validated, stored as a new version
``POST /scenarios/{hash}/runs``    launch a forecast, analysis, ensemble or simulation
``GET /scenarios/{hash}/text``     the scenario as stored
``GET /scenarios/{hash}/brief``    the one-page brief (HTML download)
``GET /jobs/{id}``                 a run in progress (the page polls it with HTMX)
``GET /runs``, ``/runs/{id}``      recorded runs; one run with its chart and results
``GET /runs/{id}/chart.{png,svg}`` the run's chart, drawn by the result's ``plot``
``GET /compare?a=&b=``             two runs compared (``store.diff``)
``GET /revisions?a=&b=``           two scenario versions compared (positions, saliences)
``GET|POST /login``, ``POST /logout``  the access token, when one is set
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.scenario.errors import ScenarioError
from detente.web._compute import (
    KINDS,
    chart,
    compute,
    spec_from_record,
)
from detente.web._jobs import JobTable
from detente.web._scenarios import (
    load_text,
)
from detente.web._security import CsrfError, Guard, _TooLarge, check_csrf, same
from detente.web._store import StoreAccess

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.datastructures import FormData
    from starlette.responses import Response

    from detente.scenario.schema import Scenario
    from detente.store import RunRecord

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "create_app"]

#: The default upload limit (bytes).
DEFAULT_MAX_UPLOAD_BYTES = 5_000_000

_HERE = Path(__file__).parent
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


class _Http(Exception):
    """A page to answer with instead of the normal one (status and message)."""

    def __init__(self, status: int, message: str, error: ScenarioError | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.error = status, message, error


def _checked_id(value: str, what: str) -> str:
    if not value or len(value) > 128 or not set(value) <= _ID_CHARS:
        raise _Http(404, f"no such {what}")
    return value


def _run_key(value: str) -> str:
    """A run id (or a unique prefix of one) as the store takes it."""
    return _checked_id(value, "run")


def _err_view(e: ScenarioError) -> dict[str, Any]:
    value = None if e.value is ... else str(e.value)[:200]
    return {
        "path": e.path,
        "line": e.line,
        "field": e.field,
        "message": e.message,
        "value": value,
        "allowed": e.allowed,
    }


class _App:
    """The state behind the routes: the store, the jobs, the caches, the templates."""

    def __init__(self, store_path: Path, token: str | None, max_bytes: int, workers: int) -> None:
        import jinja2
        from fastapi.templating import Jinja2Templates

        self.store = StoreAccess(store_path)
        self.token = token
        self.max_bytes = max_bytes
        self.jobs = JobTable(self.scenario, self.store.get, workers=workers)
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(_HERE / "templates"),
            autoescape=True,
            undefined=jinja2.ChainableUndefined,
        )
        self.templates = Jinja2Templates(env=env)
        self._scenarios: OrderedDict[str, Scenario] = OrderedDict()
        self.charts: OrderedDict[tuple[Any, str], bytes] = OrderedDict()

    # pages -------------------------------------------------------------------------------
    def page(self, request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
        """A template rendered with the session's CSRF token and the common context."""
        ctx.setdefault("error", None)
        ctx.setdefault("error_obj", None)
        ctx.setdefault("notice", None)
        state = request.scope.get("state", {})
        ctx.update(csrf=state.get("csrf", ""), token_on=self.token is not None)
        return self.templates.TemplateResponse(request, name, ctx, status_code=status)

    def error_page(self, request: Request, exc: _Http) -> Response:
        return self.page(
            request,
            "error.html",
            exc.status,
            error=exc.message,
            error_obj=None if exc.error is None else _err_view(exc.error),
        )

    # scenarios ---------------------------------------------------------------------------
    def scenario(self, h: str) -> Scenario:
        """A stored scenario, parsed (cached: a hash names one content)."""
        if h in self._scenarios:
            return self._scenarios[h]
        from detente.store import StoreError, scenario_hash

        store = self.store.get()
        try:
            text = store.scenario_text(h)
        except StoreError:
            raise _Http(404, "no such scenario in the store") from None
        fmt = store.scenario_fmt(scenario_hash(text))  # h may be a prefix; the text names it
        try:
            scenario = load_text(text, fmt, f"scenario {h[:12]}")
        except ScenarioError as e:  # stored by another version of detente, say
            raise _Http(422, "the stored scenario cannot be read", error=e) from None
        self._scenarios[h] = scenario
        while len(self._scenarios) > 64:
            self._scenarios.popitem(last=False)
        return scenario

    def store_scenario(self, text: str, scenario: Scenario, fmt: str) -> str:
        return self.store.get().add_scenario(
            text, name=scenario.name, fmt=fmt, as_of=scenario.as_of
        )

    # runs --------------------------------------------------------------------------------
    def run_record(self, key: str) -> RunRecord:
        from detente.store import StoreError

        try:
            return self.store.get().get_run(key)
        except StoreError as e:
            raise _Http(404, f"no such run in the store ({e.message})") from None

    def run_chart(self, key: Any, fmt: str) -> bytes:
        """A run's chart: cached, else drawn from the result in memory, else computed again
        from the store (scenario, options and seed)."""
        if (key, fmt) in self.charts:
            return self.charts[(key, fmt)]
        run = self.run_record(key)
        spec = spec_from_record(run)
        if spec is None:
            raise _Http(404, _no_chart(run))
        scenario = self.scenario(str(run.scenario_hash))
        result = self.jobs.cached(run.id)
        if result is None:
            result = compute(scenario, spec)
            self.jobs.remember(run.id, result)
        data = chart(scenario, spec, result, fmt)
        self.charts[(key, fmt)] = data
        while len(self.charts) > 64:
            self.charts.popitem(last=False)
        return data


def _no_chart(run: RunRecord) -> str:
    """Why the dashboard cannot draw a stored run's chart (:func:`spec_from_record`)."""
    if run.command not in KINDS:
        return f"no chart for a {run.command or 'unknown'} run"
    if run.seed is None:
        return "no chart: the run recorded no seed to compute it again"
    return (
        "no chart: the run was made with options the dashboard does not set "
        "(see its parameters); draw it with the command that made it (--plot)"
    )


def _record_fields(run: RunRecord) -> list[tuple[str, str]]:
    """A run record's own fields (not its results), as text."""
    import dataclasses

    items = [(f.name, getattr(run, f.name)) for f in dataclasses.fields(run) if f.name != "results"]
    return [(k, v if isinstance(v, str) else json.dumps(v, default=str)) for k, v in items]


def _forecast_table(
    results: list[tuple[str, Any]], names: dict[str, str] | None = None
) -> dict[str, Any] | None:
    """Forecasts per issue (rows, by ``names`` where given) and model (columns) from stored
    forecast payloads."""
    fc = [p for k, p in results if k.startswith("forecast") and isinstance(p, dict)]
    if not fc:
        return None
    issues = [str(i) for i in fc[0].get("issues", [])]
    rows = []
    for j, issue in enumerate(issues):
        values = []
        for p in fc:
            v = p.get("forecast", [])
            values.append(f"{v[j]:.1f}" if j < len(v) and isinstance(v[j], int | float) else "")
        rows.append({"issue": (names or {}).get(issue, issue), "values": values})
    return {"models": [str(p.get("model", "")) for p in fc], "rows": rows}


def _payload_text(payload: Any) -> str:
    text = json.dumps(payload, indent=1, default=str)
    return text if len(text) <= 20_000 else text[:20_000] + "\n... (cut: see `detente runs show`)"


async def _form(request: Request) -> FormData:
    """The POST body as a form, after the CSRF check (403 without the session's token)."""
    try:
        form = await request.form()
    except _TooLarge:
        raise  # the guard answers 413
    except Exception:  # not form data at all (a JSON body, a broken multipart)
        raise _Http(400, "the request is not a form (multipart or url-encoded)") from None
    try:
        check_csrf(request.scope, form, request.headers)
    except CsrfError:
        raise _Http(403, "refused: the form has no valid CSRF token; reload the page") from None
    return form


def create_app(
    store_path: str | Path | None = None,
    *,
    token: str | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    workers: int = 1,
) -> FastAPI:
    """The dashboard as an ASGI application.

    Parameters
    ----------
    store_path : str or Path, optional
        The run store (default: :func:`detente.store.default_store_path`, which honours
        ``DETENTE_STORE``).
    token : str, optional
        An access token every request must carry (header, or the cookie the login page
        sets); none by default.
    max_upload_bytes : int
        Largest request body accepted (larger: 413).
    workers : int
        Threads running the launched jobs.

    Steps: resolve the store; build the state (store per thread, job table, templates);
    add the routes; wrap the app in the guard (token, session, CSRF origin checks, size
    limit, security headers).
    """
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    if store_path is None:
        from detente.store import default_store_path

        store_path = default_store_path()
    state = _App(Path(store_path), token, max_upload_bytes, workers)
    app = FastAPI(
        title="detente",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=_lifespan(state),
    )
    app.state.detente = state
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    from detente.web._routes import add_routes

    add_routes(app, state)
    app.add_middleware(
        Guard, token=token, max_bytes=max_upload_bytes, secret=secrets.token_bytes(32)
    )
    return app


def _lifespan(state: _App) -> Callable[[Any], AbstractAsyncContextManager[None]]:
    """Stop the job worker when the server stops (the running job finishes first)."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        state.jobs.shutdown()
        state.store.close()

    return lifespan


def _token_ok(state: _App, given: str) -> bool:
    return state.token is not None and same(given, state.token)
