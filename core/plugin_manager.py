"""The plugin manager factory and the typed facade the rest of the code calls.

One plugin manager per app, built by :func:`make_plugin_manager`: no global state. It
registers the core's defaults, then the app's built-in plugins by module name, then the
third-party plugins of the ``participe`` entry-point group, skipping blocked names, and
checks that every hook implementation matches a hook (``check_pending``).
"""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import msgspec
import pluggy

from core import hookspecs
from core.admin_tabs import AdminTab, AdminTabPlace
from core.errors import ConfigurationError
from core.languages import DEFAULT_LANGUAGE, LANGUAGES
from core.personal_data import check_source_ids
from core.registries import Registry

if TYPE_CHECKING:
    from core.aggregation import AggregationRule
    from core.ballot_sources import BallotSource
    from core.blocks import BlockType
    from core.commands import Command
    from core.events import EventHandler
    from core.export_datasets import ExportDataset
    from core.exports import ExportFormat
    from core.fields import FieldType
    from core.lifespan import LifespanContext
    from core.models import Ballot, Comment, Dialogue, Organisation, Phase, Proposal, User
    from core.modules import Module, ModuleWriter
    from core.notification_kinds import NotificationKind
    from core.personal_data import PersonalDataSource
    from core.result_sections import ResultSection
    from core.sms import SmsGateway
    from core.vote_types import VoteType

ENTRY_POINT_GROUP = "participe"

log = logging.getLogger("participe.plugins")

#: The core's own plugins, always registered first.
CORE_PLUGINS: tuple[tuple[str, str], ...] = (
    ("field_types", "core.defaults.field_types"),
    ("block_types", "core.defaults.block_types"),
    ("csv_export", "core.defaults.csv_export"),
    ("xlsx_export", "core.defaults.xlsx_export"),
    ("export_datasets", "core.defaults.export_datasets"),
    ("personal_data", "core.defaults.personal_data"),
    ("agenda", "core.defaults.agenda"),
    ("map", "core.defaults.map"),
    ("features", "core.defaults.features"),
    ("comments", "core.defaults.comments"),
    ("notifications", "core.defaults.notifications"),
    ("verification", "core.defaults.verification"),
    ("envelopes", "core.defaults.envelopes"),
)


@dataclass(frozen=True)
class PluginInfo:
    """What ``participe plugins list`` shows of one plugin."""

    name: str
    version: str
    origin: str
    enabled: bool


def check_settings_type(kind: str, item_id: str, settings_type: type | None) -> None:
    """Raises ``ValueError`` at start-up for a settings Struct that msgspec cannot use (a
    bound on ``int | None``, say), which would otherwise fail each request that reads the
    settings with a server error."""
    if settings_type is None:
        return
    try:
        msgspec.json.schema(settings_type)
        msgspec.convert({}, type=settings_type)
    except msgspec.ValidationError:
        pass  # a field without a default: the settings then have to give it
    except (TypeError, ValueError) as error:
        raise ValueError(f"{kind} {item_id!r}: its settings type is not usable: {error}") from None


def _distribution_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


