"""Following and notifications: who is told of what, by which email, when; digests;
unsubscription without sign-in; the pages and the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar import Litestar
from sqlalchemy import event, func, select, update

from core.db import Database
from core.events import Event, EventContext, EventHandler
from core.hookspecs import hookimpl
from core.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    Phase,
    Proposal,
    TaskLease,
)
from core.models.dialogues import PhaseKind
from core.models.users import Role
from core.notification_kinds import NotificationKind
from core.registries import Registry
from core.services import notifications
from core.services.news_mail import digest_cutoff, mail_digests
from participe.testing import (
    Outbox,
    VoteSetup,
    World,
    put_vote,
    run_event_jobs,
    run_mail_queue,
    switch_phase,
    vote_dialogue,
)
from tests.conftest import without_installed
from tests.signin_helpers import sign_in
from web.mail_queue import news_runtime
from web.plugins import build_plugins

Client = Any
SUPPORT = {"type": "support", "settings": {"max_votes": 3}}


async def news_of(database: Database, user_id: int, kind: str | None = None) -> list[Notification]:
    async with database.session() as session:
        query = select(Notification).where(Notification.user_id == user_id)
        if kind is not None:
            query = query.where(Notification.kind == kind)
        return list(await session.scalars(query.order_by(Notification.id)))


async def settle(app: Litestar) -> None:
    """Runs what the app's background runners would: event jobs, then the mail queue."""
    await run_event_jobs(app)
    await run_mail_queue(app)


async def ideas(client: Client, world: World) -> VoteSetup:
    """A support vote open, with Alice's three proposals."""
    return await vote_dialogue(client, world, SUPPORT, slug="idees", kind="ideas")


# -- following -----------------------------------------------------------------------


async def test_following_through_the_api(client: Client, world: World) -> None:
    setup = await ideas(client, world)
    bob = world.bob.headers
    assert (await client.get("/api/v1/me/follows", headers=bob)).json() == []

    assert (
        await client.post(f"/api/v1/dialogues/{setup.slug}/follow", headers=bob)
    ).status_code == 204
    followed = await client.post(f"/api/v1/proposals/{setup.proposals[1]}/follow", headers=bob)
    assert followed.status_code == 204
    # Twice is the same as once.
    assert (
        await client.post(f"/api/v1/dialogues/{setup.slug}/follow", headers=bob)
    ).status_code == 204
    listed = (await client.get("/api/v1/me/follows", headers=bob)).json()
    assert listed == [
        {
            "dialogue": "idees",
            "proposal_id": None,
            "title": "Budget participatif 2026",
            "automatic": False,
        },
        {
            "dialogue": "idees",
            "proposal_id": setup.proposals[1],
            "title": "Proposition 2",
            "automatic": False,
        },
    ]
    assert (
        await client.delete(f"/api/v1/dialogues/{setup.slug}/follow", headers=bob)
    ).status_code == 204
    listed = (await client.get("/api/v1/me/follows", headers=bob)).json()
    assert [item["proposal_id"] for item in listed] == [setup.proposals[1]]


async def test_one_follows_what_one_took_part_in_until_one_stops(
    client: Client, world: World
) -> None:
    setup = await ideas(client, world)
    # Alice wrote the three proposals: she follows them and their dialogue.
    alice = (await client.get("/api/v1/me/follows", headers=world.alice.headers)).json()
    assert {item["proposal_id"] for item in alice} == {None, *setup.proposals}
    assert all(item["automatic"] for item in alice)
    # Bob votes for one.
    assert (await put_vote(client, world.bob, setup, setup.proposals[0])).status_code == 200
    bob = (await client.get("/api/v1/me/follows", headers=world.bob.headers)).json()
    assert {item["proposal_id"] for item in bob} == {None, setup.proposals[0]}
    # He stops following it: his vote does not make him follow it again.
    stopped = await client.delete(
        f"/api/v1/proposals/{setup.proposals[0]}/follow", headers=world.bob.headers
    )
    assert stopped.status_code == 204
    bob = (await client.get("/api/v1/me/follows", headers=world.bob.headers)).json()
    assert {item["proposal_id"] for item in bob} == {None}


