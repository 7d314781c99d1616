"""The page of one proposal: its text, image, fields, status, place, discussion, vote and
share links; and the forms that post comments and reports from it."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from urllib.parse import quote, urlencode

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from core.db import utcnow
from core.defaults.comments import COMMENTS
from core.defaults.features import SHARING
from core.defaults.map import MAP
from core.errors import DomainError, ValidationFailed
from core.models import Dialogue, Proposal, User
from core.models.dialogues import CommentsMode
from core.models.proposals import ProposalStatus
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services import candidates, comments, proposals
from core.services.proposals import EDITABLE_BY_AUTHOR, form_of, visible_fields
from core.services.vote_locks import is_candidate, vote_opened
from web.api.schemas import authors_of
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.i18n import translator
from web.labels import N_
from web.markdown import excerpt
from web.pages import publish_name
from web.pages.browse import map_headers, map_options, option_label
from web.pages.context import (
    dialogue_frame,
    image_url_of,
    notice,
    public_url,
    refusal_message,
    refused_message,
    signin_url,
)
from web.pages.notifications import follow_panel
from web.pages.votes import vote_panel
from web.rate_limits import rate_limited
from web.templating import render

GONE_PARENT = N_(
    "Le commentaire auquel vous répondiez n'est plus visible : publiez votre message "
    "comme un nouveau commentaire."
)


class CommentForm(msgspec.Struct):
    """A comment as a form posts it; unknown fields (the CSRF token) are ignored."""

    body: str = ""
    stance: str = ""
    parent_id: str = ""
    display_name: str = ""


class ReportForm(msgspec.Struct):
    reason: str = ""


def share_links(url: str, title: str) -> list[tuple[str, str]]:
    """Plain links to share a page: no script, no tracker, nothing loaded in advance."""
    return [
        ("Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})),
        ("X", "https://x.com/intent/post?" + urlencode({"url": url, "text": title})),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})),
        ("E-mail", f"mailto:?subject={quote(title)}&body={quote(url)}"),
    ]


def field_rows(dialogue: Dialogue, proposal: Proposal, viewer: User | None) -> list[dict[str, Any]]:
    """The custom fields ``viewer`` may see, in the form's order, ready to show."""
    values = visible_fields(dialogue, proposal, viewer)
    rows = []
    for definition in form_of(dialogue):
        if definition.key not in values:
            continue
        value = values[definition.key]
        shown: Any = value
        if definition.type == "choice":
            shown = next((o.label for o in definition.options or [] if o.key == value), value)
        rows.append(
            {
                "label": definition.label,
                "type": definition.type,
                "value": shown,
                "confidential": definition.confidential,
            }
        )
    return rows


def _permission(
    plugins: Plugins,
    actor: User | None,
    action: Action,
    dialogue: Dialogue,
    group_ids: Collection[int],
    resource: Any = None,
) -> DomainError | None:
    try:
        check(
            plugins, actor, action, dialogue, now=utcnow(), group_ids=group_ids, resource=resource
        )
    except DomainError as error:
        return error
    return None


async def proposal_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: Plugins,
    org: Any,
    actor: User | None,
    group_ids: Collection[int],
    proposal: Proposal,
    dialogue: Dialogue,
    *,
    comment_errors: dict[str, str] | None = None,
    comment_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response[str]:
    i18n = translator(request, org)
    authors = await authors_of(db_session, [proposal])
    author = authors.get(proposal.author_id) if proposal.author_id else None
    mode = COMMENTS.mode_on(dialogue)
    thread = await comments.comment_thread(db_session, proposal) if mode != CommentsMode.OFF else []
    comment_refusal = None
    if mode != CommentsMode.OFF and proposal.status != ProposalStatus.DRAFT:
        error = _permission(plugins, actor, Action.COMMENT, dialogue, group_ids, proposal)
        comment_refusal = refusal_message(i18n, error) if error is not None else None
    is_author = actor is not None and actor.id == proposal.author_id
    opened = vote_opened(dialogue, utcnow())
    # Staff correct a candidate's text only once the vote opened (core.services.candidates).
    revisions = await candidates.proposal_history(db_session, proposal) if opened else []
    propose_refusal = _permission(plugins, actor, Action.PROPOSE, dialogue, group_ids)
    path = f"/proposals/{proposal.id}"
    url = public_url(request, path)
    image_url = image_url_of(proposal, dialogue)
    located = proposal.lat is not None and MAP.enabled_on(dialogue)
    return render(
        request,
        "proposal/show.html",
        status_code=status_code,
        headers=map_headers(request, org.options) if located else None,
        frame=dialogue_frame(dialogue, utcnow()),
        tab="proposals",
        proposal=proposal,
        author_name=author.public_name if author else i18n("Utilisateur supprimé"),
        theme=option_label(dialogue.themes, proposal.theme),
        sector=option_label(dialogue.sectors, proposal.sector),
        fields=field_rows(dialogue, proposal, actor),
        image_url=image_url,
        located=located,
        mode=mode.value,
        thread=thread,
        for_thread=[n for n in thread if n.stance == "for"],
        against_thread=[n for n in thread if n.stance != "for"],
        comment_count=sum(node.count() for node in thread),
        comment_refusal=comment_refusal,
        comment_errors=comment_errors or {},
        comment_values=comment_values or {},
        asks_name=publish_name.asks_name(actor),
        signin=signin_url(request, path),
        is_author=is_author,
        can_edit=is_author
        and proposal.status in EDITABLE_BY_AUTHOR
        and not (opened and is_candidate(proposal)),
        revisions=revisions,
        can_publish=is_author
        and proposal.status == ProposalStatus.DRAFT
        and propose_refusal is None,
        share=share_links(url, proposal.title) if SHARING.enabled_on(dialogue) else [],
        og={
            "url": url,
            "title": proposal.title,
            "description": excerpt(proposal.body, 200),
            "image": public_url(request, image_url) if image_url else None,
        },
        map_options=map_options(org.options),
        vote=await vote_panel(request, db_session, plugins, dialogue, [proposal], actor, group_ids),
        notice=notice(request),
        refused=refused_message(request),
        follow=await follow_panel(db_session, plugins, org, actor, dialogue, proposal),
    )


