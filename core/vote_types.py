"""The contract of a vote type: what a vote value means, which ballots are valid, how to
tally them. Built-in and third-party vote types implement :class:`VoteType` and register
an instance through the ``register_vote_types`` hook.

The ballot engine (``core.services.ballots``) owns storage, locking, phases and
permissions; a vote type only answers pure questions about one ballot or about the counted
ballots, so that it never needs the database:

- :meth:`VoteType.parse_value` / :meth:`VoteType.present_value` translate the API's
  ``value`` to and from the stored integer;
- :meth:`VoteType.place` and :meth:`VoteType.withdrawn` say what the whole ballot becomes
  after a one-vote change (most types change that vote only; ranks move the others);
- :meth:`VoteType.judge` refuses a resulting ballot that breaks a rule no further change
  could mend (maximums, budgets, malformed ranks); a minimum is never judged there, since a
  ballot grows one vote at a time, but through :meth:`VoteType.min_votes` at confirmation;
- :meth:`VoteType.tally` counts the counted ballots.

What a vote type knows of the proposals comes with its input, as :class:`ProposalFacts`
(cost, theme, sector, custom field values): :attr:`BallotContent.proposals` for the voted
proposals of a ballot, :attr:`CountedVotes.facts` for the candidates of a count.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import msgspec
import numpy
from numpy.typing import NDArray

from core.errors import DomainError, ValidationFailed
from core.vote_counts import VoteCounts

S = TypeVar("S", bound=msgspec.Struct)

#: A column of integers: a list, or the numpy array the counting services build.
IntColumn = Sequence[int] | NDArray[numpy.int64]


class VoteRejected(DomainError):
    """A ballot change refused by a rule; ``code`` is one of the stable ``vote.*`` codes."""

    status_code = 409
    code = "vote.not_allowed"


class InvalidVoteValue(VoteRejected):
    status_code = 422
    code = "vote.invalid_value"


#: The custom field values of a proposal that has none (read-only, shared).
_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})


class HasProposalFacts(Protocol):
    """What :meth:`ProposalFacts.of` reads: a ``core.models.Proposal`` has it."""

    @property
    def cost(self) -> int | None: ...
    @property
    def theme(self) -> str | None: ...
    @property
    def sector(self) -> str | None: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class ProposalFacts:
    """What a vote type may know of a proposal to judge a ballot or count the votes: its
    ``cost``, ``theme`` and ``sector`` (keys of the dialogue's lists, ``None`` when it has
    none) and ``fields``, the values of the dialogue's custom form fields keyed by field key,
    confidential ones included (a vote type must not show them back to citizens).

    The ballot engine reads them with the ballot, in the same query; once the vote phase is
    open they no longer change (what decides a vote is frozen).
    """

    cost: int | None = None
    theme: str | None = None
    sector: str | None = None
    fields: Mapping[str, Any] = field(default_factory=lambda: _NO_FIELDS)

    @classmethod
    def of(cls, proposal: HasProposalFacts) -> ProposalFacts:
        """The facts of ``proposal`` (a ``core.models.Proposal``, say), for code that holds
        the proposal itself, such as a ballot source judging the ballots it stores."""
        return cls(proposal.cost, proposal.theme, proposal.sector, dict(proposal.fields or {}))


@dataclass(frozen=True)
class BallotContent:
    """A whole ballot as a vote type judges it: ``votes`` maps proposal ids to values,
    ``proposals`` gives the :class:`ProposalFacts` of every voted proposal, and ``costs``
    each voted proposal's cost (``None`` when it has none).

    Given ``proposals`` alone, ``costs`` is filled from them; code written before the facts
    existed gives ``costs`` alone, and ``proposals`` then holds facts with the cost only.
    """

    votes: Mapping[int, int]
    costs: Mapping[int, int | None] = field(default_factory=dict)
    proposals: Mapping[int, ProposalFacts] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.proposals and not self.costs:
            costs = {pid: facts.cost for pid, facts in self.proposals.items()}
            object.__setattr__(self, "costs", costs)
        elif self.costs and not self.proposals:
            proposals = {pid: ProposalFacts(cost) for pid, cost in self.costs.items()}
            object.__setattr__(self, "proposals", proposals)


@dataclass(frozen=True)
class CountedVotes:
    """The counted ballots of a dialogue, as parallel sequences of one row per vote, and
    ``candidates``: every proposal in the vote, voted on or not (ascending ids).

    Rows are grouped by ballot (ascending ``ballot_ids``) and, within a ballot, sorted by
    proposal id; only votes on candidates appear. ``ballots_counted`` is the number of
    counted ballots. ``facts`` gives the :class:`ProposalFacts` of every candidate (read
    once per count, not per vote; empty when whoever built the votes had none to give).
    """

    candidates: Sequence[int]
    ballot_ids: IntColumn
    proposal_ids: IntColumn
    values: IntColumn
    ballots_counted: int
    facts: Mapping[int, ProposalFacts] = field(default_factory=dict)


class VoteType(ABC, Generic[S]):
    """Base class of vote types. Subclasses set the class attributes and the methods."""

    #: Stable id, stored by dialogues (``"support"``, ``"binary"``, ...).
    id: ClassVar[str]
    #: Human name, shown in the back office.
    title: ClassVar[str]
    #: The msgspec Struct of this vote type's settings (fields with defaults).
    settings_type: ClassVar[type[msgspec.Struct]]
    #: Template that renders the vote widget of one proposal.
    widget_template: ClassVar[str] = ""
    #: Template that renders this type's results on the results page, instead of the
    #: core's charts (which know the tallies of the built-in types only). It receives
    #: ``body`` (the results API body), ``shown`` (its proposals, best first when the
    #: tally gives ranks), ``winners``, ``settings`` (this type's decoded settings) and
    #: ``vote_type`` (this object, whose methods may draw charts); ``""`` lets the core
    #: draw them.
    results_template: ClassVar[str] = ""
    #: How participatory-budget rules read this type's ballots (``core.budget_elections``):
    #: ``"approval"`` (a vote of value 1 approves), ``"points"`` (the value is the voter's
    #: utility), or ``None`` when budget rules do not apply to them.
    budget_ballots: ClassVar[str | None] = None

    def decode_settings(self, raw: Mapping[str, Any] | None) -> S:
        """Validates raw settings (unknown keys refused) into the settings Struct."""
        try:
            settings = msgspec.convert(dict(raw or {}), type=self.settings_type)
        except msgspec.ValidationError as error:
            raise ValidationFailed(f"vote.settings: {error}") from error
        self.check_settings(settings)  # type: ignore[arg-type]
        return settings  # type: ignore[return-value]

    def encode_settings(self, settings: S) -> dict[str, Any]:
        encoded: dict[str, Any] = msgspec.to_builtins(settings)
        return encoded

    def call_to_action(self, settings: S) -> str:
        """What a dialogue's page asks citizens to do while this vote is open: a French
        message id, which pages translate with the web's catalogue (a plugin's own
        sentence stays French where that catalogue lacks it)."""
        return "Le vote est ouvert : donnez votre avis sur les propositions."

    def check_settings(self, settings: S) -> None:
        """Raises :class:`ValidationFailed` when settings contradict each other."""

    @abstractmethod
    def parse_value(self, settings: S, raw: object) -> int:
        """Turns the API's ``value`` (``None`` when absent) into the stored integer, or
        raises :class:`InvalidVoteValue`."""

    @abstractmethod
    def present_value(self, settings: S, value: int) -> object:
        """The API form of a stored value (the inverse of :meth:`parse_value`)."""

    def place(
        self, settings: S, votes: Mapping[int, int], proposal_id: int, value: int
    ) -> dict[int, int]:
        """The whole ballot after the citizen gives ``value`` to ``proposal_id`` (a cast,
        or a change when ``votes`` already holds it).

        The default changes that one vote. A vote type whose values depend on each other
        may move other votes (ranks shift to make room) or raise
        :class:`InvalidVoteValue` when ``value`` cannot be placed. The result is then
        judged as a whole by :meth:`judge`.
        """
        return {**votes, proposal_id: value}

    def withdrawn(self, settings: S, votes: Mapping[int, int], proposal_id: int) -> dict[int, int]:
        """The whole ballot after the vote on ``proposal_id`` is withdrawn.

        A withdrawal is never refused by a rule (a citizen can always take a vote back),
        so the result is not judged; the default drops that one vote, ranks close the gap.
        """
        return {key: value for key, value in votes.items() if key != proposal_id}

    @abstractmethod
    def judge(self, settings: S, ballot: BallotContent) -> None:
        """Raises :class:`VoteRejected` with a stable code when the whole ``ballot``
        breaks a rule that a further change could never mend (maximums, budgets, values
        that contradict each other). Called on the result of every cast, change and
        replacement, inside the transaction that holds the ballot's lock."""

    @abstractmethod
    def min_votes(self, settings: S) -> int:
        """How many votes a ballot needs before it can be confirmed.

        Above 0, a ballot counts only once the citizen confirms it, and a withdrawal that
        takes it below this number turns it back into a draft. 0 means no confirmation:
        a ballot counts as soon as it holds a vote.
        """

    @abstractmethod
    def rules(self, settings: S) -> dict[str, Any]:
        """The rules a citizen is shown (``{"max_votes": 3, ...}``)."""

    @abstractmethod
    def remaining(self, settings: S, ballot: BallotContent) -> dict[str, Any]:
        """What the citizen may still give (``{"votes": 2}``, ``{"points": 40}``)."""

    @abstractmethod
    def tally(self, settings: S, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        """The tally of every candidate (voted on or not) from counted ballots only, keyed
        by proposal id, in JSON-ready values (pure, no I/O)."""

    def tally_counts(self, settings: S, counts: VoteCounts) -> dict[int, dict[str, Any]] | None:
        """The same tally as :meth:`tally`, from the counted votes grouped by proposal and
        value (an aggregate query), or ``None`` when the tally needs whole ballots (ranks).

        The results read the database this way whenever a vote type answers here, which
        is much faster on large dialogues; the default answers ``None``.
        """
        return None


def check_min_max_settings(min_votes: int, max_votes: int | None, *, noun: str = "votes") -> None:
    """Refuses contradictory ``min_<noun>`` / ``max_<noun>`` settings."""
    if min_votes < 0:
        raise ValidationFailed(f"vote.settings: min_{noun} must be 0 or more")
    if max_votes is not None and max_votes < 1:
        raise ValidationFailed(f"vote.settings: max_{noun} must be 1 or more (or null)")
    if max_votes is not None and min_votes > max_votes:
        raise ValidationFailed(f"vote.settings: min_{noun} cannot exceed max_{noun}")


def check_max_votes(ballot: BallotContent, max_votes: int | None) -> None:
    """Refuses a ballot with more votes than ``max_votes`` (``vote.max_exceeded``)."""
    if max_votes is not None and len(ballot.votes) > max_votes:
        raise VoteRejected(
            f"Vous ne pouvez pas donner plus de {max_votes} vote(s).", code="vote.max_exceeded"
        )
