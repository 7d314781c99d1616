"""The organisation's icons: a favicon and a home-screen icon made from its logo, or its
initial on its colour, linked from every page at an address that changes with them."""

from __future__ import annotations

import io
import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from core import uploads
from core.db import Database
from core.models import Organisation
from core.services import branding
from tests.conftest import World
from tests.web.front_helpers import image_bytes

Client = AsyncTestClient[Litestar]


def icon_links(html: str) -> tuple[str, str]:
    icon = re.search(r'<link rel="icon" href="(/favicon\.ico\?v=[0-9a-f]+)"', html)
    touch = re.search(
        r'<link rel="apple-touch-icon" href="(/apple-touch-icon\.png\?v=[0-9a-f]+)"', html
    )
    assert icon and touch, html[:1200]
    return icon.group(1), touch.group(1)


async def test_without_a_logo_the_icons_show_the_initial_on_the_brand_colour(
    client: Client, world: World, database: Database
) -> None:
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        org.theme = {"primary_color": "#1f4e8c"}
        await session.commit()
    favicon, touch = icon_links((await client.get("/")).text)
    ico = await client.get(favicon)
    assert ico.status_code == 200 and ico.headers["content-type"] == "image/x-icon"
    assert "immutable" in ico.headers["cache-control"]
    with Image.open(io.BytesIO(ico.content)) as picture:
        assert picture.format == "ICO"
        assert {(16, 16), (32, 32), (48, 48)} <= set(picture.info["sizes"])
        corner = picture.convert("RGB").getpixel((0, 0))
    assert corner == (0x1F, 0x4E, 0x8C)
    png = await client.get(touch)
    assert png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as picture:
        assert picture.size == (180, 180)
        colours = {colour for _count, colour in picture.convert("RGB").getcolors(10_000) or []}
    assert (0x1F, 0x4E, 0x8C) in colours and (255, 255, 255) in colours  # the white letter
    bare = await client.get("/favicon.ico")
    assert bare.status_code == 200 and "max-age=86400" in bare.headers["cache-control"]


async def test_a_new_logo_gives_new_icons_at_a_new_address(
    client: Client, world: World, database: Database, app: Litestar
) -> None:
    before = icon_links((await client.get("/")).text)
    stored = uploads.store_image(app.state.context.settings.upload_dir, image_bytes((600, 300)))
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        assert org is not None
        branding.set_logo(org, stored.name)
        await session.commit()
    after = icon_links((await client.get("/privacy")).text)
    assert after[0] != before[0] and after[1] != before[1]
    png = await client.get(after[1])
    with Image.open(io.BytesIO(png.content)) as picture:
        rgb = picture.convert("RGB")
        # The red logo, fitted in the middle with a white margin; wider than high.
        red, green, blue = rgb.getpixel((90, 90))  # a JPEG: nearly pure red
        assert red > 240 and green < 16 and blue < 16
        assert rgb.getpixel((2, 2)) == (255, 255, 255)
        assert rgb.getpixel((90, 30)) == (255, 255, 255)
    admin = await client.get("/admin", headers=world.admin.headers)
    assert icon_links(admin.text) == after
