"""Back office: dialogues (list, create, edit, archive) and their phases.

The pages build a :class:`core.specs.DialogueSpec` from the form and hand it to the same
service as the API, so both obey the same rules; the pages only check beforehand what
they can say better field by field (a date in the wrong format, an end before its start).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import uploads
from core.db import utcnow
from core.defaults.comments import COMMENTS
from core.errors import DomainError, NotFound
from core.models import Dialogue, Organisation, Phase, User
from core.models.dialogues import PhaseKind
from core.plugin_manager import Plugins
from core.services import audit, dialogues, drafts, groups, phases
from core.specs import BudgetSpec, CommentsSpec, DialogueSpec, PhaseSpec
from web import labels
from web.admin.forms import (
    FormErrors,
    FormValues,
    local_input,
    parse_int,
    parse_local_datetime,
    refusal_fields,
)
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep, app_context
from web.labels import N_

#: The phases a new dialogue starts with, by kind (dates are set afterwards).
DEFAULT_PHASES: dict[str, tuple[str, ...]] = {
    "ideas": ("proposals", "review", "results"),
    "consultation": ("information", "proposals", "results"),
    "budget": ("information", "proposals", "review", "vote", "results"),
    "questionnaire": ("information", "vote", "results"),
}
COMMENT_MODES = {
    "thread": N_("Fil de discussion"),
    "qualified": N_("Pour ou contre (chaque commentaire prend parti)"),
    "off": N_("Pas de commentaires"),
}
MODERATION_MODES = {
    "post": N_("A posteriori : les contributions paraissent tout de suite"),
    "pre": N_("A priori : les contributions attendent l'accord d'un·e modérateur·rice"),
}
RESULTS_VISIBILITY = {
    "live": N_("En direct, pendant le vote"),
    "after_vote": N_("À la fin du vote"),
    "manual": N_("Quand l'équipe les publie"),
}


async def load_dialogue(session: AsyncSession, org: Organisation, slug: str) -> Dialogue:
    """The dialogue, read afresh (a refused form may have rolled back the session)."""
    dialogue = await session.scalar(
        select(Dialogue)
        .where(Dialogue.organisation_id == org.id, Dialogue.slug == slug)
        .execution_options(populate_existing=True)
    )
    if dialogue is None:
        raise NotFound(f"démarche {slug!r} introuvable")
    return dialogue


def record_phase_switch(
    session: AsyncSession,
    org: Organisation,
    actor: User | None,
    dialogue: Dialogue,
    closed: Phase | None,
    opened: Phase,
) -> None:
    """Records a switch of ``dialogue``'s current phase in the audit log."""
    audit.record(
        session,
        org,
        actor,
        "phase.switch",
        f"dialogue:{dialogue.slug}",
        {"phase": opened.kind.value, "closed": closed.kind.value if closed else None},
    )


def _general_values(dialogue: Dialogue) -> dict[str, str]:
    return {
        "title": dialogue.title,
        "kind": dialogue.kind.value,
        "description": dialogue.description,
        "comments": COMMENTS.mode_on(dialogue).value,
        "moderation": dialogue.moderation.value,
        "results_visibility": dialogue.results_visibility.value,
        "budget_amount": "" if dialogue.budget_amount is None else str(dialogue.budget_amount),
        "budget_rule": dialogue.budget_rule or "greedy",
    }


