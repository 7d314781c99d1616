"""Verifying an account by a code sent by SMS (the ``sms_code`` method).

The citizen gives a mobile number; it is normalised to E.164 (``06 12 34 56 78``,
``+33 6 12 34 56 78`` and ``0033 6 12 34 56 78`` are all ``+33612345678``) and a 6-digit
code is sent to it through the SMS gateway (:mod:`core.sms`). Typing the code back
verifies the account; its identity is a keyed digest of the number (HMAC-SHA256, its key
derived from the app's secret key and the organisation, with a label of its own), so that
two accounts verified with one number are one identity and vote once in a dialogue
(:func:`core.services.verification.hold_vote`).

Nothing is stored while a code waits: the code is a keyed digest of the account, the
number's digest and the 10-minute window it was sent in, truncated to 6 digits, and a code
of the current or the previous window is accepted (it lives 10 to 20 minutes). The clear
number is never stored (only the outbox gateway, for tests and demonstrations, keeps the
message it "sends"). The callers limit the sends and the checks (``web``: per account, per
network and per number), so that a code cannot be guessed nor a number flooded.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.defaults.verification import PERSON_METHODS, SMS_CODE
from core.errors import NotFound, ValidationFailed
from core.models import Organisation, User, UserVerification
from core.services.verification import verify_as
from core.sms import SmsGateway, SmsNotSent

__all__ = [
    "CODE_WINDOW_SECONDS",
    "code_for",
    "normalise_phone",
    "phone_digest",
    "send_code",
    "verify_by_sms_code",
]

log = logging.getLogger("participe.verification")

#: A code belongs to a window of this many seconds; it is good in its window and the next.
CODE_WINDOW_SECONDS = 600
CODE_DIGITS = 6

#: What may separate the digits of a number as people type it.
_SEPARATORS = re.compile(r"[\s.\-/()]+")
#: A French mobile number once normalised: +33 then 6 or 7 and eight digits.
_FRENCH_MOBILE = re.compile(r"^\+33[67]\d{8}$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _not_a_mobile() -> ValidationFailed:
    return ValidationFailed(
        "Indiquez un numéro de mobile, par exemple 06 12 34 56 78 ou +33 6 12 34 56 78.",
        extra={"errors": [{"field": "phone", "message": "a mobile phone number"}]},
    )


def normalise_phone(value: str) -> str:
    """A French mobile number as typed (``06 12 34 56 78``, ``+33 6 12 34 56 78``,
    ``+33 (0)6 12...``, ``0033 6 12...``) in E.164: ``+33612345678``; 422 ``validation``
    naming ``phone`` for anything else (a landline, letters, too few digits)."""
    text = _SEPARATORS.sub("", value.strip().replace("(0)", ""))
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.startswith("0") and len(text) == 10:
        text = "+33" + text[1:]
    if not _FRENCH_MOBILE.match(text):
        raise _not_a_mobile()
    return text


def _key(secret_key: str, label: str, organisation_id: int) -> bytes:
    return hmac.new(
        secret_key.encode(), f"{label}:{organisation_id}".encode(), hashlib.sha256
    ).digest()


def phone_digest(secret_key: str, organisation_id: int, phone: str) -> str:
    """The identity of a mobile number (E.164) in the organisation: a keyed digest, which
    tells nothing of the number without the secret key."""
    key = _key(secret_key, "participe-phone", organisation_id)
    return hmac.new(key, phone.encode(), hashlib.sha256).hexdigest()


def _window(now: datetime) -> int:
    return int(now.timestamp()) // CODE_WINDOW_SECONDS


def code_for(secret_key: str, organisation_id: int, user_id: int, digest: str, window: int) -> str:
    """The code sent to the number ``digest`` for the account ``user_id`` in ``window``."""
    key = _key(secret_key, "participe-sms-code", organisation_id)
    mac = hmac.new(key, f"{user_id}:{digest}:{window}".encode(), hashlib.sha256).digest()
    return str(int.from_bytes(mac[:8], "big") % 10**CODE_DIGITS).zfill(CODE_DIGITS)


def _check_granted(organisation: Organisation) -> None:
    if not SMS_CODE.granted_to(organisation):
        raise NotFound("vérification indisponible", code="verification.unavailable")


async def send_code(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    phone: str,
    *,
    gateway: SmsGateway,
    secret_key: str,
    text: str,
    now: datetime,
) -> str:
    """Sends ``user`` a code at ``phone`` (E.164, :func:`normalise_phone`) through
    ``gateway``; ``text`` is the message, where ``%(code)s`` stands for the code. Returns
    the number's digest (what :func:`verify_by_sms_code` checks the code against)."""
    _check_granted(organisation)
    digest = phone_digest(secret_key, organisation.id, phone)
    code = code_for(secret_key, organisation.id, user.id, digest, _window(now))
    await begin_write(session)
    try:
        await gateway.send(session, organisation, phone, text % {"code": code})
    except SmsNotSent:
        raise
    except Exception as error:
        # Its class only: a provider's message may quote the number.
        log.warning("SMS gateway %r failed: %s", gateway.id, type(error).__name__)
        raise SmsNotSent("Le SMS n'a pas pu être envoyé : réessayez plus tard.") from None
    return digest


def _no_match() -> ValidationFailed:
    return ValidationFailed(
        "Ce code ne correspond pas, ou il a expiré : demandez-en un nouveau.",
        code="verification.no_match",
    )


async def verify_by_sms_code(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    digest: str,
    code: str,
    *,
    secret_key: str,
    now: datetime,
) -> UserVerification:
    """Verifies ``user`` as the number ``digest`` (:func:`phone_digest`) when ``code`` is
    the one sent to it in the current or the previous window; 422
    ``verification.no_match`` otherwise. An account already verified as a person (list
    of residents, desk) stays so."""
    _check_granted(organisation)
    typed = re.sub(r"\s+", "", code)
    if not _DIGEST.match(digest) or not typed:
        raise _no_match()
    window = _window(now)
    expected = [
        code_for(secret_key, organisation.id, user.id, digest, window - back) for back in (0, 1)
    ]
    # Every candidate is compared, so that the time taken tells nothing.
    matches = [hmac.compare_digest(typed.encode(), good.encode()) for good in expected]
    if not any(matches):
        raise _no_match()
    await begin_write(session)
    held = await session.get(UserVerification, user.id)
    if held is not None and held.method in PERSON_METHODS:
        return held
    return await verify_as(session, organisation, user, digest, SMS_CODE.name, None, now)
