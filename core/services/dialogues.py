"""Dialogues: creation and changes from a :class:`DialogueSpec`, reading, and listing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import read_cache, uploads
from core.ballot_sources import sources_hold_ballots
from core.db import utcnow
from core.defaults.comments import COMMENTS
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.fields import FieldDefinition, FieldOption
from core.models import Ballot, Dialogue, Organisation, Phase, Vote
from core.models.dialogues import (
    DialogueKind,
    ModerationMode,
    PhaseKind,
    ResultsVisibility,
)
from core.modules import (
    Grants,
    ModuleChange,
    check_choices_live,
    make_changes,
    module_change,
    off_without_grant,
)
from core.plugin_manager import Plugins
from core.services import drafts
from core.services.module_grants import held_grants
from core.services.users import groups_by_name
from core.services.vote_locks import WITH_PHASES, lock_for_change, vote_opened
from core.specs import DialogueSpec, PhaseSpec

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


#: Built once: every page and every vote reads its dialogue.
BY_SLUG = (
    select(Dialogue)
    .where(
        Dialogue.organisation_id == bindparam("organisation_id"),
        Dialogue.slug == bindparam("slug"),
    )
    .options(WITH_PHASES)
)


async def get_dialogue(
    session: AsyncSession, organisation: Organisation, slug: str, *, fresh: bool = False
) -> Dialogue:
    """The dialogue of ``slug``: a copy of this worker's snapshot for pages, read from the
    database for a request that changes something (:data:`core.read_cache.JUDGING_KEY`)
    and when ``fresh`` (what decides a publication). A draft is not found unless the
    session may preview it (:func:`core.services.drafts.check_visible`)."""
    organisation_id = organisation.id

    async def by_slug(reading: AsyncSession) -> Dialogue | None:
        found = await reading.scalars(
            BY_SLUG.execution_options(populate_existing=True),
            {"organisation_id": organisation_id, "slug": slug},
        )
        return found.unique().first()

    if fresh:
        dialogue = await by_slug(session)
    else:
        key = ("dialogue", organisation_id, slug)
        dialogue = await read_cache.cached(session, key, by_slug, judges=True)
        if dialogue is not None and not drafts.visible(session, dialogue):
            # Another worker's snapshot may be older than its publication: a draft is
            # refused on the database's word only.
            dialogue = await by_slug(session)
    if dialogue is None:
        raise NotFound(f"démarche {slug!r} introuvable")
    return drafts.check_visible(session, dialogue)


async def list_dialogues(
    session: AsyncSession,
    organisation: Organisation,
    *,
    include_archived: bool = False,
    include_drafts: bool = False,
) -> Sequence[Dialogue]:
    """The organisation's dialogues, the latest first; the public lists leave out the
    archived ones and the drafts (the back office asks for them)."""
    query = select(Dialogue).where(Dialogue.organisation_id == organisation.id)
    if not include_archived:
        query = query.where(Dialogue.archived_at.is_(None))
    if not include_drafts:
        query = query.where(Dialogue.published_at.is_not(None))
    return (
        await session.scalars(query.order_by(Dialogue.created_at.desc(), Dialogue.id.desc()))
    ).all()


def archive_dialogue(dialogue: Dialogue, now: datetime) -> None:
    """Takes ``dialogue`` off the site (lists, actions); its pages and data stay."""
    if dialogue.archived_at is None:
        dialogue.archived_at = now


def restore_dialogue(dialogue: Dialogue) -> None:
    dialogue.archived_at = None


async def has_votes(session: AsyncSession, dialogue: Dialogue) -> bool:
    """Whether any ballot of ``dialogue`` holds a vote."""
    query = select(exists().where(Ballot.dialogue_id == dialogue.id, Vote.ballot_id == Ballot.id))
    return bool(await session.scalar(query))


async def vote_frozen(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, now: datetime
) -> bool:
    """Whether what decides a vote's validity or the result is frozen: from the moment the
    vote phase opens, or as soon as a ballot (online or from a source) holds a vote. The
    caller holds the dialogue's lock (:func:`core.services.vote_locks.lock_for_change`),
    so that no phase switch or first vote can slip in between the check and the change."""
    return (
        vote_opened(dialogue, now)
        or await has_votes(session, dialogue)
        or await sources_hold_ballots(session, plugins, dialogue)
    )


async def create_dialogue(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    spec: DialogueSpec,
    *,
    now: datetime | None = None,
) -> Dialogue:
    """A new dialogue from ``spec``: public at once unless ``spec.published`` is false
    (a draft, see :mod:`core.services.drafts`)."""
    missing = [name for name in ("slug", "title", "kind") if getattr(spec, name) is msgspec.UNSET]
    if missing:
        raise ValidationFailed(f"missing field(s): {', '.join(missing)}")
    assert isinstance(spec.slug, str)
    if not SLUG.match(spec.slug):
        raise ValidationFailed("slug: lowercase letters, digits and dashes only (80 at most)")
    taken = await session.scalar(
        select(Dialogue.id).where(
            Dialogue.organisation_id == organisation.id, Dialogue.slug == spec.slug
        )
    )
    if taken:
        raise Conflict(f"a dialogue {spec.slug!r} already exists", code="dialogue.slug_taken")
    # The modules on by default that the organisation may not use are stored off: read
    # under the grants' lock, so that a withdrawal under way cannot miss this dialogue.
    grants = await held_grants(session, organisation)
    dialogue = Dialogue(
        organisation_id=organisation.id,
        slug=spec.slug,
        phases=[],
        modules=off_without_grant(plugins.modules, grants),
        published_at=now or utcnow(),
    )
    changes = await _apply(session, plugins, organisation, grants, dialogue, spec, frozen=False)
    session.add(dialogue)
    await _make_module_changes(session, plugins, dialogue, changes)
    if spec.published is False:
        # Set once inserted: the column's default would replace a ``None`` at the insert.
        dialogue.published_at = None
        await session.flush()
    return dialogue


async def update_dialogue(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    dialogue: Dialogue,
    spec: DialogueSpec,
    *,
    now: datetime | None = None,
) -> Dialogue:
    """Applies ``spec`` to ``dialogue`` under its lock (the session's copy is brought up to
    date first); 409 ``vote.config_frozen`` for a change of the vote settings or the budget
    once the vote is frozen (:func:`vote_frozen`)."""
    if spec.slug is not msgspec.UNSET and spec.slug != dialogue.slug:
        raise ValidationFailed("slug: the address of a dialogue cannot change")
    if spec.published is not msgspec.UNSET:
        raise ValidationFailed(
            "published: publish or unpublish a dialogue with its own routes "
            "(POST /api/v1/admin/dialogues/{slug}/publish or /unpublish)"
        )
    grants: Grants = organisation.module_grants
    if _names_modules(spec):  # the grants' lock first, as every enable takes it
        grants = await held_grants(session, organisation)
    dialogue = await lock_for_change(session, dialogue)
    frozen = await vote_frozen(session, plugins, dialogue, now or utcnow())
    changes = await _apply(session, plugins, organisation, grants, dialogue, spec, frozen=frozen)
    await _make_module_changes(session, plugins, dialogue, changes)
    return dialogue


async def _make_module_changes(
    session: AsyncSession, plugins: Plugins, dialogue: Dialogue, changes: list[ModuleChange]
) -> None:
    """Makes the module changes of a spec once ``dialogue`` is flushed (their writers
    need its id), then checks that its budget rule still comes with a module on."""
    await session.flush()
    await make_changes(session, dialogue, changes)
    check_choices_live(plugins, dialogue, [c.module for c in changes if c.turns_off])
    await session.flush()


async def _apply(
    session: AsyncSession,
    plugins: Plugins,
    organisation: Organisation,
    grants: Grants,
    dialogue: Dialogue,
    spec: DialogueSpec,
    *,
    frozen: bool,
) -> list[ModuleChange]:
    """Validates every given part of ``spec`` before changing anything on ``dialogue``;
    returns the changes of its modules, to make once ``dialogue`` is flushed."""
    changes: dict[str, Any] = {}
    if spec.title is not msgspec.UNSET:
        title = spec.title.strip()
        if not 1 <= len(title) <= 200:
            raise ValidationFailed("title: 1 to 200 characters")
        changes["title"] = title
    if spec.kind is not msgspec.UNSET:
        changes["kind"] = DialogueKind(spec.kind)
    if spec.description is not msgspec.UNSET:
        changes["description"] = spec.description
    if spec.results_visibility is not msgspec.UNSET:
        changes["results_visibility"] = ResultsVisibility(spec.results_visibility)
    if spec.moderation is not msgspec.UNSET:
        changes["moderation"] = ModerationMode(spec.moderation)
    if spec.vote is not msgspec.UNSET:
        if spec.vote is None:
            vote_type, vote_settings = None, {}
        else:
            kind = plugins.vote_types.get(spec.vote.type)
            if kind is None:
                raise ValidationFailed(
                    f"vote.type: unknown vote type {spec.vote.type!r} "
                    f"(available: {', '.join(plugins.vote_types.ids())})"
                )
            vote_type = kind.id
            vote_settings = kind.encode_settings(kind.decode_settings(spec.vote.settings))
        if frozen and (vote_type, vote_settings) != (dialogue.vote_type, dialogue.vote_settings):
            raise frozen_error("vote")
        changes["vote_type"], changes["vote_settings"] = vote_type, vote_settings
    if spec.budget is not msgspec.UNSET:
        if spec.budget is None:
            changes["budget_amount"], changes["budget_rule"] = None, None
        else:
            if spec.budget.amount <= 0:
                raise ValidationFailed("budget.amount: a positive amount is expected")
            if spec.budget.rule not in plugins.aggregation_rules:
                raise ValidationFailed(
                    f"budget.rule: unknown rule {spec.budget.rule!r} "
                    f"(available: {', '.join(plugins.aggregation_rules.ids())})"
                )
            changes["budget_amount"] = spec.budget.amount
            changes["budget_rule"] = spec.budget.rule
        budget = (changes["budget_amount"], changes["budget_rule"])
        if frozen and budget != (dialogue.budget_amount, dialogue.budget_rule):
            raise frozen_error("budget")
    if spec.form is not msgspec.UNSET:
        changes["form"] = [msgspec.to_builtins(f) for f in _check_form(plugins, spec.form)]
    if spec.themes is not msgspec.UNSET:
        changes["themes"] = [msgspec.to_builtins(o) for o in _check_options("themes", spec.themes)]
    if spec.sectors is not msgspec.UNSET:
        changes["sectors"] = [
            msgspec.to_builtins(o) for o in _check_options("sectors", spec.sectors)
        ]
    module_changes = _module_changes(
        plugins, grants, dialogue, spec, frozen=frozen, pending=changes
    )
    phases = None
    if spec.phases is not msgspec.UNSET:
        phases = await _build_phases(session, organisation, spec.phases)

    for name, value in changes.items():
        setattr(dialogue, name, value)
    if phases is not None:
        if dialogue.id is not None:
            # Remove the old phases first: their kinds are unique per dialogue.
            dialogue.phases.clear()
            await session.flush()
        dialogue.phases.extend(phases)
    return module_changes


class Preview:
    """``dialogue`` as the ``pending`` changes of a body will leave it, read-only: what a
    module's settings are checked against (its sectors, say) before anything changes."""

    def __init__(self, dialogue: Dialogue, pending: Mapping[str, Any]) -> None:
        self._dialogue = dialogue
        self._pending = pending

    def __getattr__(self, name: str) -> Any:
        if name in self._pending:
            return self._pending[name]
        return getattr(self._dialogue, name)


