"""The app served as production serves it, ``participe serve --workers 2``, for tests of
what happens between workers: requests that arrive together on different processes, each
with its own snapshots of organisations and dialogues (``core.read_cache``, 2 seconds by
default), its own results cache and its own database connections.

Tests need to know that both workers took part: :meth:`LiveWorkers.warm` sends requests
over fresh connections until every worker has answered some, and
:meth:`LiveWorkers.at_once` opens one connection per request, spread over every worker,
before releasing all the requests together. Which worker holds a connection is read from
``/proc`` (the worker process that owns the server side of the socket), so this helper
runs on Linux.
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

#: The repository's root: the server runs the code the tests import.
ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
#: Seconds the server has to start both workers.
START_SECONDS = 60.0
#: A page that answers without the database, to learn that a connection is open.
PROBE = "/static/participe.css"
#: Connections tried at least to reach every worker (a worker that gets none is broken).
MAX_TRIES = 200
#: Seconds given at least to reach every worker: on a loaded machine one worker may be
#: slow to wake for a while, and the other then accepts every new connection.
SPREAD_SECONDS = 30.0


@dataclass(frozen=True)
class Call:
    """One request of a burst: ``data`` is a form body, ``json`` a JSON one."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    data: Mapping[str, str] | None = None


@dataclass
class Answer:
    """A response of a burst and the process id of the worker that gave it."""

    response: httpx.Response
    worker: int | None

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def code(self) -> str:
        """The error's stable code: ``""`` for a success or a JSON body without one, the
        start of the body when it is not JSON (an error page)."""
        if self.response.status_code < 400:
            return ""
        try:
            body = self.response.json()
        except ValueError:
            return self.response.text[:200]
        return str(body.get("code", "")) if isinstance(body, dict) else ""


