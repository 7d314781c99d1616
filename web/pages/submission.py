"""Submitting a proposal from the pages: the form built from the dialogue's field
definitions, drafts, edition by the author, publication.

Every bad input comes back as the same form with a message beside the field and what was
typed kept. Files are checked and stored as soon as they arrive, even when another field
is wrong, and the form carries their stored names in hidden fields, so that a citizen
never has to choose the same photo twice.

Creating a proposal passes a bot check (``web.bot_checks``): the page's script does a
proof of work, and a browser without JavaScript gets a waiting page that carries what was
typed and the stored files' names back. Both forms have a honeypot.

A refused change is not committed: the request's session ends without a commit, which
discards it. The handlers do not roll back before rendering the form again, since a
rollback would expire the objects (organisation, dialogue) that the page still shows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect

from core import uploads
from core.db import utcnow
from core.defaults.features import DRAFTS, IMAGES
from core.defaults.map import MAP
from core.errors import DomainError, Forbidden, ValidationFailed
from core.fields import FieldDefinition
from core.models import Dialogue, Proposal, User
from core.models.proposals import ProposalStatus
from core.permissions import Action, check
from core.plugin_manager import Plugins
from core.services import dialogues, proposals, territory
from core.services.proposals import EDITABLE_BY_AUTHOR, form_of
from core.specs import Location, ProposalSpec
from web import bot_checks
from web.dependencies import Actor, CurrentOrg, DbSession, GroupIds, PluginsDep
from web.i18n import Translator, translator
from web.labels import N_
from web.pages import publish_name
from web.pages.bot_check import waiting_page
from web.pages.browse import map_headers, map_options
from web.pages.context import dialogue_frame, refusal_message, signin_url
from web.rate_limits import limit_proposal
from web.templating import render

#: Large enough that an oversized photo gets a readable message from us rather than a
#: bare 413 from the server.
MAX_REQUEST = 40 * 1024 * 1024
FILE_TYPES = ("image", "file")
#: The name of the creation form for its bot check.
BOT_CHECK = "proposal"
#: What a filled honeypot gets: no word of why, and the form as it was.
RATE_LIMITED = N_(
    "Vous avez envoyé beaucoup de propositions en peu de temps : celle-ci n'est pas encore "
    "enregistrée. Ce que vous avez écrit est gardé ci-dessous ; vous pourrez l'envoyer à "
    "partir de %(time)s (%(wait)s)."
)
NOT_SAVED = N_(
    "Votre proposition n'a pas pu être enregistrée : vérifiez-la, puis envoyez de nouveau "
    "le formulaire."
)


class PublishForm(msgspec.Struct):
    pass


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def _upload(data: dict[str, Any], name: str) -> UploadFile | None:
    value = data.get(name)
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, UploadFile) and value.filename:
        return value
    return None


def _number(raw: str) -> float | None:
    """A number as French and English readers type it (``12,5``, ``1 200``)."""
    cleaned = raw.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
    return float(cleaned) if cleaned else None


class SubmittedForm:
    """The proposal form as posted: typed values (to show again), files already stored,
    and one message per wrong field."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self.spec_fields: dict[str, Any] = {}
        self.image: str | None = None
        self.location: Location | None = None
        self.cost: int | None = None


async def _store(
    upload_dir: str, upload: UploadFile, *, image_only: bool, i18n: Translator
) -> tuple[str | None, str | None]:
    """Stores an upload; returns ``(stored name, None)`` or ``(None, message)``."""
    data = await upload.read(uploads.MAX_BYTES + 1)
    store = uploads.store_image if image_only else uploads.store_file
    try:
        stored = await anyio.to_thread.run_sync(store, upload_dir, data)
    except ValidationFailed as refusal:
        return None, i18n.gettext(refusal.detail)
    return stored.name, None


def _reference(value: str) -> str | None:
    """A stored name the form sent back, if it looks like one of ours."""
    return value if uploads.is_stored_name(value) else None


