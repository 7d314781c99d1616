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
plugin's ``applies_to`` reads anything more than the dialogue they already hold.

Where a module is off, the core calls none of its plugin's event hooks or
``permission_allowed`` for that dialogue, and leaves out its result sections, ballot
sources and export datasets (:class:`core.plugin_manager.Plugins`). A plugin's routes
check :meth:`Module.enabled_on` themselves (``web.modules.require_module``) and answer 404.

Older plugins validate and store a module's settings themselves, through the
``prepare_module_settings`` hook, handed back as a :data:`ModuleWriter` that the dialogue
service awaits once the dialogue itself is flushed (hooks are synchronous while storing
needs the database).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed, where_refused

if TYPE_CHECKING:
    from core.models import Dialogue, Organisation
    from core.plugin_manager import Plugins

#: Stores one module's validated settings on the session's transaction.
ModuleWriter: TypeAlias = Callable[[AsyncSession], Awaitable[None]]

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
    #: Its plugin validates and stores its settings itself, through
    #: ``prepare_module_settings`` (the questionnaire keeps its questions in tables of its
    #: own); then it has no ``settings_type``.
    keeps_own_settings: bool = False

    def __post_init__(self) -> None:
        if not MODULE_NAME.match(self.name):
            raise ValueError(
                f"module name {self.name!r}: a lowercase letter, then letters, digits or '_'"
            )
        if self.keeps_own_settings and self.settings_type is not None:
            raise ValueError(f"module {self.name!r}: keeps its own settings or has a type")

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


def prepare_modules(
    plugins: Plugins, dialogue: Dialogue, given: Mapping[str, dict[str, Any]]
) -> list[ModuleWriter]:
    """Has the owner of each module in ``given`` validate its settings; returns the
    writers to await, in order. A module that no plugin claims is refused."""
    writers: list[ModuleWriter] = []
    for module, settings in given.items():
        writer = plugins.prepare_module_settings(dialogue, module, settings)
        if writer is None:
            raise ValidationFailed(f"{module}: no enabled plugin handles this module")
        writers.append(writer)
    return writers


async def save_modules(session: AsyncSession, writers: Sequence[ModuleWriter]) -> None:
    """Awaits the writers that :func:`prepare_modules` returned, one after the other."""
    for writer in writers:
        await writer(session)
