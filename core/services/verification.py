"""Verified identities: the census, the desk, and the one vote of an identity per dialogue.

A person's identifying fields (last name, first name, birth date, postal code) are
normalised (case, accents, spaces and punctuation; dates written ``1980-04-02``,
``02/04/1980``, ``02-04-1980`` or ``02.04.1980``) and kept only as a keyed digest: an
HMAC-SHA256 whose key is derived from the app's secret key and the organisation, so that
equal people give equal digests within an organisation and nothing can be read back or
matched across organisations without the key. The residents list is stored the same way.

Voting (:func:`hold_vote`, called by :mod:`core.services.ballots` in the vote's
transaction, after the dialogue's and the ballot's locks): where a dialogue turns a
verification method on, the voter's account must be verified by one of them, and its
identity must not vote there through another account. The first account of an identity to
vote in a dialogue inserts the ``identity_votes`` row of the pair; the primary key makes a
second account's insert wait for the first's transaction and then find it (PostgreSQL), or
find it at once (SQLite, whose writes are one at a time): exactly one account of an
identity votes, however many try at the same instant.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.db import begin_write
from core.defaults.verification import CENSUS, DESK, METHODS, PERSON_METHODS, POSTAL_CODE
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.models import (
    CensusEntry,
    Dialogue,
    Identity,
    IdentityVote,
    Organisation,
    User,
    UserVerification,
)
from core.permissions import Action, staff_check
from core.services import ages, audit

__all__ = [
    "FIELDS",
    "Person",
    "PersonLine",
    "accepted_methods",
    "census_size",
    "claim_identity_vote",
    "hold_vote",
    "identity_digest",
    "person",
    "read_people",
    "release_identity_vote",
    "upload_census",
    "verification_of",
    "verifications",
    "verify_at_desk",
    "verify_by_census",
    "voter_refusal",
]

#: The identifying fields, in the order they are digested.
FIELDS = ("last_name", "first_name", "birth_date", "postal_code")

#: The headers a residents list may give each field (compared normalised).
HEADERS: dict[str, tuple[str, ...]] = {
    "last_name": ("last_name", "last name", "nom", "nom de famille", "surname"),
    "first_name": ("first_name", "first name", "prenom", "prenoms", "given name"),
    "birth_date": (
        "birth_date",
        "birth date",
        "date of birth",
        "date de naissance",
        "date_naissance",
        "naissance",
    ),
    "postal_code": ("postal_code", "postal code", "code postal", "code_postal", "cp", "zip"),
}

#: The largest residents list accepted at once, in lines.
MAX_CENSUS_LINES = 500_000
MAX_FIELD = 200

_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})$"),
)


@dataclass(frozen=True)
class Person:
    """A person's identifying fields, normalised."""

    last_name: str
    first_name: str
    birth_date: date
    postal_code: str

    def canonical(self) -> bytes:
        parts = (self.last_name, self.first_name, self.birth_date.isoformat(), self.postal_code)
        return "\x1f".join(parts).encode()


