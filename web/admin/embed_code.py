"""Back office: the code an organisation pastes in its own site to show a dialogue there.

Shown on the dialogue's "Modules" tab, under the embedding module, with the sites that
may frame it (``options["embedding_sites"]``, set on ``/admin/organisation``): a site
that is not listed gets a frame the browser refuses to fill.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request
from markupsafe import escape

from core.defaults.features import EMBED
from core.models import Dialogue, Organisation
from web.pages.context import public_url

#: Height of the frame, in pixels: the dialogue's first proposals without a scroll bar
#: on a computer; the framing site may change it.
FRAME_HEIGHT = 800


@dataclass(frozen=True)
class EmbedCode:
    """What the tab shows: the ``<iframe>`` to copy and the sites allowed to use it."""

    iframe: str
    sites: list[str]


def embed_code(
    request: Request[Any, Any, Any], organisation: Organisation, dialogue: Dialogue
) -> EmbedCode | None:
    """The code to embed ``dialogue``, or ``None`` when its embedding module is off."""
    if not (EMBED.granted_to(organisation) and EMBED.enabled_on(dialogue)):
        return None
    address = public_url(request, f"/embed/dialogues/{dialogue.slug}")
    iframe = (
        f'<iframe src="{escape(address)}" title="{escape(dialogue.title)}" '
        f'width="100%" height="{FRAME_HEIGHT}" style="border:0" loading="lazy"></iframe>'
    )
    options = organisation.options if isinstance(organisation.options, dict) else {}
    sites = [site for site in options.get("embedding_sites") or [] if isinstance(site, str)]
    return EmbedCode(iframe=iframe, sites=sites)
