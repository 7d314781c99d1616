"""Security headers on every response: pages, API answers, error pages, static files.

Set by a ``before_send`` hook, which sees every response the app sends, including those
of the router itself (404, 405). A header a handler set already is left as it is.

The Content-Security-Policy allows no inline script or style and nothing from another
origin; pages that need JavaScript load it from ``/static``. ``frame-ancestors`` is
``'self'``: only the embeddable view (``/embed/...``) sets a policy of its own that adds
the sites the organisation allows (``options["embedding_sites"]``), so that no other page
can be framed by another site (clickjacking). The API reference page (``/api/schema``,
third-party code) gets a looser policy of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from core.settings import Settings

#: An HTTPS origin, or a plain HTTP one on this machine (a developer's test page).
ORIGIN = re.compile(
    r"^(?:https://[a-z0-9.-]+|http://(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}))(?::\d{1,5})?$"
)

BASE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'"
)
API_REFERENCE_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' data: https://fonts.gstatic.com https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=63072000; includeSubDomains"


def frame_ancestors(sites: Iterable[Any]) -> str:
    """``'self'`` and the well-formed HTTPS origins of ``sites``; anything else (a
    value that would smuggle another directive) is dropped."""
    allowed = [site for site in sites if isinstance(site, str) and ORIGIN.match(site)]
    return " ".join(["'self'", *allowed])


def content_security_policy(scope: Scope) -> str:
    if scope.get("path", "").startswith("/api/schema"):
        return API_REFERENCE_POLICY
    return f"{BASE_POLICY}; frame-ancestors 'self'"


def security_headers(settings: Settings) -> Any:
    """The ``before_send`` hook that adds the headers."""
    fixed = {
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "permissions-policy": PERMISSIONS_POLICY,
        "cross-origin-opener-policy": "same-origin",
    }
    if settings.production:
        fixed["strict-transport-security"] = HSTS

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in fixed.items():
            if name not in headers:
                headers[name] = value
        if "content-security-policy" not in headers:
            headers["content-security-policy"] = content_security_policy(scope)

    return before_send