def _module_changes(
    plugins: Plugins,
    grants: Grants,
    dialogue: Dialogue,
    spec: DialogueSpec,
    *,
    frozen: bool,
    pending: Mapping[str, Any],
) -> list[ModuleChange]:
    """The modules that ``spec`` turns on with their settings or off (``null``), each
    checked as ``PUT /api/v1/admin/dialogues/{slug}/modules/{name}`` checks it. The
    ``comments`` and ``questionnaire`` fields are the modules of the same names:
    ``"comments": {"mode": "off"}`` turns the comments off."""
    given: dict[str, tuple[str, dict[str, Any] | None]] = {}
    if spec.modules is not msgspec.UNSET:
        given = {name: (f"modules.{name}", settings) for name, settings in spec.modules.items()}
    named: list[tuple[str, dict[str, Any] | None]] = []
    if spec.comments is not msgspec.UNSET:
        mode = spec.comments.mode
        named.append((COMMENTS.name, None if mode == "off" else {"mode": mode}))
    if spec.questionnaire is not msgspec.UNSET:
        named.append(("questionnaire", spec.questionnaire))
    for name, settings in named:
        if name in given:
            raise ValidationFailed(f"{name}: given twice, here and as modules.{name}")
        given[name] = (name, settings)
    changes = []
    for name, (where, settings) in given.items():
        try:
            change = module_change(
                plugins, grants, dialogue, name, settings, checked_as=Preview(dialogue, pending)
            )
        except DomainError as error:
            raise _named_in_body(error, where) from error
        if frozen and change.changes_vote(dialogue):
            raise frozen_error(where)
        changes.append(change)
    return changes


