"""API: a dialogue's results, for everyone once visible; publication and the "what if"
report for staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.models import Dialogue, Organisation, User
from core.permissions import Action, staff_check
from core.plugin_manager import Plugins
from core.services import audit, dialogues
from core.services.publication import catch_up, publish, require_visible, unpublish
from core.services.results import cached, results_body
from core.services.results_report import what_if_report
from web.admin.guard import staff_guard
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.results import results_cache

__all__ = ["AdminResultsController", "ResultsController", "read_results"]


async def read_results(
    request: Request[Any, Any, Any],
    db_session: Any,
    plugins: Plugins,
    org: Organisation,
    actor: User | None,
    slug: str,
) -> tuple[Dialogue, dict[str, Any]]:
    """The dialogue and its results body as ``actor`` may see them (403 ``results.hidden``
    while hidden from citizens), after publishing what the dates made due."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
    now = utcnow()
    await catch_up(db_session, plugins, dialogue, now)
    published = require_visible(dialogue, actor, now)
    body = await results_body(
        db_session, plugins, results_cache(request), dialogue, actor, published=published
    )
    return dialogue, body


class ResultsController(Controller):
    path = "/api/v1/dialogues"
    tags = ("results",)

    @get("/{slug:str}/results")
    async def read_results(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> dict[str, Any]:
        """The results: every candidate's tally and the winners, from counted ballots."""
        _, body = await read_results(request, db_session, plugins, org, actor, slug)
        return body


async def _change_publication(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    actor: User | None,
    slug: str,
    change: Callable[[Dialogue], None],
    action: str,
) -> dict[str, Any]:
    """Applies ``change`` (publish or unpublish) to the dialogue's results, records
    ``action`` in the audit log, commits, and answers the results as staff now see them."""
    staff_member = staff_check(actor, Action.ADMINISTER)
    dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
    change(dialogue)
    audit.record(db_session, org, staff_member, action, f"dialogue:{slug}")
    await db_session.commit()
    _, body = await read_results(request, db_session, plugins, org, actor, slug)
    return body


class AdminResultsController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/results"
    guards = [staff_guard]  # noqa: RUF012
    tags = ("back office",)

    @post("/publish", status_code=200)
    async def publish_results(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> dict[str, Any]:
        """Publishes the results now; answers them, published."""
        return await _change_publication(
            request,
            db_session,
            plugins,
            org,
            actor,
            slug,
            lambda d: publish(db_session, plugins, d, utcnow()),
            "results.publish",
        )

    @post("/unpublish", status_code=200)
    async def unpublish_results(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> dict[str, Any]:
        """Hides the results again until published (the visibility becomes ``manual``);
        answers them as staff see them."""
        return await _change_publication(
            request, db_session, plugins, org, actor, slug, unpublish, "results.unpublish"
        )

    @get("/report")
    async def report(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> dict[str, Any]:
        """The same ballots under every budget rule (or counting method), side by side."""
        staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)

        async def compute() -> dict[str, Any]:
            return await what_if_report(db_session, plugins, dialogue)

        return await cached(
            db_session, results_cache(request), dialogue, "report", compute, plugins
        )
