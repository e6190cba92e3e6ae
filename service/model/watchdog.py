"""The watchdog: samples the model child's memory and restarts it past its budget, or when it hangs.

Deaths are seen at once through the child's sentinel (see :mod:`service.model.embedder`);
the watchdog is for the slow failure, memory creeping up, and a backstop for a
death the sentinel somehow missed. A child is only restarted for its memory once
it has served a batch, so a budget below the model's resting size still lets
every child do some work instead of restarting in a loop.

Between batches it pings the child: a child stopped or deadlocked while idle would
otherwise be noticed only when the next batch timed out, with users waiting on it.

It also fills the memory history behind /status: a sample of both processes every
HISTORY_INTERVAL_S, and a mark for each restart it sees counted, whatever its cause.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

from service.memory.history import MemoryHistory
from service.memory.monitor import measure
from service.model.embedder import Embedder, State

log = logging.getLogger(__name__)


class Watchdog:
    def __init__(
        self,
        embedder: Embedder,
        budget_mb: float,
        interval_ms: int,
        ping_timeout_s: float,
        history: MemoryHistory | None = None,
    ) -> None:
        """``history``: where to record memory over time (None: nowhere, for a watchdog that only guards)."""
        self.embedder = embedder
        self.budget_mb = budget_mb
        self.interval_s = interval_ms / 1000
        self.ping_timeout_s = ping_timeout_s
        self.history = history
        self._warned_pid: int | None = None
        self._restarts_seen = 0

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                self.check()
                if self.history is not None:
                    self.record(self.history, time.time())
            except Exception:  # the watchdog must outlive any one bad sample
                log.exception("Watchdog check failed")

    def record(self, history: MemoryHistory, now: float) -> None:
        """Mark restarts counted since the last look, and sample both processes when a sample is due.

        Restarts are looked for at every check (a death is replaced within about a second, so two fall
        between checks only when a replacement dies at once; the mark then carries the last reason).
        """
        stats = self.embedder.stats
        restarts = sum(stats.restarts.values())
        if restarts > self._restarts_seen:
            self._restarts_seen = restarts
            history.add_restart(now, stats.last_restart_reason)
        if not history.due(now):
            return
        web = measure(os.getpid())
        pid = self.embedder.pid
        model = measure(pid) if pid is not None else None
        history.add_sample(now, web.rss_mb if web else None, model.rss_mb if model else None)

    def check(self) -> None:
        child = self.embedder.child
        if self.embedder.state is not State.READY or child is None:
            return
        if not child.is_alive():
            self.embedder.on_child_exit(child)
            return
        if self.hung():
            return
        sample = measure(child.pid)  # RSS only: USS means walking every mapping, too dear twice a second
        if sample is None or sample.rss_mb <= self.budget_mb:
            return
        if child.batches_served == 0:
            if self._warned_pid != child.pid:
                self._warned_pid = child.pid
                log.warning(
                    "Model child pid=%d rests at RSS=%.1fMB, above its budget of %.0fMB: "
                    "it will be restarted after each batch; raise MODEL_RSS_BUDGET_MB",
                    child.pid,
                    sample.rss_mb,
                    self.budget_mb,
                )
            return
        detailed = measure(child.pid, with_uss=True) or sample
        self.embedder.request_restart(
            f"budget: RSS={detailed.rss_mb:.1f}MB (USS={detailed.uss_mb or 0:.1f}MB) over {self.budget_mb:.0f}MB",
            graceful=True,
        )

    def hung(self) -> bool:
        """Restart a child that has left a ping unanswered past its timeout; else ping it if it is idle."""
        silent_s = self.embedder.unanswered_ping_s
        if silent_s is not None and silent_s > self.ping_timeout_s:
            self.embedder.request_restart(f"hung: no answer to a ping in {silent_s:.1f}s", graceful=False)
            return True
        self.embedder.ping()
        return False
