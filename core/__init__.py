"""Participe's core: the domain without the web. This is the public face for plugin
authors: what is listed in ``__all__`` is stable."""

from core.ballot_sources import BallotSource, ExtraBallots
from core.errors import (
    AuthRequired,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from core.hookspecs import hookimpl
from core.modules import Module, ModuleScope
from core.registries import Registry
from core.vote_types import (
    BallotContent,
    CountedVotes,
    InvalidVoteValue,
    ProposalFacts,
    VoteRejected,
    VoteType,
    check_max_votes,
    check_min_max_settings,
)

__all__ = [
    "AuthRequired",
    "BallotContent",
    "BallotSource",
    "Conflict",
    "CountedVotes",
    "DomainError",
    "ExtraBallots",
    "Forbidden",
    "InvalidVoteValue",
    "Module",
    "ModuleScope",
    "NotFound",
    "ProposalFacts",
    "Registry",
    "ValidationFailed",
    "VoteRejected",
    "VoteType",
    "check_max_votes",
    "check_min_max_settings",
    "hookimpl",
]
