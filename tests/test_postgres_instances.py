"""Two real servers (``python run.py``) on one PostgreSQL, as several Render instances run: one killed with
SIGKILL in the middle of a burst of writes loses none it acknowledged, and a PostgreSQL restart under load
gives 503 with Retry-After while it lasts, then answers again without a service restart."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import wait_until
from tests.postgres import Postgres, new_database, started_server
from tests.test_processes import Server, start_server

# New to the database (the built-in knowledge base has no burst station), so each is a new passage, and
# each verified claim a new memory; the numbers tell them apart (memory keys differ).
PASSAGES = [
    {"id": f"burst-{i}", "text": f"Platform {i} of the Ostvik burst station is {i * 7 + 3} metres long."}
    for i in range(60)
]
CLAIMS = [f"The Ostvik ferry number {i} carries {i * 11 + 5} passengers." for i in range(60)]
# Generous for a shared 2-core machine; a request that takes longer counts as a hang.
CLIENT_TIMEOUT_S = 30


async def stopped(server: Server) -> None:
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture
async def two_instances(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Server, Server]]:
    """Two servers on one database. One after the other: B finds the knowledge base loaded and skips it,
    where two starting together would both embed it, on the same two cores."""
    a = await start_server(tmp_path / "a", DATABASE_URL=database_url)
    try:
        b = await start_server(tmp_path / "b", DATABASE_URL=database_url)
        try:
            yield a, b
        finally:
            await stopped(b)
    finally:
        await stopped(a)


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


@pytest.fixture
def own_postgres() -> Iterator[Postgres]:
    """A PostgreSQL server for one test alone, since the test restarts it."""
    with started_server() as postgres:
        yield postgres


async def test_a_postgresql_restart_under_load_gives_503_then_recovers_without_a_service_restart(
    own_postgres: Postgres, tmp_path: Path
) -> None:
    server = await start_server(tmp_path, DATABASE_URL=new_database(own_postgres.socket_dir))
    outcomes: list[tuple[str, int, str | None, str | None]] = []  # route, status, error code, Retry-After
    failures: list[BaseException] = []  # timeouts, resets: none are allowed
    done = asyncio.Event()

    async def client(number: int) -> None:
        timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for turn in itertools.count():
                if done.is_set():
                    return
                if turn % 2:
                    request = session.get(f"{server.url}/evidence/kb-0001")
                else:
                    request = session.post(f"{server.url}/verify", json={"raw_text": CLAIMS[(number + turn) % 60]})
                try:
                    async with request as response:
                        body = await response.json()
                        code = body["error"]["code"] if response.status >= 400 else None
                        outcomes.append((response.url.path, response.status, code, response.headers.get("Retry-After")))
                except (aiohttp.ClientError, TimeoutError) as error:
                    failures.append(error)
                    return

    def seen(route: str, status: int, since: int = 0) -> int:
        return sum(1 for path, got, _, _ in outcomes[since:] if path.startswith(route) and got == status)

    async def until_both_routes_give(status: int, since: int, what: str) -> None:
        await wait_until(
            lambda: (seen("/verify", status, since) >= 3 and seen("/evidence", status, since) >= 3) or bool(failures),
            timeout_s=60,
            what=what,
        )
        assert not failures, failures

    async def health() -> tuple[str, bool | None]:
        """/health's status and whether it says the store is available; the service itself is up: 200."""
        async with aiohttp.ClientSession() as session, session.get(f"{server.url}/health") as response:
            body = await response.json()
            assert response.status == 200, body  # a database outage is no reason to restart an instance
            return body["status"], body["store"]["available"]

    clients = [asyncio.create_task(client(number)) for number in range(6)]
    try:
        await until_both_routes_give(200, 0, "answers under load")
        crash_at = len(outcomes)
        await asyncio.to_thread(own_postgres.crash)
        await until_both_routes_give(503, crash_at, "503s while PostgreSQL is down")
        assert await health() == ("degraded", False)
        await asyncio.to_thread(own_postgres.start)
        back_at = len(outcomes)
        await until_both_routes_give(200, back_at, "answers after PostgreSQL is back")
        assert await health() == ("healthy", True)
    finally:
        done.set()
        await asyncio.gather(*clients)
        alive = server.process.poll() is None
        await stopped(server)
    assert not failures, failures
    assert alive
    refusals = {(status, code, retry_after) for _, status, code, retry_after in outcomes if status != 200}
    assert refusals == {(503, "store_unavailable", "5")}