async def read_form(
    data: dict[str, Any],
    dialogue: Dialogue,
    plugins: Plugins,
    upload_dir: str,
    i18n: Translator,
    *,
    final: bool,
) -> SubmittedForm:
    """Reads and checks the posted form; ``final`` requires what publication needs."""
    form = SubmittedForm()
    values, errors = form.values, form.errors
    for name in ("title", "body", "theme", "sector", "cost", "lat", "lng"):
        values[name] = _text(data, name).strip() if name != "body" else _text(data, name)
    title = values["title"]
    if not title:
        errors["title"] = i18n("Donnez un titre à votre proposition.")
    elif not 3 <= len(title) <= 200:
        errors["title"] = i18n("Le titre doit compter de 3 à 200 caractères.")
    if len(values["body"]) > 20_000:
        errors["body"] = i18n("La description doit compter 20 000 caractères au plus.")
    elif final and not values["body"].strip():
        errors["body"] = i18n("Décrivez votre proposition.")
    for name, options in (("theme", dialogue.themes), ("sector", dialogue.sectors)):
        if values[name] and values[name] not in {o["key"] for o in options}:
            errors[name] = i18n("Choisissez une des options proposées.")
    if values["cost"]:
        try:
            cost = _number(values["cost"])
            if cost is None or cost < 0 or cost > 1e12:
                raise ValueError
            form.cost = round(cost)
        except ValueError:
            errors["cost"] = i18n(
                "Indiquez un montant en euros, sans décimales (par exemple 15000)."
            )
    if (values["lat"] or values["lng"]) and MAP.enabled_on(dialogue):
        try:
            lat, lng = _number(values["lat"]), _number(values["lng"])
            if lat is None or lng is None:
                raise ValueError
            if not (-90 <= lat <= 90 and -180 <= lng <= 180):
                raise ValueError
            form.location = Location(lat=lat, lng=lng)
        except ValueError:
            errors["location"] = i18n(
                "Indiquez une latitude (entre -90 et 90) et une longitude (entre -180 et 180), "
                "par exemple 47.2184 et -1.5536, ou choisissez le lieu sur la carte."
            )

    # The main image: a new file replaces the kept one; "remove" drops it.
    kept = _reference(_text(data, "image_ref"))
    new_image = _upload(data, "image") if IMAGES.enabled_on(dialogue) else None
    if new_image is not None:
        kept, message = await _store(upload_dir, new_image, image_only=True, i18n=i18n)
        if message:
            errors["image"] = message
    if _text(data, "image_remove"):
        kept = None
    form.image = values["image_ref"] = kept

    for definition in form_of(dialogue):
        await _read_field(form, data, definition, plugins, upload_dir, i18n, final=final)
    return form


async def _read_field(
    form: SubmittedForm,
    data: dict[str, Any],
    definition: FieldDefinition,
    plugins: Plugins,
    upload_dir: str,
    i18n: Translator,
    *,
    final: bool,
) -> None:
    name = f"field__{definition.key}"
    field_type = plugins.field_types.get(definition.type)
    if field_type is None:
        return
    raw: Any
    if definition.type in FILE_TYPES:
        raw = _reference(_text(data, f"{name}__ref"))
        upload = _upload(data, name)
        if upload is not None:
            raw, message = await _store(
                upload_dir, upload, image_only=definition.type == "image", i18n=i18n
            )
            if message:
                form.errors[name] = message
        if _text(data, f"{name}__remove"):
            raw = None
        form.values[name] = raw
        if name in form.errors:
            return
    else:
        raw = _text(data, name)
        form.values[name] = raw
    if field_type.is_empty(raw):
        if definition.required and final:
            form.errors[name] = i18n("Ce champ est obligatoire.")
        return
    try:
        form.spec_fields[definition.key] = field_type.clean(definition, raw)
    except ValueError as error:
        message = i18n.gettext(str(error))
        form.errors[name] = message[:1].upper() + message[1:].rstrip(".") + "."


def _spec(form: SubmittedForm, dialogue: Dialogue, *, draft: bool | None) -> ProposalSpec:
    values = form.values
    spec = ProposalSpec(
        title=values["title"],
        body=values["body"],
        fields=form.spec_fields,
        theme=values["theme"] or None,
        sector=values["sector"] or None,
    )
    if MAP.enabled_on(dialogue):  # off, the form asks none: what is stored stays
        spec.location = form.location
    if draft is not None:
        spec.draft = draft
    if _asks_cost(dialogue):
        spec.cost = form.cost
    return spec


