"""Dialogue drafts: a draft is unknown to citizens and anonymous visitors everywhere (lists,
pages, feeds, API), its staff preview it with a banner, publishing shows it at once even
with the caches warm, and unpublishing is refused once someone has taken part."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from core.db import utcnow
from core.models import AuditEntry, Dialogue, Notification
from core.models.users import Role
from core.services import publication
from core.services.news_mail import NewsRuntime, remind_voters
from participe.testing import build_test_plugins
from tests.conftest import World
from tests.helpers import ADMIN_DIALOGUES, create_dialogue

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
BANNER = "Aperçu : cette démarche n'est pas publiée"


async def _draft(client: Client, world: World, **changes: Any) -> dict[str, Any]:
    return await create_dialogue(client, world.admin.headers, published=False, **changes)


async def _staff_proposal(client: Client, world: World) -> int:
    """A proposal of the administrator's in the draft (staff may prepare some)."""
    response = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Une idée de l'équipe", "body": "Pour montrer."},
        headers=world.admin.headers,
    )
    assert response.status_code == 201, response.text
    proposal_id: int = response.json()["id"]
    return proposal_id


def _draft_paths(proposal_id: int) -> list[str]:
    """What a draft answers 404 to outside its staff: pages, feeds, embed, API."""
    return [
        f"/dialogues/{SLUG}",
        f"/dialogues/{SLUG}/proposals",
        f"/dialogues/{SLUG}/proposals/new",
        f"/dialogues/{SLUG}/results",
        f"/dialogues/{SLUG}/agenda.ics",
        f"/embed/dialogues/{SLUG}",
        f"/proposals/{proposal_id}",
        f"/api/v1/dialogues/{SLUG}",
        f"/api/v1/dialogues/{SLUG}/proposals",
        f"/api/v1/dialogues/{SLUG}/proposals.geojson",
        f"/api/v1/dialogues/{SLUG}/results",
        f"/api/v1/dialogues/{SLUG}/ballot",
        f"/api/v1/proposals/{proposal_id}",
        f"/api/v1/proposals/{proposal_id}/comments",
    ]


async def test_a_draft_is_unknown_to_citizens_and_anonymous_visitors(
    client: Client, world: World
) -> None:
    created = await _draft(client, world)
    assert created["published"] is False
    proposal_id = await _staff_proposal(client, world)

    for path in _draft_paths(proposal_id):
        for headers in ({}, world.alice.headers):
            response = await client.get(path, headers=headers)
            # One's own ballot asks who one is first: an anonymous visitor learns nothing.
            expected = {401, 404} if path.endswith("/ballot") and not headers else {404}
            assert response.status_code in expected, (path, headers, response.status_code)
    assert (await client.get("/api/v1/dialogues")).json()["total"] == 0
    assert SLUG not in (await client.get("/")).text
    # Nothing a citizen sends reaches a draft either.
    posted = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Une idée", "body": "."},
        headers=world.alice.headers,
    )
    assert posted.status_code == 404
    voted = await client.put(
        f"/api/v1/dialogues/{SLUG}/ballot",
        json={"votes": [{"proposal_id": proposal_id}]},
        headers=world.alice.headers,
    )
    assert voted.status_code == 404
    followed = await client.post(f"/api/v1/dialogues/{SLUG}/follow", headers=world.alice.headers)
    assert followed.status_code == 404


