"""Refusals in their reader's language, said the same on the pages and in the API.

A refusal has a stable code and a detail written where it was raised (mostly French).
Its text for a reader is, in order: the message of its code (:data:`web.labels.ERRORS`,
or a plugin's ``error_messages``), the detail itself when the catalogue translates it,
and, in another language than French, the general message of its code
(:data:`web.labels.CODE_MESSAGES`) rather than a detail the reader may not understand.
The API keeps French details as they were written: its French answers do not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from web import labels
from web.i18n import SOURCE_LANGUAGE, Translator, translator


def known_refusal(i18n: Translator, code: str, reason: object = None) -> str | None:
    """The message of refusal ``code`` (given for ``reason``, when its ``extra`` names
    one) in ``i18n``'s language: the core's (:data:`web.labels.REASONS`, then
    :data:`web.labels.ERRORS`) or a plugin's (``error_messages``); ``None`` for a code
    without one."""
    message = labels.REASONS.get((code, str(reason))) or labels.ERRORS.get(code)
    return i18n.gettext(message) if message else i18n.error_messages.get(code)


def refusal_text(i18n: Translator, code: str, detail: str, reason: object = None) -> str:
    """What refusal ``code`` (raised with ``detail``, for ``reason``) says to ``i18n``'s
    reader."""
    known = known_refusal(i18n, code, reason)
    if known:
        return known
    if i18n.lang == SOURCE_LANGUAGE:
        return detail
    translated = i18n.gettext(detail)
    if translated != detail:
        return translated
    general = labels.CODE_MESSAGES.get(code)
    return i18n.gettext(general) if general else detail


def api_detail(
    request: Request[Any, Any, Any],
    code: str,
    detail: str,
    extra: dict[str, Any] | None = None,
) -> tuple[str, dict[str, Any] | None]:
    """An API error's ``detail`` and ``extra`` in the request's language (its cookie, its
    ``Accept-Language``, else its signed-in user's language, else the organisation's
    default): French as written, other languages through :func:`refusal_text`. The
    messages of ``extra["errors"]`` (a field or question per key) are translated too,
    and in the detail that repeats them."""
    state = request.scope.get("state", {})
    actor = state.get("actor")
    try:
        i18n = translator(request, state.get("org"), getattr(actor, "language", None))
    except Exception:  # an error before the app's state is whole: the detail as written
        return detail, extra
    if i18n.lang == SOURCE_LANGUAGE:
        return detail, extra
    errors = extra.get("errors") if extra else None
    if extra and isinstance(errors, Mapping):
        said = {key: _said(i18n, message) for key, message in errors.items()}
        for key, message in errors.items():
            if isinstance(message, str) and said[key] != message:
                detail = detail.replace(message, str(said[key]))
        extra = {**extra, "errors": said}
    return refusal_text(i18n, code, detail, (extra or {}).get("reason")), extra


def _said(i18n: Translator, message: object) -> object:
    """One message of ``extra["errors"]`` in ``i18n``'s language: a text the catalogues
    translate, or one that keeps its message id and values (``message_id``, ``values``:
    the questionnaire's answer errors) translated then filled in."""
    message_id = getattr(message, "message_id", None)
    if isinstance(message_id, str):
        values = getattr(message, "values", None) or {}
        translated = i18n.gettext(message_id)
        return translated % values if values else translated
    return i18n.gettext(message) if isinstance(message, str) else message
