"""The back office's « Suivi des projets » tab, ``/admin/dialogues/{slug}/projects``: the
list of projects (with a form to add a proposal that did not win), and one page per
project to change its stage, progress and amount spent, post dated updates with photos,
delete an update, or take the project off the list. Everything works without
JavaScript; each post redirects back with a message, or shows the form again with its
errors (422).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from sqlalchemy import select

from core.db import begin_write, utcnow
from core.errors import DomainError
from core.models import Dialogue, Proposal
from core.models.proposals import ProposalStatus
from core.services import dialogues
from plugins.projects import follow_up
from plugins.projects.api import store_images
from plugins.projects.follow_up import ProjectView
from plugins.projects.settings import MAX_IMAGES, stages_of
from web.admin.forms import FormValues, parse_int, refusal_fields
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.i18n import SOURCE_LANGUAGE, translator
from web.labels import N_
from web.refusals import refusal_text
from web.results import results_cache

SUFFIX = "/projects"
TAB = N_("Suivi des projets")
CHOOSE_PROPOSAL = N_("Choisissez une proposition.")
INVALID_DATE = N_("Saisissez une date (jour, mois, année).")


def _base(dialogue: Dialogue) -> str:
    return f"/admin/dialogues/{dialogue.slug}{SUFFIX}"


def _refusal_fields(
    request: Request[Any, Any, Any], error: DomainError, default: str = "__all__"
) -> dict[str, str]:
    """A service's refusal as form errors in the reader's language: French pages say
    them as written, others through the refusal's code (``error_messages``)."""
    fields = refusal_fields(error, default)
    return {name: _refusal_text(request, error, message) for name, message in fields.items()}


def _refusal_text(
    request: Request[Any, Any, Any], error: DomainError, message: str | None = None
) -> str:
    """``message`` (the refusal's detail by default) in the reader's language."""
    written = error.detail if message is None else message
    i18n = translator(request)
    return written if i18n.lang == SOURCE_LANGUAGE else refusal_text(i18n, error.code, written)


async def _addable(db_session: Any, dialogue: Dialogue, listed: set[int]) -> list[Proposal]:
    """The proposals staff may add: published, not hidden, not on the list yet."""
    found = await db_session.scalars(
        select(Proposal)
        .where(
            Proposal.dialogue_id == dialogue.id,
            Proposal.hidden_at.is_(None),
            Proposal.status != ProposalStatus.DRAFT,
        )
        .order_by(Proposal.title, Proposal.id)
    )
    return [p for p in found if p.id not in listed]