def _named_in_body(error: DomainError, where: str) -> DomainError:
    """A module's refusal named where the dialogue's body holds its settings
    (``modules.petition.threshold`` for the ``settings.threshold`` of its own route); a
    module the organisation may not use is a refused field here (422)."""
    if error.code == "module.unknown":
        return ValidationFailed(
            f"{where}: {error.detail}",
            code="module.unknown",
            extra={"errors": [{"field": where, "message": error.detail}]},
        )
    found = error.extra.get("errors")
    if not isinstance(error, ValidationFailed) or not isinstance(found, list):
        return error  # a plugin's own refusal, as it wrote it
    errors = [
        {**item, "field": where + str(item.get("field", "")).removeprefix("settings")}
        for item in found
        if isinstance(item, dict)
    ]
    detail = error.detail
    detail = where + detail.removeprefix("settings") if detail.startswith("settings") else detail
    return ValidationFailed(detail, code=error.code, extra={**error.extra, "errors": errors})


def _names_modules(spec: DialogueSpec) -> bool:
    """Whether ``spec`` turns modules on or off (its ``modules``, ``comments`` or
    ``questionnaire``)."""
    return any(
        value is not msgspec.UNSET for value in (spec.modules, spec.comments, spec.questionnaire)
    )


def frozen_error(part: str) -> Conflict:
    return Conflict(
        f"{part} : le vote est ouvert ou a déjà des bulletins ; ce qui décide du vote ne peut "
        "plus changer (corrigez ou retirez plutôt un candidat)",
        code="vote.config_frozen",
    )


