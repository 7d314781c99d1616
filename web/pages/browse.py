"""Browsing a dialogue's proposals as a grid, a list or a map, with filters.

Every filter state has its own address (``?view=map&theme=nature&q=arbre&page=2``), so a
filtered list can be bookmarked, shared and printed on a poster. A value that is not one
of the dialogue's (an unknown theme, a mistyped page number) is dropped and said so, never
an error page. Without JavaScript the map view is the list of located proposals; with it,
``/static/js/proposals-map.js`` draws them on a map fed by the GeoJSON API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import nh3
from litestar import Request, Response, get
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.defaults.comments import COMMENTS
from core.defaults.map import MAP
from core.models import Dialogue, Proposal
from core.models.proposals import PUBLIC_STATUSES
from core.services import comments, dialogues, proposals
from core.services.proposals import SORTS, ProposalFacets, ProposalFilters
from core.services.territory import territory_in
from web import labels
from web.api.schemas import authors_of
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.i18n import translator
from web.markdown import excerpt
from web.pages.context import dialogue_frame, image_url_of, notice, refused_message
from web.pages.votes import vote_panel
from web.security_headers import ORIGIN, content_security_policy
from web.templating import render

#: What plugins may use (the public API): a map drawn as the dialogue's map page draws it.
__all__ = ["map_headers", "map_options"]

VIEWS = ("grid", "list", "map")
IMG_SRC = "img-src 'self' data: blob:"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
PER_PAGE = {"grid": 12, "list": 20, "map": 500}


def views_of(dialogue: Dialogue, facets: ProposalFacets) -> tuple[str, ...]:
    """The views of ``dialogue``'s proposals: the map only with its module and a located
    proposal to show (an empty map would only puzzle)."""
    if MAP.enabled_on(dialogue) and facets.has_locations:
        return VIEWS
    return tuple(v for v in VIEWS if v != "map")


def sorts_of(facets: ProposalFacets) -> tuple[str, ...]:
    """The orders offered: by cost only where some proposal has a cost."""
    return tuple(key for key in SORTS if key != "cost" or facets.has_costs)


def option_label(options: Sequence[dict[str, Any]], key: str | None) -> str | None:
    if key is None:
        return None
    return next((o["label"] for o in options if o.get("key") == key), key)


async def proposal_cards(
    session: AsyncSession,
    dialogue: Dialogue,
    items: Sequence[Proposal],
    comment_counts: dict[int, int] | None = None,
) -> list[dict[str, Any]]:
    """What a proposal card shows, for a page of proposals, in two queries at most (none
    when the proposals come with their authors and their ``comment_counts``). Where the
    dialogue's comments are off, a card counts none."""
    authors = await authors_of(session, items)
    discussed = COMMENTS.enabled_on(dialogue)
    counts = (
        comment_counts
        if comment_counts is not None or not discussed
        else await comments.comment_counts(session, [p.id for p in items])
    ) or {}
    cards = []
    for proposal in items:
        author = authors.get(proposal.author_id) if proposal.author_id else None
        cards.append(
            {
                "proposal": proposal,
                "author_name": author.public_name if author else "Utilisateur supprimé",
                "theme": option_label(dialogue.themes, proposal.theme),
                "sector": option_label(dialogue.sectors, proposal.sector),
                "excerpt": excerpt(proposal.body),
                "image_url": image_url_of(proposal, dialogue),
                "comments": counts.get(proposal.id, 0) if discussed else None,
            }
        )
    return cards


def _choice(value: str | None, allowed: Sequence[str]) -> tuple[str | None, bool]:
    """``(value, ok)``: ``value`` if allowed, ``None`` when empty or refused."""
    if not value:
        return None, True
    return (value, True) if value in allowed else (None, False)


def read_filters(
    dialogue: Dialogue, query: Any, facets: ProposalFacets
) -> tuple[dict[str, Any], ProposalFilters, int, list[str]]:
    """The page's filter state from the query string: the cleaned parameters (to build
    links), the service's filters, the page number and the names of dropped values (a
    view or an order the proposals do not offer is one)."""
    dropped: list[str] = []
    view, ok = _choice(query.get("view"), views_of(dialogue, facets))
    view = view or "grid"
    theme, ok_theme = _choice(query.get("theme"), [o["key"] for o in dialogue.themes])
    sector, ok_sector = _choice(query.get("sector"), [o["key"] for o in dialogue.sectors])
    status, ok_status = _choice(query.get("status"), [s.value for s in PUBLIC_STATUSES])
    sort, ok_sort = _choice(query.get("sort"), sorts_of(facets))
    for name, accepted in (
        ("view", ok),
        ("theme", ok_theme),
        ("sector", ok_sector),
        ("status", ok_status),
        ("sort", ok_sort),
    ):
        if not accepted:
            dropped.append(name)
    q = (query.get("q") or "").strip()[:200] or None
    try:
        page = max(1, min(int(query.get("page") or 1), 100_000))
    except ValueError:
        page = 1
        dropped.append("page")
    params = {
        "view": view if view != "grid" else None,
        "q": q,
        "theme": theme,
        "sector": sector,
        "status": status,
        "sort": sort,
    }
    filters = ProposalFilters(status=status, theme=theme, sector=sector, q=q, sort=sort or "recent")
    return params, filters, page, dropped


