"""What the pages load besides themselves: the organisation's theme as a style sheet,
uploaded media, Leaflet (served by the app, no CDN), and the language switch."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import File, Redirect
from litestar.static_files import create_static_files_router

from core import uploads
from core.errors import NotFound
from core.models import Organisation
from core.services import branding
from web.dependencies import CurrentOrg
from web.i18n import COOKIE, org_languages
from web.pages.context import safe_next
from web.state import AppContext

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
DEFAULT_PRIMARY = "#000091"


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    red, green, blue = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return red, green, blue


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.1) of a ``#rrggbb`` colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _darken(colour: str, factor: float) -> str:
    red, green, blue = _rgb(colour)
    return "#" + "".join(f"{round(v * factor * 255):02x}" for v in (red, green, blue))


def theme_css(org: Organisation) -> str:
    """The organisation's colours as CSS custom properties. A primary colour too light to
    carry white text or to be read on white (WCAG AA, 4.5:1) is darkened until it is."""
    theme = org.theme or {}
    primary = str(theme.get("primary_color") or theme.get("primary") or DEFAULT_PRIMARY)
    if not HEX_COLOUR.match(primary):
        primary = DEFAULT_PRIMARY
    factor = 1.0
    readable = primary
    while contrast(readable, "#ffffff") < 4.5 and factor > 0.05:
        factor -= 0.05
        readable = _darken(primary, factor)
    return (
        f":root {{\n  --primary: {readable};\n  --primary-brand: {primary};\n"
        f"  --on-primary: #ffffff;\n}}\n"
    ) + branding.theme_css_extras(org)


@get("/theme.css", include_in_schema=False, sync_to_thread=False)
def theme_stylesheet(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[str]:
    css = theme_css(org)
    etag = hashlib.sha256(css.encode()).hexdigest()[:16]
    headers = {"Cache-Control": "public, max-age=300", "ETag": f'"{etag}"'}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response("", status_code=304, headers=headers, media_type="text/css")
    return Response(css, headers=headers, media_type="text/css")


@get("/media/{name:str}", include_in_schema=False)
async def media_file(request: Request[Any, Any, Any], name: FromPath[str]) -> File:
    """An uploaded file. Images are shown inline; other files are downloaded, and none
    can run as a page of ours (``nosniff``, a sandboxing policy)."""
    context: AppContext = request.app.state.context
    path = uploads.stored_path(context.settings.upload_dir, name)
    if path is None:
        raise NotFound("fichier introuvable")
    extension = name.rsplit(".", 1)[1]
    content_type = uploads.CONTENT_TYPES[extension]
    return File(
        path=path,
        filename=name,
        media_type=content_type,
        content_disposition_type="inline" if content_type.startswith("image/") else "attachment",
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )


@get("/language/{lang:str}", include_in_schema=False)
async def switch_language(
    request: Request[Any, Any, Any], org: CurrentOrg, lang: FromPath[str]
) -> Redirect:
    """Chooses the language of the pages and comes back to the page the link was on.

    Only a cookie: a GET changes nothing stored (the language of a citizen's emails is
    chosen on their account page)."""
    target = safe_next(request.query_params.get("next"))
    if lang not in org_languages(org):
        return Redirect(target, status_code=303)
    settings = request.app.state.context.settings
    return Redirect(
        target,
        status_code=303,
        cookies=[
            Cookie(
                key=COOKIE,
                value=lang,
                max_age=365 * 24 * 3600,
                path="/",
                samesite="lax",
                secure=settings.production,
                httponly=False,
            )
        ],
    )


def vendor_static_routers() -> list[Any]:
    """Leaflet and its marker clustering, served from their XStatic packages."""
    import xstatic.pkg.leaflet as leaflet
    import xstatic.pkg.leaflet_markercluster as markercluster

    return [
        create_static_files_router(
            path="/static/vendor/leaflet", directories=[leaflet.BASE_DIR], name="vendor-leaflet"
        ),
        create_static_files_router(
            path="/static/vendor/leaflet-markercluster",
            directories=[markercluster.BASE_DIR],
            name="vendor-leaflet-markercluster",
        ),
    ]
