"""API: the signed-in user's own account (an addition to the contract)."""

from __future__ import annotations

from typing import ClassVar

from litestar import Controller, get, patch
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType

from core.errors import AuthRequired
from core.models import User
from core.services import accounts
from core.specs import Strict
from web.api.auth import UserOut, user_out
from web.dependencies import Actor, DbSession


class ProfileChange(Strict):
    display_name: str | UnsetType = UNSET
    postal_code: str | UnsetType | None = UNSET
    language: str | UnsetType = UNSET


def _signed_in(actor: User | None) -> User:
    if actor is None:
        raise AuthRequired("Connexion requise.")
    return actor


class MeController(Controller):
    path = "/api/v1/me"
    tags: ClassVar[list[str]] = ["account"]

    @get("/")
    async def read_me(self, actor: Actor) -> UserOut:
        return user_out(_signed_in(actor))

    @patch("/")
    async def update_me(
        self, db_session: DbSession, actor: Actor, data: JSONBody[ProfileChange]
    ) -> UserOut:
        user = _signed_in(actor)
        accounts.update_profile(
            user,
            display_name=None if data.display_name is UNSET else data.display_name,
            postal_code=data.postal_code if isinstance(data.postal_code, str) else None,
            clear_postal_code=data.postal_code is None,
            language=None if data.language is UNSET else data.language,
        )
        await db_session.commit()
        return user_out(user)
