"""Bad input refused at the edge, before a handler or a query sees it.

The database cannot hold everything a request can carry: PostgreSQL's ``INTEGER`` stops
at 2³¹ - 1 and its text refuses the NUL character (U+0000). Checked here once for every
route, the core's own and the plugins', rather than handler by handler:

- a malformed ``Host`` header: 400 (the organisation cannot be known);
- NUL anywhere in a header, the path, the query string, a JSON body (keys and values) or
  a form (fields and file names): 422 ``validation``;
- an integer path parameter (always an id here) outside 1..2³¹ - 1: 404 ``not_found``,
  as any unknown id;
- an integer query parameter of the handler, or any integer of a JSON body, outside
  the ``INTEGER`` range: 422 ``validation``.

The API answers these with its error body, the pages with a readable error page
(``web.errors``). The router's own answers (an unknown path, a wrong method) do not pass
through the middleware: ``web.errors`` checks the Host header for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from core.db_range import INT_MAX, INT_MIN, in_range, may_be_id
from core.errors import DomainError, NotFound, ValidationFailed

#: A host name or an IPv4 address, or an IPv6 address in brackets, then maybe a port.
HOST = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?"
    r"|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NUL_DETAIL = "Caractère nul (U+0000) refusé."
RANGE_DETAIL = f"nombre entier hors limites ({INT_MIN}..{INT_MAX})."
UNKNOWN_DETAIL = "Introuvable."


class BadHost(DomainError):
    status_code = 400
    code = "validation"

    def __init__(self) -> None:
        super().__init__("En-tête Host invalide.")


def host_is_valid(host: str | None) -> bool:
    """Whether a Host header can name an organisation (absent: the default one)."""
    if host is None:
        return True
    match = HOST.fullmatch(host)
    return match is not None and int(match["port"] or 0) <= 65535


def request_host(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return value.decode("latin-1")
    return None


def refuse_bad_json(value: Any, where: str = "body") -> None:
    """Raises :class:`ValidationFailed` at the first NUL or out-of-range integer."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationFailed(f"{where}: {NUL_DETAIL}")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not in_range(value):
            raise ValidationFailed(f"{where}: {RANGE_DETAIL}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_bad_json(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_bad_json(key, where)
            refuse_bad_json(item, f"{where}.{key}")


def _refuse_nul_in_form(items: Iterable[tuple[str, Any]]) -> None:
    for key, value in items:
        if "\x00" in key:
            raise ValidationFailed(NUL_DETAIL)
        text = value.filename if isinstance(value, UploadFile) else value
        if isinstance(text, str) and "\x00" in text:
            raise ValidationFailed(f"{key}: {NUL_DETAIL}")


def _int_query_parameters(scope: Scope) -> dict[str, str]:
    """The query parameters that the route's handler reads as integers: alias → name."""
    handler = scope.get("route_handler")
    signature = getattr(handler, "parsed_fn_signature", None)
    if signature is None:
        return {}
    found: dict[str, str] = {}
    for name, field in signature.parameters.items():
        kwarg = field.kwarg_definition
        if getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None):
            continue
        if name in scope.get("path_params", {}) or name in ("data", "request", "scope"):
            continue
        if field.is_subclass_of(int) and not field.is_subclass_of(bool):
            found[getattr(kwarg, "query", None) or name] = name
    return found


def check_address(scope: Scope) -> None:
    """Host, headers, path and query string; ids in the path."""
    if not host_is_valid(request_host(scope)):
        raise BadHost()
    for _, header in scope.get("headers", ()):
        if b"\x00" in header:
            raise ValidationFailed(f"En-tête : {NUL_DETAIL}")
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("raw_path", b"").lower():
        raise ValidationFailed(NUL_DETAIL)
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in unquote_to_bytes(query):
        raise ValidationFailed(NUL_DETAIL)
    for param in scope.get("path_params", {}).values():
        if isinstance(param, int) and not isinstance(param, bool) and not may_be_id(param):
            raise NotFound(UNKNOWN_DETAIL)
    integers = _int_query_parameters(scope) if query else {}
    for key, text in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key not in integers:
            continue
        try:
            number = int(text)
        except ValueError:
            continue  # the handler's own validation says what is wrong
        if not in_range(number):
            raise ValidationFailed(f"{key}: {RANGE_DETAIL}")


async def check_body(request: Request[Any, Any, Any]) -> list[UploadFile]:
    """A JSON body or a form, read once here and kept for the handler. Returns the files
    of a form, which the caller closes once the response is sent (a handler refused by a
    guard never reads them)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        items = list((await request.form()).multi_items())
        files = [value for _, value in items if isinstance(value, UploadFile)]
        try:
            _refuse_nul_in_form(items)
        except ValidationFailed:
            await _close(files)
            raise
        return files
    # Whatever its Content-Type says, a body that is JSON is read as such by the API.
    body = await request.body()
    try:
        decoded = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        return []  # not JSON: the handler answers it as such
    refuse_bad_json(decoded)
    return []


async def _close(files: list[UploadFile]) -> None:
    for upload in files:
        await upload.close()


class InputGuard(ASGIMiddleware):
    """Applies :func:`check_address` and :func:`check_body` to every HTTP request."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        check_address(scope)
        if scope.get("method") not in BODY_METHODS:
            await next_app(scope, receive, send)
            return
        files = await check_body(Request(scope, receive))
        try:
            await next_app(scope, receive, send)
        finally:
            await _close(files)