async def test_staff_preview_a_draft_with_a_banner_never_cached(
    client: Client, world: World
) -> None:
    await _draft(client, world)
    proposal_id = await _staff_proposal(client, world)
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)

    for headers in (world.admin.headers, moderator.headers):
        for path in (
            f"/dialogues/{SLUG}",
            f"/dialogues/{SLUG}/proposals",
            f"/proposals/{proposal_id}",
        ):
            page = await client.get(path, headers=headers)
            assert page.status_code == 200, (path, page.status_code)
            assert BANNER in page.text, page.text[page.text.find("<main") :][:700]
            assert f'href="/admin/dialogues/{SLUG}#publication"' in page.text
            assert page.headers["cache-control"] == "no-store"
        api = await client.get(f"/api/v1/dialogues/{SLUG}", headers=headers)
        assert api.status_code == 200 and api.json()["published"] is False
    english = await client.get(
        f"/dialogues/{SLUG}", headers={**world.admin.headers, "Accept-Language": "en"}
    )
    assert "Preview: this dialogue is not published" in english.text
    # The staff's home page lists the public dialogues only, as everyone's does.
    assert SLUG not in (await client.get("/", headers=world.admin.headers)).text
    # The back office lists it, marked as a draft.
    listing = await client.get("/admin/dialogues", headers=world.admin.headers)
    assert SLUG in listing.text and "Brouillon" in listing.text


async def test_publishing_shows_the_draft_at_once_even_with_caches_warm(
    client: Client, world: World
) -> None:
    await create_dialogue(client, world.admin.headers, slug="deja-publique")
    await _draft(client, world)
    # Warm every cache: the worker's snapshot of the dialogue, the lists, the pages.
    for _ in range(2):
        assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 404
        assert (await client.get(f"/dialogues/{SLUG}")).status_code == 404
        assert (await client.get(f"/api/v1/dialogues/{SLUG}", headers=world.admin.headers)).json()[
            "published"
        ] is False
        assert (await client.get("/api/v1/dialogues")).json()["total"] == 1

    published = await client.post(f"{ADMIN_DIALOGUES}/{SLUG}/publish", headers=world.admin.headers)
    assert published.status_code == 200 and published.json()["published"] is True

    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).json()["published"] is True
    page = await client.get(f"/dialogues/{SLUG}", headers=world.alice.headers)
    assert page.status_code == 200 and BANNER not in page.text
    assert "cache-control" not in page.headers
    assert (await client.get("/api/v1/dialogues")).json()["total"] == 2
    assert SLUG in (await client.get("/")).text
    # Publishing again changes nothing and records nothing more.
    again = await client.post(f"{ADMIN_DIALOGUES}/{SLUG}/publish", headers=world.admin.headers)
    assert again.status_code == 200
    async with world.database.session() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.target == f"dialogue:{SLUG}")
            )
        )
    assert actions.count("dialogue.publish") == 1


async def test_another_workers_publication_is_not_hidden_by_a_snapshot(
    client: Client, world: World
) -> None:
    """This worker's snapshot of the draft may be older than a publication made by another
    worker (which does not tell this one): a draft is refused on the database's word."""
    await _draft(client, world)
    for _ in range(2):  # the snapshot is taken and served
        assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 404
    async with world.database.engine.begin() as connection:  # no ORM: no snapshot forgotten
        await connection.execute(
            update(Dialogue.__table__)
            .where(Dialogue.__table__.c.slug == SLUG)
            .values(published_at=utcnow())
        )
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 200
    assert (await client.get(f"/dialogues/{SLUG}")).status_code == 200


async def test_the_api_creates_public_dialogues_by_default(client: Client, world: World) -> None:
    created = await create_dialogue(client, world.admin.headers)
    assert created["published"] is True
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 200
    refused = await client.patch(
        f"{ADMIN_DIALOGUES}/{SLUG}", json={"published": False}, headers=world.admin.headers
    )
    assert refused.status_code == 422
    citizen = await client.post(f"{ADMIN_DIALOGUES}/{SLUG}/unpublish", headers=world.alice.headers)
    assert citizen.status_code == 403
    missing = await client.post(f"{ADMIN_DIALOGUES}/nope/publish", headers=world.admin.headers)
    assert missing.status_code == 404


