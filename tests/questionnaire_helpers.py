"""Helpers for questionnaire tests: a questionnaire of every kind, a dialogue body that
carries it, answers as the API takes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.helpers import phases_now

ADMIN_DIALOGUES = "/api/v1/admin/dialogues"
SLUG = "logo-2027"
QUESTIONNAIRE = f"/api/v1/dialogues/{SLUG}/questionnaire"
RESPONSES = f"{QUESTIONNAIRE}/responses"

#: One question of each kind, with sections, "other", images and a condition.
EVERY_KIND: dict[str, Any] = {
    "questions": [
        {
            "kind": "single",
            "section": "Le logo",
            "text": "Quel logo pour notre ville ?",
            "required": True,
            "other": True,
            "options": [
                {"key": "blason", "label": "Le blason", "image_url": "/static/a.svg"},
                {"key": "riviere", "label": "La rivière"},
                {"key": "arbre", "label": "L'arbre"},
            ],
        },
        {
            "kind": "multiple",
            "text": "Où le voir ?",
            "min": 1,
            "max": 2,
            "other": True,
            "options": [
                {"key": "panneaux", "label": "Panneaux"},
                {"key": "vehicules", "label": "Véhicules"},
                {"key": "site", "label": "Site internet"},
            ],
        },
        {
            "kind": "scale",
            "section": "Votre avis",
            "text": "Êtes-vous attaché·e au blason actuel ?",
            "min": 1,
            "max": 5,
            "labels": {"min": "Pas du tout", "max": "Énormément"},
            "required": True,
        },
        {
            "kind": "ranking",
            "text": "Classez ces valeurs.",
            "options": [
                {"key": "nature", "label": "Nature"},
                {"key": "patrimoine", "label": "Patrimoine"},
                {"key": "dynamisme", "label": "Dynamisme"},
            ],
        },
        {
            "kind": "text",
            "text": "Pourquoi le blason ?",
            "show_if": {"question": 0, "equals": "blason"},
            "required": True,
        },
        {"kind": "text", "text": "Un commentaire ?"},
    ]
}


def dialogue_with(
    questionnaire: dict[str, Any], phase: str = "vote", **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": SLUG,
        "title": "Le logo de la ville",
        "kind": "questionnaire",
        "phases": phases_now(phase, ("information", "vote", "results")),
        "questionnaire": questionnaire,
        "results_visibility": "live",
    }
    body.update(changes)
    return body


def answers(ids: list[int], *values: Any) -> dict[str, Any]:
    """``{"answers": {...}}`` giving ``values`` to the questions in order (``None``:
    left out)."""
    return {
        "answers": {
            str(qid): value for qid, value in zip(ids, values, strict=False) if value is not None
        }
    }


MakeQuestionnaire = Callable[..., Awaitable[dict[str, Any]]]
