"""While the database cannot be reached, every request gets 503 ``unavailable`` with
``Retry-After`` (a readable page for a browser), ``/health`` still answers and
``/health/ready`` says why not; when the database is back, so is the app, without a
restart. PostgreSQL is reached through a TCP proxy that the test cuts; SQLite through a
directory that the test moves away."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from core.db import Database, is_sqlite
from core.plugin_manager import Plugins
from core.settings import Settings
from tests.conftest import World
from web.app import create_app


@dataclass
class TcpProxy:
    """Forwards loopback connections to ``target`` from an event loop of its own (the
    test client runs the app on another one); :meth:`cut` closes the port and every open
    connection, :meth:`restore` opens the port again."""

    target: tuple[str, int]
    port: int = 0
    server: asyncio.Server | None = None
    links: set[asyncio.StreamWriter] = field(default_factory=set)
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)

    thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))

    async def restore(self) -> None:
        await self._run(self._listen())

    async def cut(self) -> None:
        await self._run(self._close())

    async def stop(self) -> None:
        await self._run(self._close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        assert self.thread is not None
        await asyncio.to_thread(self.thread.join)
        self.loop.close()

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self.server is None:
            return
        self.server.close()
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()
        self.server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.links.update({writer, up_writer})

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@dataclass
class Outage:
    url: str
    cut: object
    restore: object


@pytest.fixture
async def outage(database_url: str, world: World, tmp_path: Path) -> AsyncIterator[Outage]:
    if is_sqlite(database_url):
        folder = tmp_path / "data"
        folder.mkdir()
        # A copy of the test database (what its log holds too), in a folder of its own.
        with (
            contextlib.closing(sqlite3.connect(make_url(database_url).database or "")) as source,
            contextlib.closing(sqlite3.connect(folder / "participe.db")) as copy,
        ):
            source.backup(copy)
        away = tmp_path / "away"

        async def cut_file() -> None:
            folder.rename(away)

        async def restore_file() -> None:
            away.rename(folder)

        yield Outage(f"sqlite+aiosqlite:///{folder / 'participe.db'}", cut_file, restore_file)
        return
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    await proxy.restore()
    yield Outage(
        url.set(port=proxy.port).render_as_string(hide_password=False), proxy.cut, proxy.restore
    )
    await proxy.stop()


async def test_an_outage_answers_503_and_the_app_recovers(
    outage: Outage, settings: Settings, plugins: Plugins
) -> None:
    app = create_app(settings.replace(database_url=outage.url), plugins=plugins)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        assert (await client.get("/api/v1/dialogues")).status_code == 200
        assert (await client.get("/")).status_code == 200
        answer = await client.get("/health/ready")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"status": "ready", "checks": {"database": "ok"}}

        await outage.cut()  # type: ignore[operator]
        for _ in range(3):  # pooled connections and new ones alike
            api = await client.get("/api/v1/dialogues")
            assert api.status_code == 503, api.text
            assert api.headers["retry-after"] == "5"
            body = api.json()
            assert body["code"] == "unavailable" and body["status_code"] == 503
            assert set(body) == {"status_code", "detail", "code"}
        page = await client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        assert page.headers["content-type"].startswith("text/html")
        assert "indisponible" in page.text
        write = await client.post("/api/v1/auth/email", json={"email": "a@example.org"})
        assert write.status_code == 503 and write.json()["code"] == "unavailable"
        assert (await client.get("/health")).status_code == 200
        not_ready = await client.get("/health/ready")
        assert not_ready.status_code == 503 and not_ready.headers["retry-after"] == "5"
        assert not_ready.json()["code"] == "unavailable"
        assert not_ready.json()["checks"] == {"database": "unavailable"}

        await outage.restore()  # type: ignore[operator]
        assert (await client.get("/api/v1/dialogues")).status_code == 200
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/health/ready")).status_code == 200


async def test_health_answers_without_the_database(
    settings: Settings, plugins: Plugins, tmp_path: Path
) -> None:
    nowhere = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'participe.db'}"
    app = create_app(settings.replace(database_url=nowhere), plugins=plugins)
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        answer = await client.get("/health")
        assert answer.status_code == 200 and answer.json() == {"status": "ok"}
        assert (await client.get("/health/ready")).status_code == 503


async def test_ready_checks_redis_when_it_is_set(
    settings: Settings, plugins: Plugins, database: Database
) -> None:
    for redis_url, status, state in (
        ("redis://127.0.0.1:6379/0", 200, "ok"),
        ("redis://127.0.0.1:9/0", 503, "unavailable"),
    ):
        app = create_app(
            settings.replace(redis_url=redis_url, rate_limits=False),
            plugins=plugins,
            database=database,
        )
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
            answer = await client.get("/health/ready")
        assert answer.status_code == status, answer.text
        assert answer.json()["checks"] == {"database": "ok", "redis": state}
