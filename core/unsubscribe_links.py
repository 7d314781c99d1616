"""Unsubscription links: one click in an email stops news of one kind (or all news),
without signing in.

The token carries the user and the kind, signed with the app's secret key
(:mod:`core.signed_links`, another purpose): no one can make one for someone else. It
does not expire: an old email's link must still work (RFC 8058 asks the address to keep
working), and all it can do is stop emails.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass

from core.errors import NotFound
from core.signed_links import _b64, _signature, _unb64

PURPOSE = "participe-unsubscribe"
#: The token's kind that stops every kind of news.
ALL = "*"


class UnsubscribeLinkInvalid(NotFound):
    code = "notifications.link_invalid"


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    kind: str


def sign(secret_key: str, user_id: int, kind: str) -> str:
    payload = _b64(json.dumps([user_id, kind], separators=(",", ":")).encode())
    return f"{payload}.{_signature(secret_key, payload, PURPOSE)}"


def verify(secret_key: str, token: str) -> Unsubscription:
    """The terms of a valid ``token``, or :class:`UnsubscribeLinkInvalid`."""
    payload, _, signature = token.partition(".")
    expected = _signature(secret_key, payload, PURPOSE)
    if not signature or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise UnsubscribeLinkInvalid("Ce lien de désinscription n'est pas valide.")
    try:
        user_id, kind = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        raise UnsubscribeLinkInvalid("Ce lien de désinscription n'est pas valide.") from None
    if not isinstance(user_id, int) or not isinstance(kind, str):
        raise UnsubscribeLinkInvalid("Ce lien de désinscription n'est pas valide.")
    return Unsubscription(user_id, kind)