def normalise_name(value: str) -> str:
    """``"  Lefèvre-D'Arc "`` → ``"lefevre d arc"``: no accents, no case, one space
    between words."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+|_", " ", plain).split())


def normalise_postal_code(value: str) -> str:
    return re.sub(r"[\s.-]+", "", value).upper()


def parse_birth_date(value: str) -> date | None:
    """A birth date written day first (``02/04/1980``) or year first (``1980-04-02``)."""
    text = value.strip()
    for pattern in _DATE_FORMATS:
        found = pattern.match(text)
        if found:
            try:
                return date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                return None
    return None


def person(last_name: str, first_name: str, birth_date: str, postal_code: str) -> Person:
    """The normalised person of four fields as typed; 422 ``validation`` naming each field
    that is empty or not understood."""
    errors = []
    names = {"last_name": normalise_name(last_name), "first_name": normalise_name(first_name)}
    for field, value in names.items():
        if not value or len(value) > MAX_FIELD:
            errors.append({"field": field, "message": "required"})
    born = parse_birth_date(birth_date)
    if born is None:
        errors.append({"field": "birth_date", "message": "a date like 1980-04-02 or 02/04/1980"})
    postal = normalise_postal_code(postal_code)
    if not postal or len(postal) > 16:
        errors.append({"field": "postal_code", "message": "required"})
    if errors or born is None:
        fields = ", ".join(error["field"] for error in errors)
        raise ValidationFailed(
            f"Champs manquants ou illisibles : {fields}.", extra={"errors": errors}
        )
    return Person(names["last_name"], names["first_name"], born, postal)


def identity_digest(secret_key: str, organisation_id: int, who: Person) -> str:
    """``who``'s keyed digest in the organisation: HMAC-SHA256 keyed by a key derived from
    the app's secret key and the organisation's id."""
    key = hmac.new(
        secret_key.encode(), f"participe-identity:{organisation_id}".encode(), hashlib.sha256
    ).digest()
    return hmac.new(key, who.canonical(), hashlib.sha256).hexdigest()


# -- who may vote -------------------------------------------------------------------

identity_votes = cast(Table, IdentityVote.__table__)
user_verifications = cast(Table, UserVerification.__table__)

_VOTER = (
    select(
        user_verifications.c.identity_id,
        user_verifications.c.method,
        identity_votes.c.identity_id.label("held"),
        identity_votes.c.user_id.label("holder"),
    )
    .select_from(
        user_verifications.outerjoin(
            identity_votes,
            and_(
                identity_votes.c.identity_id == user_verifications.c.identity_id,
                identity_votes.c.dialogue_id == bindparam("dialogue_id"),
            ),
        )
    )
    .where(user_verifications.c.user_id == bindparam("user_id"))
)

_HOLDER = select(identity_votes.c.user_id).where(
    identity_votes.c.dialogue_id == bindparam("dialogue_id"),
    identity_votes.c.identity_id == bindparam("identity_id"),
)


def _insert_hold(dialect: Any) -> Any:
    return (
        dialect.insert(identity_votes)
        .values(
            dialogue_id=bindparam("dialogue_id"),
            identity_id=bindparam("identity_id"),
            user_id=bindparam("user_id"),
            created_at=bindparam("now"),
        )
        .on_conflict_do_nothing()
        .returning(identity_votes.c.user_id)
    )


_INSERT_HOLD = {"postgresql": _insert_hold(postgresql), "sqlite": _insert_hold(sqlite)}


def accepted_methods(dialogue: Dialogue) -> tuple[str, ...]:
    """The verification methods ``dialogue`` accepts for its voters; none when it asks
    for no verification. Reads the dialogue only."""
    if not dialogue.modules:
        return ()
    return tuple(module.name for module in METHODS if module.enabled_on(dialogue))


def _required(methods: Sequence[str]) -> Forbidden:
    return Forbidden(
        "Cette démarche est réservée aux habitant·es vérifié·es : faites vérifier votre "
        f"compte pour voter (méthodes acceptées : {', '.join(methods)}).",
        code="vote.verification_required",
        extra={"methods": list(methods)},
    )


def _already_voted() -> Conflict:
    return Conflict(
        "Cette personne a déjà voté dans cette démarche avec un autre compte.",
        code="vote.identity_already_voted",
    )


async def voter_refusal(
    session: AsyncSession, dialogue: Dialogue, user: User, methods: Sequence[str]
) -> DomainError | None:
    """Why ``user`` may not vote in ``dialogue``, which accepts ``methods``, as things
    stand (for pages; the vote itself is judged by :func:`hold_vote`); ``None`` when
    they may."""
    connection = await session.connection()
    row = (
        await connection.execute(_VOTER, {"dialogue_id": dialogue.id, "user_id": user.id})
    ).first()
    if row is None or row.method not in methods:
        return _required(methods)
    if row.held is not None and row.holder != user.id:
        return _already_voted()
    return None


async def hold_vote(
    session: AsyncSession,
    dialogue: Dialogue,
    user: User,
    methods: Sequence[str],
    now: datetime,
    *,
    claim: bool = True,
) -> None:
    """In a vote's write transaction: refuses ``user`` when not verified by one of
    ``methods`` (403 ``vote.verification_required``) or when their identity votes in
    ``dialogue`` through another account (409 ``vote.identity_already_voted``); else,
    when ``claim`` (a change that may create a ballot), makes sure their identity's vote
    there is theirs."""
    connection = await session.connection()
    keys = {"dialogue_id": dialogue.id, "user_id": user.id}
    row = (await connection.execute(_VOTER, keys)).first()
    if row is None or row.method not in methods:
        raise _required(methods)
    if row.held is not None:
        if row.holder != user.id:
            raise _already_voted()
        return
    if not claim:  # a withdrawal or a confirmation: without a ballot, it writes nothing
        return
    if not await _hold(session, dialogue, row.identity_id, user.id, now):
        # Held meanwhile: by a concurrent request of this account, or of another one.
        holder = await connection.scalar(
            _HOLDER, {"dialogue_id": dialogue.id, "identity_id": row.identity_id}
        )
        if holder != user.id:
            raise _already_voted()


async def _hold(
    session: AsyncSession, dialogue: Dialogue, identity_id: int, user_id: int | None, now: datetime
) -> bool:
    """Inserts the ``identity_votes`` row of ``identity_id`` in ``dialogue``, held by
    ``user_id``; whether it was inserted (``False``: the identity's vote was held
    already, or by a concurrent transaction that committed first, which the insert
    waited for on PostgreSQL)."""
    connection = await session.connection()
    insert_hold = _INSERT_HOLD[connection.dialect.name]
    params = {
        "dialogue_id": dialogue.id,
        "identity_id": identity_id,
        "user_id": user_id,
        "now": now,
    }
    return (await connection.execute(insert_hold, params)).first() is not None


async def claim_identity_vote(
    session: AsyncSession,
    organisation: Organisation,
    dialogue: Dialogue,
    digest: str,
    *,
    now: datetime,
) -> int:
    """Makes the vote in ``dialogue`` of the identity ``digest`` (:func:`identity_digest`)
    held by no account: a vote cast outside the platform (a paper ballot), after which
    none of the person's accounts votes there; 409 ``vote.identity_already_voted`` when
    the identity votes there already (online, or outside). Returns the identity's id, to
    keep with the vote and to :func:`release_identity_vote` it. In the caller's write
    transaction, like a vote: an online vote of the same person at the same instant
    waits for it (PostgreSQL) or comes before or after it (SQLite), and one of both is
    refused."""
    await begin_write(session)
    identity_id = await ensure_identity(session, organisation, digest, now)
    if not await _hold(session, dialogue, identity_id, None, now):
        raise _already_voted()
    return identity_id


async def release_identity_vote(
    session: AsyncSession, dialogue: Dialogue, identity_id: int
) -> None:
    """Gives back the vote that :func:`claim_identity_vote` claimed (the vote outside was
    voided): the person may vote again in ``dialogue``. A vote held by an account is never
    released here."""
    await begin_write(session)
    await session.execute(
        delete(IdentityVote).where(
            IdentityVote.dialogue_id == dialogue.id,
            IdentityVote.identity_id == identity_id,
            IdentityVote.user_id.is_(None),
        )
    )


# -- verifying ----------------------------------------------------------------------


async def ensure_identity(
    session: AsyncSession, organisation: Organisation, digest: str, now: datetime
) -> int:
    """The id of the organisation's identity ``digest``, created when new (in the
    caller's write transaction)."""
    connection = await session.connection()
    table = cast(Table, Identity.__table__)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    await connection.execute(
        dialect.insert(table)
        .values(organisation_id=organisation.id, digest=digest, created_at=now)
        .on_conflict_do_nothing()
    )
    found = await connection.scalar(
        select(table.c.id).where(
            table.c.organisation_id == organisation.id, table.c.digest == digest
        )
    )
    assert found is not None
    return int(found)


