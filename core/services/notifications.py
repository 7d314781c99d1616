"""News for the people who follow a dialogue or a proposal, and for the staff.

:func:`notify` records one :class:`core.models.Notification` per recipient in one
``INSERT ... SELECT``, each with the delivery its recipient chose for the kind
(``notification_preferences``, else the kind's default): telling 20,000 followers that
a vote opens is one statement, in the transaction of the event handler that noticed it.
The emails are composed later, in batches, by the mail queue
(:mod:`core.services.news_mail`). Citizens' kinds reach every follower (the page lists
them even for those who want no email); staff kinds reach only the staff members who
chose them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Select, case, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import UTCDateTime, upsert, utcnow
from core.errors import ValidationFailed
from core.models import Dialogue, Notification, NotificationPreference, Organisation, User
from core.notification_kinds import FREQUENCIES, NotificationKind
from core.plugin_manager import Plugins
from core.registries import Registry
from core.services.follows import dialogue_followers, proposal_followers

#: Notifications a page shows at most.
PAGE_SIZE = 50
#: The module of the core's news (``core.defaults.notifications``).
MODULE = "notifications"


def news_on(plugins: Plugins, dialogue: Dialogue, organisation: Organisation | None = None) -> bool:
    """Whether ``dialogue`` has news: it is public (a draft tells nobody anything), the
    notifications module is loaded and on there (and ``organisation`` may use it, when
    given)."""
    module = plugins.modules.get(MODULE)
    return (
        dialogue.published_at is not None
        and module is not None
        and module.enabled_on(dialogue)
        and (organisation is None or module.granted_to(organisation))
    )


def kind_named(kinds: Registry[NotificationKind], name: str) -> NotificationKind:
    kind = kinds.get(name)
    if kind is None:
        raise ValueError(f"unknown notification kind {name!r}")
    return kind


async def notify(
    session: AsyncSession,
    kinds: Registry[NotificationKind],
    *,
    kind: str,
    organisation_id: int,
    recipients: Select[Any],
    title: str,
    link: str,
    dialogue_id: int | None = None,
    proposal_id: int | None = None,
    details: Mapping[str, Any] | None = None,
    exclude: Collection[int] = (),
    already_mailed: Collection[int] = (),
    now: datetime | None = None,
) -> int:
    """Records news of ``kind`` for each user of ``recipients`` (a select of user ids)
    of the organisation, except ``exclude`` (who caused it); returns how many. The
    users of ``already_mailed`` were told by an email of their own (an author told of
    their proposal's new status): their news is on their page, not mailed again."""
    news_kind = kind_named(kinds, kind)
    now = now or utcnow()
    wanted = recipients.subquery()
    frequency = func.coalesce(NotificationPreference.frequency, literal(news_kind.default))
    chosen = (
        select(
            literal(organisation_id).label("organisation_id"),
            User.id.label("user_id"),
            literal(kind).label("kind"),
            literal(dialogue_id).label("dialogue_id"),
            literal(proposal_id).label("proposal_id"),
            literal(title[:400]).label("title"),
            literal(link[:400]).label("link"),
            literal(dict(details or {}), JSON()).label("details"),
            frequency.label("delivery"),
            literal(now, UTCDateTime()).label("created_at"),
            (
                case((User.id.in_(list(already_mailed)), literal(now, UTCDateTime())))
                if already_mailed
                else literal(None, UTCDateTime())
            ).label("mailed_at"),
        )
        .select_from(User)
        .outerjoin(
            NotificationPreference,
            (NotificationPreference.user_id == User.id) & (NotificationPreference.kind == kind),
        )
        .where(
            User.id.in_(select(wanted.c[0])),
            User.organisation_id == organisation_id,
            User.deleted_at.is_(None),
        )
    )
    if dialogue_id is not None:  # a draft's news is nobody's
        chosen = chosen.where(
            exists().where(Dialogue.id == dialogue_id, Dialogue.published_at.is_not(None))
        )
    if exclude:
        chosen = chosen.where(User.id.not_in(list(exclude)))
    if news_kind.audience == "staff":
        chosen = chosen.where(
            User.role != "citizen",
            NotificationPreference.frequency.is_not(None),
            NotificationPreference.frequency != "never",
        )
    columns = [
        "organisation_id",
        "user_id",
        "kind",
        "dialogue_id",
        "proposal_id",
        "title",
        "link",
        "details",
        "delivery",
        "created_at",
        "mailed_at",
    ]
    result: Any = await session.execute(insert(Notification).from_select(columns, chosen))
    return int(result.rowcount or 0)


async def notify_proposal_followers(
    session: AsyncSession,
    kinds: Registry[NotificationKind],
    *,
    kind: str,
    organisation_id: int,
    dialogue_id: int,
    proposal_id: int,
    title: str,
    details: Mapping[str, Any] | None = None,
    exclude: Collection[int] = (),
    already_mailed: Collection[int] = (),
    now: datetime | None = None,
) -> int:
    """:func:`notify` for the followers of a proposal, linking to its page."""
    return await notify(
        session,
        kinds,
        kind=kind,
        organisation_id=organisation_id,
        recipients=proposal_followers(proposal_id),
        title=title,
        link=f"/proposals/{proposal_id}",
        dialogue_id=dialogue_id,
        proposal_id=proposal_id,
        details=details,
        exclude=exclude,
        already_mailed=already_mailed,
        now=now,
    )


async def notify_dialogue_followers(
    session: AsyncSession,
    kinds: Registry[NotificationKind],
    *,
    kind: str,
    organisation_id: int,
    dialogue_id: int,
    slug: str,
    title: str,
    path: str = "",
    details: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """:func:`notify` for the followers of a dialogue, linking to its page (or to
    ``path`` under it: ``/results``)."""
    return await notify(
        session,
        kinds,
        kind=kind,
        organisation_id=organisation_id,
        recipients=dialogue_followers(dialogue_id),
        title=title,
        link=f"/dialogues/{slug}{path}",
        dialogue_id=dialogue_id,
        details=details,
        now=now,
    )


def only(user_id: int) -> Select[Any]:
    """One user, as recipients."""
    return select(User.id).where(User.id == user_id)


def staff_of(organisation_id: int) -> Select[Any]:
    """The staff of an organisation, as recipients (:func:`notify` keeps those who chose
    the kind)."""
    return select(User.id).where(User.organisation_id == organisation_id, User.role != "citizen")


# -- what a user reads and chooses -------------------------------------------------


async def unread_count(session: AsyncSession, user_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


async def latest(
    session: AsyncSession, user_id: int, *, before_id: int | None = None, limit: int = PAGE_SIZE
) -> list[Notification]:
    """The user's news, newest first (older than ``before_id`` for the next page)."""
    query = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        query = query.where(Notification.id < before_id)
    return list(await session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


async def mark_read(session: AsyncSession, user_id: int, ids: Sequence[int] | None = None) -> int:
    """Marks the user's news read: ``ids``, or all of it."""
    statement = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    result: Any = await session.execute(statement.values(read_at=utcnow()))
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Preference:
    kind: NotificationKind
    frequency: str
    chosen: bool


def kinds_for(kinds: Registry[NotificationKind], user: User) -> list[NotificationKind]:
    """The kinds ``user`` may choose: citizens' kinds, and staff kinds for the staff."""
    return [kind for kind in kinds if kind.audience == "citizens" or user.is_staff]


async def preferences_of(
    session: AsyncSession, kinds: Registry[NotificationKind], user: User
) -> list[Preference]:
    chosen = {
        row.kind: row.frequency
        for row in await session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    return [
        Preference(kind, chosen.get(kind.name, kind.default), kind.name in chosen)
        for kind in kinds_for(kinds, user)
    ]


async def set_preferences(
    session: AsyncSession,
    kinds: Registry[NotificationKind],
    user: User,
    choices: Mapping[str, str],
) -> None:
    """Stores ``choices`` (kind → frequency); an unknown kind or frequency is refused
    (422 ``notifications.invalid``) before anything is written."""
    allowed = {kind.name for kind in kinds_for(kinds, user)}
    for name, frequency in choices.items():
        if name not in allowed:
            raise ValidationFailed(f"{name}: no such kind of news", code="notifications.invalid")
        if frequency not in FREQUENCIES:
            raise ValidationFailed(
                f"{name}: choose one of {', '.join(FREQUENCIES)}", code="notifications.invalid"
            )
    now = utcnow()
    for name, frequency in choices.items():
        statement = upsert(session, NotificationPreference).values(
            user_id=user.id, kind=name, frequency=frequency, updated_at=now
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "kind"],
                set_={"frequency": frequency, "updated_at": now},
            )
        )
    # News not mailed yet follows the new choice: no email for what one just refused.
    for name, frequency in choices.items():
        await session.execute(
            update(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.kind == name,
                Notification.mailed_at.is_(None),
            )
            .values(delivery=frequency)
        )