class Plugins:
    """Typed facade over a plugin manager: registries built once, hooks as methods."""

    def __init__(self, pm: pluggy.PluginManager, infos: Sequence[PluginInfo]) -> None:
        self.pm = pm
        self.infos = tuple(infos)
        self.vote_types: Registry[VoteType[Any]] = self._collect(
            "vote type", pm.hook.register_vote_types
        )
        self.aggregation_rules: Registry[AggregationRule] = self._collect(
            "aggregation rule", pm.hook.register_aggregation_rules
        )
        self.block_types: Registry[BlockType] = self._collect(
            "block type", pm.hook.register_block_types
        )
        self.field_types: Registry[FieldType] = self._collect(
            "field type", pm.hook.register_field_types
        )
        self.export_formats: Registry[ExportFormat] = self._collect(
            "export format", pm.hook.register_export_formats
        )
        self.export_datasets: Registry[ExportDataset] = self._collect(
            "export dataset", pm.hook.register_export_datasets
        )
        self.result_sections: Registry[ResultSection] = self._collect(
            "result section", pm.hook.register_result_sections
        )
        self.ballot_sources: Registry[BallotSource] = self._collect(
            "ballot source", pm.hook.register_ballot_sources
        )
        self.personal_data: Registry[PersonalDataSource] = self._collect(
            "personal data source", pm.hook.register_personal_data
        )
        check_source_ids(self.personal_data)
        self.modules: Registry[Module] = self._collect("module", pm.hook.register_modules)
        self.event_handlers: Registry[EventHandler] = self._collect(
            "event handler", pm.hook.register_event_handlers
        )
        for kind, registry in (
            ("vote type", self.vote_types),
            ("block type", self.block_types),
            ("module", self.modules),
        ):
            for item in registry:
                check_settings_type(kind, item.id, getattr(item, "settings_type", None))
        #: The modules of each plugin that declares some, by plugin name.
        self.plugin_modules: dict[str, tuple[Module, ...]] = {}
        for module in self.modules:
            owner = self.modules.origin(module.name)
            self.plugin_modules[owner] = (*self.plugin_modules.get(owner, ()), module)
        self.admin_tabs: Registry[AdminTab] = self._collect(
            "admin tab", pm.hook.register_admin_tabs
        )
        self.commands: Registry[Command] = self._collect("command", pm.hook.register_commands)
        self.notification_kinds: Registry[NotificationKind] = self._collect(
            "notification kind", pm.hook.register_notification_kinds
        )
        self.sms_gateways: Registry[SmsGateway] = self._collect(
            "SMS gateway", pm.hook.register_sms_gateways
        )
        self._error_messages = _collect_error_messages(pm.hook.error_messages)

    @staticmethod
    def _collect(kind: str, hook: Any) -> Registry[Any]:
        registry: Registry[Any] = Registry(kind)
        # Call implementations one by one, in registration order, so that the first
        # registrant of an id is the one a duplicate error names.
        for impl in hook.get_hookimpls():
            if impl.hookwrapper or impl.wrapper:
                continue
            registry.registering = impl.plugin_name
            impl.function(**{name: registry for name in impl.argnames})
        registry.registering = ""
        return registry

    # -- modules -----------------------------------------------------------

    def live_on(self, plugin_name: str, dialogue: Dialogue) -> bool:
        """Whether the plugin ``plugin_name`` takes part in ``dialogue``: it declares no
        module (a feature of the whole platform), or one of its modules is on there."""
        modules = self.plugin_modules.get(plugin_name)
        return modules is None or any(module.enabled_on(dialogue) for module in modules)

    def _hook_for(self, name: str, dialogue: Dialogue | None) -> Any:
        """The hook ``name``, without the plugins whose modules are all off on
        ``dialogue``."""
        hook = getattr(self.pm.hook, name)
        if dialogue is None:
            return hook
        off = [
            impl.plugin
            for impl in hook.get_hookimpls()
            if not self.live_on(impl.plugin_name, dialogue)
        ]
        return self.pm.subset_hook_caller(name, remove_plugins=off) if off else hook

    def granted_to(self, plugin_name: str, organisation: Organisation) -> bool:
        """Whether ``organisation`` may use the plugin ``plugin_name``: it declares no
        module, or the operator lets the organisation use one of its modules."""
        modules = self.plugin_modules.get(plugin_name)
        return modules is None or any(module.granted_to(organisation) for module in modules)

    def _live_items(self, registry: Registry[Any], dialogue: Dialogue) -> list[Any]:
        return [item for item in registry if self.live_on(registry.origin(item.id), dialogue)]

    # -- web and storage ---------------------------------------------------

    def routes_by_plugin(self) -> list[tuple[str, list[Any]]]:
        """Each plugin's routes, with the plugin's name (its modules guard them)."""
        found: list[tuple[str, list[Any]]] = []
        # In the order of a hook call: the plugin registered last first.
        for impl in reversed(self.pm.hook.register_routes.get_hookimpls()):
            handlers: Sequence[Any] = impl.function()  # type: ignore[assignment]
            found.append((impl.plugin_name, list(handlers)))
        return found

    def template_dirs(self) -> list[Path]:
        """Plugin template folders, the one that wins first."""
        return [Path(folder) for result in self.pm.hook.template_dirs() for folder in result]

    def static_dirs(self) -> list[tuple[str, Path]]:
        return [
            (name, Path(folder)) for result in self.pm.hook.static_dirs() for name, folder in result
        ]

    def migration_locations(self) -> list[str]:
        return [location for result in self.pm.hook.migration_locations() for location in result]

    # -- back office, pages, mails and languages ---------------------------

    def dialogue_tabs(self, dialogue: Dialogue) -> list[AdminTab]:
        """The plugins' tabs of ``dialogue``'s back office, in registration order, without
        those of plugins whose modules are all off there."""
        return [
            tab
            for tab in self._live_items(self.admin_tabs, dialogue)
            if tab.place is AdminTabPlace.DIALOGUE
        ]

    def admin_menu(self, organisation: Organisation | None) -> list[AdminTab]:
        """The plugins' entries of ``organisation``'s administration menu, without those of
        plugins whose modules the organisation may not use."""
        return [
            tab
            for tab in self.admin_tabs
            if tab.place is AdminTabPlace.ORGANISATION
            and (
                organisation is None
                or self.granted_to(self.admin_tabs.origin(tab.id), organisation)
            )
        ]

    def template_context(
        self, template_name: str, context: Mapping[str, Any], dialogue: Dialogue | None
    ) -> dict[str, Any]:
        """The variables plugins add to a page (the plugin registered last wins), without
        the plugins whose modules are all off on the page's ``dialogue``."""
        if not self.pm.hook.template_context.get_hookimpls():
            return {}
        results = self._hook_for("template_context", dialogue)(
            template_name=template_name, context=context
        )
        extra: dict[str, Any] = {}
        for result in reversed(results):  # pluggy calls the last registered first
            if result:
                extra.update(result)
        return extra

    def error_messages(self) -> dict[str, dict[str, str]]:
        """The plugins' messages for their refusal codes: ``{code: {language: text}}``,
        every code with a French text; checked once, when the plugins were loaded."""
        return {code: dict(texts) for code, texts in self._error_messages.items()}

    def mail_template_dirs(self) -> list[Path]:
        """Plugin mail template folders, the one that wins first."""
        return [Path(folder) for result in self.pm.hook.mail_template_dirs() for folder in result]

    def translation_dirs(self) -> list[Path]:
        """Plugin translation folders, the one that answers first."""
        return [Path(folder) for result in self.pm.hook.translation_dirs() for folder in result]

    # -- start-up and shutdown ---------------------------------------------

    async def startup(self, context: LifespanContext) -> None:
        """Runs every ``startup`` implementation, in registration order."""
        for impl in self.pm.hook.startup.get_hookimpls():
            if impl.hookwrapper or impl.wrapper:
                continue
            result = impl.function(**{name: context for name in impl.argnames})
            if inspect.isawaitable(result):
                await result

    async def shutdown(self, context: LifespanContext) -> None:
        """Runs every ``shutdown`` implementation, in the reverse order of ``startup``;
        one that fails is logged and the others still run."""
        for impl in reversed(self.pm.hook.shutdown.get_hookimpls()):
            if impl.hookwrapper or impl.wrapper:
                continue
            try:
                result = impl.function(**{name: context for name in impl.argnames})
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("plugin %r failed to shut down", impl.plugin_name)

    # -- dialogue modules, results and exports -----------------------------

    def prepare_module_settings(
        self, dialogue: Dialogue, module: str, settings: dict[str, Any]
    ) -> ModuleWriter | None:
        """The writer of the plugin that owns ``module``, which validated ``settings``;
        ``None`` when no plugin claims the module."""
        writer: ModuleWriter | None = self.pm.hook.prepare_module_settings(
            dialogue=dialogue, module=module, settings=settings
        )
        return writer

    def aggregation_rules_for(self, dialogue: Dialogue) -> list[AggregationRule]:
        """The aggregation rules ``dialogue`` may use, in registration order: those of
        plugins that declare no module, or whose module is on for it."""
        rules: list[AggregationRule] = self._live_items(self.aggregation_rules, dialogue)
        return rules

    def aggregation_rule_for(self, dialogue: Dialogue) -> AggregationRule | None:
        """``dialogue``'s budget rule, when it is registered and may be used there."""
        chosen = dialogue.budget_rule
        return next((r for r in self.aggregation_rules_for(dialogue) if r.id == chosen), None)

    def result_sections_for(self, dialogue: Dialogue) -> list[ResultSection]:
        """The result sections that apply to ``dialogue``, in registration order."""
        return [
            section
            for section in self._live_items(self.result_sections, dialogue)
            if section.applies_to(dialogue)
        ]

    def ballot_sources_for(self, dialogue: Dialogue) -> list[BallotSource]:
        """The ballot sources that apply to ``dialogue``, in registration order."""
        return [
            source
            for source in self._live_items(self.ballot_sources, dialogue)
            if source.applies_to(dialogue)
        ]

    def export_dataset_for(self, dataset_id: str, dialogue: Dialogue) -> ExportDataset | None:
        """The export dataset ``dataset_id`` if it applies to ``dialogue``."""
        dataset = self.export_datasets.get(dataset_id)
        if dataset is None or not self.live_on(self.export_datasets.origin(dataset_id), dialogue):
            return None
        return dataset if dataset.applies_to(dialogue) else None

    # -- permissions -------------------------------------------------------

    @property
    def has_permission_rules(self) -> bool:
        """Whether a plugin implements ``permission_allowed``; without one, every answer
        is ``None`` and a caller may skip asking about each resource."""
        return bool(self.pm.hook.permission_allowed.get_hookimpls())

    def permission_allowed(
        self, actor: User | None, action: str, resource: Any, context: dict[str, Any]
    ) -> bool | None:
        hook = self._hook_for("permission_allowed", context.get("dialogue"))
        result: bool | None = hook(actor=actor, action=action, resource=resource, context=context)
        return result

    # -- events ------------------------------------------------------------

    def event_handlers_for(self, event: str, dialogue: Dialogue) -> list[EventHandler]:
        """The handlers of ``event`` that take part in ``dialogue``, in registration
        order (``core.events``)."""
        return [
            handler
            for handler in self.event_handlers
            if handler.event == event
            and self.live_on(self.event_handlers.origin(handler.id), dialogue)
        ]

    def proposal_submitted(self, proposal: Proposal, dialogue: Dialogue) -> None:
        self._hook_for("proposal_submitted", dialogue)(proposal=proposal, dialogue=dialogue)

    def proposal_status_changed(
        self, proposal: Proposal, dialogue: Dialogue, previous: str
    ) -> None:
        self._hook_for("proposal_status_changed", dialogue)(
            proposal=proposal, dialogue=dialogue, previous=previous
        )

    def ballot_changed(self, ballot: Ballot, dialogue: Dialogue, action: str) -> None:
        self._hook_for("ballot_changed", dialogue)(ballot=ballot, dialogue=dialogue, action=action)

    def ballot_confirmed(self, ballot: Ballot, dialogue: Dialogue) -> None:
        self._hook_for("ballot_confirmed", dialogue)(ballot=ballot, dialogue=dialogue)

    def phase_opened(self, phase: Phase, dialogue: Dialogue) -> None:
        self._hook_for("phase_opened", dialogue)(phase=phase, dialogue=dialogue)

    def phase_closed(self, phase: Phase, dialogue: Dialogue) -> None:
        self._hook_for("phase_closed", dialogue)(phase=phase, dialogue=dialogue)

    def comment_posted(self, comment: Comment, proposal: Proposal, dialogue: Dialogue) -> None:
        self._hook_for("comment_posted", dialogue)(
            comment=comment, proposal=proposal, dialogue=dialogue
        )