async def verify_as(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    digest: str,
    method: str,
    by: User | None,
    now: datetime,
) -> UserVerification:
    """Verifies ``user`` as the identity ``digest`` by ``method`` (``by``: the staff
    member, for the desk), replacing an earlier verification of the account."""
    identity_id = await ensure_identity(session, organisation, digest, now)
    verification = await session.get(UserVerification, user.id)
    if verification is None:
        verification = UserVerification(user_id=user.id)
        session.add(verification)
    verification.identity_id = identity_id
    verification.method = method
    verification.verified_at = now
    verification.verified_by_id = by.id if by is not None else None
    await session.flush()
    return verification


async def verify_by_census(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    who: Person,
    *,
    secret_key: str,
    now: datetime,
) -> UserVerification:
    """Verifies ``user`` as ``who`` when the residents list holds them; 422
    ``verification.no_match`` otherwise (the caller limits the tries)."""
    if not CENSUS.granted_to(organisation):
        raise NotFound("vérification indisponible", code="verification.unavailable")
    await begin_write(session)
    digest = identity_digest(secret_key, organisation.id, who)
    listed = await session.scalar(
        select(CensusEntry.id).where(
            CensusEntry.organisation_id == organisation.id, CensusEntry.digest == digest
        )
    )
    if listed is None:
        raise ValidationFailed(
            "Ces informations ne correspondent à aucune ligne de la liste des habitant·es : "
            "vérifiez-les, ou faites-vous vérifier au guichet.",
            code="verification.no_match",
        )
    verified = await verify_as(session, organisation, user, digest, CENSUS.name, None, now)
    await ages.record_verified_birth_date(session, user, who.birth_date, now)
    return verified


