"""One model child as the web process sees it: spawn it, talk to it, reap it.

The child never inherits the event loop: it is forked from multiprocessing's
forkserver, a clean process that has imported onnxruntime and fastembed once (see
:mod:`model_proc.preload`), so a restart costs a model load rather than a Python
start-up; or, with MODEL_START_METHOD=spawn, started as a fresh interpreter. Only
:mod:`model_proc.child` is imported here, and it loads fastembed lazily inside the
child, so the web process never imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import time
from multiprocessing.connection import Connection

from model_proc import child
from model_proc.protocol import ModelSpec, Ping, Pong, Ready, Shutdown, ToChild

log = logging.getLogger(__name__)
REAP_WAIT_S = 1.0


def start_context(method: str) -> multiprocessing.context.BaseContext:
    """The multiprocessing context children are started with; the forkserver preloads the model libraries
    (this must be said before it first starts, which happens with the first child)."""
    context = multiprocessing.get_context(method)
    if isinstance(context, multiprocessing.context.ForkServerContext):
        context.set_forkserver_preload(["model_proc.preload"])
    return context


class ModelProcess:
    """A spawned child, its end of the pipe, and what we know about it."""

    def __init__(
        self, spec: ModelSpec, log_level: str, log_format: str, context: multiprocessing.context.BaseContext
    ) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.conn: Connection = parent_end
        self.process: multiprocessing.process.BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=child.main,
            args=(child_end, spec, log_level, log_format),
            name="model-child",
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.pid: int = self.process.pid or 0
        self.started_at = time.monotonic()
        self.ready: Ready | None = None
        self.batches_served = 0
        self.peak_rss_mb: float | None = None  # highest high-water mark of any batch since it started
        self.exit_code: int | None = None
        self.ping: Ping | None = None  # sent and not yet answered
        self._ping_sent_at = 0.0
        self._reaped = False

    @property
    def sentinel(self) -> int:
        return self.process.sentinel

    def uptime_s(self) -> float:
        return time.monotonic() - self.started_at

    @property
    def reaped(self) -> bool:
        return self._reaped

    def is_alive(self) -> bool:
        return not self._reaped and self.process.is_alive()

    def record_batch(self, peak_rss_mb: float | None) -> None:
        self.batches_served += 1
        if peak_rss_mb is not None:
            self.peak_rss_mb = max(self.peak_rss_mb or 0.0, peak_rss_mb)

    def send(self, message: ToChild) -> None:
        self.conn.send(message)

    def send_ping(self, ping: Ping) -> None:
        self.send(ping)
        self.ping = ping
        self._ping_sent_at = time.monotonic()

    def answered(self, pong: Pong) -> None:
        if self.ping is not None and pong.ping_id == self.ping.ping_id:
            self.ping = None

    def ping_age_s(self) -> float | None:
        return None if self.ping is None else time.monotonic() - self._ping_sent_at

    def exit_description(self) -> str:
        """How the child ended, e.g. ``killed by SIGKILL`` or ``exit code 3``, for logs and restart reasons."""
        code = self.exit_code if self._reaped else self.process.exitcode
        if code is None:
            return "still running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit code {code}"

    async def stop(self, grace_s: float) -> None:
        """Ask the child to exit; SIGTERM, then SIGKILL, if it has not within ``grace_s`` each (0: SIGKILL at once)."""
        if self.is_alive() and grace_s <= 0:
            self.process.kill()
            await self.wait_exit(REAP_WAIT_S)
        elif self.is_alive():
            with contextlib.suppress(OSError):
                self.send(Shutdown())
            if not await self.wait_exit(grace_s):
                log.warning("model child pid=%d ignored shutdown; sending SIGTERM", self.pid)
                self.process.terminate()
                if not await self.wait_exit(grace_s):
                    log.warning("model child pid=%d ignored SIGTERM; sending SIGKILL", self.pid)
                    self.process.kill()
                    await self.wait_exit(grace_s)
        self.reap()

    async def wait_exit(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.is_alive():
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.02)
        return True

    def reap(self) -> None:
        """Collect the exit status and close the pipe, so no zombie or descriptor is left behind.

        A child's pipes close a moment before its exit status can be collected, so a
        broken pipe or a fired sentinel waits briefly for it (normally well under 1 ms).
        """
        if self._reaped:
            return
        self.process.join(timeout=REAP_WAIT_S)
        self.conn.close()
        self.exit_code = self.process.exitcode
        if self.exit_code is not None:
            self.process.close()
            self._reaped = True
