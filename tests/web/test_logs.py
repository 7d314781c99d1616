"""Log lines: a UTC timestamp, a level and the request id (echoed or generated, sent back
in ``X-Request-ID``), as text or as JSON (``PARTICIPE_LOG_FORMAT``)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from core.db import Database
from core.errors import ConfigurationError
from core.plugin_manager import Plugins
from core.settings import Settings
from tests.web.test_cli import run
from web.app import create_app
from web.logs import JsonFormatter, RequestIdFilter, TextFormatter

log = logging.getLogger("participe.test_logs")
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


@get("/probe/log", sync_to_thread=False)
def probe() -> str:
    log.warning("serving the probe")
    return "ok"


class Lines(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.lines: list[str] = []
        self.setFormatter(formatter)
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines() -> Iterator[Lines]:
    handler = Lines(JsonFormatter())
    log.addHandler(handler)
    # The level web.logs gives the root logger when a process serves (tests configure none).
    level = log.level
    log.setLevel(logging.INFO)
    yield handler
    log.setLevel(level)
    log.removeHandler(handler)


@pytest.fixture
async def probe_client(
    settings: Settings, plugins: Plugins, database: Database
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = create_app(settings, plugins=plugins, database=database, extra_route_handlers=[probe])
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1") as client:
        yield client


async def test_each_request_gets_a_new_id_unless_it_brings_a_sane_one(
    probe_client: AsyncTestClient[Litestar],
) -> None:
    first = await probe_client.get("/probe/log")
    second = await probe_client.get("/probe/log")
    echoed = await probe_client.get("/probe/log", headers={"X-Request-ID": "lb-7f3a:42.x_y"})
    not_found = await probe_client.get("/nowhere", headers={"X-Request-ID": "from-the-proxy"})

    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert echoed.headers["X-Request-ID"] == "lb-7f3a:42.x_y"
    assert not_found.status_code == 404
    assert not_found.headers["X-Request-ID"] == "from-the-proxy"


@pytest.mark.parametrize(
    "incoming",
    ["x" * 129, "two words", "<script>", "line\\nbreak", "caf\xe9".encode("latin-1"), ""],
)
async def test_an_unsafe_incoming_id_is_replaced(
    probe_client: AsyncTestClient[Litestar], incoming: str | bytes
) -> None:
    response = await probe_client.get("/probe/log", headers={"X-Request-ID": incoming})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


async def test_a_record_logged_while_serving_carries_the_request_id_as_json(
    probe_client: AsyncTestClient[Litestar], json_lines: Lines
) -> None:
    response = await probe_client.get("/probe/log", headers={"X-Request-ID": "abc-123"})
    log.info("outside any request")

    served, outside = (json.loads(line) for line in json_lines.lines)
    assert response.text == "ok"
    assert re.fullmatch(TIMESTAMP, served["time"])
    assert {key: served[key] for key in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "participe.test_logs",
        "message": "serving the probe",
        "request_id": "abc-123",
    }
    assert outside["request_id"] == "-" and "exception" not in outside


def test_json_lines_carry_the_exception() -> None:
    handler = Lines(JsonFormatter())
    log.addHandler(handler)
    try:
        try:
            raise ValueError("broken ballot")
        except ValueError:
            log.exception("the tally failed")
    finally:
        log.removeHandler(handler)

    (line,) = handler.lines
    fields = json.loads(line)
    assert fields["message"] == "the tally failed" and fields["level"] == "ERROR"
    assert "ValueError: broken ballot" in fields["exception"]


def test_text_lines_start_with_a_utc_timestamp_and_the_level() -> None:
    handler = Lines(TextFormatter())
    log.addHandler(handler)
    try:
        log.warning("a phase closed")
    finally:
        log.removeHandler(handler)

    assert re.fullmatch(
        TIMESTAMP + r" WARNING participe\.test_logs \[-\] a phase closed", handler.lines[0]
    )


def test_the_log_format_setting() -> None:
    assert Settings.from_env({}).log_format == "text"
    assert Settings.from_env({"PARTICIPE_LOG_FORMAT": " JSON "}).log_format == "json"
    with pytest.raises(ConfigurationError, match="PARTICIPE_LOG_FORMAT: unknown format 'xml'"):
        Settings.from_env({"PARTICIPE_LOG_FORMAT": "xml"})


def test_an_unknown_log_format_stops_the_server_with_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", PARTICIPE_LOG_FORMAT="xml")

    assert result.returncode == 2
    assert result.stderr == (
        "participe: configuration error: PARTICIPE_LOG_FORMAT: unknown format 'xml'; "
        "use text or json\n"
    )
