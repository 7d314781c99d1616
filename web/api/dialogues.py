"""API: dialogues and their proposals, for everyone."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from litestar import Controller, MediaType, Request, Response, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from core.db import utcnow
from core.defaults.map import MAP
from core.services import dialogues, proposal_map, proposals
from core.services.proposal_map import FeatureCollection
from core.services.proposals import ProposalFilters
from core.specs import ProposalSpec
from web.api.pagination import PageNumber, PerPage, page_of
from web.api.schemas import (
    DialogueOut,
    DialogueSummary,
    Page,
    ProposalOut,
    dialogue_out,
    dialogue_summary,
    proposal_out,
    proposals_out,
)
from web.conditional_requests import none_match
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep, app_context
from web.modules import require_module
from web.rate_limits import RateLimited, limit_proposal

GEOJSON = "application/geo+json"


def _filters(
    status: str | None, theme: str | None, sector: str | None, q: str | None, sort: str
) -> ProposalFilters:
    return ProposalFilters(status=status, theme=theme, sector=sector, q=q, sort=sort)


class DialogueController(Controller):
    path = "/api/v1/dialogues"
    tags: ClassVar[list[str]] = ["dialogues"]

    @get("/")
    async def list_dialogues(
        self, db_session: DbSession, org: CurrentOrg, page: PageNumber = 1, per_page: PerPage = 20
    ) -> Page[DialogueSummary]:
        now = utcnow()
        listed = page_of(await dialogues.list_dialogues(db_session, org), page, per_page)
        return Page(
            items=[dialogue_summary(d, now) for d in listed.items],
            total=listed.total,
            page=page,
            per_page=per_page,
        )

    @get("/{slug:str}")
    async def read_dialogue(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> DialogueOut:
        """The dialogue; a draft is found by its organisation's staff only (``actor``)."""
        return dialogue_out(await dialogues.get_dialogue(db_session, org, slug), utcnow())

    @get("/{slug:str}/proposals")
    async def list_proposals(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        page: PageNumber = 1,
        per_page: PerPage = 20,
        status: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        sector: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sort: FromQuery[str] = "recent",
    ) -> Page[ProposalOut]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        items, total = await proposals.list_proposals(
            db_session,
            dialogue,
            _filters(status, theme, sector, q, sort),
            page=page,
            per_page=per_page,
        )
        return Page(
            items=await proposals_out(db_session, dialogue, items, actor),
            total=total,
            page=page,
            per_page=per_page,
        )

    @get(
        "/{slug:str}/proposals.geojson",
        media_type=GEOJSON,
        responses={
            200: ResponseSpec(
                FeatureCollection,
                description="The located public proposals matching the filters",
                media_type=GEOJSON,
                generate_examples=False,
            ),
            304: ResponseSpec(
                None, description="Not modified: If-None-Match names the current ETag"
            ),
        },
    )
    async def proposals_geojson(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        status: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        sector: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        sort: FromQuery[str] = "recent",
    ) -> Response[bytes]:
        """The GeoJSON of the map, encoded once per version of the dialogue's proposals
        by each worker (:mod:`core.services.proposal_map`); its ETag answers a conditional
        request without reading the proposals. 404 where the dialogue's map is off."""
        require_module(MAP, org, await dialogues.get_dialogue(db_session, org, slug))
        found = await proposal_map.map_version(
            db_session, org.id, slug, _filters(status, theme, sector, q, sort)
        )
        headers = {"ETag": found.etag, "Cache-Control": "no-cache"}
        if none_match(request.headers.get("if-none-match"), found.etag):
            return Response(b"", status_code=304, headers=headers)
        cache = app_context(request).map_cache
        body = await proposal_map.map_document(db_session, cache, found)
        return Response(body, media_type=GEOJSON, headers=headers)

    @post("/{slug:str}/proposals", status_code=201)
    async def create_proposal(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
        data: JSONBody[ProposalSpec],
    ) -> ProposalOut:
        limit = await limit_proposal(request, actor, draft=data.draft is True)
        if not limit.allowed:
            raise RateLimited(limit.retry_after)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        proposal = await proposals.create_proposal(
            db_session, plugins, dialogue, actor, data, now=utcnow(), group_ids=group_ids
        )
        await db_session.commit()
        if proposal.published_at is not None:
            plugins.proposal_submitted(proposal, dialogue)
        return proposal_out(dialogue, proposal, actor, actor)


class ProposalController(Controller):
    path = "/api/v1/proposals"
    tags: ClassVar[list[str]] = ["proposals"]

    @get("/{proposal_id:int}")
    async def read_proposal(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, proposal_id: FromPath[int]
    ) -> ProposalOut:
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        return (await proposals_out(db_session, dialogue, [proposal], actor))[0]

    @patch("/{proposal_id:int}")
    async def update_proposal(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: JSONBody[ProposalSpec],
    ) -> ProposalOut:
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        await proposals.update_proposal(db_session, plugins, dialogue, proposal, actor, data)
        await db_session.commit()
        return proposal_out(dialogue, proposal, actor, actor)

    @post("/{proposal_id:int}/publish", status_code=200)
    async def publish_proposal(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        proposal_id: FromPath[int],
    ) -> ProposalOut:
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        await proposals.publish_proposal(
            db_session, plugins, dialogue, proposal, actor, now=utcnow(), group_ids=group_ids
        )
        await db_session.commit()
        plugins.proposal_submitted(proposal, dialogue)
        return proposal_out(dialogue, proposal, actor, actor)


__all__ = ["DialogueController", "MediaType", "ProposalController"]
