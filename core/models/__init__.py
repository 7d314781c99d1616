"""The core's tables. Importing this package registers every one of them on ``Base``."""

from core.models.accounts import SignInToken, UserSession
from core.models.audit import AuditEntry
from core.models.ballots import Ballot, Vote, VoteLogEntry, VoteLogHead
from core.models.blocks import AgendaEvent, Block
from core.models.bot_checks import UsedChallenge
from core.models.comments import Comment, CommentReport
from core.models.dialogues import Dialogue, Phase, PhaseGroup
from core.models.event_jobs import EventJob
from core.models.notifications import Follow, Notification, NotificationPreference
from core.models.organisations import Organisation, OrganisationHost
from core.models.outbox import OutboxMessage
from core.models.proposals import Proposal, ProposalRevision
from core.models.review import ReviewNote
from core.models.task_leases import TaskLease
from core.models.users import ApiToken, Group, GroupMembership, User
from core.models.verification import (
    BirthDate,
    CensusEntry,
    Identity,
    IdentityVote,
    LetterCode,
    UserVerification,
)

__all__ = [
    "AgendaEvent",
    "ApiToken",
    "AuditEntry",
    "Ballot",
    "BirthDate",
    "Block",
    "CensusEntry",
    "Comment",
    "CommentReport",
    "Dialogue",
    "EventJob",
    "Follow",
    "Group",
    "GroupMembership",
    "Identity",
    "IdentityVote",
    "LetterCode",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "OrganisationHost",
    "OutboxMessage",
    "Phase",
    "PhaseGroup",
    "Proposal",
    "ProposalRevision",
    "ReviewNote",
    "SignInToken",
    "TaskLease",
    "UsedChallenge",
    "User",
    "UserSession",
    "UserVerification",
    "Vote",
    "VoteLogEntry",
    "VoteLogHead",
]
