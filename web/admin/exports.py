"""Back office: a dialogue's exports. The staff member picks what and in which format,
and gets a signed download link that works only for them and expires (the organisation
sets how long, ``options["retention"]["exports_days"]``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Stream
from sqlalchemy import select

from core import signed_links
from core.db import utcnow
from core.errors import NotFound
from core.models import Dialogue
from core.services import branding
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormErrors, FormValues
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs
from web.api.exports import export_stream
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep, app_context
from web.labels import N_


class ExportPages(Controller):
    path = "/admin"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/dialogues/{slug:str}/exports")
    async def exports(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return self._page(request, plugins, dialogue, None, {})

    def _page(
        self,
        request: Request[Any, Any, Any],
        plugins: Any,
        dialogue: Dialogue,
        link: dict[str, Any] | None,
        errors: dict[str, str],
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/dialogue_exports.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=N_("Exports"),
            page_subject=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/exports"),
            datasets=[(d.id, d.title) for d in plugins.export_datasets if d.applies_to(dialogue)],
            formats=[(f.id, f.title) for f in plugins.export_formats],
            link=link,
            errors=errors,
        )

    @post("/dialogues/{slug:str}/exports")
    async def make_link(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[str]:
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        what, format = form.get("what"), form.get("format")
        errors: dict[str, str] = {}
        if plugins.export_dataset_for(what, dialogue) is None:
            errors["what"] = N_("Choisissez les données à exporter.")
        if format not in plugins.export_formats:
            errors["format"] = N_("Choisissez un format.")
        if errors:
            return self._page(request, plugins, dialogue, None, FormErrors(errors).fields)
        assert actor is not None  # the guard let a staff member in
        days = branding.options_of(org).retention.exports_days
        expires = utcnow() + timedelta(days=days)
        token = signed_links.sign(
            app_context(request).settings.secret_key,
            signed_links.ExportLink(
                user_id=actor.id,
                organisation_id=org.id,
                dialogue_id=dialogue.id,
                what=what,
                format=format,
                expires_at=int(expires.timestamp()),
            ),
        )
        link = {
            "url": f"/admin/exports/{token}",
            "expires_at": expires,
            "title": plugins.export_datasets[what].title,
            "format": plugins.export_formats[format].title,
        }
        return self._page(request, plugins, dialogue, link, {})

    @get("/exports/{token:str}")
    async def download(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        token: FromPath[str],
    ) -> Stream:
        assert actor is not None  # the guard let a staff member in
        link = signed_links.verify(
            app_context(request).settings.secret_key, token, now=utcnow(), user_id=actor.id
        )
        if link.organisation_id != org.id:
            raise signed_links.LinkRefused("Ce lien de téléchargement n'est pas valide.")
        dialogue = await db_session.scalar(
            select(Dialogue).where(
                Dialogue.id == link.dialogue_id, Dialogue.organisation_id == org.id
            )
        )
        if dialogue is None:
            raise NotFound("démarche introuvable")
        return await export_stream(
            request, db_session, plugins, org, dialogue, link.what, link.format, actor
        )
