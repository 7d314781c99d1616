"""A dialogue's image, set in its back office: the banner of its presentation page, the
picture of its card on the home page, in the API; a file that is not an image is refused
with what is stored kept, and the image can be removed."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from core.db import Database
from core.models import AuditEntry, Dialogue
from tests.conftest import World
from tests.web.front_helpers import SLUG, Client, dialogue, image_bytes, text_of

IMAGE_URL = f"/admin/dialogues/{SLUG}/image"


async def _send(client: Client, world: World, content: bytes, **fields: str) -> httpx.Response:
    response: httpx.Response = await client.post(
        IMAGE_URL,
        data=fields,
        files={"image": ("banniere.png", content, "image/png")},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    return response


async def _image_of(database: Database) -> str | None:
    async with database.session() as session:
        found: str | None = await session.scalar(
            select(Dialogue.image_path).where(Dialogue.slug == SLUG)
        )
    return found


async def test_an_image_becomes_the_banner_and_the_home_cards_picture(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    page = await client.get(f"/admin/dialogues/{SLUG}", headers=world.admin.headers)
    assert 'enctype="multipart/form-data"' in page.text and 'name="image"' in page.text
    sent = await _send(client, world, image_bytes((1600, 600)))
    assert sent.status_code == 303, sent.text
    stored = await _image_of(database)
    assert stored is not None and stored.endswith(".jpg")

    home = await client.get(f"/dialogues/{SLUG}")
    assert f'class="dialogue-banner" src="/media/{stored}"' in home.text
    assert f"/media/{stored.replace('.jpg', '-w800.jpg')} 800w" in home.text
    listing = await client.get(f"/dialogues/{SLUG}/proposals")
    assert "dialogue-banner" not in listing.text  # the lists come first on other tabs
    front = await client.get("/")
    assert f'class="dialogue-card-image" src="/media/{stored}"' in front.text
    api = await client.get(f"/api/v1/dialogues/{SLUG}")
    assert api.json()["image_url"] == f"/media/{stored}"
    async with database.session() as session:
        entry = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "dialogue.image")
        )
    assert entry is not None and entry.details == {"image": "set"}

    removed = await client.post(
        IMAGE_URL,
        data={"remove_image": "on"},
        files={"image": ("", b"", "application/octet-stream")},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert await _image_of(database) is None
    assert "dialogue-banner" not in (await client.get(f"/dialogues/{SLUG}")).text
    assert (await client.get(f"/api/v1/dialogues/{SLUG}")).json()["image_url"] is None


async def test_what_is_not_an_image_is_refused_and_the_image_kept(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    assert (await _send(client, world, image_bytes((800, 300)))).status_code == 303
    kept = await _image_of(database)
    refused = await _send(client, world, b"<svg onload=alert(1)>")
    assert refused.status_code == 422
    assert "Ce fichier n'est pas une image" in text_of(refused.text)
    nothing = await client.post(
        IMAGE_URL,
        files={"image": ("", b"", "application/octet-stream")},
        headers=world.admin.headers,
    )
    assert nothing.status_code == 422
    assert "Choisissez une image, ou cochez « Retirer l'image »." in text_of(nothing.text)
    english = await client.post(
        IMAGE_URL,
        files={"image": ("", b"", "application/octet-stream")},
        headers={**world.admin.headers, "Accept-Language": "en"},
    )
    assert "Choose an image, or tick “Remove the image”." in text_of(english.text)
    assert await _image_of(database) == kept
    stranger = await client.post(
        IMAGE_URL,
        files={"image": ("b.png", image_bytes((800, 300)), "image/png")},
        headers=world.alice.headers,
    )
    assert stranger.status_code == 403
