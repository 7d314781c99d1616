"""Codes mailed to residents: the ``letter_code`` verification method.

An administrator uploads a list of people with their addresses (the residents list's
columns, :func:`core.services.verification.read_people`, and address columns); each line
gets a random single-use code, and the letters (name, address, code) are returned once,
to be printed or merged and mailed. Only keyed digests are stored: the code's, and the
person's identity digest (:func:`core.services.verification.identity_digest`), never the
clear code, name, birth date, postal code or address; a lost code cannot be shown again,
only withdrawn with its batch.

A citizen who types a code is verified as the person it was mailed to, as strongly as by
the residents list. Using a code and marking it used are one ``UPDATE ... WHERE used_at
IS NULL RETURNING``: of two accounts typing one code at the same instant, exactly one is
verified. An unknown code, a used one and a withdrawn one get the same answer (422
``verification.no_match``), so that codes cannot be probed; the caller limits the tries.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.defaults.verification import LETTER_CODE
from core.errors import NotFound, ValidationFailed
from core.models import LetterCode, Organisation, User, UserVerification
from core.permissions import Action, staff_check
from core.services import audit
from core.services.verification import identity_digest, read_people, verify_as

__all__ = [
    "ADDRESS_HEADERS",
    "Batch",
    "Letter",
    "batches",
    "code_digest",
    "generate_letters",
    "has_codes",
    "new_code",
    "normalise_code",
    "verify_by_letter_code",
    "withdraw_batch",
]

#: Letters that cannot be read one for another (no 0/O, 1/I/L, 5/S, 2/Z, 8/B).
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
#: A code's length, without its dashes: 25¹² is about 2⁵⁶ codes.
CODE_LENGTH = 12
GROUP = 4
#: The largest batch, in lines.
MAX_LETTERS = 50_000

#: The address columns a list may have (compared normalised): the street lines, then
#: the city, written after the postal code on the last line of the address.
ADDRESS_HEADERS: dict[str, tuple[str, ...]] = {
    "address": (
        "address",
        "adresse",
        "complement",
        "complement d adresse",
        "address 2",
        "adresse 2",
    ),
    "city": ("city", "ville", "commune"),
}


@dataclass(frozen=True)
class Letter:
    """One letter to mail: shown once, never stored."""

    last_name: str
    first_name: str
    address: str
    code: str


@dataclass(frozen=True)
class Batch:
    """The codes generated together, as staff see them."""

    batch: int
    created_at: datetime
    codes: int
    used: int


def new_code() -> str:
    """A random code, ``ABCD-EFGH-JKMN``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[start : start + GROUP] for start in range(0, CODE_LENGTH, GROUP))


def normalise_code(value: str) -> str:
    """A code as typed (``abcd efgh-jkmn``) → ``ABCDEFGHJKMN``."""
    return re.sub(r"[\s\-_.]+", "", value).upper()


def code_digest(secret_key: str, organisation_id: int, code: str) -> str:
    """``code``'s keyed digest in the organisation, like :func:`identity_digest`."""
    key = hmac.new(
        secret_key.encode(), f"participe-letter-code:{organisation_id}".encode(), hashlib.sha256
    ).digest()
    return hmac.new(key, normalise_code(code).encode(), hashlib.sha256).hexdigest()


def _unavailable(organisation: Organisation) -> None:
    if not LETTER_CODE.granted_to(organisation):
        raise NotFound("vérification indisponible", code="verification.unavailable")


