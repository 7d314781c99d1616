"""Every error answers ``{"status_code", "detail", "code"}`` on the API, and a readable
page elsewhere. Bad input never becomes a 500."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from core.errors import DomainError

log = logging.getLogger("participe.web")

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


def wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith("/api/"):
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
    if wants_json(request):
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


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "Internal server error", "internal"
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
