"""API: the modules an organisation may use, and those on for each of its dialogues
(administrators only; :mod:`core.modules`)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, put
from litestar.params import FromPath, JSONBody

from core.db import utcnow
from core.modules import Module
from core.permissions import Action, staff_check
from core.services import dialogues, modules
from core.specs import Strict
from web.admin.guard import staff_guard
from web.api.pagination import PageNumber, PerPage, page_of
from web.api.schemas import Page
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep


class ModuleOut(msgspec.Struct):
    name: str
    title: str
    description: str
    #: ``dialogue``, ``organisation`` or ``both``: where administrators turn it on.
    scope: str
    enabled_by_default: bool
    #: Once the vote phase opens, it can no longer be turned on, off or changed.
    decides_votes: bool
    #: The JSON schema of its settings; ``null`` when its plugin checks them itself.
    settings_schema: dict[str, Any] | None


class EnabledModuleOut(msgspec.Struct):
    name: str
    title: str
    settings: dict[str, Any]


class ModuleSettings(Strict):
    settings: dict[str, Any] = msgspec.field(default_factory=dict)


def module_out(module: Module) -> ModuleOut:
    schema = None if module.settings_type is None else msgspec.json.schema(module.settings_type)
    return ModuleOut(
        module.name,
        module.title,
        module.description,
        module.scope.value,
        module.enabled_by_default,
        module.decides_votes,
        schema,
    )


def enabled_out(enabled: modules.EnabledModule) -> EnabledModuleOut:
    return EnabledModuleOut(enabled.module.name, enabled.module.title, enabled.settings)


class AdminModulesController(Controller):
    path = "/api/v1/admin"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @get("/modules")
    async def usable_modules(
        self,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[ModuleOut]:
        """The modules this organisation may use, with the schema of their settings."""
        staff_check(actor, Action.ADMINISTER)
        return page_of(
            [module_out(module) for module in modules.usable_modules(plugins, org)], page, per_page
        )

    @get("/dialogues/{slug:str}/modules")
    async def dialogue_modules(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        page: PageNumber = 1,
        per_page: PerPage = 20,
    ) -> Page[EnabledModuleOut]:
        """The modules on for this dialogue, with their settings."""
        staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        on = modules.dialogue_modules(plugins, org, dialogue)
        return page_of([enabled_out(enabled) for enabled in on], page, per_page)

    @put("/dialogues/{slug:str}/modules/{name:str}", status_code=200)
    async def enable_module(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        name: FromPath[str],
        data: JSONBody[ModuleSettings],
    ) -> EnabledModuleOut:
        """Turns the module on for this dialogue with these settings, or changes them."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        enabled = await modules.enable_module(
            db_session,
            plugins,
            org,
            dialogue,
            name,
            data.settings,
            actor=staff_member,
            now=utcnow(),
        )
        await db_session.commit()
        return enabled_out(enabled)

    @delete("/dialogues/{slug:str}/modules/{name:str}", status_code=204)
    async def disable_module(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        name: FromPath[str],
    ) -> None:
        """Turns the module off for this dialogue; what it stored stays."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        await modules.disable_module(
            db_session, plugins, org, dialogue, name, actor=staff_member, now=utcnow()
        )
        await db_session.commit()
