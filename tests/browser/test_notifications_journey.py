"""A citizen follows a dialogue, is told in the header and at /me/notifications that its
vote opens, chooses a daily digest, and unsubscribes from the email's link without
signing in; in French and English, at 1280 and 375 px, with and without JavaScript."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from sqlalchemy import select

from core.db import Database
from core.models import OutboxMessage
from tests.browser.conftest import NewTab, Tab, check_accessibility, screenshot, sign_in
from tests.conftest import LiveServer, World
from tests.helpers import dialogue_body

SLUG = "budget-2027"


@pytest.fixture
def live_server_env() -> dict[str, str]:
    # The mail queue composes the news' emails within a second, as it would within ten.
    return {"PARTICIPE_MAIL_SECONDS": "1"}


async def _setup(live_server: LiveServer, world: World) -> None:
    body = dialogue_body(
        vote={"type": "support", "settings": {"max_votes": 2}},
        phases=[{"kind": "proposals"}, {"kind": "vote"}, {"kind": "results"}],
    )
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        assert (await api.post("/api/v1/admin/dialogues", json=body)).status_code == 201
        opened = await api.post(f"/api/v1/admin/dialogues/{SLUG}/phase", json={"kind": "proposals"})
        assert opened.status_code == 200
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.alice.headers) as api:
        for title in ("Un verger au parc", "Des bancs place Royale"):
            created = await api.post(
                f"/api/v1/dialogues/{SLUG}/proposals", json={"title": title, "body": "Pour tous."}
            )
            assert created.status_code == 201, created.text


async def _open_vote(live_server: LiveServer, world: World) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, headers=world.admin.headers) as api:
        opened = await api.post(f"/api/v1/admin/dialogues/{SLUG}/phase", json={"kind": "vote"})
        assert opened.status_code == 200


async def _until_badge(tab: Tab, seconds: float = 15) -> str:
    """Reloads the page until the header counts unread news; returns the count."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        badge = tab.page.locator("header .badge-count")
        if await badge.count():
            return " ".join((await badge.inner_text()).split())
        assert asyncio.get_running_loop().time() < deadline, "no news in the header"
        await asyncio.sleep(0.5)
        await tab.page.reload()


async def _email_to(database: Database, recipient: str, seconds: float = 15) -> OutboxMessage:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        async with database.session() as session:
            message = await session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.recipient == recipient, OutboxMessage.kind == "notification")
                .order_by(OutboxMessage.id.desc())
            )
        if message is not None:
            return message
        assert asyncio.get_running_loop().time() < deadline, "no news email in the outbox"
        await asyncio.sleep(0.3)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
async def test_follow_be_told_choose_and_unsubscribe(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database, javascript: bool
) -> None:
    await _setup(live_server, world)
    tab = await new_tab(javascript=javascript)
    await sign_in(tab, database, "bob@example.org", f"/dialogues/{SLUG}")
    await tab.go(f"/dialogues/{SLUG}")
    async with tab.page.expect_navigation():
        await tab.page.get_by_role("button", name="Suivre cette démarche").click()
    assert "Vous suivez maintenant ceci" in await tab.page.inner_text("main")
    assert await tab.page.get_by_role("button", name=re.compile("ne plus suivre")).count()

    await _open_vote(live_server, world)
    assert await _until_badge(tab) == "(1 non lues)" or "1" in await _until_badge(tab)
    await tab.page.get_by_role("link", name=re.compile("Notifications")).click()
    await tab.page.wait_for_url(re.compile("/me/notifications"))
    main = " ".join((await tab.page.inner_text("main")).split())
    assert "« Budget participatif 2027 » : le vote commence" in main
    if javascript:
        await check_accessibility(tab, "notifications")
        await screenshot(tab, "notifications-fr-1280")
        await tab.page.set_viewport_size({"width": 375, "height": 800})
        await screenshot(tab, "notifications-fr-375")
        await tab.page.set_viewport_size({"width": 1280, "height": 900})

    # A daily digest for the steps of followed dialogues.
    await tab.page.locator("input[name=kind-phase_opened][value=daily]").check()
    async with tab.page.expect_navigation():
        await tab.page.get_by_role("button", name="Enregistrer mes choix").click()
    assert "Vos choix de notifications sont enregistrés" in await tab.page.inner_text("main")
    assert await tab.page.locator("input[name=kind-phase_opened][value=daily]").is_checked()

    # Opening the news marks it read and leads to the vote.
    async with tab.page.expect_navigation():
        await tab.page.locator(".notification-list a").first.click()
    assert tab.page.url.endswith(f"/dialogues/{SLUG}/vote")
    assert not await tab.page.locator("header .badge-count").count()

    # The email's unsubscription link, in a browser that is not signed in.
    mail = await _email_to(database, "bob@example.org")
    assert mail.list_unsubscribe
    path = "/notifications/" + mail.list_unsubscribe.split("/notifications/", 1)[1]
    stranger = await new_tab(javascript=javascript)
    await stranger.go(path)
    assert "Ne plus recevoir aucune nouvelle par courriel" in await stranger.page.inner_text("main")
    async with stranger.page.expect_navigation():
        await stranger.page.get_by_role("button", name="Me désinscrire").click()
    assert "C'est fait" in await stranger.page.inner_text("main")
    if javascript:
        await check_accessibility(stranger, "unsubscribe")
    tab.check_console()
    stranger.check_console()


async def test_the_notifications_page_in_english(
    new_tab: NewTab, live_server: LiveServer, world: World, database: Database
) -> None:
    await _setup(live_server, world)
    tab = await new_tab(locale="en-GB")
    await sign_in(tab, database, "alice@example.org", "/me/notifications")
    await _open_vote(live_server, world)
    await tab.go("/me/notifications")
    await _until_badge(tab)
    # The news of the steps come in the order the platform's task writes them: wait for
    # the vote's, which may follow the proposals' by a pass.
    deadline = asyncio.get_running_loop().time() + 15
    while "“Budget participatif 2027”: the vote opens" not in (
        main := " ".join((await tab.page.inner_text("main")).split())
    ):
        assert asyncio.get_running_loop().time() < deadline, main
        await asyncio.sleep(0.5)
        await tab.page.reload()
    assert "Choose" in main or "When to email me" in main
    await check_accessibility(tab, "notifications")
    await screenshot(tab, "notifications-en-1280")
    await tab.page.set_viewport_size({"width": 375, "height": 800})
    await screenshot(tab, "notifications-en-375")
    await tab.go("/proposals/1")
    tab.check_console()
