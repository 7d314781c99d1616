"""Signed links: a download address that works only for the staff member who asked for
it, and only until it expires.

A link carries its terms (who, which organisation, what, until when) and an HMAC-SHA256
of them keyed with the app's secret key: anyone can read the terms, no one can change
them or make a link without the key. The page that serves the link checks the signature,
the expiry, and that the signed-in user is the one named.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from core.errors import Forbidden

PURPOSE = "participe-export-link"


class LinkRefused(Forbidden):
    code = "export.link_invalid"


@dataclass(frozen=True)
class ExportLink:
    user_id: int
    organisation_id: int
    dialogue_id: int
    what: str
    format: str
    expires_at: int  # seconds since the epoch


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret_key: str, payload: str, purpose: str = PURPOSE) -> str:
    """The HMAC of ``payload`` for ``purpose``: a token made for one purpose is refused
    for another."""
    digest = hmac.new(
        secret_key.encode(), f"{purpose}\x00{payload}".encode(), hashlib.sha256
    ).digest()
    return _b64(digest)


def sign(secret_key: str, link: ExportLink) -> str:
    """The token of ``link``: its terms and their signature, safe in a URL path."""
    payload = _b64(
        json.dumps(
            [
                link.user_id,
                link.organisation_id,
                link.dialogue_id,
                link.what,
                link.format,
                link.expires_at,
            ],
            separators=(",", ":"),
        ).encode()
    )
    return f"{payload}.{_signature(secret_key, payload)}"


def verify(secret_key: str, token: str, *, now: datetime, user_id: int | None) -> ExportLink:
    """The terms of a valid ``token`` for ``user_id`` at ``now``, or :class:`LinkRefused`
    with a code saying why (``export.link_invalid``, ``export.link_expired``,
    ``export.link_not_yours``)."""
    payload, _, signature = token.partition(".")
    expected = _signature(secret_key, payload)
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise LinkRefused("Ce lien de téléchargement n'est pas valide.")
    try:
        values = json.loads(_unb64(payload))
        link = ExportLink(*values)
    except (ValueError, TypeError):
        raise LinkRefused("Ce lien de téléchargement n'est pas valide.") from None
    if link.expires_at <= now.timestamp():
        raise LinkRefused(
            "Ce lien de téléchargement a expiré : demandez-en un nouveau.",
            code="export.link_expired",
        )
    if user_id != link.user_id:
        raise LinkRefused(
            "Ce lien de téléchargement a été fait pour une autre personne.",
            code="export.link_not_yours",
        )
    return link
