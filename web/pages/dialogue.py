"""A dialogue's home page and its agenda as a calendar file.

The page always shows the dialogue's description, what a citizen can do now and its
phases with the current one marked; its ordered blocks come after them, and a dialogue
without blocks shows its participation figures there instead.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.defaults.agenda import AGENDA
from core.defaults.features import PAGE_BLOCKS
from core.errors import ValidationFailed
from core.models import AgendaEvent, Dialogue, Organisation
from core.plugin_manager import Plugins
from core.services import dialogues, page_blocks, participation
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.modules import require_module
from web.pages.browse import map_headers, map_options, proposal_cards
from web.pages.context import dialogue_frame, notice, public_url
from web.pages.notifications import follow_panel
from web.pages.votes import vote_call
from web.templating import render

log = logging.getLogger("participe.web")


async def shown_blocks(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue | None,
    now: datetime,
) -> list[dict[str, Any]]:
    """The blocks of a dialogue's home page (or of the organisation's, with ``None``),
    each with its settings and data. A block whose kind is unknown (its plugin was
    removed) or whose settings no longer validate is left out, never an error page.
    Where the dialogue's ``page_blocks`` module is off, there are none; on the
    organisation's page, where the module is not granted to it, none either, and a
    block whose plugin's modules are all withheld from it is left out."""
    if dialogue is not None and not PAGE_BLOCKS.enabled_on(dialogue):
        return []
    if dialogue is None and not PAGE_BLOCKS.granted_to(organisation):
        return []
    shown = []
    for block in await page_blocks.list_blocks(session, organisation, dialogue):
        kind = plugins.block_types.get(block.kind)
        if kind is None:
            log.warning("block %s: unknown kind %r, not shown", block.id, block.kind)
            continue
        if dialogue is not None and not plugins.live_on(
            plugins.block_types.origin(kind.id), dialogue
        ):
            continue  # its module is off for this dialogue
        if dialogue is None and not page_blocks.kind_granted(plugins, organisation, kind.id):
            continue  # its module is not the organisation's
        try:
            settings = kind.decode_settings(block.settings)
        except ValidationFailed as error:
            log.warning("block %s: %s, not shown", block.id, error.detail)
            continue
        data = await kind.load(session, dialogue, settings, now=now)
        if "proposals" in data:
            # Proposals belong to a dialogue: an organisation's home page has none to show.
            data["cards"] = (
                await proposal_cards(session, dialogue, data["proposals"])
                if dialogue is not None
                else []
            )
        shown.append({"block": block, "kind": kind, "settings": settings, "data": data})
    return shown


@get("/dialogues/{slug:str}", include_in_schema=False)
async def dialogue_home(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    now = utcnow()
    blocks = await shown_blocks(db_session, plugins, org, dialogue, now)
    has_agenda = AGENDA.enabled_on(dialogue) and await db_session.scalar(
        select(AgendaEvent.id).where(AgendaEvent.dialogue_id == dialogue.id).limit(1)
    )
    has_map = any(item["kind"].id == "map" for item in blocks)
    return render(
        request,
        "dialogue/home.html",
        headers=map_headers(request, org.options) if has_map else None,
        frame=dialogue_frame(dialogue, now),
        tab="home",
        blocks=blocks,
        figures=None if blocks else await participation.figures(db_session, dialogue),
        has_agenda=bool(has_agenda),
        map_options=map_options(org.options),
        notice=notice(request),
        follow=await follow_panel(db_session, plugins, org, actor, dialogue),
        vote_call=vote_call(plugins, dialogue),
    )


# -- the agenda as an iCalendar file (RFC 5545) ------------------------------------


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(events: list[AgendaEvent], *, name: str, host: str, url: str, now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Participe//Agenda//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:agenda-{event.id}@{host}",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(event.starts_at)}",
        ]
        if event.ends_at is not None:
            lines.append(f"DTEND:{_stamp(event.ends_at)}")
        lines.append(f"SUMMARY:{_escape(event.title)}")
        if event.place:
            lines.append(f"LOCATION:{_escape(event.place)}")
        if event.description:
            lines.append(f"DESCRIPTION:{_escape(event.description)}")
        lines += [f"URL:{url}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


@get("/dialogues/{slug:str}/agenda.ics", include_in_schema=False)
async def dialogue_agenda(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    slug: FromPath[str],
) -> Response[str]:
    """Every event of the dialogue, to add to a calendar application."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    require_module(AGENDA, org, dialogue)
    events = list(
        await db_session.scalars(
            select(AgendaEvent)
            .where(AgendaEvent.dialogue_id == dialogue.id)
            .order_by(AgendaEvent.starts_at, AgendaEvent.id)
        )
    )
    url = public_url(request, f"/dialogues/{dialogue.slug}")
    host = url.split("://", 1)[-1].split("/", 1)[0]
    body = calendar(events, name=f"{org.name} — {dialogue.title}", host=host, url=url, now=utcnow())
    return Response(
        body,
        media_type="text/calendar",  # Litestar adds "; charset=utf-8"
        headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}.ics"'},
    )
