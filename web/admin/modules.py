"""Back office: the modules of a dialogue, first of all its vote: the vote type and its
settings, as a form generated from the type's settings Struct (any plugin's vote type
gets its form this way)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody

from core.errors import DomainError
from core.models import Dialogue
from core.plugin_manager import Plugins
from core.services import audit, dialogues
from core.specs import DialogueSpec, VoteSpec
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormValues, refusal_fields
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.admin.struct_forms import attach_error, parse_struct, struct_fields
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.labels import N_

PREFIX = "settings."
NO_VOTE = ""


def _default_settings(
    settings_type: type[msgspec.Struct], dialogue: Dialogue, chosen: str
) -> tuple[msgspec.Struct | None, dict[str, str]]:
    """The settings a newly chosen vote type starts with: those it had if it is the
    dialogue's, else its defaults; an error when it has required settings."""
    current = dialogue.vote_settings if chosen == dialogue.vote_type else None
    try:
        return msgspec.convert(dict(current or {}), type=settings_type), {}
    except msgspec.ValidationError:
        return None, {
            "__all__": "Ce type de vote a des réglages obligatoires : complétez-les ci-dessous, "
            "puis enregistrez."
        }


def _unchanged(dialogue: Dialogue, vote: VoteSpec | None) -> bool:
    if vote is None:
        return dialogue.vote_type is None
    return dialogue.vote_type == vote.type and (dialogue.vote_settings or {}) == vote.settings


def _title(plugins: Plugins, vote_type: str | None) -> str:
    if not vote_type:
        return ""
    found = plugins.vote_types.get(vote_type)
    return found.title if found is not None else vote_type


class ModulePages(Controller):
    path = "/admin/dialogues/{slug:str}/vote"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def vote_page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
        type: FromQuery[str | None] = None,
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        chosen = (dialogue.vote_type or NO_VOTE) if type is None else type
        if chosen != NO_VOTE and chosen not in plugins.vote_types:
            chosen = dialogue.vote_type or NO_VOTE
        settings = dialogue.vote_settings if chosen == dialogue.vote_type else None
        return self._page(request, plugins, dialogue, chosen, settings, None, {})

    def _page(
        self,
        request: Request[Any, Any, Any],
        plugins: Plugins,
        dialogue: Dialogue,
        chosen: str,
        settings: dict[str, Any] | None,
        submitted: FormValues | None,
        errors: dict[str, str],
    ) -> Response[str]:
        vote_type = plugins.vote_types.get(chosen) if chosen else None
        fields = (
            struct_fields(
                vote_type.settings_type,
                settings,
                prefix=PREFIX,
                errors=errors,
                submitted=submitted,
            )
            if vote_type is not None
            else []
        )
        return admin_page(
            request,
            "admin/dialogue_vote.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=N_("Vote"),
            page_subject=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/vote"),
            vote_types=[(v.id, v.title) for v in plugins.vote_types],
            chosen=chosen,
            chosen_title=vote_type.title if vote_type else "",
            saved_title=_title(plugins, dialogue.vote_type),
            fields=fields,
            errors=errors,
        )

    @post("/")
    async def save(
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
        chosen = form.get("type")
        vote_type = plugins.vote_types.get(chosen) if chosen else None
        if chosen and vote_type is None:
            return self._page(
                request, plugins, dialogue, NO_VOTE, None, None, {"type": "Type de vote inconnu."}
            )
        # The settings fields on the form are those of the type it showed ("shown"); when
        # another type was picked in the list, they are not that type's.
        other_type = "shown" in data and form.get("shown") != chosen
        if form.get("show"):
            settings = dialogue.vote_settings if chosen == dialogue.vote_type else None
            if not other_type:
                return self._page(request, plugins, dialogue, chosen, settings, form, {})
            return self._page(request, plugins, dialogue, chosen, settings, None, {})
        vote: VoteSpec | None = None
        if vote_type is not None:
            if other_type:
                parsed, errors = _default_settings(vote_type.settings_type, dialogue, chosen)
                if parsed is None:
                    return self._page(request, plugins, dialogue, chosen, None, None, errors)
            else:
                parsed, errors = parse_struct(vote_type.settings_type, form, prefix=PREFIX)
                if parsed is None:
                    return self._page(request, plugins, dialogue, chosen, None, form, errors)
            raw = msgspec.to_builtins(parsed)
            try:
                vote_type.decode_settings(raw)  # the plugin's own checks
            except DomainError as error:
                message = error.detail.removeprefix("vote.settings: ")
                errors = attach_error(vote_type.settings_type, message, prefix=PREFIX)
                return self._page(request, plugins, dialogue, chosen, None, form, errors)
            vote = VoteSpec(type=chosen, settings=raw)
        if _unchanged(dialogue, vote):
            return done(f"/admin/dialogues/{slug}/vote", "unchanged")
        try:
            await dialogues.update_dialogue(
                db_session, plugins, org, dialogue, DialogueSpec(vote=vote)
            )
            audit.record(
                db_session,
                org,
                actor,
                "dialogue.update",
                f"dialogue:{slug}",
                {"fields": ["vote"]},
            )
        except DomainError as error:
            await discard_changes(request, db_session)
            dialogue = await load_dialogue(db_session, org, slug)
            fields = refusal_fields(error)
            if error.code == "vote.config_frozen":
                fields = {
                    "__all__": "Des citoyen·nes ont déjà voté : le vote ne peut plus changer."
                }
            return self._page(request, plugins, dialogue, chosen, None, form, fields)
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/vote")
