"""API (staff only): Pabulib files in and out.

- ``POST /api/v1/admin/pabulib/import?slug=SLUG[&title=...][&rule=...]`` with the ``.pb``
  file as the request body: 201 and the new dialogue; 422 ``validation`` for a malformed
  file (the line is named), 409 ``dialogue.slug_taken``.
- ``GET /api/v1/admin/dialogues/{slug}/pabulib``: the dialogue's counted ballots as a
  ``.pb`` file.

Both answer 404 where the ``budget`` module is not there: for an organisation that may
not use it, and for a dialogue where it is off.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter

from core.db import utcnow
from core.errors import NotFound, ValidationFailed
from core.permissions import Action, staff_check
from core.services import dialogues
from plugins.budget.module import BUDGET
from plugins.budget.pabulib import PabulibError, format_pabulib, parse_pabulib
from plugins.budget.pabulib_store import export_pabulib, import_pabulib
from web.admin.guard import staff_guard
from web.api.schemas import DialogueOut, dialogue_out
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.modules import require_module

Slug = Annotated[str, QueryParameter(min_length=1, max_length=80)]


class PabulibController(Controller):
    path = "/api/v1/admin"
    guards = [staff_guard]  # noqa: RUF012
    tags = ("back office",)

    @post("/pabulib/import", status_code=201)
    async def import_file(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: Slug,
        title: Annotated[str | None, QueryParameter(max_length=200)] = None,
        rule: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> DialogueOut:
        """Creates a budget dialogue from the Pabulib file sent as the body."""
        staff_check(actor, Action.ADMINISTER)
        if not BUDGET.granted_to(org):
            raise NotFound("Cette page n'existe pas pour cette organisation.")
        raw = await request.body()
        try:
            data = parse_pabulib(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ValidationFailed("pabulib: the file is not UTF-8 text") from None
        except PabulibError as error:
            raise ValidationFailed(f"pabulib: {error}") from None
        now = utcnow()
        dialogue = await import_pabulib(
            db_session, plugins, org, data, slug, now=now, title=title, rule=rule
        )
        await db_session.commit()
        await db_session.refresh(dialogue, ["phases"])
        return dialogue_out(dialogue, now)

    @get("/dialogues/{slug:str}/pabulib", media_type="text/plain; charset=utf-8")
    async def export_file(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> Response[str]:
        """The dialogue's counted ballots as a Pabulib ``.pb`` file."""
        staff_check(actor, Action.ADMINISTER)
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        require_module(BUDGET, org, dialogue)
        text = format_pabulib(await export_pabulib(db_session, org, dialogue))
        return Response(
            text,
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}.pb"'},
        )
