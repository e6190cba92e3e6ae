"""The guide's memory hygiene in the web process: limit check, periodic GC, memory logs."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import re
from dataclasses import replace

import numpy as np
import pytest
from pytest_aiohttp import AiohttpClient

from service.errors import MemoryLimitExceeded
from service.memory.guard import ADMISSION_READING_MAX_AGE_S, YOUNG_COLLECTION_THRESHOLD, MemoryGuard
from service.memory.monitor import MIB, MemoryLimit, measure
from service.settings import Settings
from tests.conftest import start_client, wait_until


async def test_over_the_limit_answers_503_and_health_says_unhealthy(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await start_client(aiohttp_client, replace(settings, memory_limit_mb=1))
    response = await client.post("/verify", json={"raw_text": "The Moon orbits the Earth."})
    assert response.status == 503
    assert response.headers["Retry-After"] == "5"
    assert (await response.json())["error"]["code"] == "memory_limit_exceeded"
    health = await client.get("/health")
    assert health.status == 503
    body = await health.json()
    assert body["status"] == "unhealthy"
    assert body["memory_limit_mb"] == 1 and body["memory_limit_source"] == "MEMORY_LIMIT_MB"
    assert body["memory_percent"] > 100


def test_admission_reuses_a_recent_reading_and_reads_again_once_it_is_old() -> None:
    """Between readings the process grows 128 MB past a limit 64 MB over it: a request admitted on the
    reading taken just before is admitted, one past ADMISSION_READING_MAX_AGE_S is refused on a new one."""
    first = now = 1000.0
    before = measure(os.getpid())
    assert before is not None
    guard = MemoryGuard(
        MemoryLimit(before.rss_mb + 64, "MEMORY_LIMIT_MB"),
        model_pid=lambda: None,
        gc_every_n_requests=1000,
        log_every_n_requests=1000,
        clock=lambda: now,
    )
    guard.admit()
    grown = np.ones(128 * MIB // 8)  # written, so resident
    now = first + ADMISSION_READING_MAX_AGE_S / 2
    guard.admit()
    now = first + ADMISSION_READING_MAX_AGE_S
    with pytest.raises(MemoryLimitExceeded):
        guard.admit()
    del grown


async def test_periodic_gc_and_memory_logs(
    aiohttp_client: AiohttpClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    client = await start_client(aiohttp_client, replace(settings, gc_every_n_requests=2, log_memory_every_n_requests=3))
    for _ in range(3):
        response = await client.post("/verify", json={"raw_text": "The Moon orbits the Earth."})
        assert response.status == 200
    messages = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("Periodic cleanup at request #2:") for message in messages)
    assert not any("Periodic cleanup at request #3" in message for message in messages)
    after = [message for message in messages if message.startswith("Memory [after request #3]: RSS=")]
    assert len(after) == 2
    assert any("(web pid=" in message for message in after) and any("(model pid=" in message for message in after)
    assert sum(message.startswith("Memory [startup]: RSS=") for message in messages) == 2
    # start-up's objects are frozen, so the periodic collections walk only what requests create
    assert any(re.fullmatch(r"Garbage collector: \d+ start-up objects frozen", message) for message in messages)
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD  # young collections spaced out for serving


async def test_the_last_request_of_a_burst_cleans_up_once(caplog: pytest.LogCaptureFixture) -> None:
    emptied: list[str] = []
    guard = MemoryGuard(
        MemoryLimit(1_000_000, "machine"),
        model_pid=lambda: None,
        gc_every_n_requests=1000,
        log_every_n_requests=1000,
        idle_cleanup_delay_s=0,
        idle_caches=(lambda: emptied.append("readings"),),
    )
    caplog.set_level(logging.INFO)
    with guard.serving(), guard.serving(), guard.serving():  # three requests in flight, leaving one by one
        pass
    with guard.serving():  # a fourth arrives before the clean-up runs: it is still the one clean-up
        pass

    def cleanups_logged() -> list[str]:
        return [record.getMessage() for record in caplog.records if "Cleanup after" in record.getMessage()]

    await wait_until(lambda: bool(cleanups_logged()), timeout_s=10, what="the clean-up")
    await asyncio.sleep(0.05)  # a second one, if any were scheduled, would have run by now
    cleanups = cleanups_logged()
    assert len(cleanups) == 1
    assert cleanups[0].startswith("Cleanup after the last request in flight (#4): ")
    assert guard.in_flight == 0 and guard.requests == 4
    assert emptied == ["readings"]  # the caches go with the burst, once
