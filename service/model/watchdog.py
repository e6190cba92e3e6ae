"""The watchdog: samples the model child's memory and restarts it past its budget, or when it hangs.

Deaths are seen at once through the child's sentinel (see :mod:`service.model.embedder`);
the watchdog is for the slow failure, memory creeping up, and a backstop for a
death the sentinel somehow missed. A child is only restarted for its memory once
it has served a batch, so a budget below the model's resting size still lets
every child do some work instead of restarting in a loop.

Between batches it pings the child: a child stopped or deadlocked while idle would
otherwise be noticed only when the next batch timed out, with users waiting on it.
"""

from __future__ import annotations

import asyncio
import logging

from service.memory.monitor import measure
from service.model.embedder import Embedder, State

log = logging.getLogger(__name__)


class Watchdog:
    def __init__(self, embedder: Embedder, budget_mb: float, interval_ms: int, ping_timeout_s: float) -> None:
        self.embedder = embedder
        self.budget_mb = budget_mb
        self.interval_s = interval_ms / 1000
        self.ping_timeout_s = ping_timeout_s
        self._warned_pid: int | None = None

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                self.check()
            except Exception:  # the watchdog must outlive any one bad sample
                log.exception("Watchdog check failed")

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
