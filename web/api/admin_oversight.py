"""API: the fraud signals (administrators and moderators) and the audit log of staff
actions (administrators only), for the back office."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from core.db import utcnow
from core.models import User
from core.permissions import Action
from core.services import audit, fraud_signals
from core.services.fraud_signals import NetworkSignal
from web.admin.guard import staff, staff_guard
from web.api.schemas import Page
from web.dependencies import CurrentOrg, DbSession

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000)]
PerPage = Annotated[int, QueryParameter(ge=1, le=100)]
Hours = Annotated[int, QueryParameter(ge=1, le=fraud_signals.MAX_HOURS)]
Threshold = Annotated[int, QueryParameter(ge=1, le=fraud_signals.MAX_THRESHOLD)]
ActionName = Annotated[str | None, QueryParameter(max_length=64)]


class DialogueShareOut(msgspec.Struct):
    slug: str
    title: str
    ballots: int
    voided: int
    #: The dialogue's ballots linked to the network, where staff void them.
    ballots_url: str


class NetworkSignalOut(msgspec.Struct):
    network: str
    count: int
    changes: int
    first_at: datetime
    last_at: datetime
    dialogues: list[DialogueShareOut]


class SignalsOut(msgspec.Struct):
    hours: int
    since: datetime
    accounts_threshold: int
    ballots_threshold: int
    accounts: list[NetworkSignalOut]
    votes: list[NetworkSignalOut]


class ActorOut(msgspec.Struct):
    id: int
    email: str | None
    name: str
    deleted: bool


class AuditEntryOut(msgspec.Struct):
    id: int
    created_at: datetime
    action: str
    target: str
    details: dict[str, Any]
    #: ``null`` for the platform itself (a command, a sweep) or a removed account.
    actor: ActorOut | None


def ballots_url(slug: str, network: str) -> str:
    query = urlencode({"network": network})
    return f"/api/v1/admin/dialogues/{slug}/ballots?{query}"


def _signal_out(signal: NetworkSignal) -> NetworkSignalOut:
    return NetworkSignalOut(
        network=signal.network,
        count=signal.count,
        changes=signal.changes,
        first_at=signal.first_at,
        last_at=signal.last_at,
        dialogues=[
            DialogueShareOut(
                slug=share.slug,
                title=share.title,
                ballots=share.ballots,
                voided=share.voided,
                ballots_url=ballots_url(share.slug, signal.network),
            )
            for share in signal.dialogues
        ],
    )


def _actor_out(user: User | None) -> ActorOut | None:
    if user is None:
        return None
    return ActorOut(
        id=user.id,
        email=user.email,
        name=user.display_name,
        deleted=user.deleted_at is not None,
    )


class AdminOversightController(Controller):
    path = "/api/v1/admin"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @get("/signals", opt=staff(Action.ADMINISTER, Action.MODERATE))
    async def signals(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        hours: Hours = fraud_signals.DEFAULT_HOURS,
        accounts: Threshold = fraud_signals.DEFAULT_ACCOUNTS,
        ballots: Threshold = fraud_signals.DEFAULT_BALLOTS,
    ) -> SignalsOut:
        """Networks (keyed digests) with at least ``accounts`` accounts created, or
        ``ballots`` ballots changed, in the last ``hours`` hours."""
        found = await fraud_signals.signals(
            db_session,
            org,
            now=utcnow(),
            hours=hours,
            accounts_threshold=accounts,
            ballots_threshold=ballots,
        )
        return SignalsOut(
            hours=found.hours,
            since=found.since,
            accounts_threshold=found.accounts_threshold,
            ballots_threshold=found.ballots_threshold,
            accounts=[_signal_out(signal) for signal in found.accounts],
            votes=[_signal_out(signal) for signal in found.votes],
        )

    @get("/audit")
    async def audit_log(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        action: ActionName = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[AuditEntryOut]:
        """The audit log of staff actions, newest first; ``action`` keeps one kind."""
        rows, total = await audit.entries(
            db_session, org, action=action or None, page=page, per_page=per_page
        )
        return Page(
            items=[
                AuditEntryOut(
                    id=entry.id,
                    created_at=entry.created_at,
                    action=entry.action,
                    target=entry.target,
                    details=entry.details,
                    actor=_actor_out(user),
                )
                for entry, user in rows
            ],
            total=total,
            page=page,
            per_page=per_page,
        )
