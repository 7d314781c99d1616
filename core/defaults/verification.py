"""Verified residents, built-in modules: a dialogue turns on the verification methods
whose residents it accepts as voters, and then only accounts verified by one of them
vote there (403 ``vote.verification_required``), each verified identity once, whichever
of its accounts it uses (409 ``vote.identity_already_voted``).

- ``census``: staff upload the organisation's residents list (stored as keyed digests
  only); a citizen is verified by giving the fields of a line of it.
- ``desk``: a staff member verifies a person at the town hall's desk, in the back office.
- ``letter_code``: staff generate single-use codes for a list of people and mail them; a
  citizen is verified as the person a code was mailed to by typing it (the codes and
  addresses are shown once and stored only as keyed digests).
- ``postal_code``: a citizen gives a postal code of the organisation's list. A weak check,
  labelled as such: it proves nothing of who the person is, so each account counts as its
  own identity (one vote per account, as without verification, but only accounts that
  declared a postal code of the area vote).
- ``sms_code``: a citizen receives a code by SMS at a mobile number and types it back
  (:mod:`core.services.sms_verification`). The number, kept only as a keyed digest, is
  the identity: two accounts verified with one number are one identity. Stronger than a
  postal code, weaker than the residents list or the desk (a number is not a person).

A dialogue where none of them is on asks nothing of its voters, and its votes read nothing
more (:func:`core.services.verification.accepted_methods` looks at the dialogue only).
They decide votes: they are frozen with the vote (409 ``vote.config_frozen``).

``minimum_age`` (settings: the age, and whether only a verified birth date counts) lets
only people of that age vote (403 ``vote.not_eligible``, :mod:`core.services.ages`).

The ``verification`` personal data source gives a citizen how and when their account was
verified, and their birth date; deleting the account deletes its verification and its
birth date, and its identity's votes stay held by no account (the ballots stay counted,
and the person cannot vote again there).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.hookspecs import hookimpl
from core.models import BirthDate, IdentityVote, LetterCode, User, UserVerification
from core.modules import Module
from core.personal_data import PersonalDataContext, PersonalDataSource
from core.registries import Registry
from core.sms import OutboxSmsGateway, SmsGateway

CENSUS = Module(
    name="census",
    title="Résident·es vérifié·es : liste des habitant·es",
    description="Seules les personnes vérifiées votent : par leurs nom, prénom, date de "
    "naissance et code postal, trouvés dans la liste des habitant·es que l'équipe dépose.",
    granted_by_default=True,
    decides_votes=True,
)

DESK = Module(
    name="desk",
    title="Résident·es vérifié·es : au guichet",
    description="Seules les personnes vérifiées votent : par l'équipe, au guichet de la "
    "mairie, sur présentation d'une pièce.",
    granted_by_default=True,
    decides_votes=True,
)

LETTER_CODE = Module(
    name="letter_code",
    title="Résident·es vérifié·es : code reçu par courrier",
    description="Seules les personnes vérifiées votent : par le code à usage unique que "
    "l'équipe leur a envoyé par courrier, à leur adresse.",
    granted_by_default=True,
    decides_votes=True,
)

POSTAL_CODE = Module(
    name="postal_code",
    title="Résident·es déclaré·es : code postal (vérification faible)",
    description="Votent les comptes qui ont donné un code postal de la commune (liste "
    "fixée par l'équipe). Vérification faible : elle ne prouve pas qui vote et ne "
    "garantit pas qu'une personne n'a qu'un compte.",
    granted_by_default=True,
    decides_votes=True,
)

SMS_CODE = Module(
    name="sms_code",
    title="Résident·es vérifié·es : code par SMS",
    description="Votent les comptes qui ont reçu un code par SMS sur un numéro de mobile et "
    "l'ont saisi : un numéro ne vérifie qu'une identité, qui vote une fois, quel que soit "
    "le compte. Il ne prouve pas que la personne habite la commune.",
    granted_by_default=True,
    decides_votes=True,
)


class MinimumAgeSettings(msgspec.Struct, forbid_unknown_fields=True):
    """Who is old enough to vote in a dialogue."""

    age: Annotated[
        int,
        msgspec.Meta(
            ge=1,
            le=120,
            title="Âge minimum",
            description="En années révolues le jour du vote.",
        ),
    ] = 16
    verified_only: Annotated[
        bool,
        msgspec.Meta(
            title="Date de naissance vérifiée seulement",
            description="Seule compte la date de naissance trouvée dans la liste des "
            "habitant·es ou vue au guichet ; sinon, celle que la personne déclare suffit.",
        ),
    ] = False


MINIMUM_AGE = Module(
    name="minimum_age",
    title="Âge minimum",
    description="Seules les personnes qui ont l'âge demandé votent, d'après leur date de "
    "naissance déclarée ou vérifiée.",
    settings_type=MinimumAgeSettings,
    granted_by_default=True,
    decides_votes=True,
)

#: Every verification method, in the order they are offered.
METHODS: tuple[Module, ...] = (CENSUS, DESK, LETTER_CODE, SMS_CODE, POSTAL_CODE)
#: The methods that recognise a person (not only an account), strongest first: a weaker
#: verification never replaces one of them.
PERSON_METHODS = frozenset({CENSUS.name, DESK.name, LETTER_CODE.name})


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    for module in METHODS:
        registry.add(module)
    registry.add(MINIMUM_AGE)


@hookimpl
def register_sms_gateways(registry: Registry[SmsGateway]) -> None:
    registry.add(OutboxSmsGateway())


class VerificationSource(PersonalDataSource):
    id = "verification"

    async def export(
        self, session: AsyncSession, user: User, context: PersonalDataContext
    ) -> dict[str, Any] | None:
        held = await session.scalar(
            select(UserVerification).where(UserVerification.user_id == user.id)
        )
        birth = await session.get(BirthDate, user.id)
        if held is None and birth is None:
            return None
        found: dict[str, Any] = {}
        if held is not None:
            found.update(
                method=held.method,
                verified_at=held.verified_at,
                by_staff=held.verified_by_id is not None,
            )
        if birth is not None:
            found.update(birth_date=birth.birth_date, birth_date_verified=birth.verified)
        return found

    async def erase(self, session: AsyncSession, user: User, context: PersonalDataContext) -> None:
        await session.execute(delete(UserVerification).where(UserVerification.user_id == user.id))
        await session.execute(delete(BirthDate).where(BirthDate.user_id == user.id))
        await session.execute(
            update(IdentityVote).where(IdentityVote.user_id == user.id).values(user_id=None)
        )
        # The code stays used (it cannot verify anyone else), by no account.
        await session.execute(
            update(LetterCode).where(LetterCode.used_by_id == user.id).values(used_by_id=None)
        )


@hookimpl
def register_personal_data(registry: Registry[PersonalDataSource]) -> None:
    registry.add(VerificationSource())
