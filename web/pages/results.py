"""The results page of a dialogue, ``/dialogues/{slug}/results``: the winners, a chart per
vote type (pies for for/against votes, bars otherwise) with the same figures as tables,
and, for organisers, the publication buttons and the "what if" report.

Hidden results answer 403 with a page that says when they will be shown. Everything works
without JavaScript.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.defaults.map import MAP
from core.errors import DomainError, ValidationFailed
from core.models import Dialogue, Proposal, User
from core.models.dialogues import PhaseKind, ResultsVisibility
from core.models.users import Role
from core.permissions import Action, staff_check
from core.plugin_manager import Plugins
from core.services import audit, dialogues
from core.services.ballot_box import VoteRules, vote_rules
from core.services.publication import catch_up, is_staff_of, publish, results_visible, unpublish
from core.services.results import cached, results_body
from core.services.results_report import what_if_report
from web.charts import Chart, bar_chart, decimal, percent, pie_chart
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.i18n import Translator, translator
from web.labels import N_
from web.pages.browse import map_headers, map_options
from web.pages.context import dialogue_frame, image_url_of
from web.results import results_cache
from web.templating import render

PATH = "/dialogues/{slug:str}/results"


async def winner_cards(
    session: AsyncSession, dialogue: Dialogue, winners: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The winners as the page shows them: each with its rank, title, cost, image (where
    the dialogue's images are on) and place (where its map is on and it has one)."""
    ids = [p["id"] for p in winners]
    rows = {
        proposal.id: proposal
        for proposal in await session.scalars(select(Proposal).where(Proposal.id.in_(ids)))
    }
    mapped = MAP.enabled_on(dialogue)
    cards = []
    for rank, winner in enumerate(winners, start=1):
        row = rows.get(winner["id"])
        placed = row is not None and row.lat is not None and row.lng is not None and mapped
        cards.append(
            {
                **winner,
                "rank": rank,
                "image_url": image_url_of(row, dialogue) if row is not None else None,
                "point": [row.lat, row.lng] if placed and row is not None else None,
            }
        )
    return cards


class PublicationForm(msgspec.Struct):
    """What the organisers' buttons post; unknown fields (the CSRF token) are ignored."""

    action: str = ""


def _labels(plugins: Plugins, dialogue: Dialogue) -> dict[str, str]:
    """The texts of the vote's options (binary votes), when the vote type gives them."""
    try:
        rules = vote_rules(plugins, dialogue)
    except DomainError:
        return {}
    labels = rules.kind.rules(rules.settings).get("labels") or {}
    return {str(key): str(value) for key, value in labels.items()}


def _results_template(plugins: Plugins, dialogue: Dialogue) -> tuple[str, VoteRules | None]:
    """The vote type's own results template and its rules, when it has one."""
    try:
        rules = vote_rules(plugins, dialogue)
    except DomainError:
        return "", None
    return rules.kind.results_template, rules


def _charts(
    body: dict[str, Any], labels: dict[str, str], i18n: Translator
) -> tuple[str, list[Chart], list[dict[str, Any]]]:
    """The kind of display (``pies``, ``bars`` or ``none``), the charts, and the
    proposals in the order shown (best first)."""
    proposals = body["proposals"]
    winners = set(body["winners"])
    lang = i18n.lang
    if not proposals:
        return "none", [], []
    tally = proposals[0]["tally"]
    if "counts" in tally:
        charts = [
            pie_chart(
                f"chart-{p['id']}",
                p["title"],
                [(key, labels.get(key, key), n) for key, n in p["tally"]["counts"].items()],
                empty=i18n.gettext(N_("Aucun vote.")),
                lang=lang,
            )
            for p in proposals
        ]
        return "pies", charts, proposals
    if "rank" in tally:
        shown = sorted(proposals, key=lambda p: (p["tally"]["rank"], p["id"]))
        items = [
            (p["title"], float(p["tally"]["score"]), decimal(p["tally"]["score"], lang))
            for p in shown
        ]
        title = i18n.gettext(N_("Score de chaque proposition"))
        unit = i18n.gettext(N_("plus le score est élevé, mieux elle est classée"))
    elif "points" in tally:
        shown = sorted(proposals, key=lambda p: (-p["tally"]["points"], p["id"]))
        items = [
            (p["title"], float(p["tally"]["points"]), _points(p["tally"], lang)) for p in shown
        ]
        title = i18n.gettext(N_("Points de chaque proposition"))
        unit = i18n.gettext(N_("points"))
    elif "supports" in tally:
        shown = sorted(proposals, key=lambda p: (-p["tally"]["supports"], p["id"]))
        counted = body["ballots_counted"]
        items = [
            (
                p["title"],
                float(p["tally"]["supports"]),
                f"{p['tally']['supports']} ({percent(p['tally']['supports'], counted, lang)})",
            )
            for p in shown
        ]
        title = i18n.gettext(N_("Soutiens de chaque proposition"))
        unit = i18n.gettext(N_("soutiens"))
    else:
        return "none", [], proposals
    chart = bar_chart(
        "chart-results",
        title,
        items,
        highlighted=[p["id"] in winners for p in shown],
        unit=unit,
        chosen=i18n.gettext(N_("retenue")),
        empty=i18n.gettext(N_("Aucune donnée.")),
        lang=lang,
    )
    return "bars", [chart], shown


