"""Back-office pages of paper ballots, ``/admin/dialogues/{slug}/paper-ballots``: enable
them (a form drawn from the settings Struct), enter a ballot (one field per proposal in
the vote, fitted to the vote type), see and void the ballots entered, read the entry log.
Everything works without JavaScript; each post redirects back with a message.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from sqlalchemy import select

from core.db import utcnow
from core.errors import DomainError
from core.models import Dialogue, Proposal, User
from core.models.proposals import VOTABLE_STATUSES
from core.plugin_manager import Plugins
from core.services import dialogues, verification
from core.services.ballot_box import vote_rules
from participe_paper_ballots import entries
from participe_paper_ballots.api import secret_key
from participe_paper_ballots.results import paper_summary
from participe_paper_ballots.settings import PaperBallotSettings, settings_of
from web.admin.forms import FormValues
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.admin.struct_forms import parse_struct, struct_fields
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep

SUFFIX = "/paper-ballots"
TAB = "Bulletins papier"
SETTINGS_PREFIX = "settings."


def tabs(dialogue: Dialogue) -> list[dict[str, Any]]:
    """The dialogue's back-office tabs, this page's (``register_admin_tabs``) the current
    one."""
    return dialogue_tabs(dialogue, SUFFIX)


async def _candidates(db_session: Any, dialogue: Dialogue) -> list[Proposal]:
    return list(
        await db_session.scalars(
            select(Proposal)
            .where(
                Proposal.dialogue_id == dialogue.id,
                Proposal.status.in_(VOTABLE_STATUSES),
                Proposal.hidden_at.is_(None),
            )
            .order_by(Proposal.id)
        )
    )


def _vote_field(plugins: Plugins, dialogue: Dialogue) -> dict[str, Any]:
    """How one proposal's vote is typed on the form: a list of choices when the vote
    type names them (options, mentions), a number otherwise, a box for a support."""
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


class PaperBallotPages(Controller):
    path = "/admin/dialogues/{slug:str}/paper-ballots"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: Any,
        plugins: Plugins,
        dialogue: Dialogue,
        *,
        errors: dict[str, str] | None = None,
        submitted: FormValues | None = None,
    ) -> Response[str]:
        settings = settings_of(dialogue)
        context: dict[str, Any] = {
            "dialogue": dialogue,
            "tabs": tabs(dialogue),
            "enabled": settings is not None,
            "settings_fields": struct_fields(
                PaperBallotSettings,
                settings,
                prefix=SETTINGS_PREFIX,
                errors=errors or {},
                submitted=submitted,
            ),
            "errors": errors or {},
            "submitted": submitted or FormValues({}),
        }
        if settings is not None:
            found, total = await entries.list_ballots(db_session, dialogue, page=1, per_page=50)
            log, _ = await entries.log_entries(db_session, dialogue, page=1, per_page=50)
            proposals = await _candidates(db_session, dialogue)
            context.update(
                stations=settings.stations,
                proposals=proposals,
                titles={p.id: p.title for p in proposals},
                field=_vote_field(plugins, dialogue),
                # Only verified voters: the voter's fields, from the signed register.
                voter_required=bool(verification.accepted_methods(dialogue)),
                ballots=found,
                total=total,
                log=log,
                summary=await paper_summary(db_session, dialogue),
            )
        return admin_page(
            request,
            "paper_ballots/page.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=f"{TAB} · {dialogue.title}",
            **context,
        )

    @get("/")
    async def paper_ballots_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        return await self._page(request, db_session, plugins, dialogue)

    @post("/settings")
    async def save_settings(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        parsed, errors = parse_struct(PaperBallotSettings, form, prefix=SETTINGS_PREFIX)
        if parsed is None:
            return await self._page(
                request, db_session, plugins, dialogue, errors=errors, submitted=form
            )
        try:
            await entries.enable(db_session, plugins, dialogue, msgspec.to_builtins(parsed))
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await self._page(
                request, db_session, plugins, dialogue, errors={"__all__": error.detail}
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}{SUFFIX}")

    @post("/")
    async def enter(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """The entry form: ``station``, ``reference`` and ``vote-{proposal id}`` fields
        (empty: no vote on that proposal)."""
        form = FormValues(data)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        raw_votes: list[tuple[int, object]] = []
        for name in sorted(data):
            if not name.startswith("vote-") or not form.get(name):
                continue
            proposal_id = int(name.removeprefix("vote-")) if name[5:].isdigit() else 0
            text = form.get(name)
            value: object = int(text) if text.lstrip("-").isdigit() else text
            if value == "on":  # a support's box
                value = None
            raw_votes.append((proposal_id, value))
        voter = entries.Voter(
            org, secret_key(request), *(form.get(name) for name in verification.FIELDS)
        )
        try:
            await entries.enter_ballot(
                db_session,
                plugins,
                dialogue,
                _staff(actor),
                station=form.get("station"),
                reference=form.get("reference"),
                raw_votes=raw_votes,
                now=utcnow(),
                voter=voter,
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await self._page(
                request,
                db_session,
                plugins,
                dialogue,
                errors={"__all__": error.detail},
                submitted=form,
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}{SUFFIX}", "created")

    @post("/{ballot_id:int}/void")
    async def void(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        ballot_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        try:
            await entries.void_ballot(
                db_session, dialogue, _staff(actor), ballot_id, form.get("reason"), now=utcnow()
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await self._page(
                request, db_session, plugins, dialogue, errors={"__all__": error.detail}
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}{SUFFIX}", "deleted")


def _staff(actor: User | None) -> User:
    assert actor is not None  # the guard let only staff in
    return actor
