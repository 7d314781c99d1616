"""Kinds of news (notifications): what a citizen or a staff member may be told, and how
often by default.

Each kind has a name (stored with each notification and each preference), an audience
(``citizens``: news of what one follows; ``staff``: news for the organisers, each staff
member choosing the kinds they receive), a label in each language for the preferences
page, and a default frequency. The core's kinds are below; a plugin adds its own with
``register_notification_kinds`` and creates notifications with
``core.services.notifications``; the email of a kind is composed from the mail templates
``notification_<kind>`` when a plugin ships them (``mail_template_dirs``), from the
generic ``notification`` template otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Frequency = Literal["now", "daily", "weekly", "never"]
Audience = Literal["citizens", "staff"]

#: The frequencies, in the order the preferences page offers them.
FREQUENCIES: tuple[Frequency, ...] = ("now", "daily", "weekly", "never")


@dataclass(frozen=True)
class NotificationKind:
    """One kind of news. ``labels`` maps a language (``fr``, ``en``) to what the
    preferences page calls it; ``default`` is the frequency of whoever chose nothing;
    ``headline(language, title, details)`` is the one line that tells one piece of news
    in the list, the digests and the subject of its email (by default the label and the
    title)."""

    name: str
    audience: Audience
    labels: Mapping[str, str]
    default: Frequency = "now"
    headline: Callable[[str, str, Mapping[str, Any]], str] | None = None

    def __post_init__(self) -> None:
        if self.default not in FREQUENCIES:
            raise ValueError(f"notification kind {self.name!r}: bad default {self.default!r}")
        if "fr" not in self.labels:
            raise ValueError(f"notification kind {self.name!r}: needs a French label")

    @property
    def id(self) -> str:
        return self.name

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels["fr"]

    def headline_of(self, language: str, title: str, details: Mapping[str, Any]) -> str:
        if self.headline is not None:
            return self.headline(language, title, details)
        return (
            f"{self.label(language)} : {title}"
            if language == "fr"
            else (f"{self.label(language)}: {title}")
        )


def _in(language: str, fr: str, en: str) -> str:
    return en if language == "en" else fr


_PHASES = {
    "information": ("l'information", "information"),
    "proposals": ("le dépôt des propositions", "proposals"),
    "review": ("l'analyse des propositions", "review"),
    "vote": ("le vote", "the vote"),
    "results": ("les résultats", "results"),
}
_STATUSES = {
    "published": ("publiée", "published"),
    "under_review": ("en cours d'analyse", "under review"),
    "accepted": ("retenue", "accepted"),
    "refused": ("non retenue", "not accepted"),
    "winner": ("lauréate", "a winner"),
}


def _phase_opened(language: str, title: str, details: Mapping[str, Any]) -> str:
    fr, en = _PHASES.get(str(details.get("phase")), ("une nouvelle étape", "a new step"))
    return _in(language, f"« {title} » : {fr} commence", f"“{title}”: {en} opens")


def _proposal_status(language: str, title: str, details: Mapping[str, Any]) -> str:
    status = str(details.get("status", ""))
    fr, en = _STATUSES.get(status, (status, status))
    label = details.get("label")
    if label:
        fr = en = str(label)
    return _in(language, f"« {title} » est maintenant : {fr}", f"“{title}” is now {en}")


def _comment_reply(language: str, title: str, details: Mapping[str, Any]) -> str:
    name = str(details.get("author") or _in(language, "Quelqu'un", "Someone"))
    return _in(
        language,
        f"{name} a répondu à votre commentaire sur « {title} »",
        f"{name} replied to your comment on “{title}”",
    )


def _results_published(language: str, title: str, details: Mapping[str, Any]) -> str:
    return _in(
        language, f"Les résultats de « {title} » sont publiés", f"The results of “{title}” are out"
    )


def _vote_reminder(language: str, title: str, details: Mapping[str, Any]) -> str:
    return _in(
        language,
        f"Le vote « {title} » se termine bientôt : votre bulletin n'est pas confirmé",
        f"The vote “{title}” ends soon: your ballot is not confirmed",
    )


def _review_waiting(language: str, title: str, details: Mapping[str, Any]) -> str:
    return _in(
        language,
        f"Nouvelle proposition à examiner : « {title} »",
        f"New proposal to review: “{title}”",
    )


def _content_reported(language: str, title: str, details: Mapping[str, Any]) -> str:
    return _in(
        language,
        f"Un commentaire est signalé sur « {title} »",
        f"A comment is reported on “{title}”",
    )


def _participation_summary(language: str, title: str, details: Mapping[str, Any]) -> str:
    counts = details.get("counts", {})
    proposals = counts.get("proposals", 0)
    votes = counts.get("ballots", 0)
    comments = counts.get("comments", 0)
    return _in(
        language,
        f"« {title} » en 24 h : {proposals} proposition(s), {votes} bulletin(s), "
        f"{comments} commentaire(s)",
        f"“{title}” in 24 h: {proposals} proposal(s), {votes} ballot(s), {comments} comment(s)",
    )


#: The core's kinds.
CORE_KINDS: tuple[NotificationKind, ...] = (
    NotificationKind(
        "phase_opened",
        "citizens",
        {
            "fr": "Une étape d'une démarche suivie commence (propositions, vote, résultats)",
            "en": "A step of a followed dialogue opens (proposals, vote, results)",
        },
        headline=_phase_opened,
    ),
    NotificationKind(
        "proposal_status",
        "citizens",
        {
            "fr": "Une proposition suivie change de statut ou reçoit une réponse",
            "en": "A followed proposal changes status or gets an answer",
        },
        headline=_proposal_status,
    ),
    NotificationKind(
        "comment_reply",
        "citizens",
        {"fr": "Une réponse à l'un de mes commentaires", "en": "A reply to one of my comments"},
        headline=_comment_reply,
    ),
    NotificationKind(
        "results_published",
        "citizens",
        {
            "fr": "Les résultats d'une démarche suivie sont publiés",
            "en": "The results of a followed dialogue are published",
        },
        headline=_results_published,
    ),
    NotificationKind(
        "vote_reminder",
        "citizens",
        {
            "fr": "Un rappel avant la fin d'un vote dont mon bulletin n'est pas confirmé",
            "en": "A reminder before a vote ends while my ballot is not confirmed",
        },
        headline=_vote_reminder,
    ),
    NotificationKind(
        "review_waiting",
        "staff",
        {
            "fr": "Une nouvelle proposition attend d'être examinée",
            "en": "A new proposal waits for review",
        },
        default="never",
        headline=_review_waiting,
    ),
    NotificationKind(
        "content_reported",
        "staff",
        {"fr": "Un contenu est signalé", "en": "Content is reported"},
        default="never",
        headline=_content_reported,
    ),
    NotificationKind(
        "participation_summary",
        "staff",
        {
            "fr": "Le résumé quotidien de la participation",
            "en": "The daily summary of participation",
        },
        default="never",
        headline=_participation_summary,
    ),
)
