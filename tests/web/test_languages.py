"""Languages: French first, English from the browser or the switch, the organisation's
own texts, and an English catalogue that leaves no page text untranslated."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.db import Database
from core.models import Organisation
from tests.conftest import World
from tests.web.front_helpers import SLUG, Client, dialogue, proposal, text_of
from web import i18n

ROOT = Path(__file__).parents[2]


async def test_french_by_default_english_from_the_browser(client: Client, world: World) -> None:
    await dialogue(client, world)
    french = await client.get(f"/dialogues/{SLUG}/proposals")
    assert '<html lang="fr">' in french.text
    assert french.headers["content-language"] == "fr"
    assert "Filtrer les propositions" in french.text
    english = await client.get(
        f"/dialogues/{SLUG}/proposals", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}
    )
    assert '<html lang="en">' in english.text
    assert english.headers["content-language"] == "en"
    assert "Filter the proposals" in english.text and "0 proposals" in text_of(english.text)
    german = await client.get(f"/dialogues/{SLUG}", headers={"Accept-Language": "de-DE"})
    assert '<html lang="fr">' in german.text


async def test_the_switch_sets_a_cookie_and_comes_back(client: Client, world: World) -> None:
    await dialogue(client, world)
    created = await proposal(client, world.alice.headers)
    page = await client.get(f"/proposals/{created['id']}")
    assert f'href="/language/en?next=/proposals/{created["id"]}"' in page.text
    switched = await client.get(
        "/language/en", params={"next": f"/proposals/{created['id']}"}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == f"/proposals/{created['id']}"
    assert "participe_lang=en" in switched.headers["set-cookie"]
    english = await client.get(f"/proposals/{created['id']}", headers={"Accept-Language": "fr"})
    assert "Sign in to comment" in english.text and "Share on Facebook" in english.text
    assert "Theme: Mobilité" in text_of(english.text)
    # only local addresses to come back to
    away = await client.get(
        "/language/fr", params={"next": "//evil.example/x"}, follow_redirects=False
    )
    assert away.headers["location"] == "/"
    unknown = await client.get("/language/de", follow_redirects=False)
    assert unknown.status_code == 303 and "set-cookie" not in unknown.headers


async def test_organisation_languages_and_texts(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {"languages": ["fr"]}
        org.texts = {
            "messages": {
                "Déposer une proposition": {"fr": "Déposer un projet", "en": "Submit a project"},
                "Propositions": "Projets",
            }
        }
        await session.commit()
    page = await client.get(f"/dialogues/{SLUG}", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in page.text  # this organisation speaks French only
    assert 'class="language-switch"' not in page.text
    assert "Déposer un projet" in page.text and ">Projets</a>" in page.text
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.options = {"languages": ["en", "fr"]}
        await session.commit()
    english = await client.get(f"/dialogues/{SLUG}")
    assert '<html lang="en">' in english.text  # the organisation's first language
    assert "Submit a project" in english.text


def test_accept_language_parsing() -> None:
    from core.languages import negotiate

    assert negotiate("en-US,en;q=0.9") == "en"
    assert negotiate("de, en;q=0.1") == "en"
    assert negotiate("garbage;;;q=x") == "fr"


def test_english_catalogue_is_complete() -> None:
    """Every text the pages show has an English translation. After adding texts:
    ``pybabel extract -F web/translations/babel.cfg -k i18n -k N_ -o
    web/translations/messages.pot .`` then ``pybabel update -i web/translations/messages.pot
    -d web/translations``, and translate the new entries."""
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    options = {"web/templates/**.html": {"trim_blocks": "true", "lstrip_blocks": "true"}}
    wanted = {
        message
        for _, _, message, *_ in extract_from_dir(
            str(ROOT),
            method_map,
            options_map=options,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "i18n": None, "N_": None},
        )
    }
    with (i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        translated = {
            m.id
            for m in read_po(po_file, locale="en")
            if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
        }
    assert len(wanted) > 200  # the extraction found the pages' texts
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == []
