"""A citizen's personal data (RGPD): downloading all of it, and deleting the account —
by its owner (API and page) or by an administrator — without changing any result."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, or_, select

from core.db import Database
from core.errors import ConfigurationError
from core.hookspecs import hookimpl
from core.models import (
    ApiToken,
    AuditEntry,
    Comment,
    GroupMembership,
    Organisation,
    OutboxMessage,
    Proposal,
    SignInToken,
    User,
    UserSession,
)
from core.models.users import Role
from core.personal_data import PersonalDataContext, PersonalDataSource
from core.registries import Registry
from core.services import audit, organisations, users
from core.settings import Settings
from participe.testing import switch_phase
from tests.conftest import Person, World
from tests.signin_helpers import SESSION_COOKIE, csrf_in, sign_in
from web.app import create_app
from web.plugins import build_plugins

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
PHONE = "06 12 34 56 78"
FORM = [
    {"key": "quartier", "label": "Quartier", "type": "text"},
    {"key": "telephone", "label": "Téléphone", "type": "text", "confidential": True},
]


@dataclass
class Participation:
    """Alice and Bob took part: proposals (one of Alice's a draft), comments, votes."""

    alice_proposal: int
    alice_draft: int
    bob_proposal: int
    alice_comment: int


async def _propose(client: Client, person: Person, title: str, **extra: Any) -> int:
    body = {"title": title, "body": "Pour la ville.", **extra}
    created = await client.post(
        f"/api/v1/dialogues/{SLUG}/proposals", json=body, headers=person.headers
    )
    assert created.status_code == 201, created.text
    proposal_id: int = created.json()["id"]
    return proposal_id


async def take_part(client: Client, world: World) -> Participation:
    created = await client.post(
        "/api/v1/admin/dialogues",
        json={
            "slug": SLUG,
            "title": "Budget participatif 2027",
            "kind": "budget",
            "vote": {"type": "support", "settings": {}},
            "form": FORM,
            "phases": [{"kind": "proposals"}, {"kind": "vote"}, {"kind": "results"}],
        },
        headers=world.admin.headers,
    )
    assert created.status_code == 201, created.text
    await switch_phase(client, world.admin.headers, SLUG, "proposals")
    fields = {"quartier": "Centre", "telephone": PHONE}
    alice_proposal = await _propose(client, world.alice, "Un jardin partagé", fields=fields)
    alice_draft = await _propose(client, world.alice, "Une idée en cours", draft=True)
    bob_proposal = await _propose(
        client, world.bob, "Des bancs place du marché", fields={"telephone": "07 00 00 00 01"}
    )
    comment = await client.post(
        f"/api/v1/proposals/{bob_proposal}/comments",
        json={"body": "Oui, et à l'ombre s'il vous plaît."},
        headers=world.alice.headers,
    )
    assert comment.status_code == 201, comment.text
    answer = await client.post(
        f"/api/v1/proposals/{alice_proposal}/comments",
        json={"body": "Bonne idée de mon voisin."},
        headers=world.bob.headers,
    )
    assert answer.status_code == 201, answer.text
    await switch_phase(client, world.admin.headers, SLUG, "vote")
    for person, proposal in (
        (world.alice, alice_proposal),
        (world.alice, bob_proposal),
        (world.bob, alice_proposal),
    ):
        voted = await client.put(
            f"/api/v1/dialogues/{SLUG}/ballot/votes/{proposal}", json={}, headers=person.headers
        )
        assert voted.status_code == 200, voted.text
    return Participation(alice_proposal, alice_draft, bob_proposal, comment.json()["id"])


async def results(client: Client, world: World) -> Any:
    response = await client.get(f"/api/v1/dialogues/{SLUG}/results", headers=world.admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


# -- download -----------------------------------------------------------------


async def test_the_download_holds_my_data_and_nobody_elses(
    client: Client, world: World, database: Database
) -> None:
    done = await take_part(client, world)
    response = await client.get("/api/v1/me/data", headers=world.alice.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and ".json" in disposition
    assert response.headers["cache-control"] == "no-store"
    data = response.json()

    assert data["format"] == "participe.personal-data/1"
    assert data["organisation"] == {"slug": "ville", "name": "Ville de Test"}
    account = data["account"]
    assert (account["id"], account["email"], account["display_name"]) == (
        world.alice.user.id,
        "alice@example.org",
        "Alice",
    )
    assert account["role"] == "citizen" and account["created_at"].endswith("Z")
    assert [token["name"] for token in data["api_tokens"]] == [""]
    assert data["sessions"] == []

    proposals = {p["id"]: p for p in data["proposals"]}
    assert set(proposals) == {done.alice_proposal, done.alice_draft}
    assert proposals[done.alice_draft]["status"] == "draft"
    # Confidential values are the author's own: they are in the file.
    assert proposals[done.alice_proposal]["fields"] == {"quartier": "Centre", "telephone": PHONE}
    assert [c["body"] for c in data["comments"]] == ["Oui, et à l'ombre s'il vous plaît."]
    [ballot] = data["ballots"]
    assert ballot["dialogue"]["slug"] == SLUG
    assert sorted(v["proposal_id"] for v in ballot["votes"]) == sorted(
        [done.alice_proposal, done.bob_proposal]
    )
    actions = [entry["action"] for entry in ballot["log"]]
    assert actions.count("cast") == 2 and set(actions) <= {"cast", "confirm"}
    assert {entry["proposal_id"] for entry in ballot["log"]} >= {done.alice_proposal}
    assert all("network" not in entry for entry in ballot["log"])

    text = response.text
    # Nothing of Bob: his address, his name, his comment, his confidential value.
    for foreign in ("bob@example.org", '"Bob"', "Bonne idée de mon voisin", "07 00 00 00 01"):
        assert foreign not in text
    # No secret: the bearer token and its hash are not in the file.
    async with database.session() as session:
        hashes = list(await session.scalars(select(ApiToken.token_hash)))
    assert world.alice.token not in text and not any(h in text for h in hashes)

    assert (await client.get("/api/v1/me/data")).status_code == 401


async def test_the_account_page_gives_the_same_file(
    client: Client, world: World, database: Database
) -> None:
    await take_part(client, world)
    await sign_in(client, database, "alice@example.org")
    page = await client.get("/me")
    assert page.status_code == 200
    assert 'href="/me/data"' in page.text and 'href="/me/delete"' in page.text
    from_page = await client.get("/me/data")
    assert from_page.status_code == 200
    assert from_page.headers["content-disposition"].startswith("attachment;")
    from_api = await client.get("/api/v1/me/data")
    page_data, api_data = from_page.json(), from_api.json()
    # The same file, but for the moment it was made and the session it was read with.
    for data in (page_data, api_data):
        data.pop("exported_at")
        for row in data["sessions"]:
            row.pop("last_seen_at")
    assert page_data == api_data
    assert len(page_data["sessions"]) == 1

    client.cookies.clear()
    anonymous = await client.get("/me/data", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/signin")


# -- deletion -----------------------------------------------------------------


async def _rows_naming(database: Database, email: str) -> dict[str, int]:
    """How many rows of the account tables and of the outbox still hold ``email``."""
    async with database.session() as session:
        return {
            "users": await session.scalar(
                select(func.count()).select_from(User).where(User.email == email)
            )
            or 0,
            "sign_in_tokens": await session.scalar(
                select(func.count()).select_from(SignInToken).where(SignInToken.email == email)
            )
            or 0,
            "outbox": await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    or_(
                        OutboxMessage.recipient == email,
                        OutboxMessage.text_body.contains(email),
                        OutboxMessage.html_body.contains(email),
                    )
                )
            )
            or 0,
        }


async def _owned_rows(database: Database, user_id: int) -> dict[str, int]:
    async with database.session() as session:
        return {
            model.__tablename__: await session.scalar(
                select(func.count()).select_from(model).where(model.user_id == user_id)
            )
            or 0
            for model in (UserSession, ApiToken, GroupMembership)
        }


async def test_deleting_my_account_erases_me_and_changes_no_result(
    client: Client, world: World, database: Database
) -> None:
    done = await take_part(client, world)
    added = await client.post(
        "/api/v1/admin/groups", json={"name": "Comité"}, headers=world.admin.headers
    )
    assert added.status_code == 201
    member = await client.put(
        "/api/v1/admin/groups/Comité/members/alice@example.org", headers=world.admin.headers
    )
    assert member.status_code == 204
    before = await results(client, world)
    signed_in = await sign_in(client, database, "alice@example.org")
    assert (await _rows_naming(database, "alice@example.org"))["outbox"] == 1
    assert await _owned_rows(database, world.alice.user.id) == {
        "user_sessions": 1,
        "api_tokens": 1,
        "group_memberships": 1,
    }

    # With the session cookie, the CSRF header is needed, as for every change.
    refused = await client.delete("/api/v1/me")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf.invalid"
    deleted = await client.delete("/api/v1/me", headers={"X-CSRF-Token": signed_in["csrf_token"]})
    assert deleted.status_code == 204, deleted.text
    cleared = deleted.headers["set-cookie"]
    assert cleared.startswith(f"{SESSION_COOKIE}=") and "Max-Age=0" in cleared

    assert await _rows_naming(database, "alice@example.org") == {
        "users": 0,
        "sign_in_tokens": 0,
        "outbox": 0,
    }
    assert await _owned_rows(database, world.alice.user.id) == {
        "user_sessions": 0,
        "api_tokens": 0,
        "group_memberships": 0,
    }
    async with database.session() as session:
        alice = await session.get(User, world.alice.user.id)
        assert alice is not None and alice.deleted_at is not None
        assert (alice.email, alice.display_name, alice.postal_code, alice.created_network) == (
            None,
            "",
            None,
            None,
        )
        proposal = await session.get(Proposal, done.alice_proposal)
        assert proposal is not None and proposal.fields == {"quartier": "Centre"}
        assert await session.get(Proposal, done.alice_draft) is None
        comment = await session.get(Comment, done.alice_comment)
        assert comment is not None and comment.author_id == alice.id

    # Every count is the same: her ballot still counts.
    assert await results(client, world) == before
    # Her proposal and comment stay, from a deleted user.
    page = await client.get(f"/proposals/{done.alice_proposal}")
    assert page.status_code == 200
    assert "Utilisateur supprimé" in page.text and "Alice" not in page.text
    comments = await client.get(f"/api/v1/proposals/{done.bob_proposal}/comments")
    [shown] = comments.json()["items"]
    assert shown["body"] == "Oui, et à l'ombre s'il vous plaît."
    assert "Alice" not in json.dumps(shown) and "alice@" not in json.dumps(shown)
    # Her old bearer token and her old cookie sign no one in.
    gone = await client.get("/api/v1/me", headers=world.alice.headers)
    assert gone.status_code == 401 and gone.json()["code"] == "auth.invalid_token"
    # The exports show a deleted user, never her address.
    export = await client.get(
        f"/api/v1/admin/dialogues/{SLUG}/export",
        params={"what": "proposals", "format": "csv"},
        headers=world.admin.headers,
    )
    assert export.status_code == 200
    assert "Utilisateur supprimé" in export.text and "alice@example.org" not in export.text
    assert PHONE not in export.text
    # Her old address signs in as a new, empty account.
    client.cookies.clear()
    again = await sign_in(client, database, "alice@example.org")
    assert again["user"]["id"] != world.alice.user.id
    fresh = await client.get("/api/v1/me/data")
    assert fresh.json()["proposals"] == [] and fresh.json()["ballots"] == []


async def test_the_deletion_page_asks_for_confirmation(
    client: Client, world: World, database: Database
) -> None:
    await sign_in(client, database, "alice@example.org")
    page = await client.get("/me/delete")
    assert page.status_code == 200 and 'name="confirm"' in page.text
    token = csrf_in(page.text)
    unconfirmed = await client.post("/me/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 422
    assert "Cochez la case" in unconfirmed.text
    forged = await client.post("/me/delete", data={"confirm": "yes"})
    assert forged.status_code == 403
    async with database.session() as session:
        still = await session.get(User, world.alice.user.id)
        assert still is not None and still.deleted_at is None

    deleted = await client.post(
        "/me/delete", data={"confirm": "yes", "csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303 and deleted.headers["location"] == "/me/deleted"
    assert "Max-Age=0" in deleted.headers["set-cookie"]
    farewell = await client.get("/me/deleted")
    assert farewell.status_code == 200 and "Votre compte est supprimé" in farewell.text
    async with database.session() as session:
        alice = await session.get(User, world.alice.user.id)
        assert alice is not None and alice.deleted_at is not None and alice.email is None
    assert (await client.get("/me", follow_redirects=False)).status_code == 303


async def test_the_last_administrator_keeps_their_account(
    client: Client, world: World, database: Database
) -> None:
    refused = await client.delete("/api/v1/me", headers=world.admin.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "role.last_admin"
    assert (await client.get("/api/v1/me", headers=world.admin.headers)).status_code == 200
    page = await client.post("/me/delete", data={"confirm": "yes"}, headers=world.admin.headers)
    assert page.status_code == 409 and "seul compte d" in page.text
    async with database.session() as session:
        admin = await session.get(User, world.admin.user.id)
        assert admin is not None and admin.deleted_at is None and admin.email is not None


async def test_a_staff_account_deletion_keeps_its_audit_entries(
    client: Client, world: World, database: Database
) -> None:
    moderator = await world.person("moderation@ville.test", Role.MODERATOR)
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        audit.record(session, org, moderator.user, "comment.hide", "comment:1", {})
        await session.commit()
    deleted = await client.delete("/api/v1/me", headers=moderator.headers)
    assert deleted.status_code == 204, deleted.text
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        entries, total = await audit.entries(session, org)
    assert total == 2
    assert {entry.action for entry, _ in entries} == {"comment.hide", "user.delete"}
    for entry, actor in entries:
        assert entry.actor_id == moderator.user.id
        assert actor is not None and actor.public_name == "Utilisateur supprimé"
        assert actor.email is None and actor.role is Role.CITIZEN


async def test_an_administrator_deletes_a_citizens_account(
    client: Client, world: World, database: Database
) -> None:
    done = await take_part(client, world)
    before = await results(client, world)
    people = await client.get("/admin/people", headers=world.admin.headers)
    assert f'href="/admin/people/{world.bob.user.id}/delete"' in people.text
    # No link, and no deletion, for a staff account.
    assert f'href="/admin/people/{world.admin.user.id}/delete"' not in people.text
    staff = await client.post(
        f"/admin/people/{world.admin.user.id}/delete", headers=world.admin.headers
    )
    assert staff.status_code == 409

    # Only administrators.
    for person in (world.alice, await world.person("instruction@ville.test", Role.REVIEWER)):
        refused = await client.post(
            f"/admin/people/{world.bob.user.id}/delete", headers=person.headers
        )
        assert refused.status_code == 403
    # Not an account of another organisation.
    async with database.session() as session:
        other = await organisations.create_organisation(session, slug="autre", name="Autre")
        stranger = await users.ensure_user(session, other, "carole@example.org")
        stranger_token = await users.create_api_token(session, stranger)
        await session.commit()
    # Her own token does not work on this organisation's host either.
    elsewhere = await client.delete(
        "/api/v1/me", headers={"Authorization": f"Bearer {stranger_token}"}
    )
    assert elsewhere.status_code == 401
    for path in (f"/admin/people/{stranger.id}/delete", "/admin/people/999999/delete"):
        assert (await client.get(path, headers=world.admin.headers)).status_code == 404
        assert (await client.post(path, headers=world.admin.headers)).status_code == 404
    async with database.session() as session:
        kept = await session.get(User, stranger.id)
        assert kept is not None and kept.email == "carole@example.org"

    confirm = await client.get(
        f"/admin/people/{world.bob.user.id}/delete", headers=world.admin.headers
    )
    assert confirm.status_code == 200 and "bob@example.org" in confirm.text
    deleted = await client.post(
        f"/admin/people/{world.bob.user.id}/delete",
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/admin/people?notice=account_deleted"
    assert (await client.get("/api/v1/me", headers=world.bob.headers)).status_code == 401
    assert await results(client, world) == before
    page = await client.get(f"/proposals/{done.bob_proposal}")
    assert "Utilisateur supprimé" in page.text
    async with database.session() as session:
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "user.delete")
        )
    assert (entry.actor_id, entry.target) == (world.admin.user.id, f"user:{world.bob.user.id}")
    assert "bob" not in json.dumps(entry.details)
    # A second time: the account is gone.
    again = await client.post(
        f"/admin/people/{world.bob.user.id}/delete", headers=world.admin.headers
    )
    assert again.status_code == 404


# -- the hook -----------------------------------------------------------------


class Notebook(PersonalDataSource):
    """A plugin's own data about citizens, kept in memory."""

    id = "notebook"

    def __init__(self) -> None:
        self.notes: dict[int, list[str]] = {}

    async def export(self, session: Any, user: User, context: PersonalDataContext) -> Any:
        return {"notes": self.notes.get(user.id, [])}

    async def erase(self, session: Any, user: User, context: PersonalDataContext) -> None:
        assert user.email is not None  # called before the account is emptied
        self.notes.pop(user.id, None)


class NotebookPlugin:
    def __init__(self, source: PersonalDataSource) -> None:
        self.source = source

    @hookimpl
    def register_personal_data(self, registry: Registry[PersonalDataSource]) -> None:
        registry.add(self.source)


async def test_hook_register_personal_data(
    settings: Settings, database: Database, world: World
) -> None:
    notebook = Notebook()
    notebook.notes = {world.alice.user.id: ["rappeler Alice"], world.bob.user.id: ["Bob"]}
    plugins = build_plugins(settings, extra=[("notebook", NotebookPlugin(notebook))])
    app = create_app(settings, plugins=plugins, database=database)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        data = (await client.get("/api/v1/me/data", headers=world.alice.headers)).json()
        assert data["notebook"] == {"notes": ["rappeler Alice"]}
        assert list(data)[-1] == "notebook"  # after the core's parts
        deleted = await client.delete("/api/v1/me", headers=world.alice.headers)
        assert deleted.status_code == 204
    assert notebook.notes == {world.bob.user.id: ["Bob"]}


def test_a_source_cannot_take_a_key_of_the_core(settings: Settings) -> None:
    class Impostor(Notebook):
        id = "account"

    with pytest.raises(ConfigurationError, match="account"):
        build_plugins(settings, extra=[("impostor", NotebookPlugin(Impostor()))])
