"""API: following dialogues and proposals, the signed-in user's news and how often they
want each kind (an addition to the contract, written in the README's API table)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import AuthRequired
from core.models import Notification, User
from core.plugin_manager import Plugins
from core.services import follows, notifications
from core.specs import Strict
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.pages.notifications import change_follow


def signed_in(actor: User | None) -> User:
    if actor is None:
        raise AuthRequired("Connexion requise.")
    return actor


class FollowedOut(msgspec.Struct):
    dialogue: str
    proposal_id: int | None
    title: str
    automatic: bool


class NotificationOut(msgspec.Struct):
    id: int
    kind: str
    headline: str
    title: str
    link: str
    dialogue_id: int | None
    proposal_id: int | None
    created_at: datetime
    read: bool
    delivery: str


class NotificationsOut(msgspec.Struct):
    unread: int
    items: list[NotificationOut]


class PreferenceOut(msgspec.Struct):
    kind: str
    label: str
    frequency: str
    audience: str


class ReadIn(Strict):
    ids: list[int] | None = None


def notification_out(plugins: Plugins, item: Notification, language: str) -> NotificationOut:
    kind = plugins.notification_kinds.get(item.kind)
    return NotificationOut(
        id=item.id,
        kind=item.kind,
        headline=kind.headline_of(language, item.title, item.details) if kind else item.title,
        title=item.title,
        link=item.link,
        dialogue_id=item.dialogue_id,
        proposal_id=item.proposal_id,
        created_at=item.created_at,
        read=item.read_at is not None,
        delivery=item.delivery,
    )


async def preferences_out(
    session: AsyncSession, plugins: Plugins, user: User
) -> list[PreferenceOut]:
    chosen = await notifications.preferences_of(session, plugins.notification_kinds, user)
    return [
        PreferenceOut(p.kind.name, p.kind.label(user.language), p.frequency, p.kind.audience)
        for p in chosen
    ]


class FollowController(Controller):
    path = "/api/v1"
    tags: ClassVar[list[str]] = ["notifications"]

    @post("/dialogues/{slug:str}/follow", status_code=204)
    async def follow_dialogue(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> None:
        await change_follow(db_session, plugins, org, signed_in(actor), slug, None, active=True)

    @delete("/dialogues/{slug:str}/follow", status_code=204)
    async def unfollow_dialogue(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> None:
        await change_follow(db_session, plugins, org, signed_in(actor), slug, None, active=False)

    @post("/proposals/{proposal_id:int}/follow", status_code=204)
    async def follow_proposal(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
    ) -> None:
        await change_follow(
            db_session, plugins, org, signed_in(actor), None, proposal_id, active=True
        )

    @delete("/proposals/{proposal_id:int}/follow", status_code=204)
    async def unfollow_proposal(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
    ) -> None:
        await change_follow(
            db_session, plugins, org, signed_in(actor), None, proposal_id, active=False
        )

    @get("/me/follows")
    async def my_follows(self, db_session: DbSession, actor: Actor) -> list[FollowedOut]:
        """What the signed-in user follows: dialogues first, then proposals; ``automatic``
        for what they follow by taking part (their proposals, votes and comments)."""
        followed = await follows.followed_by(db_session, signed_in(actor))
        return [
            FollowedOut(item.dialogue_slug, item.proposal_id, item.title, item.automatic)
            for item in followed
        ]

    @get("/me/notifications")
    async def my_notifications(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        actor: Actor,
        before: Annotated[int | None, QueryParameter(ge=1, le=2_000_000_000)] = None,
    ) -> NotificationsOut:
        """The signed-in user's news, newest first, 50 at a time (``before``: the last
        id of the previous page), with the count of unread ones."""
        user = signed_in(actor)
        items = await notifications.latest(db_session, user.id, before_id=before)
        return NotificationsOut(
            unread=await notifications.unread_count(db_session, user.id),
            items=[notification_out(plugins, item, user.language) for item in items],
        )

    @post("/me/notifications/read", status_code=204)
    async def mark_read(
        self, db_session: DbSession, actor: Actor, data: JSONBody[ReadIn | None] = None
    ) -> None:
        """Marks news read: ``{"ids": [...]}``, or all of it without a body."""
        user = signed_in(actor)
        await begin_write(db_session)
        await notifications.mark_read(db_session, user.id, data.ids if data else None)
        await db_session.commit()

    @get("/me/notification-preferences")
    async def my_preferences(
        self, db_session: DbSession, plugins: PluginsDep, actor: Actor
    ) -> list[PreferenceOut]:
        return await preferences_out(db_session, plugins, signed_in(actor))

    @put("/me/notification-preferences")
    async def set_my_preferences(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        actor: Actor,
        data: JSONBody[dict[str, str]],
    ) -> list[PreferenceOut]:
        """Sets how often each kind is mailed: ``{"phase_opened": "daily", ...}`` with
        ``now``, ``daily``, ``weekly`` or ``never``; 422 ``notifications.invalid``."""
        user = signed_in(actor)
        await begin_write(db_session)
        await notifications.set_preferences(db_session, plugins.notification_kinds, user, data)
        await db_session.commit()
        return await preferences_out(db_session, plugins, user)
