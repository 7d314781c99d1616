"""The follow-up's exports: one row per project (``what=projects``) and one per update
(``what=project_updates``), as the back office's CSV and XLSX files. Projects are
listed whether the results are published or not: the export is staff's."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from core.export_datasets import ExportContext, ExportDataset, Row
from core.models import Dialogue
from plugins.projects.follow_up import list_projects
from plugins.projects.settings import PROJECTS


class ProjectsDataset(ExportDataset):
    id = "projects"
    title = "Suivi des projets"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return PROJECTS.enabled_on(dialogue)

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return [
            "proposition n°",
            "proposition",
            "lauréate",
            "étape",
            "nom de l'étape",
            "avancement (%)",
            "dépensé (€)",
            "coût prévu (€)",
            "latitude",
            "longitude",
            "actualités",
            "dernière actualité",
        ]

    async def rows_in(
        self, session: AsyncSession, dialogue: Dialogue, context: ExportContext
    ) -> AsyncIterator[Row]:
        for view in await list_projects(session, context.plugins, dialogue):
            proposal = view.proposal
            yield [
                proposal.id,
                proposal.title,
                "oui" if view.winner else "non",
                view.stage.key,
                view.stage.label,
                view.progress,
                view.spent,
                proposal.cost,
                proposal.lat,
                proposal.lng,
                len(view.updates),
                view.updates[0].date.isoformat() if view.updates else "",
            ]


class ProjectUpdatesDataset(ExportDataset):
    id = "project_updates"
    title = "Actualités des projets"

    def applies_to(self, dialogue: Dialogue) -> bool:
        return PROJECTS.enabled_on(dialogue)

    async def columns(self, session: AsyncSession, dialogue: Dialogue) -> list[str]:
        return ["actualité n°", "proposition n°", "proposition", "date", "texte", "photos"]

    async def rows_in(
        self, session: AsyncSession, dialogue: Dialogue, context: ExportContext
    ) -> AsyncIterator[Row]:
        for view in await list_projects(session, context.plugins, dialogue):
            for update in reversed(view.updates):  # oldest first
                yield [
                    update.id,
                    view.proposal_id,
                    view.proposal.title,
                    update.date.isoformat(),
                    update.text,
                    " ".join(f"/media/{name}" for name in update.images),
                ]
