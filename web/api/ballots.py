"""API: my ballot in a dialogue (cast, change, withdraw, replace, confirm) and my ballot
box. Handlers translate HTTP; :mod:`core.services.ballots` does the work, then the
handler commits and fires the events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.db_range import RowId
from core.errors import AuthRequired, DomainError
from core.models import User
from core.plugin_manager import Plugins
from core.services import ballot_box, ballots, dialogues
from core.services.ballot_box import BallotState
from core.specs import Strict
from web.api.pagination import PageNumber, PerPage
from web.api.schemas import Page
from web.client_network import client_network
from web.dependencies import (
    JUDGED_UNDER_LOCK,
    Actor,
    CurrentOrg,
    DbSession,
    GroupIds,
    PluginsDep,
)
from web.rate_limits import rate_limited

#: The API value of a vote: none (support), an option key (binary) or an integer.
RawValue = int | str | None


class VoteIn(Strict):
    value: RawValue = None


class BallotVoteIn(Strict):
    proposal_id: RowId
    value: RawValue = None


class BallotIn(Strict):
    votes: list[BallotVoteIn]


class BallotVoteOut(msgspec.Struct):
    proposal_id: int
    value: Any
    title: str


class BallotOut(msgspec.Struct):
    """A citizen's ballot. ``counted``: whether the tally counts it (confirmed, not
    voided); ``notice``: ``"unconfirmed"`` when this change turned it back into a draft."""

    dialogue: str
    status: str
    counted: bool
    votes: list[BallotVoteOut]
    rules: dict[str, Any]
    remaining: dict[str, Any]
    confirmed_at: datetime | None
    notice: str | None


#: Every change of a ballot counts against the ``vote`` rate limits.
VOTE_GUARDS = [rate_limited("vote")]
#: A ballot change is judged again under its dialogue's lock: it may start from a snapshot.
VOTE_OPT = {JUDGED_UNDER_LOCK: True}


def ballot_out(
    plugins: Plugins, state: BallotState, rules: ballot_box.VoteRules | None = None
) -> BallotOut:
    """The answer for ``state``; ``rules`` when the caller already decoded them."""
    if rules is None:
        try:
            rules = ballot_box.vote_rules(plugins, state.dialogue)
        except DomainError:  # a vote type whose plugin was since disabled: show raw values
            rules = None
    return BallotOut(
        dialogue=state.dialogue.slug,
        status=state.status.value,
        counted=state.counted,
        votes=[
            BallotVoteOut(
                proposal_id=proposal_id,
                value=rules.kind.present_value(rules.settings, value) if rules else value,
                title=state.proposals[proposal_id].title,
            )
            for proposal_id, value in sorted(state.votes.items())
        ],
        rules=rules.kind.rules(rules.settings) if rules else {},
        remaining=rules.kind.remaining(rules.settings, state.content()) if rules else {},
        confirmed_at=state.ballot.confirmed_at if state.ballot else None,
        notice=state.notice,
    )


def _signed_in(actor: User | None) -> User:
    if actor is None:
        raise AuthRequired("Connexion requise.")
    return actor


class BallotController(Controller):
    path = "/api/v1"
    tags = ["ballots"]  # noqa: RUF012

    @get("/dialogues/{slug:str}/ballot")
    async def read_ballot(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> BallotOut:
        user = _signed_in(actor)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        ballot_box.vote_rules(plugins, dialogue)
        return ballot_out(plugins, await ballot_box.read_ballot(db_session, dialogue, user))

    @put("/dialogues/{slug:str}/ballot/votes/{proposal_id:int}", guards=VOTE_GUARDS, opt=VOTE_OPT)
    async def cast_vote(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        data: JSONBody[VoteIn | None] = None,
    ) -> BallotOut:
        """Casts or changes one vote; the body may be left out when the vote type needs no
        value (a support)."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        change = await ballots.cast_vote(
            db_session,
            plugins,
            dialogue,
            actor,
            proposal_id,
            data.value if data else None,
            now=utcnow(),
            group_ids=group_ids,
            network=client_network(request),
        )
        return await _settled(db_session, plugins, change)

    @delete(
        "/dialogues/{slug:str}/ballot/votes/{proposal_id:int}",
        status_code=200,
        guards=VOTE_GUARDS,
        opt=VOTE_OPT,
    )
    async def withdraw_vote(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
        proposal_id: FromPath[int],
    ) -> BallotOut:
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        change = await ballots.withdraw_vote(
            db_session,
            plugins,
            dialogue,
            actor,
            proposal_id,
            now=utcnow(),
            group_ids=group_ids,
            network=client_network(request),
        )
        return await _settled(db_session, plugins, change)

    @put("/dialogues/{slug:str}/ballot", guards=VOTE_GUARDS, opt=VOTE_OPT)
    async def replace_ballot(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
        data: JSONBody[BallotIn],
    ) -> BallotOut:
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        change = await ballots.replace_ballot(
            db_session,
            plugins,
            dialogue,
            actor,
            [(vote.proposal_id, vote.value) for vote in data.votes],
            now=utcnow(),
            group_ids=group_ids,
            network=client_network(request),
        )
        return await _settled(db_session, plugins, change)

    @post("/dialogues/{slug:str}/ballot/confirm", status_code=200, guards=VOTE_GUARDS, opt=VOTE_OPT)
    async def confirm_ballot(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        group_ids: GroupIds,
        slug: FromPath[str],
    ) -> BallotOut:
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        change = await ballots.confirm_ballot(
            db_session,
            plugins,
            dialogue,
            actor,
            now=utcnow(),
            group_ids=group_ids,
            network=client_network(request),
        )
        return await _settled(db_session, plugins, change)

    @get("/me/ballots")
    async def my_ballots(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[BallotOut]:
        user = _signed_in(actor)
        states, total = await ballot_box.ballot_box(
            db_session, org, user, page=page, per_page=per_page
        )
        return Page(
            items=[ballot_out(plugins, state) for state in states],
            total=total,
            page=page,
            per_page=per_page,
        )


async def _settled(
    db_session: AsyncSession, plugins: Plugins, change: ballots.BallotChange
) -> BallotOut:
    """Commits a ballot change, then tells the plugins and answers the ballot: the events
    fire only once the change is stored."""
    await db_session.commit()
    ballots.announce(plugins, change)
    return ballot_out(plugins, change.state, change.rules)
