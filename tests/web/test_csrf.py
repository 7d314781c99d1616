"""CSRF protection: every state-changing route of the app, the core's and the plugins',
today's and tomorrow's, refuses a cookie-authenticated request without its token."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import User
from tests.conftest import World
from tests.signin_helpers import SESSION_COOKIE, csrf_in, form_token, sign_in

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
#: Routes marked ``opt={"csrf": "exempt"}``, each with the reason it is safe. Adding one
#: here is a security decision.
EXEMPT: dict[tuple[str, str], str] = {
    ("POST", "/notifications/unsubscribe/{token:str}"): (
        "the one-click unsubscription of RFC 8058: mail programs post it without a cookie "
        "or a token; its signed link is the permission, and all it can do is stop emails"
    ),
}
PARAMETER = re.compile(r"\{(\w+):(\w+)\}")


def concrete(path: str) -> str:
    """A path of the route with made-up parameters (``1`` for numbers, ``x`` otherwise)."""
    return PARAMETER.sub(lambda m: "1" if m.group(2) in {"int", "float"} else "x", path)


def unsafe_routes(app: Litestar) -> list[tuple[str, str, str | None]]:
    """``(method, path, csrf mode)`` of every state-changing route of ``app``."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method in sorted(set(route.methods) & set(UNSAFE)):
            handler = route.route_handler_map[method][0]
            found.append((method, route.path, handler.opt.get("csrf")))
    return found


def refused(response: Any) -> bool:
    if response.status_code != 403:
        return False
    if "json" in response.headers.get("content-type", ""):
        return bool(response.json()["code"] == "csrf.invalid")
    return "Jeton de sécurité" in response.text


async def test_every_state_changing_route_needs_the_token(
    app: Litestar, client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    body = await sign_in(client, database, "alice@example.org")
    routes = unsafe_routes(app)
    assert len(routes) > 10  # the walk sees the app's routes
    assert {(m, p) for m, p, mode in routes if mode == "exempt"} == set(EXEMPT)
    unprotected = []
    for method, path, mode in routes:
        if mode == "exempt":
            continue
        url = concrete(path)
        if mode == "json":
            # No token needed, but a page of another site cannot send JSON.
            attempts = [dict(content=b'{"token": "x"}', headers={"Content-Type": "text/plain"})]
        else:
            attempts = [
                dict(json={}),
                dict(data={"title": "x"}),
                dict(json={}, headers={"X-CSRF-Token": "wrong"}),
                dict(data={"csrf_token": body["csrf_token"] + "x"}),
            ]
        for attempt in attempts:
            response = await client.request(method, url, **attempt)  # type: ignore[arg-type]
            if not refused(response):
                unprotected.append((method, path, attempt, response.status_code))
    assert unprotected == []


async def test_no_cookie_no_form_from_another_site(
    app: Litestar, client: AsyncTestClient[Litestar], world: World
) -> None:
    """Without cookies: pages need the anonymous double-submit token, and the API a JSON
    body (a foreign page can post a form, not JSON)."""
    unprotected = []
    for method, path, mode in unsafe_routes(app):
        if mode == "exempt":
            continue
        url = concrete(path)
        if path.startswith("/api/"):
            response = await client.request(
                method, url, content=b"{}", headers={"Content-Type": "text/plain"}
            )
        else:
            response = await client.request(method, url, data={"csrf_token": "x"})
        if not refused(response):
            unprotected.append((method, path, response.status_code))
    assert unprotected == []


async def test_the_right_token_passes_in_a_form_or_a_header(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    body = await sign_in(client, database, "alice@example.org")
    token = await form_token(client, "/me")
    assert token == body["csrf_token"]
    saved = await client.post(
        "/me",
        data={"csrf_token": token, "display_name": "Alice L.", "language": "fr"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    patched = await client.patch(
        "/api/v1/me", json={"display_name": "Alice M."}, headers={"X-CSRF-Token": token}
    )
    assert patched.status_code == 200 and patched.json()["display_name"] == "Alice M."


async def test_a_token_belongs_to_its_session(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    alice = await sign_in(client, database, "alice@example.org")
    client.cookies.clear()
    await sign_in(client, database, "bob@example.org")
    response = await client.patch(
        "/api/v1/me", json={"display_name": "Pirate"}, headers={"X-CSRF-Token": alice["csrf_token"]}
    )
    assert refused(response)
    async with database.session() as session:
        bob = await session.scalar(select(User).where(User.id == world.bob.user.id))
        assert bob is not None and bob.display_name == "Bob"


async def test_bearer_tokens_need_no_csrf_token(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await sign_in(client, database, "bob@example.org")  # a cookie is there too
    response = await client.patch(
        "/api/v1/me", json={"display_name": "Alice B."}, headers=world.alice.headers
    )
    assert response.status_code == 200 and response.json()["display_name"] == "Alice B."


async def test_the_anonymous_cookie_comes_with_forms_only(
    client: AsyncTestClient[Litestar], world: World
) -> None:
    home = await client.get("/")
    assert "participe_csrf" not in home.headers.get("set-cookie", "")
    form = await client.get("/signin")
    cookie = form.headers["set-cookie"]
    assert cookie.startswith("participe_csrf=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie
    again = await client.get("/signin")
    assert "set-cookie" not in again.headers  # the same cookie, the same token
    assert csrf_in(again.text) == csrf_in(form.text)
    assert SESSION_COOKIE not in client.cookies
