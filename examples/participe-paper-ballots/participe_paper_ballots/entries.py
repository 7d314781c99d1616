"""Entering and voiding paper ballots, and enabling them on a dialogue.

A paper ballot goes through the same rules as an online one: its values are read by the
dialogue's vote type (``parse_value``), the whole ballot is judged (``judge``: maximums,
budgets, ranks) and it needs the vote type's minimum of votes, since a paper ballot is
counted at once (it is "confirmed" by being entered). Every change is appended to the
entry log (:class:`~participe_paper_ballots.models.PaperLogEntry`) in the same
transaction; the caller commits.

Where the dialogue accepts only verified voters (a verification module on), each person
votes once, online or on paper: a paper ballot carries the voter's four identifying
fields, typed by staff from the signed register, and claims the vote of their identity in
the dialogue (:func:`core.services.verification.claim_identity_vote`), refused with 409
``vote.identity_already_voted`` when the person voted already; only the identity's id is
kept with the ballot, never the fields. Voiding the ballot gives the vote back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Dialogue, Organisation, Proposal, User
from core.plugin_manager import Plugins
from core.services import verification
from core.services.ballot_box import vote_rules
from core.vote_types import BallotContent, InvalidVoteValue, ProposalFacts, VoteRejected
from participe_paper_ballots.models import PaperAction, PaperBallot, PaperLogEntry, PaperVote
from participe_paper_ballots.settings import (
    MAX_STATION,
    MODULE,
    PaperBallotSettings,
    decode_settings,
    settings_of,
)

#: The most votes one paper ballot may hold.
MAX_VOTES = 1000
MAX_REFERENCE = 40


@dataclass(frozen=True)
class EnteredBallot:
    """A paper ballot with its votes (``{proposal_id: stored value}``)."""

    ballot: PaperBallot
    votes: dict[int, int]


async def enable(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, raw: dict[str, Any]
) -> PaperBallotSettings:
    """Enables paper ballots on ``dialogue`` (or changes their settings). The dialogue
    must have a vote whose type is installed."""
    vote_rules(plugins, dialogue)
    settings = decode_settings(raw)
    dialogue.modules = {**dialogue.modules, MODULE: msgspec.to_builtins(settings)}
    await session.flush()
    return settings


def require_enabled(dialogue: Dialogue) -> PaperBallotSettings:
    settings = settings_of(dialogue)
    if settings is None:
        raise Conflict(
            "La saisie des bulletins papier n'est pas activée pour cette démarche.",
            code="paper.not_enabled",
        )
    return settings


def _station(settings: PaperBallotSettings, station: str) -> str:
    station = station.strip()
    if not 1 <= len(station) <= MAX_STATION:
        raise ValidationFailed(f"station: 1 to {MAX_STATION} characters")
    if settings.stations and station not in settings.stations:
        raise ValidationFailed(f"station: one of {', '.join(settings.stations)}")
    return station


@dataclass(frozen=True)
class Voter:
    """The four identifying fields of a paper ballot's voter, as typed from the register,
    and what digests them (the organisation and the app's secret key)."""

    organisation: Organisation
    secret_key: str
    last_name: str = ""
    first_name: str = ""
    birth_date: str = ""
    postal_code: str = ""

    def digest(self) -> str:
        """The voter's identity digest; 422 ``validation`` naming each field that is
        empty or not understood."""
        who = verification.person(
            self.last_name, self.first_name, self.birth_date, self.postal_code
        )
        return verification.identity_digest(self.secret_key, self.organisation.id, who)


async def enter_ballot(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    staff: User,
    *,
    station: str,
    reference: str,
    raw_votes: Sequence[tuple[int, object]],
    now: datetime,
    voter: Voter | None = None,
) -> EnteredBallot:
    """Enters one paper ballot: ``raw_votes`` are ``(proposal_id, API value)`` pairs, as
    an online ballot replaced at once. Where the dialogue accepts only verified voters,
    ``voter`` is required and their identity votes once (see the module)."""
    settings = require_enabled(dialogue)
    digest = None
    if verification.accepted_methods(dialogue):
        if voter is None:
            raise ValidationFailed("Indiquez la personne qui a voté.")
        digest = voter.digest()
    rules = vote_rules(plugins, dialogue)
    station = _station(settings, station)
    reference = reference.strip()
    if len(reference) > MAX_REFERENCE:
        raise ValidationFailed(f"reference: at most {MAX_REFERENCE} characters")
    if len(raw_votes) > MAX_VOTES:
        raise InvalidVoteValue(f"Un bulletin compte au plus {MAX_VOTES} votes.")
    wanted = [proposal_id for proposal_id, _ in raw_votes]
    if len(set(wanted)) != len(wanted):
        raise InvalidVoteValue("Une proposition figure deux fois dans le bulletin.")
    found = {
        proposal.id: proposal
        for proposal in await session.scalars(
            select(Proposal).where(Proposal.id.in_(wanted), Proposal.dialogue_id == dialogue.id)
        )
    }
    for proposal_id in wanted:
        proposal = found.get(proposal_id)
        if proposal is None:
            raise NotFound(f"proposition {proposal_id} introuvable dans cette démarche")
        if not proposal.is_votable:
            raise Conflict(
                f"La proposition {proposal_id} ne fait pas partie du vote.",
                code="vote.not_in_vote",
            )
    votes = {pid: rules.kind.parse_value(rules.settings, raw) for pid, raw in raw_votes}
    facts = {pid: ProposalFacts.of(found[pid]) for pid in votes}
    # In a budget split into envelopes, the voter's sector is that of the postal code
    # typed from the register; a ballot entered without it votes in one sector's envelope.
    postal_code = voter.postal_code.strip() if voter is not None else ""
    voter_rules = rules.for_voter(dialogue, postal_code, unknown=not postal_code)
    voter_rules.judge(BallotContent(votes, proposals=facts))
    needed = max(rules.min_votes, 1)
    if len(votes) < needed:
        raise VoteRejected(
            f"Un bulletin doit compter au moins {needed} vote(s) pour être compté.",
            code="vote.min_not_reached",
        )
    await begin_write(session)
    if reference:
        twice = await session.scalar(
            select(func.count())
            .select_from(PaperBallot)
            .where(
                PaperBallot.dialogue_id == dialogue.id,
                PaperBallot.station == station,
                PaperBallot.reference == reference,
                PaperBallot.voided_at.is_(None),
            )
        )
        if twice:
            raise Conflict(
                f"Le bulletin {reference} du bureau « {station} » est déjà saisi.",
                code="paper.duplicate",
            )
    identity_id = None
    if digest is not None and voter is not None:
        identity_id = await verification.claim_identity_vote(
            session, voter.organisation, dialogue, digest, now=now
        )
    ballot = PaperBallot(
        dialogue_id=dialogue.id,
        station=station,
        reference=reference,
        entered_by_id=staff.id,
        created_at=now,
        void_reason="",
        identity_id=identity_id,
    )
    session.add(ballot)
    await session.flush()
    session.add_all(
        PaperVote(paper_ballot_id=ballot.id, proposal_id=pid, value=value)
        for pid, value in votes.items()
    )
    session.add(
        PaperLogEntry(
            dialogue_id=dialogue.id,
            paper_ballot_id=ballot.id,
            action=PaperAction.ENTER.value,
            station=station,
            reference=reference,
            votes={str(pid): value for pid, value in sorted(votes.items())},
            user_id=staff.id,
            reason="",
            created_at=now,
        )
    )
    await session.flush()
    return EnteredBallot(ballot, votes)


async def void_ballot(
    session: AsyncSession,
    dialogue: Dialogue,
    staff: User,
    ballot_id: int,
    reason: str,
    *,
    now: datetime,
) -> EnteredBallot:
    """Voids a paper ballot entered by mistake: it stays stored and logged, no longer
    counted, and gives back its voter's vote in the dialogue, if it claimed one. Voiding
    twice changes nothing."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("reason: say why the ballot is voided")
    await begin_write(session)
    ballot = await session.scalar(
        select(PaperBallot)
        .where(PaperBallot.id == ballot_id, PaperBallot.dialogue_id == dialogue.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if ballot is None:
        raise NotFound("bulletin papier introuvable")
    if ballot.voided_at is None:
        ballot.voided_at = now
        ballot.void_reason = reason
        if ballot.identity_id is not None:
            await verification.release_identity_vote(session, dialogue, ballot.identity_id)
        session.add(
            PaperLogEntry(
                dialogue_id=dialogue.id,
                paper_ballot_id=ballot.id,
                action=PaperAction.VOID.value,
                station=ballot.station,
                reference=ballot.reference,
                votes={},
                user_id=staff.id,
                reason=reason,
                created_at=now,
            )
        )
        await session.flush()
    return EnteredBallot(ballot, (await votes_of(session, [ballot.id]))[ballot.id])


async def votes_of(session: AsyncSession, ballot_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """The votes of each of ``ballot_ids`` (one query)."""
    found: dict[int, dict[int, int]] = {ballot_id: {} for ballot_id in ballot_ids}
    if ballot_ids:
        rows = await session.execute(
            select(PaperVote.paper_ballot_id, PaperVote.proposal_id, PaperVote.value).where(
                PaperVote.paper_ballot_id.in_(list(ballot_ids))
            )
        )
        for ballot_id, proposal_id, value in rows:
            found[ballot_id][proposal_id] = value
    return found


async def list_ballots(
    session: AsyncSession, dialogue: Dialogue, *, page: int, per_page: int
) -> tuple[list[EnteredBallot], int]:
    """A page of the dialogue's paper ballots, the newest first, and their total."""
    condition = PaperBallot.dialogue_id == dialogue.id
    total = await session.scalar(select(func.count()).select_from(PaperBallot).where(condition))
    ballots = list(
        await session.scalars(
            select(PaperBallot)
            .where(condition)
            .order_by(PaperBallot.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    votes = await votes_of(session, [b.id for b in ballots])
    return [EnteredBallot(b, votes[b.id]) for b in ballots], int(total or 0)


async def log_entries(
    session: AsyncSession, dialogue: Dialogue, *, page: int, per_page: int
) -> tuple[list[PaperLogEntry], int]:
    """A page of the entry log, the newest first, and its total."""
    condition = PaperLogEntry.dialogue_id == dialogue.id
    total = await session.scalar(select(func.count()).select_from(PaperLogEntry).where(condition))
    entries = list(
        await session.scalars(
            select(PaperLogEntry)
            .where(condition)
            .order_by(PaperLogEntry.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return entries, int(total or 0)
