"""One export through the app's route, in a process of its own, for ``bench_exports.py``:
``GET /api/v1/admin/dialogues/{slug}/export?what=...&format=...`` called in-process (ASGI,
no server), the streamed file counted and dropped as it comes. Prints one JSON line: the
time, the bytes, the CSV lines, the resident memory before the export and the process's
peak (``VmHWM``).

Usage: ``python -m bench.export_once URL SLUG TOKEN WHAT FORMAT``
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench.servers import rss_mib
from core.db import Database
from core.settings import Settings
from web.app import create_app


async def export(url: str, slug: str, token: str, what: str, format: str) -> dict[str, Any]:
    database = Database(url)
    app = create_app(
        Settings(
            database_url=url,
            production=True,
            secret_key="bench-secret-key-bench-secret-key-0123456789",
            load_entry_points=False,
            results_sweep_seconds=0,
        ),
        database=database,
    )
    path = f"/api/v1/admin/dialogues/{slug}/export"
    received = {"bytes": 0, "lines": 0, "status": 0}

    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        # As servers do: the client is gone once the whole response is sent.
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            received["status"] = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            received["bytes"] += len(body)
            received["lines"] += body.count(b"\n")
            if not message.get("more_body", False):
                finished.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": f"what={what}&format={format}".encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    async with app.lifespan():
        before = rss_mib(os.getpid())
        started = time.perf_counter()
        await app(scope, receive, send)
        seconds = time.perf_counter() - started
    await database.dispose()
    return {**received, "seconds": seconds, "rss_before_mib": before, "peak_rss_mib": peak_mib()}


def peak_mib() -> float:
    """This process's peak resident memory (``VmHWM``; ``ru_maxrss`` would count the
    memory of the parent that forked it, as Linux keeps it across ``exec``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    url, slug, token, what, format = sys.argv[1:6]
    print("EXPORT_JSON " + json.dumps(asyncio.run(export(url, slug, token, what, format))))


if __name__ == "__main__":
    main()
