"""Proposals: submission, edition by their author, publication, review, listing."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec
from sqlalchemy import ColumnElement, Select, String, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from core.db import utcnow
from core.defaults.features import DRAFTS
from core.defaults.map import MAP
from core.errors import Forbidden, NotFound, ValidationFailed
from core.fields import FieldDefinition, clean_field_values
from core.models import Comment, Dialogue, Organisation, Proposal, User
from core.models.proposals import ProposalStatus
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services import candidates, drafts, event_jobs
from core.services.moderation import hold_if_premoderated
from core.services.territory import check_location
from core.services.vote_locks import WITH_PHASES
from core.specs import ProposalReview, ProposalSpec

EDITABLE_BY_AUTHOR = frozenset({ProposalStatus.DRAFT, ProposalStatus.PUBLISHED})
SortName = Literal["recent", "oldest", "title", "cost"]
SORTS: dict[str, Any] = {
    "recent": (Proposal.published_at.desc(), Proposal.id.desc()),
    "oldest": (Proposal.published_at.asc(), Proposal.id.asc()),
    "title": (Proposal.title.asc(), Proposal.id.asc()),
    "cost": (Proposal.cost.asc(), Proposal.id.asc()),
}


@dataclass(frozen=True)
class ProposalFilters:
    status: str | None = None
    theme: str | None = None
    sector: str | None = None
    q: str | None = None
    sort: str = "recent"


def form_of(dialogue: Dialogue) -> list[FieldDefinition]:
    return [msgspec.convert(raw, type=FieldDefinition) for raw in dialogue.form]


def can_see_confidential(proposal: Proposal, viewer: User | None) -> bool:
    return viewer is not None and (viewer.is_staff or viewer.id == proposal.author_id)


def visible_fields(dialogue: Dialogue, proposal: Proposal, viewer: User | None) -> dict[str, Any]:
    """The proposal's field values ``viewer`` may see: confidential ones only for the
    author and staff."""
    if can_see_confidential(proposal, viewer):
        return dict(proposal.fields)
    hidden = {definition.key for definition in form_of(dialogue) if definition.confidential}
    return {key: value for key, value in proposal.fields.items() if key not in hidden}


def _check_keys(dialogue: Dialogue, theme: str | None, sector: str | None) -> None:
    if theme is not None and dialogue.themes:
        if theme not in {option["key"] for option in dialogue.themes}:
            raise ValidationFailed(f"theme: unknown theme {theme!r}")
    elif theme is not None:
        raise ValidationFailed("theme: this dialogue has no themes")
    if sector is not None and dialogue.sectors:
        if sector not in {option["key"] for option in dialogue.sectors}:
            raise ValidationFailed(f"sector: unknown sector {sector!r}")
    elif sector is not None:
        raise ValidationFailed("sector: this dialogue has no sectors")


def _apply_spec(
    plugins: Plugins, dialogue: Dialogue, proposal: Proposal, spec: ProposalSpec, *, final: bool
) -> None:
    """Validates ``spec`` and writes it on ``proposal``; ``final`` requires what a published
    proposal needs (a title, required fields)."""
    if spec.title is not msgspec.UNSET:
        proposal.title = spec.title.strip()
    if spec.body is not msgspec.UNSET:
        if len(spec.body) > 20_000:
            raise ValidationFailed("body: 20,000 characters at most")
        proposal.body = spec.body.strip()
    theme = proposal.theme if spec.theme is msgspec.UNSET else spec.theme
    sector = proposal.sector if spec.sector is msgspec.UNSET else spec.sector
    _check_keys(dialogue, theme, sector)
    proposal.theme, proposal.sector = theme, sector
    if spec.location is not msgspec.UNSET:
        if spec.location is None:
            proposal.lat = proposal.lng = None
        else:
            if not MAP.enabled_on(dialogue):
                raise ValidationFailed("location: this dialogue's map is turned off")
            if not (-90 <= spec.location.lat <= 90 and -180 <= spec.location.lng <= 180):
                raise ValidationFailed("location: latitude -90..90 and longitude -180..180")
            proposal.lat, proposal.lng = spec.location.lat, spec.location.lng
    if spec.cost is not msgspec.UNSET:
        if spec.cost is not None and spec.cost < 0:
            raise ValidationFailed("cost: a positive amount is expected")
        proposal.cost = spec.cost
    raw_fields = proposal.fields if spec.fields is msgspec.UNSET else spec.fields
    proposal.fields = clean_field_values(
        form_of(dialogue), raw_fields, plugins.field_types, require=final
    )
    if not 3 <= len(proposal.title) <= 200:
        raise ValidationFailed("title: 3 to 200 characters")


async def _check_territory(session: AsyncSession, dialogue: Dialogue, spec: ProposalSpec) -> None:
    """A place outside the organisation's territory is refused (see
    :mod:`core.services.territory`)."""
    if spec.location is msgspec.UNSET or spec.location is None:
        return
    organisation = await session.get(Organisation, dialogue.organisation_id)
    if organisation is not None:
        check_location(organisation, spec.location.lat, spec.location.lng)


async def create_proposal(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    author: User | None,
    spec: ProposalSpec,
    *,
    now: datetime,
    group_ids: set[int],
) -> Proposal:
    author = check(plugins, author, Action.PROPOSE, dialogue, now=now, group_ids=group_ids)
    if spec.title is msgspec.UNSET:
        raise ValidationFailed("title: required")
    draft = spec.draft is True
    if draft and not DRAFTS.enabled_on(dialogue):
        raise ValidationFailed("draft: this dialogue takes no drafts: publish the proposal")
    proposal = Proposal(dialogue_id=dialogue.id, author_id=author.id, title="", body="", fields={})
    _apply_spec(plugins, dialogue, proposal, spec, final=not draft)
    await _check_territory(session, dialogue, spec)
    if draft:
        proposal.status = ProposalStatus.DRAFT
    else:
        proposal.status = ProposalStatus.PUBLISHED
        proposal.published_at = now
        hold_if_premoderated(dialogue, proposal, now)
    session.add(proposal)
    await session.flush()
    if not draft:
        event_jobs.queue(session, plugins, dialogue, "proposal_submitted", proposal.id)
    return proposal


def _check_author(proposal: Proposal, actor: User | None) -> User:
    if actor is None or actor.id != proposal.author_id:
        raise Forbidden("Seul·e l'auteur·rice peut modifier cette proposition.")
    return actor


async def update_proposal(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal: Proposal,
    actor: User | None,
    spec: ProposalSpec,
) -> Proposal:
    _check_author(proposal, actor)
    if proposal.status not in EDITABLE_BY_AUTHOR:
        raise Forbidden(
            "Cette proposition est en cours d'instruction et ne peut plus être modifiée.",
            code="proposal.locked",
        )
    if spec.draft is not msgspec.UNSET and spec.draft != (proposal.status == ProposalStatus.DRAFT):
        raise ValidationFailed("draft: use the publish action to publish a draft")
    await candidates.check_author_edit(session, plugins, dialogue, proposal, utcnow())
    _apply_spec(plugins, dialogue, proposal, spec, final=proposal.status != ProposalStatus.DRAFT)
    await _check_territory(session, dialogue, spec)
    await session.flush()
    return proposal


async def publish_proposal(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal: Proposal,
    actor: User | None,
    *,
    now: datetime,
    group_ids: set[int],
) -> Proposal:
    _check_author(proposal, actor)
    check(plugins, actor, Action.PROPOSE, dialogue, now=now, group_ids=group_ids)
    if proposal.status != ProposalStatus.DRAFT:
        raise ValidationFailed("this proposal is already published", code="proposal.not_draft")
    _apply_spec(plugins, dialogue, proposal, ProposalSpec(), final=True)
    proposal.status = ProposalStatus.PUBLISHED
    proposal.published_at = now
    hold_if_premoderated(dialogue, proposal, now)
    await session.flush()
    event_jobs.queue(session, plugins, dialogue, "proposal_submitted", proposal.id)
    return proposal


async def review_proposal(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal: Proposal,
    review: ProposalReview,
    *,
    now: datetime,
) -> str | None:
    """Applies a staff review; returns the previous status when the status changed.
    409 ``vote.config_frozen`` for a change of the count of a frozen vote
    (:func:`core.services.candidates.check_staff_change`)."""
    await candidates.check_staff_change(
        session,
        plugins,
        dialogue,
        proposal,
        now,
        status=None if review.status is msgspec.UNSET else ProposalStatus(review.status),
        facts={
            name: value
            for name, value in (
                ("cost", review.cost),
                ("theme", review.theme),
                ("sector", review.sector),
            )
            if value is not msgspec.UNSET
        },
    )
    previous = None
    if review.status is not msgspec.UNSET and review.status != proposal.status:
        previous = proposal.status.value
        proposal.status = ProposalStatus(review.status)
        if proposal.published_at is None and proposal.status != ProposalStatus.DRAFT:
            proposal.published_at = now
    if review.status_reason is not msgspec.UNSET:
        proposal.status_reason = review.status_reason
    if review.cost is not msgspec.UNSET:
        if review.cost is not None and review.cost < 0:
            raise ValidationFailed("cost: a positive amount is expected")
        proposal.cost = review.cost
    theme = proposal.theme if review.theme is msgspec.UNSET else review.theme
    sector = proposal.sector if review.sector is msgspec.UNSET else review.sector
    _check_keys(dialogue, theme, sector)
    proposal.theme, proposal.sector = theme, sector
    await session.flush()
    return previous


async def get_proposal(
    session: AsyncSession, organisation_id: int, proposal_id: int, viewer: User | None
) -> tuple[Proposal, Dialogue]:
    """A proposal ``viewer`` may see, with its dialogue; drafts and hidden proposals are
    unknown to everyone but their author and staff."""
    row = (
        (
            await session.execute(
                select(Proposal, Dialogue)
                .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
                .where(Proposal.id == proposal_id, Dialogue.organisation_id == organisation_id)
                .options(joinedload(Proposal.author), WITH_PHASES)
            )
        )
        .unique()
        .first()
    )
    if row is None:
        raise NotFound("proposition introuvable")
    proposal, dialogue = row
    drafts.check_visible(session, dialogue)
    private = proposal.status == ProposalStatus.DRAFT or proposal.hidden_at is not None
    if private and not can_see_confidential(proposal, viewer):
        raise NotFound("proposition introuvable")
    return proposal, dialogue


@dataclass
class ProposalPage:
    """A page of proposals (their authors loaded), the total matching the filters, and
    when asked for, the number of visible comments of each proposal of the page."""

    items: list[Proposal]
    total: int
    comments: dict[int, int]


def filter_values(dialogue_id: int, filters: ProposalFilters) -> dict[str, Any]:
    """The bound values of ``filters`` (validated) on the proposals of a dialogue, by bind
    parameter name: what the clauses of :func:`filter_clauses` are given."""
    values: dict[str, Any] = {"dialogue_id": dialogue_id, "draft": ProposalStatus.DRAFT}
    if filters.status:
        try:
            values["status"] = ProposalStatus(filters.status)
        except ValueError:
            raise ValidationFailed(f"status: unknown status {filters.status!r}") from None
    if filters.theme:
        values["theme"] = filters.theme
    if filters.sector:
        values["sector"] = filters.sector
    if filters.q:
        escaped = filters.q.strip().lower().replace("%", r"\%").replace("_", r"\_")
        values["pattern"] = f"%{escaped}%"
    return values


#: The conditions of a proposal shown on a map.
LOCATED = (Proposal.lat.is_not(None), Proposal.lng.is_not(None))


@dataclass(frozen=True)
class ProposalFacets:
    """What a dialogue's public proposals give to sort and show them by: a cost (the
    sort by cost means something) and a location (the map shows something)."""

    has_costs: bool
    has_locations: bool


async def proposal_facets(session: AsyncSession, dialogue: Dialogue) -> ProposalFacets:
    """Whether some public proposal of ``dialogue`` has a cost, some a location; one
    query, however many proposals."""
    row = (
        await session.execute(
            select(
                func.count(Proposal.cost),
                func.count(Proposal.lat).filter(Proposal.lng.is_not(None)),
            ).where(*filter_clauses(frozenset())),
            filter_values(dialogue.id, ProposalFilters()),
        )
    ).one()
    return ProposalFacets(has_costs=row[0] > 0, has_locations=row[1] > 0)


def filter_clauses(filtered: frozenset[str]) -> list[ColumnElement[bool]]:
    """The conditions of a list of the public proposals of a dialogue, with bind parameters
    for the values that :func:`filter_values` gives (``filtered``: the names it gave)."""
    clauses: list[ColumnElement[bool]] = [
        Proposal.dialogue_id == bindparam("dialogue_id"),
        Proposal.status != bindparam("draft"),
        Proposal.hidden_at.is_(None),
    ]
    if "status" in filtered:
        clauses.append(Proposal.status == bindparam("status"))
    if "theme" in filtered:
        clauses.append(Proposal.theme == bindparam("theme"))
    if "sector" in filtered:
        clauses.append(Proposal.sector == bindparam("sector"))
    if "pattern" in filtered:
        pattern: Any = bindparam("pattern", type_=String())
        # ILIKE, which the trigram index ``ix_proposals_search`` answers on PostgreSQL
        # (SQLAlchemy writes ``lower(...) LIKE lower(...)`` on SQLite).
        clauses.append(
            or_(
                Proposal.title.ilike(pattern, escape="\\"),
                Proposal.body.ilike(pattern, escape="\\"),
            )
        )
    return clauses


@functools.lru_cache(maxsize=128)
def _page_statements(
    sort: str, filtered: frozenset[str], comment_counts: bool
) -> tuple[Select[Any], Select[Any]]:
    """The statements of :func:`proposal_page` for one sort and one set of filters, with
    bind parameters for the values: built once, so that a request neither builds the
    subquery nor works out its cache key again (a third of the CPU of a list request).
    Pure SQL expressions, the same for every app."""
    query = select(Proposal).where(*filter_clauses(filtered))
    search = "pattern" in filtered
    count = select(func.count()).select_from(query.subquery())
    total = func.count().over() if search else count.scalar_subquery()
    # The page's ids first, from an index that holds every filtered column (an index-only
    # scan, however deep the page), then their rows.
    chosen = (
        query.with_only_columns(Proposal.id, total.label("total"))
        .order_by(*SORTS[sort])
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
        .subquery("page")
    )
    statement = (
        select(Proposal, chosen.c.total)
        .join(chosen, chosen.c.id == Proposal.id)
        .outerjoin(Proposal.author)
        .options(contains_eager(Proposal.author))
        .order_by(*SORTS[sort])
    )
    if comment_counts:
        statement = statement.add_columns(
            select(func.count())
            .where(Comment.proposal_id == Proposal.id, Comment.hidden_at.is_(None))
            .scalar_subquery()
        )
    return statement, count


async def proposal_page(
    session: AsyncSession,
    dialogue: Dialogue,
    filters: ProposalFilters,
    *,
    page: int,
    per_page: int,
    comment_counts: bool = False,
) -> ProposalPage:
    """A page of the public proposals of ``dialogue`` that match ``filters``, in one
    statement whatever the page size.

    The page's ids are chosen in a subquery, ordered and limited, that an index answers
    alone (``ix_proposals_dialogue_recent``, ``_title``, ``_cost``) without reading the
    other proposals; only the page's rows are then read and joined to their authors (and,
    with ``comment_counts``, counted comments). The total is a scalar subquery that
    the database computes once (an index-only scan of ``ix_proposals_dialogue_filters``)
    or, for a text search, a window count over the one scan that the search needs. Only
    a page past the end asks for the total on its own.
    """
    if filters.sort not in SORTS:
        raise ValidationFailed(f"sort: one of {', '.join(SORTS)}")
    values = filter_values(dialogue.id, filters)
    statement, count = _page_statements(filters.sort, frozenset(values), comment_counts)
    rows = (
        await session.execute(
            statement, {**values, "offset": (page - 1) * per_page, "limit": per_page}
        )
    ).all()
    if not rows:
        total = 0 if page == 1 else await session.scalar(count, values) or 0
        return ProposalPage([], total, {})
    return ProposalPage(
        [row[0] for row in rows],
        int(rows[0][1]),
        {row[0].id: int(row[2]) for row in rows} if comment_counts else {},
    )


async def list_proposals(
    session: AsyncSession,
    dialogue: Dialogue,
    filters: ProposalFilters,
    *,
    page: int,
    per_page: int,
) -> tuple[Sequence[Proposal], int]:
    """A page of the public proposals of ``dialogue`` (authors loaded) and the total
    matching ``filters`` (:func:`proposal_page`)."""
    found = await proposal_page(session, dialogue, filters, page=page, per_page=per_page)
    return found.items, found.total


async def located_proposals(
    session: AsyncSession, dialogue: Dialogue, filters: ProposalFilters, *, limit: int = 10_000
) -> Sequence[Proposal]:
    """The located public proposals of ``dialogue`` matching ``filters``, authors loaded
    (the map view's list)."""
    values = filter_values(dialogue.id, filters)
    query = (
        select(Proposal)
        .where(*filter_clauses(frozenset(values)), *LOCATED)
        .order_by(*SORTS.get(filters.sort, SORTS["recent"]))
        .options(joinedload(Proposal.author))
        .limit(limit)
    )
    return (await session.scalars(query, values)).all()


async def drafts_of(
    session: AsyncSession, organisation_id: int, author: User
) -> Sequence[tuple[Proposal, Dialogue]]:
    """The drafts ``author`` keeps in the organisation's dialogues that are still shown
    (not archived), the latest changed first, each with its dialogue."""
    rows = await session.execute(
        select(Proposal, Dialogue)
        .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
        .where(
            Proposal.author_id == author.id,
            Proposal.status == ProposalStatus.DRAFT,
            Dialogue.organisation_id == organisation_id,
            Dialogue.archived_at.is_(None),
        )
        .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
    )
    return [(proposal, dialogue) for proposal, dialogue in rows]
