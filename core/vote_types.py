"""The contract of a vote type: what a vote value means, which ballots are valid, how to
tally them. Built-in and third-party vote types implement :class:`VoteType` and register
an instance through the ``register_vote_types`` hook.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import msgspec

from core.errors import DomainError, ValidationFailed

S = TypeVar("S", bound=msgspec.Struct)


class VoteRejected(DomainError):
    """A ballot change refused by a rule; ``code`` is one of the stable ``vote.*`` codes."""

    status_code = 409
    code = "vote.not_allowed"


class InvalidVoteValue(VoteRejected):
    status_code = 422
    code = "vote.invalid_value"


@dataclass(frozen=True)
class BallotContent:
    """A whole ballot as a vote type judges it: ``votes`` maps proposal ids to values,
    ``costs`` gives each voted proposal's cost (``None`` when it has none)."""

    votes: Mapping[int, int]
    costs: Mapping[int, int | None]


@dataclass(frozen=True)
class CountedVotes:
    """The counted ballots of a dialogue, as parallel sequences of one row per vote, and
    ``candidates``: every proposal in the vote, voted on or not."""

    candidates: Sequence[int]
    ballot_ids: Sequence[int]
    proposal_ids: Sequence[int]
    values: Sequence[int]
    ballots_counted: int


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

    def check_settings(self, settings: S) -> None:
        """Raises :class:`ValidationFailed` when settings contradict each other."""

    @abstractmethod
    def parse_value(self, settings: S, raw: object) -> int:
        """Turns the API's ``value`` (``None`` when absent) into the stored integer, or
        raises :class:`InvalidVoteValue`."""

    @abstractmethod
    def present_value(self, settings: S, value: int) -> object:
        """The API form of a stored value (the inverse of :meth:`parse_value`)."""

    @abstractmethod
    def judge(self, settings: S, ballot: BallotContent) -> None:
        """Raises :class:`VoteRejected` with a stable code when the whole ``ballot``
        breaks a rule that a further change could never mend (maximums, budgets)."""

    @abstractmethod
    def min_votes(self, settings: S) -> int:
        """How many votes a ballot needs to be confirmed; 0 means ballots count as cast."""

    @abstractmethod
    def rules(self, settings: S) -> dict[str, Any]:
        """The rules a citizen is shown (``{"max_votes": 3, ...}``)."""

    @abstractmethod
    def remaining(self, settings: S, ballot: BallotContent) -> dict[str, Any]:
        """What the citizen may still give (``{"votes": 2}``, ``{"points": 40}``)."""

    @abstractmethod
    def tally(self, settings: S, votes: CountedVotes) -> dict[int, dict[str, Any]]:
        """The tally of each voted proposal from counted ballots only (pure, no I/O)."""
