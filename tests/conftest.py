"""The platform's fixtures: those of :mod:`participe.testing` (a migrated database on
SQLite, or on PostgreSQL when ``PARTICIPE_TEST_DATABASE_URL`` names a server, the app, an
HTTP client, people, the outbox), with every installed plugin when
``PARTICIPE_TEST_ENTRY_POINTS`` is on; and live servers, a mail server."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The fixtures' module is imported here, before pytest loads it as a plugin: its asserts
# are rewritten all the same (their failures say what was compared).
pytest.register_assert_rewrite("participe.testing")

from core.db import Database  # noqa: E402
from core.settings import Settings  # noqa: E402
from participe.testing import Person, PluginChoice, World, installed_plugins  # noqa: E402
from participe.testing.databases import server_url  # noqa: E402
from tests.live_workers import LiveWorkers, start_workers  # noqa: E402

pytest_plugins = ["participe.testing"]

__all__ = ["Person", "World", "without_installed"]  # what the tests import from here

#: ``on``: the app of the tests also loads the installed third-party plugins (the
#: ``participe`` entry points), to check that the platform works with them present.
ENTRY_POINTS_VARIABLE = "PARTICIPE_TEST_ENTRY_POINTS"


def load_entry_points() -> bool:
    return os.environ.get(ENTRY_POINTS_VARIABLE, "off").lower() in ("1", "on", "true", "yes")


def without_installed(settings: Settings) -> Settings:
    """``settings`` loading no installed plugin: for a test that builds an app with test
    plugins of its own, whose names (``petition``...) an installed package may also use."""
    return dataclasses.replace(settings, load_entry_points=False, disabled_plugins=())


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skips the tests marked ``pg_only`` on SQLite, saying why."""
    if item.get_closest_marker("pg_only") is not None and not server_url():
        pytest.skip("needs PostgreSQL (PARTICIPE_TEST_DATABASE_URL): one writer at a time here")


def pytest_report_header() -> str:
    return "with installed plugins" if load_entry_points() else "built-in plugins only"


@pytest.fixture(scope="session")
def participe_plugins() -> Sequence[PluginChoice]:
    return installed_plugins() if load_entry_points() else ()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    process: Any


@pytest.fixture
def live_server_env() -> dict[str, str]:
    """More environment for the live server (``PARTICIPE_SMTP_URL``, ...): a test module
    overrides this fixture with its own of the same name."""
    return {}


def start_live_server(
    database_url: str, tmp_path: Path, env: dict[str, str], access_log: Path | None = None
) -> LiveServer:
    """The app served by a real uvicorn process on loopback, on the test database; with
    ``access_log``, its access log on and everything it prints written to that file."""
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    environ = {
        **os.environ,
        "PARTICIPE_DATABASE_URL": database_url,
        "PARTICIPE_RATE_LIMITS": "off",
        "PARTICIPE_UPLOAD_DIR": str(tmp_path / "uploads"),
        "PARTICIPE_LOAD_ENTRY_POINTS": "on" if load_entry_points() else "off",
        **env,
    }
    logging = ["info"] if access_log else ["warning", "--no-access-log"]
    command = [sys.executable, "-m", "uvicorn", "--factory", "web.asgi:app_factory"]
    arguments = ["--host", "127.0.0.1", "--port", str(port), "--log-level", *logging]
    with contextlib.ExitStack() as files:
        output = files.enter_context(access_log.open("wb")) if access_log else None
        process = subprocess.Popen(
            [*command, *arguments],
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/static/participe.css", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                printed = access_log.read_text() if access_log else ""
                raise RuntimeError(f"the live server did not start {printed}") from None
            time.sleep(0.1)
    return LiveServer(url, process)


def stop_live_server(server: LiveServer) -> None:
    import subprocess

    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()  # reaped, so that no ResourceWarning fails a later test


@pytest.fixture
def live_server(
    database: Database, database_url: str, tmp_path: Path, live_server_env: dict[str, str]
) -> Iterator[LiveServer]:
    """The app served by a real uvicorn process on loopback, on the test database."""
    server = start_live_server(database_url, tmp_path, live_server_env)
    yield server
    stop_live_server(server)


@pytest.fixture
def live_workers(
    database: Database, database_url: str, tmp_path: Path, live_server_env: dict[str, str]
) -> Iterator[LiveWorkers]:
    """The app served as in production, ``participe serve --workers 2``, on the test
    database, rate limits off and snapshots kept 2 seconds as by default; see
    :mod:`tests.live_workers` to warm both workers and to send requests together."""
    env = {"PARTICIPE_LOAD_ENTRY_POINTS": "on" if load_entry_points() else "off"}
    workers = start_workers(database_url, _free_port(), tmp_path, {**env, **live_server_env})
    yield workers
    workers.stop()


@dataclass
class SmtpServer:
    """A real SMTP server (aiosmtpd) on loopback; ``messages`` are the mails it received."""

    host: str
    port: int
    messages: list[Any]
    #: Seconds the server waits before accepting each mail (a slow mail server).
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    async def wait_for(self, count: int, seconds: float = 10.0) -> list[Any]:
        deadline = asyncio.get_running_loop().time() + seconds
        while len(self.messages) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{len(self.messages)} mail(s) received, {count} expected")
            await asyncio.sleep(0.02)
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", _free_port(), [])

    class Handler:
        async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
            await asyncio.sleep(server.delay)
            mail = message_from_bytes(envelope.content, policy=policy.default)
            mail["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            mail["X-Peer"] = str(session.peer)  # the client's address and port
            server.messages.append(mail)
            return "250 OK"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()
