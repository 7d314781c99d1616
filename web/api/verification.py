"""API: verified residents (an addition to the contract). A citizen verifies their account
by the residents list, a code received by mail, a postal code or a code sent by SMS
(``/api/v1/me/verification``); staff upload that list, generate the codes to mail, verify
a person at the desk and see who is verified how (``/api/v1/admin/verification``), never
the clear values of the list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write, utcnow
from core.errors import AuthRequired
from core.models import Organisation, User, UserVerification
from core.permissions import Action
from core.services import ages, letter_codes, sms_verification, verification
from core.specs import Strict
from web.admin.guard import staff, staff_guard
from web.dependencies import Actor, CurrentOrg, DbSession
from web.i18n import translator
from web.labels import N_
from web.rate_limits import enforce, rate_limited


class PersonSpec(Strict):
    last_name: str
    first_name: str
    #: ``1980-04-02``, ``02/04/1980``...
    birth_date: str
    postal_code: str


class DeskSpec(PersonSpec):
    email: str


class BirthDateSpec(Strict):
    #: ``2008-05-01``, ``01/05/2008``...
    birth_date: str


class BirthDateOut(msgspec.Struct):
    birth_date: date | None
    #: Seen by the residents list or the desk, rather than declared.
    verified: bool


class PostalCodeSpec(Strict):
    postal_code: str


class PhoneSpec(Strict):
    #: A French mobile number: ``06 12 34 56 78``, ``+33 6 12 34 56 78``...
    phone: str


class PhoneCodeSpec(PhoneSpec):
    #: The 6 digits received by SMS.
    code: str


class CodeSentOut(msgspec.Struct):
    sent: bool
    #: Minutes the code stays good, at least.
    valid_minutes: int


class PostalCodesSpec(Strict):
    #: The postal codes of the area (``["45100", "45160"]``).
    postal_codes: list[str]


class PostalCodesOut(msgspec.Struct):
    postal_codes: list[str]


class LetterCodeSpec(Strict):
    #: The code received by mail (``ABCD-EFGH-JKMN``; case, spaces and dashes do not matter).
    code: str


class LettersSpec(Strict):
    #: The people to mail a code to: the residents list's columns and address columns.
    csv: str


class LetterOut(msgspec.Struct):
    last_name: str
    first_name: str
    address: str
    code: str


class LettersOut(msgspec.Struct):
    batch: int
    #: The only time the codes are shown: they are stored as keyed digests only.
    letters: list[LetterOut]


class BatchOut(msgspec.Struct):
    batch: int
    created_at: datetime
    codes: int
    used: int


class BatchesOut(msgspec.Struct):
    batches: list[BatchOut]


class CensusSpec(Strict):
    #: The residents list: CSV with a header line naming the columns.
    csv: str


class VerificationOut(msgspec.Struct, omit_defaults=True):
    verified: bool
    method: str | None = None
    verified_at: datetime | None = None


class VerifiedOut(msgspec.Struct):
    email: str | None
    display_name: str
    method: str
    verified_at: datetime
    verified_by: str | None
    #: How many accounts are verified as the same person.
    accounts_of_identity: int


class VerifiedPage(msgspec.Struct):
    items: list[VerifiedOut]
    total: int
    page: int


class CensusOut(msgspec.Struct, omit_defaults=True):
    residents: int
    lines: int | None = None


def verification_out(held: UserVerification | None) -> VerificationOut:
    if held is None:
        return VerificationOut(False)
    return VerificationOut(True, held.method, held.verified_at)


def _person(data: PersonSpec) -> verification.Person:
    return verification.person(data.last_name, data.first_name, data.birth_date, data.postal_code)


def _secret(request: Request[Any, Any, Any]) -> str:
    key: str = request.app.state.context.settings.secret_key
    return key


def _signed_in(actor: User | None) -> User:
    if actor is None:
        raise AuthRequired("Connexion requise.")
    return actor


#: The SMS, ``%(code)s`` standing for the code (translated to the reader's language).
SMS_TEXT = N_(
    "%(code)s est votre code de vérification pour %(organisation)s. Il est valable 10 minutes."
)


async def send_code(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    user: User,
    typed: str,
) -> str:
    """Sends ``user`` a code at the number ``typed`` (shared by the API and the page),
    counting the send against the number's limit; returns the number's digest."""
    phone = sms_verification.normalise_phone(typed)
    secret = _secret(request)
    digest = sms_verification.phone_digest(secret, org.id, phone)
    await enforce(request, "sms_send_number", f"phone:{digest}")
    text = translator(request, org).gettext(SMS_TEXT) % {
        "code": "%(code)s",
        # The name goes into the template the code is put in later: its "%" stay "%".
        "organisation": org.name.replace("%", "%%"),
    }
    return await sms_verification.send_code(
        db_session,
        org,
        user,
        phone,
        gateway=request.app.state.context.sms_gateway,
        secret_key=secret,
        text=text,
        now=utcnow(),
    )


async def check_code(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    user: User,
    digest: str,
    code: str,
) -> UserVerification:
    """Checks the code typed for the number ``digest`` (shared by the API and the page),
    counting the try against the number's limit."""
    await enforce(request, "sms_check_number", f"phone:{digest}")
    return await sms_verification.verify_by_sms_code(
        db_session, org, user, digest, code, secret_key=_secret(request), now=utcnow()
    )


