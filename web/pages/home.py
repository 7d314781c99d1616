"""The organisation's home page: its own blocks (if it has some), then its dialogues,
open ones first (:mod:`web.home_sections`)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from core.db import utcnow
from core.services import dialogues
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.home_sections import home_sections
from web.labels import DIALOGUE_KINDS, PHASES
from web.pages.dialogue import shown_blocks
from web.templating import render

#: Kept for templates and plugins that used the names of the first version.
KIND_LABELS = DIALOGUE_KINDS
PHASE_LABELS = PHASES


@get("/", include_in_schema=False)
async def home_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
) -> Response[str]:
    now = utcnow()
    return render(
        request,
        "home.html",
        sections=home_sections(await dialogues.list_dialogues(db_session, org), now),
        kinds=KIND_LABELS,
        phases=PHASE_LABELS,
        blocks=await shown_blocks(db_session, plugins, org, None, now),
    )
