"""The name a citizen publishes under, asked on the proposal and comment forms.

A citizen whose account has no display name would publish as "Citoyen·ne" without having
chosen it. The forms ask them, when their account has none, for the name to publish
under: an optional field, saved to their account (where "Mon compte" changes it) once
the proposal or comment is saved. The platform has no anonymous publication to offer (no
organisation setting allows it): left empty, the field keeps the name every account
without one shows, "Citoyen·ne".
"""

from __future__ import annotations

from core.errors import ValidationFailed
from core.models import User
from core.services import accounts
from web.i18n import Translator

FIELD = "display_name"


def asks_name(actor: User | None) -> bool:
    """Whether the form asks ``actor`` for the name to publish under."""
    return actor is not None and not actor.display_name


def read_name(actor: User | None, typed: str, i18n: Translator) -> tuple[str, str | None]:
    """The name typed (trimmed) and the error to show beside it, if any."""
    if not asks_name(actor):
        return "", None
    name = " ".join(typed.split())
    if len(name) > accounts.DISPLAY_NAME_MAX:
        return name, i18n(
            "Le nom doit compter %(count)s caractères au plus.", count=accounts.DISPLAY_NAME_MAX
        )
    try:
        accounts.clean_text(name, field=FIELD, max_length=accounts.DISPLAY_NAME_MAX)
    except ValidationFailed:
        return name, i18n("Ce nom contient des caractères refusés.")
    return name, None


def save_name(actor: User, name: str) -> None:
    """Keeps ``name`` on the account (nothing when it is empty or the account has one)."""
    if name and not actor.display_name:
        accounts.update_profile(actor, display_name=name)