class ProjectsAdminPages(Controller):
    path = "/admin/dialogues/{slug:str}/projects"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    async def _list_page(
        self,
        request: Request[Any, Any, Any],
        db_session: Any,
        plugins: Any,
        dialogue: Dialogue,
        *,
        errors: dict[str, str] | None = None,
    ) -> Response[str]:
        views = await follow_up.list_projects(
            db_session, plugins, dialogue, cache=results_cache(request), with_updates=True
        )
        return admin_page(
            request,
            "projects/admin_list.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=TAB,
            page_subject=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, SUFFIX),
            projects=views,
            addable=await _addable(db_session, dialogue, {v.proposal_id for v in views}),
            results_out=follow_up.results_out(dialogue, utcnow()),
            errors=errors or {},
            base=_base(dialogue),
        )

    async def _project_page(
        self,
        request: Request[Any, Any, Any],
        dialogue: Dialogue,
        view: ProjectView,
        *,
        errors: dict[str, str] | None = None,
        submitted: FormValues | None = None,
    ) -> Response[str]:
        return admin_page(
            request,
            "projects/admin_project.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=view.proposal.title,
            page_subject=f"{translator(request).gettext(TAB)} · {dialogue.title}",
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, SUFFIX),
            project=view,
            stages=stages_of(dialogue),
            errors=errors or {},
            submitted=submitted,
            today=utcnow().date().isoformat(),
            max_images=MAX_IMAGES,
            base=_base(dialogue),
        )

    @get("/")
    async def projects_tab(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        return await self._list_page(request, db_session, plugins, dialogue)

    @post("/")
    async def add(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        errors: dict[str, str] = {}
        proposal_id = parse_int(form.get("proposal_id"), field="proposal_id", errors=errors)
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        if proposal_id is None and not errors:
            errors["proposal_id"] = CHOOSE_PROPOSAL
        if errors or proposal_id is None:
            return await self._list_page(request, db_session, plugins, dialogue, errors=errors)
        try:
            await follow_up.add_project(
                db_session, plugins, org, dialogue, actor, proposal_id,
                cache=results_cache(request),
            )  # fmt: skip
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
            return await self._list_page(
                request,
                db_session,
                plugins,
                dialogue,
                errors=_refusal_fields(request, error, "proposal_id"),
            )
        await db_session.commit()
        return done(f"{_base(dialogue)}/{proposal_id}", "created")

    @get("/{proposal_id:int}")
    async def project_tab(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
        proposal_id: FromPath[int],
    ) -> Response[str]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        view = await follow_up.get_project(
            db_session, plugins, dialogue, proposal_id, cache=results_cache(request)
        )
        return await self._project_page(request, dialogue, view)

    async def _refused(
        self,
        request: Request[Any, Any, Any],
        db_session: Any,
        plugins: Any,
        org: Any,
        slug: str,
        proposal_id: int,
        errors: dict[str, str],
        form: FormValues,
    ) -> Response[str]:
        await discard_changes(request, db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        view = await follow_up.get_project(
            db_session, plugins, dialogue, proposal_id, cache=results_cache(request)
        )
        return await self._project_page(request, dialogue, view, errors=errors, submitted=form)

    @post("/{proposal_id:int}")
    async def change(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        errors: dict[str, str] = {}
        progress = parse_int(form.get("progress"), field="progress", errors=errors)
        spent = parse_int(form.get("spent"), field="spent", errors=errors)
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        try:
            if errors:
                raise DomainError("Le formulaire contient des erreurs.")
            await follow_up.change_project(
                db_session, plugins, org, dialogue, actor, proposal_id,
                stage=form.get("stage") or None, progress=progress, spent=spent,
                cache=results_cache(request),
            )  # fmt: skip
        except DomainError as error:
            found = errors or _refusal_fields(request, error)
            return await self._refused(
                request, db_session, plugins, org, slug, proposal_id, found, form
            )
        await db_session.commit()
        return done(f"{_base(dialogue)}/{proposal_id}")

    @post("/{proposal_id:int}/remove")
    async def remove(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
    ) -> Response[Any]:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        await follow_up.remove_project(
            db_session, plugins, org, dialogue, actor, proposal_id, cache=results_cache(request)
        )
        await db_session.commit()
        return done(_base(dialogue), "deleted")

    @post("/{proposal_id:int}/updates")
    async def post_update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        data: MultipartBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        errors: dict[str, str] = {}
        day: date | None = None
        if form.get("date"):
            try:
                day = date.fromisoformat(form.get("date"))
            except ValueError:
                errors["date"] = INVALID_DATE
        files = [value for value in _all(data, "photos") if getattr(value, "filename", None)]
        names: list[str] = []
        try:
            follow_up.check_text(form.raw("text"))
        except DomainError as error:
            errors.update(_refusal_fields(request, error))
        try:
            follow_up.check_image_count(len(files))
            if not errors:
                names = await store_images(request, files)
        except DomainError as error:
            errors["photos"] = _refusal_text(request, error)
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        try:
            if errors:
                raise DomainError("Le formulaire contient des erreurs.")
            update = await follow_up.post_update(
                db_session, plugins, org, dialogue, actor, proposal_id,
                text=form.raw("text"), day=day, images=names, cache=results_cache(request),
            )  # fmt: skip
        except DomainError as error:
            found = errors or _refusal_fields(request, error)
            return await self._refused(
                request, db_session, plugins, org, slug, proposal_id, found, form
            )
        await db_session.commit()
        return done(f"{_base(dialogue)}/{proposal_id}", "created", update=update.id)

    @post("/{proposal_id:int}/updates/{update_id:int}/delete")
    async def delete_update(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        update_id: FromPath[int],
    ) -> Response[Any]:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        await follow_up.delete_update(db_session, org, dialogue, actor, proposal_id, update_id)
        await db_session.commit()
        return done(f"{_base(dialogue)}/{proposal_id}", "deleted")


def _all(data: dict[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    return list(value) if isinstance(value, list) else ([] if value is None else [value])
