"""Dialogue modules: parts of a dialogue (a questionnaire, ...) whose settings the plugin
that owns them validates and stores, through the ``prepare_module_settings`` hook.

Hooks are synchronous while storing needs the database, so validation happens in the hook
and the storing is handed back as a :data:`ModuleWriter` that the dialogue service awaits
once the dialogue itself is flushed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed

if TYPE_CHECKING:
    from core.models import Dialogue
    from core.plugin_manager import Plugins

#: Stores one module's validated settings on the session's transaction.
ModuleWriter: TypeAlias = Callable[[AsyncSession], Awaitable[None]]


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