def _collect_error_messages(hook: Any) -> dict[str, dict[str, str]]:
    """Every plugin's refusal messages, checked: a French text for each code, texts only
    in the languages Participe speaks, no code given twice."""
    messages: dict[str, dict[str, str]] = {}
    origins: dict[str, str] = {}
    for impl in hook.get_hookimpls():
        if impl.hookwrapper or impl.wrapper:
            continue
        given = impl.function()
        if not isinstance(given, Mapping):
            raise ValueError(f"plugin {impl.plugin_name!r}: error_messages must return a dict")
        for code, texts in given.items():
            where = f"plugin {impl.plugin_name!r}, error code {code!r}"
            if not isinstance(code, str) or not code:
                raise ValueError(f"{where}: a code is a non-empty string")
            if code in origins:
                raise ValueError(f"{where}: already given by plugin {origins[code]!r}")
            if not isinstance(texts, Mapping) or not isinstance(texts.get(DEFAULT_LANGUAGE), str):
                raise ValueError(f"{where}: give at least {{{DEFAULT_LANGUAGE!r}: '...'}}")
            unknown = sorted(set(texts) - set(LANGUAGES))
            if unknown or not all(isinstance(text, str) and text for text in texts.values()):
                raise ValueError(
                    f"{where}: texts in {', '.join(LANGUAGES)} only, each a non-empty string"
                )
            messages[code] = dict(texts)
            origins[code] = impl.plugin_name
    return messages