def _general_spec(
    plugins: Plugins, form: FormValues, *, creating: bool, asks_comments: bool = True
) -> DialogueSpec:
    """The spec of the General tab's form; ``asks_comments`` is false where the
    organisation may not use the comments module (the form has no comments field)."""
    errors: dict[str, str] = {}
    title = form.get("title")
    if not title:
        errors["title"] = N_("Donnez un titre à la démarche.")
    elif len(title) > 200:
        errors["title"] = N_("200 caractères au plus.")
    kind = form.get("kind")
    if kind not in labels.DIALOGUE_KINDS:
        errors["kind"] = N_("Choisissez un type de démarche.")
    spec: dict[str, Any] = {"title": title, "description": form.raw("description").strip()}
    if kind in labels.DIALOGUE_KINDS:
        spec["kind"] = kind
    if creating:
        slug = form.get("slug").lower()
        if not dialogues.SLUG.match(slug):
            errors["slug"] = (
                "L'adresse ne prend que des minuscules sans accents, des chiffres et des "
                "tirets (80 caractères au plus), par exemple « budget-2027 »."
            )
        spec["slug"] = slug
        spec["phases"] = [PhaseSpec(kind=k) for k in DEFAULT_PHASES.get(kind, ())]  # type: ignore[arg-type]
    else:
        if asks_comments and form.get("comments") not in COMMENT_MODES:
            errors["comments"] = N_("Choisissez un mode de commentaires.")
        elif asks_comments:
            spec["comments"] = CommentsSpec(mode=form.get("comments"))  # type: ignore[arg-type]
        if form.get("moderation") not in MODERATION_MODES:
            errors["moderation"] = N_("Choisissez un mode de modération.")
        else:
            spec["moderation"] = form.get("moderation")
        if form.get("results_visibility") not in RESULTS_VISIBILITY:
            errors["results_visibility"] = N_("Choisissez quand les résultats sont visibles.")
        else:
            spec["results_visibility"] = form.get("results_visibility")
        amount = parse_int(
            form.get("budget_amount"), field="budget_amount", errors=errors, minimum=1
        )
        rule = form.get("budget_rule") or "greedy"
        if amount is not None and rule not in plugins.aggregation_rules:
            errors["budget_rule"] = N_("Choisissez une règle de désignation des lauréats.")
        if kind == "budget" and amount is None and "budget_amount" not in errors:
            errors["budget_amount"] = N_("Un budget participatif a besoin d'une enveloppe.")
        if "budget_amount" not in errors and "budget_rule" not in errors:
            spec["budget"] = None if amount is None else BudgetSpec(amount=amount, rule=rule)
    if errors:
        raise FormErrors(errors)
    return DialogueSpec(**spec)


def _phase_rows(dialogue: Dialogue | None, form: FormValues | None) -> list[dict[str, Any]]:
    """One row per kind of phase, in their order, from the dialogue or the posted form."""
    existing = {p.kind.value: p for p in dialogue.phases} if dialogue else {}
    rows = []
    for kind in PhaseKind:
        key = kind.value
        phase = existing.get(key)
        if form is not None:
            rows.append(
                {
                    "kind": key,
                    "label": labels.PHASES[key],
                    "enabled": form.checked(f"{key}-enabled"),
                    "title": form.get(f"{key}-title"),
                    "starts_at": form.get(f"{key}-starts_at"),
                    "ends_at": form.get(f"{key}-ends_at"),
                    "groups": form.getall(f"{key}-groups"),
                }
            )
        else:
            rows.append(
                {
                    "kind": key,
                    "label": labels.PHASES[key],
                    "enabled": phase is not None,
                    "title": phase.title if phase else "",
                    "starts_at": local_input(phase.starts_at) if phase else "",
                    "ends_at": local_input(phase.ends_at) if phase else "",
                    "groups": [g.name for g in phase.groups] if phase else [],
                }
            )
    return rows


def _phase_specs(form: FormValues, group_names: set[str]) -> list[PhaseSpec]:
    errors: dict[str, str] = {}
    specs: list[PhaseSpec] = []
    previous: tuple[str, Any] | None = None
    for kind in PhaseKind:
        key = kind.value
        if not form.checked(f"{key}-enabled"):
            continue
        moments = {}
        for name in ("starts_at", "ends_at"):
            try:
                moments[name] = parse_local_datetime(form.get(f"{key}-{name}"))
            except ValueError as error:
                errors[f"{key}-{name}"] = str(error)
                moments[name] = None
        start, end = moments["starts_at"], moments["ends_at"]
        if start and end and end <= start:
            errors[f"{key}-ends_at"] = f"« {labels.PHASES[key]} » doit finir après son début."
        if start and previous and previous[1] and start < previous[1]:
            errors[f"{key}-starts_at"] = (
                f"« {labels.PHASES[key]} » ne peut pas commencer avant "
                f"« {labels.PHASES[previous[0]]} »."
            )
        if start:
            previous = (key, start)
        chosen = form.getall(f"{key}-groups")
        unknown = [name for name in chosen if name not in group_names]
        if unknown:
            errors[f"{key}-groups"] = "Groupe inconnu : " + ", ".join(unknown)
        title = form.get(f"{key}-title")
        if len(title) > 200:
            errors[f"{key}-title"] = N_("200 caractères au plus.")
        specs.append(
            PhaseSpec(
                kind=key,  # type: ignore[arg-type]
                title=title or None,
                starts_at=start,
                ends_at=end,
                groups=chosen,
            )
        )
    if errors:
        raise FormErrors(errors)
    return specs