@get("/dialogues/{slug:str}/proposals", include_in_schema=False)
async def browse_proposals(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    facets = await proposals.proposal_facets(db_session, dialogue)
    params, filters, page, dropped = read_filters(dialogue, request.query_params, facets)
    view = params["view"] or "grid"
    per_page = PER_PAGE[view]
    counts: dict[int, int] | None = None
    if view == "map":
        items: Sequence[Proposal] = await proposals.located_proposals(
            db_session, dialogue, filters, limit=per_page
        )
        total, page, pages = len(items), 1, 1
    else:
        found = await proposals.proposal_page(
            db_session, dialogue, filters, page=page, per_page=per_page, comment_counts=True
        )
        items, total, counts = found.items, found.total, found.comments
        pages = max(1, -(-total // per_page))
    geojson_params = {k: v for k, v in params.items() if k != "view" and v}
    vote = await vote_panel(request, db_session, plugins, dialogue, items, actor, group_ids)
    i18n = translator(request, org)
    return render(
        request,
        "dialogue/proposals.html",
        headers=map_headers(request, org.options) if view == "map" else None,
        frame=dialogue_frame(dialogue, utcnow()),
        tab="proposals",
        cards=await proposal_cards(db_session, dialogue, items, counts),
        total=total,
        page=page,
        pages=pages,
        view=view,
        params=params,
        path=f"/dialogues/{dialogue.slug}/proposals",
        geojson_params=geojson_params,
        statuses=[(s, labels.STATUSES[s]) for s in labels.STATUSES if s != "draft"],
        sorts=[(key, labels.SORTS[key]) for key in sorts_of(facets)],
        views=[(key, labels.VIEWS[key]) for key in views_of(dialogue, facets)],
        dropped=dropped,
        dropped_message=(
            i18n("Certains filtres de l'adresse ne sont pas valides et ont été ignorés.")
            if dropped
            else None
        ),
        notice=notice(request),
        map_options=map_options(org.options),
        vote=vote,
        refused=refused_message(request),
    )


def map_headers(request: Request[Any, Any, Any], options: dict[str, Any]) -> dict[str, str]:
    """The page's Content-Security-Policy, letting its map load images from the tile
    server (and from nowhere else than the app otherwise)."""
    origin = tile_origin(map_options(options)["tiles"])
    policy = content_security_policy(request.scope)
    if origin:
        policy = policy.replace(IMG_SRC, f"{IMG_SRC} {origin}", 1)
    return {"Content-Security-Policy": policy}


def tile_origin(tiles: str) -> str | None:
    """``https://tile.example.org`` from a tile URL template, if it is a plain origin."""
    parts = urlsplit(tiles)
    origin = f"{parts.scheme}://{parts.netloc}"
    return origin if parts.scheme == "https" and ORIGIN.match(origin) else None


#: The zoom at which a town fills a map, for a territory set without one.
TOWN_ZOOM = 13


def map_options(options: dict[str, Any]) -> dict[str, Any]:
    """The map settings an organisation may set in ``options["map"]``: the tile server,
    its attribution, and the centre and zoom shown when there is nothing to fit; the
    organisation's territory (``options["territory"]``, :mod:`core.services.territory`),
    when set, gives every map its centre (the middle of its box when only the box is
    set) and zoom (a town's, 13, when left empty)."""
    chosen = options.get("map") if isinstance(options.get("map"), dict) else {}
    assert isinstance(chosen, dict)
    territory = territory_in(options)
    center = territory.center
    if center is None and (box := territory.bounds) is not None:
        center = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    return {
        **_plain_map_options(chosen),
        **({"center": list(center)} if center is not None else {}),
        **({"zoom": zoom} if (zoom := territory.zoom or (center and TOWN_ZOOM)) else {}),
    }


def _plain_map_options(chosen: dict[str, Any]) -> dict[str, Any]:
    return {
        "tiles": chosen.get("tiles", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "attribution": nh3.clean(
            str(chosen.get("attribution", OSM_ATTRIBUTION)),
            tags={"a"},
            attributes={"a": {"href"}},
            url_schemes={"https"},
        ),
        "center": chosen.get("center", [46.6, 2.4]),
        "zoom": chosen.get("zoom", 6),
    }
