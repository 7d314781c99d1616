"""What is private stays private: unique canary strings are put in every private place of
an organisation (confidential field values, drafts, what moderation hides or holds back,
internal review notes, questionnaire answers, the author's email address and postal
code), then every GET route of the app, filled with the real ids of the organisation's
objects and tried with query variants, and every same-host link of the pages that come
back, are fetched by an anonymous visitor, by another citizen (with a bearer token and
with a signed-in browser) and by the administrator of another organisation on its own
host: no response body or header may hold a canary. The author and
the staff, crawling the same way, do find them, which proves the canaries are stored and
reachable for whom they are meant.

Two things are public by design and hold no canary: a refused proposal (citizens see why
a proposal was refused; only its confidential values stay hidden), and the proposals of a
dialogue whose phases are restricted to a group (a group restricts who may act, not who
may read).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core import signed_links, unsubscribe_links
from core.db import Database, utcnow
from core.models import Block, Dialogue, Group, Organisation, OutboxMessage, Proposal, User
from core.models.users import Role
from core.services import organisations, page_blocks
from core.settings import Settings
from tests.conftest import Person, World
from tests.crawl_helpers import Crawl, crawl, walk_urls
from tests.helpers import ADMIN_DIALOGUES, phases_now
from tests.signin_helpers import sign_in

Client = AsyncTestClient[Litestar]
SLUG = "comite-2027"
SURVEY = "sondage-2027"
GROUP = "Comité de quartier"
OTHER_HOST = "participer.voisine.example"


def canary(tag: str) -> str:
    return f"zq{tag}{secrets.token_hex(4)}"


#: Each private place's canary (a fresh one each run).
CANARIES = {
    name: canary(tag)
    for name, tag in (
        ("confidential value", "cf"),
        ("confidential value of a refused proposal", "cr"),
        ("draft title", "dt"),
        ("draft body", "db"),
        ("hidden proposal title", "ht"),
        ("hidden proposal body", "hb"),
        ("why the proposal was hidden", "hr"),
        ("held proposal title", "pt"),
        ("hidden comment", "hc"),
        ("why the comment was hidden", "cw"),
        ("review note", "rn"),
        ("questionnaire answer", "qa"),
        ("email address", "em"),
        ("postal code", "pc"),
    )
}
#: What the author finds again in their own pages and answers.
AUTHOR_SEES = (
    "confidential value",
    "confidential value of a refused proposal",
    "draft title",
    "draft body",
    "hidden proposal title",
    "why the proposal was hidden",
    "held proposal title",
    "questionnaire answer",
    "email address",
)
#: What the administrator finds in the back office and its exports.
STAFF_SEES = (
    "confidential value",
    "confidential value of a refused proposal",
    "draft title",
    "hidden proposal title",
    "why the proposal was hidden",
    "held proposal title",
    "hidden comment",
    "review note",
    "questionnaire answer",
    "email address",
)


async def api(client: Client, method: str, url: str, person: Person, **body: Any) -> Any:
    response = await client.request(method, url, headers=person.headers, **body)
    assert response.status_code < 400, f"{method} {url}: {response.text}"
    return response.json() if "json" in response.headers.get("content-type", "") else None


async def form(client: Client, url: str, person: Person, data: dict[str, str]) -> None:
    response = await client.post(url, data=data, headers=person.headers, follow_redirects=False)
    assert response.status_code in (200, 303), f"POST {url}: {response.status_code}"


async def build_world(client: Client, world: World) -> tuple[Person, dict[str, list[str]]]:
    """The private places, filled with their canaries; returns the author and the values
    of the path parameters of the crawl."""
    author = await world.person(
        f"{CANARIES['email address']}@example.org",
        display_name="Camille",
        postal_code=CANARIES["postal code"],
    )
    await api(client, "POST", "/api/v1/admin/groups", world.admin, json={"name": GROUP})
    await api(
        client,
        "PUT",
        f"/api/v1/admin/groups/{GROUP}/members/{author.user.email}",
        world.admin,
    )
    phases = phases_now("proposals")
    phases[0]["groups"] = [GROUP]
    await api(
        client,
        "POST",
        ADMIN_DIALOGUES,
        world.admin,
        json={
            "slug": SLUG,
            "title": "Le comité propose",
            "kind": "ideas",
            "description": "Les idées du comité.",
            "phases": phases,
            "themes": [{"key": "nature", "label": "Nature"}],
            "form": [
                {"key": "telephone", "label": "Téléphone", "type": "text", "confidential": True},
                {"key": "quartier", "label": "Quartier", "type": "text"},
            ],
        },
    )
    proposals = f"/api/v1/dialogues/{SLUG}/proposals"

    async def propose(title: str, body: str, **extra: Any) -> int:
        created = await api(
            client, "POST", proposals, author, json={"title": title, "body": body, **extra}
        )
        return int(created["id"])

    public = await propose(
        "Des arbres rue de la gare",
        "Plantons des arbres.",
        theme="nature",
        location={"lat": 47.2, "lng": -1.55},
        fields={"telephone": CANARIES["confidential value"], "quartier": "Centre"},
    )
    await propose(CANARIES["draft title"], CANARIES["draft body"], draft=True)
    hidden = await propose(CANARIES["hidden proposal title"], CANARIES["hidden proposal body"])
    refused = await propose(
        "Un parking sur la place",
        "Davantage de places.",
        fields={"telephone": CANARIES["confidential value of a refused proposal"]},
    )
    await form(
        client,
        f"/admin/proposals/{hidden}/moderate",
        world.admin,
        {"action": "hide", "reason": CANARIES["why the proposal was hidden"]},
    )
    await api(
        client,
        "PATCH",
        f"/api/v1/admin/proposals/{refused}",
        world.admin,
        json={"status": "refused", "status_reason": "Hors du périmètre."},
    )
    await form(
        client,
        f"/admin/proposals/{refused}/notes",
        world.admin,
        {"note": CANARIES["review note"]},
    )
    await api(client, "PATCH", f"{ADMIN_DIALOGUES}/{SLUG}", world.admin, json={"moderation": "pre"})
    held = await propose(CANARIES["held proposal title"], "En attente.")
    await api(
        client, "PATCH", f"{ADMIN_DIALOGUES}/{SLUG}", world.admin, json={"moderation": "post"}
    )

    comments = f"/api/v1/proposals/{public}/comments"
    await api(client, "POST", comments, author, json={"body": "Bonne idée."})
    comment = await api(client, "POST", comments, author, json={"body": CANARIES["hidden comment"]})
    await form(
        client,
        f"/admin/moderation/comments/{comment['id']}",
        world.admin,
        {"action": "hide", "reason": CANARIES["why the comment was hidden"]},
    )

    await api(
        client,
        "POST",
        ADMIN_DIALOGUES,
        world.admin,
        json={
            "slug": SURVEY,
            "title": "Votre avis",
            "kind": "questionnaire",
            "phases": phases_now("vote", ("information", "vote", "results")),
            "results_visibility": "live",
            "questionnaire": {
                "questions": [
                    {"kind": "scale", "text": "Satisfait·e ?", "min": 1, "max": 5},
                    {"kind": "text", "text": "Pourquoi ?"},
                ]
            },
        },
    )
    questions = await api(client, "GET", f"/api/v1/dialogues/{SURVEY}/questionnaire", author)
    scale, text = (question["id"] for question in questions["questions"])
    await api(
        client,
        "POST",
        f"/api/v1/dialogues/{SURVEY}/questionnaire/responses",
        author,
        json={"answers": {str(scale): 4, str(text): CANARIES["questionnaire answer"]}},
    )
    async with world.database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        await page_blocks.add_block(session, client.app.state.context.plugins, org, None, "text")
        await session.commit()
        ids = {
            "proposal_id": [str(i) for i in await session.scalars(select(Proposal.id))],
            "block_id": [str(i) for i in await session.scalars(select(Block.id))],
            "group_id": [str(i) for i in await session.scalars(select(Group.id))],
            "message_id": [str(i) for i in await session.scalars(select(OutboxMessage.id))],
            "user_id": [str(i) for i in await session.scalars(select(User.id))],
        }
    assert len(ids["proposal_id"]) == 5 and held
    return author, {
        **ids,
        "slug": [SLUG, SURVEY],
        "comment_id": [str(comment["id"])],
        "event_id": ["1"],
        "ballot_id": ["1"],
        "lang": ["en"],
        "path": ["openapi.json"],
        "name": [GROUP, "photo.jpg"],
        "email": [author.user.email or ""],
        "notification_id": ["1"],
        "number": ["1"],
        "token": [
            unsubscribe_links.sign(
                client.app.state.context.settings.secret_key, author.user.id, unsubscribe_links.ALL
            )
        ],
    }


async def other_organisation_admin(world: World) -> Person:
    async with world.database.session() as session:
        other = await organisations.create_organisation(
            session, slug="voisine", name="Ville voisine", hosts=[OTHER_HOST]
        )
        await session.commit()
    neighbour = World(other, world.admin, world.alice, world.bob, world.database)
    return await neighbour.person("maire@voisine.example", Role.ADMIN)


def export_token(settings: Settings, admin: Person, world: World, dialogue_id: int) -> str:
    return signed_links.sign(
        settings.secret_key,
        signed_links.ExportLink(
            user_id=admin.user.id,
            organisation_id=world.org.id,
            dialogue_id=dialogue_id,
            what="proposals",
            format="csv",
            expires_at=int((utcnow() + timedelta(days=1)).timestamp()),
        ),
    )


def leaks(found: Crawl, names: Any = CANARIES) -> dict[str, list[str]]:
    return {name: where for name in names if (where := found.containing(CANARIES[name]))}


async def test_no_canary_reaches_visitors_or_other_citizens(
    app: Litestar, client: Client, world: World, database: Database, settings: Settings
) -> None:
    author, values = await build_world(client, world)
    async with database.session() as session:
        dialogue_id = await session.scalar(select(Dialogue.id).where(Dialogue.slug == SLUG))
    assert dialogue_id is not None
    values["token"] = ["x", export_token(settings, world.admin, world, dialogue_id)]
    urls = walk_urls(app, values)
    assert len(urls) > 200, len(urls)  # the walk sees the app's routes

    visitors = {
        "anonymous": await crawl(client, urls),
        "a citizen (bearer token)": await crawl(client, urls, headers=world.bob.headers),
    }
    await sign_in(client, database, "bob@example.org")
    visitors["a citizen (signed-in browser)"] = await crawl(client, urls)
    client.cookies.clear()
    stranger = await other_organisation_admin(world)
    elsewhere = {**stranger.headers, "host": OTHER_HOST}
    visitors["another organisation's administrator"] = await crawl(client, urls, headers=elsewhere)
    client.cookies.clear()
    for who, found in visitors.items():
        errors = [u for u, r in found.responses.items() if r.status_code >= 500]
        assert errors == [], who
        assert leaks(found) == {}, who
    # On its own host, another organisation sees nothing of this one, public or not.
    assert visitors["another organisation's administrator"].containing("Des arbres") == []
    # The crawls went deep enough to see the public parts of the same objects.
    anonymous = visitors["anonymous"]
    assert anonymous.containing("Des arbres rue de la gare")
    assert anonymous.containing("Un parking sur la place")
    assert anonymous.containing("Camille")

    # A search for a private text finds nothing (no count, no map point).
    for name in ("draft title", "draft body", "hidden proposal title", "held proposal title"):
        for url in (
            f"/api/v1/dialogues/{SLUG}/proposals",
            f"/api/v1/dialogues/{SLUG}/proposals.geojson",
        ):
            found = (
                await client.get(url, params={"q": CANARIES[name]}, headers=world.bob.headers)
            ).json()
            assert found.get("total", 0) == 0 and found.get("features", []) == [], (name, url)
        page = await client.get(f"/dialogues/{SLUG}/proposals", params={"q": CANARIES[name]})
        assert "/proposals/" not in page.text.replace(f"/dialogues/{SLUG}/proposals", ""), name

    # The author and the staff find what is theirs to see: the canaries are there.
    own = await crawl(client, urls, headers=author.headers)
    assert set(leaks(own, AUTHOR_SEES)) == set(AUTHOR_SEES)
    staff = await crawl(client, urls, headers=world.admin.headers)
    assert set(leaks(staff, STAFF_SEES)) == set(STAFF_SEES)


async def test_refusals_do_not_echo_confidential_values(client: Client, world: World) -> None:
    """A confidential value that fails validation is not written back in the error."""
    secret = canary("er")
    await api(
        client,
        "POST",
        ADMIN_DIALOGUES,
        world.admin,
        json={
            "slug": SLUG,
            "title": "Le comité propose",
            "kind": "ideas",
            "phases": phases_now("proposals"),
            "form": [
                {"key": "age", "label": "Âge", "type": "number", "confidential": True},
                {
                    "key": "choix",
                    "label": "Choix",
                    "type": "choice",
                    "confidential": True,
                    "options": [{"key": "a", "label": "A"}],
                },
                {"key": "cp", "label": "Code postal", "type": "postal_code", "confidential": True},
                {"key": "tel", "label": "Tél.", "type": "text", "confidential": True},
            ],
        },
    )
    proposals = f"/api/v1/dialogues/{SLUG}/proposals"
    for fields in ({"age": secret}, {"choix": secret}, {"cp": secret}, {"tel": secret * 400}):
        response = await client.post(
            proposals,
            json={"title": "Une idée", "body": ".", "fields": fields},
            headers=world.alice.headers,
        )
        assert response.status_code in (400, 422), response.text
        assert secret not in response.text, fields
    page = await client.post(
        f"/dialogues/{SLUG}/proposals/new",
        data={"title": "x", "body": ".", "field__age": secret},
        headers=world.alice.headers,
    )
    assert page.status_code in (200, 400, 422)
    assert secret not in page.text.replace(f'value="{secret}"', "")
    created = await api(
        client, "POST", proposals, world.alice, json={"title": "Une idée", "fields": {"tel": "1"}}
    )
    changed = await client.patch(
        f"/api/v1/proposals/{created['id']}",
        json={"fields": {"age": secret}},
        headers=world.alice.headers,
    )
    assert changed.status_code in (400, 422) and secret not in changed.text
    stranger = await world.person("moderatrice@ville.test", Role.CITIZEN)
    refused = await client.patch(
        f"/api/v1/proposals/{created['id']}",
        json={"fields": {"tel": secret}},
        headers=stranger.headers,
    )
    assert refused.status_code == 403 and secret not in refused.text
