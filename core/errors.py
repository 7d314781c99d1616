"""Domain errors that carry a stable, machine-readable code.

Services raise these; the web layer turns them into the API error body
``{"status_code", "detail", "code"}`` and the pages into readable messages.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec


class DomainError(Exception):
    """A refusal by a domain rule, with a stable code and an HTTP-like status."""

    status_code = 409
    code = "conflict"

    def __init__(
        self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra or {}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class ValidationFailed(DomainError):
    """Input that is well-formed JSON but breaks a domain rule (422)."""

    status_code = 422
    code = "validation"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class AuthRequired(DomainError):
    status_code = 401
    code = "auth.required"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class ConfigurationError(Exception):
    """Bad configuration found at start-up; its message is one readable line."""


def where_refused(error: msgspec.ValidationError) -> tuple[str, str]:
    """msgspec's refusal split in two: the path it names after ``$`` (``.items[0].max``;
    ``""`` for the value itself), and what it says without that path."""
    message = str(error)
    found = re.search(r"\s*- at `\$(.*)`$", message)
    if found is None:
        return "", message
    return found.group(1), message[: found.start()]
