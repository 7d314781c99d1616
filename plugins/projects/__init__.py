"""Built-in plugin projects: the follow-up of a dialogue's winning projects.

Once the results are out, each winning project has a public page (its stage, progress,
amount spent against its cost, dated updates with photos) and a place on the map of the
dialogue's projects, filterable by stage; staff keep them up to date in the back office
(tab « Suivi des projets ») or through the admin API, and may add a proposal that did not
win or take one off the list (:mod:`plugins.projects.follow_up`). The ``projects`` module
is usable by every organisation and off on a dialogue until its administrators turn it on;
its settings hold the organiser's own stages (:mod:`plugins.projects.settings`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from core.admin_tabs import AdminTab
from core.db import utcnow
from core.export_datasets import ExportDataset
from core.hookspecs import hookimpl
from core.modules import Module
from core.notification_kinds import NotificationKind
from core.registries import Registry
from plugins.projects import models  # noqa: F401 - registers the tables on Base
from plugins.projects.export import ProjectsDataset, ProjectUpdatesDataset
from plugins.projects.follow_up import PROJECT_UPDATE, results_out
from plugins.projects.settings import MODULE, PROJECTS

HERE = Path(__file__).parent
TAB = "Suivi des projets"


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(PROJECTS)


@hookimpl
def register_notification_kinds(registry: Registry[NotificationKind]) -> None:
    registry.add(PROJECT_UPDATE)


@hookimpl
def register_routes() -> Sequence[Any]:
    from plugins.projects.admin_pages import ProjectsAdminPages
    from plugins.projects.api import AdminProjectsController, ProjectsController
    from plugins.projects.pages import PAGES

    return [ProjectsController, AdminProjectsController, ProjectsAdminPages, *PAGES]


@hookimpl
def register_admin_tabs(registry: Registry[AdminTab]) -> None:
    # /admin/dialogues/{slug}/projects, after the core's tabs, where the module is on.
    registry.add(AdminTab(MODULE, TAB, "/projects"))


@hookimpl
def register_export_datasets(registry: Registry[ExportDataset]) -> None:
    registry.add(ProjectsDataset())
    registry.add(ProjectUpdatesDataset())


@hookimpl
def template_context(template_name: str, context: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The « Suivi des projets » tab of a dialogue's pages, once its results are out."""
    frame = context.get("frame")
    dialogue = frame.get("dialogue") if isinstance(frame, Mapping) else None
    if dialogue is None or not results_out(dialogue, utcnow()):
        return None
    return {
        "dialogue_tab_projects": {
            "href": f"/dialogues/{dialogue.slug}/projects",
            "label": TAB,
            "current": template_name.startswith("projects/"),
        }
    }


@hookimpl
def error_messages() -> Mapping[str, Mapping[str, str]]:
    return {
        "project.unknown": {
            "fr": "Ce projet n'existe pas dans cette démarche.",
            "en": "This project does not exist in this dialogue.",
        },
        "project.unknown_update": {
            "fr": "Cette actualité n'existe pas.",
            "en": "This news item does not exist.",
        },
        "project.already_listed": {
            "fr": "Ce projet est déjà suivi.",
            "en": "This project is already followed.",
        },
        "project.unknown_stage": {
            "fr": "Cette étape n'existe pas pour cette démarche.",
            "en": "This stage does not exist for this dialogue.",
        },
        "project.invalid_progress": {
            "fr": "L'avancement est un pourcentage de 0 à 100.",
            "en": "The progress is a percentage from 0 to 100.",
        },
        "project.invalid_spent": {
            "fr": "Le montant dépensé est un nombre entier d'euros, positif ou nul.",
            "en": "The amount spent is a whole number of euros, zero or more.",
        },
        "project.invalid_text": {
            "fr": "Écrivez le texte de l'actualité.",
            "en": "Write the text of the news item.",
        },
        "project.too_many_images": {
            "fr": "Une actualité a au plus 10 photos.",
            "en": "A news item has at most 10 photos.",
        },
    }


@hookimpl
def template_dirs() -> Sequence[Path]:
    return [HERE / "templates"]


@hookimpl
def static_dirs() -> Sequence[tuple[str, Path]]:
    return [("projects", HERE / "static")]


@hookimpl
def translation_dirs() -> Sequence[Path]:
    return [HERE / "translations"]


@hookimpl
def migration_locations() -> Sequence[str]:
    return ["plugins.projects:migrations"]
