"""Organisations and the resolution of a request's host name to one of them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import read_cache
from core.errors import Conflict, NotFound, ValidationFailed
from core.models import Organisation, OrganisationHost

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def host_without_port(host_header: str) -> str:
    """``"Example.org:8000"`` → ``"example.org"``; ``"[::1]:8000"`` → ``"[::1]"``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


async def resolve_host(session: AsyncSession, host_header: str) -> Organisation | None:
    """The organisation a Host header names; local addresses serve the default one."""
    host = host_without_port(host_header)
    if host in LOCAL_HOSTS:
        return await read_cache.cached(session, ("organisation", None), default_organisation)

    async def by_host(reading: AsyncSession) -> Organisation | None:
        return await reading.scalar(BY_HOST, {"host": host})

    return await read_cache.cached(session, ("organisation", host), by_host)


def address_on(base_url: str, host: str) -> str:
    """``host``'s address with the scheme and the port of ``base_url``
    (``PARTICIPE_BASE_URL``): ``("https://participer.example.org", "ville.fr")`` →
    ``"https://ville.fr"``; a developer's ``http://localhost:8000`` gives
    ``"http://ville.fr:8000"``."""
    parts = urlsplit(base_url)
    scheme = parts.scheme or "https"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{scheme}://{host}" + (f":{port}" if port else "")


async def site_url(
    session: AsyncSession, organisation: Organisation, host_header: str, base_url: str
) -> str:
    """The address of ``organisation``'s site for links that leave the request (emails).

    It is built from configuration only, never from the Host header itself: the host name
    the request reached when it is one of the organisation's configured hosts (with the
    scheme and port of ``base_url``), else ``base_url``. A forged header
    (``ville.fr:@evil.example``) cannot put another site in a link.
    """
    host = host_without_port(host_header)
    if host and host not in LOCAL_HOSTS:
        configured = await session.scalar(
            select(OrganisationHost.host).where(
                OrganisationHost.organisation_id == organisation.id,
                OrganisationHost.host == host,
            )
        )
        if configured:
            return address_on(base_url, configured)
    return base_url.rstrip("/")


async def home_url(session: AsyncSession, organisation: Organisation, base_url: str) -> str:
    """The address of ``organisation``'s site for links made outside a request (the
    emails of event handlers): its first configured host, with the scheme and port of
    ``base_url``, else ``base_url``."""
    host = await session.scalar(
        select(OrganisationHost.host)
        .where(OrganisationHost.organisation_id == organisation.id)
        .order_by(OrganisationHost.id)
        .limit(1)
    )
    return address_on(base_url, host) if host else base_url.rstrip("/")


#: Built once: every request on a local address reads the default organisation.
DEFAULT_ORGANISATION = (
    select(Organisation).order_by(Organisation.is_default.desc(), Organisation.id).limit(1)
)
#: Built once: every request on an organisation's own host resolves it.
BY_HOST = (
    select(Organisation)
    .join(OrganisationHost, OrganisationHost.organisation_id == Organisation.id)
    .where(OrganisationHost.host == bindparam("host"))
)


async def default_organisation(session: AsyncSession) -> Organisation | None:
    return await session.scalar(DEFAULT_ORGANISATION)


async def named_or_default(session: AsyncSession, slug: str | None) -> Organisation:
    """The organisation ``slug`` when given, else the default one (the commands'
    ``--org``); 404 when there is none."""
    if slug:
        return await get_by_slug(session, slug)
    found = await default_organisation(session)
    if found is None:
        raise NotFound("no organisation yet: run 'participe org create' first")
    return found


async def list_organisations(session: AsyncSession) -> Sequence[Organisation]:
    """Every organisation of the platform with its host names, by name."""
    found = await session.scalars(
        select(Organisation)
        .options(selectinload(Organisation.hosts))
        .order_by(Organisation.name, Organisation.id)
    )
    return found.all()


async def get_by_slug(session: AsyncSession, slug: str) -> Organisation:
    organisation = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(f"organisation {slug!r} inconnue")
    return organisation


async def create_organisation(
    session: AsyncSession,
    *,
    slug: str,
    name: str,
    hosts: list[str] | None = None,
    is_default: bool = False,
) -> Organisation:
    """Creates an organisation; the first one created is the default one."""
    if not SLUG.match(slug):
        raise ValidationFailed("slug: lowercase letters, digits and dashes only")
    if await session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise Conflict(f"organisation {slug!r} already exists", code="organisation.exists")
    has_any = await session.scalar(select(Organisation.id).limit(1))
    organisation = Organisation(slug=slug, name=name, is_default=is_default or has_any is None)
    session.add(organisation)
    await session.flush()
    for host in hosts or []:
        name_only = host_without_port(host)
        if await session.scalar(
            select(OrganisationHost.id).where(OrganisationHost.host == name_only)
        ):
            raise Conflict(f"host {name_only!r} already serves another organisation")
        session.add(OrganisationHost(organisation_id=organisation.id, host=name_only))
    await session.flush()
    return organisation
