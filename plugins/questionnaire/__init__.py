"""Built-in plugin questionnaire: referendum-style questionnaires (single and multiple
choice, scales, rankings, free text, sections, skip logic, images on options), with their
own tables, pages, results and export.

Organisers send ``"questionnaire": {...}`` in a dialogue's body, or turn the
``questionnaire`` module on with its settings (see :mod:`plugins.questionnaire.settings`),
or turn it on in the back office's Modules tab and write the questions in its own tab
(:mod:`plugins.questionnaire.admin_pages`); citizens answer during the vote phase.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.admin_tabs import AdminTab
from core.export_datasets import ExportDataset
from core.hookspecs import hookimpl
from core.models import Dialogue
from core.modules import Module, ModuleWriter
from core.personal_data import PersonalDataSource
from core.registries import Registry
from core.result_sections import ResultSection
from plugins.questionnaire import models  # noqa: F401 - registers the tables on Base
from plugins.questionnaire.export import ResponsesDataset
from plugins.questionnaire.personal_data import QuestionnaireData
from plugins.questionnaire.questions import MODULE, decode_spec, save_questionnaire
from plugins.questionnaire.results import QuestionnaireResults

HERE = Path(__file__).parent

QUESTIONNAIRE = Module(
    name=MODULE,
    title="Questionnaire",
    description="Questions à choix, échelles, classements et réponses libres, avec leurs "
    "résultats et leur export.",
    granted_by_default=True,
    keeps_own_settings=True,
)


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(QUESTIONNAIRE)


@hookimpl
def prepare_module_settings(
    dialogue: Dialogue, module: str, settings: dict[str, Any]
) -> ModuleWriter | None:
    if module != MODULE:
        return None
    questionnaire, rows = decode_spec(settings)

    async def write(session: AsyncSession) -> None:
        await save_questionnaire(session, dialogue, questionnaire, rows)

    return write


@hookimpl
def register_admin_tabs(registry: Registry[AdminTab]) -> None:
    # /admin/dialogues/{slug}/questionnaire, where the module is on: the questions' editor.
    registry.add(AdminTab(MODULE, "Questionnaire", "/questionnaire"))


@hookimpl
def register_result_sections(registry: Registry[ResultSection]) -> None:
    registry.add(QuestionnaireResults())


@hookimpl
def register_export_datasets(registry: Registry[ExportDataset]) -> None:
    registry.add(ResponsesDataset())


@hookimpl
def register_personal_data(registry: Registry[PersonalDataSource]) -> None:
    registry.add(QuestionnaireData())


@hookimpl
def register_routes() -> Sequence[Any]:
    from plugins.questionnaire.admin_pages import QuestionnaireAdminPages
    from plugins.questionnaire.api import QuestionnaireController
    from plugins.questionnaire.pages import PAGES

    return [QuestionnaireController, QuestionnaireAdminPages, *PAGES]


@hookimpl
def template_dirs() -> Sequence[Path]:
    return [HERE / "templates"]


@hookimpl
def static_dirs() -> Sequence[tuple[str, Path]]:
    return [("questionnaire", HERE / "static")]


@hookimpl
def translation_dirs() -> Sequence[Path]:
    return [HERE / "translations"]


@hookimpl
def migration_locations() -> Sequence[str]:
    return ["plugins.questionnaire:migrations"]
