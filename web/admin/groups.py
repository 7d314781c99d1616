"""Back office: groups and their members (one by one or from a CSV file), and roles."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from core.errors import DomainError, ValidationFailed
from core.models.users import Role
from core.services import audit, groups
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff_guard
from web.admin.page_texts import translated, translated_map
from web.admin.pages import admin_page, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession
from web.labels import N_

ROLE_LABELS = {
    Role.CITIZEN.value: N_("Citoyen·ne"),
    Role.MODERATOR.value: N_("Modération"),
    Role.REVIEWER.value: N_("Instruction"),
    Role.ADMIN.value: N_("Administration"),
}
MAX_CSV_BYTES = 2 * 1024 * 1024


class GroupPages(Controller):
    path = "/admin/groups"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
    ) -> Response[str]:
        return await self._index(request, db_session, org)

    async def _index(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/groups.html",
            section="groups",
            status_code=422 if errors else 200,
            page_title=translated(request, "Groupes"),
            groups=await groups.list_groups(db_session, org),
            errors=translated_map(request, errors or {}),
            values=values or {},
        )

    @post("/")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        try:
            group = await groups.create_group(db_session, org, form.get("name"))
            audit.record(db_session, org, actor, "group.create", f"group:{group.name}")
        except DomainError as error:
            await discard_changes(request, db_session)
            return await self._index(
                request,
                db_session,
                org,
                errors=refusal_fields(error, "name"),
                values=form.as_dict(),
            )
        await db_session.commit()
        return done(f"/admin/groups/{group.id}", "group_created")

    @get("/{group_id:int}")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        group_id: FromPath[int],
    ) -> Response[str]:
        return await self._detail(request, db_session, org, group_id)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        group_id: int,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        report: groups.ImportReport | None = None,
        status_code: int | None = None,
    ) -> Response[str]:
        group = await groups.get_group_by_id(db_session, org, group_id)
        return admin_page(
            request,
            "admin/group.html",
            section="groups",
            status_code=status_code or (422 if errors else 200),
            page_title=translated(request, "Groupe « %(name)s »", name=group.name),
            group=group,
            members=await groups.members(db_session, group),
            errors=translated_map(request, errors or {}),
            values=values or {},
            report=report,
        )

    @post("/{group_id:int}/members")
    async def add_member(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        group_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        group = await groups.get_group_by_id(db_session, org, group_id)
        try:
            user, added = await groups.add_member(
                db_session, org, group, form.get("email"), display_name=form.get("name") or None
            )
            if added:
                audit.record(
                    db_session,
                    org,
                    actor,
                    "group.member_add",
                    f"group:{group.name}",
                    {"user": user.id},
                )
        except ValidationFailed:
            await discard_changes(request, db_session)
            return await self._detail(
                request,
                db_session,
                org,
                group_id,
                errors={"email": N_("Adresse électronique invalide.")},
                values=form.as_dict(),
            )
        await db_session.commit()
        return done(f"/admin/groups/{group_id}", "member_added")

    @post("/{group_id:int}/members/{user_id:int}/remove")
    async def remove_member(
        self,
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        group_id: FromPath[int],
        user_id: FromPath[int],
    ) -> Redirect:
        group = await groups.get_group_by_id(db_session, org, group_id)
        await groups.remove_member(db_session, group, user_id)
        audit.record(
            db_session, org, actor, "group.member_remove", f"group:{group.name}", {"user": user_id}
        )
        await db_session.commit()
        return done(f"/admin/groups/{group_id}", "member_removed")

    @post("/{group_id:int}/import")
    async def import_members(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        group_id: FromPath[int],
        data: MultipartBody[dict[str, Any]],
    ) -> Response[str]:
        form = FormValues(data)
        group = await groups.get_group_by_id(db_session, org, group_id)
        upload = form.file("file")
        text = form.raw("lines")
        if upload is not None:
            content = await upload.read(MAX_CSV_BYTES + 1)
            if len(content) > MAX_CSV_BYTES:
                return await self._detail(
                    request,
                    db_session,
                    org,
                    group_id,
                    errors={"file": N_("Fichier trop gros (2 Mo au plus).")},
                )
            try:
                text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = content.decode("cp1252", errors="replace")
        if not text.strip():
            return await self._detail(
                request,
                db_session,
                org,
                group_id,
                errors={"file": N_("Choisissez un fichier CSV ou collez des adresses.")},
            )
        report = await groups.import_members(db_session, org, group, text)
        audit.record(
            db_session,
            org,
            actor,
            "group.import",
            f"group:{group.name}",
            {
                "added": len(report.added),
                "already": len(report.already),
                "refused": len(report.bad),
            },
        )
        await db_session.commit()
        return await self._detail(request, db_session, org, group_id, report=report)

    @post("/{group_id:int}/rename")
    async def rename(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        group_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        group = await groups.get_group_by_id(db_session, org, group_id)
        former = group.name
        try:
            await groups.rename_group(db_session, org, group, form.get("name"))
            audit.record(
                db_session, org, actor, "group.rename", f"group:{group.name}", {"from": former}
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            return await self._detail(
                request,
                db_session,
                org,
                group_id,
                errors={"rename": refusal_fields(error, "name").get("name", error.detail)},
            )
        await db_session.commit()
        return done(f"/admin/groups/{group_id}")

    @post("/{group_id:int}/delete")
    async def delete(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, group_id: FromPath[int]
    ) -> Redirect:
        group = await groups.get_group_by_id(db_session, org, group_id)
        audit.record(db_session, org, actor, "group.delete", f"group:{group.name}")
        await groups.delete_group(db_session, group)
        await db_session.commit()
        return done("/admin/groups", "deleted")


class PeoplePages(Controller):
    path = "/admin/people"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        role: FromQuery[str | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
    ) -> Response[str]:
        chosen = Role(role) if role in ROLE_LABELS else None
        people, total = await groups.list_people(db_session, org, q=q, role=chosen, page=page)
        return admin_page(
            request,
            "admin/people.html",
            section="people",
            page_title=translated(request, "Comptes et rôles"),
            people=people,
            total=total,
            page=page,
            pages=max(1, -(-total // 50)),
            q=q or "",
            role=chosen.value if chosen else "",
            roles=translated_map(request, ROLE_LABELS),
            error=request.query_params.get("error"),
        )

    @post("/{user_id:int}/role")
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        user_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Redirect:
        form = FormValues(data)
        if form.get("role") not in ROLE_LABELS:
            return Redirect("/admin/people?error=role", status_code=303)
        try:
            await groups.set_role(db_session, org, user_id, Role(form.get("role")))
            audit.record(
                db_session, org, actor, "user.role", f"user:{user_id}", {"role": form.get("role")}
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            return Redirect(f"/admin/people?error={error.code}", status_code=303)
        await db_session.commit()
        return done("/admin/people", "role_changed")
