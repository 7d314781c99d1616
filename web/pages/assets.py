"""What the pages load besides themselves: the organisation's theme as a style sheet,
uploaded media, Leaflet (served by the app, no CDN), and the language switch."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.params import FromPath
from litestar.response import File, Redirect
from litestar.static_files import create_static_files_router

from core import uploads
from core.errors import NotFound
from web.dependencies import CurrentOrg
from web.i18n import COOKIE, org_languages
from web.icons import favicon, icon_version, touch_icon
from web.pages.context import safe_next
from web.state import AppContext
from web.theme import contrast, luminance, theme_css, theme_version

__all__ = ["contrast", "luminance", "theme_css"]


@get("/theme.css", include_in_schema=False, sync_to_thread=False)
def theme_stylesheet(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[str]:
    """The theme's style sheet. The pages ask for it with its version in the address
    (``?v=``, :func:`web.theme.theme_url`): that address never changes content, so it is
    kept a year; a change of theme gives the pages a new address at once. Any other
    address of it (an old version, none) is kept five minutes."""
    css = theme_css(org)
    etag = theme_version(css)
    current = request.query_params.get("v") == etag
    cache = "public, max-age=31536000, immutable" if current else "public, max-age=300"
    headers = {"Cache-Control": cache, "ETag": f'"{etag}"'}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response("", status_code=304, headers=headers, media_type="text/css")
    return Response(css, headers=headers, media_type="text/css")


def _icon(
    request: Request[Any, Any, Any], org: CurrentOrg, body: bytes, kind: str
) -> Response[bytes]:
    """An icon of ``org``: kept a year at the versioned address the pages link
    (``?v=``), a day at the bare one browsers also ask for."""
    current = request.query_params.get("v") == icon_version(org)
    cache = "public, max-age=31536000, immutable" if current else "public, max-age=86400"
    return Response(body, media_type=kind, headers={"Cache-Control": cache})


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon_file(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[bytes]:
    """The browser tab's icon, made from the organisation's logo (:mod:`web.icons`)."""
    context: AppContext = request.app.state.context
    return _icon(request, org, favicon(org, context.settings.upload_dir), "image/x-icon")


@get("/apple-touch-icon.png", include_in_schema=False, sync_to_thread=False)
def touch_icon_file(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[bytes]:
    """The home screen's icon, made from the organisation's logo (:mod:`web.icons`)."""
    context: AppContext = request.app.state.context
    return _icon(request, org, touch_icon(org, context.settings.upload_dir), "image/png")


@get("/media/{name:str}", include_in_schema=False)
async def media_file(request: Request[Any, Any, Any], name: FromPath[str]) -> File:
    """An uploaded file. Images are shown inline; other files are downloaded, and none
    can run as a page of ours (``nosniff``, a sandboxing policy). An image's narrower
    size is made on the first request where it was stored before sizes were made."""
    context: AppContext = request.app.state.context
    path = await anyio.to_thread.run_sync(uploads.sized_path, context.settings.upload_dir, name)
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
