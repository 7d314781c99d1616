"""Nobody's text runs in anybody's browser: script, event-handler, ``javascript:`` and
template payloads are written in every field that a citizen or the staff fills in
(display name, proposal title, body and custom fields, comments, questionnaire answers and
questions, dialogue title, description and phases, themes, sectors, the organisation's
texts, blocks, agenda, group names, review and moderation reasons, void reasons); then
every page and answer that shows them, walked as in ``test_confidential_canary``, is
parsed: no injected tag, event handler or ``javascript:`` address may appear, while the
plain-text fields show the payload as text. The exports neutralise spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import utcnow
from core.defaults.block_types import HighlightSettings, NewsItem, NewsSettings, TextSettings
from core.models import AgendaEvent, Ballot, Block, Dialogue, Group, Organisation, Proposal
from core.services import branding, page_blocks
from tests.conftest import Person, World
from tests.crawl_helpers import crawl, readable, walk_urls
from tests.helpers import ADMIN_DIALOGUES, phases_now

Client = AsyncTestClient[Litestar]
SLUG = "xss-2027"
SURVEY = "xss-sondage"
BLOCKS = "xss-blocs"

SCRIPT = "<script>alert(1)</script>"
PAYLOAD = (
    f'{SCRIPT}"><img src=x onerror=alert(1)>{{{{7*7}}}}'
    '[clic](javascript:alert(1)) <a href="javascript:alert(1)">lien</a>'
)
#: Display names hold 80 characters at most.
SHORT_PAYLOAD = f'{SCRIPT}"><img src=x onerror=alert(1)>{{{{7*7}}}}'
#: Group names may not hold ``/``.
NAME_PAYLOAD = "<img src=x onerror=alert(1)>{{7*7}}<svg onload=alert(1)>"
#: Texts that a spreadsheet would run as formulas.
FORMULAS = ('=HYPERLINK("http://evil.example","clic")', "+1+1", "-2+3", "@SUM(1)")
NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")


class Audit(HTMLParser):
    """The injected markup a page holds: scripts that call ``alert``, event handlers,
    ``javascript:`` addresses, the payload's ``<img src=x>``; and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "alert" in value:
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and value.startswith(
                ("javascript:", "vbscript:", "data:text/html")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg") and ("src", "x") in attrs:
            self.problems.append(f"<{tag} src=x>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(1)" in data:
            self.problems.append(f"<script>{data[:60]}")
        elif not self._in_script:
            self.text.append(data)


def audit(html: str) -> Audit:
    found = Audit()
    found.feed(html)
    found.close()
    return found


def test_the_audit_sees_what_it_looks_for() -> None:
    raw = audit(f"<p>{PAYLOAD}</p><a href='javascript:x()'>x</a><svg onload=alert(1)>")
    assert len(raw.problems) >= 4
    escaped = audit("<p>&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x</p>")
    assert escaped.problems == []
    assert SCRIPT in "".join(escaped.text)


async def call(client: Client, method: str, url: str, person: Person, **kwargs: Any) -> Any:
    response = await client.request(
        method, url, headers=person.headers, follow_redirects=False, **kwargs
    )
    assert response.status_code < 400, f"{method} {url}: {response.text}"
    return response.json() if "json" in response.headers.get("content-type", "") else None


async def build_world(client: Client, world: World) -> dict[str, list[str]]:
    """Payloads in every field; returns the values of the path parameters of the walk."""
    admin, alice, bob = world.admin, world.alice, world.bob
    await call(client, "PATCH", "/api/v1/me", alice, json={"display_name": SHORT_PAYLOAD})
    await call(client, "PATCH", "/api/v1/me", bob, json={"display_name": FORMULAS[3]})
    await call(client, "POST", "/api/v1/admin/groups", admin, json={"name": NAME_PAYLOAD})
    phases = phases_now("proposals")
    for phase in phases:
        phase["title"] = PAYLOAD
    option = [{"key": "a", "label": PAYLOAD}, {"key": "b", "label": "B"}]
    await call(
        client,
        "POST",
        ADMIN_DIALOGUES,
        admin,
        json={
            "slug": SLUG,
            "title": PAYLOAD,
            "kind": "ideas",
            "description": PAYLOAD,
            "phases": phases,
            "vote": {"type": "support", "settings": {"label": PAYLOAD}},
            "themes": [{"key": "nature", "label": PAYLOAD}],
            "sectors": [{"key": "sud", "label": PAYLOAD}],
            "form": [
                {"key": "texte", "label": PAYLOAD, "type": "text"},
                {"key": "long", "label": PAYLOAD, "type": "long_text"},
                {"key": "choix", "label": PAYLOAD, "type": "choice", "options": option},
            ],
            "results_visibility": "live",
        },
    )
    proposals = f"/api/v1/dialogues/{SLUG}/proposals"
    fields = {"texte": PAYLOAD, "long": PAYLOAD, "choix": "a"}
    located = {"theme": "nature", "sector": "sud", "location": {"lat": 47.2, "lng": -1.5}}
    ids = []
    for title in (PAYLOAD, FORMULAS[0], FORMULAS[1]):
        created = await call(
            client,
            "POST",
            proposals,
            alice,
            json={"title": title, "body": PAYLOAD, "fields": fields, **located},
        )
        ids.append(created["id"])
    shown, hidden, refused = ids
    comments = f"/api/v1/proposals/{shown}/comments"
    await call(client, "POST", comments, bob, json={"body": PAYLOAD})
    await call(client, "POST", comments, bob, json={"body": FORMULAS[0]})
    held = await call(client, "POST", comments, bob, json={"body": "Caché."})
    await call(
        client,
        "POST",
        f"/admin/moderation/comments/{held['id']}",
        admin,
        data={"action": "hide", "reason": PAYLOAD},
    )
    await call(
        client,
        "POST",
        f"/admin/proposals/{hidden}/moderate",
        admin,
        data={"action": "hide", "reason": PAYLOAD},
    )
    await call(
        client,
        "PATCH",
        f"/api/v1/admin/proposals/{refused}",
        admin,
        json={"status": "refused", "status_reason": PAYLOAD},
    )
    await call(client, "POST", f"/admin/proposals/{refused}/notes", admin, data={"note": PAYLOAD})
    await call(client, "POST", f"{ADMIN_DIALOGUES}/{SLUG}/phase", admin, json={"kind": "vote"})
    await call(client, "PUT", f"/api/v1/dialogues/{SLUG}/ballot/votes/{shown}", bob, json={})
    await call(client, "PUT", f"/api/v1/dialogues/{SLUG}/ballot/votes/{shown}", alice, json={})

    await call(
        client,
        "POST",
        ADMIN_DIALOGUES,
        admin,
        json={
            "slug": SURVEY,
            "title": PAYLOAD,
            "description": PAYLOAD,
            "kind": "questionnaire",
            "phases": phases_now("vote", ("information", "vote", "results")),
            "results_visibility": "live",
            "questionnaire": {
                "questions": [
                    {"kind": "single", "text": PAYLOAD, "options": option},
                    {"kind": "text", "text": PAYLOAD},
                ]
            },
        },
    )
    questions = await call(client, "GET", f"/api/v1/dialogues/{SURVEY}/questionnaire", alice)
    single, text = (question["id"] for question in questions["questions"])
    for person, answer in ((alice, PAYLOAD), (bob, FORMULAS[2])):
        await call(
            client,
            "POST",
            f"/api/v1/dialogues/{SURVEY}/questionnaire/responses",
            person,
            json={"answers": {str(single): "a", str(text): answer}},
        )

    await call(
        client,
        "POST",
        ADMIN_DIALOGUES,
        admin,
        json={"slug": BLOCKS, "title": "Blocs", "kind": "ideas", "phases": phases_now("proposals")},
    )
    plugins = client.app.state.context.plugins
    async with world.database.session() as session:
        org = await session.get(Organisation, world.org.id)
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == SLUG))
        assert org is not None and dialogue is not None
        org.texts = {key: PAYLOAD for key in branding.TEXT_KEYS}
        # Blocks on the organisation's home and on a dialogue of their own; the first
        # dialogue keeps its default page (its description and its timeline of phases).
        blocks_page = await session.scalar(select(Dialogue).where(Dialogue.slug == BLOCKS))
        for page in (None, blocks_page):
            text_block = await page_blocks.add_block(session, plugins, org, page, "text")
            page_blocks.set_settings(
                plugins, text_block, TextSettings(title=PAYLOAD, markdown=PAYLOAD)
            )
            news = await page_blocks.add_block(session, plugins, org, page, "news")
            item = NewsItem(title=PAYLOAD, body=PAYLOAD, date="2027-01-01")
            page_blocks.set_settings(plugins, news, NewsSettings(title=PAYLOAD, items=[item]))
        highlighted = await page_blocks.add_block(
            session, plugins, org, blocks_page, "highlighted_proposals"
        )
        page_blocks.set_settings(plugins, highlighted, HighlightSettings(title=PAYLOAD))
        session.add(
            AgendaEvent(
                organisation_id=org.id,
                dialogue_id=dialogue.id,
                title=PAYLOAD,
                description=PAYLOAD,
                place=PAYLOAD,
                starts_at=utcnow() + timedelta(days=3),
            )
        )
        await session.commit()
        ballot = await session.scalar(select(Ballot.id).where(Ballot.user_id == bob.user.id))
        values = {
            "proposal_id": [str(i) for i in await session.scalars(select(Proposal.id))],
            "block_id": [str(i) for i in await session.scalars(select(Block.id))],
            "event_id": [str(i) for i in await session.scalars(select(AgendaEvent.id))],
            "group_id": [str(i) for i in await session.scalars(select(Group.id))],
        }
    await call(
        client,
        "POST",
        f"{ADMIN_DIALOGUES}/{SLUG}/ballots/{ballot}/void",
        admin,
        json={"reason": PAYLOAD},
    )
    return {
        **values,
        "slug": [SLUG, SURVEY, BLOCKS],
        "ballot_id": [str(ballot)],
        "user_id": [str(alice.user.id)],
        "message_id": ["1"],
        "notification_id": ["1"],
        "number": ["1"],
        "comment_id": [str(held["id"])],
        "token": ["x"],
        "lang": ["en"],
        "path": ["openapi.json"],
        "name": ["x.jpg"],
        "email": [alice.user.email or ""],
    }


