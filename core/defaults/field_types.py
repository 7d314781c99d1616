"""The built-in proposal form field types."""

from __future__ import annotations

import re
from typing import Any

from core.fields import FieldDefinition, FieldType
from core.hookspecs import hookimpl
from core.registries import Registry


def _text(raw: object, max_length: int) -> str:
    if not isinstance(raw, str):
        raise ValueError("un texte est attendu")
    value = raw.strip()
    if len(value) > max_length:
        raise ValueError(f"{max_length} caractères au plus")
    return value


class TextField(FieldType):
    id = "text"
    title = "Texte court"

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        return _text(raw, 300)


class LongTextField(FieldType):
    id = "long_text"
    title = "Texte long"

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        return _text(raw, 10_000)


class NumberField(FieldType):
    id = "number"
    title = "Nombre"

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        if isinstance(raw, bool):
            raise ValueError("un nombre est attendu")
        if isinstance(raw, int | float):
            return raw
        if isinstance(raw, str):
            try:
                number = float(raw.replace(",", ".").strip())
            except ValueError:
                raise ValueError("un nombre est attendu") from None
            return int(number) if number.is_integer() else number
        raise ValueError("un nombre est attendu")


class ChoiceField(FieldType):
    id = "choice"
    title = "Choix dans une liste"
    needs_options = True

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        keys = {option.key for option in definition.options or []}
        if not isinstance(raw, str) or raw not in keys:
            raise ValueError("choisissez une des options proposées")
        return raw


class CheckboxField(FieldType):
    id = "checkbox"
    title = "Case à cocher"

    def is_empty(self, raw: object) -> bool:
        return raw is None or raw is False or raw in ("", "off", "false")

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        if raw in (True, "on", "true", "1", 1):
            return True
        raise ValueError("valeur de case à cocher invalide")


POSTAL_CODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8]|2[AB])\d{3}$")


class PostalCodeField(FieldType):
    """A French postal code (five digits, Corsica and overseas included)."""

    id = "postal_code"
    title = "Code postal"

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        value = raw.strip().upper() if isinstance(raw, str) else str(raw)
        if not POSTAL_CODE.match(value):
            raise ValueError("un code postal à cinq chiffres est attendu")
        return value


class UploadField(FieldType):
    """A reference to a file uploaded beforehand (the upload's stored name)."""

    id = "file"
    title = "Fichier"
    _reference = re.compile(r"^[A-Za-z0-9_-]{8,64}\.[a-z0-9]{1,5}$")

    def clean(self, definition: FieldDefinition, raw: object) -> object:
        if not isinstance(raw, str) or not self._reference.match(raw):
            raise ValueError("fichier invalide")
        return raw


class ImageField(UploadField):
    id = "image"
    title = "Image"


@hookimpl
def register_field_types(registry: Registry[Any]) -> None:
    for field_type in (
        TextField,
        LongTextField,
        NumberField,
        ChoiceField,
        CheckboxField,
        PostalCodeField,
        UploadField,
        ImageField,
    ):
        registry.add(field_type())
