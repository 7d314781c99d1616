"""Reading ballots: one citizen's ballot in a dialogue, and their ballot box (every
dialogue they voted in). Changes are in :mod:`core.services.ballots`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict
from core.models import Ballot, Dialogue, Organisation, Proposal, User, Vote
from core.models.ballots import BallotStatus
from core.plugin_manager import Plugins
from core.services import envelopes
from core.services.envelopes import EnvelopeJudge
from core.services.proposal_facts import FACT_COLUMNS, facts_from
from core.vote_types import BallotContent, ProposalFacts, VoteType


@dataclass(frozen=True)
class VoteRules:
    """A dialogue's vote type with its decoded settings, and, where the dialogue's budget
    is split into envelopes, the voter's (:mod:`core.services.envelopes`)."""

    kind: VoteType[Any]
    settings: Any
    envelopes: EnvelopeJudge | None = None

    @property
    def min_votes(self) -> int:
        return self.kind.min_votes(self.settings)

    def for_voter(
        self, dialogue: Dialogue, postal_code: str | None, *, unknown: bool = False
    ) -> VoteRules:
        """These rules for one voter of ``dialogue``: where its budget is split into
        envelopes, judged in the envelope of ``postal_code`` (the voter's account's) and
        the city-wide one. ``unknown``: the voter's sector is not known (a paper ballot
        entered without its voter), and the ballot may vote in one sector's envelope."""
        split = envelopes.split_of(dialogue)
        if split is None:
            return self
        if unknown:
            return replace(self, envelopes=EnvelopeJudge(split, None, sector_from_ballot=True))
        return replace(
            self, envelopes=EnvelopeJudge(split, envelopes.voter_envelope(split, postal_code))
        )

    def judge(self, content: BallotContent) -> None:
        """Refuses ``content`` where it breaks a rule of the vote type, envelope by
        envelope in a split dialogue."""
        if self.envelopes is not None:
            self.envelopes.judge(self.kind, self.settings, content)
        else:
            self.kind.judge(self.settings, content)


def vote_rules(plugins: Plugins, dialogue: Dialogue) -> VoteRules:
    """The vote type of ``dialogue``; 409 ``vote.not_configured`` when it has none, and
    409 ``vote.type_missing`` when it names a vote type that no enabled plugin provides
    (its package was uninstalled, or its plugin blocked): the votes already cast stay
    stored, and count again once the plugin is back."""
    if not dialogue.vote_type:
        raise Conflict("Cette démarche ne comporte pas de vote.", code="vote.not_configured")
    kind = plugins.vote_types.get(dialogue.vote_type)
    if kind is None:
        raise Conflict(
            f"Le module de vote « {dialogue.vote_type} » de cette démarche n'est pas installé "
            "sur la plateforme : le vote et ses résultats sont indisponibles.",
            code="vote.type_missing",
            extra={"vote_type": dialogue.vote_type},
        )
    return VoteRules(kind, kind.decode_settings(dialogue.vote_settings))


@dataclass(frozen=True)
class VotedProposal:
    """What a ballot needs to know of a proposal it votes on: its title, shown with the
    vote, and the facts its vote type judges the ballot by."""

    title: str
    facts: ProposalFacts

    @property
    def cost(self) -> int | None:
        return self.facts.cost


@dataclass
class BallotState:
    """One citizen's ballot in one dialogue: ``ballot`` is ``None`` before the first vote.

    ``notice`` is ``"unconfirmed"`` when the change that produced this state turned a
    confirmed ballot back into a draft (it fell below the minimum of votes).
    """

    dialogue: Dialogue
    ballot: Ballot | None
    votes: dict[int, int] = field(default_factory=dict)
    proposals: dict[int, VotedProposal] = field(default_factory=dict)
    notice: str | None = None

    @property
    def status(self) -> BallotStatus:
        return BallotStatus.DRAFT if self.ballot is None else self.ballot.status

    @property
    def counted(self) -> bool:
        """Whether the tally counts this ballot: confirmed and not voided."""
        return (
            self.ballot is not None
            and self.ballot.status == BallotStatus.CONFIRMED
            and self.ballot.voided_at is None
        )

    def content(self) -> BallotContent:
        """The ballot as its vote type judges it, with the facts of every voted proposal."""
        return BallotContent(
            votes=dict(self.votes),
            proposals={pid: self.proposals[pid].facts for pid in self.votes},
        )


async def load_votes(
    session: AsyncSession, ballot_ids: Collection[int]
) -> dict[int, tuple[dict[int, int], dict[int, VotedProposal]]]:
    """The votes of ``ballot_ids`` with the title and facts of each voted proposal, in one
    query: ``{ballot_id: ({proposal_id: value}, {proposal_id: VotedProposal})}``."""
    loaded: dict[int, tuple[dict[int, int], dict[int, VotedProposal]]] = {
        ballot_id: ({}, {}) for ballot_id in ballot_ids
    }
    if not loaded:
        return loaded
    rows = await session.execute(
        select(Vote.ballot_id, Vote.proposal_id, Vote.value, Proposal.title, *FACT_COLUMNS)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .where(Vote.ballot_id.in_(list(loaded)))
    )
    for ballot_id, proposal_id, value, title, *facts in rows:
        votes, proposals = loaded[ballot_id]
        votes[proposal_id] = value
        proposals[proposal_id] = VotedProposal(title, facts_from(*facts))
    return loaded


async def read_ballot(session: AsyncSession, dialogue: Dialogue, user: User) -> BallotState:
    """``user``'s ballot in ``dialogue`` (an empty draft before the first vote), with its
    votes, in one statement."""
    rows = (
        await session.execute(
            select(Ballot, Vote.proposal_id, Vote.value, Proposal.title, *FACT_COLUMNS)
            .outerjoin(Vote, Vote.ballot_id == Ballot.id)
            .outerjoin(Proposal, Proposal.id == Vote.proposal_id)
            .where(Ballot.dialogue_id == dialogue.id, Ballot.user_id == user.id)
        )
    ).all()
    if not rows:
        return BallotState(dialogue, None)
    state = BallotState(dialogue, rows[0][0])
    for _, proposal_id, value, title, *facts in rows:
        if proposal_id is not None:
            state.votes[proposal_id] = value
            state.proposals[proposal_id] = VotedProposal(title, facts_from(*facts))
    return state


async def ballot_box(
    session: AsyncSession, organisation: Organisation, user: User, *, page: int, per_page: int
) -> tuple[list[BallotState], int]:
    """A page of ``user``'s ballots that hold votes, every dialogue of ``organisation``,
    the most recently changed first, and their total."""
    query = (
        select(Ballot, Dialogue)
        .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
        .where(
            Ballot.user_id == user.id,
            Dialogue.organisation_id == organisation.id,
            exists().where(Vote.ballot_id == Ballot.id),
        )
    )
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows: Sequence[Any] = (
        await session.execute(
            query.order_by(Ballot.updated_at.desc(), Ballot.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    ).all()
    votes = await load_votes(session, [ballot.id for ballot, _ in rows])
    return [BallotState(dialogue, ballot, *votes[ballot.id]) for ballot, dialogue in rows], total
