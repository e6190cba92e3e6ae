"""The model child dies, bloats, hangs or fails: no request is lost or left hanging."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import psutil
import pytest
from pytest_aiohttp import AiohttpClient

from service.errors import ModelTimeout, ModelUnavailable, TextRejected
from service.model.embedder import Embedder, State
from service.model.watchdog import Watchdog
from service.settings import Settings
from service.web.keys import WATCHDOG
from tests.conftest import Client, embedder_of, pid_exists, start_client, wait_until

LONG_SENTENCE = "The committee reviewed every clause of the long agreement " * 30  # past the 256-token cap


@pytest.fixture
async def embedder(settings: Settings) -> AsyncIterator[Embedder]:
    embedder = Embedder(replace(settings, request_timeout_s=2.0))
    await embedder.start()
    yield embedder
    await embedder.stop()


async def test_kill_during_100_concurrent_requests_loses_none(client: Client) -> None:
    embedder = embedder_of(client)
    old_pid = embedder.pid
    assert old_pid is not None
    calls_before = embedder.stats.model_calls
    texts = [f"Claim number {i} says the river is {i} km long. The bridge has {i} arches." for i in range(100)]
    requests = [asyncio.create_task(client.post("/verify", json={"raw_text": text})) for text in texts]
    await wait_until(lambda: embedder.stats.model_calls >= calls_before + 1, what="some batches to finish")
    await wait_until(lambda: embedder.in_flight_batch is not None, what="a batch in flight")
    os.kill(old_pid, signal.SIGKILL)
    responses = await asyncio.gather(*requests)
    assert [response.status for response in responses] == [200] * 100
    bodies = [await response.json() for response in responses]
    assert all(len(body["claims"]) == 2 for body in bodies)
    assert embedder.stats.restarts == {"died": 1}
    assert embedder.pid != old_pid and not pid_exists(old_pid)


async def test_tiny_budget_forces_restarts_while_requests_succeed(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    # The watchdog's own timer never fires here: the test runs each check, so no restart depends on timing.
    client = await start_client(
        aiohttp_client, replace(settings, model_rss_budget_mb=1, watchdog_interval_ms=3_600_000)
    )
    embedder, watchdog = embedder_of(client), client.app[WATCHDOG]
    pids = []
    for i in range(3):
        response = await client.post("/verify", json={"raw_text": f"The tower has {i + 3} floors above the street."})
        assert response.status == 200
        served_by = embedder.pid
        pids.append(served_by)
        watchdog.check()  # it has served a batch and rests above 1 MB: replaced
        await wait_until(lambda p=served_by: embedder.pid != p and embedder.state is State.READY, what="a new child")  # type: ignore[misc]
    assert len(set(pids)) == 3
    assert embedder.stats.restarts == {"budget": 3}
    assert embedder.stats.last_restart_reason.startswith("budget: RSS=")


async def test_request_lost_twice_gets_503(client: Client) -> None:
    embedder = embedder_of(client)
    # Passages are embedded whole (claims would be cut into short pieces): one batch of 32 long texts.
    passages = [{"text": f"{LONG_SENTENCE}{i}."} for i in range(32)]
    request = asyncio.create_task(client.post("/evidence", json={"passages": passages}))
    for _ in range(2):
        await wait_until(lambda: embedder.in_flight_batch is not None and embedder.state is State.READY)
        pid = embedder.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        await wait_until(lambda p=pid: embedder.pid != p, what="a new child")  # type: ignore[misc]
    response = await request
    assert response.status == 503
    assert response.headers["Retry-After"]
    error = (await response.json())["error"]
    assert error["code"] == "model_crashed"
    assert "killed by SIGKILL" in error["message"]
    await wait_until(lambda: embedder.state is State.READY)
    assert (await client.post("/verify", json={"raw_text": "The sky is blue today."})).status == 200


async def test_failed_batch_is_reported_with_traceback_and_child_survives(
    embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    pid = embedder.pid
    with caplog.at_level(logging.DEBUG), pytest.raises(TextRejected, match="could not embed"):
        await embedder.embed([12345])  # type: ignore[list-item]
    assert "Traceback (most recent call last)" in caplog.text
    assert embedder.pid == pid and embedder.stats.restarts == {}
    vectors = await embedder.embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert vectors.shape == (2, 384)


async def test_a_text_the_model_fails_on_fails_alone_among_concurrent_requests(
    embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    texts = [[f"Innocent claim number {i} about the harbour."] for i in range(30)]
    texts[17] = [12345]  # type: ignore[list-item]
    with caplog.at_level(logging.WARNING):
        outcomes = await asyncio.gather(*(embedder.embed(request) for request in texts), return_exceptions=True)
    assert [type(outcome) for outcome in outcomes].count(TextRejected) == 1
    assert isinstance(outcomes[17], TextRejected)
    assert all(getattr(outcome, "shape", None) == (1, 384) for i, outcome in enumerate(outcomes) if i != 17)
    assert embedder.stats.restarts == {}
    rejected = [record for record in caplog.records if "alone" in record.getMessage()]
    assert len(rejected) == 1 and "\n" not in rejected[0].getMessage()  # one line per failure


async def test_reply_after_timeout_is_not_taken_for_the_next_answer(embedder: Embedder) -> None:
    with pytest.raises(ModelTimeout):
        await embedder.embed([f"{LONG_SENTENCE}{i}" for i in range(64)])
    await wait_until(lambda: embedder.in_flight_batch is None, what="the abandoned batch to finish")
    vectors = await embedder.embed(["A man is eating food.", "A man is eating a piece of bread.", "A girl."])
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(0.753, abs=0.01)
    assert embedder.queue_depth() == 0


async def test_model_that_cannot_load_is_not_retried(settings: Settings, tmp_path: Path) -> None:
    embedder = Embedder(replace(settings, text_embedding_model=str(tmp_path)))
    with pytest.raises(ModelUnavailable, match="failed to load"):
        await embedder.start()
    assert embedder.state is State.FAILED
    assert embedder.child is not None and not pid_exists(embedder.child.pid)
    with pytest.raises(ModelUnavailable):
        await embedder.embed(["anything at all"])
    await embedder.stop()


async def test_boot_failure_on_restart_fails_requests_and_health(client: Client, tmp_path: Path) -> None:
    embedder = embedder_of(client)
    embedder.spec = replace(embedder.spec, name=str(tmp_path))  # as if the model files vanished
    pid = embedder.pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    await wait_until(lambda: embedder.state is State.FAILED, what="the failed reboot")
    failed_child = embedder.child
    response = await client.post("/verify", json={"raw_text": "The sky is blue today."})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "model_unavailable"
    health = await client.get("/health")
    assert health.status == 503
    assert "failed to load" in (await health.json())["error"]
    await asyncio.sleep(0.5)
    assert embedder.child is failed_child  # no second attempt


async def test_children_killed_while_booting_are_replaced_not_taken_for_a_broken_model(client: Client) -> None:
    embedder = embedder_of(client)
    first = embedder.pid
    assert first is not None
    killed = {first}
    os.kill(first, signal.SIGKILL)
    for _ in range(2):  # kill each replacement before it says READY (a boot takes about a second)
        await wait_until(lambda: embedder.pid not in killed, what="a booting child")
        booting = embedder.pid
        assert booting is not None and embedder.state is State.RESTARTING
        os.kill(booting, signal.SIGKILL)
        killed.add(booting)
    await wait_until(lambda: embedder.state is State.READY, what="a child that boots")
    response = await client.post("/verify", json={"raw_text": "The sky is blue today."})
    assert response.status == 200
    assert (await client.get("/health")).status == 200


async def test_stop_resolves_every_pending_request(embedder: Embedder) -> None:
    in_flight = asyncio.create_task(embedder.embed([f"{LONG_SENTENCE}{i}" for i in range(32)]))
    await wait_until(lambda: embedder.in_flight_batch is not None, what="a batch in flight")
    queued = asyncio.create_task(embedder.embed(["A queued sentence about the harbour."]))
    await asyncio.sleep(0.05)
    child = embedder.child
    await embedder.stop()
    for request in (in_flight, queued):
        with pytest.raises(ModelUnavailable, match="shutting down"):
            await request
    assert child is not None and not pid_exists(child.pid)


async def test_death_seen_first_by_the_watchdog_is_retried_at_once(settings: Settings) -> None:
    embedder = Embedder(settings)
    await embedder.start()
    try:
        watchdog = Watchdog(embedder, budget_mb=100_000, interval_ms=60_000, ping_timeout_s=60)
        request = asyncio.create_task(embedder.embed([f"{LONG_SENTENCE}{i}" for i in range(32)]))
        await wait_until(lambda: embedder.in_flight_batch is not None, what="a batch in flight")
        pid = embedder.pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.3)  # the event loop is blocked, so the sentinel's callback cannot run first
        watchdog.check()
        vectors = await asyncio.wait_for(request, timeout=30)  # not after MODEL_CALL_TIMEOUT_S (60 s)
        assert vectors.shape == (32, 384)
        assert embedder.stats.restarts == {"died": 1}
        assert embedder.stats.last_restart_reason == "died: killed by SIGKILL"
    finally:
        await embedder.stop()


async def test_child_stopped_between_batches_is_found_by_ping_and_replaced(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    embedder = Embedder(settings)
    await embedder.start()
    try:
        # The test runs each check itself (the timer never fires), so nothing depends on how fast the child is.
        watchdog = Watchdog(embedder, budget_mb=100_000, interval_ms=60_000, ping_timeout_s=0.2)
        watchdog.check()
        assert embedder.unanswered_ping_s is not None
        await wait_until(lambda: embedder.unanswered_ping_s is None, what="the idle child's answer")
        stopped = embedder.pid
        assert stopped is not None
        os.kill(stopped, signal.SIGSTOP)  # hung between batches: alive, silent, no batch to time out
        watchdog.check()
        await wait_until(lambda: (embedder.unanswered_ping_s or 0) > 0.2, what="an unanswered ping")
        watchdog.check()
        assert embedder.state is State.RESTARTING
        await wait_until(lambda: embedder.state is State.READY, what="the replacement child")
        assert embedder.stats.last_restart_reason.startswith("hung: no answer to a ping")
        assert "ignored shutdown" not in caplog.text  # killed at once: a stopped child cannot heed a request
        assert embedder.pid != stopped and not pid_exists(stopped)
        assert embedder.stats.restarts == {"hung": 1}
        assert (await embedder.embed(["The harbour opens at dawn."])).shape == (1, 384)
    finally:
        await embedder.stop()


async def test_a_spawned_child_serves_and_is_replaced_as_a_forked_one_is(settings: Settings) -> None:
    embedder = Embedder(settings.replace(model_start_method="spawn"))
    await embedder.start()
    try:
        first = embedder.pid
        assert first is not None
        assert psutil.Process(first).ppid() == os.getpid()  # no forkserver between them
        os.kill(first, signal.SIGKILL)
        vectors = await embedder.embed(["The harbour opens at dawn."])  # retried on the replacement
        assert vectors.shape == (1, 384) and embedder.pid != first
        assert embedder.stats.restarts == {"died": 1}
    finally:
        await embedder.stop()


async def test_a_forked_child_comes_from_the_forkserver_not_the_web_process(embedder: Embedder) -> None:
    pid = embedder.pid
    assert pid is not None
    launcher = psutil.Process(pid).parent()
    assert launcher is not None and launcher.pid != os.getpid()
    assert "forkserver" in " ".join(launcher.cmdline())
    assert launcher.ppid() == os.getpid()
