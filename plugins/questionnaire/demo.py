"""A realistic questionnaire for the demonstration: the choice of a town's new logo among
three drawings served by the plugin, and a few questions around it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dialogue, Organisation
from core.plugin_manager import Plugins
from core.services.dialogues import update_dialogue
from core.specs import DialogueSpec

LOGOS = "/static/plugins/questionnaire/logos"

DEMO_QUESTIONNAIRE: dict[str, Any] = {
    "questions": [
        {
            "kind": "single",
            "section": "Le nouveau logo",
            "text": "Quel logo pour notre ville ?",
            "help": "Les trois propositions ont été dessinées par les élèves du lycée Jean-Moulin.",
            "required": True,
            "options": [
                {
                    "key": "loire",
                    "label": "La Loire et ses méandres",
                    "image_url": f"{LOGOS}/loire.svg",
                },
                {
                    "key": "tour",
                    "label": "La tour de l'horloge",
                    "image_url": f"{LOGOS}/tour.svg",
                },
                {
                    "key": "feuille",
                    "label": "La feuille de chêne",
                    "image_url": f"{LOGOS}/feuille.svg",
                },
            ],
        },
        {
            "kind": "scale",
            "text": "L'identité visuelle actuelle de la ville vous plaît-elle ?",
            "min": 1,
            "max": 5,
            "labels": {"min": "Pas du tout", "max": "Beaucoup"},
        },
        {
            "kind": "multiple",
            "section": "Où le voir ?",
            "text": "Où le nouveau logo devrait-il apparaître en premier ?",
            "max": 2,
            "other": True,
            "options": [
                {"key": "panneaux", "label": "Les panneaux d'entrée de ville"},
                {"key": "vehicules", "label": "Les véhicules municipaux"},
                {"key": "site", "label": "Le site internet et les réseaux sociaux"},
                {"key": "courriers", "label": "Les courriers de la mairie"},
            ],
        },
        {
            "kind": "ranking",
            "text": "Classez ces valeurs, de celle qui représente le mieux la ville à "
            "celle qui la représente le moins.",
            "options": [
                {"key": "nature", "label": "La nature et la rivière"},
                {"key": "patrimoine", "label": "Le patrimoine"},
                {"key": "dynamisme", "label": "Le dynamisme économique"},
                {"key": "solidarite", "label": "La solidarité entre habitants"},
            ],
        },
        {
            "kind": "single",
            "section": "Pour aller plus loin",
            "text": "Avez-vous assisté à la réunion publique du 12 mars ?",
            "required": True,
            "options": [{"key": "oui", "label": "Oui"}, {"key": "non", "label": "Non"}],
        },
        {
            "kind": "text",
            "text": "Qu'avez-vous retenu de cette réunion ?",
            "show_if": {"question": 4, "equals": "oui"},
        },
        {
            "kind": "text",
            "text": "Un mot pour l'équipe municipale sur le choix du logo ?",
        },
    ],
}


async def create_demo_questionnaire(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue
) -> None:
    """Gives ``dialogue`` the demonstration questionnaire, as organisers would through
    the back office; the caller commits."""
    organisation = await session.get(Organisation, dialogue.organisation_id)
    assert organisation is not None
    await update_dialogue(
        session, plugins, organisation, dialogue, DialogueSpec(questionnaire=DEMO_QUESTIONNAIRE)
    )
