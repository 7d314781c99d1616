"""Sign-in pages: the form, "check your email", the link's confirmation page (its GET
never signs in: mail scanners open links), and sign-out."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import Database
from core.models import Organisation, SignInToken
from tests.conftest import World
from tests.helpers import solved_form
from tests.signin_helpers import (
    SESSION_COOKIE,
    csrf_in,
    form_token,
    latest_token,
    outbox_messages,
)


async def ask_by_form(
    client: AsyncTestClient[Litestar], email: str, next_path: str = ""
) -> tuple[int, str]:
    fields = await solved_form(client, "/signin")
    response = await client.post(
        "/signin", data={"email": email, "next": next_path, **fields}, follow_redirects=False
    )
    return response.status_code, response.headers.get("location", response.text)


async def test_signing_in_with_the_pages(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    form = await client.get("/signin")
    assert form.status_code == 200
    assert 'type="email"' in form.text and 'name="csrf_token"' in form.text

    status, location = await ask_by_form(client, "alice@example.org")
    assert (status, location) == (303, "/signin/check-your-email")
    sent = await client.get(location)
    assert sent.status_code == 200 and "15 minutes" in sent.text

    token = await latest_token(database, "alice@example.org")
    confirm = await client.get(f"/signin/{token}")
    assert confirm.status_code == 200
    assert 'action="/signin/confirm"' in confirm.text and "<button" in confirm.text
    assert f'name="token" value="{token}"' in confirm.text
    assert SESSION_COOKIE not in client.cookies

    signed_in = await client.post(
        "/signin/confirm",
        data={"csrf_token": csrf_in(confirm.text), "token": token},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    assert SESSION_COOKIE in client.cookies
    account = await client.get("/me")
    assert account.status_code == 200 and "alice@example.org" in account.text

    signed_out = await client.post(
        "/signout", data={"csrf_token": csrf_in(account.text)}, follow_redirects=False
    )
    assert signed_out.status_code == 303
    assert SESSION_COOKIE not in client.cookies
    assert (await client.get("/me", follow_redirects=False)).status_code == 303


async def test_opening_the_link_does_not_use_it(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_by_form(client, "bob@example.org")
    token = await latest_token(database, "bob@example.org")
    for _ in range(3):  # a mail scanner, a preview, the citizen
        assert (await client.get(f"/signin/{token}")).status_code == 200
    async with database.session() as session:
        assert await session.scalar(select(SignInToken.used_at)) is None
    used = await client.post("/api/v1/auth/verify", json={"token": token})
    assert used.status_code == 200


async def test_a_used_or_unknown_link_shows_how_to_get_a_new_one(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    unknown = await client.get("/signin/nothing-here")
    assert unknown.status_code == 400 and 'href="/signin"' in unknown.text
    await ask_by_form(client, "bob@example.org")
    token = await latest_token(database, "bob@example.org")
    confirm = await client.get(f"/signin/{token}")
    await client.post(f"/signin/{token}", data={"csrf_token": csrf_in(confirm.text)})
    again = await client.post(
        f"/signin/{token}", data={"csrf_token": await form_token(client, "/signin")}
    )
    assert again.status_code == 400 and 'href="/signin"' in again.text


async def test_where_to_go_after_signing_in(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await ask_by_form(client, "bob@example.org", next_path="/me")
    token = await latest_token(database, "bob@example.org")
    confirm = await client.get(f"/signin/{token}?next=/me")
    assert 'name="next" value="/me"' in confirm.text
    signed_in = await client.post(
        f"/signin/{token}",
        data={"csrf_token": csrf_in(confirm.text), "next": "/me"},
        follow_redirects=False,
    )
    assert signed_in.headers["location"] == "/me"

    await ask_by_form(client, "bob@example.org", next_path="https://evil.example/")
    [mail, _] = await outbox_messages(database, "bob@example.org")
    assert "evil" not in mail.text_body
    token = await latest_token(database, "bob@example.org")
    confirm = await client.get(f"/signin/{token}")
    signed_in = await client.post(
        f"/signin/{token}",
        data={"csrf_token": csrf_in(confirm.text), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert signed_in.headers["location"] == "/"


async def test_a_bad_address_is_shown_on_the_form(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    status, page = await ask_by_form(client, "pas-une-adresse")
    assert status == 422
    assert 'aria-invalid="true"' in page and 'value="pas-une-adresse"' in page
    assert await outbox_messages(database) == []


async def test_the_form_needs_its_csrf_token(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    await client.get("/signin")  # the anonymous cookie, without its token
    refused = await client.post("/signin", data={"email": "alice@example.org"})
    assert refused.status_code == 403
    assert await outbox_messages(database) == []


async def test_the_header_offers_sign_in_then_the_account(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    assert 'href="/signin"' in (await client.get("/")).text
    await ask_by_form(client, "alice@example.org")
    token = await latest_token(database, "alice@example.org")
    confirm = await client.get(f"/signin/{token}")
    await client.post(f"/signin/{token}", data={"csrf_token": csrf_in(confirm.text)})
    home = (await client.get("/")).text
    assert 'href="/me"' in home and 'href="/signin"' not in home
    assert '<meta name="csrf-token"' in home


async def test_the_pages_speak_english_too(client: AsyncTestClient[Litestar], world: World) -> None:
    page = await client.get("/signin", headers={"Accept-Language": "en"})
    assert "Get a sign-in link" in page.text and 'lang="en"' in page.text


async def test_a_robot_filling_the_honeypot_is_answered_but_sent_nothing(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    form = await client.get("/signin")
    assert 'name="website"' in form.text and 'tabindex="-1"' in form.text
    response = await client.post(
        "/signin",
        data={
            "email": "alice@example.org",
            "website": "http://spam.example",
            "csrf_token": csrf_in(form.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/signin/check-your-email"
    assert await outbox_messages(database) == []


async def test_refused_email_domains(
    client: AsyncTestClient[Litestar], world: World, database: Database
) -> None:
    async with database.session() as session:
        await session.execute(
            update(Organisation).values(options={"refused_email_domains": ["Jetable.example"]})
        )
        await session.commit()
    status, page = await ask_by_form(client, "robot@mail.jetable.example")
    assert status == 422 and "ne sont pas acceptées" in page
    api = await client.post("/api/v1/auth/email", json={"email": "robot@jetable.example"})
    assert api.status_code == 422 and api.json()["code"] == "auth.email_domain_refused"
    assert await outbox_messages(database) == []
    status, _ = await ask_by_form(client, "someone@notjetable.example")
    assert status == 303
