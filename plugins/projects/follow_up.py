"""The follow-up of a dialogue's winning projects: which proposals are projects, and what
staff say of them (stage, progress, amount spent, dated updates with photos).

A dialogue's projects are, in this order:

- its winners, as its results name them (a budget's rule, a ranked vote's order), then
  the proposals staff gave the status « Lauréate » (``winner``), by id;
- then the proposals staff added to the list themselves (a project funded apart), by id;

less those staff took off the list and those hidden by moderation. Citizens see them once
the results are out (:func:`results_out`: published, or visible with the vote over); staff
see and prepare them before.

Every staff change is one transaction with its audit entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.db_range import INT_MAX
from core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from core.models import Dialogue, Organisation, Proposal, User
from core.models.proposals import ProposalStatus
from core.notification_kinds import NotificationKind
from core.plugin_manager import Plugins
from core.results_cache import ResultsCache
from core.services import audit, follows, notifications
from core.services.publication import is_staff_of, results_visible, vote_ended
from core.services.results import cached, compute_results
from plugins.projects.models import Project, ProjectUpdate
from plugins.projects.settings import MAX_IMAGES, MAX_TEXT, Stage, stages_of


@dataclass
class ProjectView:
    """One project as pages, the API and the export show it."""

    proposal: Proposal
    stage: Stage
    progress: int
    spent: int
    #: Named by the results or given the status « Lauréate » (not added by staff).
    winner: bool
    updates: list[ProjectUpdate] = field(default_factory=list)

    @property
    def proposal_id(self) -> int:
        return self.proposal.id

    @property
    def located(self) -> bool:
        return self.proposal.lat is not None and self.proposal.lng is not None


def results_out(dialogue: Dialogue, now: datetime) -> bool:
    """Whether the dialogue's results are out: published, or visible once the vote is
    over (live results of a vote still open do not make winners)."""
    return results_visible(dialogue, now) and (
        dialogue.results_published_at is not None or vote_ended(dialogue, now)
    )


def require_out(dialogue: Dialogue, viewer: User | None, now: datetime) -> None:
    """403 ``results.hidden`` for a citizen until the results are out; staff pass."""
    if not results_out(dialogue, now) and not is_staff_of(viewer, dialogue):
        raise Forbidden(
            "Le suivi des projets commence à la publication des résultats.",
            code="results.hidden",
        )


def _refused(code: str, field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message,
        code=code,
        extra={
            "errors": [{"field": field_name, "message": message}],
            "fields": {field_name: message},
        },
    )


async def winner_ids(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    cache: ResultsCache | None = None,
) -> list[int]:
    """The dialogue's winners: those of its results (from ``cache`` when given), then
    those with the status « Lauréate »."""
    found: list[int] = []
    if dialogue.vote_type:
        try:

            async def compute() -> dict[str, Any]:
                return await compute_results(session, plugins, dialogue)

            body = (
                await cached(session, cache, dialogue, "results", compute, plugins)
                if cache is not None
                else await compute()
            )
            found = [int(pid) for pid in body.get("winners") or []]
        except DomainError:  # a vote type that is no longer installed: no results
            found = []
    by_status = await session.scalars(
        select(Proposal.id)
        .where(Proposal.dialogue_id == dialogue.id, Proposal.status == ProposalStatus.WINNER)
        .order_by(Proposal.id)
    )
    found.extend(pid for pid in by_status if pid not in found)
    return found


async def _rows(session: AsyncSession, dialogue: Dialogue) -> dict[int, Project]:
    rows = await session.scalars(select(Project).where(Project.dialogue_id == dialogue.id))
    return {row.proposal_id: row for row in rows}


async def list_projects(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    *,
    cache: ResultsCache | None = None,
    stage: str | None = None,
    with_updates: bool = True,
) -> list[ProjectView]:
    """The dialogue's projects in order (see the module), only those at ``stage`` when
    given, each with its updates (newest first) when ``with_updates``."""
    winners = await winner_ids(session, plugins, dialogue, cache)
    rows = await _rows(session, dialogue)
    added = sorted(pid for pid, row in rows.items() if row.listed and pid not in winners)
    order = [pid for pid in winners if rows.get(pid) is None or rows[pid].listed] + added
    if not order:
        return []
    proposals = {
        p.id: p
        for p in await session.scalars(
            select(Proposal).where(
                Proposal.id.in_(order),
                Proposal.dialogue_id == dialogue.id,
                Proposal.hidden_at.is_(None),
                Proposal.status != ProposalStatus.DRAFT,
            )
        )
    }
    stages = stages_of(dialogue)
    winner_set = set(winners)
    views = []
    for pid in order:
        proposal = proposals.get(pid)
        if proposal is None:
            continue
        row = rows.get(pid)
        view = ProjectView(
            proposal=proposal,
            stage=_stage(stages, row.stage if row is not None else None),
            progress=row.progress if row is not None else 0,
            spent=row.spent if row is not None else 0,
            winner=pid in winner_set,
        )
        if stage is None or view.stage.key == stage:
            views.append(view)
    if with_updates and views:
        await _attach_updates(session, views, rows)
    return views


def _stage(stages: Sequence[Stage], key: str | None) -> Stage:
    """The stage ``key`` (the first one when ``None``); a key the organiser has since
    taken out of the list is shown as it is."""
    if key is None:
        return stages[0]
    return next((stage for stage in stages if stage.key == key), Stage(key, key))


async def _attach_updates(
    session: AsyncSession, views: list[ProjectView], rows: dict[int, Project]
) -> None:
    project_ids = {rows[v.proposal_id].id: v for v in views if v.proposal_id in rows}
    if not project_ids:
        return
    updates = await session.scalars(
        select(ProjectUpdate)
        .where(ProjectUpdate.project_id.in_(project_ids))
        .order_by(ProjectUpdate.date.desc(), ProjectUpdate.id.desc())
    )
    for update in updates:
        project_ids[update.project_id].updates.append(update)


async def get_project(
    session: AsyncSession,
    plugins: Plugins,
    dialogue: Dialogue,
    proposal_id: int,
    *,
    cache: ResultsCache | None = None,
) -> ProjectView:
    """The project of proposal ``proposal_id``; 404 ``project.unknown`` when the
    proposal is not one of the dialogue's projects."""
    for view in await list_projects(session, plugins, dialogue, cache=cache):
        if view.proposal_id == proposal_id:
            return view
    raise NotFound("Ce projet n'existe pas dans cette démarche.", code="project.unknown")


