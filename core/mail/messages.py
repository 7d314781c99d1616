"""Composition of emails from Jinja templates, one per kind and language.

A kind ``K`` in language ``L`` is two templates: ``K.L.txt`` (plain text) and ``K.L.html``.
The text template sets the subject with ``{% set subject = "..." %}``. A language without
templates of its own falls back to French.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    select_autoescape,
)

from core.languages import DEFAULT_LANGUAGE, supported

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class ComposedMail:
    subject: str
    text: str
    html: str
    language: str


class MailTemplates:
    """The mail templates: folders given first (plugins, themes) win over the core's."""

    def __init__(self, extra_dirs: Sequence[Path] = ()) -> None:
        loader = ChoiceLoader(
            [FileSystemLoader(str(folder)) for folder in (*extra_dirs, TEMPLATES)]
        )
        # Escape HTML templates only; plain text must stay as written.
        self.environment = Environment(
            loader=loader,
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )

    def compose(self, kind: str, language: str, **context: Any) -> ComposedMail:
        """Renders ``kind`` in ``language`` (French when unsupported) with ``context``."""
        language = supported(language)
        try:
            text_template = self.environment.get_template(f"{kind}.{language}.txt")
        except TemplateNotFound:
            language = DEFAULT_LANGUAGE
            text_template = self.environment.get_template(f"{kind}.{language}.txt")
        module = text_template.make_module({**context, "language": language})
        subject = " ".join(str(getattr(module, "subject", "")).split())
        if not subject:
            raise ValueError(f"mail template {kind}.{language}.txt sets no subject")
        html = self.environment.get_template(f"{kind}.{language}.html").render(
            **context, language=language, subject=subject
        )
        return ComposedMail(
            subject=subject, text=str(module).strip() + "\n", html=html, language=language
        )
