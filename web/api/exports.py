"""API: the back office's exports, streamed as files (staff only).

What can be exported comes from the export datasets that plugins register
(``register_export_datasets``), and how from the export formats
(``register_export_formats``); this module only joins them over HTTP.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationFailed
from core.export_datasets import ExportContext, export_file
from core.models import Dialogue, Organisation, User
from core.permissions import Action, staff_check
from core.plugin_manager import Plugins
from core.services import audit, dialogues
from web.admin.guard import staff_guard
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep, app_context


class ExportController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/export"
    guards = (staff_guard,)
    tags = ("back office",)

    @get("/")
    async def export(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        what: FromQuery[str],
        format: FromQuery[str] = "csv",
    ) -> Stream:
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        return await export_stream(
            request, db_session, plugins, org, dialogue, what, format, staff_member
        )


async def export_stream(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    dialogue: Dialogue,
    what: str,
    format: str,
    actor: User,
) -> Stream:
    """The export file of ``dataset`` ``what`` of ``dialogue`` in ``format``, streamed,
    once the download is recorded in the audit log.

    Shared by this route and the back office's signed download links
    (:mod:`web.admin.exports`); the caller has checked that ``actor`` may export."""
    if what not in plugins.export_datasets:
        raise ValidationFailed(
            f"what: unknown export {what!r} (available: {', '.join(plugins.export_datasets.ids())})"
        )
    dataset = plugins.export_dataset_for(what, dialogue)
    if dataset is None:
        raise NotFound(f"Cette démarche n'a pas de données « {what} » à exporter.")
    export_format = plugins.export_formats.get(format)
    if export_format is None:
        raise ValidationFailed(
            f"format: unknown export format {format!r} "
            f"(available: {', '.join(plugins.export_formats.ids())})"
        )
    audit.record(
        db_session,
        org,
        actor,
        "export.download",
        f"dialogue:{dialogue.slug}",
        {"what": what, "format": format},
    )
    await db_session.commit()
    app = app_context(request)
    context = ExportContext(
        plugins=plugins, secret_key=app.settings.secret_key, requested_by=actor.id
    )
    columns = await dataset.columns(db_session, dialogue)
    database = app.database

    async def content() -> AsyncIterator[bytes]:
        # The request's session closes before the file is sent: rows are read on
        # a session of their own, for as long as the download lasts.
        async with database.read_session() as session:
            async for chunk in export_file(
                dataset, export_format, columns, session, dialogue, context
            ):
                yield chunk

    filename = f"{dialogue.slug}-{dataset.id}.{export_format.extension}"
    # Litestar writes a text type's charset itself (from ``encoding``): not twice.
    media_type, _, parameters = export_format.media_type.partition(";")
    charset = parameters.strip().removeprefix("charset=") if parameters else "utf-8"
    return Stream(
        content(),
        media_type=media_type.strip()
        if media_type.startswith("text/")
        else export_format.media_type,
        encoding=charset,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
