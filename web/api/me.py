"""API: the signed-in user's own account (an addition to the contract): their profile,
the download of all their personal data, and the deletion of their account."""

from __future__ import annotations

from typing import Any, ClassVar

from litestar import Controller, Request, Response, delete, get, patch
from litestar.params import JSONBody
from msgspec import UNSET, UnsetType
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write, utcnow
from core.errors import AuthRequired
from core.models import User
from core.plugin_manager import Plugins
from core.services import accounts, personal_data
from core.specs import Strict
from web.api.auth import UserOut, user_out
from web.dependencies import Actor, DbSession, PluginsDep
from web.session_cookies import clear_session_cookie


class ProfileChange(Strict):
    display_name: str | UnsetType = UNSET
    postal_code: str | UnsetType | None = UNSET
    language: str | UnsetType = UNSET


def _signed_in(actor: User | None) -> User:
    if actor is None:
        raise AuthRequired("Connexion requise.")
    return actor


async def data_download(session: AsyncSession, plugins: Plugins, user: User) -> Response[bytes]:
    """The file of ``user``'s personal data, as the API and the account page give it."""
    now = utcnow()
    data = await personal_data.export_personal_data(session, plugins, user, now=now)
    return Response(
        personal_data.encode(data),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{personal_data.file_name(now)}"',
            "Cache-Control": "no-store",
        },
    )


async def delete_own_account(session: AsyncSession, plugins: Plugins, user: User) -> None:
    """Deletes ``user``'s account at their request and commits (409 ``role.last_admin``
    for the organisation's last administrator)."""
    await begin_write(session)
    # The service locks the account and reads it again: two deletions at once make one.
    await personal_data.delete_account(session, plugins, user, now=utcnow())
    await session.commit()


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

    @get("/data")
    async def download_my_data(
        self, db_session: DbSession, actor: Actor, plugins: PluginsDep
    ) -> Response[bytes]:
        """All the personal data the platform keeps about the signed-in user, as a JSON
        file (RGPD): account, groups, API tokens, sessions, proposals, comments, ballots
        and their vote logs, and what plugins keep (questionnaire responses...)."""
        return await data_download(db_session, plugins, _signed_in(actor))

    @delete("/", status_code=204)
    async def delete_me(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        actor: Actor,
        plugins: PluginsDep,
    ) -> Response[None]:
        """Deletes the signed-in user's account; a body, if any, is ignored. Published
        proposals and comments stay, shown as from a deleted user; ballots stay counted."""
        await delete_own_account(db_session, plugins, _signed_in(actor))
        response: Response[None] = Response(None, status_code=204)
        clear_session_cookie(response, request.app.state.context.settings)
        return response
