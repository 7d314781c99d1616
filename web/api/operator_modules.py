"""API: the modules each organisation of the platform may use, as the platform operator
grants them (operators only, whatever their role: :func:`core.permissions.operator_check`;
the same changes as ``/operator/modules`` and ``participe org modules``)."""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, put
from litestar.params import FromPath

from core.db import utcnow
from core.permissions import operator_check
from core.services import modules, organisations
from web.admin.guard import operator_guard
from web.api.pagination import PageNumber, PerPage, page_of
from web.api.schemas import Page
from web.dependencies import Actor, DbSession, PluginsDep


class GrantOut(msgspec.Struct):
    name: str
    title: str
    granted: bool
    #: Whether it is the module's default rather than the operator's choice.
    by_default: bool


class OrganisationGrantsOut(msgspec.Struct):
    slug: str
    name: str
    modules: list[GrantOut]


class GrantChangeOut(msgspec.Struct):
    organisation: str
    name: str
    granted: bool
    #: The dialogues where withdrawing the module turned it off.
    turned_off: list[str]


class OperatorModulesController(Controller):
    path = "/api/v1/operator"
    guards = [operator_guard]  # noqa: RUF012
    tags = ["platform operator"]  # noqa: RUF012

    @get("/organisations")
    async def organisations_grants(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        actor: Actor,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[OrganisationGrantsOut]:
        """Every organisation, with each installed module and whether it may use it."""
        operator_check(actor)
        found = await organisations.list_organisations(db_session)
        return page_of(
            [
                OrganisationGrantsOut(
                    organisation.slug,
                    organisation.name,
                    [
                        GrantOut(
                            grant.module.name, grant.module.title, grant.granted, grant.by_default
                        )
                        for grant in modules.grants_of(plugins, organisation)
                    ],
                )
                for organisation in found
            ],
            page,
            per_page,
        )

    @put("/organisations/{slug:str}/modules/{name:str}", status_code=200)
    async def grant(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        actor: Actor,
        slug: FromPath[str],
        name: FromPath[str],
    ) -> GrantChangeOut:
        """Lets the organisation use the module (404 ``module.unknown`` for one not
        installed)."""
        return await _change(db_session, plugins, actor, slug, name, granted=True)

    @delete("/organisations/{slug:str}/modules/{name:str}", status_code=200)
    async def withdraw(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        actor: Actor,
        slug: FromPath[str],
        name: FromPath[str],
    ) -> GrantChangeOut:
        """Withdraws the module: it is turned off on every dialogue of the organisation
        (409 ``vote.config_frozen`` while it decides an open vote, 422 ``module.in_use``
        while a dialogue votes or counts with it)."""
        return await _change(db_session, plugins, actor, slug, name, granted=False)


async def _change(
    db_session: DbSession,
    plugins: PluginsDep,
    actor: Actor,
    slug: str,
    name: str,
    *,
    granted: bool,
) -> GrantChangeOut:
    operator = operator_check(actor)
    organisation = await organisations.get_by_slug(db_session, slug)
    turned_off = await modules.set_grant(
        db_session, plugins, organisation, name, granted, now=utcnow(), actor=operator
    )
    await db_session.commit()
    return GrantChangeOut(slug, name, granted, turned_off)
