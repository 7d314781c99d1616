"""Submitting a proposal from the pages: the form from the field definitions, drafts,
images, and every bad input coming back with a message and what was typed."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image

from core import uploads
from core.settings import Settings
from tests.conftest import World
from tests.helpers import phases_now, solved_form
from tests.web.front_helpers import SLUG, Client, dialogue, errors_of, image_bytes, text_of

NEW = f"/dialogues/{SLUG}/proposals/new"


def _form(**changes: str) -> dict[str, str]:
    data = {
        "title": "Un jardin partagé",
        "body": "Place du marché, avec des bacs.",
        "theme": "nature",
        "sector": "sud",
        "lat": "47,2184",
        "lng": "-1.5536",
        "field__quartier": "Centre",
        "field__telephone": "0600000000",
        "field__cp": "44000",
        "field__public": "tous",
        "field__accord": "on",
        "action": "publish",
    }
    data.update(changes)
    return data


async def _solved(client: Client, world: World, **changes: str) -> dict[str, str]:
    """The form as a browser with JavaScript posts it: the values and the solved bot check."""
    return {**_form(**changes), **await solved_form(client, NEW, world.alice.headers)}


def _location(response: Any) -> str:
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


async def test_the_form_follows_the_dialogue(client: Client, world: World) -> None:
    await dialogue(client, world)
    page = await client.get(NEW, headers=world.alice.headers)
    assert page.status_code == 200
    html = page.text
    assert 'enctype="multipart/form-data"' in html
    for name in ("title", "body", "theme", "sector", "lat", "lng", "image"):
        assert f'name="{name}"' in html, name
    assert '<label for="field__quartier">Quartier *</label>' in html
    assert 'name="field__cp" type="text" inputmode="numeric" autocomplete="postal-code"' in html
    assert '<option value="enfants">Enfants</option>' in html
    assert 'type="checkbox" id="field__accord"' in html
    assert 'type="file" id="field__plan"' in html
    assert "data-location-picker" in html
    assert 'name="csrf_token"' in html


async def test_submitting_with_an_image(client: Client, world: World, settings: Settings) -> None:
    await dialogue(client, world)
    response = await client.post(
        NEW,
        data=await _solved(client, world),
        files={"image": ("photo.jpg", image_bytes((3000, 2000), exif=True), "image/jpeg")},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    location = _location(response)
    assert re.fullmatch(r"/proposals/\d+\?notice=proposal_published", location)
    proposal_id = int(location.split("/")[2].split("?")[0])
    created = (await client.get(f"/api/v1/proposals/{proposal_id}")).json()
    assert created["status"] == "published"
    assert created["location"] == {"lat": 47.2184, "lng": -1.5536}
    assert created["fields"] == {
        "quartier": "Centre",
        "cp": "44000",
        "public": "tous",
        "accord": True,
    }
    assert created["image_url"].startswith("/media/")
    stored = Path(settings.upload_dir) / created["image_url"].removeprefix("/media/")
    with Image.open(stored) as image:
        assert max(image.size) == 1600 and not image.getexif()
    media = await client.get(created["image_url"])
    assert media.status_code == 200
    assert media.headers["content-type"] == "image/jpeg"
    assert media.headers["x-content-type-options"] == "nosniff"
    page = await client.get(location, headers=world.alice.headers)
    assert "Votre proposition est publiée." in page.text
    assert f'src="{created["image_url"]}"' in page.text
    # The narrower sizes are offered to the browser, and served.
    narrow = uploads.sized_name(created["image_url"], 400)
    assert f'srcset="{narrow} 400w, ' in page.text
    sized = await client.get(narrow)
    assert sized.status_code == 200 and sized.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(sized.content)) as image:
        assert image.width == 400
    missing = await client.get(uploads.sized_name(created["image_url"], 401))
    assert missing.status_code == 404


async def test_every_bad_input_is_explained_and_kept(client: Client, world: World) -> None:
    await dialogue(client, world)
    response = await client.post(
        NEW,
        data=await _solved(
            client,
            world,
            title="Un",
            body="",
            lat="quarante",
            field__quartier="",
            field__cp="123",
            field__public="personne",
        ),
        files={"image": ("photo.jpg", image_bytes((400, 300)), "image/jpeg")},
        headers=world.alice.headers,
    )
    assert response.status_code == 422
    assert errors_of(response.text) == [
        "Le titre doit compter de 3 à 200 caractères.",
        "Décrivez votre proposition.",
        "Indiquez une latitude (entre -90 et 90) et une longitude (entre -180 et 180), "
        "par exemple 47.2184 et -1.5536, ou choisissez le lieu sur la carte.",
        "Ce champ est obligatoire.",
        "Un code postal à cinq chiffres est attendu.",
        "Choisissez une des options proposées.",
    ]
    html = response.text
    assert 'value="quarante"' in html and 'value="0600000000"' in html and 'value="123"' in html
    assert 'id="title" name="title" type="text" maxlength="200" required value="Un"' in html
    assert 'aria-invalid="true"' in html
    assert "Le formulaire contient 6 erreurs" in text_of(html)
    # the image was kept: sent back as a stored name, shown, and used on the next try
    kept = re.findall(r'name="image_ref" value="([^"]+)"', html)
    assert len(kept) == 1
    fixed = await client.post(
        NEW,
        data=await _solved(client, world, image_ref=kept[0]),
        files={"field__plan": ("plan.pdf", b"%PDF-1.4 plan", "application/pdf")},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    proposal_id = int(_location(fixed).split("/")[2].split("?")[0])
    created = (
        await client.get(f"/api/v1/proposals/{proposal_id}", headers=world.alice.headers)
    ).json()
    assert created["image_url"] == f"/media/{kept[0]}"
    assert created["fields"]["plan"].endswith(".pdf")
    pdf = await client.get(f"/media/{created['fields']['plan']}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")


async def test_bad_files_are_refused_with_a_message(client: Client, world: World) -> None:
    await dialogue(client, world)
    cases = [
        ({"image": ("evil.jpg", b"<script>alert(1)</script>", "image/jpeg")}, "image"),
        ({"image": ("big.jpg", b"\xff" * (5 * 1024 * 1024 + 10), "image/jpeg")}, "image"),
        ({"field__plan": ("virus.exe", b"MZ\x90\x00", "application/pdf")}, "field__plan"),
    ]
    messages = []
    for files, name in cases:
        response = await client.post(
            NEW,
            data=await _solved(client, world, title="Titre gardé"),
            files=files,
            headers=world.alice.headers,
        )
        assert response.status_code == 422
        assert f'id="{name}-error"' in response.text
        assert 'value="Titre gardé"' in response.text
        messages += errors_of(response.text)
    assert messages == [
        "Ce fichier n'est pas une image (JPEG, PNG, WebP ou GIF).",
        "Le fichier dépasse 5 Mo.",
        "Format non accepté : envoyez une image ou un PDF.",
    ]


async def test_draft_then_edit_then_publish(client: Client, world: World) -> None:
    await dialogue(client, world)
    response = await client.post(
        NEW,
        data=await _solved(client, world, action="draft", body="", field__quartier=""),
        files={"image": ("a.png", image_bytes((20, 20), "PNG"), "image/png")},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    location = _location(response)  # a draft may be incomplete
    assert location.endswith("?notice=proposal_saved")
    proposal_id = int(location.split("/")[2].split("?")[0])
    assert (await client.get(f"/proposals/{proposal_id}")).status_code == 404
    edit = await client.get(f"/proposals/{proposal_id}/edit", headers=world.alice.headers)
    assert 'value="Un jardin partagé"' in edit.text and 'value="47.218400"' in edit.text
    assert 'name="image_ref"' in edit.text
    other = await client.get(f"/proposals/{proposal_id}/edit", headers=world.bob.headers)
    assert other.status_code == 404  # a draft is unknown to others
    # publishing from the page refuses what is incomplete, in the form
    refused = await client.post(
        f"/proposals/{proposal_id}/publish", data={}, headers=world.alice.headers
    )
    assert refused.status_code == 422
    assert "obligatoire" in text_of(refused.text)
    saved = await client.post(
        f"/proposals/{proposal_id}/edit",
        data=await _solved(
            client, world, body="Complet", image_ref="", lat="", lng="", action="publish"
        ),
        files={"unused": ("x.txt", b"", "text/plain")},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    assert _location(saved).endswith("?notice=proposal_published")
    published = (await client.get(f"/api/v1/proposals/{proposal_id}")).json()
    assert published["status"] == "published"
    assert published["body"] == "Complet"
    assert published["location"] is None and published["image_url"] is None
    forbidden = await client.get(f"/proposals/{proposal_id}/edit", headers=world.bob.headers)
    assert forbidden.status_code == 403


async def test_proposals_closed_and_signed_out(client: Client, world: World) -> None:
    await dialogue(client, world, phases=phases_now("vote"))
    anonymous = await client.get(NEW, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/signin?next={NEW}"
    closed = await client.get(NEW, headers=world.alice.headers)
    assert "Le dépôt des propositions n'est pas ouvert." in text_of(closed.text)
    assert 'name="title"' not in closed.text
    posted = await client.post(
        NEW,
        data=_form(),
        files={"unused": ("x.txt", b"", "text/plain")},
        headers=world.alice.headers,
    )
    assert posted.status_code == 409
    assert "Le dépôt des propositions n'est pas ouvert." in text_of(posted.text)
