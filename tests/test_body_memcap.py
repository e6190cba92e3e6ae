"""300 stalled uploads against `python run.py` under a real 512 MiB cgroup: the web process survives.

Before body admission each of them made the web process read up to MAX_BODY_BYTES; 300 of them
OOM-killed it. Half declare 1.1 MiB (over MAX_BODY_BYTES: refused on their headers), half just under
1 MiB (refused past MAX_BODY_BYTES_IN_FLIGHT, or admitted and answered 408 when they stall).
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sqlite3
from pathlib import Path

import aiohttp
import pytest

from bench.servers import MEMCAP
from service.store.records import MAX_STORED_CLAIM_CHARS
from service.web.schemas import MAX_PAGE_SIZE
from tests.test_processes import start_server

CONNECTIONS = 300
MIB = 1024 * 1024
SENT = MIB - 64 * 1024  # what each connection sends before it stalls: about 1 MiB
DECLARED = (MIB + MIB // 10, SENT + 16 * 1024)  # over MAX_BODY_BYTES (1 MiB), and just under it
CHUNK = 64 * 1024
READ_TIMEOUT_S = 3  # BODY_READ_TIMEOUT_S for this server: the admitted uploads stall, so keep the test short
# Bounds on every wait: far above what any step takes, so that only a hang fails the test.
CONNECT_TIMEOUT_S = 30.0
ANSWER_TIMEOUT_S = 45.0


async def stalled_upload(host: str, port: int, declared: int, payload: bytes) -> str:
    """Declare ``declared`` bytes, send ``payload`` and stall; the status the server answers, or how it ended."""
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(host, port)
    except (OSError, TimeoutError) as error:
        return f"no connection: {type(error).__name__}"
    try:
        head = f"POST /verify HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        writer.write(f"{head}Content-Length: {declared}\r\n\r\n".encode())
        # The server may answer, and stop reading, before all of it is sent: a failed send is expected.
        async with asyncio.timeout(ANSWER_TIMEOUT_S):
            try:
                for start in range(0, len(payload), CHUNK):
                    writer.write(payload[start : start + CHUNK])
                    await writer.drain()
            except ConnectionError:
                pass
            status_line = await reader.readline()
        return status_line.split()[1].decode() if status_line else "closed"
    except ConnectionError:
        return "reset"
    except TimeoutError:
        return "no answer"
    finally:
        writer.close()


@pytest.mark.skipif(not MEMCAP.exists() or os.geteuid() != 0, reason="needs ../shared/tools/memcap and root")
async def test_300_stalled_uploads_do_not_kill_the_web_process_under_memcap(tmp_path: Path) -> None:
    server = await start_server(tmp_path, str(MEMCAP), "512", "--", BODY_READ_TIMEOUT_S=str(READ_TIMEOUT_S))
    try:
        before = await server.health()
        web_pid = before["processes"]["web"]["pid"]
        payload = b'{"raw_text": "' + b"a" * SENT
        host, port = "127.0.0.1", int(server.url.rsplit(":", 1)[1])
        outcomes = collections.Counter(
            await asyncio.gather(
                *(stalled_upload(host, port, DECLARED[n % 2], payload[:SENT]) for n in range(CONNECTIONS))
            )
        )
        assert server.process.poll() is None, f"the server exited: {outcomes}"
        assert set(outcomes) <= {"408", "413", "503", "reset", "closed"}, outcomes
        after = await server.health()
        assert after["status"] == "healthy", after
        assert after["processes"]["web"]["pid"] == web_pid
        async with aiohttp.ClientSession() as session:
            response = await session.post(f"{server.url}/verify", json={"raw_text": "The Moon orbits the Earth."})
            assert response.status == 200
            assert len((await response.json())["claims"]) == 1
        print(
            f"outcomes {dict(outcomes)}; web RSS {before['processes']['web']['rss_mb']} MB before, "
            f"{after['processes']['web']['rss_mb']} MB after; container {after['container_usage_mb']} MB"
        )
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=30)


@pytest.mark.skipif(not MEMCAP.exists() or os.geteuid() != 0, reason="needs ../shared/tools/memcap and root")
async def test_the_largest_memory_page_of_huge_old_claims_does_not_kill_the_web_process(tmp_path: Path) -> None:
    """300 claims of 1 MiB each, as an older version stored them: one page of them once built a 312 MB answer."""
    server = await start_server(tmp_path, str(MEMCAP), "512", "--")
    try:
        web_pid = (await server.health())["processes"]["web"]["pid"]
        with sqlite3.connect(tmp_path / "data" / "store" / "store.sqlite3") as db:
            db.executemany(
                "INSERT INTO claims (claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, row)"
                " VALUES (?, 'supported', 0.9, '[]', 1.0, 1.0, 1, ?)",
                ((f"{n} " + "x" * MIB, 1_000_000 + n) for n in range(300)),
            )
        async with aiohttp.ClientSession() as session:
            response = await session.get(f"{server.url}/memory", params={"limit": str(MAX_PAGE_SIZE)})
            assert response.status == 200
            page = await response.json()
        assert page["total"] == 300 and len(page["items"]) == 300
        assert all(len(item["claim"]) == MAX_STORED_CLAIM_CHARS for item in page["items"])
        health = await server.health()
        assert health["status"] == "healthy" and health["processes"]["web"]["pid"] == web_pid
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=30)
