"""The questionnaire's own tables, in its own migration branch.

One response per citizen and dialogue holds through :class:`Participant`, a "has answered"
row keyed by user and dialogue, written in the same transaction as the response: its
primary key refuses a second one whatever the timing. It refers to no response, so an
anonymous questionnaire keeps one response per citizen while its responses and answers
carry no reference to anyone (their ``user_id`` and dates stay empty).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

OTHER = "other"
"""The option key of the "Autre, précisez" choice."""


class Question(Base):
    __tablename__ = "questionnaire_questions"
    __table_args__ = (UniqueConstraint("dialogue_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(ForeignKey("dialogues.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    help: Mapped[str] = mapped_column(Text, default="")
    section: Mapped[str | None] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=False)
    #: ``[{"key", "label", "image_url"?}]``, in display order.
    options: Mapped[list[Any]] = mapped_column(default=list)
    min: Mapped[int | None]
    max: Mapped[int | None]
    other: Mapped[bool] = mapped_column(default=False)
    #: Scale end labels ``{"min", "max"}``.
    labels: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Shown only when the question at this position has the answer ``show_if_equals``.
    show_if_position: Mapped[int | None]
    show_if_equals: Mapped[str | None] = mapped_column(String(64))

    @property
    def option_keys(self) -> list[str]:
        """Every key an answer may use, ``other`` included when offered."""
        keys = [option["key"] for option in self.options]
        return [*keys, OTHER] if self.other else keys

    @property
    def has_images(self) -> bool:
        return any(option.get("image_url") for option in self.options)

    def option_label(self, key: str) -> str:
        if key == OTHER and self.other:
            return "Autre"
        return next((o["label"] for o in self.options if o["key"] == key), key)


class Response(Base):
    """One citizen's submitted response. ``user_id`` and the dates are left empty when
    the questionnaire is anonymous."""

    __tablename__ = "questionnaire_responses"
    __table_args__ = (UniqueConstraint("dialogue_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]


class Answer(Base):
    """The answer to one question: an option key (``single``), a list of keys
    (``multiple``, ``ranking`` in order), an integer (``scale``) or a text (``text``);
    ``other_text`` says what "other" meant."""

    __tablename__ = "questionnaire_answers"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_responses.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_questions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    value: Mapped[Any] = mapped_column(JSON, nullable=False)
    other_text: Mapped[str | None] = mapped_column(Text)


class Participant(Base):
    """ "This citizen has answered this dialogue's questionnaire", and nothing more."""

    __tablename__ = "questionnaire_participants"

    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Draft(Base):
    """Answers saved as a citizen goes through a long questionnaire, page by page;
    deleted when the response is submitted."""

    __tablename__ = "questionnaire_drafts"

    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    #: Raw answers keyed by question id (as a string), as the form sent them.
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
