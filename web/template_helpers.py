"""Filters and functions every template can use, installed on the one environment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment

from core.models import Organisation
from core.services import branding
from web import i18n, labels, markdown, theme


def url_with(path: str, params: Mapping[str, Any], **changes: Any) -> str:
    """``path`` with the query ``params`` updated by ``changes``; empty values are dropped,
    so every filter state has one short address."""
    merged = {**params, **changes}
    query = urlencode([(k, v) for k, v in merged.items() if v not in (None, "", False)])
    return f"{path}?{query}" if query else path


def conformity_of(org: Organisation) -> str:
    """The RGAA conformity ``org``'s accessibility statement declares."""
    return branding.options_of(org).accessibility.conformity


def install(environment: Environment) -> None:
    i18n.install(environment)
    environment.filters["markdown"] = markdown.markdown
    environment.filters["paragraphs"] = markdown.paragraphs
    environment.filters["excerpt"] = markdown.excerpt
    environment.globals["url_with"] = url_with
    environment.globals["theme_url"] = theme.theme_url
    environment.globals["conformity_of"] = conformity_of
    environment.globals["conformity_labels"] = labels.CONFORMITY
    environment.globals["status_labels"] = labels.STATUSES
    environment.globals["phase_labels"] = labels.PHASES
    environment.globals["kind_labels"] = labels.DIALOGUE_KINDS
    environment.globals["stance_labels"] = labels.STANCES
