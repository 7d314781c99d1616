"""Signing in from an embedded dialogue: the link opens a window of its own and comes back
to the dialogue; the frame's own cookie (``SameSite=None``) signs in the frame's pages and
the forms they post, and nothing else; the back office shows the code to embed."""

from __future__ import annotations

import re

from core.db import Database
from core.models import Organisation
from participe.testing import switch_phase
from tests.conftest import World
from tests.signin_helpers import csrf_in, latest_token
from tests.web.front_helpers import SLUG, Client, dialogue, proposal

EMBED = f"/embed/dialogues/{SLUG}"


async def _voting(client: Client, world: World) -> int:
    await dialogue(client, world, vote={"type": "support", "settings": {"max_votes": 2}})
    created = await proposal(client, world.alice.headers, title="Un banc")
    await switch_phase(client, world.admin.headers, SLUG, "vote")
    return int(created["id"])


async def _set_cookies(client: Client, database: Database, email: str) -> list[str]:
    """Signs in through the API and returns the ``Set-Cookie`` headers of the answer,
    with the client's cookie jar emptied (the tests send the cookies they mean to)."""
    assert (await client.post("/api/v1/auth/email", json={"email": email})).status_code == 202
    token = await latest_token(database, email)
    verified = await client.post("/api/v1/auth/verify", json={"token": token})
    assert verified.status_code == 200, verified.text
    client.cookies.clear()
    client.headers["X-CSRF-Token"] = verified.json()["csrf_token"]
    return verified.headers.get_list("set-cookie")


def _cookie(headers: list[str], name: str) -> tuple[str, str]:
    """The value and the full header of the cookie ``name``."""
    for header in headers:
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0].split("=", 1)[1], header
    raise AssertionError(f"no {name} cookie in {headers}")


async def test_the_frame_cookie_is_same_site_none_and_secure(
    client: Client, world: World, database: Database
) -> None:
    headers = await _set_cookies(client, database, "bob@example.org")
    session, session_header = _cookie(headers, "participe_session")
    frame, frame_header = _cookie(headers, "participe_embed")
    assert frame == session
    assert "samesite=lax" in session_header.lower()
    assert "samesite=none" in frame_header.lower()
    assert "secure" in frame_header.lower()
    assert "httponly" in frame_header.lower()
    signed_out = await client.post(
        "/api/v1/auth/logout", headers={"Cookie": f"participe_session={session}"}
    )
    assert signed_out.status_code == 204, signed_out.text
    cleared = _cookie(signed_out.headers.get_list("set-cookie"), "participe_embed")[1]
    assert "max-age=0" in cleared.lower()


async def test_signed_out_frame_opens_the_sign_in_in_a_window_back_to_the_dialogue(
    client: Client, world: World
) -> None:
    await _voting(client, world)
    page = await client.get(EMBED)
    link = (
        f'<a href="/signin?next=/dialogues/{SLUG}" target="_blank" rel="noopener" '
        "data-signin-window>"
    )
    assert link in page.text
    assert '<script src="/static/js/embed.js" defer></script>' in page.text


async def test_the_frame_cookie_signs_in_the_frame_and_its_vote_only(
    client: Client, world: World, database: Database
) -> None:
    proposal_id = await _voting(client, world)
    frame, _ = _cookie(await _set_cookies(client, database, "bob@example.org"), "participe_embed")
    cookie = {"Cookie": f"participe_embed={frame}"}
    del client.headers["X-CSRF-Token"]

    page = await client.get(EMBED, headers=cookie)
    assert "Connectez-vous pour voter" not in page.text
    assert f'action="/proposals/{proposal_id}/vote"' in page.text
    # elsewhere, a cross-site request with only this cookie is signed out
    full = await client.get(f"/dialogues/{SLUG}/proposals", headers=cookie)
    assert "Connectez-vous pour voter" in full.text
    me = await client.get("/api/v1/me", headers=cookie)
    assert me.status_code == 401

    # the vote posted by the frame needs the page's token, and counts
    refused = await client.post(
        f"/proposals/{proposal_id}/vote",
        data={"action": "cast", "value": "1"},
        headers={**cookie, "Referer": f"{str(client.base_url).rstrip('/')}{EMBED}"},
    )
    assert refused.status_code == 403
    voted = await client.post(
        f"/proposals/{proposal_id}/vote",
        data={"action": "cast", "value": "1", "csrf_token": csrf_in(page.text)},
        headers={**cookie, "Referer": f"{str(client.base_url).rstrip('/')}{EMBED}"},
        follow_redirects=False,
    )
    assert voted.status_code == 303, voted.text
    assert voted.headers["location"].startswith(f"{EMBED}?notice=vote_cast")
    after = await client.get(EMBED, headers=cookie)
    assert "Vous soutenez cette proposition." in after.text


async def test_the_back_office_shows_the_code_to_embed(
    client: Client, world: World, database: Database
) -> None:
    await _voting(client, world)
    tab = await client.get(f"/admin/dialogues/{SLUG}/modules", headers=world.admin.headers)
    assert "Aucun site n&#39;est encore autorisé" in tab.text or "Aucun site n'est" in tab.text
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {**org.options, "embedding_sites": ["https://www.ville.fr"]}
        await session.commit()
    tab = await client.get(f"/admin/dialogues/{SLUG}/modules", headers=world.admin.headers)
    code = re.search(r'<textarea id="embed-code"[^>]*>([^<]*)</textarea>', tab.text)
    assert code is not None
    assert f"/embed/dialogues/{SLUG}&#34;" in code.group(
        1
    ) or f"/embed/dialogues/{SLUG}&quot;" in code.group(1)
    assert "&lt;iframe src=" in code.group(1)
    assert "<code>https://www.ville.fr</code>" in tab.text
    off = await client.post(
        f"/admin/dialogues/{SLUG}/modules/embed/off",
        headers=world.admin.headers,
    )
    assert off.status_code in (200, 303), off.text
    tab = await client.get(f"/admin/dialogues/{SLUG}/modules", headers=world.admin.headers)
    assert 'id="embed-code"' not in tab.text


async def test_allowed_sites_may_be_on_this_machine_over_http(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {"embedding_sites": ["http://localhost:8000", "http://127.0.0.2:81"]}
        await session.commit()
    policy = (await client.get(EMBED)).headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self' http://localhost:8000 http://127.0.0.2:81")
