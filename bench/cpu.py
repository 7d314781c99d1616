"""Where the machine's CPU went during a run: the share of the app's workers, PostgreSQL,
Redis, the load generator and everything else, read from ``/proc`` before and after."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _process_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0
    # utime, stime (and the children's, for processes that wait on theirs)
    return int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) ticks of every CPU since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Sample:
    busy: int
    total: int
    groups: dict[str, int]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def sample(app_pids: Iterable[int], database: str, wrk: bool = True) -> Sample:
    """CPU ticks so far by group; ``postgres`` counts the backends connected to
    ``database`` (the server's other processes and databases go to ``other``)."""
    groups = {"app workers": 0, "postgres": 0, "redis": 0, "wrk": 0}
    for pid in app_pids:
        groups["app workers"] += _process_ticks(pid)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        name = _name(int(entry.name))
        if name == "postgres" and f" {database} " in _cmdline(int(entry.name)):
            groups["postgres"] += _process_ticks(int(entry.name))
        elif name.startswith("redis-server"):
            groups["redis"] += _process_ticks(int(entry.name))
    if wrk:
        # wrk runs and ends between two samples: its time is in our children's usage.
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        groups["wrk"] = round((usage.ru_utime + usage.ru_stime) * TICKS)
    busy, total = _machine_ticks()
    return Sample(busy, total, groups)


def shares(before: Sample, after: Sample, seconds: float) -> dict[str, float]:
    """CPU used during the run, in cores (1.0 = one CPU busy all along), by group; the
    rest of the machine's busy time is ``other``, its idle time ``idle``."""
    cores = os.cpu_count() or 1
    used = {
        name: (after.groups[name] - before.groups[name]) / TICKS / seconds for name in before.groups
    }
    busy = (after.busy - before.busy) / max(1, after.total - before.total) * cores
    used["other"] = max(0.0, busy - sum(used.values()))
    used["idle"] = max(0.0, cores - busy)
    return used
