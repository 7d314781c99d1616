"""Text shown on pages: organisers' Markdown, sanitised, and citizens' plain text.

Organisers write Markdown (dialogue descriptions, text and news blocks); it is rendered
with raw HTML switched off and the result is sanitised again by an allow-list (nh3), so
neither a script nor an inline style nor an event handler can reach a page. Citizens'
texts (proposals, comments) are plain text: escaped, with paragraphs and line breaks kept.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_parser.enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}}
_BLANK_LINES = re.compile(r"\n\s*\n")


def markdown(text: str | None, *, top_level: int = 2) -> Markup:
    """Safe HTML of organisers' Markdown. Headings move so that the text's biggest one
    is an ``h{top_level}``, which keeps the page's outline whole under its own title."""
    if not text:
        return Markup("")
    html = _parser.render(text)
    levels = [int(level) for level in re.findall(r"<h([1-6])>", html)]
    if levels:
        shift = top_level - min(levels)
        html = re.sub(
            r"<(/?)h([1-6])>",
            lambda m: f"<{m.group(1)}h{max(1, min(6, int(m.group(2)) + shift))}>",
            html,
        )
    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
    )


def paragraphs(text: str | None) -> Markup:
    """Citizens' plain text as paragraphs: escaped, blank lines split paragraphs, single
    line breaks are kept."""
    if not text:
        return Markup("")
    parts = [part.strip() for part in _BLANK_LINES.split(text.replace("\r\n", "\n"))]
    return Markup("").join(
        Markup("<p>")
        + Markup("<br>\n").join(escape(line) for line in part.split("\n"))
        + Markup("</p>")
        for part in parts
        if part
    )


def excerpt(text: str | None, length: int = 180) -> str:
    """The start of a text on one line, cut at a word, for cards and link previews."""
    if not text:
        return ""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
