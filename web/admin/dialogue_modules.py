"""Back office: the "Modules" tab of a dialogue, where administrators turn on and off the
modules their organisation may use (:mod:`core.modules`), each with its settings form
generated from its settings Struct."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from core.db import utcnow
from core.errors import DomainError, NotFound
from core.models import Dialogue, Organisation
from core.modules import ModuleScope
from core.plugin_manager import Plugins
from core.services import modules
from web.admin.dialogues import load_dialogue
from web.admin.embed_code import embed_code
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.admin.struct_forms import parse_struct, struct_fields
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.labels import N_

TAB = "/modules"


def _prefix(name: str) -> str:
    """The HTML names of a module's settings: ``petition.threshold``, unique on the tab."""
    return f"{name}."


class DialogueModulePages(Controller):
    path = "/admin/dialogues/{slug:str}/modules"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def modules_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return _page(request, plugins, org, dialogue)

    @post("/{name:str}")
    async def turn_on(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        name: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """Turns the module on with the posted settings, or saves them."""
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        module = modules.usable_module(plugins, org, name)
        settings: dict[str, Any] = {}
        if module.settings_type is not None:
            parsed, errors = parse_struct(module.settings_type, form, prefix=_prefix(name))
            if parsed is None:
                return _page(request, plugins, org, dialogue, posted=name, form=form, errors=errors)
            settings = msgspec.to_builtins(parsed)
        try:
            await modules.enable_module(
                db_session, plugins, org, dialogue, name, settings, actor=actor, now=utcnow()
            )
        except NotFound:
            raise  # the grant was withdrawn meanwhile: no such module here any more
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            errors = _refusal(error, name)
            return _page(request, plugins, org, dialogue, posted=name, form=form, errors=errors)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}{TAB}")

    @post("/{name:str}/off")
    async def turn_off(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        name: FromPath[str],
    ) -> Response[Any]:
        dialogue = await load_dialogue(db_session, org, slug)
        try:
            await modules.disable_module(
                db_session, plugins, org, dialogue, name, actor=actor, now=utcnow()
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            return _page(request, plugins, org, dialogue, posted=name, errors=_refusal(error, name))
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}{TAB}")


def _refusal(error: DomainError, name: str) -> dict[str, str]:
    """The service's refusal as the form's errors, under the module's HTML names."""
    if error.code == "vote.config_frozen":
        return {"__all__": "Le vote est ouvert : ce module, qui en décide, ne peut plus changer."}
    if error.code == "module.in_use":
        return {
            "__all__": "La règle de désignation des lauréats de cette démarche vient de ce "
            "module : choisissez-en une autre (onglet Général) avant de le désactiver."
        }
    found = error.extra.get("errors") if error.extra else None
    if isinstance(found, list) and found:
        errors: dict[str, str] = {}
        for item in found:
            if not isinstance(item, dict):
                continue
            field = str(item.get("field", ""))
            key = _prefix(name) + field.removeprefix("settings.") if "." in field else "__all__"
            errors[key] = f"Valeur refusée : {item.get('message', error.detail)}."
        return errors or refusal_fields(error)
    return refusal_fields(error)


def _page(
    request: Request[Any, Any, Any],
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    *,
    posted: str = "",
    form: FormValues | None = None,
    errors: dict[str, str] | None = None,
) -> Response[str]:
    """The tab: each module the organisation may use, on or off, with its settings."""
    shown = []
    # A module that keeps its settings itself may have a tab of its own to set them.
    own_tabs = {tab.id: tab for tab in plugins.dialogue_tabs(dialogue)}
    for module in modules.usable_modules(plugins, organisation):
        if module.scope is ModuleScope.ORGANISATION:
            continue
        mine = module.name == posted
        settings = module.settings_on(dialogue)
        shown.append(
            {
                "module": module,
                "on": settings is not None,
                "tab": own_tabs.get(module.name),
                "errors": (errors or {}) if mine else {},
                "fields": struct_fields(
                    module.settings_type,
                    settings,
                    prefix=_prefix(module.name),
                    errors=(errors or {}) if mine else {},
                    submitted=form if mine else None,
                )
                if module.settings_type is not None
                else [],
            }
        )
    return admin_page(
        request,
        "admin/dialogue_modules.html",
        section="dialogues",
        status_code=422 if errors else 200,
        page_title=N_("Modules"),
        page_subject=dialogue.title,
        dialogue=dialogue,
        tabs=dialogue_tabs(dialogue, TAB),
        shown=shown,
        embed=embed_code(request, organisation, dialogue),
    )
