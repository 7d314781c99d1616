"""Notifications, a built-in module on by default: the news of a dialogue for whoever
follows it or its proposals, and for the staff who chose to be told.

Written against the public API as a client's feature would be: the news kinds
(``register_notification_kinds``), the module (``register_modules``) and the event
handlers (``register_event_handlers``) that turn what happened into news
(:mod:`core.services.notifications`). Turned off on a dialogue, nothing of it produces
news; what was already told stays on the citizens' pages.
"""

from __future__ import annotations

from core.events import Event, EventContext, EventHandler
from core.hookspecs import hookimpl
from core.models import Comment, Phase, Proposal, User
from core.models.dialogues import PhaseKind
from core.modules import Module
from core.notification_kinds import CORE_KINDS, NotificationKind
from core.registries import Registry
from core.services import notifications
from core.services.review import NOTIFIED_STATUSES, status_label

NOTIFICATIONS = Module(
    name="notifications",
    title="Notifications",
    description="Les abonné·es de la démarche et de ses propositions sont prévenu·es de ses "
    "étapes, des réponses et des résultats, par courriel et sur leur page de notifications.",
    granted_by_default=True,
    enabled_by_default=True,
)

#: The phases whose opening is news (information and review are the staff's business).
NEWS_PHASES = {PhaseKind.PROPOSALS, PhaseKind.VOTE, PhaseKind.RESULTS}


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(NOTIFICATIONS)


@hookimpl
def register_notification_kinds(registry: Registry[NotificationKind]) -> None:
    for kind in CORE_KINDS:
        registry.add(kind)


async def phase_opened(event: Event, context: EventContext) -> None:
    phase = await context.session.get(Phase, event.subject_id)
    dialogue = context.dialogue
    if phase is None or phase.kind not in NEWS_PHASES:
        return
    if phase.kind is PhaseKind.RESULTS and dialogue.results_published_at is not None:
        return  # told by ``results_published``
    await notifications.notify_dialogue_followers(
        context.session,
        context.plugins.notification_kinds,
        kind="phase_opened",
        organisation_id=dialogue.organisation_id,
        dialogue_id=dialogue.id,
        slug=dialogue.slug,
        title=dialogue.title,
        path="/vote" if phase.kind is PhaseKind.VOTE else "",
        details={"phase": phase.kind.value},
    )


async def results_published(event: Event, context: EventContext) -> None:
    dialogue = context.dialogue
    if dialogue.results_published_at is None:
        return  # unpublished meanwhile
    await notifications.notify_dialogue_followers(
        context.session,
        context.plugins.notification_kinds,
        kind="results_published",
        organisation_id=dialogue.organisation_id,
        dialogue_id=dialogue.id,
        slug=dialogue.slug,
        title=dialogue.title,
        path="/results",
    )


async def proposal_status_changed(event: Event, context: EventContext) -> None:
    proposal = await context.session.get(Proposal, event.subject_id)
    if proposal is None:
        return
    author = await context.session.get(User, proposal.author_id) if proposal.author_id else None
    # The author was told by the email of ``core.services.review.notify_authors``.
    mailed = (
        [author.id]
        if author is not None and author.email and proposal.status.value in NOTIFIED_STATUSES
        else []
    )
    label = status_label(context.organisation, proposal)
    await notifications.notify_proposal_followers(
        context.session,
        context.plugins.notification_kinds,
        kind="proposal_status",
        organisation_id=context.organisation.id,
        dialogue_id=proposal.dialogue_id,
        proposal_id=proposal.id,
        title=proposal.title,
        details={"status": proposal.status.value, **({"label": label} if label else {})},
        already_mailed=mailed,
    )


async def comment_posted(event: Event, context: EventContext) -> None:
    comment = await context.session.get(Comment, event.subject_id)
    if comment is None or comment.parent_id is None or comment.hidden_at is not None:
        return
    parent = await context.session.get(Comment, comment.parent_id)
    if parent is None or parent.author_id is None or parent.author_id == comment.author_id:
        return
    proposal = await context.session.get(Proposal, comment.proposal_id)
    author = await context.session.get(User, comment.author_id) if comment.author_id else None
    assert proposal is not None
    await notifications.notify(
        context.session,
        context.plugins.notification_kinds,
        kind="comment_reply",
        organisation_id=context.organisation.id,
        recipients=notifications.only(parent.author_id),
        title=proposal.title,
        link=f"/proposals/{proposal.id}#comment-{comment.id}",
        dialogue_id=proposal.dialogue_id,
        proposal_id=proposal.id,
        details={"author": author.public_name if author is not None else ""},
    )


async def proposal_submitted(event: Event, context: EventContext) -> None:
    proposal = await context.session.get(Proposal, event.subject_id)
    if proposal is None:
        return
    await notifications.notify(
        context.session,
        context.plugins.notification_kinds,
        kind="review_waiting",
        organisation_id=context.organisation.id,
        recipients=notifications.staff_of(context.organisation.id),
        title=proposal.title,
        link=f"/admin/proposals/{proposal.id}",
        dialogue_id=proposal.dialogue_id,
        proposal_id=proposal.id,
        exclude=[proposal.author_id] if proposal.author_id else [],
    )


async def comment_reported(event: Event, context: EventContext) -> None:
    comment = await context.session.get(Comment, event.subject_id)
    if comment is None:
        return
    proposal = await context.session.get(Proposal, comment.proposal_id)
    assert proposal is not None
    await notifications.notify(
        context.session,
        context.plugins.notification_kinds,
        kind="content_reported",
        organisation_id=context.organisation.id,
        recipients=notifications.staff_of(context.organisation.id),
        title=proposal.title,
        link="/admin/moderation",
        dialogue_id=proposal.dialogue_id,
        proposal_id=proposal.id,
        details={"comment_id": comment.id},
    )


@hookimpl
def register_event_handlers(registry: Registry[EventHandler]) -> None:
    for event, handle in (
        ("phase_opened", phase_opened),
        ("results_published", results_published),
        ("proposal_status_changed", proposal_status_changed),
        ("proposal_answered", proposal_status_changed),
        ("comment_posted", comment_posted),
        ("proposal_submitted", proposal_submitted),
        ("comment_reported", comment_reported),
    ):
        registry.add(EventHandler(f"notifications.{event}", event, handle))
