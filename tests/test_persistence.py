"""kill -9 the whole service in the middle of a burst of writes: every acknowledged write is there after a restart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiohttp

from service.settings import BUILTIN_KNOWLEDGE_BASE
from tests.conftest import wait_until
from tests.test_processes import start_server

CLAIMS = [json.loads(line)["text"] for line in BUILTIN_KNOWLEDGE_BASE.read_text().splitlines()[:80]]


async def test_kill_9_during_a_burst_keeps_every_acknowledged_write(tmp_path: Path) -> None:
    server = await start_server(tmp_path)
    evidence: list[str] = []
    memories: dict[int, int] = {}  # memory id -> times seen, as acknowledged

    async with aiohttp.ClientSession() as session:

        async def add(i: int) -> None:
            passage = {"id": f"burst-{i}", "text": f"Platform {i} of the burst station is {i * 7} metres long."}
            async with session.post(f"{server.url}/evidence", json={"passages": [passage]}) as response:
                if response.status == 201:
                    evidence.append(passage["id"])

        async def verify(text: str) -> None:
            async with session.post(f"{server.url}/verify", json={"raw_text": text}) as response:
                if response.status == 200:
                    for claim in (await response.json())["claims"]:
                        memory = claim["memory"]
                        memories[memory["id"]] = max(memories.get(memory["id"], 0), memory["times_seen"])

        tasks = [asyncio.create_task(add(i)) for i in range(80)]
        tasks += [asyncio.create_task(verify(text)) for text in CLAIMS]
        await wait_until(lambda: len(evidence) >= 5 and len(memories) >= 5, what="some acknowledged writes")
        server.process.kill()
        server.process.wait()
        await asyncio.gather(*tasks, return_exceptions=True)

    assert evidence and memories
    restarted = await start_server(tmp_path)
    try:
        async with aiohttp.ClientSession() as session:
            for passage_id in evidence:
                async with session.get(f"{restarted.url}/evidence/{passage_id}") as response:
                    assert response.status == 200, passage_id
            async with session.get(f"{restarted.url}/memory?limit=500") as response:
                stored = {item["id"]: item["times_seen"] for item in (await response.json())["items"]}
        for memory_id, times_seen in memories.items():
            assert stored.get(memory_id, 0) >= times_seen, memory_id
    finally:
        restarted.process.kill()
        restarted.process.wait()
