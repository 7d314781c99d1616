"""Dialogues (participatory processes) and their dated phases."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.models.users import Group


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


class DialogueKind(enum.StrEnum):
    IDEAS = "ideas"
    CONSULTATION = "consultation"
    BUDGET = "budget"
    QUESTIONNAIRE = "questionnaire"


class PhaseKind(enum.StrEnum):
    INFORMATION = "information"
    PROPOSALS = "proposals"
    REVIEW = "review"
    VOTE = "vote"
    RESULTS = "results"


class CommentsMode(enum.StrEnum):
    THREAD = "thread"
    QUALIFIED = "qualified"
    OFF = "off"


class ModerationMode(enum.StrEnum):
    """``pre``: new proposals and comments stay hidden until a moderator approves them;
    ``post``: they appear at once, and moderators hide what breaks the rules."""

    PRE = "pre"
    POST = "post"


class ResultsVisibility(enum.StrEnum):
    LIVE = "live"
    AFTER_VOTE = "after_vote"
    MANUAL = "manual"


class Dialogue(Base):
    __tablename__ = "dialogues"
    __table_args__ = (UniqueConstraint("organisation_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DialogueKind] = mapped_column(_enum(DialogueKind))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The id of the vote type (a registry key) and its settings as validated JSON.
    vote_type: Mapped[str | None] = mapped_column(String(64))
    vote_settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    comments_mode: Mapped[CommentsMode] = mapped_column(
        _enum(CommentsMode), default=CommentsMode.THREAD
    )
    budget_amount: Mapped[int | None]
    budget_rule: Mapped[str | None] = mapped_column(String(64))
    #: Proposal form: a list of field definitions ``{"key","label","type",...}``.
    form: Mapped[list[Any]] = mapped_column(default=list)
    themes: Mapped[list[Any]] = mapped_column(default=list)
    sectors: Mapped[list[Any]] = mapped_column(default=list)
    #: Other enabled modules and their settings, keyed by plugin module id.
    modules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    results_visibility: Mapped[ResultsVisibility] = mapped_column(
        _enum(ResultsVisibility), default=ResultsVisibility.AFTER_VOTE
    )
    results_published_at: Mapped[datetime | None]
    moderation: Mapped[ModerationMode] = mapped_column(
        _enum(ModerationMode), default=ModerationMode.POST, server_default=ModerationMode.POST.value
    )
    archived_at: Mapped[datetime | None]
    #: When the dialogue was made public; ``None``: a draft that only the organisation's
    #: staff see, as a preview (``core.services.drafts``).
    published_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    #: The stored name of the dialogue's image (:mod:`core.uploads`): the banner of its
    #: pages and the picture of its card on the home page.
    image_path: Mapped[str | None] = mapped_column(String(255))
    #: Bumped by every change of what judges a vote, under the row's ``FOR UPDATE`` lock
    #: (``core.services.vote_locks``): a ballot change compares it with its dialogue's.
    config_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="dialogue",
        cascade="all, delete-orphan",
        order_by="Phase.position",
        lazy="selectin",
    )

    def current_phase(self, now: datetime) -> Phase | None:
        """The last phase, in order, that has started and not ended at ``now``."""
        current = None
        for phase in self.phases:
            if phase.is_open(now):
                current = phase
        return current

    def phase(self, kind: PhaseKind) -> Phase | None:
        return next((p for p in self.phases if p.kind == kind), None)


class Phase(Base):
    """A dated step of a dialogue. Dates are the one source of truth for the current phase:
    switching the phase by hand rewrites them (see ``core.services.phases``)."""

    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[PhaseKind] = mapped_column(_enum(PhaseKind))
    title: Mapped[str] = mapped_column(String(200), default="")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    #: When ``phase_opened`` / ``phase_closed`` was fired for the current dates (claimed by
    #: one worker with a conditional update; see ``core.services.publication``).
    opened_announced_at: Mapped[datetime | None]
    closed_announced_at: Mapped[datetime | None]
    #: When the citizens with a draft ballot were reminded that this vote phase ends.
    reminded_at: Mapped[datetime | None]
    dialogue: Mapped[Dialogue] = relationship(back_populates="phases", lazy="raise")
    #: The groups this phase's actions are restricted to (none: everyone).
    groups: Mapped[list[Group]] = relationship(
        secondary="phase_groups", lazy="selectin", order_by="Group.name"
    )

    def is_open(self, now: datetime) -> bool:
        if self.starts_at is None or self.starts_at > now:
            return False
        return self.ends_at is None or self.ends_at > now

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at is not None and self.ends_at <= now


class PhaseGroup(Base):
    """A phase restricted to a group."""

    __tablename__ = "phase_groups"

    phase_id: Mapped[int] = mapped_column(
        ForeignKey("phases.id", ondelete="CASCADE"), primary_key=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True, index=True
    )
