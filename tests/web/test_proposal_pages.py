"""The proposal page and its discussion: fields, confidentiality, comments, reports."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.db import Database
from core.models import CommentReport
from tests.conftest import World
from tests.web.front_helpers import Client, dialogue, errors_of, proposal, text_of


async def test_proposal_page_shows_what_a_citizen_may_see(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(
        client, world.alice.headers, fields={"quartier": "Centre", "telephone": "0600000000"}
    )
    url = f"/proposals/{created['id']}"
    page = await client.get(url)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Des pistes cyclables rue Nationale" in text
    assert "Sécuriser les trajets vers l'école." in text
    assert "Quartier Centre" in text
    assert "0600000000" not in page.text  # confidential
    assert "Thème : Mobilité" in text and "Secteur : Nord" in text
    assert 'property="og:title" content="Des pistes cyclables rue Nationale"' in page.text
    assert "https://www.facebook.com/sharer/sharer.php?u=" in page.text
    assert 'data-point="47.2184,-1.5536"' in page.text
    assert "<script>" not in page.text  # no inline script
    assert "Connectez-vous pour commenter" in page.text
    own = await client.get(url, headers=world.alice.headers)
    assert "0600000000" in own.text and "confidentiel" in own.text
    assert f'href="/proposals/{created["id"]}/edit"' in own.text


async def test_reviewers_answer_is_shown(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    response = await client.patch(
        f"/api/v1/admin/proposals/{created['id']}",
        json={"status": "refused", "status_reason": "Hors compétence de la commune."},
        headers=world.admin.headers,
    )
    assert response.status_code == 200
    text = text_of((await client.get(f"/proposals/{created['id']}")).text)
    assert "Réponse de la collectivité Non retenue Hors compétence de la commune." in text


async def test_unknown_and_draft_proposals_are_not_found(client: Client, world: World) -> None:
    await dialogue(client, world)
    assert (await client.get("/proposals/4242")).status_code == 404
    draft = await proposal(client, world.alice.headers, draft=True)
    assert (await client.get(f"/proposals/{draft['id']}")).status_code == 404
    own = await client.get(f"/proposals/{draft['id']}", headers=world.alice.headers)
    assert own.status_code == 200
    assert "visible que par vous" in own.text


async def test_posting_a_comment_and_a_reply_from_the_page(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    url = f"/proposals/{created['id']}"
    response = await client.post(
        f"{url}/comments", data={"body": "Très bonne idée"}, headers=world.bob.headers
    )
    assert response.status_code == 200  # after the redirect
    assert "Votre commentaire est publié." in response.text
    comment_id = int(re.findall(r'id="comment-(\d+)"', response.text)[0])
    reply = await client.post(
        f"{url}/comments",
        data={"body": "Merci Bob", "parent_id": str(comment_id)},
        headers=world.alice.headers,
    )
    assert reply.status_code == 200
    page = reply.text
    assert page.index("Très bonne idée") < page.index("Merci Bob")
    assert 'class="comments comment-replies"' in page
    assert "2 commentaires" in page


async def test_a_bad_comment_comes_back_with_its_text(client: Client, world: World) -> None:
    await dialogue(client, world, comments={"mode": "qualified"})
    created = await proposal(client, world.alice.headers)
    response = await client.post(
        f"/proposals/{created['id']}/comments",
        data={"body": "Je ne sais pas quoi penser"},
        headers=world.bob.headers,
    )
    assert response.status_code == 422
    assert errors_of(response.text) == ["Choisissez « pour » ou « contre »."]
    assert "Je ne sais pas quoi penser</textarea>" in response.text
    empty = await client.post(
        f"/proposals/{created['id']}/comments",
        data={"body": "  ", "stance": "for"},
        headers=world.bob.headers,
    )
    assert empty.status_code == 422
    assert errors_of(empty.text) == ["Écrivez votre commentaire."]
    assert 'value="for" checked' in empty.text


async def test_qualified_comments_in_two_columns(client: Client, world: World) -> None:
    await dialogue(client, world, comments={"mode": "qualified"})
    created = await proposal(client, world.alice.headers)
    for body, stance in (("Utile", "for"), ("Trop cher", "against"), ("Sûr", "for")):
        response = await client.post(
            f"/proposals/{created['id']}/comments",
            data={"body": body, "stance": stance},
            headers=world.bob.headers,
        )
        assert response.status_code == 200
    text = text_of(response.text)
    assert "Arguments pour (2)" in text and "Arguments contre (1)" in text
    columns = response.text.split('class="comment-column comment-column-against"')
    assert "Utile" in columns[0] and "Sûr" in columns[0] and "Trop cher" in columns[1]


async def test_comments_off_hide_the_discussion(client: Client, world: World) -> None:
    await dialogue(client, world, comments={"mode": "off"})
    created = await proposal(client, world.alice.headers)
    page = await client.get(f"/proposals/{created['id']}", headers=world.bob.headers)
    assert 'id="comments"' not in page.text
    refused = await client.post(
        f"/proposals/{created['id']}/comments", data={"body": "x"}, headers=world.bob.headers
    )
    assert refused.status_code == 404


async def test_anonymous_comment_goes_to_sign_in(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    client.cookies.clear()
    page = await client.get(f"/proposals/{created['id']}")
    token = re.findall(r'name="csrf_token" value="([^"]+)"', page.text)
    data = {"body": "Anonyme"} | ({"csrf_token": token[0]} if token else {})
    response = await client.post(
        f"/proposals/{created['id']}/comments", data=data, follow_redirects=False
    )
    assert response.status_code in (303, 403)
    if response.status_code == 303:
        assert response.headers["location"].startswith("/signin?next=/proposals/")


async def test_reporting_a_comment_from_the_page(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    await client.post(
        f"/proposals/{created['id']}/comments", data={"body": "Spam"}, headers=world.bob.headers
    )
    page = await client.get(f"/proposals/{created['id']}", headers=world.alice.headers)
    comment_id = int(re.findall(r'action="/comments/(\d+)/report"', page.text)[0])
    response = await client.post(
        f"/comments/{comment_id}/report", data={"reason": "publicité"}, headers=world.alice.headers
    )
    assert response.status_code == 200
    assert "le commentaire a été signalé" in response.text
    async with database.session() as session:
        report = await session.scalar(select(CommentReport))
    assert report is not None and report.reason == "publicité"
    own = await client.get(f"/proposals/{created['id']}", headers=world.bob.headers)
    assert f'action="/comments/{comment_id}/report"' not in own.text  # not one's own