def _points(tally: dict[str, Any], lang: str) -> str:
    text = decimal(tally["points"], lang)
    if tally.get("mean") is not None:
        text += f" ({decimal(tally['mean'], lang)})"
    return text


def share(value: float | None, lang: str = "fr") -> str:
    """A share (0 to 1) as a percentage in ``lang``, a dash when there is none."""
    return "—" if value is None else percent(value, 1, lang)


def _is_admin(actor: User | None, dialogue: Dialogue) -> bool:
    return is_staff_of(actor, dialogue) and actor is not None and actor.role is Role.ADMIN


async def _report(
    request: Request[Any, Any, Any], db_session: Any, plugins: Plugins, dialogue: Dialogue
) -> dict[str, Any] | None:
    async def compute() -> dict[str, Any]:
        return await what_if_report(db_session, plugins, dialogue)

    try:
        return await cached(
            db_session, results_cache(request), dialogue, "report", compute, plugins
        )
    except DomainError:
        return None


@get(PATH, include_in_schema=False)
async def results_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
    now = utcnow()
    await catch_up(db_session, plugins, dialogue, now)
    visible = results_visible(dialogue, now)
    staff = is_staff_of(actor, dialogue)
    frame = dialogue_frame(dialogue, now)
    vote = dialogue.phase(PhaseKind.VOTE)
    if not visible and not staff:
        return render(
            request,
            "results/page.html",
            status_code=403,
            frame=frame,
            tab="results",
            hidden=True,
            vote_end=vote.ends_at if vote is not None else None,
            visibility=dialogue.results_visibility.value,
        )
    body = await results_body(
        db_session, plugins, results_cache(request), dialogue, actor, published=visible
    )
    results_template, rules = _results_template(plugins, dialogue)
    charts: list[Chart] = []
    if results_template:
        display = "vote_type"
        shown = sorted(body["proposals"], key=lambda p: (p["tally"].get("rank", 0), p["id"]))
    else:
        display, charts, shown = _charts(body, _labels(plugins, dialogue), translator(request))
    titles = {p["id"]: p for p in body["proposals"]}
    admin = _is_admin(actor, dialogue)
    winners = await winner_cards(
        db_session, dialogue, [titles[pid] for pid in body["winners"] if pid in titles]
    )
    return render(
        request,
        "results/page.html",
        headers=map_headers(request, org.options) if any(w["point"] for w in winners) else None,
        frame=frame,
        tab="results",
        hidden=False,
        body=body,
        display=display,
        charts=charts,
        shown=shown,
        winners=winners,
        winners_map=[
            {"point": card["point"], "title": card["title"], "url": f"/proposals/{card['id']}"}
            for card in winners
            if card["point"] is not None
        ],
        map_options=map_options(org.options),
        staff=staff,
        admin=admin,
        report=await _report(request, db_session, plugins, dialogue) if admin else None,
        titles=titles,
        labels=_labels(plugins, dialogue),
        visibility=dialogue.results_visibility.value,
        manual=dialogue.results_visibility is ResultsVisibility.MANUAL,
        has_questions="questions" in body,
        share=share,
        results_template=results_template,
        vote_type=rules.kind if rules is not None else None,
        vote_settings=rules.settings if rules is not None else None,
    )


@post(PATH, include_in_schema=False, status_code=303)
async def results_page_action(
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
    data: URLEncodedBody[PublicationForm],
) -> Redirect:
    """The organisers' buttons: ``action=publish`` or ``action=unpublish``."""
    staff_member = staff_check(actor, Action.ADMINISTER)
    dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
    action = data.action
    if action == "publish":
        publish(db_session, plugins, dialogue, utcnow())
    elif action == "unpublish":
        unpublish(dialogue)
    else:
        raise ValidationFailed("action: publish or unpublish")
    audit.record(db_session, org, staff_member, f"results.{action}", f"dialogue:{slug}")
    await db_session.commit()
    return Redirect(f"/dialogues/{dialogue.slug}/results", status_code=303)