async def test_unpublishing_is_refused_once_someone_took_part(client: Client, world: World) -> None:
    await create_dialogue(client, world.admin.headers)
    await _staff_proposal(client, world)  # the staff's own proposals are no participation
    unpublished = await client.post(
        f"{ADMIN_DIALOGUES}/{SLUG}/unpublish", headers=world.admin.headers
    )
    assert unpublished.status_code == 200 and unpublished.json()["published"] is False
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 404
    await client.post(f"{ADMIN_DIALOGUES}/{SLUG}/publish", headers=world.admin.headers)

    proposed = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Des arbres", "body": "Partout."},
        headers=world.alice.headers,
    )
    assert proposed.status_code == 201
    refused = await client.post(f"{ADMIN_DIALOGUES}/{SLUG}/unpublish", headers=world.admin.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "dialogue.has_participation"
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).status_code == 200

    page = await client.post(
        f"/admin/dialogues/{SLUG}/unpublish", headers=world.admin.headers, follow_redirects=False
    )
    assert page.status_code == 409
    assert "ne peut plus repasser en brouillon" in page.text
    async with world.database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert dialogue is not None and dialogue.published_at is not None


async def test_the_back_office_creates_a_draft_and_publishes_it(
    client: Client, world: World
) -> None:
    created = await client.post(
        "/admin/dialogues/new",
        data={"title": "Budget 2027", "slug": SLUG, "kind": "budget"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = await client.get(f"/admin/dialogues/{SLUG}", headers=world.admin.headers)
    assert "Brouillon" in page.text and f'action="/admin/dialogues/{SLUG}/publish"' in page.text
    assert (await client.get(f"/dialogues/{SLUG}")).status_code == 404

    published = await client.post(
        f"/admin/dialogues/{SLUG}/publish", headers=world.admin.headers, follow_redirects=False
    )
    assert published.status_code == 303
    assert published.headers["location"] == f"/admin/dialogues/{SLUG}?notice=dialogue_published"
    assert (await client.get(f"/dialogues/{SLUG}")).status_code == 200
    page = await client.get(f"/admin/dialogues/{SLUG}", headers=world.admin.headers)
    assert "Repasser en brouillon" in page.text
    async with world.database.session() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "dialogue.publish")
        )
    assert entry is not None and entry.target == f"dialogue:{SLUG}"
    assert entry.actor_id == world.admin.user.id


async def test_a_draft_announces_nothing_until_it_is_published(
    client: Client, world: World
) -> None:
    await _draft(client, world)
    async with world.database.session() as session:
        draft = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert draft is not None
        draft_id = draft.id
        now = utcnow()
        plugins = build_test_plugins()
        # Its proposals phase opened an hour ago: no announcement while it is a draft.
        assert draft_id not in await publication.due_dialogue_ids(session, now)
        assert await publication.catch_up(session, plugins, draft, now) == 0
    await client.post(f"{ADMIN_DIALOGUES}/{SLUG}/publish", headers=world.admin.headers)
    async with world.database.session() as session:
        assert draft_id in await publication.due_dialogue_ids(session, utcnow())
        news = await session.scalar(
            select(Notification.id).where(Notification.dialogue_id == draft_id)
        )
    assert news is None


async def test_a_draft_with_a_vote_ending_reminds_nobody(client: Client, world: World) -> None:
    now = utcnow()
    await _draft(
        client,
        world,
        kind="budget",
        vote={"type": "support", "settings": {"max_votes": 3}},
        budget={"amount": 1000, "rule": "greedy"},
        phases=[
            {"kind": "proposals", "starts_at": (now - timedelta(days=2)).isoformat()},
            {
                "kind": "vote",
                "starts_at": (now - timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(hours=2)).isoformat(),
            },
        ],
    )
    runtime = NewsRuntime(
        database=world.database,
        mailer=None,  # type: ignore[arg-type]  # nothing is mailed
        plugins=build_test_plugins(),
        secret_key="secret",
        base_url="http://ville.test",
    )
    assert await remind_voters(runtime, 24) == 0
    async with world.database.session() as session:
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert dialogue is not None
        phase = dialogue.phase(dialogue.phases[1].kind)
        assert phase is not None and phase.reminded_at is None
