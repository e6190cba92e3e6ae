"""Hostile clients against the real app on a real server, served through service.web.server_limits as run.py does.

Raw connections (asyncio streams) send what no HTTP client library sends on purpose: request heads a byte
at a time, heads over aiohttp's limits, heads that never end, requests pipelined behind an answer they never
read, bytes that are not HTTP at all. Nothing here is timed: a normal client's requests must all answer 200
while hostile connections are held, the process's memory must grow by less than a stated bound, and a
connection past a deadline (lowered to a second here) or past MAX_CONNECTIONS must be closed by the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import psutil
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.web_runner import BaseRunner

from service.settings import CONNECTION_COST_MIB, Settings
from service.web import server_limits as limits
from service.web.app import create_app
from service.web.keys import METRICS, SETTINGS, STARTUP
from tests.conftest import Client, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLOW_CONNECTIONS = 300
SLOWLORIS_S = 20.0
# Between two bytes of one slow connection: 40 bytes each in 20 s, never the blank line that ends a head.
DRIBBLE_INTERVAL_S = 0.5
# A slow connection costs the server 5 to 6 KiB (bench/stalled_heads.py --head-bytes 200), and it keeps
# MAX_CONNECTIONS of them; this process holds the client ends of the 300 too. 30 MB leaves room for the
# normal client's requests on a busier machine, and is a tenth of what 300 stalled maximal heads hold.
RSS_GROWTH_BOUND = 30 * 2**20
# Connections pipelining maximal heads behind answers they do not read: fewer than MAX_CONNECTIONS, so that
# none is closed for the cap and each costs what it may cost at most (CONNECTION_COST_MIB). On aiohttp's
# own terms each would hold 32 heads, 16 MiB.
PIPELINING_CONNECTIONS = 20
PIPELINED_HEADS = 32
# Enough /openapi.json answers (14 kB each) to fill the kernel's buffers at both ends and the transport's.
UNREAD_ANSWERS = 60
HOSTILE_S = 10.0
# How long to wait for an answer or a close that should come at once or after the lowered deadline:
# generous, for a loaded machine. Not a latency bound.
WAIT_S = 60.0


class ServiceTestServer(TestServer):
    """A TestServer serving through server_limits.AppRunner with the app's settings, as run.py serves."""

    async def _make_runner(self, **kwargs: Any) -> BaseRunner:
        return limits.AppRunner(self.app, self.app[SETTINGS], self.app[METRICS].refusals, **kwargs)


@contextlib.asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[Client]:
    """A client of a new app served as run.py serves it, once start-up is done."""
    async with TestClient(ServiceTestServer(create_app(settings))) as client:
        await wait_until(lambda: client.app[STARTUP].done, timeout_s=120, what="start-up")
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    async with served(Settings(data_dir=tmp_path_factory.mktemp("data"))) as client:
        yield client


async def connect(
    client: Client, receive_buffer: int | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A raw connection; with ``receive_buffer``, a kernel buffer that small (a client that reads slowly)."""
    assert client.server.host is not None and client.server.port is not None
    if receive_buffer is None:
        return await asyncio.open_connection(client.server.host, client.server.port)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (client.server.host, client.server.port))
    return await asyncio.open_connection(sock=sock, limit=receive_buffer)


def drop(connections: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]) -> None:
    """Close at once, what is left to send unsent (a close would wait for a server that no longer reads)."""
    for _, writer in connections:
        writer.transport.abort()


def endless_head(n: int) -> bytes:
    """A request head of short headers that never ends: no blank line, well within every limit."""
    return b"GET /health HTTP/1.1\r\nHost: slow\r\n" + b"".join(b"X-Slow-%d: %d\r\n" % (i, n) for i in range(40))


def largest_head() -> bytes:
    """A complete GET with as many headers, as long, as the limits allow."""
    value = b"a" * (limits.MAX_FIELD_SIZE - 16)
    headers = [b"Host: big"] + [b"X-Pad-%03d: " % n + value for n in range(limits.MAX_HEADERS - 1)]
    return b"GET /health HTTP/1.1\r\n" + b"\r\n".join(headers) + b"\r\n\r\n"


def server_of(client: Client) -> limits.Server:
    assert client.server.runner is not None and isinstance(client.server.runner.server, limits.Server)
    return client.server.runner.server


def server_connections(client: Client) -> list[limits.Connection]:
    """The server's connections (aiohttp's Server.connections), the closing ones included."""
    return [connection for connection in server_of(client).connections if isinstance(connection, limits.Connection)]


def open_connections(client: Client) -> int:
    """How many connections the server holds open, not yet closing."""
    return sum(connection.transport is not None for connection in server_connections(client))


def refusals(client: Client, reason: str) -> float:
    """The app's http_refusals_total for ``reason``."""
    return client.app[METRICS].registry.get_sample_value("http_refusals_total", {"reason": reason}) or 0.0


