"""Back office: the review ("instruction") of proposals, one by one or in bulk.

A status change tells the proposal's author by email: the message is queued in the
outbox with the change, and delivered by SMTP after the response when SMTP is set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.db_range import may_be_id
from core.errors import DomainError, ValidationFailed
from core.models import Dialogue, Organisation, Proposal, User
from core.permissions import Action
from core.plugin_manager import Plugins
from core.services import audit, candidates, groups, moderation, review
from core.services.proposals import form_of
from core.services.users import group_ids_of
from core.services.vote_locks import is_candidate, vote_opened
from web import labels
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormErrors, FormValues, parse_int, refusal_fields
from web.admin.guard import staff, staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.api.schemas import authors_of
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep, app_context
from web.i18n import translator
from web.labels import N_
from web.sign_in import site_url

PER_PAGE = 50
KEEP = ""  # a bulk field left on "do not change"


def _is_id(text: str) -> bool:
    return text.isdecimal() and may_be_id(int(text))


def status_choices(org: Organisation, gettext: Callable[[str], str] = str) -> list[tuple[str, str]]:
    """The statuses the staff gives: the fixed ones, then the organisation's own (its
    names as written, the fixed status beside in the reader's language)."""
    fixed = [(key, gettext(labels.STATUSES[key])) for key in review.REVIEW_STATUSES]
    custom = [
        (status.key, f"{status.label} ({gettext(labels.STATUSES[status.status])})")
        for status in review.custom_statuses(org).values()
    ]
    return fixed + custom


def _option_label(options: list[dict[str, Any]], key: str | None) -> str:
    if key is None:
        return ""
    return next((o["label"] for o in options if o.get("key") == key), key)


class ReviewChangeBuilder:
    """Reads a review form into a :class:`review.ReviewChange`. In bulk, a field left on
    « ne pas changer » (empty) changes nothing; on one proposal, every field is sent."""

    def __init__(self, form: FormValues, *, bulk: bool) -> None:
        self.form = form
        self.bulk = bulk

    def build(self) -> review.ReviewChange:
        form = self.form
        errors: dict[str, str] = {}
        values: dict[str, Any] = {}
        status = form.get("status")
        if status or not self.bulk:
            values["status"] = status
        if "status_reason" in form and (form.get("status_reason") or not self.bulk):
            values["status_reason"] = form.raw("status_reason").strip()
        feasibility = form.get("feasibility")
        if feasibility == "none":
            values["feasibility"] = None
        elif feasibility or not self.bulk:
            values["feasibility"] = feasibility or None
        group = form.get("review_group")
        if group == "none":
            values["review_group_id"] = None
        elif group:
            values["review_group_id"] = parse_int(group, field="review_group", errors=errors)
        elif not self.bulk:
            values["review_group_id"] = None
        if not self.bulk:
            values["cost"] = parse_int(form.get("cost"), field="cost", errors=errors, minimum=0)
            values["theme"] = form.get("theme") or None
            values["sector"] = form.get("sector") or None
        if errors:
            raise FormErrors(errors)
        if self.bulk and not values:
            raise FormErrors({"__all__": N_("Choisissez au moins un changement à appliquer.")})
        return review.ReviewChange(**values)


def record_reviews(
    session: AsyncSession,
    org: Organisation,
    actor: User | None,
    dialogue: Dialogue,
    items: Sequence[Proposal],
    fields: list[str],
    changes: Sequence[review.StatusChange],
) -> None:
    """Records the review of each proposal of ``items`` in the audit log: the ``fields``
    the review set, the status now, and the previous one when it changed."""
    previous = {change.proposal.id: change.previous for change in changes}
    for proposal in items:
        details: dict[str, Any] = {
            "dialogue": dialogue.slug,
            "fields": fields,
            "status": proposal.status_label or proposal.status.value,
        }
        if proposal.id in previous:
            details["previous"] = previous[proposal.id]
        audit.record(session, org, actor, "proposal.review", f"proposal:{proposal.id}", details)


async def announce_status_changes(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    dialogue: Dialogue,
    changes: list[review.StatusChange],
) -> BackgroundTask | None:
    """Queues the authors' emails and the event jobs, commits, fires the event hooks;
    returns the delivery."""
    context = app_context(request)
    messages = await review.announce(
        session,
        plugins,
        context.mailer,
        org,
        dialogue,
        changes,
        site_url=await site_url(request, session, org),
    )
    await session.commit()
    for change in changes:
        if change.status_changed:
            plugins.proposal_status_changed(change.proposal, dialogue, change.previous)
    if not messages or context.mailer.smtp is None:
        return None
    return BackgroundTask(context.mailer.deliver, context.database, [m.id for m in messages])


