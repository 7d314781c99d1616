"""A minimum age to vote (the ``minimum_age`` module): a citizen declares a birth date (API
and page, without JavaScript), the residents list or the desk verifies it; a dialogue that
asks an age refuses the votes of those too young, without a date, or, when it asks for a
verified date, with a declared one (403 ``vote.not_eligible`` with its ``reason``); the
pages say what to do; a dialogue without the module reads nothing more."""

from __future__ import annotations

from datetime import date, datetime
from html import unescape

import httpx

from core.db import Database
from core.services.ages import LOCAL_ZONE, age_on
from participe.testing import VoteSetup, put_vote, vote_dialogue
from tests.ballot_helpers import Client
from tests.conftest import Person, World
from tests.signin_helpers import csrf_in, sign_in
from tests.web.test_verification import ELODIE, ME_API, by_census, upload

BIRTH = f"{ME_API}/birth-date"
SUPPORT = {"type": "support", "settings": {}}


def _years_ago(years: int, days: int = 0) -> str:
    """The birth date of someone ``years`` old today (``days`` later: not yet)."""
    today = datetime.now(LOCAL_ZONE).date()
    if (today.month, today.day) == (2, 29):
        today = date(today.year, 3, 1)
    born = today.replace(year=today.year - years)
    return date.fromordinal(born.toordinal() + days).isoformat()


async def _declare(client: Client, person: Person, text: str) -> httpx.Response:
    response: httpx.Response = await client.put(
        BIRTH, json={"birth_date": text}, headers=person.headers
    )
    return response


async def _aged_dialogue(
    client: Client, world: World, age: int = 16, *, verified_only: bool = False
) -> VoteSetup:
    return await vote_dialogue(
        client,
        world,
        SUPPORT,
        slug="jeunes",
        modules={"minimum_age": {"age": age, "verified_only": verified_only}},
    )


def test_age_in_whole_years() -> None:
    assert age_on(date(2008, 5, 1), date(2024, 4, 30)) == 15
    assert age_on(date(2008, 5, 1), date(2024, 5, 1)) == 16
    assert age_on(date(2008, 2, 29), date(2024, 2, 28)) == 15
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17


async def test_a_dialogue_with_a_minimum_age_refuses_who_is_too_young(
    client: Client, world: World
) -> None:
    setup = await _aged_dialogue(client, world)
    proposal = setup.proposals[0]
    none = await put_vote(client, world.alice, setup, proposal)
    assert (none.status_code, none.json()["code"]) == (403, "vote.not_eligible")
    assert none.json()["reason"] == "birth_date_missing" and none.json()["minimum_age"] == 16

    assert (await client.get(BIRTH, headers=world.alice.headers)).json() == {
        "birth_date": None,
        "verified": False,
    }
    for bad in ("demain", "2999-01-01", "1800-01-01"):
        refused = await _declare(client, world.alice, bad)
        assert refused.status_code == 422, bad
    young = await _declare(client, world.alice, _years_ago(16, days=1))  # 16 tomorrow
    assert young.status_code == 200 and young.json()["verified"] is False
    too_young = await put_vote(client, world.alice, setup, proposal)
    assert too_young.status_code == 403 and too_young.json()["reason"] == "too_young"

    old_enough = await _declare(client, world.alice, _years_ago(16))  # 16 today
    assert old_enough.status_code == 200
    voted = await put_vote(client, world.alice, setup, proposal)
    assert voted.status_code == 200, voted.text
    # Withdrawing is never refused for age.
    assert (await client.delete(setup.vote(proposal), headers=world.alice.headers)).is_success

    # Dialogues without the module ask nothing of Bob, who declared nothing.
    plain = await vote_dialogue(client, world, SUPPORT, slug="tous")
    assert (await put_vote(client, world.bob, plain, plain.proposals[0])).status_code == 200


async def test_a_verified_birth_date_when_the_dialogue_asks_for_one(
    client: Client, world: World
) -> None:
    setup = await _aged_dialogue(client, world, age=18, verified_only=True)
    proposal = setup.proposals[0]
    assert (await _declare(client, world.alice, "1980-04-02")).status_code == 200
    declared = await put_vote(client, world.alice, setup, proposal)
    assert declared.status_code == 403 and declared.json()["reason"] == "birth_date_unverified"
    assert (await upload(client, world)).status_code == 200
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    shown = (await client.get(BIRTH, headers=world.alice.headers)).json()
    assert shown == {"birth_date": "1980-04-02", "verified": True}
    # A declared date never replaces a verified one.
    kept = await _declare(client, world.alice, "2015-01-01")
    assert kept.json() == {"birth_date": "1980-04-02", "verified": True}
    voted = await put_vote(client, world.alice, setup, proposal)
    assert voted.status_code == 200, voted.text


async def test_the_pages_say_what_to_do(client: Client, world: World, database: Database) -> None:
    setup = await _aged_dialogue(client, world)
    await sign_in(client, database, world.alice.user.email)
    proposal_page = await client.get(f"/proposals/{setup.proposals[0]}")
    text = unescape(proposal_page.text)
    assert "réservé aux personnes qui ont l'âge demandé" in text
    assert 'href="/me/verification?next=' in proposal_page.text
    page = await client.get("/me/verification")
    assert "Votre date de naissance" in unescape(page.text)
    token = csrf_in(page.text)
    wrong = await client.post(
        "/me/verification/birth-date", data={"birth_date": "bientôt", "csrf_token": token}
    )
    assert wrong.status_code == 422 and "plausible" in unescape(wrong.text)
    assert 'value="bientôt"' in wrong.text
    saved = await client.post(
        "/me/verification/birth-date",
        data={"birth_date": "02/04/1990", "csrf_token": token, "next": "/dialogues/jeunes"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/dialogues/jeunes?notice=birth_date_saved"
    page = await client.get("/me/verification")
    assert "Vous avez déclaré être né·e le" in unescape(page.text)
    english = await client.get("/me/verification", headers={"Accept-Language": "en"})
    assert "You declared you were born on" in english.text
    # The birth date is part of the citizen's data.
    export = await client.get("/api/v1/me/data", headers=world.alice.headers)
    assert export.status_code == 200 and '"birth_date":"1990-04-02"' in export.text.replace(" ", "")
