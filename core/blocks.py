"""Home-page block kinds. A block type has settings and a template that renders it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from core.errors import ValidationFailed


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
