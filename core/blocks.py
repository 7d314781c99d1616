"""Home-page block kinds. A block type has settings, a template that renders it and,
when it shows data (proposals, figures, events), a :meth:`BlockType.load` that reads them.

The page that shows blocks calls ``load`` for each block, then includes ``template`` with
``block`` (the block row), ``settings`` (the decoded settings Struct), ``data`` (what
``load`` returned) and ``dialogue`` in the context.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from core.errors import ValidationFailed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from core.models import Dialogue


class BlockType:
    """Base class of block kinds; subclasses set the class attributes."""

    id: ClassVar[str]
    title: ClassVar[str]
    template: ClassVar[str]
    settings_type: ClassVar[type[msgspec.Struct]]

    def decode_settings(self, raw: Mapping[str, Any] | None) -> msgspec.Struct:
        try:
            return msgspec.convert(dict(raw or {}), type=self.settings_type)
        except msgspec.ValidationError as error:
            raise ValidationFailed(f"block {self.id}: {error}") from error

    async def load(
        self,
        session: AsyncSession,
        dialogue: Dialogue | None,
        settings: Any,
        *,
        now: datetime,
    ) -> dict[str, Any]:
        """What the template shows besides the settings, read from the database.

        Called once per block each time its page is shown; ``dialogue`` is ``None`` for a
        block of the organisation's home page. The default reads nothing.
        """
        return {}
