"""The review ("instruction") of proposals by the staff: assignment to a group of
reviewers, private notes, cost, feasibility, and a status with a public answer.

Statuses stay the fixed ones of the API (``under_review``, ``accepted``, ``refused``,
...). An organisation may name its own on top of them in ``options["custom_statuses"]``
(``[{"key", "label", "status"}]``): giving a proposal a custom status sets its fixed
``status`` to the one the custom status maps to, and its ``status_label`` to the custom
key, whose label the pages show. Integrators reading the API keep seeing fixed statuses.

The author of a proposal whose status changes is told by email (:func:`notify_authors`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db_range import may_be_id
from core.errors import NotFound, ValidationFailed
from core.mail import Mailer
from core.models import Dialogue, Group, Organisation, OutboxMessage, Proposal, ReviewNote, User
from core.models.proposals import ProposalStatus
from core.plugin_manager import Plugins
from core.services import event_jobs
from core.services import proposals as proposal_service
from core.specs import ProposalReview

#: The reviewers' verdicts on feasibility.
FEASIBILITY = {
    "to_study": "À étudier",
    "feasible": "Réalisable",
    "feasible_with_changes": "Réalisable avec des ajustements",
    "not_feasible": "Non réalisable",
}
#: The statuses as the staff and the exports name them.
STATUS_NAMES = {
    "draft": "Brouillon",
    "published": "Publiée",
    "under_review": "En cours d'analyse",
    "accepted": "Retenue",
    "refused": "Non retenue",
    "winner": "Lauréate",
}
#: Statuses the staff gives (``draft`` is the author's alone).
REVIEW_STATUSES = ("published", "under_review", "accepted", "refused", "winner")
#: What the back office offers for a status the staff gives.
REVIEW_STATUS_CHOICES = {key: STATUS_NAMES[key] for key in REVIEW_STATUSES}
#: A change to these statuses is told to the author.
NOTIFIED_STATUSES = frozenset({"under_review", "accepted", "refused", "winner"})
MAX_NOTE = 10_000

StatusName = Literal["published", "under_review", "accepted", "refused", "winner"]


class CustomStatus(msgspec.Struct, forbid_unknown_fields=True):
    """A status an organisation names itself, shown instead of a fixed one."""

    label: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=80,
            title="Libellé",
            description="Ce que lisent les citoyen·nes et l'équipe (« Étude technique »).",
        ),
    ]
    status: Annotated[
        StatusName,
        msgspec.Meta(
            title="Statut fixe correspondant",
            description="Celui que montrent l'API et les exports.",
            extra={"choices": REVIEW_STATUS_CHOICES},
        ),
    ]
    key: Annotated[
        str,
        msgspec.Meta(
            max_length=64,
            title="Clé (facultative)",
            description="Un nom court et stable ; fait à partir du libellé si laissé vide.",
        ),
    ] = ""


class ReviewSettings(msgspec.Struct, forbid_unknown_fields=True):
    """The organisation's review settings."""

    custom_statuses: Annotated[list[CustomStatus], msgspec.Meta(title="Statuts personnalisés")] = (
        msgspec.field(default_factory=list)
    )


def review_settings(org: Organisation) -> ReviewSettings:
    raw = (org.options or {}).get("custom_statuses") or []
    try:
        return ReviewSettings(custom_statuses=msgspec.convert(raw, type=list[CustomStatus]))
    except msgspec.ValidationError:
        return ReviewSettings()


def custom_statuses(org: Organisation) -> dict[str, CustomStatus]:
    return {status.key: status for status in review_settings(org).custom_statuses if status.key}


#: The custom status the platform gives proposals merged into another
#: (:mod:`core.services.merging`): « Fusionnée », on ``refused``, unless the organisation
#: names its own under the same key.
MERGED_STATUS = "merged"
#: The platform's own custom statuses: key → (fixed status, French label).
BUILT_IN_STATUSES: dict[str, tuple[str, str]] = {MERGED_STATUS: ("refused", "Fusionnée")}


