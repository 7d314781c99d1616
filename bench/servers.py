"""Starting an ASGI app under uvicorn or granian for a benchmark, the way production runs
it (several worker processes, uvloop, no access log), and reading its workers' memory.

Both the app under test and the bare ceiling app go through :func:`serve`, so that they
run with the same server, the same number of workers and the same environment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.report import ROOT

SERVERS = ("uvicorn", "granian")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def command(server: str, target: str, port: int, workers: int) -> list[str]:
    """The command line that serves the app factory ``target`` (``module:function``)."""
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", target, "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
            "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning", "--backlog", "4096",
        ]  # fmt: skip
    if server == "granian":
        return [
            sys.executable, "-m", "granian", target, "--factory",
            "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--loop", "uvloop",
            "--no-access-log", "--log-level", "warning", "--backlog", "4096",
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}: one of {', '.join(SERVERS)}")


@dataclass
class Running:
    url: str
    process: subprocess.Popen[bytes]

    def worker_pids(self) -> list[int]:
        """The worker processes: the children of the server's main process."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []
        # uvicorn starts a resource tracker beside its workers: keep the serving ones. One
        # uvicorn worker is the main process itself.
        workers = [pid for pid in pids if "resource_tracker" not in _cmdline(pid)]
        return workers or [self.process.pid]

    def worker_rss_mib(self) -> list[float]:
        return [rss_mib(pid) for pid in self.worker_pids()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def wait_ready(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer {url} in {seconds:.0f} s") from None
            time.sleep(0.2)


def settle(url: str, seconds: float = 60.0) -> None:
    """Waits until the server answers ``url`` at once again: after a burst, requests that
    the load generator gave up on may still be queued in the workers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=10):
                pass
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.5)


@contextlib.contextmanager
def serve(
    server: str,
    target: str,
    *,
    workers: int,
    env: Mapping[str, str],
    probe: str = "/",
    log: Path | None = None,
) -> Iterator[Running]:
    """Serves ``target`` on a free loopback port until the block ends."""
    port = free_port()
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    output = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    process = subprocess.Popen(
        command(server, target, port, workers),
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url + probe)
        # Every worker must be up before the load starts.
        deadline = time.monotonic() + 30
        running = Running(url, process)
        while len(running.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        if log:
            output.close()  # type: ignore[union-attr]