async def test_following_refusals(client: Client, world: World) -> None:
    setup = await ideas(client, world)
    assert (await client.post(f"/api/v1/dialogues/{setup.slug}/follow")).status_code == 401
    assert (await client.get("/api/v1/me/follows")).status_code == 401
    unknown = await client.post("/api/v1/dialogues/nowhere/follow", headers=world.bob.headers)
    assert unknown.status_code == 404
    assert (
        await client.post("/api/v1/proposals/999999/follow", headers=world.bob.headers)
    ).status_code == 404
    # Where the module is off, there is nothing to follow.
    off = await client.delete(
        f"/api/v1/admin/dialogues/{setup.slug}/modules/notifications", headers=world.admin.headers
    )
    assert off.status_code == 204, off.text
    refused = await client.post(f"/api/v1/dialogues/{setup.slug}/follow", headers=world.bob.headers)
    assert refused.status_code == 404


# -- news --------------------------------------------------------------------------


async def test_a_vote_that_opens_is_told_to_the_followers_by_email(
    app: Litestar, client: Client, world: World, outbox: Outbox
) -> None:
    setup = await ideas(client, world)
    await switch_phase(client, world.admin.headers, setup.slug, "proposals")
    await settle(app)
    await client.post(f"/api/v1/dialogues/{setup.slug}/follow", headers=world.bob.headers)
    carol = await world.person("carol@example.org")
    before = {message.id for message in await outbox.messages()}

    await switch_phase(client, world.admin.headers, setup.slug, "vote")
    await settle(app)

    [news] = await news_of(world.database, world.bob.user.id, "phase_opened")
    assert news.details == {"phase": "vote"} and news.link == "/dialogues/idees/vote"
    assert news.mailed_at is not None
    assert await news_of(world.database, carol.user.id) == []  # she follows nothing
    [mail, *_] = await outbox.messages("bob@example.org", kind="notification")
    assert mail.subject == "« Budget participatif 2026 » : le vote commence"
    assert "/dialogues/idees/vote" in mail.text_body
    assert mail.list_unsubscribe and "/notifications/unsubscribe/" in mail.list_unsubscribe
    assert mail.list_unsubscribe in mail.text_body
    # Alice, the author, follows the dialogue too; Carol and the admin are told nothing.
    new = [message for message in await outbox.messages() if message.id not in before]
    assert sorted(message.recipient for message in new) == ["alice@example.org", "bob@example.org"]


async def test_the_email_reaches_a_real_smtp_server_with_one_click_unsubscription(
    settings: Any, plugins: Any, database: Database, world: World, smtp_server: Any
) -> None:
    from participe.testing import http_client, make_app

    app = make_app(settings.replace(smtp_url=smtp_server.url), database, plugins)
    async with http_client(app) as client:
        setup = await ideas(client, world)
        await settle(app)
        smtp_server.messages.clear()
        await switch_phase(client, world.admin.headers, setup.slug, "results")
        await settle(app)
        mails = await smtp_server.wait_for(1)
        [mail] = [m for m in mails if m["To"] == "alice@example.org"]
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        address = mail["List-Unsubscribe"].strip("<>")
        # The mail program's one click: a POST, no cookie, no CSRF token.
        path = address.split("testserver.local", 1)[-1].split("127.0.0.1", 1)[-1]
        path = path[path.index("/notifications/") :]
        clicked = await client.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert clicked.status_code == 200, clicked.text
    async with database.session() as session:
        chosen = set(
            await session.scalars(
                select(NotificationPreference.frequency).where(
                    NotificationPreference.user_id == world.alice.user.id
                )
            )
        )
    assert chosen == {"never"}


async def test_a_status_change_is_told_to_the_followers_and_the_author_once(
    app: Litestar, client: Client, world: World, outbox: Outbox
) -> None:
    setup = await ideas(client, world)
    await settle(app)
    before = {message.id for message in await outbox.messages()}
    proposal_id = setup.proposals[0]
    await put_vote(client, world.bob, setup, proposal_id)
    changed = await client.patch(
        f"/api/v1/admin/proposals/{proposal_id}",
        json={"status": "accepted", "status_reason": "Budget voté."},
        headers=world.admin.headers,
    )
    assert changed.status_code == 200, changed.text
    await settle(app)

    [bob_news] = await news_of(world.database, world.bob.user.id, "proposal_status")
    assert bob_news.details == {"status": "accepted"}
    new = [message for message in await outbox.messages() if message.id not in before]
    [bob_mail] = [message for message in new if message.recipient == "bob@example.org"]
    assert bob_mail.subject == "« Proposition 1 » est maintenant : retenue"
    # Alice got the email about her own proposal; her news is on her page, not mailed twice.
    [alice_news] = await news_of(world.database, world.alice.user.id, "proposal_status")
    assert alice_news.mailed_at is not None
    [alice_mail] = [message for message in new if message.recipient == "alice@example.org"]
    assert alice_mail.kind == "proposal_status"


