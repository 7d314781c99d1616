"""The core's tables. Importing this package registers every one of them on ``Base``."""

from core.models.ballots import Ballot, Vote, VoteLogEntry
from core.models.blocks import AgendaEvent, Block
from core.models.comments import Comment
from core.models.dialogues import Dialogue, Phase, PhaseGroup
from core.models.organisations import Organisation, OrganisationHost
from core.models.proposals import Proposal
from core.models.users import ApiToken, Group, GroupMembership, User

__all__ = [
    "AgendaEvent",
    "ApiToken",
    "Ballot",
    "Block",
    "Comment",
    "Dialogue",
    "Group",
    "GroupMembership",
    "Organisation",
    "OrganisationHost",
    "Phase",
    "PhaseGroup",
    "Proposal",
    "User",
    "Vote",
    "VoteLogEntry",
]
