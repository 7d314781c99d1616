"""Back office: the two audited actions on a candidate of a frozen vote, from the
proposal's review page (correct a typo in its text, withdraw it from the vote)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.params import FromPath, URLEncodedBody
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.models import Organisation
from core.permissions import Action, staff_check
from core.services import review
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff, staff_guard
from web.admin.pages import discard_changes, done
from web.admin.review import review_page
from web.api.candidates import correct, withdraw
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep


class CandidatePages(Controller):
    path = "/admin/proposals"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @post("/{proposal_id:int}/correct", opt=staff(Action.ADMINISTER))
    async def correct(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        staff_member = staff_check(actor, Action.ADMINISTER)
        form = FormValues(data)
        proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
        try:
            await correct(
                db_session,
                org,
                staff_member,
                dialogue,
                proposal,
                title=form.raw("corrected_title"),
                body=form.raw("corrected_body"),
                reason=form.raw("correction_reason"),
            )
        except DomainError as error:
            return await _refused(request, db_session, org, proposal_id, error, "correction")
        await db_session.commit()
        return done(f"/admin/proposals/{proposal_id}", "candidate_corrected")

    @post("/{proposal_id:int}/withdraw", opt=staff(Action.ADMINISTER))
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        proposal_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        staff_member = staff_check(actor, Action.ADMINISTER)
        form = FormValues(data)
        proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
        try:
            _, _, delivery = await withdraw(
                request,
                db_session,
                plugins,
                org,
                staff_member,
                dialogue,
                proposal,
                form.raw("withdrawal_reason"),
            )
        except DomainError as error:
            return await _refused(request, db_session, org, proposal_id, error, "withdrawal")
        response = done(f"/admin/proposals/{proposal_id}", "candidate_withdrawn")
        response.background = delivery
        return response


async def _refused(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    proposal_id: int,
    error: DomainError,
    form: str,
) -> Response[str]:
    """The review page again, as stored, with the refusal under ``form``'s fields."""
    await discard_changes(request, db_session)
    proposal, dialogue = await review.get_for_review(db_session, org, proposal_id)
    return await review_page(
        request, db_session, org, proposal, dialogue, errors=_fields(error, form)
    )


def _fields(error: DomainError, form: str) -> dict[str, str]:
    """The page's errors, the reason's under the form's own field."""
    errors = refusal_fields(error)
    if "reason" in errors:
        errors[f"{form}_reason"] = errors.pop("reason")
    for name in ("title", "body"):
        if name in errors:
            errors[f"corrected_{name}"] = errors.pop(name)
    return errors
