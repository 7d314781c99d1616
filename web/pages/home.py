"""The organisation's home page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from core.db import utcnow
from core.services import dialogues
from web.dependencies import Actor, CurrentOrg, DbSession
from web.templating import render

KIND_LABELS = {
    "ideas": "Boîte à idées",
    "consultation": "Consultation",
    "budget": "Budget participatif",
    "questionnaire": "Questionnaire",
}
PHASE_LABELS = {
    "information": "Information",
    "proposals": "Dépôt des propositions",
    "review": "Analyse des propositions",
    "vote": "Vote",
    "results": "Résultats",
}


@get("/", include_in_schema=False)
async def home_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
) -> Response[str]:
    now = utcnow()
    items = [
        {"dialogue": d, "phase": d.current_phase(now)}
        for d in await dialogues.list_dialogues(db_session, org)
    ]
    return render(request, "home.html", dialogues=items, kinds=KIND_LABELS, phases=PHASE_LABELS)
