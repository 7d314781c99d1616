"""Modules per organisation and per dialogue (:mod:`core.modules`): what the platform
operator lets an organisation use, and what its administrators turn on.

Every change takes the dialogue's lock (:func:`core.services.vote_locks.lock_for_change`)
before it reads ``Dialogue.modules``: two administrators turning on two modules at once
both keep theirs, and a module that decides votes (``decides_votes``) cannot change once
the vote is frozen (409 ``vote.config_frozen``). Turning a module on, and changing a
grant, first lock the organisation's grants (:mod:`core.services.module_grants`): a
withdrawal and an enable of the same module cannot both win.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.models import Dialogue, Organisation, User
from core.modules import Module, ModuleScope, save_modules
from core.plugin_manager import Plugins
from core.services import audit
from core.services.dialogues import frozen_error, vote_frozen
from core.services.module_grants import held_grants, lock_grants, unknown_module
from core.services.vote_locks import lock_for_change

__all__ = [
    "EnabledModule",
    "Grant",
    "dialogue_modules",
    "disable_module",
    "enable_module",
    "granted_module",
    "grants_of",
    "set_grant",
    "unknown_module",
    "usable_module",
    "usable_modules",
]


@dataclass(frozen=True)
class EnabledModule:
    """A module on for a dialogue, with its stored settings."""

    module: Module
    settings: dict[str, Any]


@dataclass(frozen=True)
class Grant:
    """Whether an organisation may use an installed module, and whether that is the
    module's default or the operator's choice."""

    module: Module
    granted: bool
    by_default: bool


def grants_of(plugins: Plugins, organisation: Organisation) -> list[Grant]:
    """Every installed module, in registration order, and whether ``organisation`` may
    use it."""
    chosen = organisation.module_grants or {}
    return [
        Grant(module, module.granted_to(organisation), module.name not in chosen)
        for module in plugins.modules
    ]


def usable_modules(plugins: Plugins, organisation: Organisation) -> list[Module]:
    """The installed modules ``organisation`` may use, in registration order."""
    return [module for module in plugins.modules if module.granted_to(organisation)]


def usable_module(plugins: Plugins, organisation: Organisation, name: str) -> Module:
    """The module ``name`` if ``organisation`` may use it; else 404 ``module.unknown``."""
    return granted_module(plugins, organisation.module_grants, name)


def granted_module(plugins: Plugins, grants: Mapping[str, Any] | None, name: str) -> Module:
    """The module ``name`` if ``grants`` (an ``Organisation.module_grants``) let it be
    used; else 404 ``module.unknown``."""
    module = plugins.modules.get(name)
    if module is None or not module.granted_in(grants):
        raise unknown_module(name)
    return module


def dialogue_modules(
    plugins: Plugins, organisation: Organisation, dialogue: Dialogue
) -> list[EnabledModule]:
    """The modules on for ``dialogue``, with their settings."""
    return [
        EnabledModule(module, module.settings_on(dialogue) or {})
        for module in usable_modules(plugins, organisation)
        if module.enabled_on(dialogue)
    ]


async def enable_module(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    name: str,
    settings: dict[str, Any],
    *,
    actor: User | None,
    now: datetime,
) -> EnabledModule:
    """Turns the module ``name`` on for ``dialogue`` with ``settings`` (or changes the
    settings of a module already on), in the audit log as ``actor``'s. 404
    ``module.unknown``, 422 ``validation`` naming the field, 409 ``vote.config_frozen``."""
    enabled = await _enable(session, plugins, organisation, dialogue, name, settings, now)
    audit.record(
        session,
        organisation,
        actor,
        "module.enable",
        f"dialogue:{dialogue.slug}",
        {"module": name, "fields": sorted(settings)},
        now=now,
    )
    await session.flush()
    return enabled


async def _enable(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    name: str,
    settings: dict[str, Any],
    now: datetime,
) -> EnabledModule:
    # Judged against the grants read under their lock, not the request's copy of the
    # organisation: a withdrawal under way waits for this change, or this one for it.
    grants = await held_grants(session, organisation)
    module = _dialogue_module(plugins, grants, name)
    if not module.keeps_own_settings:
        # Refused before the dialogue's lock.
        if module.settings_type is None and settings:
            raise ValidationFailed(
                f"settings: the module {name!r} has no settings",
                extra={"errors": [{"field": "settings", "message": "no settings expected"}]},
            )
        decoded = module.decode_settings(settings)
        stored: dict[str, Any] = {} if decoded is None else msgspec.to_builtins(decoded)
        dialogue = await lock_for_change(session, dialogue)
        if module.decides_votes and module.settings_on(dialogue) != stored:
            await _refuse_when_frozen(session, plugins, dialogue, module, now)
        dialogue.modules = {**(dialogue.modules or {}), name: stored}
        await session.flush()
        return EnabledModule(module, stored)
    dialogue = await lock_for_change(session, dialogue)
    # Its plugin validates the settings, then stores them (and turns the module on).
    writer = plugins.prepare_module_settings(dialogue, name, settings)
    if writer is None:
        raise unknown_module(name)  # its plugin is blocked
    if module.decides_votes:
        await _refuse_when_frozen(session, plugins, dialogue, module, now)
    await session.flush()
    await save_modules(session, [writer])
    if not module.enabled_on(dialogue):
        dialogue.modules = {**(dialogue.modules or {}), name: {}}
        await session.flush()
    return EnabledModule(module, module.settings_on(dialogue) or {})


async def disable_module(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    name: str,
    *,
    actor: User | None,
    now: datetime,
) -> bool:
    """Turns the module ``name`` off for ``dialogue``, in the audit log as ``actor``'s;
    whether it was on. What the module stored elsewhere stays, for when it is turned on
    again."""
    # Turning off needs no grant's lock: it cannot leave a module on without its grant.
    module = _dialogue_module(plugins, organisation.module_grants, name)
    dialogue = await lock_for_change(session, dialogue)
    if not module.enabled_on(dialogue):
        return False
    if module.decides_votes:
        await _refuse_when_frozen(session, plugins, dialogue, module, now)
    dialogue.modules = _turned_off(dialogue.modules or {}, module)
    audit.record(
        session,
        organisation,
        actor,
        "module.disable",
        f"dialogue:{dialogue.slug}",
        {"module": name},
        now=now,
    )
    await session.flush()
    return True


async def set_grant(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    name: str,
    granted: bool,
    *,
    now: datetime,
    actor: User | None = None,
) -> list[str]:
    """Lets ``organisation`` use the module ``name``, or not, in the audit log as
    ``actor``'s (a platform operator; ``None``: the platform's, from the command line);
    returns the slugs of the dialogues where withdrawing it turned it off. A module that
    decides the vote of a dialogue whose vote is frozen cannot be withdrawn (409
    ``vote.config_frozen``).

    Holds the organisation's row ``FOR UPDATE`` from the start
    (:func:`core.services.module_grants.lock_grants`): an enable of the module that read
    the grant before waits to commit first, and is then found and turned off here; one
    that comes after reads that the grant is gone."""
    module = plugins.modules.get(name)
    if module is None:
        raise unknown_module(name)
    organisation = await lock_grants(session, organisation)
    changes = granted != module.granted_to(organisation)
    grants = dict(organisation.module_grants or {})
    if granted == module.granted_by_default:
        grants.pop(name, None)
    else:
        grants[name] = granted
    turned_off: list[str] = []
    if not granted:
        found = await session.scalars(
            select(Dialogue)
            .where(Dialogue.organisation_id == organisation.id)
            .order_by(Dialogue.id)
            .execution_options(populate_existing=True)
        )
        for listed in found.all():
            if not module.enabled_on(listed):
                continue
            dialogue = await lock_for_change(session, listed)
            if not module.enabled_on(dialogue):  # turned off meanwhile
                continue
            if module.decides_votes:
                await _refuse_when_frozen(session, plugins, dialogue, module, now)
            dialogue.modules = _turned_off(dialogue.modules or {}, module)
            turned_off.append(dialogue.slug)
    organisation.module_grants = grants
    if changes:
        audit.record(
            session,
            organisation,
            actor,
            "module.grant" if granted else "module.withdraw",
            f"organisation:{organisation.slug}",
            {"module": name, "dialogues": turned_off},
            now=now,
        )
    await session.flush()
    return turned_off


def _dialogue_module(plugins: Plugins, grants: Mapping[str, Any] | None, name: str) -> Module:
    """The module ``name`` if ``grants`` let it be used and it is turned on per dialogue."""
    module = granted_module(plugins, grants, name)
    if module.scope is ModuleScope.ORGANISATION:
        raise ValidationFailed(
            f"module {name!r}: turned on for the whole organisation, not per dialogue",
            code="validation",
        )
    return module


def _turned_off(modules: dict[str, Any], module: Module) -> dict[str, Any]:
    changed = dict(modules)
    if module.enabled_by_default:
        changed[module.name] = None
    else:
        changed.pop(module.name, None)
    return changed


async def _refuse_when_frozen(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, module: Module, now: datetime
) -> None:
    if await vote_frozen(session, plugins, dialogue, now):
        raise frozen_error(f"module {module.name!r} ({dialogue.slug})")
