"""API of the back office: a dialogue's paper ballots, under
``/api/v1/admin/dialogues/{slug}/paper-ballots`` (administrators only).

- ``GET ""``: the settings and a page of ballots, newest first;
- ``PUT /settings`` ``{"stations": [...]}``: enables paper ballots (or changes them);
- ``POST ""`` ``{"station", "reference"?, "votes": [{"proposal_id", "value"?}]}``: 201,
  the ballot entered; where the dialogue accepts only verified voters, with the voter's
  ``"last_name", "first_name", "birth_date", "postal_code"`` (409
  ``vote.identity_already_voted`` when the person voted already);
- ``POST /{id}/void`` ``{"reason"}``: the voided ballot;
- ``GET /log``: a page of the entry log, newest first.

Values are the API values of the dialogue's vote type, as on an online ballot; refusals
carry the same codes (``vote.max_exceeded``, ``vote.invalid_value``, ...), and
``paper.not_enabled``, ``paper.duplicate``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from core.db import utcnow
from core.models import Dialogue, User
from core.plugin_manager import Plugins
from core.services import dialogues
from core.specs import Strict
from participe_paper_ballots import entries
from participe_paper_ballots.entries import EnteredBallot, Voter
from participe_paper_ballots.models import PaperLogEntry
from participe_paper_ballots.settings import settings_of
from web.admin.guard import staff_guard
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep

PageNumber = Annotated[int, QueryParameter(ge=1, le=1_000_000)]
PerPage = Annotated[int, QueryParameter(ge=1, le=100)]


class SettingsIn(Strict):
    stations: list[str] = msgspec.field(default_factory=list)


class VoteIn(Strict):
    proposal_id: int
    value: int | str | None = None


class PaperBallotIn(Strict):
    station: str
    votes: list[VoteIn]
    reference: str = ""
    #: The voter, from the signed register: required where the dialogue accepts only
    #: verified voters, ignored elsewhere.
    last_name: str = ""
    first_name: str = ""
    #: ``1980-04-02``, ``02/04/1980``...
    birth_date: str = ""
    postal_code: str = ""


class VoidIn(Strict):
    reason: str


class PaperVoteOut(msgspec.Struct):
    proposal_id: int
    value: Any


class PaperBallotOut(msgspec.Struct):
    id: int
    station: str
    reference: str
    votes: list[PaperVoteOut]
    entered_by: int | None
    created_at: datetime
    counted: bool
    voided_at: datetime | None
    void_reason: str


class PaperBallotsOut(msgspec.Struct):
    """The settings (``null`` while not enabled) and a page of ballots."""

    settings: dict[str, Any] | None
    items: list[PaperBallotOut]
    total: int
    page: int
    per_page: int


class LogEntryOut(msgspec.Struct):
    id: int
    paper_ballot_id: int
    action: str
    station: str
    reference: str
    votes: dict[str, Any]
    user_id: int | None
    reason: str
    created_at: datetime


class LogPage(msgspec.Struct):
    items: list[LogEntryOut]
    total: int
    page: int
    per_page: int


def ballot_out(plugins: Plugins, dialogue: Dialogue, entered: EnteredBallot) -> PaperBallotOut:
    kind = plugins.vote_types.get(dialogue.vote_type or "")
    settings = kind.decode_settings(dialogue.vote_settings) if kind is not None else None
    ballot = entered.ballot
    return PaperBallotOut(
        id=ballot.id,
        station=ballot.station,
        reference=ballot.reference,
        votes=[
            PaperVoteOut(pid, kind.present_value(settings, value) if kind is not None else value)
            for pid, value in sorted(entered.votes.items())
        ],
        entered_by=ballot.entered_by_id,
        created_at=ballot.created_at,
        counted=ballot.voided_at is None,
        voided_at=ballot.voided_at,
        void_reason=ballot.void_reason,
    )


def log_out(entry: PaperLogEntry) -> LogEntryOut:
    return LogEntryOut(
        entry.id,
        entry.paper_ballot_id,
        entry.action,
        entry.station,
        entry.reference,
        entry.votes,
        entry.user_id,
        entry.reason,
        entry.created_at,
    )


def secret_key(request: Request[Any, Any, Any]) -> str:
    """The app's secret key, which digests a voter's identity."""
    key: str = request.app.state.context.settings.secret_key
    return key


def _staff(actor: User | None) -> User:
    assert actor is not None  # the guard let only staff in
    return actor


class PaperBallotController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/paper-ballots"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @get("/")
    async def list_paper_ballots(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> PaperBallotsOut:
        """The settings and a page of the dialogue's paper ballots, newest first."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        settings = settings_of(dialogue)
        found, total = await entries.list_ballots(
            db_session, dialogue, page=page, per_page=per_page
        )
        return PaperBallotsOut(
            None if settings is None else msgspec.to_builtins(settings),
            [ballot_out(plugins, dialogue, entered) for entered in found],
            total,
            page,
            per_page,
        )

    @put("/settings")
    async def save_settings(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
        data: JSONBody[SettingsIn],
    ) -> dict[str, Any]:
        """Enables paper ballots on the dialogue, with its polling stations."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        settings = await entries.enable(db_session, plugins, dialogue, msgspec.to_builtins(data))
        await db_session.commit()
        result: dict[str, Any] = msgspec.to_builtins(settings)
        return result

    @post("/", status_code=201)
    async def enter_paper_ballot(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[PaperBallotIn],
    ) -> PaperBallotOut:
        """Enters one paper ballot, judged by the dialogue's vote type."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        entered = await entries.enter_ballot(
            db_session,
            plugins,
            dialogue,
            _staff(actor),
            station=data.station,
            reference=data.reference,
            raw_votes=[(vote.proposal_id, vote.value) for vote in data.votes],
            now=utcnow(),
            voter=Voter(
                org,
                secret_key(request),
                data.last_name,
                data.first_name,
                data.birth_date,
                data.postal_code,
            ),
        )
        await db_session.commit()
        return ballot_out(plugins, dialogue, entered)

    @post("/{ballot_id:int}/void", status_code=200)
    async def void_paper_ballot(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        ballot_id: FromPath[int],
        data: JSONBody[VoidIn],
    ) -> PaperBallotOut:
        """Voids a paper ballot entered by mistake (it stays in the log)."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        entered = await entries.void_ballot(
            db_session, dialogue, _staff(actor), ballot_id, data.reason, now=utcnow()
        )
        await db_session.commit()
        return ballot_out(plugins, dialogue, entered)

    @get("/log")
    async def paper_ballot_log(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> LogPage:
        """The entry log: every entry and voiding, who and when, newest first."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        found, total = await entries.log_entries(db_session, dialogue, page=page, per_page=per_page)
        return LogPage([log_out(entry) for entry in found], total, page, per_page)
