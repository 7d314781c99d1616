"""The people of a test: an organisation with its administrator and citizens, each with an
API token for the ``Authorization`` header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.db import Database
from core.models import Organisation, User
from core.models.users import Role
from core.services import organisations, users


@dataclass
class Person:
    """A user, committed, and a bearer token of theirs."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """The headers of a request made as this person (``Authorization: Bearer ...``)."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    """An organisation (slug ``ville``, served on any host) with an administrator
    (``admin@ville.test``) and two citizens, Alice and Bob, committed."""

    org: Organisation
    admin: Person
    alice: Person
    bob: Person
    database: Database

    @classmethod
    async def create(cls, database: Database) -> World:
        async with database.session() as session:
            org = await organisations.create_organisation(
                session, slug="ville", name="Ville de Test"
            )
            await session.commit()
        admin = await person_of(database, org, "admin@ville.test", Role.ADMIN)
        alice = await person_of(database, org, "alice@example.org", display_name="Alice")
        bob = await person_of(database, org, "bob@example.org", display_name="Bob")
        return cls(org, admin, alice, bob, database)

    async def person(self, email: str, role: Role = Role.CITIZEN, **fields: Any) -> Person:
        """Another person of the organisation (``role``: ``Role.MODERATOR``, ...), with
        ``fields`` set on their user (``display_name=...``)."""
        return await person_of(self.database, self.org, email, role, **fields)

    async def citizens(self, count: int) -> list[Person]:
        """``count`` more citizens, ``citizen1@example.org`` and on."""
        return [await self.person(f"citizen{n}@example.org") for n in range(1, count + 1)]


async def person_of(
    database: Database, org: Organisation, email: str, role: Role = Role.CITIZEN, **fields: Any
) -> Person:
    """A user of ``org`` (created unless ``email`` is already one) and a new token."""
    async with database.session() as session:
        organisation = await session.get(Organisation, org.id)
        assert organisation is not None
        user = await users.ensure_user(session, organisation, email, role=role)
        for name, value in fields.items():
            setattr(user, name, value)
        token = await users.create_api_token(session, user)
        await session.commit()
        return Person(user, token)
