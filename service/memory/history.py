"""Memory over time for /health/history and the /status chart: a ring buffer of fixed size.

The watchdog adds a sample every HISTORY_INTERVAL_S (web RSS, model RSS) and a mark for each
restart it sees. Samples live in one preallocated array, so an hour of them costs the same few KiB
on the first day as on the hundredth; the oldest is overwritten by the newest.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

# Restart marks kept: more than an hour's worth of restarts means the chart's story is "restarting".
MAX_RESTART_MARKS = 64
# Columns of a sample row: wall-clock seconds, web RSS and model RSS in MB (NaN: no child to measure).
TIME, WEB_RSS, MODEL_RSS = range(3)


@dataclass(frozen=True)
class RestartMark:
    at: float  # wall-clock seconds
    reason: str  # as the embedder gave it: "died: killed by SIGKILL", "budget: RSS=...", "timeout: ..."


class MemoryHistory:
    """The last ``points`` memory samples, one every ``interval_s``, and the last restarts."""

    def __init__(self, points: int, interval_s: float) -> None:
        self.points = points
        self.interval_s = interval_s
        self._rows = np.full((points, 3), np.nan)
        self._next = 0  # the row the next sample overwrites
        self._count = 0
        self._restarts: deque[RestartMark] = deque(maxlen=MAX_RESTART_MARKS)

    def __len__(self) -> int:
        return self._count

    def due(self, now: float) -> bool:
        """Whether a sample taken at ``now`` is one interval or more after the last one."""
        if self._count == 0:
            return True
        last = self._rows[(self._next - 1) % self.points, TIME]
        return bool(now - last >= self.interval_s)

    def add_sample(self, at: float, web_rss_mb: float | None, model_rss_mb: float | None) -> None:
        self._rows[self._next] = (at, nan_if_none(web_rss_mb), nan_if_none(model_rss_mb))
        self._next = (self._next + 1) % self.points
        self._count = min(self._count + 1, self.points)

    def add_restart(self, at: float, reason: str) -> None:
        self._restarts.append(RestartMark(at, reason))

    def samples(self) -> np.ndarray:
        """The samples held, oldest first: one row each of (time, web RSS, model RSS)."""
        if self._count < self.points:
            return self._rows[: self._count].copy()
        return np.roll(self._rows, -self._next, axis=0)

    def restarts(self) -> list[RestartMark]:
        return list(self._restarts)


def nan_if_none(value: float | None) -> float:
    return math.nan if value is None else value
