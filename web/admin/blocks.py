"""Back office: a dialogue's home page (its blocks, their order and settings, each
settings form generated from the block type's Struct) and its agenda of events."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.defaults.agenda import AGENDA
from core.defaults.features import PAGE_BLOCKS
from core.errors import DomainError
from core.models import AgendaEvent, Block, Dialogue, Organisation
from core.modules import Module
from core.plugin_manager import Plugins
from core.services import page_blocks
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.admin.struct_forms import attach_error, parse_struct, struct_fields
from web.dependencies import CurrentOrg, DbSession, PluginsDep
from web.modules import require_module

PREFIX = "settings."


async def _dialogue_with(
    module: Module, session: AsyncSession, organisation: Organisation, slug: str
) -> Dialogue:
    """The dialogue whose blocks or agenda are arranged; 404 where ``module`` (its
    ``page_blocks`` or its ``agenda``) is off (what it stored stays)."""
    dialogue = await load_dialogue(session, organisation, slug)
    require_module(module, organisation, dialogue)
    return dialogue


class BlockPages(Controller):
    path = "/admin/dialogues/{slug:str}"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/blocks")
    async def blocks(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        items = await page_blocks.list_blocks(db_session, org, dialogue)
        return admin_page(
            request,
            "admin/dialogue_blocks.html",
            section="dialogues",
            page_title=f"Page d'accueil · {dialogue.title}",
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/blocks"),
            blocks=[
                {
                    "block": block,
                    "title": plugins.block_types[block.kind].title
                    if block.kind in plugins.block_types
                    else f"{block.kind} (module absent)",
                    "heading": str(block.settings.get("title") or ""),
                }
                for block in items
            ],
            kinds=[(kind.id, kind.title) for kind in plugins.block_types],
        )

    @post("/blocks")
    async def add_block(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        block = await page_blocks.add_block(
            db_session, plugins, org, dialogue, FormValues(data).get("kind")
        )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/blocks/{block.id}", "created")

    @get("/blocks/{block_id:int}")
    async def block(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
        block_id: FromPath[int],
    ) -> Response[str]:
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        block = await page_blocks.get_block(db_session, org, dialogue, block_id)
        return self._block_page(request, plugins, dialogue, block, None, {})

    def _block_page(
        self,
        request: Request[Any, Any, Any],
        plugins: Plugins,
        dialogue: Dialogue,
        block: Block,
        submitted: FormValues | None,
        errors: dict[str, str],
    ) -> Response[str]:
        kind = page_blocks.block_type(plugins, block.kind)
        return admin_page(
            request,
            "admin/dialogue_block.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=f"Bloc « {kind.title} » · {dialogue.title}",
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/blocks"),
            block=block,
            kind_title=kind.title,
            fields=struct_fields(
                kind.settings_type,
                block.settings,
                prefix=PREFIX,
                errors=errors,
                submitted=submitted,
            ),
            errors=errors,
        )

    @post("/blocks/{block_id:int}")
    async def save_block(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
        block_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        block = await page_blocks.get_block(db_session, org, dialogue, block_id)
        kind = page_blocks.block_type(plugins, block.kind)
        settings, errors = parse_struct(kind.settings_type, form, prefix=PREFIX)
        if settings is None:
            return self._block_page(request, plugins, dialogue, block, form, errors)
        try:
            page_blocks.set_settings(plugins, block, settings)
        except DomainError as error:
            errors = attach_error(kind.settings_type, error.detail, prefix=PREFIX)
            return self._block_page(request, plugins, dialogue, block, form, errors)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/blocks")

    @post("/blocks/{block_id:int}/move")
    async def move_block(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        block_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        block = await page_blocks.get_block(db_session, org, dialogue, block_id)
        delta = -1 if FormValues(data).get("direction") == "up" else 1
        await page_blocks.move_block(db_session, org, dialogue, block, delta)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/blocks")

    @post("/blocks/{block_id:int}/delete")
    async def delete_block(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str], block_id: FromPath[int]
    ) -> Redirect:
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        block = await page_blocks.get_block(db_session, org, dialogue, block_id)
        await page_blocks.remove_block(db_session, block)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/blocks", "deleted")

    # -- agenda ---------------------------------------------------------------------

    @get("/agenda")
    async def agenda(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await _dialogue_with(AGENDA, db_session, org, slug)
        return await self._agenda_page(request, db_session, dialogue, None, None, {})

    async def _agenda_page(
        self,
        request: Request[Any, Any, Any],
        db_session: Any,
        dialogue: Dialogue,
        event: AgendaEvent | None,
        submitted: FormValues | None,
        errors: dict[str, str],
    ) -> Response[str]:
        value = page_blocks.event_form(event) if event is not None else None
        return admin_page(
            request,
            "admin/dialogue_agenda.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=f"Agenda · {dialogue.title}",
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/agenda"),
            events=await page_blocks.list_events(db_session, dialogue),
            event=event,
            fields=struct_fields(page_blocks.EventForm, value, errors=errors, submitted=submitted),
            errors=errors,
        )

    @get("/agenda/{event_id:int}")
    async def edit_event(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        event_id: FromPath[int],
    ) -> Response[str]:
        dialogue = await _dialogue_with(AGENDA, db_session, org, slug)
        event = await page_blocks.get_event(db_session, dialogue, event_id)
        return await self._agenda_page(request, db_session, dialogue, event, None, {})

    @post("/agenda")
    async def add_event(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await self._save_event(request, db_session, org, slug, None, FormValues(data))

    @post("/agenda/{event_id:int}")
    async def change_event(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        event_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        return await self._save_event(request, db_session, org, slug, event_id, FormValues(data))

    async def _save_event(
        self,
        request: Request[Any, Any, Any],
        db_session: Any,
        org: Any,
        slug: str,
        event_id: int | None,
        form: FormValues,
    ) -> Response[Any]:
        dialogue = await _dialogue_with(AGENDA, db_session, org, slug)
        event = (
            await page_blocks.get_event(db_session, dialogue, event_id)
            if event_id is not None
            else None
        )
        parsed, errors = parse_struct(page_blocks.EventForm, form)
        if isinstance(parsed, page_blocks.EventForm):
            try:
                await page_blocks.save_event(db_session, org, dialogue, parsed, event)
            except DomainError as error:
                errors = refusal_fields(error)
        if errors:
            await discard_changes(request, db_session)
            dialogue = await _dialogue_with(AGENDA, db_session, org, slug)
            if event_id is not None:
                event = await page_blocks.get_event(db_session, dialogue, event_id)
            return await self._agenda_page(request, db_session, dialogue, event, form, errors)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/agenda")

    @post("/agenda/{event_id:int}/delete")
    async def delete_event(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str], event_id: FromPath[int]
    ) -> Redirect:
        dialogue = await _dialogue_with(AGENDA, db_session, org, slug)
        event = await page_blocks.get_event(db_session, dialogue, event_id)
        await page_blocks.delete_event(db_session, event)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/agenda", "deleted")
