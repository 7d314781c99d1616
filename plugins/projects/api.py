"""The follow-up's JSON API.

Public, once the dialogue's results are visible (403 ``results.hidden`` before, except
for staff):

- ``GET /api/v1/dialogues/{slug}/projects`` (``?stage=``): the projects, each
  ``{"proposal_id", "title", "stage", "stage_label", "progress", "spent", "cost",
  "location", "url", "updates": [{"id", "date", "text", "images": [urls]}]}``;
- ``GET /api/v1/dialogues/{slug}/projects.geojson`` (``?stage=``): the located ones.

Back office (staff), under ``/api/v1/admin/dialogues/{slug}/projects``:

- ``GET ""``: the projects, results published or not;
- ``POST ""`` ``{"proposal_id"}``: 201, a proposal put on the list (409
  ``project.already_listed``);
- ``PATCH /{proposal_id}`` ``{"stage"?, "progress"?, "spent"?}``: the project (422
  ``project.unknown_stage``, ``project.invalid_progress``, ``project.invalid_spent``);
- ``DELETE /{proposal_id}``: 204, taken off the list;
- ``POST /{proposal_id}/updates`` ``{"text", "date"?}``: 201, the update (422
  ``project.invalid_text``);
- ``POST /{proposal_id}/updates/{id}/images`` (multipart, ``file``, one or more): 201,
  the update with its photos (422 ``upload.*``, ``project.too_many_images``);
- ``DELETE /{proposal_id}/updates/{id}``: 204.

A proposal that is not one of the dialogue's projects answers 404 ``project.unknown``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from core import uploads
from core.db import begin_write, utcnow
from core.errors import ValidationFailed
from core.models import Dialogue, Organisation, User
from core.plugin_manager import Plugins
from core.services import dialogues
from core.specs import Strict
from plugins.projects import follow_up
from plugins.projects.follow_up import ProjectView
from plugins.projects.models import ProjectUpdate
from web.admin.guard import staff_guard
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep, app_context
from web.i18n import request_language
from web.results import results_cache

GEOJSON = "application/geo+json"
StageFilter = Annotated[str | None, QueryParameter(max_length=32)]


class LocationOut(msgspec.Struct):
    lat: float
    lng: float


class UpdateOut(msgspec.Struct):
    id: int
    date: date
    text: str
    images: list[str]


class ProjectOut(msgspec.Struct):
    proposal_id: int
    title: str
    stage: str
    stage_label: str
    progress: int
    spent: int
    #: The proposal's cost, what was budgeted (euros); ``null`` when it has none.
    cost: int | None
    location: LocationOut | None
    url: str
    updates: list[UpdateOut]


class AdminProjectOut(ProjectOut):
    #: Named by the results or with the status « Lauréate » (not added by staff).
    winner: bool


class ProjectIn(Strict):
    proposal_id: int


class ProjectChange(Strict):
    stage: str | None = None
    progress: int | None = None
    spent: int | None = None


class UpdateIn(Strict):
    text: str
    date: date | None = None


def image_url(name: str) -> str:
    return f"/media/{name}"


def update_out(update: ProjectUpdate) -> UpdateOut:
    return UpdateOut(
        update.id, update.date, update.text, [image_url(name) for name in update.images]
    )


def project_url(dialogue: Dialogue, proposal_id: int) -> str:
    return f"/dialogues/{dialogue.slug}/projects/{proposal_id}"


def _fields(view: ProjectView, dialogue: Dialogue, lang: str) -> dict[str, Any]:
    proposal = view.proposal
    location = (
        LocationOut(proposal.lat, proposal.lng)
        if proposal.lat is not None and proposal.lng is not None
        else None
    )
    return {
        "proposal_id": proposal.id,
        "title": proposal.title,
        "stage": view.stage.key,
        "stage_label": view.stage.label_in(lang),
        "progress": view.progress,
        "spent": view.spent,
        "cost": proposal.cost,
        "location": location,
        "url": project_url(dialogue, proposal.id),
        "updates": [update_out(update) for update in view.updates],
    }


def project_out(view: ProjectView, dialogue: Dialogue, lang: str) -> ProjectOut:
    return ProjectOut(**_fields(view, dialogue, lang))


def admin_project_out(view: ProjectView, dialogue: Dialogue, lang: str) -> AdminProjectOut:
    return AdminProjectOut(**_fields(view, dialogue, lang), winner=view.winner)


def geojson(views: list[ProjectView], dialogue: Dialogue, lang: str) -> dict[str, Any]:
    """The located projects as a GeoJSON FeatureCollection, in the shape of the
    proposals' map (``title`` and ``url`` in each feature's properties)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [view.proposal.lng, view.proposal.lat],
                },
                "properties": {
                    "id": view.proposal_id,
                    "title": f"{view.proposal.title} — {view.stage.label_in(lang)}",
                    "stage": view.stage.key,
                    "progress": view.progress,
                    "url": project_url(dialogue, view.proposal_id),
                },
            }
            for view in views
            if view.located
        ],
    }


