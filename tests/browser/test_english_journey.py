"""A citizen reading in English, in a real browser: a vote of each type (support, for or
against, points, ranking), cast and read back, and a questionnaire answered with an error
on the way and its results; no common French word of the platform's texts shows in the
visible text of any of these pages (the staff's own texts, written in English here, or
named as allowed)."""

from __future__ import annotations

from typing import Any

import httpx

from core.db import Database
from participe.testing import vote_dialogue
from tests.browser.conftest import NewTab, Tab, sign_in
from tests.conftest import LiveServer, World
from tests.questionnaire_helpers import ADMIN_DIALOGUES, SLUG, dialogue_with
from tests.web.test_english_everywhere import french_words_in

#: The texts the tests write themselves (titles, bodies): not the platform's.
OWN_TEXTS = ("Budget 2026", "A bench by the river", "Pour la ville.", "Our logo")
ENGLISH_QUESTIONNAIRE: dict[str, Any] = {
    "questions": [
        {
            "kind": "single",
            "text": "Which logo do you like?",
            "required": True,
            "other": True,
            "options": [
                {"key": "river", "label": "The river"},
                {"key": "oak", "label": "The oak"},
            ],
        },
        {
            "kind": "multiple",
            "text": "Where should we show it?",
            "max": 1,
            "options": [
                {"key": "signs", "label": "Road signs"},
                {"key": "buses", "label": "Buses"},
            ],
        },
        {"kind": "scale", "text": "How much do you care?", "min": 1, "max": 3},
    ]
}


async def _main_text(tab: Tab) -> str:
    return " ".join((await tab.page.inner_text("main")).split())


async def _no_french(tab: Tab, where: str) -> str:
    text = await _main_text(tab)
    assert french_words_in(text, OWN_TEXTS) == [], (where, text)
    return text


async def _click(tab: Tab, name: str) -> None:
    await tab.page.locator("main form.vote-widget button", has_text=name).first.click()
    await tab.page.wait_for_load_state()


async def test_voting_in_english(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    cases = (
        ("support", {"max_votes": 3}, "Good idea!", "Withdraw my support"),
        ("binary", {"options": ["for", "against", "neutral"]}, "Vote", "Withdraw my vote"),
        ("points", {"mode": "distribute", "points_budget": 1500}, "Confirm", "Withdraw"),
        ("ranked", {}, "Rank", "Take out of the ranking"),
    )
    proposals = {}
    async with httpx.AsyncClient(base_url=live_server.url) as api:
        for vote_type, settings, _, _ in cases:
            setup = await vote_dialogue(
                api,  # type: ignore[arg-type]
                world,
                {"type": vote_type, "settings": settings},
                slug=f"vote-{vote_type}",
                title="Budget 2026",
                proposals=["A bench by the river"],
            )
            proposals[vote_type] = setup.proposals[0]
    tab = await new_tab(locale="en-GB")
    await sign_in(tab, database, "sam@example.org", f"/proposals/{proposals['support']}")
    for vote_type, _, cast, withdraw in cases:
        await tab.go(f"/proposals/{proposals[vote_type]}")
        assert await tab.page.get_attribute("html", "lang") == "en"
        before = await _no_french(tab, f"{vote_type} before the vote")
        if vote_type == "binary":
            await tab.page.get_by_label("For", exact=True).check()
        if vote_type == "points":
            assert "Points left: 1,500 of 1,500" in before
            await tab.page.get_by_label("Points for “A bench by the river”").fill("1200")
        await _click(tab, cast)
        after = await _no_french(tab, f"{vote_type} after the vote")
        assert withdraw in after, (vote_type, after)
        if vote_type == "points":
            assert "Points left: 300 of 1,500" in after
        if vote_type == "support":
            assert "You support this proposal." in after
    # The ballot box says each vote as the widget did.
    await tab.go("/me/ballots")
    ballots = await _no_french(tab, "ballot box")
    assert "Good idea!" in ballots and "For" in ballots
    tab.check_console()


async def test_a_questionnaire_in_english(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        body = dialogue_with(ENGLISH_QUESTIONNAIRE, title="Our logo")
        created = await api.post(ADMIN_DIALOGUES, json=body)
        assert created.status_code == 201, created.text
    page_path = f"/dialogues/{SLUG}/questionnaire"
    tab = await new_tab(locale="en-GB")
    await sign_in(tab, database, "sam@example.org", page_path)
    text = await _no_french(tab, "questionnaire")
    assert "Questions marked with an asterisk (*) are required." in text
    page = tab.page
    await page.get_by_label("Road signs").check()
    await page.get_by_label("Buses").check()
    await page.get_by_role("button", name="Send my answers").click()
    await page.wait_for_load_state()
    text = await _no_french(tab, "questionnaire with errors")
    assert "Some answers need correcting" in text
    assert "Question 1: answer required" in text
    assert "Question 2: tick no more than 1" in text
    await page.get_by_label("The oak").check()
    await page.get_by_label("Buses").uncheck()
    await page.get_by_label("2", exact=True).check()
    await page.get_by_role("button", name="Send my answers").click()
    await page.wait_for_load_state()
    text = await _no_french(tab, "questionnaire confirmation")
    assert "Thank you, your answers are saved" in text
    await page.get_by_role("link", name="See the results").click()
    await page.wait_for_load_state()
    text = await _no_french(tab, "questionnaire results")
    assert "1 answer" in text and "Share of respondents" in text and "100.0%" in text
    tab.check_console()
