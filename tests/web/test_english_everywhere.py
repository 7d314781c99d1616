"""English everywhere: every translatable text of the core and of each plugin has its
English translation, every refusal code a message in both languages, the API's errors
speak the request's language with their codes unchanged, and the vote widgets and the
questionnaire read in English on an English page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from core.plugin_manager import Plugins
from participe.testing import put_vote, vote_dialogue
from tests.ballot_helpers import Client, render_widget
from tests.conftest import World
from tests.web.front_helpers import text_of
from web import errors, i18n, labels

ROOT = Path(__file__).parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "i18n": None, "N_": None}
TEMPLATE_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true"}
PLUGINS = sorted(
    folder for folder in (ROOT / "plugins").iterdir() if (folder / "__init__.py").exists()
)
ENGLISH = {"Accept-Language": "en"}
#: Common words of the platform's French texts that no English page should show.
FRENCH_WORDS = (
    "Voter",
    "Soutien",
    "Soutiens",
    "Retirer",
    "Classer",
    "Déplacer",
    "Valider",
    "restants",
    "proposition",
    "démarche",
    "Enregistrer",
    "Envoyer",
    "Suivant",
    "Précédent",
    "réponse",
    "réponses",
    "obligatoire",
    "Votre",
    "Vous",
    "premier choix",
)


def extracted(folder: Path, method_map: list[tuple[str, str]]) -> set[str]:
    """The message ids that Babel's extractor finds under ``folder``."""
    options = {pattern: TEMPLATE_OPTIONS for pattern, method in method_map if method == "jinja2"}
    return {
        message if isinstance(message, str) else message[0]
        for _, _, message, *_ in extract_from_dir(
            str(folder), method_map, options_map=options, keywords=KEYWORDS
        )
    }


def translated(po_file: Path) -> set[str]:
    """The message ids ``po_file`` translates (every plural form given)."""
    if not po_file.exists():
        return set()
    with po_file.open("rb") as source:
        return {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(source, locale="en")
            if message.id
            and (all(message.string) if isinstance(message.string, tuple) else message.string)
        }


