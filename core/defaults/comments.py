"""Comments, a built-in module on by default: citizens discuss each published proposal,
in one thread (``thread``) or each taking a side, for or against (``qualified``).

The module keeps its settings where the dialogue always kept them, its
``comments_mode`` column, so it ``keeps_own_settings``: turning it on with a mode stores
that mode, and without one keeps the mode stored. Turned off, no comment is shown or
taken on the dialogue (the comment routes answer 404, the proposal page has no
discussion and the proposal cards no count); the comments and the mode stay, and come
back with the module.

The API's ``"comments": {"mode": "off"}`` is this module turned off, and any other mode
turns it on: there is one answer to "are comments on?", :meth:`CommentsModule.enabled_on`.
A dialogue stored before comments were a module may hold ``off`` in its column; that
counts as off too, and turning the module on gives it the plain thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from core.hookspecs import hookimpl
from core.models.dialogues import CommentsMode
from core.modules import Module, ModuleWriter
from core.registries import Registry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.models import Dialogue


class CommentsSettings(msgspec.Struct, forbid_unknown_fields=True):
    """How the proposals of a dialogue are discussed."""

    mode: Annotated[
        Literal["thread", "qualified"] | None,
        msgspec.Meta(
            title="Mode",
            description="Laissé vide, le mode choisi jusqu'ici est gardé (un fil simple "
            "pour une nouvelle démarche).",
            extra={"choices": {"thread": "Fil de discussion", "qualified": "Pour / contre"}},
        ),
    ] = None


@dataclass(frozen=True)
class CommentsModule(Module):
    """The comments module: its mode is the dialogue's ``comments_mode``."""

    def enabled_on(self, dialogue: Dialogue) -> bool:
        return super().enabled_on(dialogue) and dialogue.comments_mode != CommentsMode.OFF

    def settings_on(self, dialogue: Dialogue) -> dict[str, Any] | None:
        if not self.enabled_on(dialogue):
            return None
        return {"mode": dialogue.comments_mode.value}

    def mode_on(self, dialogue: Dialogue) -> CommentsMode:
        """How ``dialogue``'s proposals are discussed: ``off`` while the module is off."""
        return dialogue.comments_mode if self.enabled_on(dialogue) else CommentsMode.OFF


COMMENTS = CommentsModule(
    name="comments",
    title="Commentaires",
    description="La discussion de chaque proposition, en un fil ou en arguments pour et contre.",
    settings_type=CommentsSettings,
    keeps_own_settings=True,
    granted_by_default=True,
    enabled_by_default=True,
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(COMMENTS)


@hookimpl
def prepare_module_settings(
    dialogue: Dialogue, module: str, settings: dict[str, Any]
) -> ModuleWriter | None:
    if module != COMMENTS.name:
        return None
    # The core checked them against CommentsSettings already.
    chosen = msgspec.convert(settings, type=CommentsSettings).mode

    async def write(session: AsyncSession) -> None:
        if chosen is not None:
            dialogue.comments_mode = CommentsMode(chosen)
        elif dialogue.comments_mode == CommentsMode.OFF:
            dialogue.comments_mode = CommentsMode.THREAD

    return write