def status_label(org: Organisation, proposal: Proposal) -> str | None:
    """The custom label of ``proposal``'s status, when it has one that still exists: the
    organisation's, else the platform's own (« Fusionnée »)."""
    if proposal.status_label is None:
        return None
    custom = custom_statuses(org).get(proposal.status_label)
    if custom is None:
        status, label = BUILT_IN_STATUSES.get(proposal.status_label, ("", ""))
        return label if status == proposal.status.value else None
    if custom.status != proposal.status.value:
        return None
    return custom.label


@dataclass(frozen=True)
class ReviewChange:
    """What one review (of one proposal, or of a selection at once) changes; ``UNSET``
    leaves a value as it is."""

    #: A fixed status (``accepted``) or the key of a custom one.
    status: str | UnsetType = UNSET
    status_reason: str | UnsetType = UNSET
    cost: int | UnsetType | None = UNSET
    feasibility: str | UnsetType | None = UNSET
    review_group_id: int | UnsetType | None = UNSET
    theme: str | UnsetType | None = UNSET
    sector: str | UnsetType | None = UNSET


@dataclass(frozen=True)
class StatusChange:
    proposal: Proposal
    previous: str
    #: False for a new public answer with the status unchanged: the author and the
    #: followers are told (``proposal_answered``), but the status did not change.
    status_changed: bool = True


def status_change(
    proposal: Proposal,
    previous: str | None,
    *,
    previous_label: str | None,
    previous_answer: str,
    status_given: bool,
) -> StatusChange | None:
    """What a review changed that the author and the followers are told of: a new status
    (``previous``, the one it had), another custom label for the same fixed status, or
    a new public answer with the status unchanged; ``None`` for anything else."""
    if previous is not None:
        return StatusChange(proposal, previous)
    if status_given and previous_label != proposal.status_label:
        return StatusChange(proposal, proposal.status.value)
    if proposal.status_reason.strip() and proposal.status_reason != previous_answer:
        return StatusChange(proposal, proposal.status.value, status_changed=False)
    return None


def _resolve_status(org: Organisation, status: str) -> tuple[str, str | None]:
    """``(fixed status, custom key or None)`` for a status given by the staff."""
    if status in REVIEW_STATUSES:
        return status, None
    custom = custom_statuses(org).get(status)
    if custom is None:
        raise ValidationFailed(
            f"status: statut inconnu {status!r}", extra={"fields": {"status": "Statut inconnu."}}
        )
    return custom.status, custom.key


async def _check_group(session: AsyncSession, org: Organisation, group_id: int | None) -> None:
    if group_id is None:
        return
    found = await session.scalar(
        select(Group.id).where(Group.id == group_id, Group.organisation_id == org.id)
    )
    if found is None:
        raise ValidationFailed(
            "review_group: groupe inconnu",
            extra={"fields": {"review_group": "Groupe inconnu."}},
        )


