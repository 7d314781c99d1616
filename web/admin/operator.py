"""The platform operator's page (``/operator/modules``): every organisation with the
installed modules, each granted or not, and a button that grants or withdraws it
(:func:`core.services.modules.set_grant`, in the audit log as the operator's).

Only operators open it (:func:`web.admin.guard.operator_guard`), whatever their role in
their own organisation: they sign in there as anyone does, and the back office's menu
shows them the way.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import Conflict, NotFound
from core.plugin_manager import Plugins
from core.services import modules, organisations
from web.admin.guard import operator_guard
from web.admin.pages import admin_page, discard_changes, done
from web.dependencies import Actor, DbSession, PluginsDep
from web.i18n import translator
from web.labels import N_

PAGE = "/operator/modules"
#: The last segment of a change's address: whether it grants the module.
CHANGES = {"grant": True, "withdraw": False}
#: Why a withdrawal was refused, by the refusal's code.
REFUSALS = {
    "vote.config_frozen": N_(
        "Une démarche de cette organisation a ouvert son vote, et ce module en décide : "
        "il ne peut plus lui être retiré."
    ),
}


class OperatorPages(Controller):
    path = PAGE
    guards = [operator_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def grants_page(
        self, request: Request[Any, Any, Any], db_session: DbSession, plugins: PluginsDep
    ) -> Response[str]:
        return await _page(request, db_session, plugins)

    @post("/{slug:str}/{name:str}/{change:str}")
    async def set_grant(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        actor: Actor,
        slug: FromPath[str],
        name: FromPath[str],
        change: FromPath[str],
    ) -> Response[Any]:
        """``grant``: lets the organisation use the module; ``withdraw``: no longer, and
        the module is turned off on every one of its dialogues."""
        if change not in CHANGES:
            raise NotFound("Cette page n'existe pas.")
        granted = CHANGES[change]
        return await _set_grant(request, db_session, plugins, actor, slug, name, granted=granted)


async def _set_grant(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    plugins: Plugins,
    actor: Any,
    slug: str,
    name: str,
    *,
    granted: bool,
) -> Response[Any]:
    """404 for an unknown organisation or module; the page again, with why, when the
    service refuses."""
    organisation = await organisations.get_by_slug(db_session, slug)
    try:
        await modules.set_grant(
            db_session, plugins, organisation, name, granted, now=utcnow(), actor=actor
        )
    except Conflict as error:
        await discard_changes(request, db_session)
        message = translator(request).gettext(REFUSALS.get(error.code, error.detail))
        refusal = {"slug": slug, "name": name, "message": message}
        return await _page(request, db_session, plugins, refusal=refusal)
    await db_session.commit()
    return done(PAGE, "module_granted" if granted else "module_withdrawn")


async def _page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    plugins: Plugins,
    *,
    refusal: dict[str, str] | None = None,
) -> Response[str]:
    shown = [
        {
            "organisation": organisation,
            "hosts": [host.host for host in organisation.hosts],
            "grants": modules.grants_of(plugins, organisation),
        }
        for organisation in await organisations.list_organisations(db_session)
    ]
    return admin_page(
        request,
        "admin/operator_modules.html",
        section="operator",
        status_code=409 if refusal else 200,
        page_title=translator(request).gettext("Modules des organisations"),
        organisations=shown,
        refusal=refusal,
    )
