"""Back office: the first page, a summary of what needs the staff's attention."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from core.db import utcnow
from core.services import dialogues, moderation
from web.admin.guard import ANY_STAFF, staff, staff_guard
from web.admin.pages import admin_page
from web.dependencies import CurrentOrg, DbSession
from web.labels import N_


@get("/admin", guards=[staff_guard], opt=staff(*ANY_STAFF), include_in_schema=False)
async def admin_home(
    request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
) -> Response[str]:
    now = utcnow()
    items = await dialogues.list_dialogues(db_session, org, include_drafts=True)
    return admin_page(
        request,
        "admin/home.html",
        section="home",
        page_title=N_("Tableau de bord"),
        dialogues=[{"dialogue": d, "phase": d.current_phase(now)} for d in items],
        pending=await moderation.pending_counts(db_session, org),
    )