async def test_a_reply_is_told_to_the_comment_s_author_only(
    app: Litestar, client: Client, world: World, outbox: Outbox
) -> None:
    setup = await ideas(client, world)
    url = f"/api/v1/proposals/{setup.proposals[0]}/comments"
    first = await client.post(url, json={"body": "Bonne idée"}, headers=world.bob.headers)
    assert first.status_code == 201, first.text
    await settle(app)
    reply = await client.post(
        url, json={"body": "Merci !", "parent_id": first.json()["id"]}, headers=world.alice.headers
    )
    assert reply.status_code == 201
    await settle(app)
    [news] = await news_of(world.database, world.bob.user.id, "comment_reply")
    assert news.details == {"author": "Alice"}
    assert news.link == f"/proposals/{setup.proposals[0]}#comment-{reply.json()['id']}"
    assert await news_of(world.database, world.alice.user.id, "comment_reply") == []
    # Bob answering himself tells no one.
    await client.post(
        url, json={"body": "Et aussi…", "parent_id": first.json()["id"]}, headers=world.bob.headers
    )
    await settle(app)
    assert len(await news_of(world.database, world.bob.user.id, "comment_reply")) == 1


async def test_published_results_are_told_once(app: Litestar, client: Client, world: World) -> None:
    setup = await vote_dialogue(
        client, world, SUPPORT, slug="resultats", results_visibility="manual"
    )
    await put_vote(client, world.bob, setup, setup.proposals[0])
    published = await client.post(
        f"/api/v1/admin/dialogues/{setup.slug}/results/publish", headers=world.admin.headers
    )
    assert published.status_code == 200
    again = await client.post(
        f"/api/v1/admin/dialogues/{setup.slug}/results/publish", headers=world.admin.headers
    )
    assert again.status_code == 200
    await settle(app)
    [news] = await news_of(world.database, world.bob.user.id, "results_published")
    assert news.link == "/dialogues/resultats/results"


async def test_citizens_with_an_unconfirmed_ballot_are_reminded_once(
    app: Litestar, client: Client, world: World, database: Database
) -> None:
    setup = await vote_dialogue(
        client,
        world,
        {"type": "support", "settings": {"min_votes": 2, "max_votes": 3}},
        slug="rappel",
    )
    await put_vote(client, world.bob, setup, setup.proposals[0])  # a draft: below the minimum
    async with database.session() as session:
        await session.execute(
            update(Phase)
            .where(Phase.kind == PhaseKind.VOTE)
            .values(ends_at=datetime.now(UTC) + timedelta(hours=5))
        )
        await session.commit()
    await settle(app)
    await settle(app)
    [news] = await news_of(database, world.bob.user.id, "vote_reminder")
    assert news.link == "/dialogues/rappel/vote"
    assert await news_of(database, world.alice.user.id, "vote_reminder") == []