def _carried(form: SubmittedForm, dialogue: Dialogue, action: str) -> list[tuple[str, str]]:
    """What the waiting page posts back: the values as typed, the stored files' names."""
    values = form.values
    fields = [
        (name, values[name]) for name in ("title", "body", "theme", "sector", "cost", "lat", "lng")
    ]
    fields.append(("image_ref", form.image or ""))
    for definition in form_of(dialogue):
        name = f"field__{definition.key}"
        value = values.get(name) or ""
        fields.append((f"{name}__ref" if definition.type in FILE_TYPES else name, value))
    fields.append(("action", action))
    return fields


def _asks_cost(dialogue: Dialogue) -> bool:
    return dialogue.kind.value == "budget" or dialogue.budget_amount is not None


def _values_of(dialogue: Dialogue, proposal: Proposal) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": proposal.title,
        "body": proposal.body,
        "theme": proposal.theme or "",
        "sector": proposal.sector or "",
        "cost": "" if proposal.cost is None else str(proposal.cost),
        "lat": "" if proposal.lat is None else f"{proposal.lat:.6f}",
        "lng": "" if proposal.lng is None else f"{proposal.lng:.6f}",
        "image_ref": proposal.image_path,
    }
    for definition in form_of(dialogue):
        value = proposal.fields.get(definition.key)
        if definition.type == "checkbox":
            values[f"field__{definition.key}"] = "on" if value else ""
        else:
            values[f"field__{definition.key}"] = "" if value is None else str(value)
    return values


def _form_page(
    request: Request[Any, Any, Any],
    org: Any,
    dialogue: Dialogue,
    *,
    proposal: Proposal | None,
    values: dict[str, Any],
    errors: dict[str, str],
    refusal: str | None = None,
    status_code: int = 200,
    asks_name: bool = False,
) -> Response[str]:
    return render(
        request,
        "proposal/form.html",
        status_code=status_code,
        headers=map_headers(request, org.options),
        frame=dialogue_frame(dialogue, utcnow()),
        tab="proposals",
        proposal=proposal,
        form=form_of(dialogue),
        values=values,
        errors=errors,
        refusal=refusal,
        asks_cost=_asks_cost(dialogue),
        map_options=map_options(org.options),
        asks_location=MAP.enabled_on(dialogue),
        asks_image=IMAGES.enabled_on(dialogue),
        offers_draft=DRAFTS.enabled_on(dialogue),
        asks_name=asks_name,
        action=f"/proposals/{proposal.id}/edit"
        if proposal
        else f"/dialogues/{dialogue.slug}/proposals/new",
    )


def _propose_refusal(
    request: Request[Any, Any, Any],
    plugins: Plugins,
    actor: User | None,
    dialogue: Dialogue,
    group_ids: set[int],
) -> str | None:
    try:
        check(plugins, actor, Action.PROPOSE, dialogue, now=utcnow(), group_ids=group_ids)
    except DomainError as error:
        return refusal_message(translator(request), error)
    return None


def _service_errors(error: ValidationFailed, i18n: Translator) -> dict[str, str]:
    if error.code == territory.OUTSIDE:
        return {
            "location": i18n(
                "Ce lieu est en dehors du territoire de la plateforme : choisissez un lieu "
                "dans la commune (la carte s'ouvre sur elle)."
            )
        }
    fields = error.extra.get("fields")
    if isinstance(fields, dict) and fields:
        return {f"field__{key}": str(message) for key, message in fields.items()}
    name = error.detail.split(":", 1)[0] if ":" in error.detail else ""
    if name in ("title", "body", "theme", "sector", "cost", "location"):
        return {name: error.detail.split(":", 1)[1].strip()}
    return {"form": error.detail}


@get("/dialogues/{slug:str}/proposals/new", include_in_schema=False)
async def new_proposal(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
    title: Annotated[str, QueryParameter(max_length=200)] = "",
    description: Annotated[str, QueryParameter(name="body", max_length=20_000)] = "",
) -> Response[Any]:
    """The form, its title and description typed already when the link gives them (the
    analysis's "same idea?" step carries what the citizen wrote)."""
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    return _form_page(
        request,
        org,
        dialogue,
        proposal=None,
        values={name: value for name, value in (("title", title), ("body", description)) if value},
        errors={},
        refusal=_propose_refusal(request, plugins, actor, dialogue, group_ids),
        asks_name=publish_name.asks_name(actor),
    )


