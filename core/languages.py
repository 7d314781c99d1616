"""The languages Participe speaks, French first, and the choice of one for a reader."""

from __future__ import annotations

from typing import Final

#: Supported languages, the default first.
LANGUAGES: Final = ("fr", "en")
DEFAULT_LANGUAGE: Final = "fr"
LANGUAGE_NAMES: Final = {"fr": "Français", "en": "English"}


def supported(language: str | None) -> str:
    """``language`` if Participe speaks it, else the default (French)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The supported language an ``Accept-Language`` header prefers most; French when it
    names none of them (or is absent or malformed)."""
    best, best_weight = DEFAULT_LANGUAGE, 0.0
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().split("-", 1)[0].lower()
        if primary not in LANGUAGES:
            continue
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                continue
        # Equal weights: the earlier tag wins, as the header's order says.
        weight -= position * 1e-6
        if weight > best_weight:
            best, best_weight = primary, weight
    return best