async def verify_at_desk(
    session: AsyncSession,
    organisation: Organisation,
    staff: User | None,
    email: str,
    who: Person,
    *,
    secret_key: str,
    now: datetime,
) -> tuple[User, UserVerification]:
    """A staff member (moderator or administrator) verifies the account ``email`` as
    ``who``, seen at the desk; recorded in the audit log. 404 ``verification.no_account``
    for an address without an account."""
    actor = staff_check(staff, Action.MODERATE)
    if not DESK.granted_to(organisation):
        raise NotFound("vérification indisponible", code="verification.unavailable")
    await begin_write(session)
    user = await session.scalar(
        select(User).where(
            User.organisation_id == organisation.id,
            User.email == email.strip().lower(),
            User.deleted_at.is_(None),
        )
    )
    if user is None:
        raise NotFound("Aucun compte n'a cette adresse.", code="verification.no_account")
    digest = identity_digest(secret_key, organisation.id, who)
    verification = await verify_as(session, organisation, user, digest, DESK.name, actor, now)
    await ages.record_verified_birth_date(session, user, who.birth_date, now)
    audit.record(
        session,
        organisation,
        actor,
        "verification.desk",
        f"user:{user.id}",
        {"identity": verification.identity_id},
        now=now,
    )
    return user, verification


# -- the postal codes of the area (a weak check) ---------------------------------------

#: What a postal code of the list looks like once normalised: digits, maybe letters.
POSTAL_CODE_FORM = re.compile(r"^(?=.*[0-9])[0-9A-Z]{3,10}$")
MAX_POSTAL_CODES = 500
POSTAL_CODES_OPTION = "postal_codes"


def postal_codes_of(organisation: Organisation) -> list[str]:
    """The postal codes of the organisation's area (the ``postal_code`` method's list)."""
    found = (organisation.options or {}).get(POSTAL_CODES_OPTION) or []
    return [str(code) for code in found if isinstance(code, str)]


def split_postal_codes(text: str) -> list[str]:
    """The codes typed in ``text``: one a line, or separated by commas or semicolons (a
    space may stand inside one: ``45 100``)."""
    return [part for part in re.split(r"[\n,;]+", text) if part.strip()]


def read_postal_codes(given: Sequence[str]) -> list[str]:
    """The codes ``given``, normalised and without repeats; 422 ``validation`` naming those
    that are not postal codes."""
    found: list[str] = []
    wrong: list[str] = []
    for raw in given:
        if not raw.strip():
            continue
        code = normalise_postal_code(raw)
        if not POSTAL_CODE_FORM.match(code):
            wrong.append(raw.strip()[:20])
        elif code not in found:
            found.append(code)
    if wrong:
        raise ValidationFailed(
            f"Ce ne sont pas des codes postaux : {', '.join(wrong[:10])}.",
            extra={"errors": [{"field": "postal_codes", "message": "not postal codes"}]},
        )
    if len(found) > MAX_POSTAL_CODES:
        raise ValidationFailed(f"{MAX_POSTAL_CODES} codes postaux au plus.")
    return found


