"""Back office: the proposal form of a dialogue (its fields, their order, which are
required or confidential), and its themes and sectors."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, URLEncodedBody

from core.errors import DomainError
from core.fields import FieldDefinition, FieldOption
from core.models import Dialogue
from core.plugin_manager import Plugins
from core.services import audit, dialogues
from core.specs import DialogueSpec
from web.admin.dialogues import load_dialogue
from web.admin.forms import FormErrors, FormValues, refusal_fields
from web.admin.guard import staff_guard
from web.admin.pages import admin_page, dialogue_tabs, discard_changes, done
from web.dependencies import Actor, CurrentOrg, DbSession, PluginsDep
from web.labels import N_

KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Empty rows offered to add fields.
NEW_ROWS = 2
MAX_FIELDS = 50


def slugify(text: str) -> str:
    """A key made from a label: ``"Coût estimé (€)"`` → ``"cout-estime"``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:64]


def options_text(options: list[dict[str, Any]] | None) -> str:
    return "\n".join(f"{o['key']} = {o['label']}" for o in options or [])


def parse_options(text: str, *, where: str, errors: dict[str, str]) -> list[FieldOption]:
    """``key = label`` lines (or a label alone, whose key is made from it)."""
    options: list[FieldOption] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, label = line.partition("=")
        key, label = (key.strip(), label.strip()) if sep else (slugify(line), line.strip())
        if not label:
            label = key
        if not KEY.match(key):
            errors[where] = (
                f"Ligne {number} : la clé « {key} » ne prend que des lettres sans accents, "
                "des chiffres, « - » et « _ »."
            )
            return options
        if key in seen:
            errors[where] = f"Ligne {number} : la clé « {key} » est déjà utilisée."
            return options
        seen.add(key)
        options.append(FieldOption(key=key, label=label[:200]))
    return options


def _rows_from(dialogue: Dialogue) -> list[dict[str, Any]]:
    rows = [
        {
            "key": field["key"],
            "label": field["label"],
            "type": field["type"],
            "help": field.get("help", ""),
            "required": bool(field.get("required")),
            "confidential": bool(field.get("confidential")),
            "options": options_text(field.get("options")),
            "position": str(index + 1),
            "remove": False,
        }
        for index, field in enumerate(dialogue.form)
    ]
    return rows + [_empty_row(len(rows) + i + 1) for i in range(NEW_ROWS)]


def _empty_row(position: int) -> dict[str, Any]:
    return {
        "key": "",
        "label": "",
        "type": "text",
        "help": "",
        "required": False,
        "confidential": False,
        "options": "",
        "position": str(position),
        "remove": False,
    }


def _rows_posted(form: FormValues) -> list[dict[str, Any]]:
    count = min(int(form.get("rows") or 0) if form.get("rows").isdecimal() else 0, MAX_FIELDS)
    return [
        {
            "key": form.get(f"f{i}-key"),
            "label": form.get(f"f{i}-label"),
            "type": form.get(f"f{i}-type"),
            "help": form.get(f"f{i}-help"),
            "required": form.checked(f"f{i}-required"),
            "confidential": form.checked(f"f{i}-confidential"),
            "options": form.raw(f"f{i}-options"),
            "position": form.get(f"f{i}-position"),
            "remove": form.checked(f"f{i}-remove"),
        }
        for i in range(count)
    ]


def _form_spec(plugins: Plugins, form: FormValues) -> DialogueSpec:
    errors: dict[str, str] = {}
    kept: list[tuple[float, int, FieldDefinition]] = []
    keys: set[str] = set()
    for index, row in enumerate(_rows_posted(form)):
        if row["remove"] or not (row["label"] or row["key"]):
            continue
        name = f"f{index}"
        label = row["label"]
        if not label:
            errors[f"{name}-label"] = N_("Donnez un libellé au champ.")
        key = row["key"] or slugify(label)
        if not KEY.match(key):
            errors[f"{name}-key"] = N_("Lettres sans accents, chiffres, « - » et « _ » seulement.")
        elif key in keys:
            errors[f"{name}-key"] = f"La clé « {key} » est déjà utilisée par un autre champ."
        keys.add(key)
        field_type = plugins.field_types.get(row["type"])
        if field_type is None:
            errors[f"{name}-type"] = N_("Choisissez un type de champ.")
        options = parse_options(row["options"], where=f"{name}-options", errors=errors)
        if field_type is not None and field_type.needs_options and not options:
            errors.setdefault(f"{name}-options", "Ce type de champ a besoin d'options.")
        try:
            position = float(row["position"].replace(",", "."))
        except ValueError:
            position = float(index + 1)
        kept.append(
            (
                position,
                index,
                FieldDefinition(
                    key=key,
                    label=label[:200],
                    type=row["type"],
                    required=row["required"],
                    confidential=row["confidential"],
                    options=options or None,
                    help=row["help"][:500],
                ),
            )
        )
    themes = parse_options(form.raw("themes"), where="themes", errors=errors)
    sectors = parse_options(form.raw("sectors"), where="sectors", errors=errors)
    if errors:
        raise FormErrors(errors)
    kept.sort(key=lambda item: (item[0], item[1]))
    return DialogueSpec(
        form=[definition for _, _, definition in kept], themes=themes, sectors=sectors
    )


class FormBuilderPages(Controller):
    path = "/admin/dialogues/{slug:str}/form"
    guards = [staff_guard]  # noqa: RUF012
    include_in_schema = False

    @get("/")
    async def builder(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        org: CurrentOrg,
        plugins: PluginsDep,
        slug: FromPath[str],
    ) -> Response[str]:
        dialogue = await load_dialogue(db_session, org, slug)
        return self._page(
            request,
            plugins,
            dialogue,
            _rows_from(dialogue),
            options_text(dialogue.themes),
            options_text(dialogue.sectors),
            {},
        )

    def _page(
        self,
        request: Request[Any, Any, Any],
        plugins: Plugins,
        dialogue: Dialogue,
        rows: list[dict[str, Any]],
        themes: str,
        sectors: str,
        errors: dict[str, str],
    ) -> Response[str]:
        return admin_page(
            request,
            "admin/dialogue_form.html",
            section="dialogues",
            status_code=422 if errors else 200,
            page_title=N_("Formulaire"),
            page_subject=dialogue.title,
            dialogue=dialogue,
            tabs=dialogue_tabs(dialogue, "/form"),
            rows=rows,
            themes=themes,
            sectors=sectors,
            field_types=[(t.id, t.title) for t in plugins.field_types],
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
        try:
            spec = _form_spec(plugins, form)
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
            return self._page(
                request,
                plugins,
                dialogue,
                _rows_posted(form),
                form.raw("themes"),
                form.raw("sectors"),
                refusal_fields(error),
            )
        await db_session.commit()
        return done(f"/admin/dialogues/{slug}/form")
