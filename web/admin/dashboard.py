"""Back office: the participation dashboard of a dialogue: its figures over time, by
sector and by postal code, as SVG charts with the same figures in tables."""

from __future__ import annotations

from itertools import accumulate
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from core.services import participation_stats
from web.admin.charts import Series, bar_chart, line_chart
from web.admin.dialogues import load_dialogue
from web.admin.guard import ANY_STAFF, staff, staff_guard
from web.admin.pages import admin_page, dialogue_tabs
from web.dependencies import CurrentOrg, DbSession
from web.i18n import translator
from web.labels import N_

NO_VALUE = N_("(non renseigné)")


@get(
    "/admin/dialogues/{slug:str}/participation",
    guards=[staff_guard],
    opt=staff(*ANY_STAFF),
    include_in_schema=False,
)
async def participation_dashboard(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    slug: FromPath[str],
) -> Response[str]:
    dialogue = await load_dialogue(db_session, org, slug)
    gettext = translator(request, org).gettext
    no_value, empty = gettext(NO_VALUE), gettext(N_("Aucune donnée."))
    totals = await participation_stats.totals(db_session, dialogue)
    days = await participation_stats.by_day(db_session, dialogue)
    sector_names = {str(o["key"]): str(o["label"]) for o in dialogue.sectors}
    sectors = [
        (sector_names.get(row.key, row.key) or no_value, row)
        for row in await participation_stats.by_sector(db_session, dialogue)
    ]
    postal_codes = [
        (row.key or no_value, row)
        for row in await participation_stats.by_postal_code(db_session, dialogue)
    ]
    labels = [day.key for day in days]
    cumulative = {
        name: list(accumulate(getattr(day, name) for day in days))
        for name in ("participants", "proposals", "comments", "votes")
    }
    timeline = line_chart(
        gettext(N_("Participation cumulée au fil des jours")),
        labels,
        [
            Series(gettext(N_("Participant·es")), cumulative["participants"]),
            Series(gettext(N_("Propositions")), cumulative["proposals"]),
            Series(gettext(N_("Commentaires")), cumulative["comments"]),
            Series(gettext(N_("Votes")), cumulative["votes"]),
        ],
        empty=empty,
        gettext=gettext,
    )
    return admin_page(
        request,
        "admin/dialogue_participation.html",
        section="dialogues",
        page_title=N_("Participation"),
        page_subject=dialogue.title,
        dialogue=dialogue,
        tabs=dialogue_tabs(dialogue, "/participation"),
        totals=totals,
        days=list(zip(days, *cumulative.values(), strict=True)),
        timeline=timeline,
        sectors=sectors,
        sector_chart=bar_chart(
            gettext(N_("Participant·es par secteur")),
            [(name, row.participants) for name, row in sectors],
            empty=empty,
            gettext=gettext,
        ),
        postal_codes=postal_codes,
        postal_chart=bar_chart(
            gettext(N_("Participant·es par code postal")),
            [(name, row.participants) for name, row in postal_codes[:20]],
            empty=empty,
            gettext=gettext,
        ),
    )
