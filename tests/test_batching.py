"""Concurrent requests share model calls; a full queue pushes back with 503 and Retry-After."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import replace

import numpy as np
from pytest_aiohttp import AiohttpClient

from service.model.embedder import Embedder
from service.settings import Settings
from tests.conftest import Client, embedder_of, start_client, wait_until


async def test_concurrent_embeds_become_full_batches(settings: Settings) -> None:
    embedder = Embedder(settings)
    await embedder.start()
    try:
        texts = [f"Sentence {i} is about a different {i}th topic entirely." for i in range(64)]
        together = await asyncio.gather(*(embedder.embed([text]) for text in texts))
        assert embedder.stats.model_calls == 2  # 64 texts, batches of 32
        alone = [await embedder.embed([text]) for text in texts[:4]]
        for mine, reference in zip(together[:4], alone, strict=True):
            np.testing.assert_allclose(mine, reference, atol=2e-3)
    finally:
        await embedder.stop()


async def test_a_batch_waits_to_fill_only_while_requests_arrive_together(settings: Settings) -> None:
    wait_s = 5.0
    embedder = Embedder(replace(settings, max_batch_wait_ms=wait_s * 1000))
    await embedder.start()

    async def timed_embed(text: str) -> float:
        started = time.monotonic()
        await embedder.embed([text])
        return time.monotonic() - started

    try:
        lone = [await timed_embed(f"A lone caller asks about topic {i}.") for i in range(3)]
        assert max(lone) < wait_s  # a sequential caller never pays the wait
        await asyncio.gather(*(embedder.embed([f"Burst sentence {i}."]) for i in range(8)))
        assert await timed_embed("The first request after a burst.") >= wait_s  # company was coming: wait for it
        assert await timed_embed("The next one is alone again.") < wait_s
    finally:
        await embedder.stop()


async def test_concurrent_http_requests_share_model_calls(client: Client) -> None:
    embedder = embedder_of(client)
    calls_before, texts_before = embedder.stats.model_calls, embedder.stats.texts_embedded
    texts = [f"The lake near village {i} is {i + 10} metres deep." for i in range(40)]
    responses = await asyncio.gather(*(client.post("/verify", json={"raw_text": text}) for text in texts))
    assert [response.status for response in responses] == [200] * 40
    assert embedder.stats.texts_embedded - texts_before == 40
    assert embedder.stats.model_calls - calls_before <= 20  # two or more texts per model call on average


async def test_full_queue_answers_503_with_retry_after(aiohttp_client: AiohttpClient, settings: Settings) -> None:
    client = await start_client(aiohttp_client, replace(settings, max_queue_texts=40))
    embedder = embedder_of(client)
    child = embedder.pid
    assert child is not None
    os.kill(child, signal.SIGSTOP)  # the next batch stays in flight, and the queue behind it fills
    try:
        busy = asyncio.create_task(client.post("/verify", json={"raw_text": "The harbour walls have cracks."}))
        await wait_until(lambda: embedder.in_flight_batch is not None, what="a batch in flight")
        three_claims = "The bridge is old. The river is wide. The town is small."
        requests = [asyncio.create_task(client.post("/verify", json={"raw_text": three_claims})) for _ in range(20)]
        await wait_until(lambda: sum(request.done() for request in requests) == 6, what="the requests past the limit")
        assert embedder.queue_depth() == 42  # 14 requests of 3 claims: admitted while under 40 waiting
    finally:
        os.kill(child, signal.SIGCONT)
    responses = await asyncio.gather(*requests)
    statuses = [response.status for response in responses]
    assert statuses.count(200) == 14 and statuses.count(503) == 6
    for response in responses:
        if response.status == 503:
            assert response.headers["Retry-After"] == "1"
            assert (await response.json())["error"]["code"] == "model_overloaded"
    assert (await busy).status == 200
