"""The analysis's pages: the "same idea?" step before the proposal form (no JavaScript
needed), and the back office's tab: duplicates to mark distinct, topics (and their CSV
export), theme suggestions applied in one click."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from sqlalchemy import select

from core.db import utcnow
from core.db_range import may_be_id
from core.errors import DomainError
from core.exports import inert_cells
from core.models import Proposal
from core.permissions import Action
from core.services import dialogues, merging, review
from plugins.analysis import results, store
from plugins.analysis.module import settings_of
from web.admin.forms import FormValues
from web.admin.guard import staff, staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.admin.review import announce_status_changes, record_reviews
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.i18n import translator
from web.pages.context import dialogue_frame, refusal_message
from web.templating import render

TAB = "/analysis"
READERS = staff(Action.ADMINISTER, Action.REVIEW, Action.MODERATE)
Title = Annotated[str, QueryParameter(max_length=20_000)]
Description = Annotated[str, QueryParameter(name="body", max_length=20_000)]


@get("/dialogues/{slug:str}/proposals/similar", include_in_schema=False)
async def similar_step(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    slug: FromPath[str],
    title: Title = "",
    description: Description = "",
) -> Response[str]:
    """Before writing a proposal: the proposals that already say the same thing, to
    support or comment instead, then the form with what was typed."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    settings = settings_of(dialogue)
    i18n = translator(request, org)
    found: list[tuple[store.Listed, Any]] = []
    error = None
    body = description
    asked = bool(title.strip() or body.strip())
    if len(title) > 200:
        error = i18n("Le titre fait au plus 200 caractères.")
    elif asked:
        try:
            found = await store.similar(
                db_session,
                dialogue,
                title,
                body,
                limit=settings.limit,
                threshold=settings.threshold,
            )
        except DomainError as refusal:
            error = refusal_message(i18n, refusal)
    return render(
        request,
        "analysis/similar.html",
        status_code=422 if error else 200,
        frame=dialogue_frame(dialogue, utcnow()),
        tab="proposals",
        title=title,
        body=body,
        asked=asked and error is None,
        found=found,
        error=error,
    )


class AnalysisPages(Controller):
    path = "/admin/dialogues/{slug:str}/analysis"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/", opt=READERS)
    async def analysis_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        return await _page(request, db_session, dialogue)

    @post("/distinct", opt=staff(Action.ADMINISTER, Action.REVIEW))
    async def mark_distinct(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """``first`` and ``second``: two proposals that are not duplicates."""
        assert actor is not None  # the guard let only staff in
        form = FormValues(data)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        first, second = form.get("first"), form.get("second")
        try:
            if not (_row_id(first) and _row_id(second)):
                raise DomainError("Choisissez deux propositions.", code="validation")
            if await store.mark_distinct(db_session, dialogue, int(first), int(second), actor):
                await results.forget(db_session, dialogue.id, pair=(int(first), int(second)))
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await _page(request, db_session, dialogue, error=error.detail, status_code=422)
        await db_session.commit()
        return done(f"/admin/dialogues/{dialogue.slug}{TAB}", "saved")

    @post("/merge", opt=staff(Action.ADMINISTER, Action.REVIEW))
    async def merge(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """``kept``: the proposal kept; ``merged``: those merged into it (several)."""
        assert actor is not None  # the guard let only staff in
        form = FormValues(data)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        kept = form.get("kept")
        merged = [int(v) for v in form.getall("merged") if _row_id(v) and v != kept]
        try:
            if not _row_id(kept):
                raise DomainError("Choisissez la proposition gardée.", code="validation")
            result = await merging.merge_proposals(
                db_session, plugins, org, dialogue, int(kept), merged, actor, now=utcnow()
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await _page(
                request, db_session, dialogue, error=_message(error), status_code=422
            )
        gone = frozenset(change.proposal.id for change in result.changes)
        await results.forget(db_session, dialogue.id, proposals=gone)
        delivery = await announce_status_changes(
            request, db_session, plugins, org, dialogue, result.changes
        )
        response = done(f"/admin/dialogues/{dialogue.slug}{TAB}", "saved")
        response.background = delivery
        return response

    @post("/themes", opt=staff(Action.ADMINISTER, Action.REVIEW))
    async def apply_themes(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        """``apply``: ``PROPOSAL_ID:THEME`` for each suggestion staff accept (several).
        A proposal given a theme meanwhile keeps it; each theme given is a review, in
        the audit log."""
        form = FormValues(data)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        chosen: dict[int, str] = {}
        for value in form.getall("apply"):
            pid, _, theme = value.partition(":")
            if _row_id(pid) and theme:
                chosen[int(pid)] = theme
        if not chosen:
            return await _page(
                request,
                db_session,
                dialogue,
                error="Cochez au moins une suggestion à appliquer.",
                status_code=422,
            )
        untouched = await db_session.scalars(
            select(Proposal).where(
                Proposal.dialogue_id == dialogue.id,
                Proposal.id.in_(chosen),
                Proposal.theme.is_(None),
            )
        )
        by_theme: dict[str, list[Proposal]] = {}
        for proposal in untouched:
            by_theme.setdefault(chosen[proposal.id], []).append(proposal)
        try:
            for theme, items in by_theme.items():
                change = review.ReviewChange(theme=theme)
                changes = await review.review(
                    db_session, plugins, org, dialogue, items, change, now=utcnow()
                )
                record_reviews(db_session, org, actor, dialogue, items, ["theme"], changes)
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await _page(
                request, db_session, dialogue, error=_message(error), status_code=422
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{dialogue.slug}{TAB}", "saved")

    @get("/topics.csv", opt=READERS)
    async def topics_export(
        self, db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
    ) -> Response[bytes]:
        """The topics as a CSV file: one line per proposal, with its topic's number and
        key words."""
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        found = await results.stored(db_session, dialogue, settings_of(dialogue).threshold)
        topics, listed = found.topics, found.listed
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")
        writer.writerow(["topic", "key_words", "proposal_id", "title", "status", "theme"])
        for number, topic in enumerate(topics, start=1):
            words = ", ".join(topic.key_words)
            for pid in topic.proposal_ids:
                p = listed[pid]
                writer.writerow(
                    inert_cells([number, words, p.id, p.title, p.status, p.theme or ""])
                )
        return Response(
            ("\ufeff" + out.getvalue()).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-sujets.csv"'},
        )


def _row_id(value: str) -> bool:
    """Whether a posted value may name a proposal."""
    return value.isdigit() and may_be_id(int(value))


def _message(error: DomainError) -> str:
    """A refusal as staff read it: the field's message when it names one."""
    fields = error.extra.get("fields")
    if isinstance(fields, dict) and fields:
        return "; ".join(str(message) for message in fields.values())
    return error.detail


async def _page(
    request: Request[Any, Any, Any],
    db_session: Any,
    dialogue: Any,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    settings = settings_of(dialogue)
    found = await results.stored(db_session, dialogue, settings.threshold)
    labels = {
        option.get("key"): option.get("label")
        for option in dialogue.themes or []
        if isinstance(option, dict)
    }
    return admin_page(
        request,
        "analysis/admin.html",
        section="dialogues",
        status_code=status_code,
        page_title=f"Analyse · {dialogue.title}",
        dialogue=dialogue,
        tabs=dialogue_tabs(dialogue, TAB),
        computed_at=found.computed_at,
        stale=found.stale,
        groups=found.groups,
        topics=found.topics,
        listed=found.listed,
        suggestions=found.suggestions,
        without=found.without,
        theme_labels=labels,
        error=error,
    )


PAGES = [similar_step, AnalysisPages]
