"""Back office: a dialogue's home page and the organisation's (their blocks, their order
and settings, each settings form generated from the block type's Struct), and a
dialogue's agenda of events.

The organisation's home page uses the ``page_blocks`` module as a dialogue does, at the
organisation's level: its page exists where the platform operator grants the module to
the organisation, and offers the block types of the plugins the organisation may use."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.defaults.agenda import AGENDA
from core.defaults.features import PAGE_BLOCKS
from core.errors import DomainError, NotFound
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
from web.labels import N_
from web.modules import GONE, require_module

PREFIX = "settings."
ORGANISATION_BLOCKS = "/admin/organisation/blocks"


async def _dialogue_with(
    module: Module, session: AsyncSession, organisation: Organisation, slug: str
) -> Dialogue:
    """The dialogue whose blocks or agenda are arranged; 404 where ``module`` (its
    ``page_blocks`` or its ``agenda``) is off (what it stored stays)."""
    dialogue = await load_dialogue(session, organisation, slug)
    require_module(module, organisation, dialogue)
    return dialogue


def _kinds(plugins: Plugins, organisation: Organisation, dialogue: Dialogue | None) -> list[Any]:
    """The block types offered: on the organisation's page, those of plugins it may use."""
    if dialogue is not None:
        return list(plugins.block_types)
    return [
        kind
        for kind in plugins.block_types
        if page_blocks.kind_granted(plugins, organisation, kind.id)
    ]


class _Page:
    """A page whose blocks are arranged: a dialogue's, or the organisation's (``None``)."""

    def __init__(self, dialogue: Dialogue | None) -> None:
        self.dialogue = dialogue
        self.base = (
            f"/admin/dialogues/{dialogue.slug}/blocks"
            if dialogue is not None
            else ORGANISATION_BLOCKS
        )

    def context(self, title: str) -> dict[str, Any]:
        if self.dialogue is None:
            return {
                "section": "organisation",
                "page_title": title,
                "page_subject": N_("Page d'accueil du site"),
                "dialogue": None,
                "blocks_base": self.base,
            }
        return {
            "section": "dialogues",
            "page_title": title,
            "page_subject": self.dialogue.title,
            "dialogue": self.dialogue,
            "tabs": dialogue_tabs(self.dialogue, "/blocks"),
            "blocks_base": self.base,
        }


async def _blocks_list(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    page: _Page,
) -> Response[str]:
    items = await page_blocks.list_blocks(session, org, page.dialogue)
    return admin_page(
        request,
        "admin/dialogue_blocks.html",
        **page.context(N_("Page d'accueil")),
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
        kinds=[(kind.id, kind.title) for kind in _kinds(plugins, org, page.dialogue)],
    )


async def _add(
    session: AsyncSession, plugins: Plugins, org: Organisation, page: _Page, kind: str
) -> Redirect:
    if page.dialogue is None and not page_blocks.kind_granted(plugins, org, kind):
        kind = ""  # refused as unknown: the organisation may not use its plugin
    block = await page_blocks.add_block(session, plugins, org, page.dialogue, kind)
    await session.commit()
    return done(f"{page.base}/{block.id}", "created")


def _block_page(
    request: Request[Any, Any, Any],
    plugins: Plugins,
    page: _Page,
    block: Block,
    submitted: FormValues | None,
    errors: dict[str, str],
) -> Response[str]:
    kind = page_blocks.block_type(plugins, block.kind)
    return admin_page(
        request,
        "admin/dialogue_block.html",
        status_code=422 if errors else 200,
        **page.context(f"Bloc « {kind.title} »"),
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


async def _save(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    page: _Page,
    block_id: int,
    form: FormValues,
) -> Response[Any]:
    block = await page_blocks.get_block(session, org, page.dialogue, block_id)
    kind = page_blocks.block_type(plugins, block.kind)
    settings, errors = parse_struct(kind.settings_type, form, prefix=PREFIX)
    if settings is None:
        return _block_page(request, plugins, page, block, form, errors)
    try:
        page_blocks.set_settings(plugins, block, settings)
    except DomainError as error:
        errors = attach_error(kind.settings_type, error.detail, prefix=PREFIX)
        return _block_page(request, plugins, page, block, form, errors)
    await session.commit()
    return done(page.base)


async def _move(
    session: AsyncSession, org: Organisation, page: _Page, block_id: int, form: FormValues
) -> Redirect:
    block = await page_blocks.get_block(session, org, page.dialogue, block_id)
    delta = -1 if form.get("direction") == "up" else 1
    await page_blocks.move_block(session, org, page.dialogue, block, delta)
    await session.commit()
    return done(page.base)


async def _delete(session: AsyncSession, org: Organisation, page: _Page, block_id: int) -> Redirect:
    block = await page_blocks.get_block(session, org, page.dialogue, block_id)
    await page_blocks.remove_block(session, block)
    await session.commit()
    return done(page.base, "deleted")


def _organisation_page(org: Organisation) -> _Page:
    """The organisation's home page; 404 where it may not use the ``page_blocks`` module
    (what it stored stays)."""
    if not PAGE_BLOCKS.granted_to(org):
        raise NotFound(GONE)
    return _Page(None)


class OrganisationBlockPages(Controller):
    """The blocks of the organisation's home page, arranged as a dialogue's are."""

    path = ORGANISATION_BLOCKS
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def blocks(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
    ) -> Response[str]:
        return await _blocks_list(request, db_session, plugins, org, _organisation_page(org))

    @post("/")
    async def add_block(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        page = _organisation_page(org)
        return await _add(db_session, plugins, org, page, FormValues(data).get("kind"))

    @get("/{block_id:int}")
    async def block(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        block_id: FromPath[int],
    ) -> Response[str]:
        page = _organisation_page(org)
        block = await page_blocks.get_block(db_session, org, None, block_id)
        return _block_page(request, plugins, page, block, None, {})

    @post("/{block_id:int}")
    async def save_block(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        block_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        page = _organisation_page(org)
        return await _save(request, db_session, plugins, org, page, block_id, FormValues(data))

    @post("/{block_id:int}/move")
    async def move_block(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        block_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        page = _organisation_page(org)
        return await _move(db_session, org, page, block_id, FormValues(data))

    @post("/{block_id:int}/delete")
    async def delete_block(
        self, db_session: DbSession, org: CurrentOrg, block_id: FromPath[int]
    ) -> Redirect:
        return await _delete(db_session, org, _organisation_page(org), block_id)


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
        return await _blocks_list(request, db_session, plugins, org, _Page(dialogue))

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
        return await _add(db_session, plugins, org, _Page(dialogue), FormValues(data).get("kind"))

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
        return _block_page(request, plugins, _Page(dialogue), block, None, {})

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
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        page = _Page(dialogue)
        return await _save(request, db_session, plugins, org, page, block_id, FormValues(data))

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
        return await _move(db_session, org, _Page(dialogue), block_id, FormValues(data))

    @post("/blocks/{block_id:int}/delete")
    async def delete_block(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str], block_id: FromPath[int]
    ) -> Redirect:
        dialogue = await _dialogue_with(PAGE_BLOCKS, db_session, org, slug)
        return await _delete(db_session, org, _Page(dialogue), block_id)

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
            page_title=N_("Agenda"),
            page_subject=dialogue.title,
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