async def review(
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    dialogue: Dialogue,
    items: Sequence[Proposal],
    change: ReviewChange,
    *,
    now: datetime,
) -> list[StatusChange]:
    """Applies ``change`` to each proposal of ``items`` (all of ``dialogue``); returns the
    status changes, for the ``proposal_status_changed`` event and the authors' emails.
    Everything is checked before anything changes; the caller commits."""
    fixed: str | UnsetType = UNSET
    custom_key: str | None = None
    if change.status is not UNSET:
        fixed, custom_key = _resolve_status(org, change.status)
    if isinstance(change.feasibility, str) and change.feasibility not in FEASIBILITY:
        raise ValidationFailed(
            "feasibility: valeur inconnue",
            extra={"fields": {"feasibility": "Choisissez un avis de faisabilité."}},
        )
    if change.review_group_id is not UNSET:
        await _check_group(session, org, change.review_group_id)
    if isinstance(change.status_reason, str) and len(change.status_reason) > 10_000:
        raise ValidationFailed(
            "status_reason: 10 000 caractères au plus",
            extra={"fields": {"status_reason": "10 000 caractères au plus."}},
        )
    fixed_review = ProposalReview(
        status=fixed,  # type: ignore[arg-type]
        status_reason=change.status_reason,
        cost=change.cost,
        theme=change.theme,
        sector=change.sector,
    )
    changes: list[StatusChange] = []
    for proposal in items:
        if proposal.dialogue_id != dialogue.id:
            raise NotFound("proposition introuvable")
        previous_label = proposal.status_label
        previous_answer = proposal.status_reason
        previous = await proposal_service.review_proposal(
            session, plugins, dialogue, proposal, fixed_review, now=now
        )
        if change.status is not UNSET:
            proposal.status_label = custom_key
        if change.feasibility is not UNSET:
            proposal.feasibility = change.feasibility
        if change.review_group_id is not UNSET:
            proposal.review_group_id = change.review_group_id
        told = status_change(
            proposal,
            previous,
            previous_label=previous_label,
            previous_answer=previous_answer,
            status_given=change.status is not UNSET,
        )
        if told is not None:
            changes.append(told)
    await session.flush()
    return changes


# -- notes ------------------------------------------------------------------------------


async def add_note(
    session: AsyncSession, proposal: Proposal, author: User, body: str, *, now: datetime
) -> ReviewNote:
    text = body.strip()
    if not text:
        raise ValidationFailed(
            "body: la note est vide", extra={"fields": {"note": "Écrivez la note."}}
        )
    if len(text) > MAX_NOTE:
        raise ValidationFailed(
            "body: trop long", extra={"fields": {"note": f"{MAX_NOTE} caractères au plus."}}
        )
    note = ReviewNote(proposal_id=proposal.id, author_id=author.id, body=text, created_at=now)
    session.add(note)
    await session.flush()
    return note


async def notes(
    session: AsyncSession, proposal: Proposal
) -> Sequence[tuple[ReviewNote, User | None]]:
    rows = await session.execute(
        select(ReviewNote, User)
        .outerjoin(User, User.id == ReviewNote.author_id)
        .where(ReviewNote.proposal_id == proposal.id)
        .order_by(ReviewNote.created_at, ReviewNote.id)
    )
    return [(note, user) for note, user in rows.all()]


# -- lists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewFilters:
    status: str | None = None
    feasibility: str | None = None
    group_id: int | None = None
    unassigned: bool = False
    group_ids: Collection[int] = ()
    theme: str | None = None
    sector: str | None = None
    q: str | None = None


def _review_query(dialogue: Dialogue, filters: ReviewFilters) -> Select[Any]:
    query = select(Proposal).where(
        Proposal.dialogue_id == dialogue.id, Proposal.status != ProposalStatus.DRAFT
    )
    if filters.status:
        if filters.status in REVIEW_STATUSES:
            query = query.where(Proposal.status == ProposalStatus(filters.status))
        else:
            query = query.where(Proposal.status_label == filters.status)
    if filters.feasibility == "none":
        query = query.where(Proposal.feasibility.is_(None))
    elif filters.feasibility:
        query = query.where(Proposal.feasibility == filters.feasibility)
    if filters.unassigned:
        query = query.where(Proposal.review_group_id.is_(None))
    elif filters.group_id is not None:
        query = query.where(Proposal.review_group_id == filters.group_id)
    elif filters.group_ids:
        query = query.where(Proposal.review_group_id.in_(list(filters.group_ids)))
    if filters.theme:
        query = query.where(Proposal.theme == filters.theme)
    if filters.sector:
        query = query.where(Proposal.sector == filters.sector)
    if filters.q:
        text = filters.q.strip().lower()
        if text.isdecimal() and may_be_id(int(text)):
            query = query.where(Proposal.id == int(text))
        else:
            pattern = "%" + text.replace("%", r"\%").replace("_", r"\_") + "%"
            query = query.where(
                or_(
                    func.lower(Proposal.title).like(pattern, escape="\\"),
                    func.lower(Proposal.body).like(pattern, escape="\\"),
                )
            )
    return query