async def set_postal_codes(
    session: AsyncSession,
    organisation: Organisation,
    staff: User | None,
    codes: Sequence[str],
    *,
    now: datetime,
) -> list[str]:
    """Replaces the organisation's postal codes (administrators); in the audit log. The
    accounts verified by a code taken off stay verified: their check was made."""
    actor = staff_check(staff, Action.ADMINISTER)
    listed = read_postal_codes(codes)
    await begin_write(session)
    organisation.options = {**(organisation.options or {}), POSTAL_CODES_OPTION: listed}
    audit.record(
        session,
        organisation,
        actor,
        "verification.postal_codes",
        f"organisation:{organisation.slug}",
        {"codes": len(listed)},
        now=now,
    )
    await session.flush()
    return listed


def account_digest(secret_key: str, organisation_id: int, user: User) -> str:
    """The identity of an account verified by a weak method: the account itself."""
    key = hmac.new(
        secret_key.encode(), f"participe-account:{organisation_id}".encode(), hashlib.sha256
    ).digest()
    return hmac.new(key, str(user.id).encode(), hashlib.sha256).hexdigest()


async def verify_by_postal_code(
    session: AsyncSession,
    organisation: Organisation,
    user: User,
    postal_code: str,
    *,
    secret_key: str,
    now: datetime,
) -> UserVerification:
    """Verifies ``user`` by a postal code of the organisation's list (a weak check: the
    account is its own identity); 422 ``verification.no_match`` for another code. An
    account already verified as a person (list of residents, desk) stays so."""
    if not POSTAL_CODE.granted_to(organisation):
        raise NotFound("vérification indisponible", code="verification.unavailable")
    code = normalise_postal_code(postal_code)
    if not code:
        raise ValidationFailed(
            "Indiquez votre code postal.",
            extra={"errors": [{"field": "postal_code", "message": "missing"}]},
        )
    if code not in postal_codes_of(organisation):
        raise ValidationFailed(
            "Ce code postal n'est pas l'un de ceux de la commune : seuls ses habitant·es "
            "votent ici.",
            code="verification.no_match",
        )
    await begin_write(session)
    held = await session.get(UserVerification, user.id)
    if held is not None and held.method in PERSON_METHODS:
        return held
    digest = account_digest(secret_key, organisation.id, user)
    return await verify_as(session, organisation, user, digest, POSTAL_CODE.name, None, now)


async def verification_of(session: AsyncSession, user: User) -> UserVerification | None:
    return await session.get(UserVerification, user.id)


@dataclass(frozen=True)
class Verified:
    """One verified account, as staff see it (never the person's fields)."""

    user: User
    verification: UserVerification
    by: User | None
    #: How many accounts share this identity.
    accounts: int


