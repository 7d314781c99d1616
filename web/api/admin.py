"""API: the back office (staff only)."""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, patch, post
from litestar.params import FromPath, JSONBody

from core.db import utcnow
from core.permissions import Action, staff_check
from core.services import audit, dialogues, drafts, phases, proposals, review
from core.specs import DialogueSpec, ProposalReview, Strict
from web.admin.dialogues import record_phase_switch
from web.admin.guard import staff, staff_guard
from web.admin.review import announce_status_changes, record_reviews
from web.api.schemas import DialogueOut, ProposalOut, dialogue_out, proposals_out
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep


class PhaseSwitch(Strict):
    kind: str


class AdminController(Controller):
    path = "/api/v1/admin"
    guards = [staff_guard]  # noqa: RUF012
    tags: ClassVar[list[str]] = ["back office"]

    @post("/dialogues", status_code=201)
    async def create_dialogue(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        data: JSONBody[DialogueSpec],
    ) -> DialogueOut:
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.create_dialogue(db_session, plugins, org, data)
        audit.record(
            db_session,
            org,
            staff_member,
            "dialogue.create",
            f"dialogue:{dialogue.slug}",
            {"fields": audit.fields_set(data)},
        )
        await db_session.commit()
        return dialogue_out(dialogue, utcnow())

    @patch("/dialogues/{slug:str}")
    async def update_dialogue(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[DialogueSpec],
    ) -> DialogueOut:
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        await dialogues.update_dialogue(db_session, plugins, org, dialogue, data)
        audit.record(
            db_session,
            org,
            staff_member,
            "dialogue.update",
            f"dialogue:{dialogue.slug}",
            {"fields": audit.fields_set(data)},
        )
        await db_session.commit()
        await db_session.refresh(dialogue, ["phases"])
        return dialogue_out(dialogue, utcnow())

    @post("/dialogues/{slug:str}/publish", status_code=200)
    async def publish_dialogue(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> DialogueOut:
        """Makes a draft public (a public dialogue stays as it is)."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        now = utcnow()
        if drafts.publish(dialogue, now):
            audit.record(db_session, org, staff_member, "dialogue.publish", f"dialogue:{slug}")
            await db_session.commit()
        return dialogue_out(dialogue, now)

    @post("/dialogues/{slug:str}/unpublish", status_code=200)
    async def unpublish_dialogue(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
    ) -> DialogueOut:
        """Takes a dialogue back to a draft; 409 ``dialogue.has_participation`` once
        someone has taken part (``core.services.drafts.has_participation``)."""
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        if await drafts.unpublish(db_session, plugins, dialogue):
            audit.record(db_session, org, staff_member, "dialogue.unpublish", f"dialogue:{slug}")
            await db_session.commit()
        return dialogue_out(dialogue, utcnow())

    @post("/dialogues/{slug:str}/phase", status_code=200)
    async def switch_phase(
        self,
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[PhaseSwitch],
    ) -> DialogueOut:
        staff_member = staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        now = utcnow()
        closed, opened = await phases.switch_phase(db_session, plugins, dialogue, data.kind, now)
        record_phase_switch(db_session, org, staff_member, dialogue, closed, opened)
        await db_session.commit()
        if closed is not None:
            plugins.phase_closed(closed, dialogue)
        plugins.phase_opened(opened, dialogue)
        return dialogue_out(dialogue, now)

    @patch("/proposals/{proposal_id:int}", opt=staff(Action.REVIEW))
    async def review_proposal(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: JSONBody[ProposalReview],
    ) -> Response[ProposalOut]:
        staff_member = staff_check(actor, Action.REVIEW)
        proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
        previous_label, previous_answer = proposal.status_label, proposal.status_reason
        previous = await proposals.review_proposal(
            db_session, plugins, dialogue, proposal, data, now=utcnow()
        )
        if data.status is not msgspec.UNSET:
            proposal.status_label = None  # a fixed status replaces a custom one
        told = review.status_change(
            proposal,
            previous,
            previous_label=previous_label,
            previous_answer=previous_answer,
            status_given=data.status is not msgspec.UNSET,
        )
        changes = [] if told is None else [told]
        record_reviews(
            db_session, org, staff_member, dialogue, [proposal], audit.fields_set(data), changes
        )
        # Commits, fires proposal_status_changed, and tells the author by email.
        delivery = await announce_status_changes(
            request, db_session, plugins, org, dialogue, changes
        )
        out = (await proposals_out(db_session, dialogue, [proposal], actor))[0]
        return Response(out, background=delivery)
