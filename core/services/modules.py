"""Modules per organisation and per dialogue (:mod:`core.modules`): what the platform
operator lets an organisation use, and what its administrators turn on.

Every change takes the dialogue's lock (:func:`core.services.vote_locks.lock_for_change`)
before it reads ``Dialogue.modules``: two administrators turning on two modules at once
both keep theirs, and a module that decides votes (``decides_votes``) cannot change once
the vote is frozen (409 ``vote.config_frozen``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import NotFound, ValidationFailed
from core.models import Dialogue, Organisation, User
from core.modules import Module, ModuleScope, save_modules
from core.plugin_manager import Plugins
from core.services import audit
from core.services.dialogues import frozen_error, vote_frozen
from core.services.vote_locks import lock_for_change


@dataclass(frozen=True)
class EnabledModule:
    """A module on for a dialogue, with its stored settings."""

    module: Module
    settings: dict[str, Any]


def unknown_module(name: str) -> NotFound:
    return NotFound(
        f"module {name!r}: no such module, or this organisation may not use it",
        code="module.unknown",
    )


def usable_modules(plugins: Plugins, organisation: Organisation) -> list[Module]:
    """The installed modules ``organisation`` may use, in registration order."""
    return [module for module in plugins.modules if module.granted_to(organisation)]


def usable_module(plugins: Plugins, organisation: Organisation, name: str) -> Module:
    """The module ``name`` if ``organisation`` may use it; else 404 ``module.unknown``."""
    module = plugins.modules.get(name)
    if module is None or not module.granted_to(organisation):
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
    module = _dialogue_module(plugins, organisation, name)
    if not module.keeps_own_settings:
        # Refused before any lock.
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
    module = _dialogue_module(plugins, organisation, name)
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
) -> list[str]:
    """Lets ``organisation`` use the module ``name``, or not (in the audit log as the
    platform's: the operator acts from the command line); returns the slugs of the
    dialogues where withdrawing it turned it off. A module that decides the vote of a
    dialogue whose vote is frozen cannot be withdrawn (409 ``vote.config_frozen``)."""
    module = plugins.modules.get(name)
    if module is None:
        raise unknown_module(name)
    await begin_write(session)
    changes = granted != module.granted_to(organisation)
    grants = dict(organisation.module_grants or {})
    if granted == module.granted_by_default:
        grants.pop(name, None)
    else:
        grants[name] = granted
    turned_off: list[str] = []
    if not granted:
        found = await session.scalars(
            select(Dialogue).where(Dialogue.organisation_id == organisation.id)
        )
        for listed in found.all():
            if not module.enabled_on(listed):
                continue
            dialogue = await lock_for_change(session, listed)
            if module.decides_votes:
                await _refuse_when_frozen(session, plugins, dialogue, module, now)
            dialogue.modules = _turned_off(dialogue.modules or {}, module)
            turned_off.append(dialogue.slug)
    organisation.module_grants = grants
    if changes:
        audit.record(
            session,
            organisation,
            None,
            "module.grant" if granted else "module.withdraw",
            f"organisation:{organisation.slug}",
            {"module": name, "dialogues": turned_off},
            now=now,
        )
    await session.flush()
    return turned_off


def _dialogue_module(plugins: Plugins, organisation: Organisation, name: str) -> Module:
    module = usable_module(plugins, organisation, name)
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
