"""API: comments on proposals, and reports of comments to the moderators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from core.db import utcnow
from core.db_range import RowId
from core.errors import AuthRequired
from core.models import Comment, User
from core.services import comments, proposals
from core.specs import Strict
from web.api.schemas import AuthorOut, Page
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.rate_limits import rate_limited

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000)]
PerPage = Annotated[int, QueryParameter(ge=1, le=100)]


class CommentIn(Strict):
    body: str
    stance: Literal["for", "against"] | None = None
    parent_id: RowId | None = None


class ReportIn(Strict):
    reason: str = ""


class CommentOut(msgspec.Struct):
    id: int
    author: AuthorOut
    body: str
    stance: str | None
    parent_id: int | None
    created_at: datetime


def comment_out(comment: Comment, author: User | None) -> CommentOut:
    return CommentOut(
        id=comment.id,
        author=AuthorOut(
            id=author.id if author and author.deleted_at is None else None,
            name=author.public_name if author else "Utilisateur supprimé",
        ),
        body=comment.body,
        stance=comment.stance.value if comment.stance else None,
        parent_id=comment.parent_id,
        created_at=comment.created_at,
    )


class CommentController(Controller):
    path = "/api/v1"
    tags: ClassVar[list[str]] = ["comments"]

    @get("/proposals/{proposal_id:int}/comments")
    async def list_comments(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[CommentOut]:
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        comments.require_comments(dialogue)
        rows, total = await comments.list_comments(
            db_session, proposal, page=page, per_page=per_page
        )
        return Page(
            items=[comment_out(c, author) for c, author in rows],
            total=total,
            page=page,
            per_page=per_page,
        )

    @post(
        "/proposals/{proposal_id:int}/comments",
        status_code=201,
        guards=[rate_limited("comment")],
    )
    async def post_comment(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        proposal_id: FromPath[int],
        data: JSONBody[CommentIn],
    ) -> CommentOut:
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        comment = await comments.post_comment(
            db_session,
            plugins,
            dialogue,
            proposal,
            actor,
            body=data.body,
            stance=data.stance,
            parent_id=data.parent_id,
            now=utcnow(),
            group_ids=group_ids,
        )
        await db_session.commit()
        plugins.comment_posted(comment, proposal, dialogue)
        return comment_out(comment, actor)

    @post("/comments/{comment_id:int}/report", status_code=202)
    async def report_comment(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        comment_id: FromPath[int],
        data: JSONBody[ReportIn | None] = None,
    ) -> dict[str, bool]:
        """Reports a comment to the moderators; reporting it again changes nothing."""
        if actor is None:
            raise AuthRequired("Connexion requise.")
        comment, _, dialogue = await comments.get_comment(db_session, org.id, comment_id)
        await comments.report_comment(
            db_session, plugins, dialogue, comment, actor, reason=data.reason if data else ""
        )
        await db_session.commit()
        return {"reported": True}
