"""The organisation's own pages, linked from the footer of every page: its legal notice
(``/legal``), its personal-data policy (``/privacy``) and its accessibility statement
(``/accessibility``), as its administrators write them on the organisation page
(``org.texts``, in Markdown).

What the platform itself knows is added to them: the privacy page states the retention
periods the organisation set, and the accessibility statement its RGAA conformity (from
the audit behind it) and what the project's automated accessibility tests check
(:mod:`web.accessibility_checks`).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from core.services import branding
from web.accessibility_checks import CHECKS
from web.dependencies import CurrentOrg
from web.templating import render


def _text(org: Any, key: str) -> str:
    return str((org.texts or {}).get(key) or "")


@get("/legal", include_in_schema=False, sync_to_thread=False)
def legal_notice(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[str]:
    return render(request, "organisation/legal.html", text=_text(org, "legal_notice"))


@get("/privacy", include_in_schema=False, sync_to_thread=False)
def privacy_policy(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[str]:
    return render(
        request,
        "organisation/privacy.html",
        text=_text(org, "privacy"),
        retention=branding.options_of(org).retention,
    )


@get("/accessibility", include_in_schema=False, sync_to_thread=False)
def accessibility_statement(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[str]:
    return render(
        request,
        "organisation/accessibility.html",
        text=_text(org, "accessibility"),
        status=branding.options_of(org).accessibility,
        checks=CHECKS,
    )
