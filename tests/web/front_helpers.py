"""Helpers of the citizen front's tests: a dialogue with a form, proposals, images."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from tests.conftest import World
from tests.helpers import create_dialogue

Client = AsyncTestClient[Litestar]
SLUG = "budget-2027"
PROPOSALS_API = f"/api/v1/dialogues/{SLUG}/proposals"
FORM = [
    {"key": "quartier", "label": "Quartier", "type": "text", "required": True},
    {"key": "telephone", "label": "Téléphone", "type": "text", "confidential": True},
    {"key": "cp", "label": "Code postal", "type": "postal_code"},
    {
        "key": "public",
        "label": "Public visé",
        "type": "choice",
        "options": [{"key": "enfants", "label": "Enfants"}, {"key": "tous", "label": "Tous"}],
    },
    {"key": "accord", "label": "J'accepte la charte", "type": "checkbox"},
    {"key": "plan", "label": "Plan", "type": "file"},
]
THEMES = [{"key": "mobilite", "label": "Mobilité"}, {"key": "nature", "label": "Nature"}]
SECTORS = [{"key": "nord", "label": "Nord"}, {"key": "sud", "label": "Sud"}]


async def dialogue(client: Client, world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"form": FORM, "themes": THEMES, "sectors": SECTORS}
    body.update(changes)
    return await create_dialogue(client, world.admin.headers, **body)


async def proposal(client: Client, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Des pistes cyclables rue Nationale",
        "body": "Sécuriser les trajets vers l'école.",
        "fields": {"quartier": "Centre", "telephone": "0600000000"},
        "theme": "mobilite",
        "sector": "nord",
        "location": {"lat": 47.2184, "lng": -1.5536},
    }
    body.update(changes)
    response = await client.post(PROPOSALS_API, json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def image_bytes(
    size: tuple[int, int] = (2400, 1200), fmt: str = "JPEG", mode: str = "RGB", exif: bool = False
) -> bytes:
    picture = Image.new(mode, size, "red" if mode == "RGB" else (255, 0, 0, 128))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        data[0x0112] = 6  # Orientation: rotated 90°
        picture.save(out, fmt, exif=data.tobytes())
    else:
        picture.save(out, fmt)
    return out.getvalue()


def errors_of(html: str) -> list[str]:
    """The messages shown next to the fields of a form."""
    return [unescape(m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)<', html)]


def text_of(html: str) -> str:
    """The page's text without tags, spaces collapsed (for readable assertions)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
