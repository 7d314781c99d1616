"""Back office: an administrator deletes a citizen's account (at their request by post
or by phone, say), after a confirmation step. The deletion is the one citizens do
themselves (:func:`core.services.personal_data.delete_account`), written in the audit
log as ``user.delete``. Staff accounts are not deleted here: their role goes first."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from core.db import begin_write, utcnow
from core.errors import NotFound
from core.models import User
from core.services import personal_data
from web.admin.guard import staff_guard
from web.admin.page_texts import translated
from web.admin.pages import admin_page, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep


class AccountDeletionPages(Controller):
    path = "/admin/people/{user_id:int}/delete"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        user_id: FromPath[int],
    ) -> Response[str]:
        user = await db_session.get(User, user_id)
        if user is None or user.organisation_id != org.id or user.deleted_at is not None:
            raise NotFound("Compte introuvable.")
        return admin_page(
            request,
            "admin/person_delete.html",
            section="people",
            page_title=translated(request, "Supprimer un compte"),
            person=user,
        )

    @post("/")
    async def delete(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        user_id: FromPath[int],
    ) -> Redirect:
        assert actor is not None  # the guard let an administrator in
        await begin_write(db_session)
        await personal_data.delete_citizen_account(
            db_session, plugins, org, user_id, by=actor, now=utcnow()
        )
        await db_session.commit()
        return done("/admin/people", "account_deleted")