class ReviewPages(Controller):
    path = "/admin"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/dialogues/{slug:str}/proposals", opt=staff(Action.REVIEW, Action.MODERATE))
    async def proposals(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        status: FromQuery[str | None] = None,
        feasibility: FromQuery[str | None] = None,
        group: FromQuery[str | None] = None,
        theme: FromQuery[str | None] = None,
        sector: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return await self._list(
            request,
            db_session,
            org,
            actor,
            dialogue,
            {
                "status": status or "",
                "feasibility": feasibility or "",
                "group": group or "",
                "theme": theme or "",
                "sector": sector or "",
                "q": q or "",
            },
            page,
        )

    async def _list(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        org: Organisation,
        actor: User | None,
        dialogue: Dialogue,
        params: dict[str, str],
        page: int,
        *,
        errors: dict[str, str] | None = None,
        selected: list[int] | None = None,
    ) -> Response[str]:
        group_id = int(params["group"]) if _is_id(params["group"]) else None
        mine = params["group"] == "mine" and actor is not None
        filters = review.ReviewFilters(
            status=params["status"] or None,
            feasibility=params["feasibility"] or None,
            group_id=group_id,
            unassigned=params["group"] == "none",
            group_ids=(await groups_of(db_session, actor)) if mine else (),
            theme=params["theme"] or None,
            sector=params["sector"] or None,
            q=params["q"] or None,
        )
        if mine and not filters.group_ids:
            filters = review.ReviewFilters(group_id=-1)  # no group: nothing is theirs
        items, total = await review.review_list(
            db_session, dialogue, filters, page=page, per_page=PER_PAGE
        )
        authors = await authors_of(db_session, items)
        i18n = translator(request)
        all_groups = [group for group, _ in await groups.list_groups(db_session, org)]
        group_names = {group.id: group.name for group in all_groups}
        rows = [
            {
                "proposal": p,
                "author": authors.get(p.author_id) if p.author_id else None,
                "status": review.status_label(org, p)
                or i18n.gettext(labels.STATUSES[p.status.value]),
                "feasibility": i18n.gettext(review.FEASIBILITY.get(p.feasibility or "", "")),
                "group": group_names.get(p.review_group_id or 0, ""),
                "theme": _option_label(dialogue.themes, p.theme),
                "sector": _option_label(dialogue.sectors, p.sector),
            }
            for p in items
        ]
        return admin_page(
            request,
            "admin/review_list.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=translated(request, N_("Instruction · %(title)s"), title=dialogue.title),
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/proposals"),
            rows=rows,
            total=total,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            params=params,
            statuses=status_choices(org, i18n.gettext),
            feasibility=list(translated_map(request, review.FEASIBILITY).items()),
            groups=[(str(g.id), g.name) for g in all_groups],
            errors=translated_map(request, errors or {}),
            selected=selected or [],
        )

    @post("/dialogues/{slug:str}/proposals/bulk", opt=staff(Action.REVIEW))
    async def bulk(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        ids = [int(value) for value in form.getall("ids") if _is_id(value)]
        params = {
            name: form.get(f"filter_{name}")
            for name in ("status", "feasibility", "group", "theme", "sector", "q")
        }
        try:
            if not ids:
                raise FormErrors({"__all__": N_("Cochez au moins une proposition.")})
            change = ReviewChangeBuilder(form, bulk=True).build()
            items = await review.proposals_by_ids(db_session, dialogue, ids)
            changes = await review.review(
                db_session, plugins, org, dialogue, items, change, now=utcnow()
            )
            record_reviews(
                db_session, org, actor, dialogue, items, audit.fields_set(change), changes
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            return await self._list(
                request,
                db_session,
                org,
                actor,
                dialogue,
                params,
                1,
                errors=refusal_fields(error),
                selected=ids,
            )
        delivery = await announce_status_changes(
            request, db_session, plugins, org, dialogue, changes
        )
        query = {k: v for k, v in params.items() if v}
        redirect = done(f"/admin/dialogues/{slug}/proposals", "bulk_done", **query)
        redirect.background = delivery
        return redirect

    # -- one proposal ---------------------------------------------------------------

    @get("/proposals/{proposal_id:int}", opt=staff(Action.REVIEW, Action.MODERATE))
    async def proposal(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        proposal_id: FromPath[int],
    ) -> Response[str]:
        proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
        return await self._detail(request, db_session, org, proposal, dialogue)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        org: Organisation,
        proposal: Proposal,
        dialogue: Dialogue,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Response[str]:
        return await review_page(
            request, db_session, org, proposal, dialogue, errors=errors, values=values
        )

    @post("/proposals/{proposal_id:int}/review", opt=staff(Action.REVIEW))
    async def save_review(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        proposal_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
        try:
            change = ReviewChangeBuilder(form, bulk=False).build()
            changes = await review.review(
                db_session, plugins, org, dialogue, [proposal], change, now=utcnow()
            )
            record_reviews(
                db_session, org, actor, dialogue, [proposal], audit.fields_set(change), changes
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
            fields = refusal_fields(error)
            if isinstance(error, ValidationFailed) and "__all__" in fields:
                detail = fields["__all__"]
                for name in ("theme", "sector", "cost"):
                    if detail.startswith(f"{name}:"):
                        fields = {name: N_("Valeur refusée.")}
            return await self._detail(
                request, db_session, org, proposal, dialogue, errors=fields, values=form.as_dict()
            )
        delivery = await announce_status_changes(
            request, db_session, plugins, org, dialogue, changes
        )
        redirect = done(f"/admin/proposals/{proposal_id}", "reviewed")
        redirect.background = delivery
        return redirect

    @post("/proposals/{proposal_id:int}/notes", opt=staff(Action.REVIEW))
    async def add_note(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
        assert actor is not None  # the guard let a staff member in
        try:
            await review.add_note(db_session, proposal, actor, form.raw("note"), now=utcnow())
        except DomainError as error:
            return await self._detail(
                request, db_session, org, proposal, dialogue, errors=refusal_fields(error)
            )
        await db_session.commit()
        return done(f"/admin/proposals/{proposal_id}", "note_added")

    @post("/proposals/{proposal_id:int}/moderate", opt=staff(Action.MODERATE))
    async def moderate(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        proposal = await moderation.get_proposal(db_session, org, proposal_id)
        action = form.get("action")
        try:
            if action in {"approve", "restore", "hide"}:
                dialogue = await db_session.get_one(Dialogue, proposal.dialogue_id)
                await candidates.check_staff_change(
                    db_session, plugins, dialogue, proposal, utcnow(), hidden=action == "hide"
                )
            if action == "approve":
                moderation.approve(proposal)
            elif action == "restore":
                moderation.restore(proposal)
            elif action == "hide":
                moderation.hide(proposal, form.raw("reason"), utcnow())
            else:
                raise FormErrors({"__all__": N_("Action inconnue.")})
            audit.record(
                db_session,
                org,
                actor,
                "proposal.moderate",
                f"proposal:{proposal_id}",
                moderation_details(action, proposal.hidden_reason),
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
            return await self._detail(
                request, db_session, org, proposal, dialogue, errors=refusal_fields(error)
            )
        await db_session.commit()
        back = form.get("next")
        if back.startswith("/admin/") and not back.startswith("//"):
            return Redirect(back, status_code=303)
        return done(f"/admin/proposals/{proposal_id}", "moderated")


def moderation_details(decision: str, reason: str) -> dict[str, str]:
    """What the audit log keeps of a moderation decision: the decision, and the reason
    of a hiding (the author reads it too)."""
    return (
        {"decision": decision, "reason": reason} if decision == "hide" else {"decision": decision}
    )


async def groups_of(session: AsyncSession, actor: User | None) -> set[int]:
    return set() if actor is None else await group_ids_of(session, actor)


async def review_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    proposal: Proposal,
    dialogue: Dialogue,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response[str]:
    authors = await authors_of(db_session, [proposal])
    author = authors.get(proposal.author_id) if proposal.author_id else None
    all_groups = [group for group, _ in await groups.list_groups(db_session, org)]
    form = form_of(dialogue)
    return admin_page(
        request,
        "admin/review_proposal.html",
        section="dialogues",
        status_code=422 if errors else 200,
        page_title=proposal.title,
        dialogue=dialogue,
        tabs=dialogue_tabs(dialogue, "/proposals"),
        proposal=proposal,
        author=author,
        fields=[
            {
                "label": d.label,
                "confidential": d.confidential,
                "value": proposal.fields.get(d.key),
            }
            for d in form
            if d.key in proposal.fields
        ],
        status_text=review.status_label(org, proposal)
        or translated(request, labels.STATUSES[proposal.status.value]),
        notes=await review.notes(db_session, proposal),
        statuses=status_choices(org, translator(request).gettext),
        feasibility=list(translated_map(request, review.FEASIBILITY).items()),
        groups=[(str(g.id), g.name) for g in all_groups],
        candidate=is_candidate(proposal),
        vote_opened=vote_opened(dialogue, utcnow()),
        revisions=await candidates.proposal_history(db_session, proposal),
        values=values
        or {
            "status": proposal.status_label or proposal.status.value,
            "status_reason": proposal.status_reason,
            "cost": "" if proposal.cost is None else str(proposal.cost),
            "feasibility": proposal.feasibility or "",
            "review_group": str(proposal.review_group_id or ""),
            "theme": proposal.theme or "",
            "sector": proposal.sector or "",
        },
        errors=translated_map(request, errors or {}),
    )