async def test_no_payload_runs_anywhere(app: Litestar, client: Client, world: World) -> None:
    values = await build_world(client, world)
    urls = walk_urls(app, values)
    problems: dict[str, list[str]] = {}
    shown_as_text = []
    for who, person in (("anonymous", None), ("author", world.alice), ("admin", world.admin)):
        found = await crawl(client, urls, headers=person.headers if person else None)
        for url, response in found.responses.items():
            assert response.status_code < 500, f"{who}: {url}"
            kind = response.headers.get("content-type", "")
            if url.startswith("/api/") and response.status_code == 200 and "json" in kind:
                assert response.headers.get("x-content-type-options") == "nosniff", url
            if not kind.startswith("text/html"):
                continue
            page = audit(response.text)
            if page.problems:
                problems[f"{who}: {url}"] = page.problems
            text = "".join(page.text)
            if SCRIPT in text:
                shown_as_text.append(url)
                # Shown as typed: no template evaluated it.
                assert "{{7*7}}" in text, url
    assert problems == {}
    # The payloads were on the pages, as text.
    for expected in ("/", f"/dialogues/{SLUG}", f"/dialogues/{SLUG}/proposals", "/admin/people"):
        assert expected in shown_as_text, expected
    assert any(url.startswith("/proposals/") for url in shown_as_text)
    assert any(url.startswith(f"/dialogues/{SURVEY}/questionnaire") for url in shown_as_text)


