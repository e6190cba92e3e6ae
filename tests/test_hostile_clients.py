"""Hostile clients against the real app on a real server, started with the limits run.py passes.

Raw connections (asyncio streams) send what no HTTP client library sends on purpose: request heads a byte
at a time, heads over aiohttp's limits, heads that never end. Nothing here is timed: a normal client's
requests must all answer 200 while 300 connections dribble their headers, the process's memory must grow
by less than a stated bound, and a connection that has not finished its head by the deadline (lowered to
a second here) must be closed by the server.

``TestServer(app, **kwargs)`` drops its keyword arguments, so the limits go to ``start_server``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import psutil
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from service.settings import Settings
from service.web import server_limits as limits
from service.web.app import create_app
from service.web.keys import STARTUP
from tests.conftest import Client, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLOW_CONNECTIONS = 300
SLOWLORIS_S = 20.0
# Between two bytes of one slow connection: 40 bytes each in 20 s, never the blank line that ends a head.
DRIBBLE_INTERVAL_S = 0.5
# A slow connection costs the server 5 to 6 KiB (bench/stalled_heads.py --head-bytes 200); this process
# holds both ends of the 300: about 3 MiB in all when measured. 30 MB leaves room for the
# normal client's requests on a busier machine, and is a tenth of what 300 stalled maximal heads hold.
RSS_GROWTH_BOUND = 30 * 2**20
# How long to wait for an answer or a close that should come at once or after the lowered deadline:
# generous, for a loaded machine. Not a latency bound.
WAIT_S = 60.0


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Client]:
    """A client of a new app served with service.web.server_limits as they are now, once start-up is done."""
    server = TestServer(create_app(settings))
    await server.start_server(**limits.server_limits())
    async with TestClient(server) as client:
        await wait_until(lambda: client.app[STARTUP].done, timeout_s=120, what="start-up")
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    async with served(Settings(data_dir=tmp_path_factory.mktemp("data"))) as client:
        yield client


async def connect(client: Client) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    assert client.server.host is not None and client.server.port is not None
    return await asyncio.open_connection(client.server.host, client.server.port)


def endless_head(n: int) -> bytes:
    """A request head of short headers that never ends: no blank line, well within every limit."""
    return b"GET /health HTTP/1.1\r\nHost: slow\r\n" + b"".join(b"X-Slow-%d: %d\r\n" % (i, n) for i in range(40))


def open_connections(client: Client) -> int:
    """How many connections the server holds open (aiohttp's Server.connections)."""
    assert client.server.runner is not None and client.server.runner.server is not None
    return len(client.server.runner.server.connections)


async def status_then_close(client: Client, raw_request: bytes) -> int:
    """Send ``raw_request`` on a new connection; the status the server answers, once it has closed it."""
    reader, writer = await connect(client)
    try:
        writer.write(raw_request)
        async with asyncio.timeout(WAIT_S):
            status_line = await reader.readline()
            await reader.read()  # to EOF: aiohttp closes the connection after such an answer
    finally:
        writer.close()
    return int(status_line.split()[1])


async def answer_status(session: aiohttp.ClientSession, method: str, url: str, body: object = None) -> int:
    """One request of the normal client, its response released (TestClient keeps every response it got)."""
    async with session.request(method, url, json=body) as response:
        await response.read()
        return response.status


async def test_a_slowloris_neither_blocks_others_nor_grows_memory(client: Client) -> None:
    process = psutil.Process()
    health, verify = str(client.make_url("/health")), str(client.make_url("/verify"))
    texts = ["The Moon orbits the Earth.", "Water boils at 90 degrees Celsius at sea level."]
    session = aiohttp.ClientSession()
    for text in texts:  # warm-up: the first answers build caches that are not the slowloris's doing
        assert await answer_status(session, "POST", verify, {"raw_text": text}) == 200
    gc.collect()
    baseline = process.memory_info().rss
    connections = [await connect(client) for _ in range(SLOW_CONNECTIONS)]
    heads = [endless_head(n) for n in range(SLOW_CONNECTIONS)]
    peak = baseline
    statuses: list[int] = []

    async def dribble() -> None:
        """Each connection sends one more byte of its head every DRIBBLE_INTERVAL_S, for SLOWLORIS_S."""
        nonlocal peak
        for position in range(int(SLOWLORIS_S / DRIBBLE_INTERVAL_S)):
            for (_, writer), head in zip(connections, heads, strict=True):
                writer.write(head[position : position + 1])
            await asyncio.sleep(DRIBBLE_INTERVAL_S)
            peak = max(peak, process.memory_info().rss)

    dribbling = asyncio.create_task(dribble())
    try:
        await wait_until(lambda: open_connections(client) >= SLOW_CONNECTIONS, timeout_s=WAIT_S, what="the slowloris")
        n = 0
        while not dribbling.done():
            statuses.append(await answer_status(session, "GET", health))
            statuses.append(await answer_status(session, "POST", verify, {"raw_text": texts[n % 2]}))
            n += 1
        await dribbling
        # Still there at the end (the deadline is 75 s): the normal client was served beside them.
        assert open_connections(client) >= SLOW_CONNECTIONS
        assert not any(reader.at_eof() for reader, _ in connections)
    finally:
        dribbling.cancel()
        await session.close()
        for _, writer in connections:
            writer.close()
    assert statuses, "no normal request was made during the slowloris"
    assert set(statuses) == {200}, statuses
    growth = peak - baseline
    assert growth < RSS_GROWTH_BOUND, f"RSS grew by {growth / 2**20:.1f} MiB during the slowloris"
    print(f"slowloris: {len(statuses)} normal requests, RSS +{growth / 2**20:.1f} MiB")
    assert (await client.get("/health")).status == 200


@pytest.mark.parametrize(
    "what, raw_request",
    [
        ("a request target over MAX_LINE_SIZE", b"GET /health?" + b"a" * limits.MAX_LINE_SIZE + b" HTTP/1.1\r\n\r\n"),
        (
            "a header over MAX_FIELD_SIZE",
            b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * limits.MAX_FIELD_SIZE + b"\r\n\r\n",
        ),
        (
            "more than MAX_HEADERS headers",
            b"GET /health HTTP/1.1\r\n"
            + b"".join(b"X-H%d: 1\r\n" % i for i in range(limits.MAX_HEADERS + 1))
            + b"\r\n",
        ),
    ],
)
async def test_a_request_head_over_a_limit_gets_400_and_the_server_keeps_serving(
    client: Client, what: str, raw_request: bytes
) -> None:
    assert await status_then_close(client, raw_request) == 400, what
    assert (await client.get("/health")).status == 200


async def test_a_request_head_within_the_limits_is_served(client: Client) -> None:
    """The limits are this module's, not aiohttp's defaults (128 headers of 8,190 bytes), and not tighter."""
    target = b"/health?" + b"a" * (limits.MAX_LINE_SIZE - 100)
    headers = [b"Host: test", b"Connection: close", b"X-Big: " + b"a" * (limits.MAX_FIELD_SIZE - 100)]
    headers += [b"X-H%d: 1" % i for i in range(limits.MAX_HEADERS - len(headers))]
    assert (
        await status_then_close(client, b"GET " + target + b" HTTP/1.1\r\n" + b"\r\n".join(headers) + b"\r\n\r\n")
        == 200
    )


async def test_a_connection_without_a_complete_head_by_the_deadline_is_closed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """KEEPALIVE_TIMEOUT_S, lowered to a second: from the connection's start, not reset by arriving bytes."""
    monkeypatch.setattr(limits, "KEEPALIVE_TIMEOUT_S", 1.0)
    async with served(Settings(data_dir=tmp_path / "data")) as client:
        silent_reader, silent_writer = await connect(client)
        dribbler_reader, dribbler_writer = await connect(client)
        idle_reader, idle_writer = await connect(client)
        try:
            idle_writer.write(b"GET /health HTTP/1.1\r\nHost: idle\r\n\r\n")
            head = endless_head(0)

            async def dribble() -> None:
                """A byte every 0.1 s of a head that never ends: it would go on for about a minute."""
                for position in range(len(head)):
                    dribbler_writer.write(head[position : position + 1])
                    await asyncio.sleep(0.1)

            dribbling = asyncio.create_task(dribble())
            try:
                async with asyncio.timeout(WAIT_S):
                    assert await silent_reader.read() == b""  # closed, with no answer
                    assert await dribbler_reader.read() == b""
                    assert not dribbling.done(), "the dribbler finished its head before the server closed it"
                    answer = await idle_reader.read()  # its answer, then closed once idle for the deadline
            finally:
                dribbling.cancel()
            assert answer.startswith(b"HTTP/1.1 200 ")
            assert (await client.get("/health")).status == 200
        finally:
            for writer in (silent_writer, dribbler_writer, idle_writer):
                writer.close()
