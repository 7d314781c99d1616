"""Result sections: parts of a dialogue's results that plugins compute (a questionnaire's
questions, ...), merged into the body of the dialogue's results.

Plugins add sections through the ``register_result_sections`` hook.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from core.models import Dialogue, User
    from core.plugin_manager import Plugins


class ResultSection(ABC):
    """Base class of result sections; subclasses set :attr:`id` and the methods."""

    #: Stable id of the section (``"questionnaire"``).
    id: ClassVar[str]

    @abstractmethod
    def applies_to(self, dialogue: Dialogue) -> bool:
        """Whether ``dialogue`` has this section (without touching the database)."""

    @abstractmethod
    async def compute(
        self, session: AsyncSession, dialogue: Dialogue, viewer: User | None
    ) -> dict[str, Any]:
        """The keys this section adds to the results body. ``viewer`` (``None`` when
        anonymous) may see more when staff, such as free-text answers."""

    async def holds_participation(self, session: AsyncSession, dialogue: Dialogue) -> bool:
        """Whether citizens have given something this section counts (a questionnaire's
        responses): then the dialogue cannot go back to a draft. None by default."""
        return False


async def sections_hold_participation(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue
) -> bool:
    """Whether a section that applies to ``dialogue`` holds what citizens gave."""
    for section in plugins.result_sections_for(dialogue):
        if await section.holds_participation(session, dialogue):
            return True
    return False


async def compute_sections(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, viewer: User | None
) -> dict[str, Any]:
    """Merges what every section that applies to ``dialogue`` computes, in registration
    order. Two sections giving the same key is a programming error: it raises
    ``ValueError`` rather than let one silently hide the other."""
    merged: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for section in plugins.result_sections_for(dialogue):
        for key, value in (await section.compute(session, dialogue, viewer)).items():
            if key in owners:
                raise ValueError(
                    f"result sections {owners[key]!r} and {section.id!r} both give {key!r}"
                )
            owners[key] = section.id
            merged[key] = value
    return merged
