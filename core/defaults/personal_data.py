"""The core's personal data sources (see :mod:`core.personal_data`):

- ``proposals``: every proposal the citizen wrote, drafts and hidden ones included, with
  every field value, confidential ones included (they are the author). On deletion, the
  drafts (which no one else ever saw) are deleted; the other proposals stay, shown as
  from a deleted user, without their confidential field values;
- ``comments``: the comments they wrote; they stay, anonymous;
- ``comment_reports``: the comments they reported to the moderators, with their reason;
  the reports stay for the moderators, without their author;
- ``ballots``: their ballots with their votes and the vote-log entries of each; they stay
  exactly as they are, so that no result changes (the ballot belongs to an anonymised
  account).

The account itself (address, name, groups, tokens, sessions) is the service's part:
:mod:`core.services.personal_data`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.hookspecs import hookimpl
from core.models import (
    Ballot,
    Comment,
    CommentReport,
    Dialogue,
    Proposal,
    User,
    Vote,
    VoteLogEntry,
)
from core.models.proposals import ProposalStatus
from core.personal_data import PersonalDataContext, PersonalDataSource
from core.registries import Registry
from core.services.proposals import form_of


def _dialogue(dialogue: Dialogue) -> dict[str, str]:
    return {"slug": dialogue.slug, "title": dialogue.title}


class ProposalsSource(PersonalDataSource):
    id = "proposals"

    async def export(
        self, session: AsyncSession, user: User, context: PersonalDataContext
    ) -> list[dict[str, Any]]:
        rows = await session.execute(
            select(Proposal, Dialogue)
            .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
            .where(Proposal.author_id == user.id)
            .order_by(Proposal.id)
        )
        return [
            {
                "id": proposal.id,
                "dialogue": _dialogue(dialogue),
                "title": proposal.title,
                "body": proposal.body,
                "status": proposal.status.value,
                "status_reason": proposal.status_reason,
                "theme": proposal.theme,
                "sector": proposal.sector,
                "location": (
                    {"lat": proposal.lat, "lng": proposal.lng}
                    if proposal.lat is not None and proposal.lng is not None
                    else None
                ),
                "cost": proposal.cost,
                "fields": dict(proposal.fields),
                "image_url": f"/media/{proposal.image_path}" if proposal.image_path else None,
                "created_at": proposal.created_at,
                "updated_at": proposal.updated_at,
                "published_at": proposal.published_at,
                "hidden_at": proposal.hidden_at,
                "hidden_reason": proposal.hidden_reason,
            }
            for proposal, dialogue in rows
        ]

    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        await session.execute(
            delete(Proposal).where(
                Proposal.author_id == user.id, Proposal.status == ProposalStatus.DRAFT
            )
        )
        rows = await session.execute(
            select(Proposal, Dialogue)
            .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
            .where(Proposal.author_id == user.id)
        )
        for proposal, dialogue in rows:
            confidential = {field.key for field in form_of(dialogue) if field.confidential}
            if confidential & set(proposal.fields):
                proposal.fields = {
                    key: value for key, value in proposal.fields.items() if key not in confidential
                }


class CommentsSource(PersonalDataSource):
    id = "comments"

    async def export(
        self, session: AsyncSession, user: User, context: PersonalDataContext
    ) -> list[dict[str, Any]]:
        rows = await session.execute(
            select(Comment, Proposal.title)
            .join(Proposal, Proposal.id == Comment.proposal_id)
            .where(Comment.author_id == user.id)
            .order_by(Comment.id)
        )
        return [
            {
                "id": comment.id,
                "proposal": {"id": comment.proposal_id, "title": title},
                "parent_id": comment.parent_id,
                "body": comment.body,
                "stance": comment.stance.value if comment.stance else None,
                "created_at": comment.created_at,
                "hidden_at": comment.hidden_at,
                "hidden_reason": comment.hidden_reason,
            }
            for comment, title in rows
        ]

    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        """Nothing: a comment stays in its thread, shown as from a deleted user (its
        author's account no longer says who they were)."""


class CommentReportsSource(PersonalDataSource):
    id = "comment_reports"

    async def export(
        self, session: AsyncSession, user: User, context: PersonalDataContext
    ) -> list[dict[str, Any]]:
        rows = await session.scalars(
            select(CommentReport)
            .where(CommentReport.reporter_id == user.id)
            .order_by(CommentReport.id)
        )
        return [
            {
                "comment_id": report.comment_id,
                "reason": report.reason,
                "created_at": report.created_at,
                "resolved_at": report.resolved_at,
            }
            for report in rows
        ]

    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        await session.execute(
            update(CommentReport)
            .where(CommentReport.reporter_id == user.id)
            .values(reporter_id=None)
        )


class BallotsSource(PersonalDataSource):
    id = "ballots"

    async def export(
        self, session: AsyncSession, user: User, context: PersonalDataContext
    ) -> list[dict[str, Any]]:
        ballots = (
            await session.execute(
                select(Ballot, Dialogue)
                .join(Dialogue, Dialogue.id == Ballot.dialogue_id)
                .where(Ballot.user_id == user.id)
                .order_by(Ballot.id)
            )
        ).all()
        exported = []
        for ballot, dialogue in ballots:
            show = _value_shower(context, dialogue)
            votes = await session.execute(
                select(Vote.proposal_id, Proposal.title, Vote.value)
                .join(Proposal, Proposal.id == Vote.proposal_id)
                .where(Vote.ballot_id == ballot.id)
                .order_by(Vote.proposal_id)
            )
            log = await session.scalars(
                select(VoteLogEntry)
                .where(VoteLogEntry.ballot_id == ballot.id)
                .order_by(VoteLogEntry.id)
            )
            exported.append(
                {
                    "id": ballot.id,
                    "dialogue": _dialogue(dialogue),
                    "status": ballot.status.value,
                    "created_at": ballot.created_at,
                    "updated_at": ballot.updated_at,
                    "confirmed_at": ballot.confirmed_at,
                    "voided_at": ballot.voided_at,
                    "void_reason": ballot.void_reason,
                    "votes": [
                        {"proposal_id": proposal_id, "proposal_title": title, "value": show(value)}
                        for proposal_id, title, value in votes
                    ],
                    # The keyed network digests are left out: a fraud signal, kept a
                    # few days only, which says nothing readable.
                    "log": [
                        {
                            "action": entry.action,
                            "proposal_id": entry.proposal_id,
                            "value": show(entry.value) if entry.value is not None else None,
                            "reason": entry.reason,
                            "created_at": entry.created_at,
                        }
                        for entry in log
                    ],
                }
            )
        return exported

    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        """Nothing: ballots and votes stay exactly as they are, so that no count
        changes; they belong to an account that no longer says who it was."""


def _value_shower(context: PersonalDataContext, dialogue: Dialogue) -> Any:
    """A function giving the API form of a stored vote value in ``dialogue`` (the stored
    integer when its vote type is not installed or does not know the value)."""
    kind = context.plugins.vote_types.get(dialogue.vote_type or "")
    if kind is None:
        return lambda value: value
    settings = kind.decode_settings(dialogue.vote_settings)

    def show(value: int) -> Any:
        try:
            return kind.present_value(settings, value)
        except (ValueError, KeyError, IndexError):
            return value

    return show


@hookimpl
def register_personal_data(registry: Registry[PersonalDataSource]) -> None:
    for source in (ProposalsSource(), CommentsSource(), CommentReportsSource(), BallotsSource()):
        registry.add(source)
