"""Modules: plugin features that exist only where they are enabled.

A plugin declares its modules with the ``register_modules`` hook, each a :class:`Module`:
a name, a title, a scope and, optionally, a msgspec settings Struct. Two decisions make a
module live on a dialogue:

- the platform operator's, per organisation (``participe org modules``): whether the
  organisation may use the module at all. Built-in modules are usable by default
  (``granted_by_default``); a client's module is usable only where the operator granted it.
  The answer is stored in ``Organisation.module_grants``, which holds only the operator's
  departures from the defaults.
- the organisation's administrators', per dialogue (the API's
  ``/api/v1/admin/dialogues/{slug}/modules``): whether the module is on for that dialogue,
  and its settings. ``Dialogue.modules`` maps a module's name to its settings (a JSON
  object) when it is on, and to ``null`` when a module on by default
  (``enabled_by_default``) was turned off. A name it does not hold is off, or on with its
  default settings for a module on by default.

Withdrawing an organisation's grant turns the module off on every one of its dialogues at
once (:mod:`core.services.modules`), and its lock keeps an administrator from turning it
on again meanwhile (:mod:`core.services.module_grants`), so ``Dialogue.modules`` alone
says what is on:
:meth:`Module.enabled_on` needs nothing else, and neither the hooks' dispatch nor a
plugin's ``applies_to`` reads anything more than the dialogue they already hold (the
comments module also reads an ``off`` stored in the dialogue's column before it was a
module, :mod:`core.defaults.comments`).

Where a module is off, the core calls none of its plugin's event hooks, event handlers
or ``permission_allowed`` for that dialogue, and leaves out its result sections, ballot
sources, export datasets, aggregation rules and back-office tabs
(:class:`core.plugin_manager.Plugins`); the web app mounts its routes behind a guard
that answers 404 there (``web.modules``).

A plugin may keep a module's settings itself (``keeps_own_settings``: the questionnaire
keeps its questions in tables of its own, the comments their mode in a column of the
dialogue). It stores them through the ``prepare_module_settings`` hook, handed back as a
:data:`ModuleWriter` that is awaited once the dialogue itself is flushed (hooks are
synchronous while storing needs the database).

Every change of a module on a dialogue takes one path, whether it comes from
``PUT /api/v1/admin/dialogues/{slug}/modules/{name}``, its ``DELETE``, or the ``modules``
of a dialogue's body: :func:`module_change` checks it (404 ``module.unknown``, 422 naming
the field) before anything changes, and :meth:`ModuleChange.make` makes it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationFailed, where_refused

if TYPE_CHECKING:
    from core.models import Dialogue, Organisation
    from core.plugin_manager import Plugins
    from core.registries import Registry

#: Stores one module's validated settings on the session's transaction.
ModuleWriter: TypeAlias = Callable[[AsyncSession], Awaitable[None]]
#: An organisation's grants as stored (``Organisation.module_grants``): a module's name to
#: whether the operator lets it be used, departures from the modules' defaults only.
Grants: TypeAlias = Mapping[str, Any] | None

#: What a module's name may be: it is a key of JSON objects and a segment of URLs.
MODULE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ModuleScope(enum.StrEnum):
    """Where administrators turn a module on."""

    DIALOGUE = "dialogue"
    ORGANISATION = "organisation"
    BOTH = "both"


@dataclass(frozen=True)
class Module:
    """A feature that exists only where it is enabled.

    ``settings_type`` is a msgspec Struct whose fields all have defaults (the settings of a
    module turned on without any); the core validates what administrators send against
    it and stores it in ``Dialogue.modules``. A module without one is turned on and off
    without settings, unless it ``keeps_own_settings``.

    A module that ``keeps_own_settings`` may have a ``settings_type`` too: the core then
    checks what administrators send against it (and builds the API's schema and the back
    office's form from it) before its plugin stores them; such a module overrides
    :meth:`settings_on` to say what it stored.
    """

    name: str
    title: str
    description: str = ""
    scope: ModuleScope = ModuleScope.DIALOGUE
    settings_type: type[msgspec.Struct] | None = None
    #: Every organisation may use it until the operator withdraws it.
    granted_by_default: bool = False
    #: On for a dialogue until its administrators turn it off.
    enabled_by_default: bool = False
    #: What decides a vote: it cannot be turned on, off or changed once the vote is frozen.
    decides_votes: bool = False
    #: Its plugin stores its settings itself, through ``prepare_module_settings`` (the
    #: questionnaire keeps its questions in tables of its own).
    keeps_own_settings: bool = False
    #: Checks the decoded settings against the dialogue they are for (its sectors, say),
    #: raising 422 ``validation`` naming the field; ``None``: the type's checks suffice.
    check_settings: Callable[[Dialogue, Any], None] | None = None

    def __post_init__(self) -> None:
        if not MODULE_NAME.match(self.name):
            raise ValueError(
                f"module name {self.name!r}: a lowercase letter, then letters, digits or '_'"
            )

    @property
    def id(self) -> str:
        """The registry's key: the name."""
        return self.name

    def enabled_on(self, dialogue: Dialogue) -> bool:
        """Whether the module is on for ``dialogue``."""
        modules = dialogue.modules or {}
        if self.name in modules:
            return modules[self.name] is not None
        return self.enabled_by_default

    def granted_to(self, organisation: Organisation) -> bool:
        """Whether the operator lets ``organisation`` use the module."""
        return self.granted_in(organisation.module_grants)

    def granted_in(self, grants: Mapping[str, Any] | None) -> bool:
        """Whether ``grants`` (an ``Organisation.module_grants``) let the module be used."""
        granted = (grants or {}).get(self.name)
        return self.granted_by_default if granted is None else bool(granted)

    def settings_on(self, dialogue: Dialogue) -> dict[str, Any] | None:
        """The module's stored settings on ``dialogue`` (``{}`` when on with its defaults),
        ``None`` when it is off."""
        if not self.enabled_on(dialogue):
            return None
        stored = (dialogue.modules or {}).get(self.name)
        return dict(stored) if isinstance(stored, Mapping) else {}

    def decode_settings(self, raw: Mapping[str, Any] | None) -> msgspec.Struct | None:
        """``raw`` validated against :attr:`settings_type` (422 ``validation`` naming the
        field); ``None`` for a module without one."""
        if self.settings_type is None:
            return None
        try:
            return msgspec.convert(dict(raw or {}), type=self.settings_type)
        except msgspec.ValidationError as error:
            raise settings_error(error) from error


def on_by_default(name: str, title: str, description: str) -> Module:
    """A feature of the platform as a module: every organisation may use it, and it is on
    for every dialogue until an administrator turns it off."""
    return Module(
        name=name,
        title=title,
        description=description,
        granted_by_default=True,
        enabled_by_default=True,
    )


def off_without_grant(modules: Iterable[Module], grants: Mapping[str, Any]) -> dict[str, None]:
    """What a new dialogue stores so that the modules on by default that its
    organisation's ``grants`` (``Organisation.module_grants``) do not let it use stay off."""
    return {
        module.name: None
        for module in modules
        if module.enabled_by_default and not module.granted_in(grants)
    }


def settings_error(error: msgspec.ValidationError) -> ValidationFailed:
    """A 422 whose ``errors`` name the field msgspec refused (``settings.max`` for
    ``$.max``), for the API's body and the back office's form."""
    path, text = where_refused(error)
    path = path.lstrip(".")
    unknown = re.search(r"unknown field `([^`]*)`", text)
    if unknown:  # named at the object that holds it: name the field itself
        path = f"{path}.{unknown.group(1)}" if path else unknown.group(1)
    field = f"settings.{path}" if path else "settings"
    return ValidationFailed(
        f"{field}: {text}", extra={"errors": [{"field": field, "message": text}]}
    )


def unknown_module(name: str) -> NotFound:
    return NotFound(
        f"module {name!r}: no such module, or this organisation may not use it",
        code="module.unknown",
    )


def usable_module(plugins: Plugins, organisation: Organisation, name: str) -> Module:
    """The module ``name`` if ``organisation`` may use it; else 404 ``module.unknown``."""
    return granted_module(plugins, organisation.module_grants, name)


def granted_module(plugins: Plugins, grants: Grants, name: str) -> Module:
    """The module ``name`` if ``grants`` (an ``Organisation.module_grants``) let it be
    used; else 404 ``module.unknown``."""
    module = plugins.modules.get(name)
    if module is None or not module.granted_in(grants):
        raise unknown_module(name)
    return module


def dialogue_module(plugins: Plugins, grants: Grants, name: str) -> Module:
    """The module ``name`` if ``grants`` (an ``Organisation.module_grants``) let it be
    turned on per dialogue: 404 ``module.unknown``, 422 for a module turned on for the
    whole organisation."""
    module = granted_module(plugins, grants, name)
    if module.scope is ModuleScope.ORGANISATION:
        raise ValidationFailed(
            f"module {name!r}: turned on for the whole organisation, not per dialogue",
            code="validation",
        )
    return module


def turned_off(modules: Mapping[str, Any], module: Module) -> dict[str, Any]:
    """``modules`` (a dialogue's) with ``module`` off: ``null`` for a module on by
    default, left out otherwise."""
    changed = dict(modules)
    if module.enabled_by_default:
        changed[module.name] = None
    else:
        changed.pop(module.name, None)
    return changed


@dataclass(frozen=True)
class ModuleChange:
    """One module turned on with its settings, or off, on one dialogue: checked by
    :func:`module_change`, not made yet."""

    module: Module
    #: What the core stores in ``Dialogue.modules`` (``{}`` for a module that keeps its
    #: own settings); ``None`` turns the module off.
    settings: dict[str, Any] | None
    #: Its plugin's writer, for a module that keeps its own settings.
    writer: ModuleWriter | None = None

    @property
    def turns_off(self) -> bool:
        return self.settings is None

    def changes_vote(self, dialogue: Dialogue) -> bool:
        """Whether making it changes what decides ``dialogue``'s vote (a module that
        ``decides_votes``, turned on, off, or given other settings)."""
        if not self.module.decides_votes:
            return False
        if self.settings is None:
            return self.module.enabled_on(dialogue)
        return self.writer is not None or self.module.settings_on(dialogue) != self.settings

    async def make(self, session: AsyncSession, dialogue: Dialogue) -> None:
        """Makes the change on ``dialogue``, which the session holds (and, on creation,
        has flushed: a writer needs its id)."""
        name = self.module.name
        if self.settings is None:
            if self.module.enabled_on(dialogue):
                dialogue.modules = turned_off(dialogue.modules or {}, self.module)
            return
        if self.writer is None:
            dialogue.modules = {**(dialogue.modules or {}), name: self.settings}
            return
        await self.writer(session)
        if not self.module.enabled_on(dialogue):
            dialogue.modules = {**(dialogue.modules or {}), name: {}}


def module_change(
    plugins: Plugins,
    grants: Grants,
    dialogue: Dialogue,
    name: str,
    settings: Mapping[str, Any] | None,
    *,
    checked_as: Any = None,
) -> ModuleChange:
    """Checks turning the module ``name`` on for ``dialogue`` with ``settings``, or off
    (``None``), before anything changes: 404 ``module.unknown`` for a module that
    ``grants`` (the organisation's, read under their lock) do not let it use, 422
    ``validation`` naming the field of the settings (``settings.threshold``). A module
    that keeps its own settings has its plugin check them (after its ``settings_type``,
    when it has one). ``checked_as`` stands for the dialogue in the module's own checks
    (``check_settings``): the dialogue as a body's other changes will leave it."""
    module = dialogue_module(plugins, grants, name)
    if settings is None:
        return ModuleChange(module, None)
    if module.settings_type is None and not module.keeps_own_settings and settings:
        raise ValidationFailed(
            f"settings: the module {name!r} has no settings",
            extra={"errors": [{"field": "settings", "message": "no settings expected"}]},
        )
    decoded = module.decode_settings(settings)
    if decoded is not None and module.check_settings is not None:
        module.check_settings(dialogue if checked_as is None else checked_as, decoded)
    given: dict[str, Any] = dict(settings) if decoded is None else msgspec.to_builtins(decoded)
    if not module.keeps_own_settings:
        return ModuleChange(module, given)
    writer = plugins.prepare_module_settings(dialogue, name, given)
    if writer is None:
        raise unknown_module(name)  # its plugin is blocked
    return ModuleChange(module, {}, writer)


async def make_changes(
    session: AsyncSession, dialogue: Dialogue, changes: Sequence[ModuleChange]
) -> None:
    """Makes ``changes`` on ``dialogue``, in order."""
    for change in changes:
        await change.make(session, dialogue)


def check_choices_live(
    plugins: Plugins, dialogue: Dialogue, turning_off: Iterable[Module] = ()
) -> None:
    """Refuses a state where ``dialogue``'s vote type or budget rule comes with a module
    that is off for it (a client's vote type, the budget plugin's rules): 422
    ``module.in_use`` naming the module when one of ``turning_off`` is the cause, else
    422 ``validation`` on ``vote.type`` or ``budget.rule``. Called once the changes are
    made, so that the choices and the modules of one request are judged together."""
    chosen: list[tuple[str, str, str | None, Registry[Any]]] = [
        ("vote.type", "vote type", dialogue.vote_type, plugins.vote_types),
        ("budget.rule", "budget rule", dialogue.budget_rule, plugins.aggregation_rules),
    ]
    for field, noun, item_id, registry in chosen:
        if not item_id or item_id not in registry:
            continue  # none chosen, or one no longer installed
        owner = registry.origin(item_id)
        if plugins.live_on(owner, dialogue):
            continue
        owned = plugins.plugin_modules.get(owner, ())
        for module in turning_off:
            if module in owned:
                raise ValidationFailed(
                    f"module {module.name!r}: this dialogue's {noun} {item_id!r} comes with "
                    f"it; choose another {noun} before turning it off",
                    code="module.in_use",
                )
        names = ", ".join(repr(module.name) for module in owned)
        raise ValidationFailed(
            f"{field}: the {noun} {item_id!r} comes with the module {names}, which is off "
            "for this dialogue",
            extra={"errors": [{"field": field, "message": "its module is off"}]},
        )
