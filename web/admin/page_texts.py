"""The back office's own texts in the reader's language: page titles, form errors and
the labels the pages put in lists, all written in French and translated when shown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from web.i18n import translator
from web.labels import N_


def translated(request: Request[Any, Any, Any], text: str, **values: Any) -> str:
    """``text`` (a French message id) in the reader's language, ``values`` put in."""
    message = translator(request).gettext(text)
    return message % values if values else message


def translated_map(request: Request[Any, Any, Any], texts: Mapping[str, str]) -> dict[str, str]:
    """Each text of ``texts`` (form errors by field, labels by key) in the reader's
    language; a text the catalogue does not know (a refusal already worded) stays."""
    i18n = translator(request)
    return {key: i18n.gettext(text) for key, text in texts.items()}


#: The labels core gives the back office in French (core knows no languages): marked
#: here so the catalogue holds them, and translated where the pages show them.
CORE_LABELS = (
    # core.services.branding.TEXT_KEYS
    N_("Présentation sur la page d'accueil"),
    N_("Texte de la page d'inscription et de connexion"),
    N_("Mentions légales"),
    N_("Politique de confidentialité (données personnelles)"),
    N_("Déclaration d'accessibilité"),
    # core.services.review.FEASIBILITY
    N_("À étudier"),
    N_("Réalisable"),
    N_("Réalisable avec des ajustements"),
    N_("Non réalisable"),
)
