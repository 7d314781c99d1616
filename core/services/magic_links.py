"""Sign-in by email link.

A link carries a token of 192 random bits; the table keeps its SHA-256 only. A token works
once (its redemption is one conditional ``UPDATE ... WHERE used_at IS NULL``, so two
redemptions at once give one sign-in), for :data:`LINK_LIFETIME`, and a newer link for the
same address voids the older ones.

Asking for a link does the same work whatever the address: no account is looked up to
decide anything, since the first sign-in of an address creates its (verified) account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError, ValidationFailed
from core.languages import supported
from core.models import Organisation, SignInToken, User
from core.services.users import hash_token, normalise_email

LINK_LIFETIME = timedelta(minutes=15)
TOKEN_BYTES = 24


class InvalidSignInLink(DomainError):
    status_code = 400
    code = "auth.invalid_token"

    def __init__(self) -> None:
        super().__init__(
            "Ce lien de connexion n'est plus valable : il a déjà servi, a expiré ou a été "
            "remplacé par un lien plus récent. Demandez-en un nouveau."
        )


@dataclass(frozen=True)
class IssuedLink:
    """A new sign-in token, to be sent to ``email`` in ``language``."""

    token: str
    email: str
    language: str


async def issue_link(
    session: AsyncSession,
    organisation: Organisation,
    email: str,
    *,
    language: str,
    now: datetime,
) -> IssuedLink:
    """Creates a sign-in token for ``email`` and voids the older unused ones.

    ``language`` is the request's; the mail is written in the account's language when the
    address has one. The caller commits.
    """
    address = normalise_email(email)
    check_email_domain(organisation, address)
    user_language = await session.scalar(
        select(User.language).where(User.organisation_id == organisation.id, User.email == address)
    )
    await session.execute(
        update(SignInToken)
        .where(
            SignInToken.organisation_id == organisation.id,
            SignInToken.email == address,
            SignInToken.used_at.is_(None),
        )
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        SignInToken(
            organisation_id=organisation.id,
            email=address,
            token_hash=hash_token(token),
            language=supported(language),
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
    )
    await session.flush()
    return IssuedLink(token=token, email=address, language=supported(user_language or language))


def refused_domains(organisation: Organisation) -> frozenset[str]:
    """The email domains an organisation refuses (``options["refused_email_domains"]``,
    e.g. disposable-address services); a refused domain refuses its subdomains too."""
    listed = organisation.options.get("refused_email_domains") or []
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(
        domain.strip().lower().lstrip("@").rstrip(".")
        for domain in listed
        if isinstance(domain, str) and domain.strip()
    )


def check_email_domain(organisation: Organisation, address: str) -> None:
    """Refuses ``address`` when its domain is one the organisation refuses. This says
    nothing about accounts: the rule is the same for every address of the domain."""
    refused = refused_domains(organisation)
    if not refused:
        return
    labels = address.rpartition("@")[2].split(".")
    candidates = {".".join(labels[index:]) for index in range(len(labels))}
    if candidates & refused:
        raise ValidationFailed(
            "email: les adresses de ce domaine ne sont pas acceptées ici",
            code="auth.email_domain_refused",
            extra={"field": "email"},
        )


async def link_is_live(
    session: AsyncSession, organisation: Organisation, token: str, *, now: datetime
) -> bool:
    """Whether ``token`` would sign in now; reading it does not use it."""
    found = await session.scalar(select(SignInToken.id).where(_live(organisation, token, now)))
    return found is not None


async def redeem_link(
    session: AsyncSession,
    organisation: Organisation,
    token: str,
    *,
    now: datetime,
    network: str | None = None,
) -> User:
    """Uses ``token`` and returns the user it signs in, creating the account on a first
    sign-in; raises :class:`InvalidSignInLink` when the token is used, expired, voided,
    unknown or of another organisation. The caller commits.

    ``network`` is the keyed digest of the network the request came from
    (:func:`core.networks.network_digest`), kept on an account it creates for the fraud
    signals.

    Run it in a write transaction (:meth:`core.db.Database.write_session`): on SQLite a
    transaction that read before writing cannot write after a concurrent commit.
    """
    if not token or len(token) > 200:
        raise InvalidSignInLink()
    used = await session.execute(
        update(SignInToken).where(_live(organisation, token, now)).values(used_at=now)
    )
    if getattr(used, "rowcount", 0) != 1:
        raise InvalidSignInLink()
    row = (
        await session.execute(
            select(SignInToken.email, SignInToken.language).where(
                SignInToken.token_hash == hash_token(token)
            )
        )
    ).one()
    return await _account(session, organisation, row.email, row.language, now, network)


def _live(organisation: Organisation, token: str, now: datetime) -> ColumnElement[bool]:
    return and_(
        SignInToken.token_hash == hash_token(token),
        SignInToken.organisation_id == organisation.id,
        SignInToken.used_at.is_(None),
        SignInToken.expires_at > now,
    )


async def _account(
    session: AsyncSession,
    organisation: Organisation,
    email: str,
    language: str,
    now: datetime,
    network: str | None = None,
) -> User:
    """The account of ``email``, created verified (from ``network``) if it has none yet."""
    query = select(User).where(User.organisation_id == organisation.id, User.email == email)
    user = await session.scalar(query)
    if user is None:
        try:
            async with session.begin_nested():
                user = User(
                    organisation_id=organisation.id,
                    email=email,
                    language=supported(language),
                    email_verified_at=now,
                    created_at=now,
                    created_network=network,
                )
                session.add(user)
        except IntegrityError:  # created at the same moment by another link of the address
            user = await session.scalar(query)
            if user is None:
                raise
    if user.deleted_at is not None:
        raise InvalidSignInLink()
    if user.email_verified_at is None:
        user.email_verified_at = now
    await session.flush()
    return user
