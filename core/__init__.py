"""Participe's core: the domain without the web. This is the public face for plugin
authors: what is listed in ``__all__`` is stable."""

from core.errors import (
    AuthRequired,
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from core.hookspecs import hookimpl
from core.registries import Registry
from core.vote_types import BallotContent, CountedVotes, InvalidVoteValue, VoteRejected, VoteType

__all__ = [
    "AuthRequired",
    "BallotContent",
    "Conflict",
    "CountedVotes",
    "DomainError",
    "Forbidden",
    "InvalidVoteValue",
    "NotFound",
    "Registry",
    "ValidationFailed",
    "VoteRejected",
    "VoteType",
    "hookimpl",
]
