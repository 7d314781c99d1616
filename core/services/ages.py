"""A minimum age to vote: the ``minimum_age`` module of a dialogue
(:data:`core.defaults.verification.MINIMUM_AGE`) and the birth dates it judges.

An account's birth date is declared by the citizen, or verified: the residents list or the
desk saw it (:mod:`core.services.verification` records it then). A verified date is never
replaced by a declared one. Age is counted in whole years on the day of the vote, in
French metropolitan time. A dialogue whose module is off reads nothing more when its
citizens vote.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.defaults.verification import MINIMUM_AGE, MinimumAgeSettings
from core.errors import DomainError, Forbidden, ValidationFailed
from core.models import BirthDate, Dialogue, User

#: The day of a vote is the day in France.
LOCAL_ZONE = ZoneInfo("Europe/Paris")
OLDEST = 130

#: Why an account may not vote for its age: ``extra["reason"]`` of the refusal.
MISSING, UNVERIFIED, TOO_YOUNG = "birth_date_missing", "birth_date_unverified", "too_young"


def age_on(birth: date, day: date) -> int:
    """Whole years from ``birth`` to ``day`` (someone born on 29 February has their
    birthday on 1 March in other years)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def minimum_age_of(dialogue: Dialogue) -> MinimumAgeSettings | None:
    """The dialogue's minimum age settings; ``None`` when it has none. Reads the dialogue
    only."""
    if not dialogue.modules or not MINIMUM_AGE.enabled_on(dialogue):
        return None
    return cast(MinimumAgeSettings, MINIMUM_AGE.decode_settings(dialogue.modules["minimum_age"]))


def _refused(settings: MinimumAgeSettings, reason: str) -> Forbidden:
    detail = {
        MISSING: "indiquez votre date de naissance sur la page « Vérifier mon compte ».",
        UNVERIFIED: "votre date de naissance doit être vérifiée (liste des habitant·es ou "
        "guichet).",
        TOO_YOUNG: "vous n'avez pas encore cet âge.",
    }[reason]
    return Forbidden(
        f"Cette démarche est réservée aux personnes de {settings.age} ans et plus : {detail}",
        code="vote.not_eligible",
        extra={"minimum_age": settings.age, "reason": reason},
    )


async def age_refusal(
    session: AsyncSession, dialogue: Dialogue, user: User, now: datetime
) -> DomainError | None:
    """Why ``user`` is not old enough to vote in ``dialogue`` now (403
    ``vote.not_eligible``, its ``reason`` in ``extra``); ``None`` when they are, or when
    the dialogue asks no age."""
    settings = minimum_age_of(dialogue)
    if settings is None:
        return None
    held = await session.get(BirthDate, user.id)
    if held is None:
        return _refused(settings, MISSING)
    if settings.verified_only and not held.verified:
        return _refused(settings, UNVERIFIED)
    if age_on(held.birth_date, now.astimezone(LOCAL_ZONE).date()) < settings.age:
        return _refused(settings, TOO_YOUNG)
    return None


async def check_age(session: AsyncSession, dialogue: Dialogue, user: User, now: datetime) -> None:
    """:func:`age_refusal`, raised."""
    refusal = await age_refusal(session, dialogue, user, now)
    if refusal is not None:
        raise refusal


def _plausible(birth: date, now: datetime) -> date:
    today = now.astimezone(LOCAL_ZONE).date()
    if birth > today or age_on(birth, today) > OLDEST:
        raise ValidationFailed(
            "Cette date de naissance n'est pas plausible.",
            extra={"errors": [{"field": "birth_date", "message": "not plausible"}]},
        )
    return birth


async def declare_birth_date(
    session: AsyncSession, user: User, birth: date | None, now: datetime
) -> BirthDate:
    """Records the birth date ``user`` declares; 422 ``validation`` for a date missing,
    unreadable or not plausible. A verified date stays as it is."""
    if birth is None:
        raise ValidationFailed(
            "Indiquez votre date de naissance, par exemple 02/04/2008.",
            extra={"errors": [{"field": "birth_date", "message": "unreadable"}]},
        )
    birth = _plausible(birth, now)
    held = await session.get(BirthDate, user.id)
    if held is None:
        held = BirthDate(user_id=user.id, birth_date=birth, verified=False, recorded_at=now)
        session.add(held)
    elif not held.verified:
        held.birth_date, held.recorded_at = birth, now
    await session.flush()
    return held


async def record_verified_birth_date(
    session: AsyncSession, user: User, birth: date, now: datetime
) -> None:
    """The birth date the residents list or the desk saw for ``user``."""
    held = await session.get(BirthDate, user.id)
    if held is None:
        session.add(BirthDate(user_id=user.id, birth_date=birth, verified=True, recorded_at=now))
    else:
        held.birth_date, held.verified, held.recorded_at = birth, True, now
    await session.flush()


async def birth_date_of(session: AsyncSession, user: User) -> BirthDate | None:
    return await session.get(BirthDate, user.id)
