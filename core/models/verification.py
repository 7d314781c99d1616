"""Verified identities: who a person is, known only by a keyed digest.

An :class:`Identity` is an organisation's keyed digest of a person's normalised identifying
fields (:mod:`core.services.verification`); the clear values are never stored. The
organisation's residents list is stored the same way (:class:`CensusEntry`). A
:class:`UserVerification` says which identity an account was verified as, by which method,
when and by whom (the staff member, for a desk verification). One identity may be verified
for several accounts over time, but votes once per dialogue: :class:`IdentityVote` records
which account of an identity holds its vote in a dialogue, one row per identity and
dialogue.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow

#: The length of a stored digest: the hexadecimal HMAC-SHA256.
DIGEST_LENGTH = 64


class Identity(Base):
    """One person, as the organisation's keyed digest of their identifying fields."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("organisation_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CensusEntry(Base):
    """One resident of the organisation's residents list, as the digest of their fields."""

    __tablename__ = "census_entries"
    __table_args__ = (UniqueConstraint("organisation_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))


class UserVerification(Base):
    """The identity an account was verified as: by which method, when, and by whom."""

    __tablename__ = "user_verifications"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("identities.id", ondelete="CASCADE"), index=True
    )
    #: The module that verified it: ``census``, ``desk``.
    method: Mapped[str] = mapped_column(String(32))
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The staff member who verified it (a desk verification); ``None`` for the citizen.
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class IdentityVote(Base):
    """The account through which an identity votes in a dialogue: the first of its
    accounts to vote there. ``user_id`` is ``None`` once that account is deleted (its
    ballot stays, and so does the identity's vote)."""

    __tablename__ = "identity_votes"

    dialogue_id: Mapped[int] = mapped_column(
        ForeignKey("dialogues.id", ondelete="CASCADE"), primary_key=True
    )
    identity_id: Mapped[int] = mapped_column(
        ForeignKey("identities.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BirthDate(Base):
    """An account's birth date, for dialogues with a minimum age: ``verified`` when it
    comes from the residents list or the desk (the date matched the person's line or
    document), else declared by the citizen. A verified date is never replaced by a
    declared one."""

    __tablename__ = "birth_dates"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    birth_date: Mapped[date]
    verified: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class LetterCode(Base):
    """A single-use code mailed to a person (the ``letter_code`` method): the keyed digest
    of the code and of the person it was mailed to, never the clear code, name or
    address. ``batch`` numbers the codes generated together; ``used_at`` and
    ``used_by_id`` say when and by which account it was typed (``None`` once that
    account is deleted)."""

    __tablename__ = "letter_codes"
    __table_args__ = (UniqueConstraint("organisation_id", "code_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    code_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    identity_digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    batch: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
