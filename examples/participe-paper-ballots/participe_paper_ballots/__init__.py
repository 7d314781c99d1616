"""Paper ballots for Participe, installed beside the platform as its own package.

Staff enter the ballots collected at polling stations; they are judged by the dialogue's
vote type like online ballots, counted with them in the results (through the core's
``register_ballot_sources`` hook), shown apart in the results body (``"paper"``),
exportable (``what=paper_ballots``), and every entry is kept in the plugin's own entry
log, which the recount replays.

These are its hook implementations; the package registers through the ``participe``
entry-point group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.admin_tabs import AdminTab
from core.ballot_sources import BallotSource
from core.export_datasets import ExportDataset
from core.hookspecs import hookimpl
from core.registries import Registry
from core.result_sections import ResultSection
from participe_paper_ballots import models  # noqa: F401 - registers the tables on Base
from participe_paper_ballots.export import PaperBallotsDataset
from participe_paper_ballots.results import PaperResults
from participe_paper_ballots.source import PaperBallotSource

HERE = Path(__file__).parent


@hookimpl
def register_ballot_sources(registry: Registry[BallotSource]) -> None:
    registry.add(PaperBallotSource())


@hookimpl
def register_result_sections(registry: Registry[ResultSection]) -> None:
    registry.add(PaperResults())


@hookimpl
def register_export_datasets(registry: Registry[ExportDataset]) -> None:
    registry.add(PaperBallotsDataset())


@hookimpl
def register_routes() -> Sequence[Any]:
    from participe_paper_ballots.api import PaperBallotController
    from participe_paper_ballots.pages import PaperBallotPages

    return [PaperBallotController, PaperBallotPages]


@hookimpl
def register_admin_tabs(registry: Registry[AdminTab]) -> None:
    from participe_paper_ballots.pages import SUFFIX, TAB

    # /admin/dialogues/{slug}/paper-ballots, after the core's tabs.
    registry.add(AdminTab("paper_ballots", TAB, SUFFIX))


@hookimpl
def template_dirs() -> Sequence[Path]:
    return [HERE / "templates"]


@hookimpl
def migration_locations() -> Sequence[str]:
    return ["participe_paper_ballots:migrations"]
