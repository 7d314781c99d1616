"""The organisation's home page lists its dialogues by where they stand: open ones first
(their current step and until when), then those to come, then the finished ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.models import Dialogue, Phase
from core.models.dialogues import PhaseKind
from web.labels import N_


@dataclass(frozen=True)
class HomeCard:
    dialogue: Dialogue
    #: The step under way (``None`` between steps, before the first or after the last).
    phase: Phase | None
    #: The date the card tells: the end of the current step, the start of the first.
    date: datetime | None


@dataclass(frozen=True)
class HomeSection:
    key: str
    title: str
    cards: list[HomeCard] = field(default_factory=list)


def _first_start(dialogue: Dialogue) -> datetime | None:
    starts = [p.starts_at for p in dialogue.phases if p.starts_at is not None]
    return min(starts) if starts else None


def _standing(dialogue: Dialogue, now: datetime) -> tuple[str, HomeCard]:
    phase = dialogue.current_phase(now)
    if phase is not None and phase.kind != PhaseKind.RESULTS:
        return "open", HomeCard(dialogue, phase, phase.ends_at)
    if phase is None:
        start = _first_start(dialogue)
        if start is not None and start > now:
            return "upcoming", HomeCard(dialogue, None, start)
        if any(not p.has_ended(now) for p in dialogue.phases):
            return "open", HomeCard(dialogue, None, None)  # between two steps
    return "finished", HomeCard(dialogue, phase, None)


def home_sections(dialogues: Sequence[Dialogue], now: datetime) -> list[HomeSection]:
    """``dialogues`` (the latest first) in the home page's sections; empty ones left out.
    Open dialogues closing soonest come first."""
    sections = {
        "open": HomeSection("open", N_("Démarches en cours")),
        "upcoming": HomeSection("upcoming", N_("Démarches à venir")),
        "finished": HomeSection("finished", N_("Démarches terminées")),
    }
    for dialogue in dialogues:
        key, card = _standing(dialogue, now)
        sections[key].cards.append(card)
    sections["open"].cards.sort(key=lambda card: (card.date is None, card.date or now))
    sections["upcoming"].cards.sort(key=lambda card: card.date or now)
    return [section for section in sections.values() if section.cards]
