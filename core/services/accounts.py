"""A citizen's own account: profile (display name, postal code, language) and the API
tokens they create and revoke."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ValidationFailed
from core.languages import LANGUAGES
from core.models import ApiToken, User

DISPLAY_NAME_MAX = 80
TOKEN_NAME_MAX = 120
POSTAL_CODE = re.compile(r"^[0-9A-Z](?:[0-9A-Z -]{0,14}[0-9A-Z])?$")


def clean_text(value: str, *, field: str, max_length: int) -> str:
    """``value`` stripped, with runs of white space made one space; control and format
    characters (a right-to-left override in a name, say) are refused."""
    cleaned = " ".join(value.split())
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in cleaned):
        raise ValidationFailed(f"{field}: caractères non autorisés", extra={"field": field})
    if len(cleaned) > max_length:
        raise ValidationFailed(f"{field}: {max_length} caractères au plus", extra={"field": field})
    return cleaned


def clean_postal_code(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    cleaned = " ".join(value.upper().split())
    if not POSTAL_CODE.match(cleaned):
        raise ValidationFailed("postal_code: code postal invalide", extra={"field": "postal_code"})
    return cleaned


def update_profile(
    user: User,
    *,
    display_name: str | None = None,
    postal_code: str | None = None,
    clear_postal_code: bool = False,
    language: str | None = None,
) -> User:
    """Changes the given fields of ``user``'s profile after validating all of them, so a
    refused change changes nothing. The caller commits."""
    changes: dict[str, object] = {}
    if display_name is not None:
        changes["display_name"] = clean_text(
            display_name, field="display_name", max_length=DISPLAY_NAME_MAX
        )
    if clear_postal_code:
        changes["postal_code"] = None
    elif postal_code is not None:
        changes["postal_code"] = clean_postal_code(postal_code)
    if language is not None:
        if language not in LANGUAGES:
            raise ValidationFailed(
                f"language: one of {', '.join(LANGUAGES)}", extra={"field": "language"}
            )
        changes["language"] = language
    for name, value in changes.items():
        setattr(user, name, value)
    return user


async def live_api_tokens(session: AsyncSession, user: User) -> list[ApiToken]:
    """``user``'s tokens that are not revoked, the newest first."""
    return list(
        await session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.id.desc())
        )
    )
