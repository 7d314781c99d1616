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

from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from core.admin_tabs import AdminTab
    from core.aggregation import AggregationRule
    from core.ballot_sources import BallotSource
    from core.blocks import BlockType
    from core.commands import Command
    from core.events import EventHandler
    from core.export_datasets import ExportDataset
    from core.exports import ExportFormat
    from core.fields import FieldType
    from core.lifespan import LifespanContext
    from core.models import Ballot, Comment, Dialogue, Phase, Proposal, User
    from core.modules import Module, ModuleWriter
    from core.notification_kinds import NotificationKind
    from core.personal_data import PersonalDataSource
    from core.registries import Registry
    from core.result_sections import ResultSection
    from core.sms import SmsGateway
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
    on; its routes answer 404 to an organisation that may use none of them, and where
    none is on for the dialogue their path names (``web.modules``). A plugin that
    declares none is a feature of the whole platform. Two plugins declaring the same name
    stop start-up. Returns nothing.
    """


@hookspec
def register_notification_kinds(registry: Registry[NotificationKind]) -> None:
    """Add kinds of news, as :class:`core.notification_kinds.NotificationKind` objects:
    what citizens or staff may be told, each choosing per kind how often (at once, in a
    daily or weekly digest, or never) at ``/me/notifications``.

    Called once, when the plugin manager is built. Create the news with
    ``core.services.notifications`` (``notify``, ``notify_proposal_followers``...),
    usually from an event handler; their email is composed from the mail templates
    ``notification_<kind>`` the plugin ships (``mail_template_dirs``), from the generic
    ``notification`` template otherwise. Two kinds with the same name stop start-up.
    Returns nothing.
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


@hookspec
def register_sms_gateways(registry: Registry[SmsGateway]) -> None:
    """Add ways of sending text messages (verification codes), as
    :class:`core.sms.SmsGateway` objects, to ``registry``.

    Called once, when the plugin manager is built. The gateway that sends is the one
    ``PARTICIPE_SMS_GATEWAY`` names; without it, the only one registered besides the
    core's ``outbox`` (which writes messages to the outbox, for tests and demonstrations),
    else ``outbox``; a name nobody registered, or several gateways and no name, stops
    start-up. Its ``send(session, organisation, phone, text)`` runs in the request's
    transaction. Returns nothing.
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
# Back office, pages, mails and languages: what a feature adds to the core's own
# ---------------------------------------------------------------------------


@hookspec
def register_admin_tabs(registry: Registry[AdminTab]) -> None:
    """Add tabs to a dialogue's back office and entries to the organisation's
    administration menu, as :class:`core.admin_tabs.AdminTab` objects.

    Called once, when the plugin manager is built. A dialogue tab
    (``AdminTab("petition", "Pétition", "/petition")``) shows after the core's tabs and
    leads to ``/admin/dialogues/{slug}/petition``; a menu entry
    (``place=AdminTabPlace.ORGANISATION``, ``path="/admin/petitions"``) shows after the
    core's entries. The label is a French message id, translated with the plugin's
    catalogue (``translation_dirs``). A plugin that declares modules shows its tabs only
    on the dialogues where one of them is on, and its menu entries only to the
    organisations that may use one of them. Two tabs with the same id, or a dialogue tab
    under one of the core's (``/vote/...``), stop start-up. The pages themselves are the
    plugin's routes (``register_routes``). Returns nothing.
    """


@hookspec
def template_context(template_name: str, context: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Return variables to add to the context of a page about to be rendered.

    Called for every page the core or a plugin renders (``web.templating.render``), with
    the template's name and the page's context as it stands (read only: ``request``,
    ``org``, ``actor``, ``lang``, ...; the dialogue is ``dialogue`` on its back-office
    pages and ``frame["dialogue"]`` on its public ones). On a page of a dialogue, not
    called for a plugin whose modules are all off there. The variables are
    added to the context; a name the page already sets keeps the page's value, and
    between plugins the one registered last wins. Keep it cheap: it runs on every page.
    Return ``None`` to add nothing. A variable named ``dialogue_tab_NAME`` holding
    ``{"href", "label", "current"}`` adds a tab to the dialogue's public pages, after the
    core's (``label`` a message id of the plugin's catalogue), as the ``projects``
    module's « Suivi des projets » once the results are out.
    """


