"""API: assisted voting at the desk (the ``desk`` module). A moderator or an
administrator casts, in one step, the ballot of a person seen at the town hall's desk:
the person's four identifying fields (verified by their document) and their votes,
judged like an online ballot (:mod:`core.services.assisted_votes`)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import FromPath, JSONBody

from core.db import utcnow
from core.permissions import Action
from core.services import assisted_votes, ballots, dialogues, verification
from core.specs import Strict
from web.admin.guard import staff, staff_guard
from web.api.ballots import BallotOut, BallotVoteIn, ballot_out
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep


class AssistedBallotIn(Strict):
    last_name: str
    first_name: str
    #: ``1980-04-02``, ``02/04/1980``...
    birth_date: str
    postal_code: str
    votes: list[BallotVoteIn]


class AssistedBallotController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/assisted-ballots"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @post("/", status_code=201, opt=staff(Action.MODERATE, Action.ADMINISTER))
    async def cast_assisted_ballot(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[AssistedBallotIn],
    ) -> BallotOut:
        """Casts the ballot of a person verified at the desk now; 409
        ``vote.identity_already_voted`` when they voted already."""
        who = verification.person(
            data.last_name, data.first_name, data.birth_date, data.postal_code
        )
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        changes = await assisted_votes.cast_assisted_ballot(
            db_session,
            plugins,
            org,
            dialogue,
            actor,
            who,
            [(vote.proposal_id, vote.value) for vote in data.votes],
            secret_key=request.app.state.context.settings.secret_key,
            now=utcnow(),
        )
        await db_session.commit()
        for change in changes:
            ballots.announce(plugins, change)
        return ballot_out(plugins, changes[-1].state, changes[-1].rules)
