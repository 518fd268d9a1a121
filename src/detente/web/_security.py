"""The dashboard's guard: the access token, the session and its CSRF token, the origin
checks on state-changing requests, the upload size limit and the security headers.

One ASGI middleware (:class:`Guard`) wraps the whole app:

1. a session cookie (random, HttpOnly, SameSite=Strict) is read or made; the CSRF token of
   the session is an HMAC of it under a secret made at start-up (:func:`csrf_token`);
2. with an access token configured, every request but the login page and the static files
   must carry it (``Authorization: Bearer``, ``X-Detente-Token`` or the login cookie),
   compared in constant time; otherwise 401;
3. a POST whose ``Sec-Fetch-Site`` says another site, or whose ``Origin`` is not this
   server, is refused (403) before its body is read;
4. a body larger than the limit is refused with 413 (by ``Content-Length`` before reading,
   and by counting while reading when the length is not given);
5. every response gets the security headers (a CSP without inline scripts,
   ``frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``, referrers to this site
   only).

The CSRF token itself is checked by the POST handlers (:func:`check_csrf`), since it travels
in the form body (or the ``X-CSRF-Token`` header HTMX sends).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

__all__: list[str] = []

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "detente_session"
TOKEN_COOKIE = "detente_token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

#: Paths open without the access token (the login form and the stylesheet / HTMX).
_OPEN = ("/login", "/static/")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",  # "no-referrer" would make browsers send Origin: null
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
}


class CsrfError(Exception):
    """The form carries no CSRF token of this session, or a wrong one."""


class _TooLarge(Exception):
    pass


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two strings."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def csrf_token(secret: bytes, session: str) -> str:
    """The CSRF token of a session (an HMAC-SHA256 of the session id)."""
    return hmac.new(secret, session.encode("utf-8"), hashlib.sha256).hexdigest()


def check_csrf(
    scope: Mapping[str, Any], form: Mapping[str, Any], headers: Mapping[str, str]
) -> None:
    """Raise :class:`CsrfError` unless the form (or the ``X-CSRF-Token`` header) carries the
    session's CSRF token."""
    expected = scope.get("state", {}).get("csrf", "")
    given = form.get(CSRF_FIELD) or headers.get(CSRF_HEADER) or ""
    if not isinstance(given, str) or not expected or not same(given, expected):
        raise CsrfError("missing or wrong CSRF token")


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            try:
                jar.load(v.decode("latin-1"))
            except Exception:  # a malformed cookie header is as good as none
                continue
    return {k: m.value for k, m in jar.items()}


def _header(scope: Scope, name: bytes) -> str | None:
    for k, v in scope.get("headers", []):
        if k == name:
            return str(v.decode("latin-1"))
    return None


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = (
        "<!doctype html><meta charset=utf-8><title>detente</title>"
        f"<p>{text}</p>"  # callers escape what they interpolate
    ).encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_bytes: int, secret: bytes) -> None:
        self.app = app
        self.token = token or None
        self.max_bytes = max_bytes
        self.secret = secret
        #: The login cookie's value: an HMAC of the token (the token itself is never a cookie).
        self.login_value = csrf_token(secret, "login:" + (token or ""))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        session = cookies.get(SESSION_COOKIE, "")
        new_session = len(session) != 64 or not all(c in "0123456789abcdef" for c in session)
        if new_session:
            session = secrets.token_hex(32)
        state = scope.setdefault("state", {})
        state["csrf"] = csrf_token(self.secret, session)
        state["authed"] = self._authed(scope, cookies)
        state["login_value"] = self.login_value
        extra = list(_HEADERS.items())
        if new_session:
            cookie = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict"
            extra.append((b"set-cookie", cookie.encode()))
        path = str(scope.get("path", ""))
        if not state["authed"] and not path.startswith(_OPEN):
            await _plain(
                send,
                401,
                'access token required: <a href="/login">log in</a> '
                "(or send the header Authorization: Bearer TOKEN)",
                extra,
            )
            return
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            problem = self._cross_site(scope)
            if problem:
                await _plain(send, 403, problem, extra)
                return
            length = _header(scope, b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes:
                await _plain(send, 413, self._too_large(), extra)
                return
        await self._call(scope, receive, send, extra)

    async def _call(
        self, scope: Scope, receive: Receive, send: Send, extra: list[tuple[bytes, bytes]]
    ) -> None:
        """The app, with the headers added and the body counted against the limit."""
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message.get("type") == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def headed(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in have or k == b"set-cookie"
                ]
            await send(message)

        try:
            await self.app(scope, counted, headed)
        except _TooLarge:
            if not started:
                await _plain(send, 413, self._too_large(), extra)

    def _too_large(self) -> str:
        return (
            f"upload too large: the limit is {self.max_bytes / 1e6:g} MB "
            "(start the server with a larger --max-upload-mb to raise it)"
        )

    def _authed(self, scope: Scope, cookies: dict[str, str]) -> bool:
        if self.token is None:
            return True
        ok = same(cookies.get(TOKEN_COOKIE, ""), self.login_value)
        given = [_header(scope, b"x-detente-token") or ""]
        auth = _header(scope, b"authorization") or ""
        if auth.lower().startswith("bearer "):
            given.append(auth[7:].strip())
        for g in given:  # every candidate compared, in constant time each
            ok = same(g, self.token) or ok
        return ok

    @staticmethod
    def _cross_site(scope: Scope) -> str | None:
        """Why a state-changing request comes from another site; ``None`` when it does not."""
        site = _header(scope, b"sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return f"refused: a cross-site request (Sec-Fetch-Site: {html.escape(site)})"
        origin = _header(scope, b"origin")
        if origin is not None:
            host = _header(scope, b"host") or ""
            scheme = str(scope.get("scheme", "http"))
            if origin != f"{scheme}://{host}":
                return "refused: the request comes from another origin"
        return None
