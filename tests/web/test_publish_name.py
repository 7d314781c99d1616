"""A citizen whose account has no name is asked, on the proposal and comment forms, the
name to publish under: optional, saved to their account; one with a name is not asked."""

from __future__ import annotations

from sqlalchemy import func, select

from core.db import Database
from core.models import Comment, Proposal, User
from tests.conftest import World
from tests.helpers import solved_form
from tests.signin_helpers import form_token, sign_in
from tests.web.front_helpers import SLUG, Client, dialogue, proposal

NEW = f"/dialogues/{SLUG}/proposals/new"


async def _user(database: Database, email: str) -> User:
    async with database.session() as session:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        return user


async def _publish(client: Client, **fields: str) -> object:
    return await client.post(
        NEW,
        data={
            **await solved_form(client, NEW),
            "title": "Un kiosque à livres",
            "body": "Pour échanger des livres.",
            "action": "publish",
            **fields,
        },
        follow_redirects=False,
    )


async def test_a_proposal_asks_the_name_and_keeps_it_on_the_account(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world, form=[])
    await sign_in(client, database, "carole@example.org")
    form = await client.get(NEW)
    assert 'name="display_name"' in form.text
    assert "Nom sous lequel publier" in form.text
    english = await client.get(NEW, headers={"Accept-Language": "en"})
    assert "Name to publish under" in english.text

    refused = await _publish(client, display_name="Caro\u202ele")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Ce nom contient des caractères refusés." in refused.text  # type: ignore[attr-defined]
    assert 'value="Un kiosque à livres"' in refused.text  # type: ignore[attr-defined]
    async with database.session() as session:
        assert await session.scalar(select(func.count(Proposal.id))) == 0

    published = await _publish(client, display_name="  Carole   M. ")
    assert published.status_code == 303  # type: ignore[attr-defined]
    assert (await _user(database, "carole@example.org")).display_name == "Carole M."
    page = await client.get(published.headers["location"])  # type: ignore[attr-defined]
    assert "Carole M." in page.text
    assert 'name="display_name"' not in (await client.get(NEW)).text  # asked once


async def test_the_name_is_optional_and_a_named_citizen_is_not_asked(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world, form=[])
    await sign_in(client, database, "dan@example.org")
    published = await _publish(client, display_name="")
    assert published.status_code == 303  # type: ignore[attr-defined]
    assert (await _user(database, "dan@example.org")).display_name == ""
    client.cookies.clear()
    await sign_in(client, database, "alice@example.org")
    assert 'name="display_name"' not in (await client.get(NEW)).text


async def test_a_comment_asks_the_name_too(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world, comments={"mode": "thread"})
    created = await proposal(client, world.alice.headers)
    page_path = f"/proposals/{created['id']}"
    await sign_in(client, database, "eve@example.org")
    page = await client.get(page_path)
    assert 'id="comment-display-name"' in page.text
    too_long = await client.post(
        f"{page_path}/comments",
        data={
            "csrf_token": await form_token(client, page_path),
            "body": "Bonne idée.",
            "display_name": "E" * 81,
        },
    )
    assert too_long.status_code == 422
    assert "Le nom doit compter 80 caractères au plus." in too_long.text
    async with database.session() as session:
        assert await session.scalar(select(func.count(Comment.id))) == 0
    posted = await client.post(
        f"{page_path}/comments",
        data={
            "csrf_token": await form_token(client, page_path),
            "body": "Bonne idée.",
            "display_name": "Ève",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    assert (await _user(database, "eve@example.org")).display_name == "Ève"
    after = await client.get(page_path)
    assert "Ève" in after.text
    assert 'id="comment-display-name"' not in after.text
