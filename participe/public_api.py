"""The modules a plugin may import from Participe: its public API.

A plugin package imports from the platform only the modules listed here (and, from a
package that declares ``__all__``, only the names it lists there). They change with a
deprecation period; everything else under ``core``, ``web`` and ``plugins`` is internal
and may change in any release. ``docs/plugins.md`` ("The public API") describes each one,
and a test checks that the example packages under ``examples/`` import nothing else.
"""

from __future__ import annotations

#: Where the platform's own code lives: imports from these packages must be public.
PLATFORM_PACKAGES = ("core", "web", "plugins", "participe")

#: Every module a plugin may import, in the order of the guide.
PUBLIC_MODULES: tuple[str, ...] = (
    # Hooks, registries and the contracts of what plugins register.
    "core",
    "core.hookspecs",
    "core.registries",
    "core.errors",
    "core.modules",
    "core.events",
    "core.admin_tabs",
    "core.commands",
    "core.lifespan",
    "core.vote_types",
    "core.vote_counts",
    "core.aggregation",
    "core.blocks",
    "core.fields",
    "core.exports",
    "core.export_datasets",
    "core.result_sections",
    "core.ballot_sources",
    "core.personal_data",
    "core.permissions",
    # The data: tables, sessions, settings, mail.
    "core.db",
    "core.models",
    "core.models.dialogues",
    "core.models.proposals",
    "core.models.users",
    "core.models.ballots",
    "core.db_range",
    "core.vote_chain",
    "core.specs",
    "core.settings",
    "core.plugin_manager",
    "core.mail",
    "core.notification_kinds",
    "core.sms",
    "core.uploads",
    "core.leases",
    "core.results_cache",
    "core.defaults.map",
    # Services a plugin's routes and sources call.
    "core.services.dialogues",
    "core.services.ballot_box",
    "core.services.publication",
    "core.services.recount",
    "core.services.review",
    "core.services.tally",
    "core.services.modules",
    "core.services.notifications",
    "core.services.follows",
    "core.services.merging",
    "core.services.audit",
    "core.services.results",
    "core.services.counted_votes",
    "core.services.organisations",
    "core.services.verification",
    # Pages and routes.
    "web.dependencies",
    "web.templating",
    "web.modules",
    "web.admin.guard",
    "web.admin.pages",
    "web.admin.forms",
    "web.admin.struct_forms",
    "web.admin.review",
    "web.pages.context",
    "web.i18n",
    "web.labels",
    "web.refusals",
    "web.rate_limits",
    "web.results",
    "web.charts",
    "web.api.schemas",
    "web.pages.browse",
    # Tests.
    "participe.testing",
)


def is_public(module: str, name: str | None = None) -> bool:
    """Whether ``import module`` (or ``from module import name``, ``name`` being a
    submodule or a name of ``module``) reaches only the public API; modules outside
    :data:`PLATFORM_PACKAGES` (the standard library, other distributions, the plugin's
    own package) always do."""
    if module.split(".", 1)[0] not in PLATFORM_PACKAGES:
        return True
    if name is not None and f"{module}.{name}" in PUBLIC_MODULES:
        return True
    return module in PUBLIC_MODULES
