"""Bot checks on the citizen forms, through real requests: a solved challenge passes once,
an expired, forged or replayed one is refused with a message and what was typed; without
JavaScript a waiting page carries the form back after a wait the server enforces; the
proposal forms have a honeypot."""

from __future__ import annotations

import base64
import json
import re
import time
from html import unescape

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from core.bot_checks import LIFETIME, WAIT_LIFETIME, WAIT_SECONDS
from core.db import Database
from core.models import Proposal
from tests.conftest import World
from tests.helpers import solution_in, solve, solved_form
from tests.signin_helpers import form_token, outbox_messages
from tests.web.front_helpers import SLUG, Client, dialogue, errors_of, image_bytes, text_of

NEW = f"/dialogues/{SLUG}/proposals/new"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
REPLAYED = "Cette vérification anti-robot a déjà servi"
EXPIRED = "La vérification anti-robot a expiré"
INVALID = "La vérification anti-robot n'a pas abouti"


class Clock:
    """The bot checks' clock, moved by the tests."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(app: Litestar) -> Clock:
    clock = Clock()
    app.state.context.bot_checks.clock = clock
    return clock


def hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in HIDDEN.findall(html)}


async def sent_to(database: Database, email: str) -> int:
    return len(await outbox_messages(database, email))


async def test_the_form_carries_a_challenge_that_a_script_solves(
    client: Client, world: World
) -> None:
    page = await client.get("/signin")
    assert 'name="altcha" value=""' in page.text
    assert '<script src="/static/js/bot-check.js" defer></script>' in page.text
    assert 'data-refresh="/bot-check/challenge?form=signin"' in page.text
    script = await client.get("/static/js/bot-check.js")
    assert script.status_code == 200 and "crypto.subtle" in script.text
    fresh = await client.get("/bot-check/challenge?form=signin")
    assert fresh.status_code == 200 and fresh.headers["cache-control"] == "no-store"
    challenge = fresh.json()
    assert set(challenge) == {"algorithm", "challenge", "maxNumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256" and "form=signin" in challenge["salt"]
    assert solve(challenge)  # solvable, as the page's script would
    refused = await client.get("/bot-check/challenge?form=Not%20a%20form")
    assert refused.status_code == 400  # an error page, as for any page


async def test_a_solution_serves_once(client: Client, world: World, database: Database) -> None:
    fields = await solved_form(client, "/signin")
    first = await client.post(
        "/signin", data={"email": "alice@example.org", **fields}, follow_redirects=False
    )
    assert first.status_code == 303
    again = await client.post(
        "/signin", data={"email": "alice@example.org", **fields}, follow_redirects=False
    )
    assert again.status_code == 422
    assert REPLAYED in text_of(again.text)
    assert 'value="alice@example.org"' in again.text  # what was typed comes back
    assert solution_in(again.text)  # with a new challenge to solve
    assert await sent_to(database, "alice@example.org") == 1


async def test_an_expired_solution_is_refused(
    client: Client, world: World, database: Database, clock: Clock
) -> None:
    fields = await solved_form(client, "/signin")
    clock.offset = LIFETIME + 1
    late = await client.post("/signin", data={"email": "bob@example.org", **fields})
    assert late.status_code == 422
    assert EXPIRED in text_of(late.text) and 'value="bob@example.org"' in late.text
    assert await sent_to(database, "bob@example.org") == 0


def _b64(value: object) -> str:
    return base64.b64encode(json.dumps(value).encode()).decode()


async def test_forged_and_foreign_solutions_are_refused(
    client: Client, world: World, database: Database
) -> None:
    good = json.loads(base64.b64decode((await solved_form(client, "/signin"))["altcha"]))
    proposal_challenge = (await client.get("/bot-check/challenge?form=proposal")).json()
    forged = [
        "not base64!",
        base64.b64encode(b"\xff\xfe").decode(),
        _b64([1, 2, 3]),
        _b64(7),
        _b64({**good, "number": "12"}),
        _b64({**good, "number": good["number"] + 1}),
        _b64({**good, "number": -1}),
        _b64({**good, "salt": good["salt"].replace("form=signin", "form=proposal")}),
        _b64({**good, "salt": re.sub(r"expires=\d+", "expires=99999999999", good["salt"])}),
        _b64({**good, "signature": "0" * 64}),
        _b64({**good, "algorithm": "SHA-1"}),
        _b64({k: v for k, v in good.items() if k != "signature"}),
        solve(proposal_challenge),  # solved, but for another form
        "A" * 10_000,
    ]
    token = await form_token(client, "/signin")
    for solution in forged:
        response = await client.post(
            "/signin",
            data={"email": "carol@example.org", "csrf_token": token, "altcha": solution},
        )
        assert response.status_code == 422, solution
        assert INVALID in text_of(response.text), solution
        assert 'value="carol@example.org"' in response.text
    assert await sent_to(database, "carol@example.org") == 0


def _tampered(text: str) -> str:
    """``text`` with its last two characters changed (never to what they were)."""
    ending = "AA" if text[-2:] != "AA" else "BB"
    return text[:-2] + ending


async def test_without_javascript_a_wait_replaces_the_work(
    client: Client, world: World, database: Database, clock: Clock
) -> None:
    token = await form_token(client, "/signin")
    asked = await client.post(
        "/signin", data={"email": "dan@example.org", "next": "/me", "csrf_token": token}
    )
    assert asked.status_code == 200
    assert "Vérification avant l'envoi" in asked.text
    assert f"Patientez {WAIT_SECONDS} secondes" in text_of(asked.text)
    carried = hidden_fields(asked.text)
    assert carried["email"] == "dan@example.org" and carried["next"] == "/me"
    assert carried["altcha_wait"] and carried["csrf_token"]
    assert await sent_to(database, "dan@example.org") == 0

    early = await client.post("/signin", data=carried)
    assert early.status_code == 200 and "C'est un peu tôt" in text_of(early.text)
    assert hidden_fields(early.text)["altcha_wait"] == carried["altcha_wait"]
    assert await sent_to(database, "dan@example.org") == 0

    clock.offset = WAIT_SECONDS
    sent = await client.post("/signin", data=carried, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/signin/check-your-email"
    assert await sent_to(database, "dan@example.org") == 1
    again = await client.post("/signin", data=carried)
    assert again.status_code == 422 and REPLAYED in text_of(again.text)
    assert 'value="dan@example.org"' in again.text

    # A token is good for a while only, for its own form, as it was made.
    clock.offset = 0
    fresh = hidden_fields((await client.post("/signin", data={**carried, "altcha_wait": ""})).text)
    clock.offset = WAIT_SECONDS + WAIT_LIFETIME + 1
    expired = await client.post("/signin", data=fresh)
    assert expired.status_code == 422 and EXPIRED in text_of(expired.text)
    clock.offset = WAIT_SECONDS
    terms, _, signature = fresh["altcha_wait"].partition(".")
    for bad in (f"{terms}.{_tampered(signature)}", f"{_tampered(terms)}.{signature}", "x", "."):
        refused = await client.post("/signin", data={**fresh, "altcha_wait": bad})
        assert refused.status_code == 422 and INVALID in text_of(refused.text), bad
    assert await sent_to(database, "dan@example.org") == 1


async def test_a_typo_is_shown_before_any_wait(client: Client, world: World) -> None:
    token = await form_token(client, "/signin")
    response = await client.post("/signin", data={"email": "pas-une-adresse", "csrf_token": token})
    assert response.status_code == 422 and 'aria-invalid="true"' in response.text
    assert "altcha_wait" not in response.text


async def _proposals(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Proposal)) or 0)


async def test_a_proposal_without_javascript_keeps_what_was_typed(
    client: Client, world: World, database: Database, clock: Clock
) -> None:
    await dialogue(client, world)
    form = await client.get(NEW, headers=world.alice.headers)
    assert 'name="altcha"' in form.text and 'name="website"' in form.text
    typed = {
        "title": "Un banc à l'ombre",
        "body": "Sous les platanes.\nAvec un dossier.",
        "theme": "nature",
        "lat": "47,2184",
        "lng": "-1.5536",
        "field__quartier": "Chantenay",
        "field__accord": "on",
        "action": "publish",
    }
    asked = await client.post(
        NEW,
        data=typed,
        files={"image": ("banc.png", image_bytes((40, 30), "PNG"), "image/png")},
        headers=world.alice.headers,
    )
    assert asked.status_code == 200 and "Vérification avant l'envoi" in asked.text
    assert "Un banc à l&#39;ombre" in asked.text
    assert 'enctype="multipart/form-data"' in asked.text
    carried = hidden_fields(asked.text)
    assert {k: carried[k] for k in typed} == typed
    assert carried["image_ref"]  # the photo is stored already: never chosen twice
    assert await _proposals(database) == 0

    clock.offset = WAIT_SECONDS
    sent = await client.post(
        NEW,
        data=carried,
        files={"unused": ("x.txt", b"", "text/plain")},
        headers=world.alice.headers,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    proposal_id = int(sent.headers["location"].split("/")[2].split("?")[0])
    created = (await client.get(f"/api/v1/proposals/{proposal_id}")).json()
    assert created["title"] == typed["title"] and created["body"] == typed["body"]
    assert created["image_url"] == f"/media/{carried['image_ref']}"
    assert created["fields"]["quartier"] == "Chantenay" and created["fields"]["accord"] is True
    assert created["location"] == {"lat": 47.2184, "lng": -1.5536}


async def test_a_replayed_proposal_solution_is_refused_with_the_form(
    client: Client, world: World, database: Database
) -> None:
    await dialogue(client, world)
    fields = await solved_form(client, NEW, world.alice.headers)
    data = {"title": "Des bancs", "body": "Place Graslin", "field__quartier": "Centre", **fields}
    files = {"unused": ("x.txt", b"", "text/plain")}
    first = await client.post(
        NEW, data=data, files=files, headers=world.alice.headers, follow_redirects=False
    )
    assert first.status_code == 303
    again = await client.post(NEW, data=data, files=files, headers=world.alice.headers)
    assert again.status_code == 422
    assert REPLAYED in text_of(again.text) and 'value="Des bancs"' in again.text
    assert await _proposals(database) == 1


async def test_the_proposal_honeypot(client: Client, world: World, database: Database) -> None:
    await dialogue(client, world)
    fields = await solved_form(client, NEW, world.alice.headers)
    data = {"title": "Gagnez un iPhone", "body": "http://spam.example", **fields}
    response = await client.post(
        NEW,
        data={**data, "field__quartier": "Centre", "website": "http://spam.example"},
        files={"unused": ("x.txt", b"", "text/plain")},
        headers=world.alice.headers,
    )
    assert response.status_code == 422
    assert "n'a pas pu être enregistrée" in text_of(response.text)
    assert 'value="Gagnez un iPhone"' in response.text
    assert await _proposals(database) == 0
    # the edit form has one too
    created = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals",
        json={"title": "Des bancs", "body": "Place Graslin", "fields": {"quartier": "Centre"}},
        headers=world.alice.headers,
    )
    edit = f"/proposals/{created.json()['id']}/edit"
    assert 'name="website"' in (await client.get(edit, headers=world.alice.headers)).text
    refused = await client.post(
        edit,
        data={
            "title": "Gagnez un iPhone",
            "body": "x",
            "field__quartier": "Centre",
            "website": "y",
            "action": "save",
        },
        files={"unused": ("x.txt", b"", "text/plain")},
        headers=world.alice.headers,
    )
    assert refused.status_code == 422 and errors_of(refused.text) == []
    assert "n'a pas pu être enregistrée" in text_of(refused.text)
    kept = (await client.get(f"/api/v1/proposals/{created.json()['id']}")).json()
    assert kept["title"] == "Des bancs"
