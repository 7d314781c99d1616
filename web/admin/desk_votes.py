"""Back office: assisted voting at the desk, ``/admin/dialogues/{slug}/desk-vote`` (the
``desk`` module on the dialogue). A moderator or an administrator who has seen a person's
identity document types their four fields and their votes, in one form that works without
JavaScript; the ballot is cast by :mod:`core.services.assisted_votes`."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.defaults.verification import DESK
from core.errors import DomainError
from core.models import Dialogue, Organisation, Proposal
from core.models.proposals import VOTABLE_STATUSES
from core.permissions import Action
from core.plugin_manager import Plugins
from core.services import assisted_votes, ballots, verification
from core.services.ballot_box import vote_rules
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormValues
from web.admin.guard import staff, staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.labels import N_

SUFFIX = "/desk-vote"
STAFF = staff(Action.MODERATE, Action.ADMINISTER)
PERSON_FIELDS = verification.FIELDS
TITLE = N_("Vote au guichet")


async def _proposals(session: AsyncSession, dialogue: Dialogue) -> list[Proposal]:
    """The proposals in the vote, in the order of the ballot form."""
    return list(
        await session.scalars(
            select(Proposal)
            .where(
                Proposal.dialogue_id == dialogue.id,
                Proposal.status.in_(VOTABLE_STATUSES),
                Proposal.hidden_at.is_(None),
            )
            .order_by(Proposal.id)
        )
    )


def vote_field(plugins: Plugins, dialogue: Dialogue) -> dict[str, Any]:
    """How one proposal's vote is typed on the form: a list of choices when the vote
    type names them (options, mentions), a box for a support, a number otherwise."""
    try:
        rules = vote_rules(plugins, dialogue)
    except DomainError as error:
        return {"kind": "missing", "message": error.detail}
    shown = rules.kind.rules(rules.settings)
    if "mentions" in shown:
        grades = len(shown["mentions"])
        choices = [(str(grades - 1 - i), m) for i, m in enumerate(shown["mentions"])]
        return {"kind": "choices", "choices": choices}
    if "options" in shown:
        labels = shown.get("labels") or {}
        return {"kind": "choices", "choices": [(o, labels.get(o, o)) for o in shown["options"]]}
    if rules.kind.id == "support":
        return {"kind": "check"}
    return {"kind": "number"}


def read_votes(data: dict[str, Any]) -> list[tuple[int, object]]:
    """The ``vote-{proposal id}`` fields filled in, as ``(proposal_id, API value)``: a
    number, an option's key, or a support's box (no value)."""
    form = FormValues(data)
    votes: list[tuple[int, object]] = []
    for name in sorted(data):
        text = form.get(name) if name.startswith("vote-") else ""
        if not text:
            continue
        proposal_id = int(name[5:]) if name[5:].isdigit() else 0
        value: object = int(text) if text.lstrip("-").isdigit() else text
        votes.append((proposal_id, None if value == "on" else value))
    return votes


def _refusal(error: DomainError) -> dict[str, str]:
    fields = error.extra.get("errors") if error.extra else None
    found = {str(item["field"]): str(item["message"]) for item in fields or []}
    return {"__all__": error.detail, **found}


class DeskVotePages(Controller):
    path = "/admin/dialogues/{slug:str}/desk-vote"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        session: AsyncSession,
        plugins: Plugins,
        org: Organisation,
        dialogue: Dialogue,
        *,
        errors: dict[str, str] | None = None,
        submitted: FormValues | None = None,
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/dialogue_desk_vote.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=f"{translated(request, TITLE)} · {dialogue.title}",
            dialogue=dialogue,
            # Off: the tab is hidden, and the page says why there is no form.
            desk_on=DESK.granted_to(org) and DESK.enabled_on(dialogue),
            tabs=dialogue_tabs(dialogue, SUFFIX),
            proposals=await _proposals(session, dialogue),
            field=vote_field(plugins, dialogue),
            errors=translated_map(request, errors or {}),
            submitted=submitted or FormValues({}),
        )

    @get("/", opt=STAFF)
    async def desk_vote_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return await self._page(request, db_session, plugins, org, dialogue)

    @post("/", opt=STAFF)
    async def cast_desk_vote(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """The person's four fields and ``vote-{proposal id}`` fields (empty: no vote on
        that proposal)."""
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        try:
            who = verification.person(*(form.get(name) for name in PERSON_FIELDS))
            changes = await assisted_votes.cast_assisted_ballot(
                db_session,
                plugins,
                org,
                dialogue,
                actor,
                who,
                read_votes(data),
                secret_key=request.app.state.context.settings.secret_key,
                now=utcnow(),
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            return await self._page(
                request,
                db_session,
                plugins,
                org,
                dialogue,
                errors=_refusal(error),
                submitted=form,
            )
        await db_session.commit()
        for change in changes:
            ballots.announce(plugins, change)
        return done(f"/admin/dialogues/{slug}{SUFFIX}", "desk_voted")
