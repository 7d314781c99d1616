"""Filters and functions every template can use, installed on the one environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from core import uploads
from core.models import Organisation, Proposal
from core.services import branding, contact, review
from web import i18n, icons, labels, markdown, theme


def url_with(path: str, params: Mapping[str, Any], **changes: Any) -> str:
    """``path`` with the query ``params`` updated by ``changes``; empty values are dropped,
    so every filter state has one short address."""
    merged = {**params, **changes}
    query = urlencode([(k, v) for k, v in merged.items() if v not in (None, "", False)])
    return f"{path}?{query}" if query else path


#: The prefix of the page variables that add a tab to a dialogue's pages: a plugin's
#: ``template_context`` returns ``{"dialogue_tab_NAME": {"href", "label", "current"}}``
#: (``label`` a message id of its catalogue), shown after the core's tabs, by name.
DIALOGUE_TAB = "dialogue_tab_"


@pass_context
def dialogue_tabs(context: Context) -> list[Mapping[str, Any]]:
    """The tabs plugins add to the dialogue's pages (:data:`DIALOGUE_TAB`)."""
    found = context.get_all()
    return [
        found[name]
        for name in sorted(found)
        if name.startswith(DIALOGUE_TAB) and isinstance(found[name], Mapping)
    ]


@pass_context
def status_text(context: Context, proposal: Proposal) -> str | None:
    """The custom label of ``proposal``'s status (the organisation's « Étude technique »,
    the platform's « Fusionnée »), shown instead of the fixed one; ``None`` without."""
    org = context.get("org")
    if proposal.status_label is None or not isinstance(org, Organisation):
        return None
    return review.status_label(org, proposal)


def conformity_of(org: Organisation) -> str:
    """The RGAA conformity ``org``'s accessibility statement declares."""
    return branding.options_of(org).accessibility.conformity


def image_srcset(url: str) -> str:
    """The ``srcset`` of an uploaded image at ``url`` (``/media/{name}``): its narrower
    sizes (:data:`core.uploads.WIDTHS`) and itself, at most ``MAX_SIDE`` wide. Other
    addresses (a static file) have none."""
    if not url.startswith("/media/") or url.count(".") != 1:
        return ""
    sizes = [f"{uploads.sized_name(url, width)} {width}w" for width in uploads.WIDTHS]
    return ", ".join([*sizes, f"{url} {uploads.MAX_SIDE}w"])


def install(environment: Environment) -> None:
    i18n.install(environment)
    environment.filters["markdown"] = markdown.markdown
    environment.filters["paragraphs"] = markdown.paragraphs
    environment.filters["excerpt"] = markdown.excerpt
    environment.globals["url_with"] = url_with
    environment.globals["image_srcset"] = image_srcset
    # The organisation's options, read once by a page for its footer (contact, RGAA).
    environment.globals["options_of"] = branding.options_of
    environment.globals["social_networks"] = contact.NETWORKS
    environment.globals["dialogue_tabs"] = dialogue_tabs
    environment.globals["theme_url"] = theme.theme_url
    environment.globals["icon_version"] = icons.icon_version
    environment.globals["conformity_of"] = conformity_of
    environment.globals["conformity_labels"] = labels.CONFORMITY
    environment.globals["status_labels"] = labels.STATUSES
    environment.globals["status_text"] = status_text
    environment.globals["phase_labels"] = labels.PHASES
    environment.globals["kind_labels"] = labels.DIALOGUE_KINDS
    environment.globals["stance_labels"] = labels.STANCES
