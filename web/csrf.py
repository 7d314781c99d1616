"""Protection against cross-site request forgery, on every state-changing route.

How it works
    Every POST, PUT, PATCH and DELETE that a browser could send with ambient authority must
    carry a token: in the form field ``csrf_token`` or in the ``X-CSRF-Token`` header.
    The token is an HMAC (``PARTICIPE_SECRET_KEY``) of the session cookie for a signed-in
    browser, and of a random ``participe_csrf`` cookie for an anonymous one (a
    double-submit token, which protects the sign-in forms too). A missing or wrong token
    is refused with 403 and the code ``csrf.invalid``.

    Exempt: requests with an ``Authorization`` header (a bearer token is no ambient
    authority: a foreign site cannot make a browser send it), and API requests (``/api/``)
    without a session cookie, provided their body, if any, is JSON: a foreign page can
    post a form (``text/plain`` dressed as JSON included) but cannot send
    ``application/json`` without a CORS preflight, which this app never grants.

    Two marks on a handler change this, each to be justified next to it:
    ``opt={"csrf": "json"}`` for an API route that does not act with the session's
    authority (asking for a sign-in link, redeeming one), which then needs no token even
    with a session cookie, only a JSON body; ``opt={"csrf": "exempt"}`` for a callback
    that a third party posts.

In templates (every page rendered by :func:`web.templating.render`)
    Put ``{{ csrf_field() }}`` inside every ``<form method="post">``::

        <form method="post" action="/me">
          {{ csrf_field() }}
          ...
        </form>

    ``{{ csrf_token }}`` is the token itself, e.g. for
    ``<meta name="csrf-token" content="{{ csrf_token }}">`` that a script reads to send
    the ``X-CSRF-Token`` header with ``fetch``. Only templates that use one of them set
    the anonymous cookie.

In JSON API calls authenticated by the session cookie
    Send the token in the ``X-CSRF-Token`` header; ``POST /api/v1/auth/verify`` returns it
    as ``csrf_token`` beside the user.

The check is the app-wide guard :func:`csrf_guard`, so a route added later (by the core or
by a plugin) is protected without doing anything; ``tests/web/test_csrf.py`` walks every
route of the app to prove it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Message, Scope
from markupsafe import Markup, escape

from core.errors import Forbidden
from core.settings import Settings
from web.session_cookies import read_session_id

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
#: Where a request keeps an anonymous cookie value created while rendering its page.
PENDING_COOKIE = "csrf_new_cookie"


class CsrfRefused(Forbidden):
    code = "csrf.invalid"

    def __init__(self) -> None:
        super().__init__("Jeton de sécurité absent ou invalide : rechargez la page et recommencez.")


def csrf_cookie_name(settings: Settings) -> str:
    return "__Host-participe_csrf" if settings.production else "participe_csrf"


def _settings(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state.context.settings
    return settings


def make_token(secret_key: str, kind: str, basis: str) -> str:
    """The token of a session (``kind="session"``) or of an anonymous cookie."""
    digest = hmac.new(
        secret_key.encode(), f"csrf\x00{kind}\x00{basis}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(request: Request[Any, Any, Any]) -> str:
    """The token the request's forms must carry. For an anonymous browser without the
    cookie, a cookie value is made now and sent with the response."""
    settings = _settings(request)
    session_id = read_session_id(request, settings)
    if session_id:
        return make_token(settings.secret_key, "session", session_id)
    state = request.scope.setdefault("state", {})
    value = request.cookies.get(csrf_cookie_name(settings)) or state.get(PENDING_COOKIE)
    if not value:
        value = state[PENDING_COOKIE] = secrets.token_urlsafe(32)
    return make_token(settings.secret_key, "anonymous", value)


class LazyToken:
    """``{{ csrf_token }}`` in a template: computed (and the cookie made) only when used."""

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self._request = request
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = token_for(self._request)
        return self._value

    def __html__(self) -> str:
        return str(escape(str(self)))


@pass_context
def csrf_field(context: Context) -> Markup:
    """``{{ csrf_field() }}``: the hidden input that carries the token in a form."""
    token = context.get("csrf_token")
    if token is None:
        request = context.get("request")
        if not isinstance(request, Request):
            return Markup("")  # rendered outside a request: no token to give
        token = token_for(request)
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, str(token))


def install(environment: Environment) -> None:
    environment.globals["csrf_field"] = csrf_field


async def _sent_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get(HEADER)
    if header:
        return header
    content_type = connection.headers.get("content-type", "")
    if isinstance(connection, Request) and content_type.startswith(FORM_TYPES):
        value = (await connection.form()).get(FIELD)
        return value if isinstance(value, str) else ""
    return ""


def _is_json(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    media_type = connection.headers.get("content-type", "").split(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    length = connection.headers.get("content-length", "0").strip()
    return length not in ("", "0") or "transfer-encoding" in connection.headers


async def csrf_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The app-wide guard; see the module's documentation for what it requires."""
    if connection.scope["type"] != ScopeType.HTTP or connection.scope.get("method") in SAFE_METHODS:
        return
    mode = handler.opt.get("csrf")
    if mode == "exempt" or connection.headers.get("authorization"):
        return
    settings = _settings(connection)
    session_id = read_session_id(connection, settings)
    if connection.scope["path"].startswith("/api/") and (not session_id or mode == "json"):
        if _has_body(connection) and not _is_json(connection):
            raise CsrfRefused()
        return
    if session_id:
        expected = make_token(settings.secret_key, "session", session_id)
    else:
        anonymous = connection.cookies.get(csrf_cookie_name(settings))
        if not anonymous:
            raise CsrfRefused()
        expected = make_token(settings.secret_key, "anonymous", anonymous)
    sent = await _sent_token(connection)
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


def send_pending_cookie(settings: Settings) -> Any:
    """A ``before_send`` hook that sets the anonymous cookie made while rendering."""
    cookie_name = csrf_cookie_name(settings)

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        value = scope.get("state", {}).get(PENDING_COOKIE)
        if not value:
            return
        cookie = Cookie(
            key=cookie_name,
            value=value,
            path="/",
            secure=settings.production,
            httponly=True,
            samesite="lax",
        )
        MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))

    return before_send
