"""Jinja2 templates: organisation theme, then plugins' folders, then the core's.

A template that overrides another can extend the original as ``default:NAME`` (the core's
version), which keeps overrides short. Between plugins the one registered last wins;
autoescaping is always on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    select_autoescape,
)
from litestar import MediaType, Request, Response

from core.models import Dialogue
from web import bot_checks, csrf, i18n, template_helpers

CORE_TEMPLATES = Path(__file__).parent / "templates"


def make_environment(plugin_dirs: Sequence[Path], theme_dirs: Sequence[Path] = ()) -> Environment:
    loaders: list[BaseLoader] = [
        *(FileSystemLoader(str(folder)) for folder in theme_dirs),
        *(FileSystemLoader(str(folder)) for folder in plugin_dirs),
        FileSystemLoader(str(CORE_TEMPLATES)),
        PrefixLoader({"default": FileSystemLoader(str(CORE_TEMPLATES))}, delimiter=":"),
    ]
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        enable_async=False,
    )
    template_helpers.install(environment)
    csrf.install(environment)
    bot_checks.install(environment)
    return environment


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """Renders ``template`` with the request's organisation and actor in the context, and
    the variables plugins add (``template_context``)."""
    app_context = request.app.state.context
    state = request.scope.get("state", {})
    languages = i18n.page_context(request, state.get("org"))
    variables = {
        "request": request,
        "org": state.get("org"),
        "actor": state.get("actor"),
        "unread_notifications": state.get("unread_notifications", 0),
        "settings": app_context.settings,
        "csrf_token": csrf.LazyToken(request),
        **languages,
        **context,
    }
    dialogue = page_dialogue(context)
    preview = previewed_draft(request, dialogue)
    variables["draft_preview"] = preview
    extra = app_context.plugins.template_context(template, MappingProxyType(variables), dialogue)
    page = app_context.templates.get_template(template).render({**extra, **variables})
    headers = {
        "Content-Language": languages["lang"],
        "Vary": "Accept-Language, Cookie",
        **(headers or {}),
    }
    if preview is not None:  # a staff member's preview: no cache may keep it
        headers["Cache-Control"] = "no-store"
    return Response(page, status_code=status_code, headers=headers, media_type=MediaType.HTML)


def previewed_draft(request: Request[Any, Any, Any], dialogue: Dialogue | None) -> Dialogue | None:
    """The draft a public page shows to its organisation's staff as a preview (the pages
    say so with a banner), or ``None``; the back office's pages are no preview."""
    if dialogue is None or dialogue.published_at is not None:
        return None
    if request.url.path.startswith("/admin"):
        return None
    return dialogue


def page_dialogue(context: Mapping[str, Any]) -> Dialogue | None:
    """The dialogue a page is about: its ``dialogue`` (the back office), else its
    frame's (the public pages, :func:`web.pages.context.dialogue_frame`)."""
    frame = context.get("frame")
    for candidate in (
        context.get("dialogue"),
        frame.get("dialogue") if isinstance(frame, Mapping) else None,
    ):
        if isinstance(candidate, Dialogue):
            return candidate
    return None


def render_error_page(
    request: Request[Any, Any, Any],
    status_code: int,
    detail: str,
    code: str,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    try:
        return render(
            request,
            "error.html",
            status_code=status_code,
            headers=headers,
            status=status_code,
            detail=detail,
            code=code,
        )
    except Exception:  # the error page itself must never fail
        return Response(
            f"{status_code} — {detail}",
            status_code=status_code,
            headers=headers,
            media_type=MediaType.TEXT,
        )
