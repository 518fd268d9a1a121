"""The browser dashboard over the run store (FastAPI + Jinja2 + HTMX; extra ``detente[web]``).

``detente serve`` starts it; :func:`create_app` builds the ASGI application (for tests, or to
mount it in another server). Nothing is imported until it is called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["INSTALL_HINT", "create_app"]

#: What to run when the web extra is missing.
INSTALL_HINT = "the dashboard needs the web extra: pip install 'detente[web]'"


def create_app(
    store_path: str | Path | None = None,
    *,
    token: str | None = None,
    max_upload_bytes: int = 5_000_000,
    workers: int = 1,
) -> FastAPI:
    """The dashboard application; see :func:`detente.web.app.create_app`."""
    from detente.web.app import create_app as _create

    return _create(store_path, token=token, max_upload_bytes=max_upload_bytes, workers=workers)
