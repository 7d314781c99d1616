"""The account page ``/me``: profile (display name, postal code, language), the drafts
of proposals kept to finish later, API tokens
(created there, shown once, stored hashed; revoked there), sign-out everywhere."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, ValidationFailed
from core.languages import LANGUAGE_NAMES
from core.models import User
from core.services import accounts, proposals, sessions, users
from web.dependencies import Actor, CurrentOrg, DbSession
from web.session_cookies import clear_session_cookie
from web.templating import render

ACCOUNT = "/me"


class ProfileForm(msgspec.Struct):
    display_name: str = ""
    postal_code: str = ""
    language: str = ""
    csrf_token: str = ""


class TokenForm(msgspec.Struct):
    name: str = ""
    csrf_token: str = ""


class CsrfOnlyForm(msgspec.Struct):
    csrf_token: str = ""


def _to_sign_in() -> Response[Any]:
    return Redirect(f"/signin?next={ACCOUNT}", status_code=303)


async def _page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    user: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> Response[str]:
    context.setdefault("errors", {})
    context.setdefault("saved", request.query_params.get("saved") == "1")
    context.setdefault("new_token", None)
    return render(
        request,
        "me/account.html",
        status_code=status_code,
        user=user,
        tokens=await accounts.live_api_tokens(db_session, user),
        drafts=await proposals.drafts_of(db_session, user.organisation_id, user),
        language_names=LANGUAGE_NAMES,
        **context,
    )


@get(ACCOUNT, include_in_schema=False)
async def account_page(
    request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg, actor: Actor
) -> Response[Any]:
    if actor is None:
        return _to_sign_in()
    return await _page(request, db_session, actor)


@post(ACCOUNT, include_in_schema=False)
async def account_update(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[ProfileForm],
) -> Response[Any]:
    if actor is None:
        return _to_sign_in()
    try:
        accounts.update_profile(
            actor,
            display_name=data.display_name,
            postal_code=data.postal_code,
            language=data.language or actor.language,
        )
    except ValidationFailed as error:  # nothing was changed: all is checked first
        field = str(error.extra.get("field", "form"))
        return await _page(
            request, db_session, actor, status_code=422, errors={field: error.detail}
        )
    await db_session.commit()
    return Redirect(f"{ACCOUNT}?saved=1", status_code=303)


@post(f"{ACCOUNT}/tokens", include_in_schema=False)
async def token_create(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[TokenForm],
) -> Response[Any]:
    """Creates a token and shows it on the answer itself, once: it is in no address and
    cannot be read again."""
    if actor is None:
        return _to_sign_in()
    try:
        name = accounts.clean_text(data.name, field="name", max_length=accounts.TOKEN_NAME_MAX)
    except ValidationFailed as error:
        return await _page(
            request, db_session, actor, status_code=422, errors={"name": error.detail}
        )
    token = await users.create_api_token(db_session, actor, name=name)
    await db_session.commit()
    response = await _page(request, db_session, actor, new_token=token, new_token_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@post(f"{ACCOUNT}/tokens/{{token_id:int}}/revoke", include_in_schema=False)
async def token_revoke(
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    token_id: FromPath[int],
    data: URLEncodedBody[CsrfOnlyForm],
) -> Response[Any]:
    if actor is None:
        return _to_sign_in()
    try:
        await users.revoke_api_token(db_session, actor, token_id)
    except NotFound:
        raise NotFound("Jeton inconnu.", code="not_found") from None
    await db_session.commit()
    return Redirect(ACCOUNT, status_code=303)


@post(f"{ACCOUNT}/sessions/end-all", include_in_schema=False)
async def sessions_end_all(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    data: URLEncodedBody[CsrfOnlyForm],
) -> Response[Any]:
    """Signs out every browser of the account, this one included."""
    if actor is None:
        return _to_sign_in()
    await sessions.close_all_sessions(db_session, actor)
    await db_session.commit()
    response: Response[Any] = Redirect("/", status_code=303)
    clear_session_cookie(response, request.app.state.context.settings)
    return response


ACCOUNT_PAGES = [account_page, account_update, token_create, token_revoke, sessions_end_all]
