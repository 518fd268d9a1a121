"""``detente serve``: the browser dashboard over the run store (extra ``detente[web]``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from detente.cli.app import app, fail

__all__ = ["serve_cmd"]

#: Modules the dashboard needs (the ``web`` extra).
_NEEDED = ("fastapi", "jinja2", "uvicorn", "multipart")


def missing_web_modules() -> list[str]:
    """The dashboard's modules that are not installed."""
    return [m for m in _NEEDED if importlib.util.find_spec(m) is None]


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on. Default: this machine only (127.0.0.1)."
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    store: Annotated[
        Path | None,
        typer.Option(
            "--store",
            help="The run store (SQLite file). Default: DETENTE_STORE or the per-user store.",
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="DETENTE_TOKEN",
            help="Access token every request must carry (the login page sets a cookie). "
            "Also read from DETENTE_TOKEN.",
        ),
    ] = None,
    max_upload_mb: Annotated[
        float,
        typer.Option("--max-upload-mb", min=0.001, max=1000, help="Largest upload, in MB."),
    ] = 5.0,
) -> None:
    """Start the browser dashboard: scenarios, runs, charts, compare, the brief.

    Listens on 127.0.0.1 (this machine only) unless --host is given; anyone who can reach
    the port can use the dashboard, so give --token (or DETENTE_TOKEN) before --host 0.0.0.0.

    Examples:

      detente serve

      detente serve --port 8080 --store team-runs.sqlite3 --token "$(openssl rand -hex 16)"
    """
    missing = missing_web_modules()
    if missing:
        fail(
            f"the dashboard needs the web extra (missing: {', '.join(missing)}); "
            "install it with: pip install 'detente[web]'",
            code=1,
        )
    if token is not None and (not token.strip() or len(token) < 8):
        fail("--token: too short; allowed: at least 8 characters")
    import uvicorn

    from detente.cli.app import errors
    from detente.web import create_app

    with errors():
        web = create_app(store, token=token, max_upload_bytes=int(max_upload_mb * 1_000_000))
        web.state.detente.store.get()  # a store that cannot be opened fails here, located
    where = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
    typer.echo(f"detente dashboard on {where}" + (" (log in with the token)" if token else ""))
    if host not in ("127.0.0.1", "localhost", "::1") and token is None:
        typer.echo(
            f"warning: listening on {host} without --token: anyone who reaches the port can use it",
            err=True,
        )
    uvicorn.run(web, host=host, port=port, log_level="warning")
