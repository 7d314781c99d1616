"""Built-in plugin analysis: semantic analysis of a dialogue's proposals, in French.

- while writing, the proposals that say the same thing (``/dialogues/{slug}/proposals/
  similar``, a step before the form, and ``POST /api/v1/dialogues/{slug}/analysis/
  similar``);
- for staff, the likely duplicate groups, to mark distinct; the proposals grouped into
  topics with their key words (a page and a CSV export); a theme suggested for each
  proposal without one, learnt from the themes staff gave.

The analysis itself (:mod:`plugins.analysis.text`, :mod:`~plugins.analysis.similar`,
:mod:`~plugins.analysis.topics`, :mod:`~plugins.analysis.themes`) is pure: Snowball's
French stemmer and stop words, TF-IDF, scikit-learn; nothing is fetched at run time.
It needs the ``participe[analysis]`` extra: without it (:mod:`plugins.analysis.extra`)
the plugin declares no module, mounts no route and queues no job, and says so in the
log at start-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.hookspecs import hookimpl
from plugins.analysis import models  # noqa: F401 - registers the tables on Base
from plugins.analysis.extra import available, missing

if TYPE_CHECKING:
    from core.admin_tabs import AdminTab
    from core.events import EventHandler
    from core.modules import Module
    from core.registries import Registry

HERE = Path(__file__).parent
logger = logging.getLogger("participe.analysis")
#: Each app's task that recomputes the stale results (:mod:`plugins.analysis.results`).
_refreshers: dict[int, asyncio.Task[None]] = {}


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    if not available():
        return
    from plugins.analysis.module import ANALYSIS

    registry.add(ANALYSIS)


@hookimpl
def register_event_handlers(registry: Registry[EventHandler]) -> None:
    if not available():
        return
    from core.events import EventHandler
    from plugins.analysis.handlers import analyse_submitted

    registry.add(EventHandler("analysis.submitted", "proposal_submitted", analyse_submitted))
    registry.add(
        EventHandler("analysis.status_changed", "proposal_status_changed", analyse_submitted)
    )


@hookimpl
def register_admin_tabs(registry: Registry[AdminTab]) -> None:
    if not available():
        return
    from core.admin_tabs import AdminTab

    registry.add(AdminTab("analysis", "Analyse", "/analysis"))


@hookimpl
def register_routes() -> Sequence[Any]:
    if not available():
        return []
    from plugins.analysis.api import AnalysisAdminController, AnalysisController
    from plugins.analysis.pages import PAGES

    return [AnalysisController, AnalysisAdminController, *PAGES]


@hookimpl
def template_context(template_name: str, context: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """On the form of a new proposal, nothing typed yet: the link to the "same idea?"
    step (``analysis_step``), where the module shows similar proposals while writing."""
    if template_name != "proposal/form.html" or context.get("proposal") is not None:
        return None
    values = context.get("values") or {}
    frame = context.get("frame") or {}
    dialogue = frame.get("dialogue")
    if dialogue is None or values.get("title") or not available():
        return None
    from plugins.analysis.module import ANALYSIS, settings_of

    if not ANALYSIS.enabled_on(dialogue) or not settings_of(dialogue).while_writing:
        return None
    return {"analysis_step": f"/dialogues/{dialogue.slug}/proposals/similar"}


@hookimpl
def template_dirs() -> Sequence[Path]:
    return [HERE / "templates"] if available() else []


@hookimpl
def translation_dirs() -> Sequence[Path]:
    return [HERE / "translations"]


@hookimpl
def migration_locations() -> Sequence[str]:
    # The tables exist whether the extra is installed or not: installing it later needs
    # no migration, and removing it loses nothing.
    return ["plugins.analysis:migrations"]


@hookimpl
async def startup(context: Any) -> None:
    absent = missing()
    if absent:
        logger.warning(
            "analysis: unavailable, the extra participe[analysis] is not installed (%s "
            "missing): pip install 'participe[analysis]'",
            ", ".join(absent),
        )
        return
    seconds = context.settings.event_jobs_seconds
    if seconds > 0:  # beside the event jobs' runner, at its pace (none where it is off)
        from plugins.analysis.results import run_forever

        _refreshers[id(context)] = asyncio.create_task(run_forever(context.database, seconds))


@hookimpl
async def shutdown(context: Any) -> None:
    task = _refreshers.pop(id(context), None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