@hookspec
def error_messages() -> Mapping[str, Mapping[str, str]]:
    """Return the messages pages show for the plugin's own refusal codes:
    ``{"petition.closed": {"fr": "La pétition est close.", "en": "The petition is
    closed."}}``.

    Called once, when the plugin manager is built. When a
    :class:`core.errors.DomainError` with one of these codes reaches a page (a form's
    refusal, a vote refused by a vote type, an error page), the reader sees the message
    in their language (French when there is none in theirs); the API keeps answering
    the stable code and the error's own ``detail``. Each code needs a French message; a
    code that two plugins give, or that the core already uses, stops start-up.
    """


@hookspec
def mail_template_dirs() -> Sequence[str | Path]:
    """Return folders of mail templates for the core's mailer.

    Called once by ``create_app`` (and by a command's ``context.mailer``). A kind ``K``
    is ``K.fr.txt`` and ``K.fr.html`` (``K.en.*`` for English), the text template
    setting ``{% set subject = "..." %}``; an HTML template extends ``layout.html`` to
    carry the organisation's name as the core's mails do. Queue one with
    ``await mailer.queue(session, "K", recipient=..., language=...,
    organisation=org, **variables)``. Folders found here are searched before the core's
    (a plugin may replace a core mail), the plugin registered last first.
    """


@hookspec
def translation_dirs() -> Sequence[str | Path]:
    """Return folders of translation catalogues: ``FOLDER/en/LC_MESSAGES/messages.po``.

    Called once by ``create_app``. Message ids are the French texts, as the core's are;
    a plugin's templates translate them with ``_("...")`` and its tabs' labels are
    translated with them. The core's catalogue answers first: a plugin adds
    translations, it does not change the core's. Between plugins, the one registered
    last answers first.
    """


# ---------------------------------------------------------------------------
# Command line, start-up and shutdown
# ---------------------------------------------------------------------------


@hookspec
def register_commands(registry: Registry[Command]) -> None:
    """Add subcommands to ``participe``, as :class:`core.commands.Command` objects.

    Called once when ``participe`` starts. ``Command(name, help, configure, run)``:
    ``configure(parser)`` adds the arguments to the command's :mod:`argparse` parser, and
    ``run(args, context)`` runs it, with a :class:`core.commands.CommandContext` that
    gives the settings, the plugins, the mailer and ``context.run(work)`` (awaits
    ``work(session)`` in a committed transaction on the configured database). A name
    that the core or another plugin uses stops ``participe``. Returns nothing.
    """


@hookspec
def startup(context: LifespanContext) -> Awaitable[None] | None:
    """The web app starts: prepare what the plugin needs while it serves (a client, a
    cache, a background task).

    Called once per app (once per worker process), before the first request, with a
    :class:`core.lifespan.LifespanContext` (its settings, database and plugins). Write it
    as ``async def``; a plain function works too. Plugins start in registration order
    (the core's and the built-ins first); one that raises stops the app from starting.
    """


@hookspec
def shutdown(context: LifespanContext) -> Awaitable[None] | None:
    """The web app stops: release what ``startup`` took.

    Called once per app, after the last request and before the database's connections
    are closed, with the same context as ``startup``, in the reverse order of
    ``startup``. A plugin that raises is logged and the others still stop.
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
    plugin claims a module (its plugin is blocked, say), it is an unknown module: saving is
    refused with ``module.unknown`` (422 in a dialogue's body, 404 on the module's route).
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
