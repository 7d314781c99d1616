"""Every hook of Participe, in one place.

A plugin is a module or an object with functions marked ``@hookimpl`` whose names are the
hooks below. Built-in modules (vote types, field types, blocks) are plugins like any other;
third-party packages register through the ``participe`` entry-point group. The core calls
these hooks only through the typed facade :class:`core.plugin_manager.Plugins`.

Unless said otherwise, every implementation is called and the results are collected in a
list (last registered plugin first, ``tryfirst``/``trylast`` aside); ``firstresult`` hooks
stop at the first implementation that returns something other than ``None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.aggregation import AggregationRule
    from core.ballot_sources import BallotSource
    from core.blocks import BlockType
    from core.events import EventHandler
    from core.export_datasets import ExportDataset
    from core.exports import ExportFormat
    from core.fields import FieldType
    from core.models import Ballot, Comment, Dialogue, Phase, Proposal, User
    from core.modules import Module, ModuleWriter
    from core.personal_data import PersonalDataSource
    from core.registries import Registry
    from core.result_sections import ResultSection
    from core.vote_types import VoteType

PROJECT_NAME = "participe"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------
# Registration: plugins hand the core named things
# ---------------------------------------------------------------------------


@hookspec
def register_vote_types(registry: Registry[VoteType[Any]]) -> None:
    """Add vote types to ``registry`` with ``registry.add(MyVoteType())``.

    Called once, when the plugin manager is built. A vote type's ``id`` is what a
    dialogue's ``vote.type`` stores; two plugins adding the same id stop start-up.
    Returns nothing.
    """


@hookspec
def register_aggregation_rules(registry: Registry[AggregationRule]) -> None:
    """Add participatory-budget winner rules (``greedy``, ``equal_shares``, ...) to
    ``registry``.

    Called once, when the plugin manager is built. A rule's ``id`` is what a budget
    dialogue's ``budget.rule`` stores. Returns nothing.
    """


@hookspec
def register_block_types(registry: Registry[BlockType]) -> None:
    """Add home-page block kinds (text, news, map, ...) to ``registry``.

    Called once, when the plugin manager is built. A block's ``kind`` stores the id.
    Returns nothing.
    """


@hookspec
def register_field_types(registry: Registry[FieldType]) -> None:
    """Add proposal form field types (text, number, choice, postal code, ...) to
    ``registry``.

    Called once, when the plugin manager is built. A form field's ``type`` stores the id,
    and the field type validates the values citizens submit. Returns nothing.
    """


@hookspec
def register_export_formats(registry: Registry[ExportFormat]) -> None:
    """Add export file formats (``csv``, ``xlsx``, ...) to ``registry``.

    Called once, when the plugin manager is built. Returns nothing.
    """


@hookspec
def register_export_datasets(registry: Registry[ExportDataset]) -> None:
    """Add what the back office can export (``proposals``, ``responses``, ...) to
    ``registry``, as :class:`core.export_datasets.ExportDataset` objects.

    Called once, when the plugin manager is built. A dataset's ``id`` is the ``what`` of
    ``GET /api/v1/admin/dialogues/{slug}/export?what=ID&format=csv``, which answers 422
    when no dataset has that id and 404 when the dataset's ``applies_to(dialogue)`` is
    false. The dataset gives the column titles and an async iterator of rows, which the
    export streams through the chosen export format; for a format of lines (CSV), a
    dataset of millions of rows may give its lines already written instead
    (``ExportDataset.lines_in``). Returns nothing.
    """


@hookspec
def register_result_sections(registry: Registry[ResultSection]) -> None:
    """Add parts of a dialogue's results (a questionnaire's questions, ...) to
    ``registry``, as :class:`core.result_sections.ResultSection` objects.

    Called once, when the plugin manager is built. When the results of a dialogue are
    read, every section whose ``applies_to(dialogue)`` is true computes a dict that is
    merged into the results body (see :func:`core.result_sections.compute_sections`);
    two sections giving the same key is an error. Returns nothing.
    """


@hookspec
def register_ballot_sources(registry: Registry[BallotSource]) -> None:
    """Add sources of counted ballots kept outside the ``ballots`` table (the paper
    ballots of polling stations, ...) to ``registry``, as
    :class:`core.ballot_sources.BallotSource` objects.

    Called once, when the plugin manager is built. Whenever a dialogue is counted (its
    results, its "what if" report, ``participe recount``), every source whose
    ``applies_to(dialogue)`` is true gives its ballots, which are counted with the
    online ones by the dialogue's vote type; the recount reads them from the source's
    own log, each source's ``version`` is part of the results cache key, and the
    dialogue's vote configuration is frozen once a source holds a counted ballot. A
    source gives only ballots that the vote type has judged valid (its ``judge``), as
    the ballot engine does online. Returns nothing.
    """


@hookspec
def register_personal_data(registry: Registry[PersonalDataSource]) -> None:
    """Add the personal data a plugin keeps about citizens to ``registry``, as
    :class:`core.personal_data.PersonalDataSource` objects (RGPD).

    Called once, when the plugin manager is built. When a citizen downloads their data
    (``GET /api/v1/me/data``), each source's ``export(session, user, context)`` gives the
    part of the file under the source's ``id``; an id the file already uses (``account``,
    ``format``, ...) stops start-up. When an account is deleted (by its owner, by staff or
    by the retention purge), each source's ``erase(session, user, context)`` runs in the
    deletion's transaction, in registration order, before the account itself is
    anonymised; a source that raises makes the whole deletion fail. Returns nothing.
    """


@hookspec
def register_modules(registry: Registry[Module]) -> None:
    """Declare the plugin's modules: features that exist only where the platform
    operator lets an organisation use them and its administrators turn them on, as
    :class:`core.modules.Module` objects.

    Called once, when the plugin manager is built. A plugin that declares modules has its
    event hooks and ``permission_allowed`` called, and its result sections, ballot
    sources and export datasets used, only for the dialogues where one of its modules is
    on; its routes check it themselves (``web.modules.require_module``). A plugin that
    declares none is a feature of the whole platform. Two plugins declaring the same name
    stop start-up. Returns nothing.
    """


@hookspec
def register_event_handlers(registry: Registry[EventHandler]) -> None:
    """Register :class:`core.events.EventHandler` objects: work done in the database after
    an event (a proposal submitted, a status changed, a vote, a phase opened...).

    Unlike the event hooks below, a handler is reliable: its job is stored with the change
    that caused the event, and it runs after the commit, in a transaction of its own with
    the session, the organisation, the dialogue, the settings, the mailer and the plugins
    (:class:`core.events.EventContext`), again after a failure. Called once, when the
    plugin manager is built. Returns nothing.
    """


# ---------------------------------------------------------------------------
# Web and storage: pages, templates, assets, tables
# ---------------------------------------------------------------------------


@hookspec
def register_routes() -> Sequence[Any]:
    """Return Litestar route handlers, controllers or routers to mount on the app.

    Called once by ``create_app``. Paths are absolute (``/api/v1/...``, ``/admin/...``);
    handlers receive the same dependencies as the core's (``db_session``, ``org``,
    ``actor``, ``plugins``). Results of every plugin are mounted.
    """


@hookspec
def template_dirs() -> Sequence[str | Path]:
    """Return folders of Jinja2 templates.

    Called once by ``create_app``. Templates found there take precedence over the core's,
    and an overriding template can extend the one it replaces as ``default:NAME``. Between
    plugins, the one registered last wins (third-party plugins after built-ins).
    """


@hookspec
def static_dirs() -> Sequence[tuple[str, str | Path]]:
    """Return ``(name, folder)`` pairs served under ``/static/plugins/{name}/``.

    Called once by ``create_app``.
    """


@hookspec
def migration_locations() -> Sequence[str]:
    """Return Alembic version locations (``"package.module:folder"`` or paths) that hold
    this plugin's own migrations.

    Called by ``participe db upgrade``. A plugin's migrations form their own branch
    (``branch_labels``) that depends on the core's first revision; every head is upgraded.
    """


# ---------------------------------------------------------------------------
# Dialogue modules: settings that a plugin validates and stores itself
# ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def prepare_module_settings(
    dialogue: Dialogue, module: str, settings: dict[str, Any]
) -> ModuleWriter | None:
    """Validate the settings of one module of ``dialogue`` and say how to store them.

    Called by ``create_dialogue`` and ``update_dialogue`` for each module part of the
    organiser's request (``module`` is its name, such as ``"questionnaire"``, and
    ``settings`` the JSON object sent), while the request is validated and before the
    dialogue itself is changed: on creation ``dialogue`` has its organisation and slug
    but no id yet.

    The plugin that owns ``module`` checks ``settings`` at once (raise
    :class:`core.errors.ValidationFailed` to refuse them: nothing has been changed yet)
    and returns an async callable ``writer(session)``. Plugins that do not own ``module``
    return ``None``. Hooks are synchronous and storing needs the database, so the work is
    handed back: the service awaits each writer after the dialogue's own changes are
    flushed (``dialogue.id`` is then set), in the same transaction, in the order of the
    request's modules. A writer may refuse too (raise a :class:`core.errors.DomainError`
    such as a ``Conflict``): the request then fails and nothing is committed.

    First result wins, so a plugin can take a module over with ``tryfirst=True``. When no
    plugin claims a module (its plugin is blocked, say), saving is refused with 422.
    """


# ---------------------------------------------------------------------------
# Permissions
# ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def permission_allowed(
    actor: User | None, action: str, resource: Any, context: dict[str, Any]
) -> bool | None:
    """Decide whether ``actor`` (``None`` when anonymous) may do ``action`` (``"vote"``,
    ``"propose"``, ``"comment"``, ``"review"``, ...) on ``resource`` (a dialogue or a
    proposal).

    Called after the core's own checks (sign-in, role, phase, groups) have allowed the
    action; ``context`` carries what the core already knows (``{"dialogue": ...}``).
    Return ``False`` to refuse, ``True`` to allow without asking later plugins, ``None``
    to have no opinion. First result wins.
    """


# ---------------------------------------------------------------------------
# Events: called after the change is committed; return values are ignored
# ---------------------------------------------------------------------------
#
# In-process notifications that cannot touch the database (the objects are detached, and
# the transaction is over): for work in the database or an email, register an event
# handler (``register_event_handlers``), which runs reliably with a context.


@hookspec
def proposal_submitted(proposal: Proposal, dialogue: Dialogue) -> None:
    """A proposal was published (created published, or a draft published)."""


@hookspec
def proposal_status_changed(proposal: Proposal, dialogue: Dialogue, previous: str) -> None:
    """Staff changed a proposal's ``status``; ``previous`` is the old status value."""


