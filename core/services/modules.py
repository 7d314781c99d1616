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

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dialogue, Organisation, User
from core.modules import (
    Module,
    ModuleChange,
    check_choices_live,
    dialogue_module,
    granted_module,
    module_change,
    unknown_module,
    usable_module,
)
from core.plugin_manager import Plugins
from core.services import audit
from core.services.dialogues import frozen_error, vote_frozen
from core.services.module_grants import held_grants, lock_grants
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
    # Judged against the grants read under their lock, not the request's copy of the
    # organisation: a withdrawal under way waits for this change, or this one for it.
    grants = await held_grants(session, organisation)
    dialogue_module(plugins, grants, name)  # refused before the dialogue's lock
    dialogue = await lock_for_change(session, dialogue)
    change = module_change(plugins, grants, dialogue, name, settings)
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
    again. 422 ``module.in_use`` while the dialogue's vote type or budget rule comes with
    it."""
    # Turning off needs no grant's lock: it cannot leave a module on without its grant.
    module = dialogue_module(plugins, organisation.module_grants, name)
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
    actor: User | None = None,
) -> list[str]:
    """Lets ``organisation`` use the module ``name``, or not, in the audit log as
    ``actor``'s (a platform operator; ``None``: the platform's, from the command line);
    returns the slugs of the dialogues where withdrawing it turned it off. A module that
    decides the vote of a dialogue whose vote is frozen cannot be withdrawn (409
    ``vote.config_frozen``), nor one whose vote type or budget rule a dialogue uses (422
    ``module.in_use``).

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
    withdrawn: list[str] = []
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
            await _make(session, plugins, dialogue, ModuleChange(module, None), now)
            withdrawn.append(dialogue.slug)
    organisation.module_grants = grants
    if changes:
        audit.record(
            session,
            organisation,
            actor,
            "module.grant" if granted else "module.withdraw",
            f"organisation:{organisation.slug}",
            {"module": name, "dialogues": withdrawn},
            now=now,
        )
    await session.flush()
    return withdrawn
