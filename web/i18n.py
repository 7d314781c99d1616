"""Languages of the pages: French first, English second, and the organisation's own texts.

Message ids are the French texts themselves: French is the platform's first language, so
a French page needs no catalogue, and a text missing from another catalogue falls back to
French rather than to a key. Catalogues are the ``.po`` files of ``web/translations/``,
compiled in memory the first time a language is used, so a fresh install (or a source
checkout) needs no build step.

The language of a request is, in order: the ``participe_lang`` cookie (set by the
language switch in the header), the browser's ``Accept-Language``, the organisation's
default language. An organisation chooses its languages with ``options["languages"]``
(``["fr", "en"]`` by default) and overrides any text with ``texts["messages"]``::

    {"messages": {"Proposer une idée": {"fr": "Déposer un projet", "en": "Submit a project"},
                  "Mon urne": "Mes votes"}}

(a plain string overrides the text in every language).
"""

from __future__ import annotations

import gettext as gettext_module
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from litestar import Request

from core import languages
from core.models import Organisation
from web.labels import FilledText

TRANSLATIONS = Path(__file__).parent / "translations"
DOMAIN = "messages"
SOURCE_LANGUAGE = languages.DEFAULT_LANGUAGE
COOKIE = "participe_lang"


@cache
def catalogue(lang: str, plugin_dirs: tuple[Path, ...] = ()) -> gettext_module.NullTranslations:
    """The translations of ``lang``, compiled from the ``.po`` files once per process: the
    core's first, then those of ``plugin_dirs`` (``translation_dirs``) for the message
    ids the core does not translate."""
    found = _compiled(TRANSLATIONS, lang) if lang != SOURCE_LANGUAGE else None
    translations = found or gettext_module.NullTranslations()
    for folder in plugin_dirs:
        extra = _compiled(folder, lang)
        if extra is not None:
            translations.add_fallback(extra)
    return translations


def _compiled(folder: Path, lang: str) -> Translations | None:
    """``folder``'s catalogue of ``lang``, compiled in memory; ``None`` without one."""
    po_file = folder / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_file.exists():
        return None
    with po_file.open("rb") as source:
        compiled = io.BytesIO()
        write_mo(compiled, read_po(source, locale=lang, domain=DOMAIN))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def org_languages(org: Organisation | None) -> list[str]:
    """The languages ``org`` offers, its default first."""
    wanted = (org.options.get("languages") if org is not None else None) or languages.LANGUAGES
    offered = [lang for lang in wanted if lang in languages.LANGUAGES]
    return offered or [SOURCE_LANGUAGE]


def request_language(
    request: Request[Any, Any, Any], org: Organisation | None, user_language: str | None = None
) -> str:
    """The cookie's language, else the browser's, else ``user_language`` (the signed-in
    user's own, for answers that are not pages), else the organisation's default."""
    available = org_languages(org)
    chosen = request.cookies.get(COOKIE)
    if chosen in available:
        return str(chosen)
    header = request.headers.get("accept-language")
    if header:
        preferred = languages.negotiate(header)
        # ``negotiate`` falls back to French; only a language the header names counts.
        named = {part.strip().split(";")[0].split("-")[0].lower() for part in header.split(",")}
        if preferred in available and preferred in named:
            return preferred
    if user_language in available:
        return str(user_language)
    return available[0]


def _overrides(org: Organisation | None, lang: str) -> dict[str, str]:
    messages = (org.texts.get("messages") if org is not None else None) or {}
    result: dict[str, str] = {}
    if not isinstance(messages, Mapping):
        return result
    for message_id, text in messages.items():
        if isinstance(text, str):
            result[message_id] = text
        elif isinstance(text, Mapping) and isinstance(text.get(lang), str):
            result[message_id] = text[lang]
    return result


