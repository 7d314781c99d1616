"""The hooks a client's feature needs beyond events: back-office tabs and menu entries,
template context, messages of its refusal codes, mail templates, translation catalogues,
commands of ``participe``, start-up and shutdown, each used by one plugin written as a
separate package would be, a module that the organisation may use and that is on for
one dialogue only."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import textwrap
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get
from litestar.params import FromPath
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admin_tabs import AdminTab, AdminTabPlace
from core.commands import Command, CommandContext
from core.db import Database, utcnow
from core.errors import ConfigurationError, DomainError
from core.hookspecs import hookimpl
from core.lifespan import LifespanContext
from core.models import Organisation, OutboxMessage
from core.modules import Module
from core.plugin_manager import Plugins
from core.registries import Registry
from core.services import dialogues, modules
from core.settings import Settings
from tests.conftest import World, without_installed
from tests.helpers import create_dialogue
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs
from web.app import create_app
from web.cli import main
from web.dependencies import CurrentOrg, DbSession
from web.modules import require_module
from web.plugins import build_plugins
from web.templating import render

Client = AsyncTestClient[Litestar]
PETITION = Module(name="petition", title="Pétition")
ENGLISH = {"Cookie": "participe_lang=en"}


class PetitionClosed(DomainError):
    status_code = 409
    code = "petition.closed"


@get("/admin/dialogues/{slug:str}/petition", guards=[staff_guard])
async def petition_tab(
    request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg, slug: FromPath[str]
) -> Response[str]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    require_module(PETITION, org, dialogue)
    return admin_page(
        request,
        "petition/tab.html",
        section="dialogues",
        page_title="Pétition",
        dialogue=dialogue,
        tabs=dialogue_tabs(dialogue, "/petition"),
    )


@get("/petition/closed", sync_to_thread=False)
def closed_page() -> None:
    raise PetitionClosed("petition 12 closed at 2027-03-01")


@get("/api/v1/petition/closed", sync_to_thread=False)
def closed_api() -> None:
    raise PetitionClosed("petition 12 closed at 2027-03-01")


@get("/petition/threshold", sync_to_thread=False)
def threshold_page(request: Request[Any, Any, Any]) -> Response[str]:
    return render(request, "petition/threshold.html")


def write_package(root: Path) -> Path:
    """The plugin's files: templates, mail templates and an English catalogue."""
    files = {
        "templates/petition/tab.html": """
            {% extends "admin/dialogue_base.html" %}
            {% block admin_content %}<h1>{{ _("Seuil de la pétition") }}</h1>{% endblock %}
            """,
        "templates/petition/threshold.html": """
            {% extends "base.html" %}
            {% block content %}<p class="threshold">{{ _("Seuil de la pétition") }}</p>
            <p class="core">{{ _("Erreur") }}</p>{% endblock %}
            """,
        "templates/dialogue/home.html": """
            {% extends "default:dialogue/home.html" %}
            {% block content %}<p class="motto">{{ petition_motto | default("none") }}</p>
            {{ super() }}{% endblock %}
            """,
        "mail/petition_reached.fr.txt": """
            {% set subject = "Seuil atteint : " ~ proposal_title %}
            Bonjour,

            La proposition « {{ proposal_title }} » a atteint {{ supports }} soutiens.
            """,
        "mail/petition_reached.fr.html": """
            {% extends "layout.html" %}
            {% block content %}<p>La proposition « {{ proposal_title }} » a atteint
            {{ supports }} soutiens.</p>{% endblock %}
            """,
        "mail/petition_reached.en.txt": """
            {% set subject = "Threshold reached: " ~ proposal_title %}
            Hello,

            The proposal "{{ proposal_title }}" reached {{ supports }} supports.
            """,
        "mail/petition_reached.en.html": """
            {% extends "layout.html" %}
            {% block content %}<p>The proposal "{{ proposal_title }}" reached
            {{ supports }} supports.</p>{% endblock %}
            """,
        "translations/en/LC_MESSAGES/messages.po": """
            msgid ""
            msgstr ""
            "Content-Type: text/plain; charset=utf-8\\n"

            msgid "Seuil de la pétition"
            msgstr "Petition threshold"

            msgid "Pétition"
            msgstr "Petition"

            msgid "Pétitions"
            msgstr "Petitions"

            msgid "Erreur"
            msgstr "Not the core's word"
            """,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
    return root


class PetitionFeature:
    """A client's paid feature, with every hook of this file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.rendered: list[tuple[str, str | None]] = []
        self.started: list[LifespanContext] = []
        self.stopped: list[LifespanContext] = []

    @hookimpl
    def register_modules(self, registry: Registry[Module]) -> None:
        registry.add(PETITION)

    @hookimpl
    def register_routes(self) -> list[Any]:
        return [petition_tab, closed_page, closed_api, threshold_page]

    @hookimpl
    def register_admin_tabs(self, registry: Registry[AdminTab]) -> None:
        registry.add(AdminTab("petition", "Pétition", "/petition"))
        registry.add(
            AdminTab("petitions", "Pétitions", "/admin/petitions", AdminTabPlace.ORGANISATION)
        )

    @hookimpl
    def template_dirs(self) -> list[Path]:
        return [self.root / "templates"]

    @hookimpl
    def template_context(
        self, template_name: str, context: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        frame = context.get("frame") or {}
        dialogue = frame.get("dialogue") if isinstance(frame, Mapping) else None
        self.rendered.append((template_name, dialogue.slug if dialogue is not None else None))
        org = context["org"]  # None on a page outside any organisation
        # The page's own variables stay as the page set them.
        return {"petition_motto": f"Ensemble, {org.name if org else ''}", "lang": "xx"}

    @hookimpl
    def error_messages(self) -> dict[str, dict[str, str]]:
        return {"petition.closed": {"fr": "La pétition est close.", "en": "The petition is over."}}

    @hookimpl
    def mail_template_dirs(self) -> list[Path]:
        return [self.root / "mail"]

    @hookimpl
    def translation_dirs(self) -> list[Path]:
        return [self.root / "translations"]

    @hookimpl
    async def startup(self, context: LifespanContext) -> None:
        await asyncio.sleep(0)
        self.started.append(context)

    @hookimpl
    async def shutdown(self, context: LifespanContext) -> None:
        self.stopped.append(context)


@pytest.fixture
def feature(tmp_path: Path) -> PetitionFeature:
    return PetitionFeature(write_package(tmp_path / "participe_petition"))


@pytest.fixture
def feature_plugins(settings: Settings, feature: PetitionFeature) -> Plugins:
    return build_plugins(without_installed(settings), extra=[("petition", feature)])


@pytest.fixture
def feature_app(settings: Settings, feature_plugins: Plugins, database: Database) -> Litestar:
    return create_app(settings, plugins=feature_plugins, database=database)


@pytest.fixture
async def feature_client(feature_app: Litestar) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=feature_app, base_url="http://127.0.0.1") as client:
        yield client


async def grant(database: Database, plugins: Plugins, world: World) -> None:
    async with database.session() as session:
        organisation = await session.get(Organisation, world.org.id)
        assert organisation is not None
        await modules.set_grant(session, plugins, organisation, "petition", True, now=utcnow())
        await session.commit()


async def two_dialogues(client: Client, world: World) -> None:
    """``avec``, where the petition is on, and ``sans``, where it is off."""
    for slug in ("avec", "sans"):
        await create_dialogue(client, world.admin.headers, slug=slug, title=slug.title())
    turned_on = await client.put(
        "/api/v1/admin/dialogues/avec/modules/petition",
        json={"settings": {}},
        headers=world.admin.headers,
    )
    assert turned_on.status_code == 200, turned_on.text


async def test_hook_register_admin_tabs(
    feature_client: Client, feature_plugins: Plugins, database: Database, world: World
) -> None:
    headers = world.admin.headers
    await create_dialogue(feature_client, headers, slug="avant", title="Avant")
    before = (await feature_client.get("/admin/dialogues/avant", headers=headers)).text
    assert 'href="/admin/petitions"' not in before  # not granted: no menu entry
    assert 'href="/admin/dialogues/avant/petition"' not in before

    await grant(database, feature_plugins, world)
    await two_dialogues(feature_client, world)
    on = (await feature_client.get("/admin/dialogues/avec", headers=headers)).text
    assert '<a href="/admin/dialogues/avec/petition">Pétition</a>' in on
    assert '<a href="/admin/petitions">Pétitions</a>' in on
    off = (await feature_client.get("/admin/dialogues/sans/vote", headers=headers)).text
    assert "/petition" not in off.replace("/admin/petitions", "")
    assert '<a href="/admin/petitions">Pétitions</a>' in off

    page = await feature_client.get("/admin/dialogues/avec/petition", headers=headers)
    assert page.status_code == 200
    assert '<a href="/admin/dialogues/avec/petition" aria-current="page">Pétition</a>' in page.text
    assert '<a href="/admin/dialogues/avec/vote">Vote</a>' in page.text
    english = await feature_client.get(
        "/admin/dialogues/avec/petition", headers={**headers, **ENGLISH}
    )
    assert 'aria-current="page">Petition</a>' in english.text
    assert '<a href="/admin/petitions">Petitions</a>' in english.text
    assert (
        await feature_client.get("/admin/dialogues/sans/petition", headers=headers)
    ).status_code == 404


def test_hook_register_admin_tabs_refuses_a_tab_of_the_core(settings: Settings) -> None:
    class Clash:
        @hookimpl
        def register_admin_tabs(self, registry: Registry[AdminTab]) -> None:
            registry.add(AdminTab("votes", "Votes", "/vote/extra"))

    plugins = build_plugins(settings, extra=[("clash", Clash())])
    with pytest.raises(ConfigurationError, match="under a tab of the core"):
        create_app(settings, plugins=plugins)
    with pytest.raises(ValueError, match="must start with /admin/"):
        AdminTab("menu", "Menu", "/petitions", AdminTabPlace.ORGANISATION)


async def test_hook_template_context(
    feature_client: Client,
    feature: PetitionFeature,
    feature_plugins: Plugins,
    database: Database,
    world: World,
) -> None:
    await grant(database, feature_plugins, world)
    await two_dialogues(feature_client, world)
    feature.rendered.clear()
    on = await feature_client.get("/dialogues/avec")
    assert '<p class="motto">Ensemble, Ville de Test</p>' in on.text
    assert '<html lang="fr">' in on.text  # the page's own variable is kept
    off = await feature_client.get("/dialogues/sans")
    assert off.status_code == 200
    assert '<p class="motto">none</p>' in off.text
    assert feature.rendered == [("dialogue/home.html", "avec")]


async def test_hook_error_messages(
    feature_client: Client, world: World, database: Database, feature_plugins: Plugins
) -> None:
    await grant(database, feature_plugins, world)  # its routes exist where it may be used
    french = await feature_client.get("/petition/closed")
    assert french.status_code == 409
    assert '<p role="alert">La pétition est close.</p>' in french.text
    english = await feature_client.get("/petition/closed", headers=ENGLISH)
    assert '<p role="alert">The petition is over.</p>' in english.text
    api = await feature_client.get("/api/v1/petition/closed")
    assert api.json() == {
        "status_code": 409,
        "detail": "petition 12 closed at 2027-03-01",
        "code": "petition.closed",
    }


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ({"forbidden": {"fr": "Non."}}, "the core already uses the code(s) forbidden"),
        ({"vote.max_exceeded": {"fr": "Trop."}}, "the core already uses"),
        ({"petition.closed": {"en": "Closed."}}, "give at least {'fr': '...'}"),
        ({"petition.closed": {"fr": "Close.", "de": "Zu."}}, "texts in fr, en only"),
    ],
)
def test_hook_error_messages_refused_at_start_up(
    settings: Settings, messages: dict[str, Any], error: str
) -> None:
    class Plugin:
        @hookimpl
        def error_messages(self) -> dict[str, Any]:
            return messages

    with pytest.raises(ConfigurationError, match=error.replace("(", r"\(").replace(")", r"\)")):
        create_app(settings, plugins=build_plugins(settings, extra=[("bad", Plugin())]))


def test_hook_error_messages_a_code_given_twice(settings: Settings) -> None:
    def plugin() -> object:
        class Plugin:
            @hookimpl
            def error_messages(self) -> dict[str, Any]:
                return {"petition.closed": {"fr": "Close."}}

        return Plugin()

    with pytest.raises(ConfigurationError, match="already given by plugin 'one'"):
        build_plugins(settings, extra=[("one", plugin()), ("two", plugin())])


async def test_hook_mail_template_dirs(feature_app: Litestar, world: World) -> None:
    mailer = feature_app.state.context.mailer
    database: Database = feature_app.state.context.database
    async with database.session() as session:
        organisation = await session.get(Organisation, world.org.id)
        for language, recipient in (("fr", "orga@ville.test"), ("en", "team@ville.test")):
            await mailer.queue(
                session,
                "petition_reached",
                recipient=recipient,
                language=language,
                organisation=organisation,
                proposal_title="Un banc <place>",
                supports=50,
            )
        await session.commit()
        queued = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "petition_reached")
                .order_by(OutboxMessage.id)
            )
        )
    french, english = queued
    assert (french.recipient, french.language) == ("orga@ville.test", "fr")
    assert french.subject == "Seuil atteint : Un banc <place>"
    assert "La proposition « Un banc <place> » a atteint 50 soutiens." in french.text_body
    assert "Un banc &lt;place&gt;" in french.html_body  # escaped in HTML
    assert english.subject == "Threshold reached: Un banc <place>"
    assert "reached 50 supports" in english.text_body
    for message in queued:  # the organisation's frame, as the core's mails have
        assert ">Ville de Test</p>" in message.html_body
        assert message.organisation_id == world.org.id
        assert message.sender == feature_app.state.context.settings.mail_from


async def test_hook_translation_dirs(
    feature_client: Client, world: World, database: Database, feature_plugins: Plugins
) -> None:
    await grant(database, feature_plugins, world)
    french = await feature_client.get("/petition/threshold")
    assert '<p class="threshold">Seuil de la pétition</p>' in french.text
    english = await feature_client.get("/petition/threshold", headers=ENGLISH)
    assert '<p class="threshold">Petition threshold</p>' in english.text
    # The core's catalogue answers first: a plugin does not change the core's words.
    assert '<p class="core">Error</p>' in english.text


def configure_greeting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")
    parser.add_argument("--shout", action="store_true")


def run_greeting(args: argparse.Namespace, context: CommandContext) -> int:
    async def work(session: AsyncSession) -> int:
        return int(await session.scalar(select(func.count()).select_from(Organisation)) or 0)

    organisations = context.run(work)
    greeting = f"bonjour {args.name}"
    print(greeting.upper() if args.shout else greeting)
    print(f"{organisations} organisation(s), mail from {context.settings.mail_from}")
    print(f"{len(context.plugins.vote_types)} vote types")
    return 3 if args.name == "personne" else 0


class Greeter:
    @hookimpl
    def register_commands(self, registry: Registry[Command]) -> None:
        registry.add(Command("greet", "say hello", configure_greeting, run_greeting))


async def test_hook_register_commands(
    world: World, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    plugins = build_plugins(settings, extra=[("greeter", Greeter())])
    argv = ["greet", "Camille", "--shout"]
    code = await asyncio.to_thread(main, argv, settings=settings, plugins=plugins)
    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "BONJOUR CAMILLE",
        f"1 organisation(s), mail from {settings.mail_from}",
        f"{len(plugins.vote_types)} vote types",
    ]
    assert len(plugins.vote_types) >= 4
    code = await asyncio.to_thread(main, ["greet", "personne"], settings=settings, plugins=plugins)
    assert code == 3


def test_hook_register_commands_name_taken(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    class Clash:
        @hookimpl
        def register_commands(self, registry: Registry[Command]) -> None:
            registry.add(Command("recount", "again", configure_greeting, run_greeting))

    plugins = build_plugins(settings, extra=[("clash", Clash())])
    assert main(["recount", "x"], settings=settings, plugins=plugins) == 2
    error = capsys.readouterr().err
    assert "plugin 'clash' adds the command 'recount', which the core already has" in error
    with pytest.raises(ValueError, match="command name"):
        Command("Greet me", "", configure_greeting, run_greeting)


def test_hook_register_commands_pabulib_comes_with_the_budget_plugin(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build_plugins(settings).commands.origin("pabulib") == "budget"
    without = dataclasses.replace(settings, disabled_plugins=("budget",))
    with pytest.raises(SystemExit):
        main(["pabulib", "export", "x"], settings=without, plugins=build_plugins(without))
    assert "invalid choice: 'pabulib'" in capsys.readouterr().err


async def test_hook_startup_and_hook_shutdown(
    feature_app: Litestar, feature: PetitionFeature, database: Database, world: World
) -> None:
    assert feature.started == [] and feature.stopped == []
    async with AsyncTestClient(app=feature_app, base_url="http://127.0.0.1") as client:
        assert len(feature.started) == 1 and feature.stopped == []
        (context,) = feature.started
        assert context.database is database
        assert context.plugins is feature_app.state.context.plugins
        assert context.settings is feature_app.state.context.settings
        await grant(database, feature_app.state.context.plugins, world)
        assert (await client.get("/petition/threshold")).status_code == 200
    assert feature.stopped == feature.started


async def test_hook_shutdown_a_failing_plugin_does_not_stop_the_others(
    settings: Settings, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    stopped: list[str] = []

    class Broken:
        @hookimpl
        async def shutdown(self, context: LifespanContext) -> None:
            raise RuntimeError("already gone")

    class Tidy:
        @hookimpl
        def shutdown(self, context: LifespanContext) -> None:  # a plain function works too
            stopped.append("tidy")

    plugins = build_plugins(settings, extra=[("tidy", Tidy()), ("broken", Broken())])
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1"):
        pass
    assert stopped == ["tidy"]
    assert "plugin 'broken' failed to shut down" in caplog.text