async def generate_letters(
    session: AsyncSession,
    organisation: Organisation,
    staff: User | None,
    text: str,
    *,
    secret_key: str,
    now: datetime,
) -> tuple[int, list[Letter]]:
    """A new batch of codes for the people of ``text`` (:func:`read_people` with the
    address columns; every line needs an address): its number and the letters, the only
    time the codes are seen. An administrator's action, in the audit log; a refused list
    stores nothing."""
    actor = staff_check(staff, Action.ADMINISTER)
    _unavailable(organisation)
    letters: list[Letter] = []
    rows: list[dict[str, object]] = []
    for line in read_people(text, max_lines=MAX_LETTERS, extra=ADDRESS_HEADERS):
        street = line.cells.get("address", "")
        if not street:
            raise ValidationFailed(
                f"La ligne {line.number} de la liste n'a pas d'adresse.",
                code="census.invalid_line",
                extra={"line": line.number},
            )
        town = " ".join(filter(None, (line.cells["postal_code"], line.cells.get("city"))))
        code = new_code()
        letters.append(
            Letter(line.cells["last_name"], line.cells["first_name"], f"{street}\n{town}", code)
        )
        rows.append(
            {
                "organisation_id": organisation.id,
                "code_digest": code_digest(secret_key, organisation.id, code),
                "identity_digest": identity_digest(secret_key, organisation.id, line.who),
                "created_at": now,
            }
        )
    if not letters:
        raise ValidationFailed(
            "La liste n'a aucune ligne.", code="census.columns", extra={"missing": []}
        )
    await begin_write(session)
    # The organisation's row, locked: two batches generated at once get two numbers.
    await session.execute(
        select(Organisation.id).where(Organisation.id == organisation.id).with_for_update()
    )
    last = await session.scalar(
        select(func.max(LetterCode.batch)).where(LetterCode.organisation_id == organisation.id)
    )
    batch = int(last or 0) + 1
    for start in range(0, len(rows), 5000):
        chunk = [{**row, "batch": batch} for row in rows[start : start + 5000]]
        await session.execute(insert(LetterCode), chunk)
    audit.record(
        session,
        organisation,
        actor,
        "letter_codes.generate",
        f"letter_codes:{batch}",
        {"batch": batch, "codes": len(rows)},
        now=now,
    )
    return batch, letters


async def has_codes(session: AsyncSession, organisation: Organisation) -> bool:
    """Whether the organisation has mailed codes (so that a citizen may have one)."""
    found = await session.scalar(
        select(LetterCode.id).where(LetterCode.organisation_id == organisation.id).limit(1)
    )
    return found is not None


async def batches(session: AsyncSession, organisation: Organisation) -> list[Batch]:
    """The organisation's batches, the latest first: how many codes each has, and how many
    were used."""
    rows = await session.execute(
        select(
            LetterCode.batch,
            func.min(LetterCode.created_at),
            func.count(),
            func.count(LetterCode.used_at),
        )
        .where(LetterCode.organisation_id == organisation.id)
        .group_by(LetterCode.batch)
        .order_by(LetterCode.batch.desc())
    )
    return [Batch(int(b), created, int(codes), int(used)) for b, created, codes, used in rows]


async def withdraw_batch(
    session: AsyncSession,
    organisation: Organisation,
    staff: User | None,
    batch: int,
    *,
    now: datetime,
) -> int:
    """Withdraws the unused codes of ``batch`` (letters lost, or sent by mistake): they
    verify no one any more; the used ones stay, as the record of what verified whom.
    How many were withdrawn; 404 ``letter_codes.unknown_batch`` for a batch that has
    none left to withdraw. In the audit log."""
    actor = staff_check(staff, Action.ADMINISTER)
    await begin_write(session)
    result = await session.execute(
        delete(LetterCode)
        .where(
            LetterCode.organisation_id == organisation.id,
            LetterCode.batch == batch,
            LetterCode.used_at.is_(None),
        )
        .returning(LetterCode.id)
    )
    withdrawn = len(result.all())
    if not withdrawn:
        raise NotFound("Aucun code inutilisé dans ce lot.", code="letter_codes.unknown_batch")
    audit.record(
        session,
        organisation,
        actor,
        "letter_codes.withdraw",
        f"letter_codes:{batch}",
        {"batch": batch, "codes": withdrawn},
        now=now,
    )
    return withdrawn


async def verify_by_letter_code(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    code: str,
    *,
    secret_key: str,
    now: datetime,
) -> UserVerification:
    """Verifies ``user`` as the person ``code`` was mailed to, and uses the code up, in
    the caller's transaction; 422 ``verification.no_match`` for a code unknown, used or
    withdrawn (the caller limits the tries)."""
    _unavailable(organisation)
    typed = normalise_code(code)
    if not typed:
        raise ValidationFailed(
            "Indiquez le code reçu par courrier.",
            extra={"errors": [{"field": "code", "message": "missing"}]},
        )
    await begin_write(session)
    used = await session.execute(
        update(LetterCode)
        .where(
            LetterCode.organisation_id == organisation.id,
            LetterCode.code_digest == code_digest(secret_key, organisation.id, typed),
            LetterCode.used_at.is_(None),
        )
        .values(used_at=now, used_by_id=user.id)
        .returning(LetterCode.identity_digest)
        .execution_options(synchronize_session=False)
    )
    digest = used.scalar()
    if digest is None:
        raise ValidationFailed(
            "Ce code n'est pas valable : vérifiez-le sur votre courrier (il ne sert qu'une "
            "fois), ou faites-vous vérifier autrement.",
            code="verification.no_match",
        )
    return await verify_as(session, organisation, user, digest, LETTER_CODE.name, None, now)