def catalogue_of(folder: Path) -> Path:
    return folder / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def french_words_in(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The :data:`FRENCH_WORDS` that ``text`` shows as whole words, ``allowed`` texts
    (the staff's own, a title) taken out first."""
    for part in allowed:
        text = text.replace(part, " ")
    return [word for word in FRENCH_WORDS if re.search(rf"(?<!\w){word}(?!\w)", text)]


def test_core_catalogue_translates_every_core_text() -> None:
    wanted = extracted(ROOT, [("web/**.py", "python"), ("web/templates/**.html", "jinja2")])
    assert len(wanted) > 200
    missing = sorted(wanted - translated(i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"))
    assert missing == []


@pytest.mark.parametrize("plugin", PLUGINS, ids=lambda folder: folder.name)
def test_each_plugin_has_every_text_in_english(plugin: Path) -> None:
    """A plugin's texts (its templates and its marked Python texts) are translated by its
    own catalogue (``plugins/NAME/translations/en/LC_MESSAGES/messages.po``, given by its
    ``translation_dirs``), or by the core's for the texts it shares with the pages. After
    adding texts: ``pybabel extract -k i18n -k N_ --no-location -o /tmp/NAME.pot
    plugins/NAME`` (``-F plugins/projects/translations/babel.cfg`` for the templates), then
    ``pybabel update -i /tmp/NAME.pot -d plugins/NAME/translations --no-location``."""
    wanted = extracted(plugin, [("**.py", "python"), ("**/templates/**.html", "jinja2")])
    core = translated(i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    missing = sorted(wanted - core - translated(catalogue_of(plugin)))
    assert missing == []
    if (plugin / "templates").exists() and wanted - core:
        assert catalogue_of(plugin).exists()


def test_the_vote_and_questionnaire_plugins_have_catalogues() -> None:
    """The plugins whose pages citizens read bring their own English catalogue."""
    for name in ("support", "vote_binary", "vote_points", "vote_ranked", "questionnaire"):
        assert catalogue_of(ROOT / "plugins" / name).exists(), name


def _raised_codes() -> set[str]:
    """Every refusal code written in the core, the web layer and the plugins."""
    found: set[str] = set()
    for folder in ("core", "web", "plugins"):
        for source in (ROOT / folder).rglob("*.py"):
            found.update(re.findall(r'\bcode\s*=\s*"([a-z_][a-z_.]*)"', source.read_text()))
    return found | set(errors.HTTP_CODES.values()) | errors.OWN_CODES


def test_every_refusal_code_has_a_message_in_both_languages(plugins: Plugins) -> None:
    """Pages and API say a refusal from one table: the core's codes in web.labels (the
    pages' ERRORS, the others' CODE_MESSAGES), the plugins' through ``error_messages``.
    ``validation`` keeps its detail, which names the refused fields."""
    plugin_messages = plugins.error_messages()
    core = translated(i18n.TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    without = []
    for code in sorted(_raised_codes() - {"validation"}):
        message = labels.ERRORS.get(code) or labels.CODE_MESSAGES.get(code)
        if message is not None:
            assert message in core, code
        elif not {"fr", "en"} <= set(plugin_messages.get(code, {})):
            without.append(code)
    assert without == []


async def test_api_errors_speak_the_request_language(client: Client, world: World) -> None:
    french = await client.get("/api/v1/proposals/999999")
    english = await client.get("/api/v1/proposals/999999", headers=ENGLISH)
    assert french.status_code == english.status_code == 404
    assert french.json()["code"] == english.json()["code"] == "not_found"
    assert set(english.json()) == {"status_code", "detail", "code"}
    assert english.json()["detail"] == "This resource does not exist."
    assert french.json()["detail"] != english.json()["detail"]
    # A known code says its own message, in English as on the pages.
    setup = await vote_dialogue(client, world, {"type": "support", "settings": {"max_votes": 1}})
    first, second = setup.proposals[:2]
    assert (await put_vote(client, world.bob, setup, first)).status_code == 200
    refused = await client.put(
        setup.vote(second), json={}, headers={**world.bob.headers, **ENGLISH}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "vote.max_exceeded"
    assert refused.json()["detail"] == "You have already used all your votes."
    again = await put_vote(client, world.bob, setup, second)
    assert again.json()["code"] == "vote.max_exceeded"
    assert again.json()["detail"] != refused.json()["detail"]  # French by default


async def test_api_errors_follow_the_user_language(
    client: Client, world: World, database: Any
) -> None:
    """Without Accept-Language, the signed-in user's own language."""
    from core.models import User

    async with database.session() as session:
        user = await session.get(User, world.bob.user.id)
        assert user is not None
        user.language = "en"
        await session.commit()
    response = await client.get("/api/v1/proposals/999999", headers=world.bob.headers)
    assert response.json() == {
        "status_code": 404,
        "detail": "This resource does not exist.",
        "code": "not_found",
    }


def _english(plugins: Plugins) -> i18n.Translator:
    return i18n.Translator("en", i18n.catalogue("en", tuple(plugins.translation_dirs())))


async def test_vote_widgets_in_english(plugins: Plugins) -> None:
    from plugins.support.settings import SupportSettings
    from plugins.vote_binary.settings import BinarySettings
    from plugins.vote_points.settings import PointsSettings
    from plugins.vote_ranked.settings import RankedSettings

    english = _english(plugins)
    proposal = SimpleNamespace(id=7, title="Un banc")
    shown = {
        "support": render_widget(
            plugins,
            "support/widget.html",
            i18n=english,
            proposal=proposal,
            value=None,
            settings=SupportSettings(),
            remaining={"votes": 1234, "budget": None},
        )
        + render_widget(
            plugins,
            "support/widget.html",
            i18n=english,
            proposal=proposal,
            value=1,
            settings=SupportSettings(),
            remaining={"votes": 3, "budget": None},
        ),
        "binary": render_widget(
            plugins,
            "vote_binary/widget.html",
            i18n=english,
            proposal=proposal,
            value="for",
            settings=BinarySettings(options=["for", "against", "neutral"]),
            remaining={},
        ),
        "points": render_widget(
            plugins,
            "vote_points/widget.html",
            i18n=english,
            proposal=proposal,
            value=None,
            settings=PointsSettings(mode="distribute", points_budget=1500),
            remaining={"points": 1200},
        )
        + render_widget(
            plugins,
            "vote_points/widget.html",
            i18n=english,
            proposal=proposal,
            value=3,
            settings=PointsSettings(mode="scale", scale_max=5),
            remaining={},
        ),
        "ranked": render_widget(
            plugins,
            "vote_ranked/widget.html",
            i18n=english,
            proposal=proposal,
            value=1,
            settings=RankedSettings(),
            remaining={"ranks": None},
            ranked_count=2,
        )
        + render_widget(
            plugins,
            "vote_ranked/widget.html",
            i18n=english,
            proposal=proposal,
            value=None,
            settings=RankedSettings(max_ranks=2),
            remaining={"ranks": 0},
            ranked_count=2,
        ),
    }
    expected = {
        "support": ["Good idea!", "Supports left: 1,234", "Withdraw my support"],
        "binary": [
            "Your opinion on “Un banc”",
            "For",
            "Against",
            "Neutral",
            "Vote",
            "Withdraw my vote",
        ],
        "points": ["Points for “Un banc”", "Points left: 1,200 of 1,500", "Confirm", "Withdraw"],
        "ranked": ["Rank of “Un banc”", "(first choice)", "Move", "Take out of the ranking"],
    }
    for kind, html in shown.items():
        text = text_of(html) + " " + " ".join(re.findall(r'aria-label="([^"]*)"', html))
        for phrase in expected[kind]:
            assert phrase in text, (kind, phrase, text)
        assert french_words_in(text, ["Un banc"]) == [], (kind, text)
    assert "Your grade for “Un banc” (0 to 5)" in text_of(shown["points"])
    assert "You have ranked the largest number of proposals (2)" in text_of(shown["ranked"])


async def test_vote_pages_in_english(client: Client, world: World) -> None:
    """The proposal page of a vote of each type, read in English, votes in English."""
    for vote_type, settings in (
        ("support", {"max_votes": 3}),
        ("binary", {}),
        ("points", {"mode": "distribute", "points_budget": 10}),
        ("ranked", {}),
    ):
        slug = f"vote-{vote_type}"
        setup = await vote_dialogue(
            client,
            world,
            {"type": vote_type, "settings": settings},
            slug=slug,
            title="Budget 2026",
            proposals=["Un banc"],
        )
        page = await client.get(
            f"/proposals/{setup.proposals[0]}", headers={**world.bob.headers, **ENGLISH}
        )
        assert page.status_code == 200
        widget = re.search(r'<form[^>]*class="vote-widget.*?</form>', page.text, re.S)
        assert widget is not None, vote_type
        assert french_words_in(text_of(widget.group(0)), ["Un banc"]) == [], vote_type


def test_the_command_line_says_refusals_in_english(plugins: Plugins) -> None:
    """``participe`` speaks English: a refusal written in French for the pages is said by
    its code's English message; an operator's detail naming what was given is kept."""
    from core.errors import Conflict, NotFound
    from web.cli import in_english

    french = NotFound("Aucun compte n'a cette adresse.", code="verification.no_account")
    assert in_english(french, plugins) == "No account has this address."
    voted = Conflict("Vous avez déjà voté.", code="vote.max_exceeded")
    assert in_english(voted, plugins) == "You have already used all your votes."
    named = Conflict("organisation 'nantes' already exists", code="organisation.exists")
    assert in_english(named, plugins) == "organisation 'nantes' already exists"
    project = NotFound("Ce projet n'existe pas.", code="project.unknown")
    assert in_english(project, plugins) == "This project does not exist in this dialogue."
