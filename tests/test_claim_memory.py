"""The claim memory through the running app: the same answers as before recall by key and group commit,
a bound that /health and /metrics show, and concurrent requests' writes all kept."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pytest_aiohttp import AiohttpClient

from bench.cpu_per_claim import FIXED_CLAIMS as BENCH_FIXED_CLAIMS
from bench.cpu_per_claim import TIMING_FIELDS
from service.settings import Settings
from tests.conftest import Client, start_client
from tests.test_observability import scrape, value

# What the service answered to FIXED_CLAIMS, sent one at a time to a fresh data directory, before memory was
# recalled by key and written in groups (commit e9e767e), timing fields aside. Made with `python -m
# tests.test_claim_memory OUT` run from a checkout of that commit with this file copied in. Re-made after the
# verdict rule's changes of 2026-11-28: only the verdict on Everest changed (kb-0041 no longer taken for a
# statement of it); what memory recalls, counts and lists is as it was. A deliberate change of the rule is
# re-recorded the same way, and the diff read: the memory's part of it must not move.
RECORDED = Path(__file__).parent / "recorded_answers.json"
# bench/cpu_per_claim.py's fixed claims (new, the same again, a number changed, a negation, a rewording,
# several in one text), then two more: a compound claim half false, and a claim seen a third time.
FIXED_CLAIMS = (
    *BENCH_FIXED_CLAIMS,
    "Mercury is the closest planet to the Sun. Mercury is the farthest planet from the Sun.",
    "The Moon orbits the Earth.",
)


def without_timing(body: dict[str, Any]) -> dict[str, Any]:
    body.pop("took_ms", None)
    for claim in body.get("claims", []):
        for name in TIMING_FIELDS:
            claim["memory"].pop(name)
    for item in body.get("items", []):
        for name in TIMING_FIELDS:
            item.pop(name)
    return body


async def answers(client: Client) -> list[dict[str, Any]]:
    """Each fixed claim's status and answer, then the memory's first page, timing fields aside."""
    found = []
    for text in FIXED_CLAIMS:
        response = await client.post("/verify", json={"raw_text": text})
        found.append({"status": response.status, "body": without_timing(await response.json())})
    response = await client.get("/memory")
    found.append({"status": response.status, "body": without_timing(await response.json())})
    return found


async def test_answers_to_fixed_claims_are_the_recorded_ones(client: Client) -> None:
    recorded = json.loads(RECORDED.read_text())
    got = await answers(client)
    for sent, expected, answer in zip((*FIXED_CLAIMS, "GET /memory"), recorded, got, strict=True):
        assert answer == expected, sent


async def test_health_and_metrics_show_the_memory_against_its_bound(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await start_client(aiohttp_client, replace(settings, max_remembered_claims=3))
    for text in ("Rain is wet.", "Grass is green.", "Snow is white.", "Coal is black.", "Rain is wet."):
        assert (await client.post("/verify", json={"raw_text": text})).status == 200
    health = await (await client.get("/health")).json()
    assert health["claim_memory"] == {"claims": 3, "max_claims": 3}
    samples = await scrape(client)
    assert (value(samples, "memory_claims"), value(samples, "memory_claims_max")) == (3, 3)
    listed = await (await client.get("/memory")).json()
    assert listed["total"] == 3
    assert {item["claim"] for item in listed["items"]} == {"Snow is white.", "Coal is black.", "Rain is wet."}


async def test_concurrent_requests_each_get_their_own_durable_memory(client: Client) -> None:
    texts = [f"Platform {i} of the north station is {10 + i} metres long." for i in range(24)]

    async def verify(text: str) -> dict[str, Any]:
        response = await client.post("/verify", json={"raw_text": text})
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body

    bodies = await asyncio.gather(*(verify(text) for text in texts))
    memories = [body["claims"][0]["memory"] for body in bodies]
    assert [memory["claim"] for memory in memories] == texts
    assert len({memory["id"] for memory in memories}) == len(texts)
    stored = {item["id"]: item for item in (await (await client.get("/memory?limit=100")).json())["items"]}
    for memory in memories:
        assert stored[memory["id"]]["claim"] == memory["claim"]
        assert stored[memory["id"]]["times_seen"] == 1


if __name__ == "__main__":  # record the answers of the checkout this runs in
    import sys
    import tempfile

    from tests.conftest import running_app

    async def record(out: Path) -> None:
        with tempfile.TemporaryDirectory() as scratch:
            async with running_app(Settings(data_dir=Path(scratch))) as client:
                out.write_text(json.dumps(await answers(client), indent=1, sort_keys=True) + "\n")

    asyncio.run(record(Path(sys.argv[1])))
