"""Every settings form of the back office reads in English: the labels, help texts and
choices that the forms draw from settings Structs (``web.admin.struct_forms``) of the
organisation, of every module, vote type and block type, and the titles of vote types,
counting rules, block, field and module types, all have an entry in the English
catalogues (the core's or their plugin's). Strings in code that Babel does not extract
(a ``msgspec.Meta`` title, a docstring) are caught here rather than by the extraction
tests of ``test_english_everywhere``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
import msgspec.inspect as mi

from core.plugin_manager import Plugins
from core.registries import Registry
from core.services import branding, page_blocks, review
from web import i18n
from web.admin.struct_forms import FormField, struct_fields


def texts_of(fields: Iterable[FormField]) -> Iterator[str]:
    for field in fields:
        yield field.label
        if field.help:
            yield field.help
        for _key, label in field.options or ():
            yield str(label)
        yield from texts_of(field.children or ())


def own(plugins: Plugins, registry: Registry[Any]) -> list[Any]:
    """What the platform itself registers in ``registry``: a client's package brings its
    own catalogue, or none."""
    built_in = {info.name for info in plugins.infos if info.origin.startswith("built-in")}
    return [item for item in registry if registry.origin(item.id) in built_in]


def settings_types(plugins: Plugins) -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = [
        branding.OrganisationOptions,
        review.ReviewSettings,
        page_blocks.EventForm,
    ]
    for registry in (plugins.modules, plugins.vote_types, plugins.block_types):
        for item in own(plugins, registry):
            settings_type = getattr(item, "settings_type", None)
            if settings_type is not None:
                found.append(settings_type)
    return found


def untranslated(plugins: Plugins, texts: Iterable[str]) -> list[str]:
    catalogue = i18n.catalogue("en", tuple(plugins.translation_dirs()))
    english = catalogue.gettext
    # A text whose English is itself ("Borda") stands in a catalogue all the same;
    # gettext cannot tell, so look the message up.
    known = getattr(catalogue, "_catalog", {})
    missing = []
    for text in texts:
        text = text.strip()
        if (
            text
            and english(text) == text
            and text not in known
            and not _in_fallbacks(catalogue, text)
        ):
            missing.append(text)
    return sorted(set(missing))


def _in_fallbacks(catalogue: object, text: str) -> bool:
    fallback = getattr(catalogue, "_fallback", None)
    while fallback is not None:
        if text in getattr(fallback, "_catalog", {}):
            return True
        fallback = getattr(fallback, "_fallback", None)
    return False


def with_nested(kinds: Iterable[type[msgspec.Struct]]) -> list[type[msgspec.Struct]]:
    """``kinds`` and the Structs their fields hold (the items of a list of Structs have
    their own labels, shown only once an item exists)."""
    found: list[type[msgspec.Struct]] = []

    def visit(info: Any) -> None:
        if isinstance(info, mi.StructType):
            if info.cls in found:
                return
            found.append(info.cls)
            for field in info.fields:
                visit(field.type)
        for attribute in ("item_type", "types", "type"):
            inner = getattr(info, attribute, None)
            if isinstance(inner, tuple):
                for each in inner:
                    visit(each)
            elif isinstance(inner, mi.Type):
                visit(inner)

    for kind in kinds:
        visit(mi.type_info(kind))
    return found


def test_every_settings_form_reads_in_english(plugins: Plugins) -> None:
    kinds = with_nested(settings_types(plugins))
    texts = [text for kind in kinds for text in texts_of(struct_fields(kind))]
    assert len(texts) > 100
    assert untranslated(plugins, texts) == []


def test_every_type_and_rule_title_reads_in_english(plugins: Plugins) -> None:
    texts: list[str] = []
    for registry in (
        plugins.vote_types,
        plugins.aggregation_rules,
        plugins.block_types,
        plugins.field_types,
    ):
        for item in own(plugins, registry):
            texts.append(item.title)
            description = getattr(item, "description", "")
            if description:
                texts.append(description)
    for module in own(plugins, plugins.modules):
        texts += [module.title, module.description]
    texts += [label for label, _stack in branding.FONT_STACKS.values()]
    assert untranslated(plugins, texts) == []