async def review_list(
    session: AsyncSession,
    dialogue: Dialogue,
    filters: ReviewFilters,
    *,
    page: int = 1,
    per_page: int = 50,
) -> tuple[Sequence[Proposal], int]:
    """A page of the proposals to review (hidden and held ones included), oldest first."""
    query = _review_query(dialogue, filters)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(
        query.order_by(Proposal.published_at, Proposal.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return rows.all(), total


async def proposals_by_ids(
    session: AsyncSession, dialogue: Dialogue, ids: Collection[int]
) -> Sequence[Proposal]:
    if not ids:
        return []
    return (
        await session.scalars(
            select(Proposal)
            .where(Proposal.dialogue_id == dialogue.id, Proposal.id.in_(list(ids)))
            .order_by(Proposal.id)
        )
    ).all()


async def get_for_review(
    session: AsyncSession, org: Organisation, proposal_id: int
) -> tuple[Proposal, Dialogue]:
    """Any proposal of the organisation (drafts aside), for the staff."""
    row = (
        await session.execute(
            select(Proposal, Dialogue)
            .join(Dialogue, Dialogue.id == Proposal.dialogue_id)
            .where(
                Proposal.id == proposal_id,
                Dialogue.organisation_id == org.id,
                Proposal.status != ProposalStatus.DRAFT,
            )
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound("proposition introuvable")
    proposal, dialogue = row
    return proposal, dialogue


# -- telling the authors ----------------------------------------------------------------


async def notify_authors(
    session: AsyncSession,
    mailer: Mailer,
    org: Organisation,
    dialogue: Dialogue,
    changes: Sequence[StatusChange],
    *,
    site_url: str,
) -> list[OutboxMessage]:
    """Queues the email that tells each author the new status of their proposal and the
    reviewers' public answer (in the author's language), in the caller's transaction."""
    authors = {
        user.id: user
        for user in await session.scalars(
            select(User).where(
                User.id.in_([c.proposal.author_id for c in changes if c.proposal.author_id])
            )
        )
    }
    messages = []
    for change in changes:
        proposal = change.proposal
        author = authors.get(proposal.author_id) if proposal.author_id else None
        if author is None or not author.email or author.deleted_at is not None:
            continue
        if proposal.status.value not in NOTIFIED_STATUSES:
            continue
        messages.append(
            await mailer.queue(
                session,
                "proposal_status",
                recipient=author.email,
                language=author.language,
                organisation=org,
                proposal_title=proposal.title,
                dialogue_title=dialogue.title,
                status=proposal.status.value,
                custom_label=status_label(org, proposal),
                reason=proposal.status_reason,
                link=f"{site_url.rstrip('/')}/proposals/{proposal.id}",
            )
        )
    return messages


async def announce(
    session: AsyncSession,
    plugins: Plugins,
    mailer: Mailer,
    org: Organisation,
    dialogue: Dialogue,
    changes: Sequence[StatusChange],
    *,
    site_url: str,
) -> list[OutboxMessage]:
    """What follows status changes, in the caller's transaction: the authors' emails
    (:func:`notify_authors`, returned) and the ``proposal_status_changed`` event jobs.
    The caller commits, then may fire the event hook."""
    messages = await notify_authors(session, mailer, org, dialogue, changes, site_url=site_url)
    for change in changes:
        if change.status_changed:
            event_jobs.queue(
                session,
                plugins,
                dialogue,
                "proposal_status_changed",
                change.proposal.id,
                previous=change.previous,
            )
        else:
            event_jobs.queue(session, plugins, dialogue, "proposal_answered", change.proposal.id)
    return messages