#: What a visitor may put in any address: reflected in a page, it must stay text; as a
#: place to go back to, it must not leave the site.
REFLECTED = {
    "q": PAYLOAD,
    "notice": PAYLOAD,
    "theme": PAYLOAD,
    "sector": PAYLOAD,
    "view": PAYLOAD,
    "next": "javascript:alert(1)",
    "email": PAYLOAD,
}
ELSEWHERE = ("https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)")


async def test_addresses_are_not_reflected_as_markup(
    app: Litestar, client: Client, world: World
) -> None:
    values = await build_world(client, world)
    paths = {url.split("?")[0] for url in walk_urls(app, values)}
    problems = {}
    for who, person in (("anonymous", None), ("author", world.alice)):
        headers = person.headers if person else {}
        for path in sorted(paths):
            for target in ELSEWHERE:
                params = {**REFLECTED, "next": target}
                response = await client.get(
                    path, params=params, headers=headers, follow_redirects=False
                )
                assert response.status_code < 500, path
                location = response.headers.get("location", "")
                if location and not (location.startswith("/") and not location.startswith("//")):
                    problems[f"{who}: {path} → {location}"] = ["redirects off the site"]
                if response.headers.get("content-type", "").startswith("text/html"):
                    found = audit(response.text).problems
                    if found:
                        problems[f"{who}: {path}"] = found
    assert problems == {}


async def test_exports_neutralise_formulas(client: Client, world: World) -> None:
    await build_world(client, world)
    checked = 0
    for slug, what in (
        (SLUG, "proposals"),
        (SLUG, "comments"),
        (SLUG, "ballots"),
        (SURVEY, "responses"),
    ):
        response = await client.get(
            f"{ADMIN_DIALOGUES}/{slug}/export",
            params={"what": what, "format": "csv"},
            headers=world.admin.headers,
        )
        assert response.status_code == 200, response.text
        text = readable(response).lstrip("\ufeff")
        cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
        dangerous = [
            cell
            for cell in cells
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")) and not NUMBER.match(cell)
        ]
        assert dangerous == [], (slug, what)
        checked += sum(cell.startswith("'") for cell in cells)
    # Every formula came out, as text.
    assert checked >= len(FORMULAS)
