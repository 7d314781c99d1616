"""Back office: moderation of proposals and comments (what pre-moderation holds back,
what citizens reported, what is hidden)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from core.db import utcnow
from core.errors import DomainError
from core.permissions import Action
from core.services import audit, moderation
from web.admin.forms import FormErrors, FormValues, refusal_fields
from web.admin.guard import staff, staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page, discard_changes, done
from web.admin.review import moderation_details
from web.dependencies import Actor, CurrentOrg, DbSession
from web.labels import N_


class ModerationPages(Controller):
    path = "/admin/moderation"
    guards = [staff_guard]  # noqa: RUF012
    opt = staff(Action.MODERATE)
    include_in_schema = False

    @get("/")
    async def queue(
        self, request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
    ) -> Response[str]:
        return await self._page(request, db_session, org, {})

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db_session: Any,
        org: Any,
        errors: dict[str, str],
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/moderation.html",
            section="moderation",
            status_code=422 if errors else 200,
            page_title=translated(request, "Modération"),
            queue=await moderation.queue(db_session, org),
            errors=translated_map(request, errors),
        )

    @post("/comments/{comment_id:int}")
    async def moderate_comment(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        comment_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        comment = await moderation.get_comment(db_session, org, comment_id)
        now = utcnow()
        action = form.get("action")
        try:
            if action == "approve":
                moderation.approve(comment)
            elif action == "restore":
                moderation.restore(comment)
            elif action == "hide":
                moderation.hide(comment, form.raw("reason"), now)
            elif action != "keep":
                raise FormErrors({"__all__": N_("Action inconnue.")})
            await moderation.resolve_reports(db_session, comment, now)
            audit.record(
                db_session,
                org,
                actor,
                "comment.moderate",
                f"comment:{comment_id}",
                moderation_details(action, comment.hidden_reason),
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            fields = refusal_fields(error)
            if "reason" in fields:
                reason = translated(request, fields["reason"])
                fields = {
                    "__all__": translated(
                        request,
                        N_("Commentaire n° %(id)s : %(reason)s"),
                        id=comment_id,
                        reason=reason,
                    )
                }
            return await self._page(request, db_session, org, fields)
        await db_session.commit()
        return done("/admin/moderation", "moderated")
