"""A fair share of the model: one client's flood of long texts does not starve another's short claims,
and the work of a client that goes away leaves the queue and the memory untouched.

Both are checked by what the queue holds, not by the clock: the short claims must all be answered
while the flood is still waiting, and after the flood's client disconnects the queue empties and its
claims are never remembered.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import replace

import aiohttp
from pytest_aiohttp import AiohttpClient

from service.settings import Settings
from tests.conftest import embedder_of, start_client, wait_until

FLOODER = {"X-Forwarded-For": "198.51.100.7"}
NEIGHBOUR = {"X-Forwarded-For": "198.51.100.8"}


def long_text(seed: int) -> str:
    """About 2,000 words in 120 short sentences, each a claim of its own."""
    return " ".join(
        f"Survey team {seed} counted {n} herons and {n + 3} egrets on the northern marsh near post {n}."
        for n in range(120)
    )


async def test_short_claims_are_served_between_a_floods_batches_and_a_gone_flood_leaves_nothing(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    local_proxy = ipaddress.ip_network("127.0.0.1/32")
    client = await start_client(aiohttp_client, replace(settings, trusted_proxies=(local_proxy,)))
    embedder = embedder_of(client)
    url = str(client.make_url("/verify"))
    flood_session = aiohttp.ClientSession()
    flood = [
        asyncio.create_task(flood_session.post(url, json={"raw_text": long_text(seed)}, headers=FLOODER))
        for seed in range(30)
    ]
    try:
        await wait_until(lambda: embedder.queue_depth() > 2000, what="the flood in the queue")
        for n in range(20):
            response = await client.post(
                "/verify", json={"raw_text": f"Kite {n} flew over the dunes."}, headers=NEIGHBOUR
            )
            assert response.status == 200
            assert embedder.queue_depth() > 0, f"short claim {n} waited for the whole flood"
    finally:
        await flood_session.close()  # the flooding client goes away with its requests unanswered
    await wait_until(lambda: embedder.queue_depth() == 0, what="the flood's texts to leave the queue")
    await wait_until(lambda: all(task.done() for task in flood), what="the flood's requests to end")
    flood_claims = (await (await client.get("/memory")).json())["total"] - 20
    assert flood_claims % 120 == 0, "a request stored part of its claims"
    assert flood_claims < 30 * 120, "the abandoned requests were all done anyway"
    metrics = (await (await client.get("/metrics")).text()).splitlines()
    answered = [line for line in metrics if line.startswith("http_requests_total{") and 'route="/verify"' in line]
    assert len(answered) == 1 and 'status="200"' in answered[0], answered  # a disconnect is not a server error
    gone = next(line for line in metrics if line.startswith('http_client_disconnects_total{route="/verify"}'))
    assert float(answered[0].split()[-1]) + float(gone.split()[-1]) == 50  # every request answered or gone