async def verifications(
    session: AsyncSession, organisation: Organisation, *, page: int = 1, per_page: int = 50
) -> tuple[list[Verified], int]:
    """A page of the organisation's verified accounts, the latest first, and their total."""
    where = (User.organisation_id == organisation.id,)
    total = await session.scalar(
        select(func.count())
        .select_from(UserVerification)
        .join(User, User.id == UserVerification.user_id)
        .where(*where)
    )
    other = user_verifications.alias("other")
    sharing = (
        select(func.count())
        .select_from(other)
        .where(other.c.identity_id == UserVerification.identity_id)
        .scalar_subquery()
    )
    staff = aliased(User)
    rows = await session.execute(
        select(UserVerification, User, staff, sharing)
        .join(User, User.id == UserVerification.user_id)
        .outerjoin(staff, staff.id == UserVerification.verified_by_id)
        .where(*where)
        .order_by(UserVerification.verified_at.desc(), UserVerification.user_id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    found = [
        Verified(user, verification, by, int(accounts)) for verification, user, by, accounts in rows
    ]
    return found, int(total or 0)


# -- the residents list -------------------------------------------------------------


@dataclass(frozen=True)
class CensusUpload:
    lines: int
    residents: int


@dataclass(frozen=True)
class PersonLine:
    """One line of a list of people: the person, and the cells as typed (the four fields
    and, when asked for, the groups of extra columns, each group's cells joined by a new
    line)."""

    number: int
    who: Person
    cells: dict[str, str]


def _columns(
    header: Sequence[str], extra: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, int], dict[str, list[int]]]:
    wanted = {
        normalise_name(alias): field for field, aliases in HEADERS.items() for alias in aliases
    }
    wanted_extra = {
        normalise_name(alias): group for group, aliases in extra.items() for alias in aliases
    }
    columns: dict[str, int] = {}
    groups: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        field = wanted.get(normalise_name(name))
        if field is not None and field not in columns:
            columns[field] = index
        group = wanted_extra.get(normalise_name(name))
        if group is not None:
            groups.setdefault(group, []).append(index)
    missing = [field for field in FIELDS if field not in columns]
    if extra and not groups:
        missing.append(next(iter(extra)))
    if missing:
        raise ValidationFailed(
            f"Colonnes manquantes dans la liste : {', '.join(missing)}.",
            code="census.columns",
            extra={"missing": missing},
        )
    return columns, groups


def read_people(
    text: str, *, max_lines: int, extra: Mapping[str, tuple[str, ...]] | None = None
) -> Iterator[PersonLine]:
    """The people of a list (CSV, ``,`` or ``;``, a header line naming the columns: the
    four fields, by the names of :data:`HEADERS`, and the groups of ``extra``, at least
    one of them, by their aliases), one line at a time; blank lines are skipped. 422
    ``census.columns`` without the columns, ``census.invalid_line`` naming the first line
    that cannot be read, ``census.too_large`` past ``max_lines``."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    # ``newline=""``: the csv module reads every kind of line end itself (a lone "\r").
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from _read_people(reader, max_lines, extra or {})
    except csv.Error as error:
        raise ValidationFailed(
            f"La liste ne peut pas être lue : {error}.",
            code="census.invalid_line",
            extra={"line": reader.line_num},
        ) from None


def _read_people(
    reader: Any, max_lines: int, extra: Mapping[str, tuple[str, ...]]
) -> Iterator[PersonLine]:
    header = next(reader, None)
    if header is None:
        raise ValidationFailed("La liste est vide.", code="census.columns", extra={"missing": []})
    columns, groups = _columns(header, extra)
    lines = 0
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        lines += 1
        if lines > max_lines:
            raise ValidationFailed(f"La liste dépasse {max_lines} lignes.", code="census.too_large")
        try:
            cells = {field: row[columns[field]].strip() for field in FIELDS}
            who = person(*cells.values())
        except (IndexError, ValidationFailed):
            raise ValidationFailed(
                f"La ligne {number} de la liste est incomplète ou illisible.",
                code="census.invalid_line",
                extra={"line": number},
            ) from None
        for group, indexes in groups.items():
            found = (row[index].strip() if index < len(row) else "" for index in indexes)
            cells[group] = "\n".join(cell for cell in found if cell)
        yield PersonLine(number, who, cells)


def read_census(text: str, secret_key: str, organisation_id: int) -> tuple[int, set[str]]:
    """The digests of a residents list (:func:`read_people`) and its number of lines."""
    digests: set[str] = set()
    lines = 0
    for line in read_people(text, max_lines=MAX_CENSUS_LINES):
        lines += 1
        digests.add(identity_digest(secret_key, organisation_id, line.who))
    return lines, digests


async def upload_census(
    session: AsyncSession,
    organisation: Organisation,
    staff: User | None,
    text: str,
    *,
    secret_key: str,
    now: datetime,
) -> CensusUpload:
    """Replaces the organisation's residents list by ``text`` (:func:`read_census`), as
    digests only; an administrator's action, in the audit log. A refused list changes
    nothing."""
    actor = staff_check(staff, Action.ADMINISTER)
    if not CENSUS.granted_to(organisation):
        raise NotFound("vérification indisponible", code="verification.unavailable")
    lines, digests = read_census(text, secret_key, organisation.id)
    await begin_write(session)
    await session.execute(delete(CensusEntry).where(CensusEntry.organisation_id == organisation.id))
    rows = [{"organisation_id": organisation.id, "digest": digest} for digest in digests]
    for start in range(0, len(rows), 5000):
        await session.execute(insert(CensusEntry), rows[start : start + 5000])
    audit.record(
        session,
        organisation,
        actor,
        "census.upload",
        "census",
        {"lines": lines, "residents": len(digests)},
        now=now,
    )
    return CensusUpload(lines, len(digests))


async def census_size(session: AsyncSession, organisation: Organisation) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(CensusEntry)
        .where(CensusEntry.organisation_id == organisation.id)
    )
    return int(found or 0)