@dataclass
class Translator:
    """The texts of one language for one organisation."""

    lang: str
    translations: gettext_module.NullTranslations = field(
        default_factory=gettext_module.NullTranslations
    )
    overrides: Mapping[str, str] = field(default_factory=dict)
    #: The plugins' messages for their refusal codes, in this language (``error_messages``).
    error_messages: Mapping[str, str] = field(default_factory=dict)

    def gettext(self, message: str) -> str:
        """``message`` in this language; a :class:`~web.labels.FilledText` is translated
        as its message id, then filled with its values again."""
        if isinstance(message, FilledText):
            return self.gettext(message.message_id) % message.values
        override = self.overrides.get(message)
        return override if override is not None else self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        # French, the language of the message ids, says "0 vote" (singular) as "1 vote".
        french = self.lang == SOURCE_LANGUAGE
        key = singular if (count <= 1 if french else count == 1) else plural
        override = self.overrides.get(key)
        if override is not None:
            return override
        if french:
            return key
        return self.translations.ngettext(singular, plural, count)

    def __call__(self, message: str, **variables: Any) -> str:
        text = self.gettext(message)
        return text % variables if variables else text

    def date(self, value: date | datetime | None, format: str = "long") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return dates.format_date(value.astimezone(_zone()).date(), format, locale=self.lang)
        return dates.format_date(value, format, locale=self.lang)

    def datetime(self, value: datetime | None, format: str = "long") -> str:
        if value is None:
            return ""
        if format == "long":
            pattern = "d MMMM y 'à' HH:mm" if self.lang == "fr" else "MMMM d, y 'at' h:mm a"
            return dates.format_datetime(value, pattern, tzinfo=_zone(), locale=self.lang)
        return dates.format_datetime(value, format, tzinfo=_zone(), locale=self.lang)

    def number(self, value: int | float | None) -> str:
        return "" if value is None else numbers.format_decimal(value, locale=self.lang)

    def money(self, value: int | float | None) -> str:
        return "" if value is None else _money(value, self.lang)


@lru_cache(maxsize=4096)
def _money(value: int | float, lang: str) -> str:
    """An amount in euros. Remembered: Babel takes a tenth of a millisecond, and a page of
    proposals shows the same costs again and again."""
    return numbers.format_currency(
        value, "EUR", locale=lang, currency_digits=False, format="#,##0\u00a0¤"
    )


def _zone() -> Any:
    """Times are shown in French metropolitan time, the organisations' time."""
    return dates.get_timezone("Europe/Paris")


def translator(
    request: Request[Any, Any, Any],
    org: Organisation | None = None,
    user_language: str | None = None,
) -> Translator:
    """The translator of a request (its language, its organisation's overrides, its
    app's plugins' catalogues and refusal messages)."""
    org = org if org is not None else request.scope.get("state", {}).get("org")
    lang = request_language(request, org, user_language)
    app_context = request.app.state.context
    return Translator(
        lang,
        catalogue(lang, app_context.translation_dirs),
        _overrides(org, lang),
        _in_language(app_context.plugins.error_messages(), lang),
    )


def _in_language(messages: Mapping[str, Mapping[str, str]], lang: str) -> dict[str, str]:
    """Each message in ``lang``, else in French."""
    return {code: texts.get(lang) or texts[SOURCE_LANGUAGE] for code, texts in messages.items()}


def page_context(request: Request[Any, Any, Any], org: Organisation | None) -> dict[str, Any]:
    """What every template gets: the language, its translator and the language switch."""
    i18n = translator(request, org)
    return {
        "lang": i18n.lang,
        "i18n": i18n,
        "languages": [(code, languages.LANGUAGE_NAMES[code]) for code in org_languages(org)],
    }


@pass_context
def _gettext(context: Context, message: str) -> str:
    i18n = context.get("i18n")
    return i18n.gettext(message) if isinstance(i18n, Translator) else message


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    i18n = context.get("i18n")
    if isinstance(i18n, Translator):
        return i18n.ngettext(singular, plural, count)
    return singular if count == 1 else plural


def _filter(name: str) -> Any:
    @pass_context
    def apply(context: Context, value: Any, *args: Any) -> Any:
        i18n = context.get("i18n")
        if not isinstance(i18n, Translator):
            i18n = Translator(SOURCE_LANGUAGE)
        return getattr(i18n, name)(value, *args)

    return apply


def install(environment: Environment) -> None:
    """Adds ``_()``/``{% trans %}`` (new-style, autoescaped) and the date and number
    filters to ``environment``; each render's ``i18n`` context variable says the
    language, so one environment serves every language at once."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True
    )
    for name in ("date", "datetime", "number", "money"):
        environment.filters[name] = _filter(name)
    # ``{{ text | translated }}``: a text that may come from the staff (a block's or a
    # phase's title) translated when it is one of ours, and escaped like any value.
    # ``_()`` would mark it safe, as new-style gettext trusts what it translates.
    environment.filters["translated"] = _filter("gettext")
