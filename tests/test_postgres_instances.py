"""Two real servers (``python run.py``) on one PostgreSQL, as several Render instances run: one killed with
SIGKILL in the middle of a burst of writes loses none it acknowledged, and a PostgreSQL restart under load
gives 503 with Retry-After while it lasts, then answers again without a service restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import wait_until
from tests.test_processes import Server, start_server

# New to the database (the built-in knowledge base has no burst station), so each is a new passage, and
# each verified claim a new memory; the numbers tell them apart (memory keys differ).
PASSAGES = [
    {"id": f"burst-{i}", "text": f"Platform {i} of the Ostvik burst station is {i * 7 + 3} metres long."}
    for i in range(60)
]
CLAIMS = [f"The Ostvik ferry number {i} carries {i * 11 + 5} passengers." for i in range(60)]


async def stopped(server: Server) -> None:
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture
async def two_instances(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    """Two servers on one database, started together (both create the schema and load the knowledge base)."""
    started = await asyncio.gather(
        *(start_server(tmp_path / name, DATABASE_URL=database_url) for name in "ab"), return_exceptions=True
    )
    servers = [server for server in started if isinstance(server, Server)]
    try:
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield servers[0], servers[1]
    finally:
        for server in servers:
            await stopped(server)


async def verify(session: aiohttp.ClientSession, url: str, text: str, top_k: int = 1) -> list[dict[str, Any]]:
    async with session.post(f"{url}/verify", json={"raw_text": text, "top_k": top_k}) as response:
        assert response.status == 200, await response.text()
        claims: list[dict[str, Any]] = (await response.json())["claims"]
        return claims


async def test_kill_9_of_one_instance_mid_burst_loses_no_acknowledged_write(
    two_instances: tuple[Server, Server],
) -> None:
    a, b = two_instances
    added: list[str] = []  # passage ids A acknowledged (201)
    remembered: dict[str, int] = {}  # claim -> times seen, as A acknowledged it

    async with aiohttp.ClientSession() as session:

        async def add(passage: dict[str, str]) -> None:
            async with session.post(f"{a.url}/evidence", json={"passages": [passage]}) as response:
                if response.status == 201:
                    added.append(passage["id"])

        async def check(text: str) -> None:
            async with session.post(f"{a.url}/verify", json={"raw_text": text}) as response:
                if response.status == 200:
                    (claim,) = (await response.json())["claims"]
                    remembered[text] = claim["memory"]["times_seen"]

        burst = [asyncio.create_task(add(passage)) for passage in PASSAGES]
        burst += [asyncio.create_task(check(text)) for text in CLAIMS]
        await wait_until(lambda: len(added) >= 5 and len(remembered) >= 5, timeout_s=60, what="acknowledged writes")
        a.process.kill()
        a.process.wait()
        # The rest fail (connection reset) or were answered just before the kill; either way they are done.
        await asyncio.gather(*burst, return_exceptions=True)
        assert len(added) < len(PASSAGES) or len(remembered) < len(CLAIMS), "the kill came after the burst"

        for passage_id in added:
            async with session.get(f"{b.url}/evidence/{passage_id}") as response:
                assert response.status == 200, passage_id
        # Whatever of the burst reached the database, acknowledged or not, is whole: its row and its vector,
        # so B's search finds each stored passage by its own text.
        stored = []
        for passage in PASSAGES:
            async with session.get(f"{b.url}/evidence/{passage['id']}") as response:
                if response.status == 200:
                    stored.append(passage)
        found = await verify(session, b.url, " ".join(passage["text"] for passage in stored))
        assert [claim["evidence"][0]["id"] for claim in found] == [passage["id"] for passage in stored]

        for text, times_seen in remembered.items():
            (claim,) = await verify(session, b.url, text)
            assert claim["memory"]["seen_before"] is True, text
            assert claim["memory"]["times_seen"] >= times_seen + 1, text