async def _row(session: AsyncSession, dialogue: Dialogue, proposal_id: int) -> Project:
    """The project row of ``proposal_id``, locked, made if it does not exist yet."""
    return (await _locked_row(session, dialogue, proposal_id))[0]


async def _locked_row(
    session: AsyncSession, dialogue: Dialogue, proposal_id: int
) -> tuple[Project, bool]:
    """The project row of ``proposal_id``, locked, and whether this call made it. Two
    requests that make it at once: the unique proposal refuses the second's, which then
    waits for the first's and locks it."""
    query = (
        select(Project)
        .where(Project.proposal_id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    row = await session.scalar(query)
    if row is not None:
        return row, False
    try:
        async with session.begin_nested():
            row = Project(dialogue_id=dialogue.id, proposal_id=proposal_id, listed=True)
            session.add(row)
        return row, True
    except IntegrityError:
        row = await session.scalar(query)
        assert row is not None
        return row, False


async def add_project(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    *,
    cache: ResultsCache | None = None,
) -> ProjectView:
    """Puts proposal ``proposal_id`` on the list: a winner staff took off, or any
    published proposal of the dialogue. 404 for a proposal the dialogue does not show,
    409 ``project.already_listed`` for one already on the list."""
    proposal = await session.scalar(
        select(Proposal).where(
            Proposal.id == proposal_id,
            Proposal.dialogue_id == dialogue.id,
            Proposal.hidden_at.is_(None),
            Proposal.status != ProposalStatus.DRAFT,
        )
    )
    if proposal is None:
        raise NotFound("Cette proposition n'existe pas dans cette démarche.")
    listed = {v.proposal_id for v in await list_projects(session, plugins, dialogue, cache=cache)}
    already = Conflict("Ce projet est déjà suivi.", code="project.already_listed")
    if proposal_id in listed:
        raise already
    row, made = await _locked_row(session, dialogue, proposal_id)
    if row.listed and not made:  # another request added it meanwhile
        raise already
    row.listed = True
    row.updated_at = utcnow()
    audit.record(session, organisation, actor, "project.add", f"proposal:{proposal_id}")
    await session.flush()
    return await get_project(session, plugins, dialogue, proposal_id, cache=cache)


async def remove_project(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    *,
    cache: ResultsCache | None = None,
) -> None:
    """Takes a project off the list; what staff wrote of it stays, for when it comes
    back."""
    await get_project(session, plugins, dialogue, proposal_id, cache=cache)
    row = await _row(session, dialogue, proposal_id)
    row.listed = False
    row.updated_at = utcnow()
    audit.record(session, organisation, actor, "project.remove", f"proposal:{proposal_id}")
    await session.flush()


def check_stage(dialogue: Dialogue, stage: str) -> str:
    keys = [s.key for s in stages_of(dialogue)]
    if stage not in keys:
        raise _refused(
            "project.unknown_stage",
            "stage",
            f"Étape inconnue : choisissez parmi {', '.join(keys)}.",
        )
    return stage


def check_progress(progress: int) -> int:
    if not 0 <= progress <= 100:
        raise _refused(
            "project.invalid_progress", "progress", "L'avancement est un pourcentage de 0 à 100."
        )
    return progress


def check_spent(spent: int) -> int:
    if not 0 <= spent <= INT_MAX:
        raise _refused(
            "project.invalid_spent",
            "spent",
            "Le montant dépensé est un nombre entier d'euros, positif ou nul.",
        )
    return spent


async def change_project(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    *,
    stage: str | None = None,
    progress: int | None = None,
    spent: int | None = None,
    cache: ResultsCache | None = None,
) -> ProjectView:
    """Changes what is given (``None``: unchanged) of a project; 422 naming the field
    before anything changes."""
    changes: dict[str, Any] = {}
    if stage is not None:
        changes["stage"] = check_stage(dialogue, stage)
    if progress is not None:
        changes["progress"] = check_progress(progress)
    if spent is not None:
        changes["spent"] = check_spent(spent)
    await get_project(session, plugins, dialogue, proposal_id, cache=cache)
    row = await _row(session, dialogue, proposal_id)
    changed = {name: value for name, value in changes.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    if changed:
        row.updated_at = utcnow()
        audit.record(
            session, organisation, actor, "project.change", f"proposal:{proposal_id}", changed
        )
    await session.flush()
    return await get_project(session, plugins, dialogue, proposal_id, cache=cache)


def check_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise _refused(
            "project.invalid_text",
            "text",
            f"Écrivez le texte de l'actualité (au plus {MAX_TEXT} caractères).",
        )
    return cleaned


def check_image_count(count: int) -> None:
    if count > MAX_IMAGES:
        raise _refused(
            "project.too_many_images",
            "images",
            f"Une actualité a au plus {MAX_IMAGES} photos.",
        )


def _update_headline(language: str, title: str, details: Mapping[str, Any]) -> str:
    if language == "en":
        return f"News of the project “{title}”"
    return f"Du nouveau sur le projet « {title} »"


#: The news of a project's update, for the followers of its proposal (its author, its
#: voters, its commenters and whoever follows it).
PROJECT_UPDATE = NotificationKind(
    "project_update",
    "citizens",
    {
        "fr": "Un projet lauréat que je suis avance (actualité du suivi)",
        "en": "A winning project I follow makes progress (follow-up news)",
    },
    headline=_update_headline,
)


async def post_update(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    *,
    text: str,
    day: date | None = None,
    images: Sequence[str] = (),
    cache: ResultsCache | None = None,
) -> ProjectUpdate:
    """Adds a dated update to a project, with photos already stored (``core.uploads``
    names). The admin API and the back office both post through here: followers of the
    project (``project.proposal``) are told of ``update`` at the end, in its
    transaction."""
    cleaned = check_text(text)
    check_image_count(len(images))
    project = await get_project(session, plugins, dialogue, proposal_id, cache=cache)
    row = await _row(session, dialogue, proposal_id)
    update = ProjectUpdate(
        project_id=row.id,
        date=day or utcnow().date(),
        text=cleaned,
        images=list(images),
        author_id=actor.id if actor is not None else None,
    )
    session.add(update)
    row.updated_at = utcnow()
    await session.flush()
    audit.record(
        session,
        organisation,
        actor,
        "project.update_post",
        f"proposal:{project.proposal_id}",
        {"update": update.id, "images": len(images)},
    )
    if notifications.news_on(plugins, dialogue):
        await notifications.notify(
            session,
            plugins.notification_kinds,
            kind=PROJECT_UPDATE.name,
            organisation_id=organisation.id,
            recipients=follows.proposal_followers(project.proposal_id),
            title=project.proposal.title,
            link=f"/dialogues/{dialogue.slug}/projects/{project.proposal_id}",
            dialogue_id=dialogue.id,
            proposal_id=project.proposal_id,
            details={"update": update.id},
            exclude=[actor.id] if actor is not None else [],
        )
    return update


async def find_update(
    session: AsyncSession, dialogue: Dialogue, proposal_id: int, update_id: int
) -> ProjectUpdate:
    """Update ``update_id`` of the project of ``proposal_id``, locked; 404 otherwise."""
    update = await session.scalar(
        select(ProjectUpdate)
        .join(Project, Project.id == ProjectUpdate.project_id)
        .where(
            ProjectUpdate.id == update_id,
            Project.proposal_id == proposal_id,
            Project.dialogue_id == dialogue.id,
        )
        .with_for_update()
    )
    if update is None:
        raise NotFound("Cette actualité n'existe pas.", code="project.unknown_update")
    return update


async def add_images(
    session: AsyncSession,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    update_id: int,
    images: Sequence[str],
) -> ProjectUpdate:
    """Adds photos (stored names) to an update, within :data:`MAX_IMAGES`."""
    update = await find_update(session, dialogue, proposal_id, update_id)
    check_image_count(len(update.images) + len(images))
    update.images = [*update.images, *images]
    audit.record(
        session,
        organisation,
        actor,
        "project.update_images",
        f"proposal:{proposal_id}",
        {"update": update.id, "images": len(images)},
    )
    await session.flush()
    return update


async def delete_update(
    session: AsyncSession,
    organisation: Organisation,
    dialogue: Dialogue,
    actor: User | None,
    proposal_id: int,
    update_id: int,
) -> None:
    update = await find_update(session, dialogue, proposal_id, update_id)
    await session.delete(update)
    audit.record(
        session,
        organisation,
        actor,
        "project.update_delete",
        f"proposal:{proposal_id}",
        {"update": update_id},
    )
    await session.flush()
