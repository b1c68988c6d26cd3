"""CPU seconds and peak RSS of a target's processes, sampled from /proc.

A process is the target's when it is in the target's session or one of its process groups, or
names the target's folder on its command line (a daemon such as PostgreSQL leaves the session),
or descends from one that is.
CPU is counted per process from the start of a measuring window, so a process killed halfway
keeps what it used until the last sample; peak RSS is the largest sum over the processes seen
in one sample. The CPU is also split by part of the server (PARTS), from each process's command
line when it is first seen.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


# (part, what its command line contains), first match wins; the rest is "other".
PARTS = (
    ("validation", b"cbs_monitor.cli worker"),
    ("validation", b"cbs-monitor worker"),
    ("portal", b"reflex"),
    ("portal", b"granian"),
    ("database", b"postgres"),
    ("proxy", b"nginx"),
    ("redis", b"redis"),
)


def _part(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "other"
    return next((part for part, needle in PARTS if needle in cmdline), "other")


def _names(pid: int, marker: str) -> bool:
    return bool(marker) and marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()


def _processes(sessions: set[int], pgids: set[int], marker: str) -> dict[int, tuple[float, int]]:
    """pid -> (CPU seconds, RSS bytes) of the matching processes and their descendants (a
    PostgreSQL backend or an nginx worker renames itself, so only its parent names the folder)."""
    table: dict[int, tuple[int, float, int]] = {}  # pid -> (ppid, cpu, rss)
    mine: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            ppid, pgrp, sid = int(fields[1]), int(fields[2]), int(fields[3])
            cpu = (int(fields[11]) + int(fields[12])) / _TICK
            rss = int(Path(f"/proc/{entry}/statm").read_text().split()[1]) * _PAGE
            pid = int(entry)
            table[pid] = (ppid, cpu, rss)
            if sid in sessions or pgrp in pgids or _names(pid, marker):
                mine.add(pid)
        except (OSError, IndexError, ValueError):
            continue
    grown = True
    while grown:
        more = {pid for pid, (ppid, _, _) in table.items() if ppid in mine} - mine
        mine |= more
        grown = bool(more)
    return {pid: (table[pid][1], table[pid][2]) for pid in mine}


class UsageSampler:
    """Samples every `interval` seconds in a thread between `start()` and `stop()`."""

    def __init__(
        self, groups: Callable[[], tuple[set[int], set[int], str]], interval: float = 0.5
    ) -> None:
        self._groups = groups
        self._interval = interval
        self._baseline: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._parts: dict[int, str] = {}
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> dict[int, tuple[float, int]]:
        sessions, pgids, marker = self._groups()
        return _processes(sessions, pgids, marker)

    def start(self) -> None:
        self._baseline = {pid: cpu for pid, (cpu, _) in self._sample().items()}
        self._last = dict(self._baseline)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._take()

    def _take(self) -> None:
        sample = self._sample()
        for pid, (cpu, _) in sample.items():
            self._last[pid] = cpu
            if pid not in self._parts:
                self._parts[pid] = _part(pid)
        self.peak_rss = max(self.peak_rss, sum(rss for _, rss in sample.values()))

    def stop(self) -> tuple[float, float, dict[str, float]]:
        """(CPU seconds used in the window, peak RSS in MB, CPU seconds per part)."""
        self._take()
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        parts: dict[str, float] = {}
        for pid, last in self._last.items():
            part = self._parts.get(pid, "other")
            parts[part] = parts.get(part, 0.0) + last - self._baseline.get(pid, 0.0)
        return sum(parts.values()), self.peak_rss / 2**20, parts
