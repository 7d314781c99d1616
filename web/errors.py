"""Every error answers ``{"status_code", "detail", "code"}`` on the API, and a readable
page elsewhere. Bad input never becomes a 500."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import ConfigurationError, DomainError
from web import labels
from web.input_guard import BadHost, host_is_valid
from web.refusals import api_detail

log = logging.getLogger("participe.web")
#: Seconds a client is told to wait while the database cannot be reached.
RETRY_AFTER_SECONDS = 5

HTTP_CODES = {
    400: "validation",
    401: "auth.required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation",
    429: "rate_limited",
}

#: Codes of the answers this module writes itself.
OWN_CODES = frozenset({"internal", "unavailable", "error"})


def check_plugin_codes(codes: Iterable[str]) -> None:
    """Refuses plugins' refusal messages (``error_messages``) for a code the core answers
    with: a plugin adds messages, it does not change what the core's codes mean."""
    core = set(labels.ERRORS) | set(HTTP_CODES.values()) | OWN_CODES
    taken = sorted(set(codes) & core)
    if taken:
        raise ConfigurationError(
            f"error_messages: the core already uses the code(s) {', '.join(taken)}"
        )


def wants_json(request: Request[Any, Any, Any]) -> bool:
    # The scope's path, not ``request.url``: a malformed Host header breaks the latter.
    if request.scope["path"].startswith("/api/"):
        return True
    return "application/json" in request.headers.get("accept", "")


def error_response(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str,
    code: str,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[Any]:
    if not host_is_valid(request.headers.get("host")):
        # The router's own answers (an unknown path, a wrong method) come here without
        # passing through the input guard: a page cannot be rendered for no organisation.
        status_code, detail, code, extra = 400, BadHost().detail, BadHost.code, None
    if wants_json(request):
        detail, extra = api_detail(request, code, detail, extra)
        body: dict[str, Any] = {"status_code": status_code, "detail": detail, "code": code}
        if extra:
            body.update(extra)
        return Response(body, status_code=status_code, headers=headers, media_type=MediaType.JSON)
    from web.templating import render_error_page

    return render_error_page(request, status_code, detail, code, headers)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    return error_response(request, exc.status_code, exc.detail, exc.code, extra=exc.extra or None)


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    detail = exc.detail
    code = HTTP_CODES.get(status, "error")
    if isinstance(exc, ValidationException):
        code = "validation"
        if exc.extra:
            details = "; ".join(
                f"{item.get('key') or 'body'}: {item.get('message')}"
                for item in exc.extra
                if isinstance(item, dict)
            )
            if details:
                detail = details
    code = getattr(exc, "code", None) or code
    return error_response(request, status, detail, code, headers=exc.headers)


def database_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database cannot be reached (down, restarting, out of connections, locked for
    longer than the busy timeout): 503 with ``Retry-After``, and the request can be sent
    again. The pool replaces broken connections, so the app recovers by itself."""
    log.warning(
        "database unavailable on %s %s: %s",
        request.method,
        request.scope["path"],
        str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
    )
    return error_response(
        request,
        HTTP_503_SERVICE_UNAVAILABLE,
        "Le service est momentanément indisponible ; réessayez dans quelques instants.",
        "unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.scope["path"], exc_info=exc)
    return error_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "Erreur interne du serveur.", "internal"
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    OperationalError: database_unavailable_handler,
    InterfaceError: database_unavailable_handler,
    DisconnectionError: database_unavailable_handler,
    PoolTimeout: database_unavailable_handler,
    Exception: internal_error_handler,
}