async def status_then_close(client: Client, raw_request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw_request`` on a new connection; the status, headers and body it gets, once the server closed it."""
    reader, writer = await connect(client)
    try:
        writer.write(raw_request)
        async with asyncio.timeout(WAIT_S):
            answer = await reader.read()  # to EOF: the server closes the connection after such an answer
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


async def answer_status(session: aiohttp.ClientSession, method: str, url: str, body: object = None) -> int:
    """One request of the normal client, its response released (TestClient keeps every response it got)."""
    async with session.request(method, url, json=body) as response:
        await response.read()
        return response.status


async def serve_normally(client: Client, until: asyncio.Future[None] | asyncio.Task[None]) -> list[int]:
    """A normal client's statuses, /health and /verify in turn, until ``until`` is done."""
    health, verify = str(client.make_url("/health")), str(client.make_url("/verify"))
    texts = ["The Moon orbits the Earth.", "Water boils at 90 degrees Celsius at sea level."]
    statuses: list[int] = []
    async with aiohttp.ClientSession() as session:
        n = 0
        while not until.done():
            statuses.append(await answer_status(session, "GET", health))
            statuses.append(await answer_status(session, "POST", verify, {"raw_text": texts[n % 2]}))
            n += 1
    return statuses


async def warm_up(client: Client) -> int:
    """Serve a few requests (the first build caches that are not a hostile client's doing); the RSS after."""
    assert set(await serve_normally(client, asyncio.ensure_future(asyncio.sleep(1)))) == {200}
    gc.collect()
    rss: int = psutil.Process().memory_info().rss
    return rss


async def test_a_slowloris_neither_blocks_others_nor_grows_memory(client: Client) -> None:
    """300 connections dribbling endless heads: MAX_CONNECTIONS of them are kept, the oldest closed for new ones."""
    process = psutil.Process()
    baseline = await warm_up(client)
    connections = [await connect(client) for _ in range(SLOW_CONNECTIONS)]
    heads = [endless_head(n) for n in range(SLOW_CONNECTIONS)]
    peak, most_open = baseline, 0

    async def dribble() -> None:
        """Each connection sends one more byte of its head every DRIBBLE_INTERVAL_S, for SLOWLORIS_S."""
        nonlocal peak, most_open
        for position in range(int(SLOWLORIS_S / DRIBBLE_INTERVAL_S)):
            for (_, writer), head in zip(connections, heads, strict=True):
                if not writer.is_closing():
                    writer.write(head[position : position + 1])
            await asyncio.sleep(DRIBBLE_INTERVAL_S)
            peak = max(peak, process.memory_info().rss)
            most_open = max(most_open, open_connections(client))

    dribbling = asyncio.create_task(dribble())
    try:
        # Opened at once, they wait in line, or are refused once it is full, until the first bytes of those
        # read make these closable for the next: the attack's steady state, where a normal client comes in.
        await wait_until(lambda: not server_of(client).line, timeout_s=WAIT_S, what="the line to empty")
        statuses = await serve_normally(client, dribbling)
        await dribbling
    finally:
        dribbling.cancel()
        drop(connections)
    assert statuses, "no normal request was made during the slowloris"
    assert set(statuses) == {200}, statuses
    assert 0 < most_open <= client.app[SETTINGS].max_connections
    growth = peak - baseline
    assert growth < RSS_GROWTH_BOUND, f"RSS grew by {growth / 2**20:.1f} MiB during the slowloris"
    print(f"slowloris: {len(statuses)} normal requests, at most {most_open} open, RSS +{growth / 2**20:.1f} MiB")
    assert (await client.get("/health")).status == 200


async def test_heads_pipelined_behind_an_unread_answer_cost_a_bounded_amount(client: Client) -> None:
    """Each connection asks for more answers than the buffers hold, reads none, and pipelines maximal heads."""
    process = psutil.Process()
    unread = b"GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n" * UNREAD_ANSWERS
    pipelined = memoryview(largest_head() * PIPELINED_HEADS)  # made before the baseline: 8 MB of this process's own
    baseline = await warm_up(client)
    connections = [await connect(client, receive_buffer=4096) for _ in range(PIPELINING_CONNECTIONS)]
    peak = baseline

    async def pipeline(writer: asyncio.StreamWriter) -> None:
        """Send as fast as the server reads (never more than the transport's buffer ahead of it)."""
        writer.write(unread)
        for start in range(0, len(pipelined), 2**16):
            writer.write(pipelined[start : start + 2**16])
            await writer.drain()

    async def hold() -> None:
        nonlocal peak
        for _ in range(int(HOSTILE_S / DRIBBLE_INTERVAL_S)):
            await asyncio.sleep(DRIBBLE_INTERVAL_S)
            peak = max(peak, process.memory_info().rss)

    pipelining = [asyncio.create_task(pipeline(writer)) for _, writer in connections]
    holding = asyncio.create_task(hold())
    try:
        statuses = await serve_normally(client, holding)
        await holding
        assert not any(task.done() for task in pipelining), "the server read every pipelined head"
    finally:
        holding.cancel()
        for task in pipelining:
            task.cancel()
        drop(connections)
    assert statuses and set(statuses) == {200}, statuses
    growth = peak - baseline
    bound = PIPELINING_CONNECTIONS * CONNECTION_COST_MIB * 2**20
    assert growth < bound, f"RSS grew by {growth / 2**20:.1f} MiB for {PIPELINING_CONNECTIONS} pipelining connections"
    print(f"pipelining: {len(statuses)} normal requests, RSS +{growth / 2**20:.1f} MiB")


def parsed_error(status_headers_body: tuple[int, dict[str, str], bytes]) -> tuple[int, str, str]:
    """The status, error code and message of a JSON error answer with a request id; fails on any other."""
    status, headers, body = status_headers_body
    assert headers["Content-Type"].startswith("application/json"), headers
    assert len(headers["X-Request-ID"]) == 32, headers
    error = json.loads(body)["error"]
    return status, error["code"], error["message"]


@pytest.mark.parametrize(
    "raw_request, status, code",
    [
        (b"GET /health?" + b"a" * limits.MAX_LINE_SIZE + b" HTTP/1.1\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET /health HTTP/1.1\r\nX-Big: " + b"a" * limits.MAX_FIELD_SIZE + b"\r\n\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (
            b"GET /health HTTP/1.1\r\n"
            + b"".join(b"X-H%d: 1\r\n" % i for i in range(limits.MAX_HEADERS + 1))
            + b"\r\n",
            431,
            "request_header_fields_too_large",
        ),
        (b"HELLO aaaa\r\n\r\n", 400, "malformed_request"),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03aaaa", 400, "malformed_request"),
        (b"GET /health HTTP/7.1aaaa\r\nHost: h\r\n\r\n", 400, "malformed_request"),
        (b"GET /health HTTP/1.1\r\nHost: h\r\nBad aaaa: 1\r\n\r\n", 400, "malformed_request"),
        (
            b"POST /verify HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"aaaaz\r\n{}\r\n0\r\n\r\n",
            400,
            "malformed_request",
        ),
        (
            b"POST /verify HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
            400,
            "malformed_request",
        ),
    ],
    ids=[
        "target over MAX_LINE_SIZE",
        "header over MAX_FIELD_SIZE",
        "more than MAX_HEADERS",
        "no method",
        "TLS",
        "bad version",
        "bad header name",
        "bad chunk size",
        "chunked and Content-Length",
    ],
)
async def test_a_request_the_parser_refuses_gets_a_json_error_and_the_server_keeps_serving(
    client: Client, raw_request: bytes, status: int, code: str
) -> None:
    answered_status, answered_code, message = parsed_error(await status_then_close(client, raw_request))
    assert (answered_status, answered_code) == (status, code), message
    assert "aaaa" not in message, "the answer echoes the client's bytes"
    assert (await client.get("/health")).status == 200


async def test_a_request_head_within_the_limits_is_served(client: Client) -> None:
    """The limits are this module's, not aiohttp's defaults (128 headers of 8,190 bytes), and not tighter."""
    target = b"/health?" + b"a" * (limits.MAX_LINE_SIZE - 100)
    headers = [b"Host: test", b"Connection: close", b"X-Big: " + b"a" * (limits.MAX_FIELD_SIZE - 100)]
    headers += [b"X-H%d: 1" % i for i in range(limits.MAX_HEADERS - len(headers))]
    status, _, _ = await status_then_close(
        client, b"GET " + target + b" HTTP/1.1\r\n" + b"\r\n".join(headers) + b"\r\n\r\n"
    )
    assert status == 200


async def test_a_thousand_bad_heads_log_a_bounded_number_of_lines(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """One line per reason per REFUSAL_LOG_INTERVAL_S, no traceback, none from aiohttp; every one counted.

    A server of its own, so that no other test's refusal was the last line logged.
    """
    caplog.set_level(logging.DEBUG)
    async with served(Settings(data_dir=tmp_path / "data")) as client:
        started = time.monotonic()
        for _ in range(50):  # 20 at a time: fewer than MAX_CONNECTIONS, or new ones would close those not yet read
            answers = await asyncio.gather(*(status_then_close(client, b"HELLO\r\n\r\n") for _ in range(20)))
            assert {status for status, _, _ in answers} == {400}
        elapsed_s = time.monotonic() - started
        assert refusals(client, "malformed_request") == 1000
    lines = [record for record in caplog.records if record.name == limits.__name__]
    assert 1 <= len(lines) <= 1 + elapsed_s / limits.REFUSAL_LOG_INTERVAL_S, [r.getMessage() for r in lines]
    assert all(record.levelno == logging.WARNING and record.exc_info is None for record in lines)
    assert not [record for record in caplog.records if record.name.startswith("aiohttp")]
    print(f"1,000 bad heads in {elapsed_s:.1f} s: {len(lines)} log line(s)")


async def test_a_client_that_leaves_its_answer_unread_is_closed_after_the_write_timeout(tmp_path: Path) -> None:
    """WRITE_TIMEOUT_S, lowered to a second: the connection is dropped, and the handler with its answer."""
    async with served(Settings(data_dir=tmp_path / "data", write_timeout_s=1.0)) as client:
        reader, writer = await connect(client, receive_buffer=4096)
        try:
            writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n" * UNREAD_ANSWERS)
            await wait_until(lambda: refusals(client, "write_timeout") == 1, timeout_s=WAIT_S, what="the write timeout")
            await wait_until(lambda: open_connections(client) == 0, timeout_s=WAIT_S, what="the connection closed")
            with contextlib.suppress(ConnectionResetError):  # aborted: what the client had not read is lost
                async with asyncio.timeout(WAIT_S):
                    while await reader.read(2**16):
                        pass
        finally:
            writer.close()
        assert (await client.get("/health")).status == 200


async def test_a_client_that_reads_its_answer_is_not_closed(tmp_path: Path) -> None:
    """The same answers, read as they come through as small a buffer: every one arrives, none is cut off."""
    async with served(Settings(data_dir=tmp_path / "data", write_timeout_s=1.0)) as client:
        reader, writer = await connect(client, receive_buffer=4096)
        try:
            writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n" * (UNREAD_ANSWERS - 1))
            writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            async with asyncio.timeout(WAIT_S):
                answers = await reader.read()
        finally:
            writer.close()
        assert answers.count(b"HTTP/1.1 200 OK\r\n") == UNREAD_ANSWERS
        assert refusals(client, "write_timeout") == 0


async def test_past_max_connections_the_oldest_idle_connection_makes_room(tmp_path: Path) -> None:
    """MAX_CONNECTIONS, lowered to 4: a fifth connection closes the oldest idle one and is served."""
    async with served(Settings(data_dir=tmp_path / "data", max_connections=4)) as client:
        held = [await connect(client) for _ in range(4)]
        try:
            await wait_until(lambda: open_connections(client) == 4, timeout_s=WAIT_S, what="4 connections")
            await asyncio.sleep(limits.IDLE_GRACE_S)  # past it, an idle connection may be closed for another
            status, _, _ = await status_then_close(
                client, b"GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
            )
            assert status == 200
            async with asyncio.timeout(WAIT_S):
                assert await held[0][0].read() == b""  # the oldest, closed without an answer
            assert not any(reader.at_eof() for reader, _ in held[1:])
            assert refusals(client, "connection_evicted") == 1
        finally:
            drop(held)


async def test_past_max_connections_all_answering_new_connections_wait_in_line(tmp_path: Path) -> None:
    """MAX_CONNECTIONS, lowered to 2, both answering (their answers unread): the next ones wait in line, unread,
    up to WAITING_PER_CONNECTION x 2; one more is closed at once. Once the two are gone, the line is served."""
    async with served(Settings(data_dir=tmp_path / "data", max_connections=2)) as client:
        held = [await connect(client, receive_buffer=4096) for _ in range(2)]
        waiting: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        try:
            for _, writer in held:
                writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n" * UNREAD_ANSWERS)
            await wait_until(
                lambda: sum(connection.answering for connection in server_connections(client)) == 2,
                timeout_s=WAIT_S,
                what="2 connections blocked on their unread answers",
            )
            for _ in range(limits.WAITING_PER_CONNECTION * 2):
                waiting.append(await connect(client))
                waiting[-1][1].write(b"GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            await wait_until(
                lambda: refusals(client, "connection_waiting") == len(waiting), timeout_s=WAIT_S, what="the line"
            )
            reader, writer = await connect(client)
            writer.write(b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n")
            with contextlib.suppress(ConnectionResetError):
                async with asyncio.timeout(WAIT_S):
                    assert await reader.read() == b""  # closed, unanswered
            writer.close()
            assert refusals(client, "connection_refused") == 1
            assert not any(reader.at_eof() for reader, _ in waiting)
            drop(held)
            async with asyncio.timeout(WAIT_S):
                answers = [await reader.read() for reader, _ in waiting]
            assert all(answer.startswith(b"HTTP/1.1 200 ") for answer in answers)
        finally:
            drop(held + waiting)


async def test_a_connection_without_a_complete_head_by_the_deadline_is_closed(tmp_path: Path) -> None:
    """KEEPALIVE_TIMEOUT_S, lowered to a second: from the connection's start, not reset by arriving bytes."""
    async with served(Settings(data_dir=tmp_path / "data", keepalive_timeout_s=1.0)) as client:
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


async def test_a_connection_that_waits_in_line_past_the_deadline_is_answered_503(tmp_path: Path) -> None:
    """MAX_CONNECTIONS lowered to 1, held by a connection answering; KEEPALIVE_TIMEOUT_S lowered to 2 s. Requests
    waiting in line past it get a JSON 503 busy with Retry-After, the body left unread (a large one too, drained so
    that the close does not reset the answer away), never a connection closed without an answer."""
    async with served(Settings(data_dir=tmp_path / "data", max_connections=1, keepalive_timeout_s=2.0)) as client:
        held = [await connect(client, receive_buffer=4096)]
        try:
            held[0][1].write(b"GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n" * UNREAD_ANSWERS)
            await wait_until(
                lambda: any(connection.answering for connection in server_connections(client)),
                timeout_s=WAIT_S,
                what="the place held by an unread answer",
            )
            body = json.dumps({"raw_text": "The Moon orbits the Earth. " * 40_000}).encode()
            post = b"POST /verify HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            answers = await asyncio.gather(
                status_then_close(client, b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"),
                status_then_close(client, post % len(body) + body),
            )
            for answer in answers:
                assert parsed_error(answer)[:2] == (503, "busy"), answer
                assert answer[1]["Connection"] == "close" and int(answer[1]["Retry-After"]) > 0, answer[1]
            assert refusals(client, "connection_line_timeout") == 2
            assert not held[0][0].at_eof(), "the connection answering was closed for those in line"
        finally:
            drop(held)
        assert (await client.get("/health")).status == 200


async def test_an_idle_connection_whose_next_request_has_arrived_is_not_closed_for_another(tmp_path: Path) -> None:
    """MAX_CONNECTIONS lowered to 1: a keep-alive connection idle past IDLE_GRACE_S whose client has just sent its
    next request (in the kernel's buffer, not yet read: the event loop has not run) must not be closed for a new
    connection, or that request is lost without an answer (the classic keep-alive race)."""
    async with served(Settings(data_dir=tmp_path / "data", max_connections=1)) as client:
        reader, writer = await connect(client)
        try:
            request = b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n"
            writer.write(request)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            await asyncio.sleep(limits.IDLE_GRACE_S)  # past it, an idle connection may be closed for another
            (connection,) = [c for c in server_connections(client) if c.transport is not None]
            assert connection.closable()
            writer.write(request)  # sent at once (the transport's buffer is empty), before the server reads it
            assert not connection.closable(), "an idle connection with its next request pending was closable"
            status, _, _ = await status_then_close(
                client, b"GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
            )
            assert status == 200
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
            assert answer.startswith(b"HTTP/1.1 200 ")
        finally:
            writer.close()


async def test_while_connections_wait_in_line_an_answer_hands_its_place_over(tmp_path: Path) -> None:
    """MAX_CONNECTIONS lowered to 1: an answer sent while a connection waits in line says Connection: close, so that
    its client sends no further request on a connection about to be closed for the one waiting, which is served."""
    async with served(Settings(data_dir=tmp_path / "data", max_connections=1)) as client:
        reader, writer = await connect(client, receive_buffer=4096)
        waiting: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            writer.write(b"GET /openapi.json HTTP/1.1\r\nHost: h\r\n\r\n" * UNREAD_ANSWERS)
            await wait_until(
                lambda: any(connection.answering for connection in server_connections(client)),
                timeout_s=WAIT_S,
                what="the place held by an unread answer",
            )
            waiting = await connect(client)
            waiting[1].write(b"GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            await wait_until(lambda: len(server_of(client).line) == 1, timeout_s=WAIT_S, what="one in line")
            async with asyncio.timeout(WAIT_S):
                answers = await reader.read()  # to EOF: the server closes it after the answer that said so
                waited = await waiting[0].read()
            assert answers.count(b"HTTP/1.1 200 OK\r\n") < UNREAD_ANSWERS
            last_head = answers.rpartition(b"HTTP/1.1 200 OK\r\n")[2].partition(b"\r\n\r\n")[0]
            assert b"Connection: close" in last_head.split(b"\r\n"), last_head
            assert waited.startswith(b"HTTP/1.1 200 ")
            assert refusals(client, "connection_evicted") == 0
        finally:
            writer.close()
            if waiting is not None:
                waiting[1].close()


async def test_a_connection_in_line_gets_the_place_of_one_that_turns_idle(tmp_path: Path) -> None:
    """MAX_CONNECTIONS lowered to 1, held by a keep-alive connection just answered (idle for less than IDLE_GRACE_S):
    a new connection waits, and is let in once that one has been idle IDLE_GRACE_S, with no other event to prompt it
    (before, it waited KEEPALIVE_TIMEOUT_S, 75 s, and was closed unanswered)."""
    async with served(Settings(data_dir=tmp_path / "data", max_connections=1)) as client:
        reader, writer = await connect(client)
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: h\r\n\r\n")
            async with asyncio.timeout(WAIT_S):
                await reader.readuntil(b"\r\n\r\n")
            status, _, _ = await status_then_close(
                client, b"GET /health HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
            )
            assert status == 200
            async with asyncio.timeout(WAIT_S):
                while await reader.read(2**16):  # the rest of its answer, then closed for the newcomer
                    pass
            assert refusals(client, "connection_evicted") == 1
        finally:
            writer.close()
