"""A dialogue's proposals and vote buttons for another site to show in a frame.

Only the sites the organisation lists may frame it: ``options["embedding_sites"]`` (set
in the back office), as ``https://host`` origins, go into this route's
``Content-Security-Policy: frame-ancestors``; every other page keeps ``'self'``. Links
open the full site in a new window.

Signing in cannot happen in the frame (the sign-in pages refuse to be framed, and a
citizen should see the platform's own address before typing their email): the frame's
"sign in to vote" link opens a new window, a plain ``target="_blank"`` link that needs no
script, which comes back to the dialogue on the full site once signed in. The frame then
knows the citizen through the cookie made for it (see :mod:`web.session_cookies`), and a
small script reloads it when the citizen comes back to the framing page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from core.db import utcnow
from core.defaults.features import EMBED
from core.models import Organisation
from core.services import dialogues, proposals
from core.services.proposals import ProposalFilters
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.modules import require_module
from web.pages.browse import proposal_cards
from web.pages.context import dialogue_frame, notice, refused_message, signin_url
from web.pages.votes import vote_panel
from web.security_headers import BASE_POLICY, frame_ancestors
from web.templating import render

EMBED_LIMIT = 50


def embed_policy(org: Organisation) -> str:
    options = org.options if isinstance(org.options, dict) else {}
    sites = options.get("embedding_sites") or []
    return f"{BASE_POLICY}; frame-ancestors {frame_ancestors(sites)}"


@get("/embed/dialogues/{slug:str}", include_in_schema=False)
async def embedded_dialogue(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    require_module(EMBED, org, dialogue)
    items, total = await proposals.list_proposals(
        db_session, dialogue, ProposalFilters(), page=1, per_page=EMBED_LIMIT
    )
    vote = await vote_panel(request, db_session, plugins, dialogue, items, actor, group_ids)
    if vote is not None:
        vote["signin"] = signin_url(request, f"/dialogues/{dialogue.slug}")
        vote["signin_target"] = "_blank"
    return render(
        request,
        "embed/dialogue.html",
        headers={"Content-Security-Policy": embed_policy(org)},
        frame=dialogue_frame(dialogue, utcnow()),
        cards=await proposal_cards(db_session, dialogue, items),
        total=total,
        vote=vote,
        notice=notice(request),
        refused=refused_message(request),
        embedded=True,
    )
