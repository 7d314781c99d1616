"""Groups and members: the API of the contract, the pages, the CSV import, roles."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from core.db import Database
from core.models import Group, GroupMembership, User
from core.models.users import Role
from tests.conftest import World

Client = AsyncTestClient[Litestar]
GROUPS = "/api/v1/admin/groups"


async def _members(database: Database, name: str) -> set[str]:
    async with database.session() as session:
        rows = await session.scalars(
            select(User.email)
            .join(GroupMembership, GroupMembership.user_id == User.id)
            .join(Group, Group.id == GroupMembership.group_id)
            .where(Group.name == name)
        )
        return {email for email in rows if email}


async def test_api_creates_a_group_and_adds_members(client: Client, world: World) -> None:
    response = await client.post(GROUPS, json={"name": "Comité"}, headers=world.admin.headers)
    assert response.status_code == 201, response.text
    assert response.json() == {"name": "Comité", "members": []}

    again = await client.post(GROUPS, json={"name": "Comité"}, headers=world.admin.headers)
    assert again.status_code == 409
    assert again.json()["code"] == "group.exists"

    added = await client.put(
        f"{GROUPS}/Comité/members/new.person@example.org", headers=world.admin.headers
    )
    assert added.status_code == 204
    twice = await client.put(
        f"{GROUPS}/Comité/members/new.person@example.org", headers=world.admin.headers
    )
    assert twice.status_code == 204
    await client.put(f"{GROUPS}/Comité/members/ALICE@example.org", headers=world.admin.headers)
    assert await _members(world.database, "Comité") == {
        "new.person@example.org",
        "alice@example.org",
    }
    read = await client.get(f"{GROUPS}/Comité", headers=world.admin.headers)
    assert sorted(read.json()["members"]) == ["alice@example.org", "new.person@example.org"]


async def test_api_refuses_bad_input_with_codes(client: Client, world: World) -> None:
    empty = await client.post(GROUPS, json={"name": "  "}, headers=world.admin.headers)
    assert empty.status_code == 422
    assert empty.json()["code"] == "validation"
    unknown_field = await client.post(
        GROUPS, json={"name": "A", "color": "red"}, headers=world.admin.headers
    )
    assert unknown_field.status_code == 400
    assert unknown_field.json()["code"] == "validation"
    no_group = await client.put(f"{GROUPS}/Nope/members/a@b.org", headers=world.admin.headers)
    assert no_group.status_code == 404
    await client.post(GROUPS, json={"name": "A"}, headers=world.admin.headers)
    bad_email = await client.put(f"{GROUPS}/A/members/not-an-email", headers=world.admin.headers)
    assert bad_email.status_code == 422


async def test_api_refuses_citizens_and_strangers(client: Client, world: World) -> None:
    anonymous = await client.post(GROUPS, json={"name": "X"})
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "auth.required"
    citizen = await client.post(GROUPS, json={"name": "X"}, headers=world.alice.headers)
    assert citizen.status_code == 403
    reviewer = await world.person("rev@ville.test", Role.REVIEWER)
    assert (
        await client.post(GROUPS, json={"name": "X"}, headers=reviewer.headers)
    ).status_code == 403


async def test_pages_create_a_group_and_add_a_member(client: Client, world: World) -> None:
    page = await client.get("/admin/groups", headers=world.admin.headers)
    assert page.status_code == 200
    assert "Créer un groupe" in page.text
    created = await client.post(
        "/admin/groups",
        data={"name": "Instructeurs"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert created.status_code == 303
    location = created.headers["location"]
    assert location.startswith("/admin/groups/")
    detail = await client.get(location, headers=world.admin.headers)
    assert "Instructeurs" in detail.text and "Le groupe est créé." in detail.text
    group_path = location.split("?")[0]

    refused = await client.post(
        group_path + "/members", data={"email": "pas une adresse"}, headers=world.admin.headers
    )
    assert refused.status_code == 422
    assert "Adresse électronique invalide." in refused.text
    assert 'value="pas une adresse"' in refused.text  # what was typed is kept

    added = await client.post(
        group_path + "/members",
        data={"email": "agent@ville.test", "name": "Agent"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert await _members(world.database, "Instructeurs") == {"agent@ville.test"}

    duplicate = await client.post(
        "/admin/groups", data={"name": "Instructeurs"}, headers=world.admin.headers
    )
    assert duplicate.status_code == 422
    assert "Ce nom est déjà pris." in duplicate.text


async def test_csv_import_reports_bad_lines(client: Client, world: World) -> None:
    await client.post(GROUPS, json={"name": "Quartier"}, headers=world.admin.headers)
    async with world.database.session() as session:
        group_id = await session.scalar(select(Group.id).where(Group.name == "Quartier"))
    content = (
        "email;nom;code postal\n"
        "one@example.org;Énée;44000\n"
        "not-an-address;Deux;44000\n"
        "\n"
        "two@example.org\n"
        "ONE@example.org;Encore\n"
        "three@example.org;Trois;44 000 !!\n"
        "alice@example.org;Alice\n"
    ).encode()
    response = await client.post(
        f"/admin/groups/{group_id}/import",
        files={"file": ("membres.csv", content, "text/csv")},
        headers=world.admin.headers,
    )
    assert response.status_code == 200, response.text
    assert "3 personne(s) ajoutée(s), 0 déjà membre(s), 3 ligne(s) refusée(s)" in response.text
    assert "adresse électronique invalide" in response.text
    assert "adresse déjà présente plus haut" in response.text
    assert "code postal invalide" in response.text
    assert await _members(world.database, "Quartier") == {
        "one@example.org",
        "two@example.org",
        "alice@example.org",
    }
    async with world.database.session() as session:
        one = await session.scalar(select(User).where(User.email == "one@example.org"))
        assert one is not None and one.display_name == "Énée" and one.postal_code == "44000"
        assert one.email_verified_at is None  # verified when its owner signs in

    pasted = await client.post(
        f"/admin/groups/{group_id}/import",
        data={"lines": "two@example.org\nfour@example.org, Quatre"},
        files={"file": ("", b"", "application/octet-stream")},  # no file chosen
        headers=world.admin.headers,
    )
    assert "1 personne(s) ajoutée(s), 1 déjà membre(s), 0 ligne(s) refusée(s)" in pasted.text


async def test_roles_change_but_the_last_admin_stays(client: Client, world: World) -> None:
    page = await client.get("/admin/people?q=alice", headers=world.admin.headers)
    assert page.status_code == 200 and "alice@example.org" in page.text
    assert "bob@example.org" not in page.text
    changed = await client.post(
        f"/admin/people/{world.alice.user.id}/role",
        data={"role": "reviewer"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert changed.status_code == 303
    async with world.database.session() as session:
        alice = await session.get(User, world.alice.user.id)
        assert alice is not None and alice.role == Role.REVIEWER
    last = await client.post(
        f"/admin/people/{world.admin.user.id}/role",
        data={"role": "citizen"},
        headers=world.admin.headers,
        follow_redirects=False,
    )
    assert last.status_code == 303 and "role.last_admin" in last.headers["location"]
    async with world.database.session() as session:
        admin = await session.get(User, world.admin.user.id)
        assert admin is not None and admin.role == Role.ADMIN