def _import(name: str, module_name: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigurationError(f"plugin {name!r}: cannot import {module_name}: {error}") from None


def make_plugin_manager(
    *,
    builtin_plugins: Sequence[tuple[str, str]] = (),
    disabled: Sequence[str] = (),
    load_entry_points: bool = True,
    extra_plugins: Sequence[tuple[str, object]] = (),
) -> Plugins:
    """Builds the plugin manager of one app and returns its typed facade.

    Args:
        builtin_plugins: ``(name, module)`` pairs of the app's built-in plugins.
        disabled: names of plugins not to load; an unknown name is a configuration error
            (a typo must not leave a plugin silently enabled).
        load_entry_points: load third-party plugins of the ``participe`` group.
        extra_plugins: ``(name, plugin object)`` pairs registered last (tests, embedding).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    blocked = set(disabled)
    known: set[str] = set()
    infos: list[PluginInfo] = []
    own_version = _distribution_version("participe")

    for name, module_name in (*CORE_PLUGINS, *builtin_plugins):
        known.add(name)
        enabled = name not in blocked
        infos.append(PluginInfo(name, own_version, f"built-in ({module_name})", enabled))
        if enabled:
            pm.register(_import(name, module_name), name=name)

    if load_entry_points:
        for entry_point in sorted(
            metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name
        ):
            name = entry_point.name
            if name in known:
                raise ConfigurationError(f"plugin name {name!r} is used twice")
            known.add(name)
            dist = entry_point.dist
            version = dist.version if dist is not None else "unknown"
            origin = f"{dist.name if dist is not None else '?'} ({entry_point.value})"
            enabled = name not in blocked
            infos.append(PluginInfo(name, version, origin, enabled))
            if enabled:
                try:
                    plugin = entry_point.load()
                except Exception as error:  # a broken third-party package: say which
                    raise ConfigurationError(
                        f"plugin {name!r} from {origin} failed to load: {error}"
                    ) from None
                pm.register(plugin, name=name)

    for name, plugin in extra_plugins:
        known.add(name)
        enabled = name not in blocked
        infos.append(PluginInfo(name, "", "registered by the app", enabled))
        if enabled:
            pm.register(plugin, name=name)

    unknown = sorted(blocked - known)
    if unknown:
        raise ConfigurationError(
            f"PARTICIPE_DISABLED_PLUGINS names unknown plugin(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise ConfigurationError(f"invalid plugin: {error}") from None
    try:
        return Plugins(pm, infos)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
