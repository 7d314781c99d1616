"""API: a dialogue's ballots for staff, and voiding one with a reason (back office).

Administrators and moderators read the list (moderators follow the fraud signals to it);
only administrators void, since voiding changes the results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from core.db import utcnow
from core.permissions import Action, staff_check
from core.services import ballot_moderation, ballots, dialogues
from core.services.ballot_moderation import BallotRow
from core.specs import Strict
from web.admin.guard import staff, staff_guard
from web.api.schemas import Page
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000)]
PerPage = Annotated[int, QueryParameter(ge=1, le=100)]
Network = Annotated[str | None, QueryParameter(max_length=64)]
#: ``state`` is a name Litestar keeps for the app's state: read under another name.
State = Annotated[str | None, QueryParameter(name="state", pattern="^(counted|draft|voided)$")]


class VoidIn(Strict):
    #: Required: an empty or missing reason is refused with 422 ``validation``.
    reason: str = ""


class VoidOut(msgspec.Struct):
    id: int
    voided_at: datetime | None
    reason: str


class AdminBallotController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/ballots"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @get("/", opt=staff(Action.ADMINISTER, Action.MODERATE))
    async def list_ballots(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        network: Network = None,
        ballot_state: State = None,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[BallotRow]:
        """The dialogue's ballots, newest first; ``network`` keeps those linked to a
        network digest of the fraud signals, ``state`` those counted, draft or voided."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        rows, total = await ballot_moderation.ballot_page(
            db_session, dialogue, network=network, state=ballot_state, page=page, per_page=per_page
        )
        return Page(
            items=list(rows),
            total=total,
            page=page,
            per_page=per_page,
        )

    @post("/{ballot_id:int}/void", status_code=200)
    async def void_ballot(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        ballot_id: FromPath[int],
        data: JSONBody[VoidIn],
    ) -> VoidOut:
        """Voids the ballot: kept and logged with the reason, no longer counted.
        Voiding it again changes nothing and answers the first voiding."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        change = await ballot_moderation.void(
            db_session, plugins, org, dialogue, staff_member, ballot_id, data.reason, now=utcnow()
        )
        await db_session.commit()
        ballots.announce(plugins, change)
        ballot = change.state.ballot
        assert ballot is not None
        return VoidOut(id=ballot.id, voided_at=ballot.voided_at, reason=ballot.void_reason)
