"""Running Debian's ``wrk`` (``apt-get install wrk``) with a Lua script, in its own process,
and reading the JSON line the script's ``done()`` prints."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent


@dataclass
class WrkRun:
    """One run: the script's counts and wrk's latency percentiles (microseconds)."""

    figures: dict[str, Any]

    @property
    def requests_per_second(self) -> float:
        return float(self.figures["requests"]) / (self.figures["duration_us"] / 1e6)

    def ms(self, name: str) -> float:
        return float(self.figures[name]) / 1000

    @property
    def errors(self) -> int:
        f = self.figures
        return int(f.get("errors", 0)) + int(f["socket_errors"]) + int(f["timeouts"])


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return path


def _command(
    url: str, script: str, *, connections: int, threads: int, seconds: float, timeout_seconds: int
) -> list[str]:
    return [
        require_wrk(),
        "--latency",
        *("-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s"),
        *("--timeout", f"{timeout_seconds}s", "-s", str(BENCH / script)),
        url,
    ]


def _figures(stdout: str, stderr: str) -> WrkRun:
    for line in stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return WrkRun(json.loads(line.removeprefix("BENCH_JSON ")))
    raise RuntimeError(f"wrk printed no figures:\n{stdout}\n{stderr}")


def run_wrk(
    url: str,
    script: str,
    *,
    connections: int,
    threads: int,
    seconds: float,
    env: Mapping[str, str] | None = None,
    timeout_seconds: int = 10,
) -> WrkRun:
    """Runs ``wrk`` against ``url`` with ``bench/<script>``; raises when it prints no
    figures."""
    threads = max(1, min(threads, connections))
    done = subprocess.run(
        _command(
            url,
            script,
            connections=connections,
            threads=threads,
            seconds=seconds,
            timeout_seconds=timeout_seconds,
        ),
        env={**os.environ, "BENCH_THREADS": str(threads), **(env or {})},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    return _figures(done.stdout, done.stderr)


@dataclass
class Started:
    """A ``wrk`` run under way until :meth:`stop`: for a load that lasts as long as
    something else does (a queue being emptied)."""

    process: subprocess.Popen[str]
    started: float

    def stop(self) -> WrkRun:
        """Interrupts it (wrk then prints its figures, for the time it ran)."""
        self.process.send_signal(signal.SIGINT)
        stdout, stderr = self.process.communicate(timeout=60)
        return _figures(stdout, stderr)


def start_wrk(
    url: str,
    script: str,
    *,
    connections: int,
    threads: int,
    env: Mapping[str, str] | None = None,
    timeout_seconds: int = 10,
    longest: float = 3600,
) -> Started:
    """Starts ``wrk`` as :func:`run_wrk` does, for at most ``longest`` seconds."""
    threads = max(1, min(threads, connections))
    process = subprocess.Popen(
        _command(
            url,
            script,
            connections=connections,
            threads=threads,
            seconds=longest,
            timeout_seconds=timeout_seconds,
        ),
        env={**os.environ, "BENCH_THREADS": str(threads), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Started(process, time.monotonic())