class DialoguePages(Controller):
    path = "/admin/dialogues"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def index(
        self, request: Request[Any, Any, Any], db_session: DbSession, org: CurrentOrg
    ) -> Response[str]:
        now = utcnow()
        items = await dialogues.list_dialogues(
            db_session, org, include_archived=True, include_drafts=True
        )
        return admin_page(
            request,
            "admin/dialogues.html",
            section="dialogues",
            page_title=N_("Démarches"),
            dialogues=[{"dialogue": d, "phase": d.current_phase(now)} for d in items],
        )

    @get("/new")
    async def new(self, request: Request[Any, Any, Any]) -> Response[str]:
        return self._new_page(request, {"kind": "budget"}, {})

    def _new_page(
        self, request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str]
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/dialogue_new.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=N_("Nouvelle démarche"),
            values=values,
            errors=errors,
        )

    @post("/new")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        try:
            # A dialogue made here starts as a draft: the staff prepare and preview it,
            # then publish it (``core.services.drafts``).
            spec = msgspec.structs.replace(
                _general_spec(plugins, form, creating=True), published=False
            )
            dialogue = await dialogues.create_dialogue(db_session, plugins, org, spec)
            audit.record(
                db_session,
                org,
                actor,
                "dialogue.create",
                f"dialogue:{dialogue.slug}",
                {"fields": audit.fields_set(spec)},
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            fields = refusal_fields(error)
            if error.code == "dialogue.slug_taken":
                fields = {"slug": "Une démarche utilise déjà cette adresse."}
            return self._new_page(request, form.as_dict(), fields)
        await db_session.commit()
        return done(f"/admin/dialogues/{dialogue.slug}", "dialogue_created")

    @get("/{slug:str}")
    async def general(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return self._general_page(request, plugins, org, dialogue, _general_values(dialogue), {})

    def _general_page(
        self,
        request: Request[Any, Any, Any],
        plugins: Plugins,
        organisation: Organisation,
        dialogue: Dialogue,
        values: dict[str, str],
        errors: dict[str, str],
        *,
        publication_refusal: str | None = None,
    ) -> Response[str]:
        status_code = 422 if errors else (409 if publication_refusal else 200)
        return admin_page(
            request,
            "admin/dialogue_general.html",
            section="dialogues",
            status_code=status_code,
            publication_refusal=publication_refusal,
            page_title=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, ""),
            values=values,
            errors=errors,
            comment_modes=COMMENT_MODES,
            asks_comments=COMMENTS.granted_to(organisation),
            moderation_modes=MODERATION_MODES,
            results_visibility=RESULTS_VISIBILITY,
            rules=[(rule.id, rule.title) for rule in plugins.aggregation_rules_for(dialogue)],
        )

    @post("/{slug:str}")
    async def save_general(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        try:
            spec = _general_spec(
                plugins, form, creating=False, asks_comments=COMMENTS.granted_to(org)
            )
            await dialogues.update_dialogue(db_session, plugins, org, dialogue, spec)
            audit.record(
                db_session,
                org,
                actor,
                "dialogue.update",
                f"dialogue:{slug}",
                {"fields": audit.fields_set(spec)},
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            return self._general_page(
                request, plugins, org, dialogue, form.as_dict(), refusal_fields(error)
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}")

    @post("/{slug:str}/image")
    async def save_image(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: MultipartBody[dict[str, Any]],
    ) -> Response[Any]:
        """The dialogue's image: a new one (checked and re-encoded as every upload), or
        none where ``remove_image`` is ticked."""
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        sent = form.file("image")
        stored: str | None = None
        refusal = None
        if sent is not None:
            try:
                content = await sent.read(uploads.MAX_BYTES + 1)
                stored = uploads.store_image(app_context(request).settings.upload_dir, content).name
            except DomainError as error:
                refusal = error.detail
        elif not form.checked("remove_image"):
            refusal = "Choisissez une image, ou cochez « Retirer l'image »."
        if refusal is not None:
            values = _general_values(dialogue)
            return self._general_page(request, plugins, org, dialogue, values, {"image": refusal})
        dialogues.set_image(dialogue, stored)
        audit.record(
            db_session,
            org,
            actor,
            "dialogue.image",
            f"dialogue:{slug}",
            {"image": "set" if stored else "removed"},
        )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}")

    @post("/{slug:str}/publish")
    async def publish(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> Redirect:
        dialogue = await load_dialogue(db_session, org, slug)
        if drafts.publish(dialogue, utcnow()):
            audit.record(db_session, org, actor, "dialogue.publish", f"dialogue:{slug}")
            await db_session.commit()
        return done(f"/admin/dialogues/{slug}", "dialogue_published")

    @post("/{slug:str}/unpublish")
    async def unpublish(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
    ) -> Response[Any]:
        """Takes the dialogue back to a draft; refused, on its page, once someone took part."""
        dialogue = await load_dialogue(db_session, org, slug)
        try:
            changed = await drafts.unpublish(db_session, plugins, dialogue)
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            return self._general_page(
                request,
                plugins,
                org,
                dialogue,
                _general_values(dialogue),
                {},
                publication_refusal=error.detail,
            )
        if changed:
            audit.record(db_session, org, actor, "dialogue.unpublish", f"dialogue:{slug}")
            await db_session.commit()
        return done(f"/admin/dialogues/{slug}", "dialogue_unpublished")

    @post("/{slug:str}/archive")
    async def archive(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> Redirect:
        dialogue = await load_dialogue(db_session, org, slug)
        dialogues.archive_dialogue(dialogue, utcnow())
        audit.record(db_session, org, actor, "dialogue.archive", f"dialogue:{slug}")
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}", "dialogue_archived")

    @post("/{slug:str}/restore")
    async def restore(
        self, db_session: DbSession, org: CurrentOrg, actor: Actor, slug: FromPath[str]
    ) -> Redirect:
        dialogue = await load_dialogue(db_session, org, slug)
        dialogues.restore_dialogue(dialogue)
        audit.record(db_session, org, actor, "dialogue.restore", f"dialogue:{slug}")
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}", "dialogue_restored")

    # -- phases ---------------------------------------------------------------------

    @get("/{slug:str}/phases")
    async def phases_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return await self._phases_page(request, db_session, org, dialogue, None, {})

    async def _phases_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        dialogue: Dialogue,
        form: FormValues | None,
        errors: dict[str, str],
        status_code: int | None = None,
    ) -> Response[str]:
        current = dialogue.current_phase(utcnow())
        return admin_page(
            request,
            "admin/dialogue_phases.html",
            section="dialogues",
            status_code=status_code or (422 if errors else 200),
            page_title=N_("Étapes"),
            page_subject=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/phases"),
            rows=_phase_rows(dialogue, form),
            group_names=[group.name for group, _ in await groups.list_groups(db_session, org)],
            current=current,
            errors=errors,
        )

    @post("/{slug:str}/phases")
    async def save_phases(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        known = {group.name for group, _ in await groups.list_groups(db_session, org)}
        try:
            specs = _phase_specs(form, known)
            await dialogues.update_dialogue(
                db_session, plugins, org, dialogue, DialogueSpec(phases=specs)
            )
            audit.record(
                db_session,
                org,
                actor,
                "dialogue.update",
                f"dialogue:{slug}",
                {"fields": ["phases"]},
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            return await self._phases_page(
                request, db_session, org, dialogue, form, refusal_fields(error)
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/phases")

    @post("/{slug:str}/phase")
    async def switch(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        actor: Actor,
        plugins: PluginsDep,
        slug: FromPath[str],
        data: URLEncodedBody[dict[str, Any]],
    ) -> Response[Any]:
        form = FormValues(data)
        dialogue = await load_dialogue(db_session, org, slug)
        now = utcnow()
        try:
            closed, opened = await phases.switch_phase(
                db_session, plugins, dialogue, form.get("kind"), now
            )
        except DomainError as error:
            return await self._phases_page(
                request, db_session, org, dialogue, None, {"__all__": error.detail}
            )
        record_phase_switch(db_session, org, actor, dialogue, closed, opened)
        await db_session.commit()
        if closed is not None:
            plugins.phase_closed(closed, dialogue)
        plugins.phase_opened(opened, dialogue)
        return done(f"/admin/dialogues/{slug}/phases", "phase_switched")