class MyVerificationController(Controller):
    path = "/api/v1/me/verification"
    tags = ["account"]  # noqa: RUF012

    @get("/")
    async def read_verification(self, db_session: DbSession, actor: Actor) -> VerificationOut:
        held = await verification.verification_of(db_session, _signed_in(actor))
        return verification_out(held)

    @post("/census", status_code=200, guards=[rate_limited("verification")])
    async def verify_by_census(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[PersonSpec],
    ) -> VerificationOut:
        """Verifies the signed-in account when the residents list holds the person given;
        422 ``verification.no_match`` otherwise. Limited per account and per network."""
        user = _signed_in(actor)
        held = await verification.verify_by_census(
            db_session, org, user, _person(data), secret_key=_secret(request), now=utcnow()
        )
        out = verification_out(held)
        await db_session.commit()
        return out

    @post("/postal-code", status_code=200, guards=[rate_limited("verification")])
    async def verify_by_postal_code(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[PostalCodeSpec],
    ) -> VerificationOut:
        """Verifies the signed-in account by a postal code of the area (a weak check);
        422 ``verification.no_match`` for another code."""
        held = await verification.verify_by_postal_code(
            db_session,
            org,
            _signed_in(actor),
            data.postal_code,
            secret_key=_secret(request),
            now=utcnow(),
        )
        out = verification_out(held)
        await db_session.commit()
        return out

    @post("/letter-code", status_code=200, guards=[rate_limited("verification")])
    async def verify_by_letter_code(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[LetterCodeSpec],
    ) -> VerificationOut:
        """Verifies the signed-in account as the person a code was mailed to, and uses
        the code up; 422 ``verification.no_match`` for a code unknown, used or withdrawn.
        Limited per account and per network."""
        held = await letter_codes.verify_by_letter_code(
            db_session, org, _signed_in(actor), data.code, secret_key=_secret(request), now=utcnow()
        )
        out = verification_out(held)
        await db_session.commit()
        return out

    @post("/sms", status_code=202, guards=[rate_limited("sms_send")])
    async def send_sms_code(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[PhoneSpec],
    ) -> CodeSentOut:
        """Sends a 6-digit code by SMS to the mobile number given; 422 ``validation``
        naming ``phone`` for something else. Limited per account, per network and per
        number."""
        user = _signed_in(actor)
        await send_code(request, db_session, org, user, data.phone)
        await db_session.commit()
        return CodeSentOut(True, sms_verification.CODE_WINDOW_SECONDS // 60)

    @post("/sms/code", status_code=200, guards=[rate_limited("sms_check")])
    async def verify_by_sms_code(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[PhoneCodeSpec],
    ) -> VerificationOut:
        """Verifies the signed-in account by the code sent to the number; 422
        ``verification.no_match`` for a wrong or expired code."""
        user = _signed_in(actor)
        phone = sms_verification.normalise_phone(data.phone)
        digest = sms_verification.phone_digest(_secret(request), org.id, phone)
        held = await check_code(request, db_session, org, user, digest, data.code)
        out = verification_out(held)
        await db_session.commit()
        return out

    @get("/birth-date")
    async def read_birth_date(self, db_session: DbSession, actor: Actor) -> BirthDateOut:
        held = await ages.birth_date_of(db_session, _signed_in(actor))
        return BirthDateOut(held.birth_date if held else None, bool(held and held.verified))

    @put("/birth-date")
    async def declare_birth_date(
        self, db_session: DbSession, actor: Actor, data: JSONBody[BirthDateSpec]
    ) -> BirthDateOut:
        """Declares the signed-in citizen's birth date (for dialogues with a minimum age);
        a verified one stays. 422 ``validation`` for a date unreadable or not plausible."""
        user = _signed_in(actor)
        await begin_write(db_session)
        held = await ages.declare_birth_date(
            db_session, user, verification.parse_birth_date(data.birth_date), utcnow()
        )
        out = BirthDateOut(held.birth_date, held.verified)
        await db_session.commit()
        return out


class AdminVerificationController(Controller):
    path = "/api/v1/admin/verification"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @get("/verifications", opt=staff(Action.MODERATE, Action.ADMINISTER))
    async def list_verified(
        self, db_session: DbSession, org: CurrentOrg, page: FromQuery[int] = 1
    ) -> VerifiedPage:
        page = max(1, page)
        found, total = await verification.verifications(db_session, org, page=page)
        return VerifiedPage(
            [
                VerifiedOut(
                    item.user.email,
                    item.user.display_name,
                    item.verification.method,
                    item.verification.verified_at,
                    item.by.email if item.by is not None else None,
                    item.accounts,
                )
                for item in found
            ],
            total,
            page,
        )

    @post("/desk", status_code=200, opt=staff(Action.MODERATE, Action.ADMINISTER))
    async def verify_at_desk(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[DeskSpec],
    ) -> VerificationOut:
        """Verifies the account ``email`` as the person given, seen at the desk."""
        _, held = await verification.verify_at_desk(
            db_session,
            org,
            actor,
            data.email,
            _person(data),
            secret_key=_secret(request),
            now=utcnow(),
        )
        out = verification_out(held)
        await db_session.commit()
        return out

    @get("/census")
    async def read_census(self, db_session: DbSession, org: CurrentOrg) -> CensusOut:
        return CensusOut(await verification.census_size(db_session, org))

    @put("/census")
    async def upload_census(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[CensusSpec],
    ) -> CensusOut:
        """Replaces the residents list; only keyed digests of its lines are stored."""
        upload = await verification.upload_census(
            db_session, org, actor, data.csv, secret_key=_secret(request), now=utcnow()
        )
        await db_session.commit()
        return CensusOut(upload.residents, upload.lines)

    @get("/postal-codes")
    async def read_postal_codes(self, org: CurrentOrg) -> PostalCodesOut:
        return PostalCodesOut(verification.postal_codes_of(org))

    @put("/postal-codes")
    async def set_postal_codes(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, data: JSONBody[PostalCodesSpec]
    ) -> PostalCodesOut:
        """Replaces the postal codes of the area (the ``postal_code`` method's list)."""
        codes = await verification.set_postal_codes(
            db_session, org, actor, data.postal_codes, now=utcnow()
        )
        await db_session.commit()
        return PostalCodesOut(codes)

    @get("/letter-codes")
    async def read_letter_codes(self, db_session: DbSession, org: CurrentOrg) -> BatchesOut:
        found = await letter_codes.batches(db_session, org)
        return BatchesOut([BatchOut(b.batch, b.created_at, b.codes, b.used) for b in found])

    @post("/letter-codes", status_code=201)
    async def generate_letters(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[LettersSpec],
    ) -> LettersOut:
        """A new batch of single-use codes for the people listed; this answer is the only
        time the codes are shown."""
        batch, letters = await letter_codes.generate_letters(
            db_session, org, actor, data.csv, secret_key=_secret(request), now=utcnow()
        )
        await db_session.commit()
        return LettersOut(
            batch,
            [LetterOut(i.last_name, i.first_name, i.address, i.code) for i in letters],
        )

    @delete("/letter-codes/{batch:int}", status_code=204)
    async def withdraw_letter_codes(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, batch: FromPath[int]
    ) -> None:
        """Withdraws the batch's unused codes; 404 ``letter_codes.unknown_batch`` when it
        has none."""
        await letter_codes.withdraw_batch(db_session, org, actor, batch, now=utcnow())
        await db_session.commit()
