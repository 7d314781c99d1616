"""The organisation page: white label, contrast check, hosts, languages, options, logo."""

from __future__ import annotations

import io
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select

from core.models import Organisation, OrganisationHost
from core.services import organisations
from tests.conftest import World

Client = AsyncTestClient[Litestar]
NO_FILE = {"logo": ("", b"", "application/octet-stream")}


def form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ville de Test",
        "primary_color": "#1f4e8c",
        "text_color": "#1a1a1a",
        "background_color": "#ffffff",
        "font_body": "humanist",
        "font_heading": "serif",
        "text_legal_notice": "Éditeur : la **mairie**.",
        "text_accessibility": "Conforme partiellement au RGAA.",
        "hosts": "participer.ville-test.fr\nhttps://Budget.Ville-Test.fr/",
        "languages": ["fr", "en"],
        "default_language": "fr",
        "options.retention.inactive_accounts_months": "24",
        "options.retention.sent_emails_days": "30",
        "options.retention.exports_days": "2",
        "options.retention.network_digests_days": "14",
        "options.refused_email_domains": "yopmail.com\n@Jetable.org",
        "options.embedding_sites": "https://www.ville-test.fr",
        "review.custom_statuses.0.label": "Étude technique",
        "review.custom_statuses.0.status": "under_review",
        "review.custom_statuses.0.key": "",
    }
    data.update(changes)
    return data


async def _org(world: World) -> Organisation:
    async with world.database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        return org


async def test_the_white_label_is_saved(client: Client, world: World) -> None:
    page = await client.get("/admin/organisation", headers=world.admin.headers)
    assert page.status_code == 200 and 'name="options.retention.sent_emails_days"' in page.text
    saved = await client.post(
        "/admin/organisation",
        data=form(),
        files=NO_FILE,
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    org = await _org(world)
    assert org.theme["primary_color"] == "#1f4e8c"
    assert org.theme["font_body"] == "humanist"
    assert org.texts["legal_notice"] == "Éditeur : la **mairie**."
    assert "signup" not in org.texts
    assert org.options["languages"] == ["fr", "en"]
    assert org.options["retention"] == {
        "inactive_accounts_months": 24,
        "sent_emails_days": 30,
        "exports_days": 2,
        "network_digests_days": 14,
    }
    assert org.options["refused_email_domains"] == ["jetable.org", "yopmail.com"]
    assert org.options["embedding_sites"] == ["https://www.ville-test.fr"]
    assert org.options["custom_statuses"] == [
        {"label": "Étude technique", "status": "under_review", "key": "etude-technique"}
    ]
    async with world.database.session() as session:
        hosts = set(await session.scalars(select(OrganisationHost.host)))
    assert hosts == {"participer.ville-test.fr", "budget.ville-test.fr"}
    css = await client.get("/theme.css")
    assert "--primary: #1f4e8c" in css.text and "--text: #1a1a1a" in css.text
    assert "font-family: var(--font-heading)" in css.text
    # The new host name serves this organisation.
    by_host = await client.get("/api/v1/dialogues", headers={"host": "participer.ville-test.fr"})
    assert by_host.status_code == 200


async def test_colours_that_are_hard_to_read_are_refused(client: Client, world: World) -> None:
    refused = await client.post(
        "/admin/organisation",
        data=form(primary_color="#ffcc00", text_color="#999999"),
        files=NO_FILE,
        headers=world.admin.headers,
    )
    assert refused.status_code == 422
    assert "Contraste insuffisant : 1,51:1 entre le texte blanc et ce fond" in refused.text
    assert "Contraste insuffisant : 2,85:1 entre le texte et le fond" in refused.text
    assert 'value="#ffcc00"' in refused.text  # what was chosen is kept
    dark_background = await client.post(
        "/admin/organisation",
        data=form(background_color="#000000", text_color="#ffffff"),
        files=NO_FILE,
        headers=world.admin.headers,
    )
    assert "entre cette couleur et le fond" in dark_background.text
    org = await _org(world)
    assert "primary_color" not in org.theme


async def test_bad_hosts_languages_and_options_are_said(client: Client, world: World) -> None:
    async with world.database.session() as session:
        await organisations.create_organisation(
            session, slug="autre", name="Autre", hosts=["autre.example.org"]
        )
        await session.commit()
    refused = await client.post(
        "/admin/organisation",
        data=form(
            hosts="autre.example.org",
            languages=["de"],
            **{
                "options.refused_email_domains": "pas un domaine",
                "options.embedding_sites": "http://insecure.example.org",
                "options.retention.sent_emails_days": "0",
            },
        ),
        files=NO_FILE,
        headers=world.admin.headers,
    )
    assert refused.status_code == 422
    assert "« autre.example.org » sert déjà une autre organisation." in refused.text
    assert "Choisissez au moins une langue de la liste." in refused.text
    assert "Saisissez un nombre supérieur ou égal à 1." in refused.text
    english = await client.post(
        "/admin/organisation",
        data=form(**{"options.retention.sent_emails_days": "0", "options.map.zoom": "40"}),
        files=NO_FILE,
        headers={**world.admin.headers, "Accept-Language": "en"},
    )
    assert english.status_code == 422
    assert "Enter a number of 1 or more." in english.text
    assert "Saisissez" not in english.text


async def test_a_logo_is_uploaded_and_shown(client: Client, world: World) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#1f4e8c").save(buffer, "PNG")
    saved = await client.post(
        "/admin/organisation",
        data=form(),
        files={"logo": ("logo.png", buffer.getvalue(), "image/png")},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    org = await _org(world)
    logo_url = org.theme["logo_url"]
    assert (await client.get(logo_url)).status_code == 200
    home = await client.get("/")
    assert logo_url in home.text
    not_an_image = await client.post(
        "/admin/organisation",
        data=form(),
        files={"logo": ("logo.png", b"GIF89a not really", "image/png")},
        headers=world.admin.headers,
    )
    assert not_an_image.status_code == 422
    assert "n&#39;est pas une image" in not_an_image.text


async def test_a_logo_sent_with_a_refused_form_is_kept(client: Client, world: World) -> None:
    """A colour refused in the same post does not lose the logo: the page comes back with
    it, and the corrected form saves it without sending it again."""
    import re

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#1f4e8c").save(buffer, "PNG")
    refused = await client.post(
        "/admin/organisation",
        data=form(primary_color="#ffcc00"),
        files={"logo": ("logo.png", buffer.getvalue(), "image/png")},
        headers=world.admin.headers,
    )
    assert refused.status_code == 422 and "Contraste insuffisant" in refused.text
    found = re.search(r'name="pending_logo" value="([^"]+)"', refused.text)
    assert found is not None, refused.text
    assert "logo" not in (await _org(world)).theme
    saved = await client.post(
        "/admin/organisation",
        data=form(pending_logo=found.group(1)),
        files=NO_FILE,
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    theme = (await _org(world)).theme
    assert theme["logo"] == found.group(1) and theme["primary_color"] == "#1f4e8c"
    assert (await client.get(theme["logo_url"])).status_code == 200
    # A name that is not a stored file of ours is ignored.
    again = await client.post(
        "/admin/organisation",
        data=form(pending_logo="../../etc/passwd"),
        files=NO_FILE,
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert (await _org(world)).theme["logo"] == found.group(1)
