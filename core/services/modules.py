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

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.models import Dialogue, Organisation, User
from core.modules import (
    Module,
    ModuleChange,
    check_choices_live,
    dialogue_module,
    module_change,
    unknown_module,
    usable_module,
)
from core.plugin_manager import Plugins
from core.services import audit
from core.services.dialogues import frozen_error, vote_frozen
from core.services.vote_locks import lock_for_change

__all__ = [
    "EnabledModule",
    "dialogue_modules",
    "disable_module",
    "enable_module",
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


def usable_modules(plugins: Plugins, organisation: Organisation) -> list[Module]:
    """The installed modules ``organisation`` may use, in registration order."""
    return [module for module in plugins.modules if module.granted_to(organisation)]


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
    dialogue_module(plugins, organisation, name)  # refused before any lock
    dialogue = await lock_for_change(session, dialogue)
    change = module_change(plugins, organisation, dialogue, name, settings)
    await _make(session, plugins, dialogue, change, now)
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
    return EnabledModule(change.module, change.module.settings_on(dialogue) or {})


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
    again. 422 ``module.in_use`` while the dialogue's budget rule comes with it."""
    module = dialogue_module(plugins, organisation, name)
    dialogue = await lock_for_change(session, dialogue)
    if not module.enabled_on(dialogue):
        return False
    await _make(session, plugins, dialogue, ModuleChange(module, None), now)
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


async def _make(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    change: ModuleChange,
    now: datetime,
) -> None:
    """Makes ``change`` on ``dialogue``, whose lock the caller holds: 409
    ``vote.config_frozen`` for a module that decides a frozen vote, 422
    ``module.in_use`` for a module whose budget rule the dialogue uses."""
    if change.changes_vote(dialogue) and await vote_frozen(session, plugins, dialogue, now):
        raise frozen_error(f"module {change.module.name!r} ({dialogue.slug})")
    await session.flush()
    await change.make(session, dialogue)
    check_choices_live(plugins, dialogue, [change.module] if change.turns_off else [])
    await session.flush()


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
    dialogue whose vote is frozen cannot be withdrawn (409 ``vote.config_frozen``), nor
    one whose budget rule a dialogue uses (422 ``module.in_use``)."""
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
    withdrawn: list[str] = []
    if not granted:
        found = await session.scalars(
            select(Dialogue).where(Dialogue.organisation_id == organisation.id)
        )
        for listed in found.all():
            if not module.enabled_on(listed):
                continue
            dialogue = await lock_for_change(session, listed)
            await _make(session, plugins, dialogue, ModuleChange(module, None), now)
            withdrawn.append(dialogue.slug)
    organisation.module_grants = grants
    if changes:
        audit.record(
            session,
            organisation,
            None,
            "module.grant" if granted else "module.withdraw",
            f"organisation:{organisation.slug}",
            {"module": name, "dialogues": withdrawn},
            now=now,
        )
    await session.flush()
    return withdrawn
