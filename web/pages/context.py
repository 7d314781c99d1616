"""What several pages put in their template context: a dialogue's frame (title, phases,
current phase, tabs), the message shown after a redirect, and refusals as citizens read
them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Request

from core.defaults.features import IMAGES
from core.errors import DomainError
from core.models import Dialogue, Phase, Proposal
from core.models.dialogues import PhaseKind, ResultsVisibility
from core.services.organisations import LOCAL_HOSTS, host_without_port
from core.services.publication import results_visible, vote_ended
from core.settings import Settings
from web import labels
from web.i18n import Translator, translator
from web.refusals import known_refusal, refusal_text


def image_url_of(proposal: Proposal, dialogue: Dialogue) -> str | None:
    """The address of ``proposal``'s image, where ``dialogue``'s images are on."""
    if not proposal.image_path or not IMAGES.enabled_on(dialogue):
        return None
    return f"/media/{proposal.image_path}"


def dialogue_frame(dialogue: Dialogue, now: datetime) -> dict[str, Any]:
    """The dialogue, its phases with the current one marked, for its pages' header."""
    current = dialogue.current_phase(now)
    has_vote = dialogue.phase(PhaseKind.VOTE) is not None
    phases = []
    for phase in dialogue.phases:
        state = "current" if phase is current else ("past" if _is_past(phase, now) else "future")
        phases.append({"phase": phase, "state": state, "label": phase_label(phase)})
    return {
        "dialogue": dialogue,
        "phases": phases,
        "current_phase": current,
        "current_kind": current.kind.value if current else None,
        "kind_label": labels.DIALOGUE_KINDS.get(dialogue.kind.value, dialogue.kind.value),
        "has_proposals": dialogue.phase(PhaseKind.PROPOSALS) is not None
        or dialogue.kind.value in ("ideas", "budget"),
        # Results citizens may see now: published, or shown live as the votes come in
        # (the tab then says so), or at the end of the vote.
        "results_visible": dialogue.results_published_at is not None
        or (has_vote and results_visible(dialogue, now)),
        "results_live": has_vote
        and dialogue.results_published_at is None
        and dialogue.results_visibility is ResultsVisibility.LIVE
        and not vote_ended(dialogue, now),
    }


def _is_past(phase: Phase, now: datetime) -> bool:
    return phase.has_ended(now)


def phase_label(phase: Phase) -> str:
    return phase.title or labels.PHASES.get(phase.kind.value, phase.kind.value)


def notice(request: Request[Any, Any, Any]) -> str | None:
    """The message a redirect asked for with ``?notice=KEY`` (known keys only)."""
    key = request.query_params.get("notice")
    return labels.NOTICES.get(key) if key else None


def refusal_message(i18n: Translator, error: DomainError) -> str:
    """A domain refusal in the reader's language (:func:`web.refusals.refusal_text`)."""
    return refusal_text(i18n, error.code, error.detail, error.extra.get("reason"))


def refused_message(request: Request[Any, Any, Any]) -> str | None:
    """The refusal a redirect named with ``?refused=CODE`` (or ``CODE:REASON``), in the
    reader's language."""
    code, _, reason = (request.query_params.get("refused") or "").partition(":")
    return known_refusal(translator(request), code, reason or None) if code else None


def signin_url(request: Request[Any, Any, Any], next_path: str | None = None) -> str:
    """The sign-in page, coming back to ``next_path`` (the current page by default)."""
    target = next_path or request.url.path
    if request.url.query and next_path is None:
        target += "?" + request.url.query
    return "/signin?next=" + quote(target, safe="/")


def public_url(request: Request[Any, Any, Any], path: str) -> str:
    """The absolute address of ``path`` on the organisation's own host name."""
    settings: Settings = request.app.state.context.settings
    host = request.headers.get("host", "")
    if not host or host_without_port(host) in LOCAL_HOSTS:
        return settings.base_url.rstrip("/") + path
    scheme = settings.base_url.split("://", 1)[0] if "://" in settings.base_url else "https"
    return f"{scheme}://{host}{path}"


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (another site, ``//host``) → default."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    return value