@hookspec
def ballot_changed(ballot: Ballot, dialogue: Dialogue, action: str) -> None:
    """A ballot's votes or standing changed, after the change was committed.

    ``action`` is what the citizen asked for when it changed the votes (``cast``,
    ``change``, ``withdraw``, ``replace``), ``void`` when staff voided the ballot, or
    ``unconfirm`` when the ballot stopped counting (a withdrawal took it below the
    minimum, or emptied it); ``unconfirm`` follows the call for the change that caused it.
    ``ballot`` holds the new status. Not called for a refused change, nor for one that
    changed nothing.
    """


@hookspec
def ballot_confirmed(ballot: Ballot, dialogue: Dialogue) -> None:
    """A ballot started counting, after the change was committed: the citizen confirmed
    it, or, when the vote type asks for no minimum, it received its first vote (then
    after the ``ballot_changed`` call of that vote)."""


@hookspec
def phase_opened(phase: Phase, dialogue: Dialogue) -> None:
    """A phase became the current one (by its start date or switched by hand)."""


@hookspec
def phase_closed(phase: Phase, dialogue: Dialogue) -> None:
    """A phase ended (by its end date or because another phase was switched to)."""


@hookspec
def comment_posted(comment: Comment, proposal: Proposal, dialogue: Dialogue) -> None:
    """A comment was posted on ``proposal``, of ``dialogue``."""
