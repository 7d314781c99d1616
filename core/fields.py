"""Proposal form fields: their definition (set by organisers) and their types (plugins)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Protocol

import msgspec

from core.errors import ValidationFailed


class FieldOption(msgspec.Struct, forbid_unknown_fields=True):
    key: str
    label: str


class FieldDefinition(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One field of a dialogue's proposal form, as organisers define it."""

    key: str
    label: str
    type: str
    required: bool = False
    confidential: bool = False
    options: list[FieldOption] | None = None
    help: str = ""


class FieldType(ABC):
    """A kind of form field; validates and normalises the values citizens submit."""

    id: ClassVar[str]
    title: ClassVar[str]
    #: Whether a definition of this type must list ``options``.
    needs_options: ClassVar[bool] = False

    @abstractmethod
    def clean(self, definition: FieldDefinition, raw: object) -> object:
        """Returns the JSON value to store, or raises ``ValueError`` with a message
        a citizen can read."""

    def is_empty(self, raw: object) -> bool:
        return raw is None or raw == "" or raw == []


class FieldTypes(Protocol):
    """What :func:`clean_field_values` needs of the field type registry."""

    def __getitem__(self, type_id: str, /) -> FieldType: ...


def clean_field_values(
    definitions: Sequence[FieldDefinition],
    raw_values: Mapping[str, Any],
    field_types: FieldTypes,
    *,
    require: bool,
) -> dict[str, Any]:
    """Validates a proposal's custom field values against the dialogue's form.

    Unknown keys are refused; ``require`` is false for drafts, which may be incomplete.
    Error messages name the field's label, never its submitted value (a confidential
    value must not come back in an error).
    """
    known = {definition.key: definition for definition in definitions}
    unknown = sorted(set(raw_values) - set(known))
    if unknown:
        raise ValidationFailed(f"fields: unknown field(s) {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, definition in known.items():
        field_type = field_types[definition.type]
        raw = raw_values.get(key)
        if field_type.is_empty(raw):
            if definition.required and require:
                errors[key] = f"« {definition.label} » est obligatoire"
            continue
        try:
            cleaned[key] = field_type.clean(definition, raw)
        except ValueError as error:
            errors[key] = f"« {definition.label} » : {error}"
    if errors:
        raise ValidationFailed("; ".join(errors.values()), extra={"fields": errors})
    return cleaned
