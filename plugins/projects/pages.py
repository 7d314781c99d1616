"""The follow-up's public pages, once the dialogue's results are out (403 before, except
for staff, as the results page):

- ``/dialogues/{slug}/projects`` (``?stage=``): the projects on a map (Leaflet, when
  JavaScript runs; without it the list says where each one is) and as a list, filterable
  by stage with a plain GET form;
- ``/dialogues/{slug}/projects/{proposal_id}``: one project, its stage and progress,
  the amount spent against its cost, its place, its updates with their photos.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter

from core.db import utcnow
from core.defaults.map import MAP
from core.services import dialogues
from plugins.projects import follow_up
from plugins.projects.settings import stages_of
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.pages.browse import map_headers, map_options
from web.pages.context import dialogue_frame
from web.results import results_cache
from web.templating import render

PATH = "/dialogues/{slug:str}/projects"


@get(PATH, include_in_schema=False)
async def projects_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
    stage: Annotated[str | None, QueryParameter(max_length=32)] = None,
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    follow_up.require_out(dialogue, actor, utcnow())
    stages = stages_of(dialogue)
    chosen = stage if stage in {s.key for s in stages} else None
    views = await follow_up.list_projects(
        db_session, plugins, dialogue, cache=results_cache(request), stage=chosen
    )
    with_map = MAP.enabled_on(dialogue)
    return render(
        request,
        "projects/list.html",
        headers=map_headers(request, org.options) if with_map else None,
        frame=dialogue_frame(dialogue, utcnow()),
        tab="projects",
        projects=views,
        stages=stages,
        stage=chosen,
        dropped=bool(stage) and chosen is None,
        with_map=with_map,
        map_options=map_options(org.options),
        path=f"/dialogues/{dialogue.slug}/projects",
    )


@get(PATH + "/{proposal_id:int}", include_in_schema=False)
async def project_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
    proposal_id: FromPath[int],
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    follow_up.require_out(dialogue, actor, utcnow())
    view = await follow_up.get_project(
        db_session, plugins, dialogue, proposal_id, cache=results_cache(request)
    )
    located = view.located and MAP.enabled_on(dialogue)
    return render(
        request,
        "projects/show.html",
        headers=map_headers(request, org.options) if located else None,
        frame=dialogue_frame(dialogue, utcnow()),
        tab="projects",
        project=view,
        stages=stages_of(dialogue),
        located=located,
        map_options=map_options(org.options),
    )


PAGES = [projects_page, project_page]