class ProjectsController(Controller):
    path = "/api/v1/dialogues/{slug:str}"
    tags = ("projects",)

    async def _visible(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        org: Organisation,
        actor: User | None,
        plugins: Plugins,
        slug: str,
        stage: str | None,
    ) -> tuple[Dialogue, list[ProjectView]]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug)
        follow_up.require_out(dialogue, actor, utcnow())
        views = await follow_up.list_projects(
            db_session, plugins, dialogue, cache=results_cache(request), stage=stage or None
        )
        return dialogue, views

    @get("/projects")
    async def list_projects(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        stage: StageFilter = None,
    ) -> list[ProjectOut]:
        """The follow-up of the dialogue's winning projects, once its results are out."""
        dialogue, views = await self._visible(request, db_session, org, actor, plugins, slug, stage)
        lang = request_language(request, org)
        return [project_out(view, dialogue, lang) for view in views]

    @get("/projects.geojson", media_type=GEOJSON)
    async def projects_geojson(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        stage: StageFilter = None,
    ) -> Response[bytes]:
        """The located projects, for the map."""
        dialogue, views = await self._visible(request, db_session, org, actor, plugins, slug, stage)
        body = msgspec.json.encode(geojson(views, dialogue, request_language(request, org)))
        return Response(body, media_type=GEOJSON, headers={"Cache-Control": "no-cache"})


async def store_images(request: Request[Any, Any, Any], files: list[UploadFile]) -> list[str]:
    """Checks, re-encodes and stores uploaded photos (``core.uploads``); the first
    refusal stops them all (nothing is kept of a refused request)."""
    upload_dir = app_context(request).settings.upload_dir
    names = []
    for upload in files:
        data = await upload.read(uploads.MAX_BYTES + 1)
        stored = await anyio.to_thread.run_sync(uploads.store_image, upload_dir, data)
        names.append(stored.name)
    return names


def files_of(data: dict[str, Any], name: str = "file") -> list[UploadFile]:
    value = data.get(name)
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, UploadFile) and item.filename]


class AdminProjectsController(Controller):
    path = "/api/v1/admin/dialogues/{slug:str}/projects"
    guards = [staff_guard]  # noqa: RUF012
    tags = ("back office",)

    @get("/")
    async def admin_list_projects(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> list[AdminProjectOut]:
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        views = await follow_up.list_projects(
            db_session, plugins, dialogue, cache=results_cache(request)
        )
        lang = request_language(request, org)
        return [admin_project_out(view, dialogue, lang) for view in views]

    @post("/", status_code=201)
    async def add_project(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        data: JSONBody[ProjectIn],
    ) -> AdminProjectOut:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        view = await follow_up.add_project(
            db_session, plugins, org, dialogue, actor, data.proposal_id,
            cache=results_cache(request),
        )  # fmt: skip
        await db_session.commit()
        return admin_project_out(view, dialogue, request_language(request, org))

    @patch("/{proposal_id:int}")
    async def change_project(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        data: JSONBody[ProjectChange],
    ) -> AdminProjectOut:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        view = await follow_up.change_project(
            db_session, plugins, org, dialogue, actor, proposal_id,
            stage=data.stage, progress=data.progress, spent=data.spent,
            cache=results_cache(request),
        )  # fmt: skip
        await db_session.commit()
        return admin_project_out(view, dialogue, request_language(request, org))

    @delete("/{proposal_id:int}", status_code=204)
    async def remove_project(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
    ) -> None:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        await follow_up.remove_project(
            db_session, plugins, org, dialogue, actor, proposal_id, cache=results_cache(request)
        )
        await db_session.commit()

    @post("/{proposal_id:int}/updates", status_code=201)
    async def post_update(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        plugins: PluginsDep,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        data: JSONBody[UpdateIn],
    ) -> UpdateOut:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        update = await follow_up.post_update(
            db_session, plugins, org, dialogue, actor, proposal_id,
            text=data.text, day=data.date, cache=results_cache(request),
        )  # fmt: skip
        await db_session.commit()
        return update_out(update)

    @post("/{proposal_id:int}/updates/{update_id:int}/images", status_code=201)
    async def add_images(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        update_id: FromPath[int],
        data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> UpdateOut:
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        await follow_up.find_update(db_session, dialogue, proposal_id, update_id)
        files = files_of(data)
        if not files:
            raise ValidationFailed(
                "Envoyez une ou plusieurs photos dans le champ « file ».",
                code="upload.empty",
                extra={"errors": [{"field": "file", "message": "photo manquante"}]},
            )
        names = await store_images(request, files)
        await begin_write(db_session)
        update = await follow_up.add_images(
            db_session, org, dialogue, actor, proposal_id, update_id, names
        )
        await db_session.commit()
        return update_out(update)

    @delete("/{proposal_id:int}/updates/{update_id:int}", status_code=204)
    async def delete_update(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        slug: FromPath[str],
        proposal_id: FromPath[int],
        update_id: FromPath[int],
    ) -> None:
        await begin_write(db_session)
        dialogue = await dialogues.get_dialogue(db_session, org, slug, fresh=True)
        await follow_up.delete_update(db_session, org, dialogue, actor, proposal_id, update_id)
        await db_session.commit()
