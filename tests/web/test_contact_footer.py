"""The organisation's contact details and social networks, set on the organisation page
and shown at the foot of every page; a bad email, phone or address is refused with what
was typed kept, and a network left without an address is dropped."""

from __future__ import annotations

import re

from core.db import Database
from core.models import Organisation
from core.services.contact import Contact, SocialLink, contact_errors
from tests.conftest import World
from tests.web.admin.test_admin_organisation import NO_FILE, form
from tests.web.front_helpers import Client, text_of

CONTACT = {
    "options.contact.email": "mairie@ville-test.fr",
    "options.contact.phone": "02 40 00 00 00",
    "options.contact.address": "Hôtel de ville, 1 place de la Mairie, 44000 Test",
    "options.contact.page": "https://www.ville-test.fr/contact",
    "options.contact.social.0.network": "facebook",
    "options.contact.social.0.url": "https://www.facebook.com/villetest",
    "options.contact.social.1.network": "mastodon",
    "options.contact.social.1.url": "",
}


def _footer(html: str) -> str:
    found = re.search(r'<footer class="site-footer".*?</footer>', html, re.S)
    assert found is not None
    return found[0]


async def test_the_contact_details_are_set_and_shown_at_the_foot_of_every_page(
    client: Client, world: World, database: Database
) -> None:
    assert "Nous contacter" not in (await client.get("/")).text  # nothing set: nothing shown
    page = await client.get("/admin/organisation", headers=world.admin.headers)
    assert 'name="options.contact.email"' in page.text
    assert 'name="options.contact.social.0.network"' in page.text
    saved = await client.post(
        "/admin/organisation", data=form(**CONTACT), files=NO_FILE, headers=world.admin.headers
    )
    assert saved.status_code in (200, 303), saved.text[:500]
    async with database.session() as session:
        org = await session.get_one(Organisation, world.org.id)
        assert org.options["contact"]["social"] == [
            {"network": "facebook", "url": "https://www.facebook.com/villetest"}
        ]
    for path in ("/", "/legal", "/signin"):
        footer = _footer((await client.get(path)).text)
        assert '<a href="tel:0240000000">02 40 00 00 00</a>' in footer
        assert '<a href="mailto:mairie@ville-test.fr">' in footer
        assert 'href="https://www.ville-test.fr/contact"' in footer
        assert '<a href="https://www.facebook.com/villetest" rel="me noopener">Facebook</a>' in (
            footer
        )
        assert "Hôtel de ville, 1 place de la Mairie" in text_of(footer)
    english = _footer((await client.get("/", headers={"Accept-Language": "en"})).text)
    assert "Contact us" in english and "Follow us" in english


async def test_bad_contact_details_are_refused_and_kept(client: Client, world: World) -> None:
    bad = {
        **CONTACT,
        "options.contact.email": "mairie at ville",
        "options.contact.social.0.url": "javascript:alert(1)",
    }
    refused = await client.post(
        "/admin/organisation", data=form(**bad), files=NO_FILE, headers=world.admin.headers
    )
    assert refused.status_code == 422
    text = text_of(refused.text)
    assert "Saisissez une adresse électronique, comme mairie@ville.fr." in text
    assert "Écrivez une adresse en https://." in text
    assert 'value="mairie at ville"' in refused.text
    assert "javascript:alert(1)" not in _footer((await client.get("/")).text)


def test_what_contact_details_must_be() -> None:
    assert contact_errors(Contact()) == {}
    wrong = Contact(
        email="@",
        phone="appelez-nous",
        page="http://ville.fr",
        social=[SocialLink(url="https://ok.example"), SocialLink(url="ftp://x")],
    )
    assert set(contact_errors(wrong)) == {
        "contact.email",
        "contact.phone",
        "contact.page",
        "contact.social.1.url",
    }
