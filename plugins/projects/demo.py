"""The demonstration's follow-up: a participatory budget of the year before, its results
published, and what became of its winning projects (stages, progress, money spent,
dated news)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Dialogue, Organisation, User
from core.plugin_manager import Plugins
from plugins.projects import follow_up

#: (title, body, theme, sector, cost in euros, offset north, offset east)
PAST_PROPOSALS: list[tuple[str, str, str, str, int, float, float]] = [
    (
        "Des fontaines à eau dans les parcs",
        "Six fontaines d'eau potable pour les promeneurs, les sportifs et les enfants.",
        "nature",
        "centre",
        36_000,
        0.001,
        -0.003,
    ),
    (
        "Un skatepark au bord de la Loire",
        "Un espace de glisse ouvert à tous, dessiné avec les jeunes du quartier.",
        "sport",
        "est",
        95_000,
        -0.006,
        0.011,
    ),
    (
        "Des bancs et de l'ombre place du Marché",
        "Dix bancs et huit arbres pour s'asseoir à l'ombre les jours de marché.",
        "nature",
        "centre",
        28_000,
        0.003,
        0.002,
    ),
    (
        "Une boîte à livres dans chaque quartier",
        "Quatre boîtes à livres fabriquées par l'atelier bois du lycée professionnel.",
        "culture",
        "nord",
        6_000,
        0.010,
        -0.008,
    ),
    (
        "Une patinoire couverte",
        "Une patinoire ouverte toute l'année au complexe sportif.",
        "sport",
        "sud",
        900_000,
        -0.012,
        -0.002,
    ),
]

#: What staff wrote of the winners, by title: stage, progress, spent, news (day, text).
FOLLOW_UP: dict[str, tuple[str, int, int, list[tuple[date, str]]]] = {
    "Des fontaines à eau dans les parcs": (
        "done",
        100,
        34_200,
        [
            (date(2026, 4, 14), "Les services ont choisi l'emplacement des six fontaines."),
            (
                date(2026, 9, 2),
                "Les **six fontaines** sont en service : parc des Tanneurs, square Nord, "
                "jardin des Plantes, bords de Loire, stade et place de la Mairie.",
            ),
        ],
    ),
    "Un skatepark au bord de la Loire": (
        "works",
        55,
        48_500,
        [
            (
                date(2026, 5, 20),
                "Trois ateliers avec les jeunes du quartier ont dessiné les modules.",
            ),
            (
                date(2026, 10, 8),
                "Le chantier a commencé : terrassement terminé, coulage du béton en novembre.",
            ),
        ],
    ),
    "Des bancs et de l'ombre place du Marché": (
        "study",
        15,
        2_000,
        [(date(2026, 11, 3), "Les essences d'arbres sont à l'étude avec les jardiniers.")],
    ),
}


async def seed_projects(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    staff: User,
    now: datetime,
) -> None:
    """Writes the follow-up of ``dialogue``'s winners (its results are published)."""
    for view in await follow_up.list_projects(session, plugins, dialogue):
        told = FOLLOW_UP.get(view.proposal.title)
        if told is None:
            continue
        stage, progress, spent, news = told
        await follow_up.change_project(
            session, plugins, organisation, dialogue, staff, view.proposal_id,
            stage=stage, progress=progress, spent=spent,
        )  # fmt: skip
        for day, text in news:
            await follow_up.post_update(
                session, plugins, organisation, dialogue, staff, view.proposal_id,
                text=text, day=day,
            )  # fmt: skip
