"""The analysis's JSON API: similar proposals for a text being written (anyone who may
see the dialogue), and for staff the duplicate groups, the pairs marked distinct, the
topics and the theme suggestions. Documented in the README's API table."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from core.db import utcnow
from core.db_range import RowId
from core.permissions import Action
from core.services import dialogues, merging
from plugins.analysis import results, store
from plugins.analysis.module import settings_of
from web.admin.guard import staff, staff_guard
from web.admin.review import announce_status_changes
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.rate_limits import rate_limited

#: Staff who may read the analysis: the reviewers and the administrators.
READERS = staff(Action.ADMINISTER, Action.REVIEW, Action.MODERATE)


class SimilarIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(max_length=200)]
    body: Annotated[str, msgspec.Meta(max_length=20_000)] = ""


class ProposalRef(msgspec.Struct):
    id: int
    title: str
    status: str
    theme: str | None
    url: str


class SimilarOut(msgspec.Struct):
    proposal: ProposalRef
    score: float


class SimilarList(msgspec.Struct):
    items: list[SimilarOut]


class GroupOut(msgspec.Struct):
    score: float
    proposals: list[ProposalRef]


class GroupList(msgspec.Struct):
    items: list[GroupOut]
    computed_at: datetime | None
    stale: bool


class DistinctIn(msgspec.Struct, forbid_unknown_fields=True):
    proposal_ids: Annotated[list[RowId], msgspec.Meta(min_length=2, max_length=2)]


class MergeIn(msgspec.Struct, forbid_unknown_fields=True):
    kept: RowId
    merged: Annotated[list[RowId], msgspec.Meta(min_length=1, max_length=50)]


class MergeOut(msgspec.Struct):
    kept: int
    merged: list[int]
    votes_moved: int
    counted_once: int
    refused: int
    comments_moved: int
    unconfirmed: int


class TopicOut(msgspec.Struct):
    key_words: list[str]
    proposals: list[ProposalRef]


class TopicList(msgspec.Struct):
    items: list[TopicOut]
    computed_at: datetime | None
    stale: bool


class ThemeOut(msgspec.Struct):
    proposal: ProposalRef
    theme: str
    confidence: float


class ThemeList(msgspec.Struct):
    items: list[ThemeOut]
    computed_at: datetime | None
    stale: bool


def ref(listed: store.Listed) -> ProposalRef:
    return ProposalRef(
        listed.id, listed.title, listed.status, listed.theme, f"/proposals/{listed.id}"
    )


class AnalysisController(Controller):
    path = "/api/v1/dialogues/{slug:str}/analysis"

    @post(
        "/similar",
        status_code=200,
        guards=[rate_limited("analysis_similar", default="60/minute", ip_default="120/minute")],
    )
    async def similar_proposals(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str], data: JSONBody[SimilarIn]
    ) -> SimilarList:
        """The dialogue's public proposals that say what a text being written says, best
        first (at most the module's ``limit``, none under its ``threshold``)."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        settings = settings_of(dialogue)
        found = await store.similar(
            db_session,
            dialogue,
            data.title,
            data.body,
            limit=settings.limit,
            threshold=settings.threshold,
        )
        return SimilarList([SimilarOut(ref(listed), match.score) for listed, match in found])


class AnalysisAdminController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/analysis"
    guards = [staff_guard]  # noqa: RUF012

    @get("/duplicates", opt=READERS)
    async def duplicate_groups(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
    ) -> GroupList:
        """The likely duplicate groups, best first, without the pairs marked distinct."""
        found = await _stored(db_session, org, slug)
        return GroupList(
            [GroupOut(score, [ref(p) for p in members]) for members, score in found.groups],
            found.computed_at,
            found.stale,
        )

    @post("/distinct", opt=staff(Action.ADMINISTER, Action.REVIEW))
    async def mark_distinct(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[DistinctIn],
    ) -> Response[Any]:
        """Two proposals are not duplicates: 201 recorded, 200 when it already was."""
        assert actor is not None  # the guard let only staff in
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        first, second = data.proposal_ids
        added = await store.mark_distinct(db_session, dialogue, first, second, actor)
        if added:
            await results.forget(db_session, dialogue.id, pair=(first, second))
        await db_session.commit()
        pair = {"proposal_ids": sorted((first, second))}
        return Response(pair, status_code=201 if added else 200)

    @post("/merge", status_code=200, opt=staff(Action.ADMINISTER, Action.REVIEW))
    async def merge(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[MergeIn],
    ) -> Response[MergeOut]:
        """Merges proposals into the one kept (``core.services.merging``): the others
        closed as merged, their authors told, their votes and comments carried over."""
        assert actor is not None  # the guard let only staff in
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        done = await merging.merge_proposals(
            db_session, plugins, org, dialogue, data.kept, data.merged, actor, now=utcnow()
        )
        gone = frozenset(change.proposal.id for change in done.changes)
        await results.forget(db_session, dialogue.id, proposals=gone)
        delivery = await announce_status_changes(
            request, db_session, plugins, org, dialogue, done.changes
        )
        body = MergeOut(
            kept=done.kept.id,
            merged=[change.proposal.id for change in done.changes],
            votes_moved=done.votes_moved,
            counted_once=done.counted_once,
            refused=done.refused,
            comments_moved=done.comments_moved,
            unconfirmed=len(done.unconfirmed),
        )
        return Response(body, background=delivery)

    @get("/topics", opt=READERS)
    async def topics(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
    ) -> TopicList:
        """The dialogue's proposals grouped into topics, the largest first."""
        found = await _stored(db_session, org, slug)
        return TopicList(
            [
                TopicOut(t.key_words, [ref(found.listed[pid]) for pid in t.proposal_ids])
                for t in found.topics
            ],
            found.computed_at,
            found.stale,
        )

    @get("/themes", opt=READERS)
    async def theme_suggestions(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
    ) -> ThemeList:
        """A theme suggested for each public proposal without one."""
        found = await _stored(db_session, org, slug)
        return ThemeList(
            [
                ThemeOut(ref(found.without[s.proposal_id]), s.theme, s.confidence)
                for s in found.suggestions
            ],
            found.computed_at,
            found.stale,
        )


async def _stored(db_session: Any, org: Any, slug: str) -> results.Stored:
    """The dialogue's stored results (never computed in the request)."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
    return await results.stored(db_session, dialogue, settings_of(dialogue).threshold)