def _check_form(plugins: Plugins, form: list[FieldDefinition]) -> list[FieldDefinition]:
    keys: set[str] = set()
    for index, definition in enumerate(form):
        where = f"form[{index}]"
        if not KEY.match(definition.key):
            raise ValidationFailed(f"{where}.key: letters, digits, '_' and '-' only")
        if definition.key in keys:
            raise ValidationFailed(f"{where}.key: {definition.key!r} is used twice")
        keys.add(definition.key)
        field_type = plugins.field_types.get(definition.type)
        if field_type is None:
            raise ValidationFailed(
                f"{where}.type: unknown field type {definition.type!r} "
                f"(available: {', '.join(plugins.field_types.ids())})"
            )
        if field_type.needs_options and not definition.options:
            raise ValidationFailed(f"{where}.options: a {definition.type} field needs options")
        if definition.options:
            _check_options(f"{where}.options", definition.options)
    return form


def _check_options(where: str, options: list[FieldOption]) -> list[FieldOption]:
    seen: set[str] = set()
    for option in options:
        if not KEY.match(option.key):
            raise ValidationFailed(f"{where}: key {option.key!r}: letters, digits, '_' and '-'")
        if option.key in seen:
            raise ValidationFailed(f"{where}: key {option.key!r} is used twice")
        seen.add(option.key)
    return options


async def _build_phases(
    session: AsyncSession, organisation: Organisation, specs: list[PhaseSpec]
) -> list[Phase]:
    kinds = [spec.kind for spec in specs]
    if len(set(kinds)) != len(kinds):
        raise ValidationFailed("phases: each kind of phase may appear once")
    phases = []
    previous_start: datetime | None = None
    for index, spec in enumerate(specs):
        for name in ("starts_at", "ends_at"):
            moment = getattr(spec, name)
            if moment is not None and moment.tzinfo is None:
                raise ValidationFailed(f"phases[{index}].{name}: a time zone is required")
        if spec.starts_at and spec.ends_at and spec.ends_at <= spec.starts_at:
            raise ValidationFailed(f"phases[{index}]: ends_at must come after starts_at")
        if spec.starts_at and previous_start and spec.starts_at < previous_start:
            raise ValidationFailed(f"phases[{index}]: phases must be in chronological order")
        previous_start = spec.starts_at or previous_start
        phases.append(
            Phase(
                position=index,
                kind=PhaseKind(spec.kind),
                title=spec.title or "",
                starts_at=spec.starts_at,
                ends_at=spec.ends_at,
                groups=await groups_by_name(session, organisation, spec.groups),
            )
        )
    return phases


def set_image(dialogue: Dialogue, stored_name: str | None) -> None:
    """Shows the upload ``stored_name`` (:mod:`core.uploads`) as ``dialogue``'s image,
    the banner of its pages and the picture of its card; ``None`` removes it."""
    if stored_name is not None and not uploads.is_stored_name(stored_name):
        raise ValidationFailed("image: not a stored upload")
    dialogue.image_path = stored_name
