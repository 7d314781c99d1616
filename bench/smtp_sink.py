"""An SMTP server that accepts every message and writes one line per recipient to a file:
the time it was accepted, the client's port (one per connection) and the address.

Usage: ``python -m bench.smtp_sink PORT FILE``. It runs aiosmtpd in a process of its own,
so that the server under test and the mail server never share a CPU's time in one
interpreter. :class:`Sink` starts it and reads its file; :func:`ceiling` sends it messages
as fast as one connection can, to show that it is not what limits a delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bench.report import ROOT


class CountingHandler:
    def __init__(self, out: Any) -> None:
        self.out = out

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.time()
        port = session.peer[1] if session.peer else 0
        for recipient in envelope.rcpt_tos:
            self.out.write(f"{now:.6f}\t{port}\t{recipient.lower()}\n")
        self.out.flush()
        return "250 OK"


def serve(port: int, path: Path) -> None:
    from aiosmtpd.controller import Controller

    with path.open("a", encoding="utf-8") as out:
        controller = Controller(
            CountingHandler(out), hostname="127.0.0.1", port=port, data_size_limit=0
        )
        controller.start()
        stopped = asyncio.Event()
        loop = asyncio.new_event_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopped.set)
        try:
            loop.run_until_complete(stopped.wait())
        finally:
            controller.stop()
            loop.close()


class Sink:
    """A running sink and what it received so far (read from its file)."""

    def __init__(self, port: int, path: Path) -> None:
        self.port = port
        self.path = path
        self.lines: list[tuple[float, int, str]] = []
        self._offset = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def read(self) -> int:
        """Reads what arrived since the last call; how many messages in all."""
        with self.path.open("rb") as file:
            file.seek(self._offset)
            data = file.read()
        complete = data.rfind(b"\n") + 1
        self._offset += complete
        for line in data[:complete].decode().splitlines():
            stamp, port, recipient = line.split("\t")
            self.lines.append((float(stamp), int(port), recipient))
        return len(self.lines)

    def recipients(self) -> list[str]:
        return [recipient for _, _, recipient in self.lines]

    def connections(self) -> int:
        return len({port for _, port, _ in self.lines})

    def most_at_once(self) -> int:
        """The most connections that were sending at the same time (each from its first
        message to its last)."""
        spans: dict[int, tuple[float, float]] = {}
        for stamp, port, _ in self.lines:
            first, _last = spans.get(port, (stamp, stamp))
            spans[port] = (first, stamp)
        edges = sorted(
            [(first, 1) for first, _ in spans.values()]
            + [(last, -1) for _, last in spans.values()],
            key=lambda edge: (edge[0], -edge[1]),
        )
        most = current = 0
        for _, change in edges:
            current += change
            most = max(most, current)
        return most


@contextlib.contextmanager
def running_sink(port: int, path: Path) -> Iterator[Sink]:
    path.write_text("", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.smtp_sink", str(port), str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port)):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the SMTP sink did not start") from None
                time.sleep(0.1)
        yield Sink(port, path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def ceiling(port: int, template: EmailMessage, count: int) -> float:
    """Messages a second that one connection gets accepted by the sink (``template``
    sent ``count`` times, to a new address each time)."""
    import aiosmtplib

    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=20)
    await client.connect()
    started = time.perf_counter()
    for index in range(count):
        del template["To"]
        template["To"] = f"ceiling{index}@bench.test"
        await client.send_message(template)
    elapsed = time.perf_counter() - started
    await client.quit()
    return count / elapsed


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]))