class LiveWorkers:
    """A running ``participe serve --workers 2`` on loopback."""

    def __init__(self, url: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.port = port
        self.process = process
        self.log = log
        # One TLS context for every client: httpx would load the CA bundle for each one
        # (tens of milliseconds) although every request here is plain HTTP.
        self._tls = ssl.create_default_context()

    # -- connections -----------------------------------------------------------------

    def client(self, **options: Any) -> httpx.AsyncClient:
        """A client that keeps one connection open at most, so each client is one
        connection to one worker."""
        options.setdefault("timeout", 60)
        return httpx.AsyncClient(
            base_url=self.url,
            verify=self._tls,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            **options,
        )

    async def _open(self, count: int) -> list[tuple[httpx.AsyncClient, int | None]]:
        """``count`` clients whose connection is open, each with the worker at its other
        end (``None`` where ``/proc`` does not tell)."""
        clients = [self.client() for _ in range(count)]
        try:
            responses = await asyncio.gather(*(http.get(PROBE) for http in clients))
        except BaseException:
            await asyncio.gather(*(http.aclose() for http in clients))
            raise
        for response in responses:
            assert response.status_code == 200, response.text
        workers = self._workers_of([_client_port(response) for response in responses])
        return list(zip(clients, workers, strict=True))

    def worker_ids(self) -> list[int]:
        """The process ids of the server's children: its workers (and, with them, the
        resource tracker of :mod:`multiprocessing`, which holds no connection)."""
        children = set()
        for task in Path(f"/proc/{self.process.pid}/task").glob("*/children"):
            children.update(int(pid) for pid in task.read_text().split())
        return sorted(children)

    def _workers_of(self, client_ports: Sequence[int | None]) -> list[int | None]:
        """The worker holding the server side of each open connection from
        ``client_ports``: the one whose file descriptors include the socket's inode."""
        inodes = _server_socket_inodes(self.port)
        owners: dict[int, int] = {}
        for pid in self.worker_ids():
            try:
                descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for descriptor in descriptors:
                try:
                    target = os.readlink(descriptor)
                except OSError:
                    continue
                if target.startswith("socket:["):
                    owners[int(target[8:-1])] = pid
        return [
            owners.get(inodes.get(port, -1)) if port is not None else None for port in client_ports
        ]

    # -- what tests call -------------------------------------------------------------

    async def warm(
        self, path: str, *, headers: Mapping[str, str] | None = None, per_worker: int = 2
    ) -> Counter[int]:
        """GETs ``path`` over fresh connections until every worker answered it
        ``per_worker`` times, so that each holds its snapshots of what the page reads;
        returns how many each answered. Without ``/proc`` to tell the workers apart,
        sends 32 GETs. (A worker still forgets every snapshot when it writes a dialogue
        or a phase itself, e.g. when its periodic sweep publishes results: a race may
        then not show in a trial, which is why tests repeat them.)"""
        served: Counter[int] = Counter()
        sent = 0
        deadline = time.monotonic() + SPREAD_SECONDS

        def done() -> bool:
            if not served:
                return sent >= 32
            return len(served) >= WORKERS and min(served.values()) >= per_worker

        while not done():
            if sent >= MAX_TRIES and time.monotonic() > deadline:
                raise AssertionError(f"{path} reached {dict(served)} of {WORKERS} workers")
            opened = await self._open(6)
            try:
                responses = await asyncio.gather(
                    *(http.get(path, headers=dict(headers or {})) for http, _ in opened)
                )
            finally:
                await asyncio.gather(*(http.aclose() for http, _ in opened))
            for response, (_, worker) in zip(responses, opened, strict=True):
                assert response.status_code == 200, response.text
                if worker is not None:
                    served[worker] += 1
            sent += len(opened)
        return served

    async def at_once(self, calls: Sequence[Call], *, spread: bool = True) -> list[Answer]:
        """Sends every call on its own connection, all released together once every
        connection is open. With ``spread``, the connections reach every worker (when
        there are at least as many calls as workers). The answers are in the calls'
        order."""
        opened = await self._open(len(calls))
        try:
            if spread and len(calls) >= WORKERS:
                await self._spread(opened)
            go = asyncio.Event()
            ready = 0

            async def send(http: httpx.AsyncClient, call: Call) -> httpx.Response:
                nonlocal ready
                ready += 1
                if ready == len(calls):
                    go.set()
                await go.wait()
                return await http.request(
                    call.method,
                    call.path,
                    headers=dict(call.headers),
                    json=call.json,
                    data=call.data,
                )

            responses = await asyncio.gather(
                *(send(http, call) for (http, _), call in zip(opened, calls, strict=True))
            )
        finally:
            await asyncio.gather(*(http.aclose() for http, _ in opened))
        return [
            Answer(response, worker)
            for response, (_, worker) in zip(responses, opened, strict=True)
        ]

    async def _spread(self, opened: list[tuple[httpx.AsyncClient, int | None]]) -> None:
        """Replaces connections of the busiest worker by new ones until every worker
        holds at least one of ``opened``. Between tries that reach the same worker again,
        waits a little longer each time, so that a worker busy for a moment gets back to
        accepting."""
        deadline = time.monotonic() + SPREAD_SECONDS
        tries = 0
        while tries < MAX_TRIES or time.monotonic() < deadline:
            counts = Counter(worker for _, worker in opened)
            if None in counts or len(counts) >= WORKERS:
                return
            tries += 1
            ((http, worker),) = await self._open(1)
            if worker in counts:
                await http.aclose()
                await asyncio.sleep(min(0.25, 0.002 * tries))
                continue
            busiest = counts.most_common(1)[0][0]
            index = next(i for i, (_, w) in enumerate(opened) if w == busiest)
            await opened[index][0].aclose()
            opened[index] = (http, worker)
        raise AssertionError(
            f"no connection reached a second worker in {tries} tries and {SPREAD_SECONDS} s;"
            f" the server's children are {self.worker_ids()}"
        )

    # -- life ------------------------------------------------------------------------

    def stop(self) -> None:
        """Ends the server and its workers (the whole process group)."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _client_port(response: httpx.Response) -> int | None:
    stream = response.extensions.get("network_stream")
    address = stream.get_extra_info("client_addr") if stream is not None else None
    return int(address[1]) if address else None


def _server_socket_inodes(port: int) -> dict[int, int]:
    """The inode of the server's socket of each established loopback connection to
    ``port``, by the client's port, from ``/proc/net/tcp`` (and ``tcp6``)."""
    local = f":{port:04X}"
    inodes: dict[int, int] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cells = line.split()
            if cells[1].endswith(local) and cells[3] == "01" and cells[9] != "0":
                inodes[int(cells[2].rsplit(":", 1)[1], 16)] = int(cells[9])
    return inodes


def start_workers(
    database_url: str, port: int, directory: Path, env: Mapping[str, str] | None = None
) -> LiveWorkers:
    """Starts ``participe serve --workers 2`` on ``database_url`` and returns once both
    workers finished starting and the port answers. Rate limits are off; the snapshots
    live as long as in production (``PARTICIPE_READ_CACHE_SECONDS`` unset: 2 seconds)."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PARTICIPE_READ_CACHE_SECONDS", "PARTICIPE_RESULTS_SWEEP_SECONDS")
    }
    environ.update(
        {
            "PARTICIPE_DATABASE_URL": database_url,
            "PARTICIPE_RATE_LIMITS": "off",
            "PARTICIPE_UPLOAD_DIR": str(directory / "uploads"),
            **(env or {}),
        }
    )
    log = directory / "live-workers.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "web.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(WORKERS),
            ],
            cwd=ROOT,
            env=environ,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as a whole
        )
    workers = LiveWorkers(f"http://127.0.0.1:{port}", port, process, log)
    deadline = time.monotonic() + START_SECONDS
    while True:
        started = log.read_text(errors="replace").count("Application startup complete")
        if started >= WORKERS and _answers(workers.url + PROBE):
            return workers
        if process.poll() is not None or time.monotonic() > deadline:
            workers.stop()
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"participe serve --workers {WORKERS} did not start:\n{tail}")
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False
