"""Back office: a dialogue's ballots, and voiding one with a reason.

Administrators and moderators see the list (the fraud signals link to it, narrowed to
one network); only administrators void, since voiding changes the results."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import DomainError
from core.models import Dialogue, User
from core.models.users import Role
from core.permissions import Action
from core.services import ballot_moderation, ballots
from core.services.fraud_signals import SHORT_DIGEST
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff, staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.labels import N_

PER_PAGE = 50
STATES = {"counted": N_("Comptés"), "draft": N_("Brouillons"), "voided": N_("Annulés")}


def _params(network: str | None, state: str | None) -> dict[str, str]:
    return {
        "network": network if network and len(network) <= 64 else "",
        "state": state if state in STATES else "",
    }


class BallotPages(Controller):
    path = "/admin/dialogues/{slug:str}/ballots"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/", opt=staff(Action.ADMINISTER, Action.MODERATE))
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        network: FromQuery[str | None] = None,
        ballot_state: Annotated[str | None, QueryParameter(name="state")] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return await self._page(
            request, db_session, actor, dialogue, _params(network, ballot_state), page, {}
        )

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        actor: User | None,
        dialogue: Dialogue,
        params: dict[str, str],
        page: int,
        errors: dict[str, str],
        *,
        failed: int | None = None,
        reason: str = "",
    ) -> Response[str]:
        rows, total = await ballot_moderation.ballot_page(
            db_session,
            dialogue,
            network=params["network"] or None,
            state=params["state"] or None,
            page=page,
            per_page=PER_PAGE,
        )
        return admin_page(
            request,
            "admin/dialogue_ballots.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=N_("Bulletins"),
            page_subject=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/ballots"),
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            params=params,
            network_short=params["network"][:SHORT_DIGEST],
            states=STATES,
            can_void=actor is not None and actor.role is Role.ADMIN,
            max_reason=ballot_moderation.MAX_REASON,
            errors=errors,
            failed=failed,
            reason=reason,
        )

    @post("/{ballot_id:int}/void")
    async def void(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        ballot_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        params = _params(form.get("network"), form.get("state"))
        page = min(int(form.get("page")), 100_000) if form.get("page").isdecimal() else 1
        assert actor is not None  # the guard let an administrator in
        try:
            change = await ballot_moderation.void(
                db_session,
                plugins,
                org,
                dialogue,
                actor,
                ballot_id,
                form.raw("reason"),
                now=utcnow(),
            )
        except DomainError as error:
            if error.status_code == 404:
                raise
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            fields = refusal_fields(error, "reason")
            message = f"Bulletin n° {ballot_id} : {fields.get('reason', error.detail)}"
            return await self._page(
                request,
                db_session,
                actor,
                dialogue,
                params,
                max(1, page),
                {"__all__": message},
                failed=ballot_id,
                reason=form.raw("reason"),
            )
        await db_session.commit()
        ballots.announce(plugins, change)
        return done(
            f"/admin/dialogues/{slug}/ballots",
            "ballot_voided",
            network=params["network"] or None,
            state=params["state"] or None,
            page=page if page > 1 else None,
        )
