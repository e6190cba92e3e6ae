"""The guide's memory hygiene, per process: limit check before a request, periodic GC and heap trim, memory logs."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from service.errors import MemoryLimitExceeded
from service.memory.heap import release_free_memory
from service.memory.monitor import MemoryLimit, ProcessMemory, measure, memory_line

log = logging.getLogger(__name__)
# How long after the last request in flight has ended the web process cleans up, if none has come since:
# by then its answer is sent and its connection's buffers are freed too.
IDLE_CLEANUP_DELAY_S = 1.0
# Admission reuses a reading of the processes' RSS younger than this. Read for every request, the two
# /proc/PID/statm files cost 52 us of CPU per request; under load (32 clients, short claims) a tenth of a
# second is 5 to 15 requests, each of whose bodies is already bounded by body admission, and the watchdog
# itself reads the child's RSS only every half second. A refusal is never decided on a reused reading:
# over the limit, admission collects garbage and reads again.
ADMISSION_READING_MAX_AGE_S = 0.1
# The youngest generation is collected after this many new container objects, not CPython's 700: under load
# (32 clients, short claims) that was one collection every 15 requests, 74 us of CPU per request with the
# middle generation's they set off; at 10,000, 3 per 2,000 requests and 11 us per request. Cyclic garbage
# waits for at most that many objects (a MB or two). The older generations keep CPython's ratios.
YOUNG_COLLECTION_THRESHOLD = 10_000


class MemoryGuard:
    def __init__(
        self,
        limit: MemoryLimit,
        model_pid: Callable[[], int | None],
        gc_every_n_requests: int,
        log_every_n_requests: int,
        idle_cleanup_delay_s: float = IDLE_CLEANUP_DELAY_S,
        idle_caches: Sequence[Callable[[], None]] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.model_pid = model_pid
        self.gc_every = max(1, gc_every_n_requests)
        self.log_every = max(1, log_every_n_requests)
        self.requests = 0
        self.in_flight = 0
        self.idle_cleanup_delay_s = idle_cleanup_delay_s
        self.idle_caches = idle_caches  # emptied when the last request of a burst is done (rebuilt on use)
        self._idle_cleanup: asyncio.TimerHandle | None = None
        self._clock = clock
        self._admission_reading: tuple[float, float] | None = None  # (when, total RSS MB) of the last one

    def log_limit(self) -> None:
        log.info("Memory limit %.0fMB (from %s)", self.limit.mb, self.limit.source)

    def processes(self, with_uss: bool = False) -> dict[str, ProcessMemory | None]:
        pid = self.model_pid()
        return {
            "web": measure(os.getpid(), with_uss),
            "model": measure(pid, with_uss) if pid else None,
        }

    @staticmethod
    def total_rss_mb(processes: dict[str, ProcessMemory | None]) -> float:
        return sum(memory.rss_mb for memory in processes.values() if memory is not None)

    def admit(self) -> None:
        """Raise MemoryLimitExceeded when the processes are over the limit even after a garbage collection.

        A reading under ADMISSION_READING_MAX_AGE_S old is reused to admit; a refusal always rests on a new one.
        """
        now = self._clock()
        reading = self._admission_reading
        if reading is None or now - reading[0] >= ADMISSION_READING_MAX_AGE_S:
            reading = self._admission_reading = (now, self.total_rss_mb(self.processes()))
        if reading[1] <= self.limit.mb:
            return
        gc.collect()
        total = self.total_rss_mb(self.processes())
        self._admission_reading = (self._clock(), total)
        if total > self.limit.mb:
            log.warning("Memory limit exceeded: RSS=%.1fMB > %.0fMB (%s)", total, self.limit.mb, self.limit.source)
            raise MemoryLimitExceeded(f"memory in use {total:.0f}MB is over the limit of {self.limit.mb:.0f}MB")

    def prepare_collector(self) -> None:
        """Move what start-up built (modules, app, store, pipeline) out of the collector's sight, and space out
        the young collections (see YOUNG_COLLECTION_THRESHOLD).

        Start-up's objects live as long as the process, yet every periodic full collection walked
        them all: about 50 ms with the event loop blocked, to collect nothing. Afterwards a
        collection only walks what requests created.
        """
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
        log.info("Garbage collector: %d start-up objects frozen", gc.get_freeze_count())

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Admit a request against the limit, count it when done, and clean up after the last of a burst."""
        self.admit()
        self.in_flight += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._count_request()

    def _count_request(self) -> None:
        """Count a request; every ``gc_every`` requests, and when the last request in flight ends, clean up.

        Without the clean-up at the end of a burst the web process stayed at its high-water mark:
        the periodic one ran while other requests of the burst still held their memory.
        """
        self.requests += 1
        if self.requests % self.gc_every == 0:
            self.clean_up(f"Periodic cleanup at request #{self.requests}")
        elif self.in_flight == 0 and self._idle_cleanup is None:
            self._idle_cleanup = asyncio.get_running_loop().call_later(
                self.idle_cleanup_delay_s, self._clean_up_if_idle
            )
        if self.requests % self.log_every == 0:
            self.log(f"after request #{self.requests}")

    def _clean_up_if_idle(self) -> None:
        self._idle_cleanup = None
        if self.in_flight == 0:
            for empty_cache in self.idle_caches:
                empty_cache()
            self.clean_up(f"Cleanup after the last request in flight (#{self.requests})")

    def clean_up(self, context: str) -> None:
        """Collect garbage, then hand freed heap back to the OS (glibc keeps it otherwise)."""
        started = time.perf_counter()
        collected = gc.collect()
        collected_ms = (time.perf_counter() - started) * 1000
        trimmed = release_free_memory()
        took_ms = (time.perf_counter() - started) * 1000
        log.info(
            "%s: %d objects collected in %.1fms, heap %s in %.1fms",
            context,
            collected,
            collected_ms,
            "trimmed" if trimmed else "not trimmed (no glibc)",
            took_ms - collected_ms,
        )

    def log(self, context: str) -> None:
        processes = self.processes()
        total = self.total_rss_mb(processes)
        for role, memory in processes.items():
            if memory is not None:
                log.info(memory_line(context, role, memory, self.limit, total))
