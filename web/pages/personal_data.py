"""The account page's personal data parts (RGPD): the download of all of one's data
(``/me/data``, the file of ``GET /api/v1/me/data``) and the deletion of one's account,
with a confirmation step (``/me/delete``) and a farewell page (``/me/deleted``)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect

from core.errors import DomainError
from web.admin.pages import discard_changes
from web.api.me import data_download, delete_own_account
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.session_cookies import clear_session_cookie
from web.templating import render

DATA = "/me/data"
DELETE = "/me/delete"
DELETED = "/me/deleted"


class DeletionForm(msgspec.Struct):
    confirm: str = ""
    csrf_token: str = ""


def _to_sign_in(path: str) -> Response[Any]:
    return Redirect(f"/signin?next={path}", status_code=303)


def _confirmation(
    request: Request[Any, Any, Any],
    *,
    status_code: int = 200,
    error: str | None = None,
    unconfirmed: bool = False,
) -> Response[str]:
    return render(
        request,
        "me/delete.html",
        status_code=status_code,
        error=error,
        unconfirmed=unconfirmed,
    )


@get(DATA, include_in_schema=False)
async def my_data(
    db_session: DbSession, org: CurrentOrg, actor: Actor, plugins: PluginsDep
) -> Response[Any]:
    if actor is None:
        return _to_sign_in("/me")
    return await data_download(db_session, plugins, actor)


@get(DELETE, include_in_schema=False)
async def deletion_page(
    request: Request[Any, Any, Any], org: CurrentOrg, actor: Actor
) -> Response[Any]:
    if actor is None:
        return _to_sign_in(DELETE)
    return _confirmation(request)


@post(DELETE, include_in_schema=False)
async def delete_account(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    plugins: PluginsDep,
    data: URLEncodedBody[DeletionForm],
) -> Response[Any]:
    if actor is None:
        return _to_sign_in(DELETE)
    if data.confirm != "yes":
        return _confirmation(request, status_code=422, unconfirmed=True)
    try:
        await delete_own_account(db_session, plugins, actor)
    except DomainError as error:  # the last administrator, say: nothing is changed
        await discard_changes(request, db_session)
        return _confirmation(request, status_code=error.status_code, error=error.detail)
    response: Response[Any] = Redirect(DELETED, status_code=303)
    clear_session_cookie(response, request.app.state.context.settings)
    return response


@get(DELETED, include_in_schema=False)
async def deleted_page(request: Request[Any, Any, Any], org: CurrentOrg) -> Response[str]:
    return render(request, "me/deleted.html")


PERSONAL_DATA_PAGES = [my_data, deletion_page, delete_account, deleted_page]
