"""The news pages: ``/me/notifications`` (the signed-in user's news and how often they
want each kind), the follow buttons of dialogues and proposals, and the unsubscription
page of the emails, which needs no sign-in.

The unsubscription link's ``POST`` is the one-click of RFC 8058: mail programs send it
without a CSRF token or a cookie (``List-Unsubscribe=One-Click``), so it is exempt from
the CSRF check; the signed token is what allows it, and all it can do is stop emails.
The ``GET`` only shows a button: link scanners that open every link unsubscribe no one.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import begin_write
from core.errors import NotFound
from core.models import Dialogue, Notification, Organisation, Proposal, User
from core.models.proposals import ProposalStatus
from core.notification_kinds import FREQUENCIES
from core.plugin_manager import Plugins
from core.services import dialogues, follows, notifications, proposals
from core.unsubscribe_links import ALL, verify
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.i18n import translator
from web.modules import GONE
from web.pages.context import notice
from web.templating import render

PAGE = "/me/notifications"


def _to_sign_in(path: str = PAGE) -> Response[Any]:
    return Redirect(f"/signin?next={path}", status_code=303)


def _safe_back(request: Request[Any, Any, Any], fallback: str) -> str:
    """Where a form came from, on this site only."""
    back = request.query_params.get("next", "")
    return back if back.startswith("/") and not back.startswith("//") else fallback


@get(PAGE, include_in_schema=False)
async def notifications_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    actor: Actor,
) -> Response[Any]:
    if actor is None:
        return _to_sign_in()
    i18n = translator(request)
    items = await notifications.latest(db_session, actor.id)
    kinds = plugins.notification_kinds
    return render(
        request,
        "me/notifications.html",
        items=[
            {
                "id": item.id,
                "headline": kinds[item.kind].headline_of(i18n.lang, item.title, item.details)
                if kinds.get(item.kind)
                else item.title,
                "created_at": item.created_at,
                "unread": item.read_at is None,
            }
            for item in items
        ],
        unread=sum(1 for item in items if item.read_at is None),
        preferences=await notifications.preferences_of(db_session, kinds, actor),
        frequencies=FREQUENCIES,
        followed=await follows.followed_by(db_session, actor),
        notice=notice(request),
    )


@post(f"{PAGE}/read", include_in_schema=False, status_code=303)
async def mark_all_read(db_session: DbSession, actor: Actor) -> Response[Any]:
    if actor is None:
        return _to_sign_in()
    await begin_write(db_session)
    await notifications.mark_read(db_session, actor.id)
    await db_session.commit()
    return Redirect(f"{PAGE}?notice=notifications_read", status_code=303)


@get(f"{PAGE}/{{notification_id:int}}", include_in_schema=False)
async def open_notification(
    db_session: DbSession, actor: Actor, notification_id: FromPath[int]
) -> Response[Any]:
    """Marks one piece of news read and opens its page."""
    if actor is None:
        return _to_sign_in()
    item = await db_session.get(Notification, notification_id)
    if item is None or item.user_id != actor.id:
        raise NotFound("Cette notification n'existe pas.")
    if item.read_at is None:
        await begin_write(db_session)
        await notifications.mark_read(db_session, actor.id, [item.id])
        await db_session.commit()
    return Redirect(item.link, status_code=303)


@post(f"{PAGE}/preferences", include_in_schema=False, status_code=303)
async def save_preferences(
    request: Request[Any, Any, Any], db_session: DbSession, plugins: PluginsDep, actor: Actor
) -> Response[Any]:
    if actor is None:
        return _to_sign_in()
    form = await request.form()
    choices = {
        kind.name: str(form.get(f"kind-{kind.name}"))
        for kind in notifications.kinds_for(plugins.notification_kinds, actor)
        if form.get(f"kind-{kind.name}") is not None
    }
    await begin_write(db_session)
    await notifications.set_preferences(db_session, plugins.notification_kinds, actor, choices)
    await db_session.commit()
    return Redirect(f"{PAGE}?notice=preferences_saved#preferences", status_code=303)


# -- following -----------------------------------------------------------------------


def require_news(plugins: Plugins, org: Organisation, dialogue: Dialogue) -> None:
    """404 unless the dialogue has news to follow (its notifications module is on)."""
    if not notifications.news_on(plugins, dialogue, org):
        raise NotFound(GONE)


async def follow_panel(
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    actor: User | None,
    dialogue: Dialogue,
    proposal: Proposal | None = None,
) -> dict[str, Any] | None:
    """The follow button of a dialogue's or a proposal's page: ``None`` where the
    notifications module is off or for a draft; ``following`` for the signed-in."""
    if not notifications.news_on(plugins, dialogue, org):
        return None
    if proposal is not None and proposal.status == ProposalStatus.DRAFT:
        return None
    path = f"/proposals/{proposal.id}" if proposal else f"/dialogues/{dialogue.slug}"
    following = False
    if actor is not None:
        following = (
            await follows.follows_proposal(session, actor, proposal.id)
            if proposal is not None
            else await follows.follows_dialogue(session, actor, dialogue.id)
        )
    return {
        "action": f"{path}/follow",
        "signin": f"/signin?next={path}",
        "following": following,
        "proposal": proposal is not None,
    }


async def change_follow(
    session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    user: User,
    slug: str | None,
    proposal_id: int | None,
    *,
    active: bool,
) -> None:
    """``user`` follows (``active``) or stops following the dialogue ``slug`` or the
    proposal ``proposal_id``, and commits; 404 where there is no news to follow."""
    proposal: Proposal | None = None
    if proposal_id is not None:
        proposal, dialogue = await proposals.get_proposal(session, org.id, proposal_id, user)
    else:
        assert slug is not None
        dialogue = await dialogues.get_dialogue(session, org, slug)
    require_news(plugins, org, dialogue)
    await begin_write(session)
    await follows.set_follow(session, user, dialogue, proposal, active=active)
    await session.commit()


async def _follow_form(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    plugins: Plugins,
    org: Organisation,
    actor: User | None,
    slug: str | None,
    proposal_id: int | None,
) -> Response[Any]:
    back = f"/proposals/{proposal_id}" if proposal_id is not None else f"/dialogues/{slug}"
    if actor is None:
        return _to_sign_in(back)
    form = await request.form()
    active = form.get("action") != "unfollow"
    await change_follow(db_session, plugins, org, actor, slug, proposal_id, active=active)
    key = "followed" if active else "unfollowed"
    return Redirect(f"{_safe_back(request, back)}?notice={key}", status_code=303)


@post("/dialogues/{slug:str}/follow", include_in_schema=False, status_code=303)
async def follow_dialogue_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    slug: FromPath[str],
) -> Response[Any]:
    return await _follow_form(request, db_session, plugins, org, actor, slug, None)


@post("/proposals/{proposal_id:int}/follow", include_in_schema=False, status_code=303)
async def follow_proposal_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    proposal_id: FromPath[int],
) -> Response[Any]:
    return await _follow_form(request, db_session, plugins, org, actor, None, proposal_id)


# -- unsubscription --------------------------------------------------------------------

UNSUBSCRIBE = "/notifications/unsubscribe/{token:str}"


async def _unsubscription(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    org: Organisation,
    plugins: Plugins,
    token: str,
) -> tuple[User, list[str]]:
    settings = request.app.state.context.settings
    terms = verify(settings.secret_key, token)
    user = await db_session.get(User, terms.user_id)
    if user is None or user.organisation_id != org.id or user.deleted_at is not None:
        raise NotFound(
            "Ce lien de désinscription n'est pas valide.", code="notifications.link_invalid"
        )
    names = [kind.name for kind in notifications.kinds_for(plugins.notification_kinds, user)]
    if terms.kind != ALL:
        if terms.kind not in names:
            raise NotFound(
                "Ce lien de désinscription n'est pas valide.", code="notifications.link_invalid"
            )
        names = [terms.kind]
    return user, names


@get(UNSUBSCRIBE, include_in_schema=False)
async def unsubscribe_page(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    plugins: PluginsDep,
    token: FromPath[str],
) -> Response[Any]:
    _, names = await _unsubscription(request, db_session, org, plugins, token)
    i18n = translator(request)
    labels = [plugins.notification_kinds[name].label(i18n.lang) for name in names]
    return render(
        request, "me/unsubscribe.html", token=token, labels=labels, every=len(names) > 1, done=False
    )


@post(UNSUBSCRIBE, include_in_schema=False, opt={"csrf": "exempt"})
async def unsubscribe(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    plugins: PluginsDep,
    token: FromPath[str],
) -> Response[Any]:
    """Stops the emails of the link's kind (or of every kind): the preference becomes
    ``never``. The news stays on the user's page."""
    user, names = await _unsubscription(request, db_session, org, plugins, token)
    await begin_write(db_session)
    await notifications.set_preferences(
        db_session, plugins.notification_kinds, user, dict.fromkeys(names, "never")
    )
    await db_session.commit()
    i18n = translator(request)
    labels = [plugins.notification_kinds[name].label(i18n.lang) for name in names]
    return render(
        request, "me/unsubscribe.html", token=token, labels=labels, every=len(names) > 1, done=True
    )


NOTIFICATION_PAGES = [
    notifications_page,
    mark_all_read,
    open_notification,
    save_preferences,
    follow_dialogue_form,
    follow_proposal_form,
    unsubscribe_page,
    unsubscribe,
]