async def test_staff_are_told_only_of_what_they_chose(
    app: Litestar, client: Client, world: World
) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    chosen = await client.put(
        "/api/v1/me/notification-preferences",
        json={"review_waiting": "now", "content_reported": "daily"},
        headers=moderator.headers,
    )
    assert chosen.status_code == 200, chosen.text
    setup = await ideas(client, world)
    await settle(app)
    waiting = await news_of(world.database, moderator.user.id, "review_waiting")
    assert len(waiting) == len(setup.proposals)
    assert await news_of(world.database, world.admin.user.id, "review_waiting") == []
    comment = await client.post(
        f"/api/v1/proposals/{setup.proposals[0]}/comments",
        json={"body": "Hors sujet"},
        headers=world.alice.headers,
    )
    reported = await client.post(
        f"/api/v1/comments/{comment.json()['id']}/report",
        json={"reason": "spam"},
        headers=world.bob.headers,
    )
    assert reported.status_code == 202
    await settle(app)
    [report] = await news_of(world.database, moderator.user.id, "content_reported")
    assert report.delivery == "daily" and report.mailed_at is None
    # Citizens may not choose staff news.
    refused = await client.put(
        "/api/v1/me/notification-preferences",
        json={"review_waiting": "now"},
        headers=world.bob.headers,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "notifications.invalid"
    bad = await client.put(
        "/api/v1/me/notification-preferences",
        json={"phase_opened": "hourly"},
        headers=world.bob.headers,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "notifications.invalid"


# -- digests -------------------------------------------------------------------------


def test_digest_times_are_7_in_the_morning_french_time() -> None:
    winter = datetime(2026, 12, 9, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Paris
    assert digest_cutoff("daily", winter) == datetime(2026, 12, 9, 6, 0, tzinfo=UTC)
    assert digest_cutoff("weekly", winter) == datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    early = datetime(2026, 12, 9, 5, 0, tzinfo=UTC)  # 6:00 in Paris: yesterday's
    assert digest_cutoff("daily", early) == datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert digest_cutoff("daily", summer) == datetime(2026, 7, 1, 5, 0, tzinfo=UTC)


async def test_a_daily_digest_gathers_the_day_s_news_into_one_email(
    app: Litestar, client: Client, world: World, outbox: Outbox, database: Database
) -> None:
    chosen = await client.put(
        "/api/v1/me/notification-preferences",
        json={"phase_opened": "daily", "proposal_status": "daily"},
        headers=world.alice.headers,
    )
    assert chosen.status_code == 200
    setup = await ideas(client, world)
    await client.patch(
        f"/api/v1/admin/proposals/{setup.proposals[1]}",
        json={"status": "under_review"},
        headers=world.admin.headers,
    )
    await switch_phase(client, world.admin.headers, setup.slug, "results")
    await settle(app)
    assert await outbox.messages("alice@example.org", kind="notification") == []
    waiting = [n for n in await news_of(database, world.alice.user.id) if n.mailed_at is None]
    assert len(waiting) >= 2 and all(n.delivery == "daily" for n in waiting)

    tomorrow = datetime.now(UTC) + timedelta(days=1, hours=1)
    assert await mail_digests(news_runtime(app), now=tomorrow) == 1
    [digest] = await outbox.messages("alice@example.org", kind="notification_digest")
    assert digest.subject == f"Vos nouvelles du jour ({len(waiting)})"
    for item in waiting:
        assert item.title in digest.text_body
    assert digest.list_unsubscribe
    assert await mail_digests(news_runtime(app), now=tomorrow) == 0  # once


# -- pages ---------------------------------------------------------------------------


async def test_the_notifications_page_and_the_unread_count(
    app: Litestar, client: Client, world: World
) -> None:
    setup = await ideas(client, world)
    await switch_phase(client, world.admin.headers, setup.slug, "results")
    await settle(app)
    signed = await sign_in(client, world.database, "alice@example.org")
    home = await client.get("/")
    unread = len(await news_of(world.database, world.alice.user.id))
    assert unread >= 1
    assert re.search(
        rf'href="/me/notifications">Notifications <span class="badge badge-count">.*?{unread}',
        home.text,
    )
    page = await client.get("/me/notifications")
    assert page.status_code == 200
    assert "Les résultats de « Budget participatif 2026 »" in page.text or "résultats" in page.text
    # Preferences from the page's form.
    saved = await client.post(
        "/me/notifications/preferences",
        data={"kind-phase_opened": "weekly", "csrf_token": signed["csrf_token"]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    preferences = (await client.get("/api/v1/me/notification-preferences")).json()
    assert {p["kind"]: p["frequency"] for p in preferences}["phase_opened"] == "weekly"
    first = (await news_of(world.database, world.alice.user.id))[0]
    opened = await client.get(f"/me/notifications/{first.id}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == first.link
    assert (await news_of(world.database, world.alice.user.id))[0].read_at is not None


async def test_unsubscription_pages_need_no_sign_in(
    app: Litestar, client: Client, world: World
) -> None:
    from core.unsubscribe_links import sign

    secret = app.state.context.settings.secret_key
    token = sign(secret, world.bob.user.id, "phase_opened")
    shown = await client.get(f"/notifications/unsubscribe/{token}")
    assert shown.status_code == 200 and "Me désinscrire" in shown.text
    async with world.database.session() as session:
        count = await session.scalar(select(func.count()).select_from(NotificationPreference))
    assert count == 0  # looking changes nothing
    done = await client.post(
        f"/notifications/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert done.status_code == 200 and "C'est fait" in done.text
    forged = await client.post(f"/notifications/unsubscribe/{token[:-2]}xx")
    assert forged.status_code == 404
    garbage = await client.get("/notifications/unsubscribe/n%C3%A9importe-quoi")
    assert garbage.status_code == 404


async def test_the_queue_survives_a_restart(
    settings: Any, plugins: Any, database: Database, world: World, smtp_server: Any
) -> None:
    from participe.testing import http_client, make_app

    down = make_app(settings, database, plugins)  # no SMTP: the emails wait in the outbox
    async with http_client(down) as client:
        await ideas(client, world)
        await settle(down)
    async with database.session() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        )
    assert waiting
    up = make_app(settings.replace(smtp_url=smtp_server.url), database, plugins)
    async with http_client(up):
        assert await run_mail_queue(up) == waiting
    assert len(smtp_server.messages) == waiting


# -- a plugin's own news -------------------------------------------------------------


class ProjectNews:
    """A client's feature with news of its own: a project's progress, told to the
    followers of its proposal, with its own mail template."""

    def __init__(self, templates: Path) -> None:
        self.templates = templates

    @hookimpl
    def register_notification_kinds(self, registry: Registry[NotificationKind]) -> None:
        registry.add(
            NotificationKind(
                "client_news",
                "citizens",
                {"fr": "Un projet suivi avance", "en": "A followed project makes progress"},
                headline=lambda language, title, details: (
                    f"“{title}”: {details['stage']}"
                    if language == "en"
                    else f"« {title} » : {details['stage']}"
                ),
            )
        )

    @hookimpl
    def mail_template_dirs(self) -> list[Path]:
        return [self.templates]

    @hookimpl
    def register_event_handlers(self, registry: Registry[EventHandler]) -> None:
        registry.add(EventHandler("projects.status", "proposal_status_changed", self.on_status))

    async def on_status(self, event: Event, context: EventContext) -> None:
        proposal = await context.session.get_one(Proposal, event.subject_id)
        await notifications.notify_proposal_followers(
            context.session,
            context.plugins.notification_kinds,
            kind="client_news",
            organisation_id=context.organisation.id,
            dialogue_id=proposal.dialogue_id,
            proposal_id=proposal.id,
            title=proposal.title,
            details={"stage": "travaux"},
        )


async def test_hook_register_notification_kinds(
    settings: Any, database: Database, world: World, tmp_path: Path
) -> None:
    from participe.testing import http_client, make_app

    templates = tmp_path / "mail"
    templates.mkdir()
    (templates / "notification_client_news.fr.txt").write_text(
        '{% set subject = "Chantier : " ~ headline %}Le projet avance : {{ link }}\\n'
    )
    (templates / "notification_client_news.fr.html").write_text(
        '{% extends "layout.html" %}{% block content %}<p>{{ headline }}</p>{% endblock %}'
    )
    quiet = without_installed(settings)
    plugins = build_plugins(quiet, extra=[("client_news", ProjectNews(templates))])
    app = make_app(quiet, database, plugins)
    async with http_client(app) as client:
        setup = await ideas(client, world)
        await put_vote(client, world.bob, setup, setup.proposals[0])
        await settle(app)
        preferences = (
            await client.get("/api/v1/me/notification-preferences", headers=world.bob.headers)
        ).json()
        assert {
            "kind": "client_news",
            "label": "Un projet suivi avance",
            "frequency": "now",
            "audience": "citizens",
        } in preferences
        await client.patch(
            f"/api/v1/admin/proposals/{setup.proposals[0]}",
            json={"status": "winner"},
            headers=world.admin.headers,
        )
        await settle(app)
        listed = (await client.get("/api/v1/me/notifications", headers=world.bob.headers)).json()
        headlines = [item["headline"] for item in listed["items"] if item["kind"] == "client_news"]
        assert headlines == ["« Proposition 1 » : travaux"]
    async with database.session() as session:
        [mail] = list(
            await session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.recipient == "bob@example.org",
                    OutboxMessage.kind == "notification_client_news",
                )
            )
        )
    assert mail.subject == "Chantier : « Proposition 1 » : travaux"
    assert mail.list_unsubscribe


async def test_an_idle_pass_of_the_mail_queue_writes_nothing(
    app: Litestar, client: Client, world: World, database: Database
) -> None:
    """Each worker runs a pass every few seconds: with nothing to do, it only reads (no
    lease written and deleted, no write lock taken on SQLite)."""
    await settle(app)  # the day's summary is claimed, once
    writes: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        await run_mail_queue(app)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert writes == []
    async with database.session() as session:
        leases = list(await session.scalars(select(TaskLease.name)))
    day = digest_cutoff("daily", datetime.now(UTC)).date().isoformat()
    assert leases == [f"participation-summary:{day}"]


async def test_a_new_answer_without_a_new_status_is_news_too(
    app: Litestar, client: Client, world: World
) -> None:
    setup = await ideas(client, world)
    await put_vote(client, world.bob, setup, setup.proposals[2])
    await settle(app)
    url = f"/api/v1/admin/proposals/{setup.proposals[2]}"
    for change in (
        {"status": "accepted"},
        {"status_reason": "Les travaux commencent en mars."},
        {"status_reason": "Les travaux commencent en mars."},  # the same: no news
        {"theme": None},  # no news
    ):
        changed = await client.patch(url, json=change, headers=world.admin.headers)
        assert changed.status_code == 200, changed.text
    await settle(app)
    news = await news_of(world.database, world.bob.user.id, "proposal_status")
    assert [item.details for item in news] == [{"status": "accepted"}] * 2


async def test_a_delivery_pass_cut_short_by_its_time_is_followed_at_once(
    settings: Any,
    plugins: Any,
    database: Database,
    world: World,
    smtp_server: Any,
    monkeypatch: Any,
) -> None:
    # A pass delivers within its lease even when the SMTP server is slower than the
    # rate (here the pass lasts 0.3 s at 5 emails a second); what it left is sent by the
    # next pass at once, not after PARTICIPE_MAIL_SECONDS.
    from core.mail import Mailer
    from core.services import news_mail
    from participe.testing import http_client, make_app
    from web import mail_queue

    mailer = Mailer("Participe <no-reply@localhost>", None)
    async with database.session() as session:
        for index in range(6):
            await mailer.queue(
                session,
                "sign_in",
                recipient=f"c{index}@example.org",
                language="fr",
                link="https://x/signin/t",
                minutes=15,
            )
        await session.commit()
    monkeypatch.setattr(news_mail, "DELIVERY_SECONDS", 0.3)
    up = make_app(
        settings.replace(smtp_url=smtp_server.url, mail_rate=5, mail_seconds=3600),
        database,
        plugins,
    )
    async with http_client(up):
        mail_queue.wake(up)
        try:
            await smtp_server.wait_for(6, seconds=60)  # a loaded machine is slow
        except AssertionError:
            async with database.session() as session:
                rows = list(await session.scalars(select(OutboxMessage)))
            raise AssertionError([(m.attempts, m.last_error, m.sent_at) for m in rows]) from None
    assert sorted(mail["To"] for mail in smtp_server.messages) == [
        f"c{index}@example.org" for index in range(6)
    ]


async def test_the_news_emails_are_written_a_few_dozen_per_statement(
    app: Litestar, database: Database, world: World
) -> None:
    # Composing the emails of 120 pieces of news must not cost one INSERT each: the
    # worker that composes them also serves pages.
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from core.models import User
    from core.services.news_mail import FLUSH_EVERY, mail_news_now

    async with database.session() as session:
        people = [
            User(organisation_id=world.org.id, email=f"f{index}@example.org", role=Role.CITIZEN)
            for index in range(120)
        ]
        session.add_all(people)
        await session.flush()
        session.add_all(
            Notification(
                organisation_id=world.org.id,
                user_id=person.id,
                kind="phase_opened",
                title="Budget",
                link="/dialogues/budget/vote",
                details={"phase": "vote"},
                delivery="now",
            )
            for person in people
        )
        await session.commit()
    # A flush is one INSERT per email when they are flushed one by one; PostgreSQL gets
    # the emails of one flush in one statement (SQLite in as many, at no round trip).
    flushes: list[int] = []

    def count(session: Any, _context: Any, _instances: Any) -> None:
        flushes.append(sum(isinstance(item, OutboxMessage) for item in session.new))

    event.listen(Session, "before_flush", count)
    try:
        assert await mail_news_now(news_runtime(app)) == 120
    finally:
        event.remove(Session, "before_flush", count)
    emails = [number for number in flushes if number]
    assert sum(emails) == 120 and len(emails) <= -(-120 // FLUSH_EVERY)
    async with database.session() as session:
        recipients = set(
            await session.scalars(
                select(OutboxMessage.recipient).where(OutboxMessage.kind == "notification")
            )
        )
    assert recipients == {f"f{index}@example.org" for index in range(120)}
