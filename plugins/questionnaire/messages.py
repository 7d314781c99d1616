"""Messages about answers, written in French and said in the reader's language.

A :class:`Message` is the French text itself (what the API answers and what tests read)
that also remembers its message id and values, so that a page translates it with the
plugin's catalogue (``translations/``) and fills the values in afterwards.
"""

from __future__ import annotations

from typing import Any, Protocol


class Message(str):
    """A French text made from ``message_id % values``, keeping both for translation."""

    message_id: str
    values: dict[str, Any]

    def __new__(cls, message_id: str, **values: Any) -> Message:
        made = super().__new__(cls, message_id % values if values else message_id)
        made.message_id = message_id
        made.values = values
        return made


def N_(message_id: str, **values: Any) -> Message:
    """A :class:`Message`; the name marks ``message_id`` for extraction to the catalogue."""
    return Message(message_id, **values)


class Translates(Protocol):
    def gettext(self, message: str) -> str: ...


class Speaks(Translates, Protocol):
    """A translator that also knows plurals (:class:`web.i18n.Translator`)."""

    def ngettext(self, singular: str, plural: str, count: int) -> str: ...


def said(i18n: Translates, text: str) -> str:
    """``text`` in ``i18n``'s language: a :class:`Message` translated then filled in
    (its values that are messages said too), another text translated when the catalogue
    knows it."""
    if isinstance(text, Message):
        translated = i18n.gettext(text.message_id)
        if not text.values:
            return translated
        return translated % {
            name: said(i18n, value) if isinstance(value, Message) else value
            for name, value in text.values.items()
        }
    return i18n.gettext(text)
