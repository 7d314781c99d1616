"""Reading back-office form posts: values by name (one or several), local dates and
times, and the errors that send a form back with field-level messages.

Forms are posted as ``URLEncodedBody[dict[str, Any]]`` (or ``MultipartBody``): Litestar
gives a string for a name sent once and a list for a name sent several times, which
:class:`FormValues` evens out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core.db_range import INT_MAX, INT_MIN, in_range
from core.errors import DomainError
from web.labels import N_, filled

#: Organisers type dates and times in French metropolitan time.
LOCAL_ZONE = ZoneInfo("Europe/Paris")
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class FormValues:
    """The fields of one posted form."""

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        self._data: dict[str, list[Any]] = {}
        for name, value in (data or {}).items():
            self._data[name] = list(value) if isinstance(value, list) else [value]

    def get(self, name: str, default: str = "") -> str:
        """The first value sent under ``name`` as text, stripped."""
        values = self._data.get(name)
        if not values or not isinstance(values[0], str):
            return default
        return values[0].strip()

    def raw(self, name: str) -> str:
        """The first value as sent (not stripped: Markdown keeps its indentation)."""
        values = self._data.get(name)
        return values[0] if values and isinstance(values[0], str) else ""

    def getall(self, name: str) -> list[str]:
        return [v.strip() for v in self._data.get(name, []) if isinstance(v, str)]

    def file(self, name: str) -> Any:
        """An uploaded file sent under ``name`` (``None`` when no file was chosen)."""
        for value in self._data.get(name, []):
            if isinstance(value, str):
                continue
            if getattr(value, "filename", None):
                return value
        return None

    def checked(self, name: str) -> bool:
        return name in self._data and self.get(name) not in ("", "0", "off", "false")

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def names(self) -> list[str]:
        return list(self._data)

    def as_dict(self) -> dict[str, str]:
        """The first value of every field, to refill a form that is sent back."""
        return {name: self.raw(name) for name in self._data}


class FormErrors(DomainError):
    """A form refused field by field: ``fields`` maps a field's name to its message."""

    status_code = 422
    code = "validation"

    def __init__(self, fields: Mapping[str, str], detail: str | None = None) -> None:
        self.fields = dict(fields)
        super().__init__(
            detail or "Le formulaire contient des erreurs.", extra={"fields": self.fields}
        )


def refusal_fields(error: DomainError, default: str = "__all__") -> dict[str, str]:
    """A service's refusal as form errors: its field messages when it has them (the
    ``fields`` of its ``extra``), else its detail under ``default``."""
    fields = error.extra.get("fields") if error.extra else None
    if isinstance(fields, dict) and fields:
        return {str(k): str(v) for k, v in fields.items()}
    return {default: error.detail}


def parse_int(
    value: str, *, field: str, errors: dict[str, str], minimum: int | None = None
) -> int | None:
    """``value`` as an integer (``None`` when empty); a message in ``errors`` otherwise."""
    text = value.replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        errors[field] = "Saisissez un nombre entier."
        return None
    if minimum is not None and number < minimum:
        errors[field] = filled(N_("Saisissez un nombre supérieur ou égal à %(n)s."), n=minimum)
        return None
    if not in_range(number):
        errors[field] = filled(
            N_("Saisissez un nombre entre %(low)s et %(high)s."), low=INT_MIN, high=INT_MAX
        )
        return None
    return number


def parse_local_datetime(value: str) -> datetime | None:
    """A ``datetime-local`` input (``2027-03-01T09:00``, Paris time) as an aware datetime;
    ``None`` when empty; ``ValueError`` with a readable message otherwise."""
    text = value.strip()
    if not text:
        return None
    for pattern in (LOCAL_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=LOCAL_ZONE)
        except ValueError:
            continue
    raise ValueError("Date invalide : utilisez le format AAAA-MM-JJ HH:MM.")


def local_input(moment: datetime | None) -> str:
    """The value of a ``datetime-local`` input showing ``moment`` in Paris time."""
    return "" if moment is None else moment.astimezone(LOCAL_ZONE).strftime(LOCAL_INPUT)
