"""Back office: the outbox, the emails the platform sent (or keeps, without SMTP).

The bodies of sensitive messages (sign-in links) are never shown here: reading another
person's link would let an administrator sign in as them. Operators with access to the
server read them with ``participe outbox`` when they must.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from sqlalchemy import func, select

from core.errors import NotFound
from core.models import OutboxMessage
from web.admin.guard import staff_guard
from web.admin.page_texts import translated
from web.admin.pages import admin_page
from web.dependencies import CurrentOrg, DbSession, app_context

PER_PAGE = 50


class OutboxPages(Controller):
    path = "/admin/outbox"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def outbox(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Response[str]:
        query = select(OutboxMessage).where(OutboxMessage.organisation_id == org.id)
        total = await db_session.scalar(select(func.count()).select_from(query.subquery())) or 0
        messages = (
            await db_session.scalars(
                query.order_by(OutboxMessage.id.desc())
                .offset((page - 1) * PER_PAGE)
                .limit(PER_PAGE)
            )
        ).all()
        return admin_page(
            request,
            "admin/outbox.html",
            section="outbox",
            page_title=translated(request, "Courriels envoyés"),
            messages=messages,
            total=total,
            page=page,
            pages=max(1, -(-total // PER_PAGE)),
            smtp=app_context(request).mailer.smtp is not None,
        )

    @get("/{message_id:int}")
    async def message(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        message_id: FromPath[int],
    ) -> Response[str]:
        message = await db_session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.id == message_id, OutboxMessage.organisation_id == org.id
            )
        )
        if message is None:
            raise NotFound("courriel introuvable")
        return admin_page(
            request,
            "admin/outbox_message.html",
            section="outbox",
            page_title=message.subject,
            message=message,
        )