def _retry_message(i18n: Translator, retry_after: int) -> str:
    """When the form may be sent again, as a time of day and a number of minutes."""
    minutes = max(1, -(-retry_after // 60))
    moment = utcnow() + timedelta(seconds=retry_after)
    wait = i18n.ngettext("dans %(count)s minute", "dans %(count)s minutes", minutes) % {
        "count": minutes
    }
    return i18n(
        RATE_LIMITED,
        time=i18n.datetime(moment, "HH:mm" if i18n.lang == "fr" else "h:mm a"),
        wait=wait,
    )


@post(
    "/dialogues/{slug:str}/proposals/new",
    include_in_schema=False,
    request_max_body_size=MAX_REQUEST,
)
async def submit_proposal(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    slug: FromPath[str],
    data: MultipartBody[dict[str, Any]],
) -> Response[Any]:
    dialogue = await dialogues.get_dialogue(db_session, org, slug)
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    i18n = translator(request, org)
    refusal = _propose_refusal(request, plugins, actor, dialogue, group_ids)
    draft = _text(data, "action") == "draft"
    settings = request.app.state.context.settings
    form = await read_form(data, dialogue, plugins, settings.upload_dir, i18n, final=not draft)
    if _text(data, bot_checks.HONEYPOT):
        form.errors["form"] = i18n(NOT_SAVED)
    name, name_error = publish_name.read_name(actor, _text(data, publish_name.FIELD), i18n)
    form.values[publish_name.FIELD] = name
    if name_error:
        form.errors[publish_name.FIELD] = name_error
    asks_name = publish_name.asks_name(actor)
    if refusal is None:
        # Over the limit, the form comes back with what was typed (the image too, kept
        # by read_form) and when it may be sent again.
        limit = await limit_proposal(request, actor, draft=draft)
        if not limit.allowed:
            response = _form_page(
                request,
                org,
                dialogue,
                proposal=None,
                values=form.values,
                errors={**form.errors, "form": _retry_message(i18n, limit.retry_after)},
                status_code=429,
                asks_name=asks_name,
            )
            response.headers["Retry-After"] = str(limit.retry_after)
            return response
    if refusal is None and not form.errors:
        outcome = await bot_checks.check_form(
            request,
            db_session,
            BOT_CHECK,
            _text(data, bot_checks.SOLUTION_FIELD),
            _text(data, bot_checks.WAIT_FIELD),
        )
        if outcome.must_wait:
            return waiting_page(
                request,
                outcome,
                action=f"/dialogues/{dialogue.slug}/proposals/new",
                fields=[
                    *_carried(form, dialogue, "draft" if draft else "publish"),
                    (publish_name.FIELD, name),
                ],
                multipart=True,
                summary=i18n("Proposition : « %(title)s »", title=form.values["title"]),
            )
        if not outcome.passed:
            form.errors["form"] = bot_checks.refusal(i18n, outcome)
    if refusal is None and not form.errors:
        try:
            proposal = await proposals.create_proposal(
                db_session,
                plugins,
                dialogue,
                actor,
                _spec(form, dialogue, draft=draft),
                now=utcnow(),
                group_ids=group_ids,
            )
        except ValidationFailed as error:
            form.errors.update(_service_errors(error, i18n))
        except DomainError as error:
            refusal = refusal_message(i18n, error)
        else:
            if IMAGES.enabled_on(dialogue):
                proposal.image_path = form.image
            publish_name.save_name(actor, name)
            await db_session.commit()
            if proposal.published_at is not None:
                plugins.proposal_submitted(proposal, dialogue)
            key = "proposal_saved" if draft else "proposal_published"
            return Redirect(f"/proposals/{proposal.id}?notice={key}", status_code=303)
    return _form_page(
        request,
        org,
        dialogue,
        proposal=None,
        values=form.values,
        errors=form.errors,
        refusal=refusal,
        status_code=422 if form.errors else 409,
        asks_name=asks_name,
    )


async def _own_proposal(
    db_session: DbSession, org: Any, actor: User, proposal_id: int
) -> tuple[Proposal, Dialogue]:
    proposal, dialogue = await proposals.get_proposal(db_session, org.id, proposal_id, actor)
    if proposal.author_id != actor.id:
        raise Forbidden("Seul·e l'auteur·rice peut modifier cette proposition.")
    return proposal, dialogue


@get("/proposals/{proposal_id:int}/edit", include_in_schema=False)
async def edit_proposal(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    org: CurrentOrg,
    actor: Actor,
    proposal_id: FromPath[int],
) -> Response[Any]:
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    proposal, dialogue = await _own_proposal(db_session, org, actor, proposal_id)
    refusal = None
    if proposal.status not in EDITABLE_BY_AUTHOR:
        i18n = translator(request, org)
        refusal = i18n("Cette proposition est en cours d'analyse et ne peut plus être modifiée.")
    return _form_page(
        request,
        org,
        dialogue,
        proposal=proposal,
        values=_values_of(dialogue, proposal),
        errors={},
        refusal=refusal,
    )


@post(
    "/proposals/{proposal_id:int}/edit",
    include_in_schema=False,
    request_max_body_size=MAX_REQUEST,
)
async def save_proposal(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    proposal_id: FromPath[int],
    data: MultipartBody[dict[str, Any]],
) -> Response[Any]:
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    proposal, dialogue = await _own_proposal(db_session, org, actor, proposal_id)
    i18n = translator(request, org)
    publish = _text(data, "action") == "publish"
    was_draft = proposal.status == ProposalStatus.DRAFT
    settings = request.app.state.context.settings
    form = await read_form(
        data, dialogue, plugins, settings.upload_dir, i18n, final=publish or not was_draft
    )
    if _text(data, bot_checks.HONEYPOT):
        form.errors["form"] = i18n(NOT_SAVED)
    refusal = None
    if not form.errors:
        try:
            await proposals.update_proposal(
                db_session, plugins, dialogue, proposal, actor, _spec(form, dialogue, draft=None)
            )
            if IMAGES.enabled_on(dialogue):  # off, the form shows none: it stays
                proposal.image_path = form.image
            if publish and was_draft:
                await proposals.publish_proposal(
                    db_session,
                    plugins,
                    dialogue,
                    proposal,
                    actor,
                    now=utcnow(),
                    group_ids=group_ids,
                )
        except ValidationFailed as error:
            form.errors.update(_service_errors(error, i18n))
        except DomainError as error:
            refusal = refusal_message(i18n, error)
        else:
            await db_session.commit()
            published_now = publish and was_draft
            if published_now:
                plugins.proposal_submitted(proposal, dialogue)
            key = "proposal_published" if published_now else "proposal_updated"
            return Redirect(f"/proposals/{proposal.id}?notice={key}", status_code=303)
    return _form_page(
        request,
        org,
        dialogue,
        proposal=proposal,
        values=form.values,
        errors=form.errors,
        refusal=refusal,
        status_code=422 if form.errors else 409,
    )


@post("/proposals/{proposal_id:int}/publish", include_in_schema=False)
async def publish_proposal_form(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    plugins: PluginsDep,
    org: CurrentOrg,
    actor: Actor,
    group_ids: GroupIds,
    proposal_id: FromPath[int],
    data: URLEncodedBody[PublishForm],
) -> Response[Any]:
    """Publishes a draft from its page; a draft that misses something required opens its
    form with the messages."""
    if actor is None:
        return Redirect(signin_url(request), status_code=303)
    proposal, dialogue = await _own_proposal(db_session, org, actor, proposal_id)
    i18n = translator(request, org)
    try:
        await proposals.publish_proposal(
            db_session, plugins, dialogue, proposal, actor, now=utcnow(), group_ids=group_ids
        )
    except ValidationFailed as error:
        return _form_page(
            request,
            org,
            dialogue,
            proposal=proposal,
            values=_values_of(dialogue, proposal),
            errors=_service_errors(error, i18n),
            status_code=422,
        )
    except DomainError as error:
        return _form_page(
            request,
            org,
            dialogue,
            proposal=proposal,
            values=_values_of(dialogue, proposal),
            errors={},
            refusal=refusal_message(i18n, error),
            status_code=error.status_code,
        )
    await db_session.commit()
    plugins.proposal_submitted(proposal, dialogue)
    return Redirect(f"/proposals/{proposal.id}?notice=proposal_published", status_code=303)