@get("/proposals/{proposal_id:int}", include_in_schema=False)
async def show_proposal(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    proposal_id: FromPath[int],
) -> Response[str]:
    proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
    return await proposal_page(
        request, db_session, plugins, org, actor, group_ids, proposal, dialogue
    )


@post(
    "/proposals/{proposal_id:int}/comments",
    include_in_schema=False,
    guards=[rate_limited("comment")],
)
async def post_comment_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    proposal_id: FromPath[int],
    data: URLEncodedBody[CommentForm],
) -> Response[Any]:
    proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
    comments.require_comments(dialogue)
    if actor is None:
        return Redirect(signin_url(request, f"/proposals/{proposal.id}"), status_code=303)
    name, name_error = publish_name.read_name(actor, data.display_name, translator(request, org))
    values = {
        "body": data.body,
        "stance": data.stance,
        "parent_id": data.parent_id,
        publish_name.FIELD: name,
    }
    parent_id = int(data.parent_id) if data.parent_id.isdecimal() else None
    try:
        if name_error:
            raise ValidationFailed(name_error, extra={"fields": {publish_name.FIELD: name_error}})
        comment = await comments.post_comment(
            db_session,
            plugins,
            dialogue,
            proposal,
            actor,
            body=data.body,
            stance=data.stance or None,
            parent_id=parent_id,
            now=utcnow(),
            group_ids=group_ids,
        )
    except DomainError as error:
        i18n = translator(request, org)
        if isinstance(error, ValidationFailed):
            errors = {
                name: i18n.gettext(message)
                for name, message in (error.extra.get("fields") or {}).items()
            } or {"body": error.detail}
        else:
            errors = {"form": refusal_message(i18n, error)}
        if (
            parent_id is not None
            and await comments.reply_target(db_session, proposal, parent_id) is None
        ):
            # No form on the page answers that comment: the main form shows why, with
            # what was typed.
            values["parent_id"] = ""
            errors = {"body": i18n.gettext(GONE_PARENT)}
        return await proposal_page(
            request,
            db_session,
            plugins,
            org,
            actor,
            group_ids,
            proposal,
            dialogue,
            comment_errors=errors,
            comment_values=values,
            status_code=422 if isinstance(error, ValidationFailed) else error.status_code,
        )
    publish_name.save_name(actor, name)
    await db_session.commit()
    plugins.comment_posted(comment, proposal, dialogue)
    return Redirect(
        f"/proposals/{proposal.id}?notice=comment_posted#comment-{comment.id}", status_code=303
    )


@post("/comments/{comment_id:int}/report", include_in_schema=False)
async def report_comment_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    comment_id: FromPath[int],
    data: URLEncodedBody[ReportForm],
) -> Redirect:
    comment, proposal, dialogue = await comments.get_comment(db_session, org.id, comment_id)
    if actor is None:
        return Redirect(signin_url(request, f"/proposals/{proposal.id}"), status_code=303)
    await comments.report_comment(
        db_session, plugins, dialogue, comment, actor, reason=data.reason[:1000]
    )
    await db_session.commit()
    return Redirect(
        f"/proposals/{proposal.id}?notice=comment_reported#comment-{comment.id}", status_code=303
    )
