"""API: groups and their members (back office, administrators only)."""

from __future__ import annotations

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody

from core.services import audit, groups
from core.services.users import get_user_by_email
from core.specs import Strict
from web.admin.guard import staff_guard
from web.dependencies import Actor, CurrentOrg, DbSession


class GroupSpec(Strict):
    name: str


class GroupOut(msgspec.Struct):
    name: str
    members: list[str]


class GroupSummary(msgspec.Struct):
    name: str
    member_count: int


class AdminGroupController(Controller):
    path = "/api/v1/admin/groups"
    guards = [staff_guard]  # noqa: RUF012
    tags = ["back office"]  # noqa: RUF012

    @get("/")
    async def list_groups(self, db_session: DbSession, org: CurrentOrg) -> list[GroupSummary]:
        return [
            GroupSummary(group.name, count)
            for group, count in await groups.list_groups(db_session, org)
        ]

    @post("/", status_code=201)
    async def create_group(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, data: JSONBody[GroupSpec]
    ) -> GroupOut:
        group = await groups.create_group(db_session, org, data.name)
        audit.record(db_session, org, actor, "group.create", f"group:{group.name}")
        await db_session.commit()
        return GroupOut(group.name, [])

    @get("/{name:str}")
    async def read_group(
        self, db_session: DbSession, org: CurrentOrg, name: FromPath[str]
    ) -> GroupOut:
        group = await groups.get_group(db_session, org, name)
        people = await groups.members(db_session, group)
        return GroupOut(group.name, [user.email for user in people if user.email])

    @put("/{name:str}/members/{email:str}", status_code=204)
    async def add_member(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        name: FromPath[str],
        email: FromPath[str],
    ) -> None:
        group = await groups.get_group(db_session, org, name)
        user, added = await groups.add_member(db_session, org, group, email)
        if added:
            audit.record(
                db_session, org, actor, "group.member_add", f"group:{group.name}", {"user": user.id}
            )
        await db_session.commit()

    @delete("/{name:str}/members/{email:str}", status_code=204)
    async def remove_member(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        name: FromPath[str],
        email: FromPath[str],
    ) -> None:
        group = await groups.get_group(db_session, org, name)
        user = await get_user_by_email(db_session, org, email)
        if user is not None:
            await groups.remove_member(db_session, group, user.id)
            audit.record(
                db_session,
                org,
                actor,
                "group.member_remove",
                f"group:{group.name}",
                {"user": user.id},
            )
            await db_session.commit()
