"""What stalled request heads cost an aiohttp server, with aiohttp's defaults and with service.web.server_limits.

A bare aiohttp app (one route that answers at once, one that sleeps) is served in a child process, by
``web.run_app`` with aiohttp's defaults or by the service's ``server_limits.AppRunner`` (as run.py serves);
N connections each send a request head as large as the limits allow and then nothing (``--pipelined K``:
first a request to the sleeping route, then K such heads, complete, behind it). The server's RSS is read
before and 3 s after, and how many connections it kept open. The heads are parsed before any handler or
middleware runs, so the service's own app would hold the same; the model is not needed to measure it:

    .venv/bin/python -m bench.stalled_heads [--connections 300] [--pipelined K] [--limits service|aiohttp]
                                            [--head-bytes N] [--max-connections N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import psutil

from bench.servers import free_port
from service.web import server_limits

# aiohttp 3.14's own: RequestHandler's max_headers, max_field_size and max_line_size.
AIOHTTP_DEFAULTS = {"max_headers": 128, "max_field_size": 8190, "max_line_size": 8190}

SERVER = """
import asyncio, json, sys
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter
from service.settings import Settings
from service.web.server_limits import AppRunner

async def fast(request: web.Request) -> web.Response:
    return web.Response(text="ok")

async def slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3600)
    return web.Response(text="ok")

app = web.Application()
app.router.add_get("/", fast)
app.router.add_get("/slow", slow)
port, limits = int(sys.argv[1]), json.loads(sys.argv[2])

async def serve() -> None:
    refusals = Counter("refusals", "by reason", ["reason"], registry=CollectorRegistry())
    runner = AppRunner(app, Settings().replace(**limits), refusals, handler_cancellation=True)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()

if sys.argv[3] == "aiohttp":
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, **limits)
else:
    asyncio.run(serve())
"""


def largest_head(max_headers: int, max_field_size: int, complete: bool) -> bytes:
    """A GET with as many headers, as long, as the limits allow (a header's name counts in its size)."""
    value = b"a" * (max_field_size - 16)
    headers = [b"Host: bench"] + [b"X-Pad-%03d: " % n + value for n in range(max_headers - 1)]
    return b"GET / HTTP/1.1\r\n" + b"\r\n".join(headers) + (b"\r\n\r\n" if complete else b"\r\n")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=300)
    parser.add_argument("--pipelined", type=int, default=0, help="complete heads behind a slow request, per connection")
    parser.add_argument("--limits", choices=["service", "aiohttp"], default="service")
    parser.add_argument("--head-bytes", type=int, help="send only the first N bytes of the head (a slowloris's)")
    parser.add_argument("--max-connections", type=int, help="the service's MAX_CONNECTIONS (default: its default)")
    options = parser.parse_args()
    if options.limits == "service":
        limits: dict[str, object] = {}
        if options.max_connections is not None:
            limits["max_connections"] = options.max_connections
        max_headers, max_field_size = server_limits.MAX_HEADERS, server_limits.MAX_FIELD_SIZE
    else:
        limits = dict(AIOHTTP_DEFAULTS)
        max_headers, max_field_size = AIOHTTP_DEFAULTS["max_headers"], AIOHTTP_DEFAULTS["max_field_size"]
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, str(port), json.dumps(limits), options.limits
    )
    try:
        for _ in range(100):
            try:
                _, probe = await asyncio.open_connection("127.0.0.1", port)
                probe.close()
                break
            except OSError:
                await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        process = psutil.Process(server.pid)
        before = process.memory_info().rss
        if options.pipelined:
            payload = (
                b"GET /slow HTTP/1.1\r\nHost: bench\r\n\r\n"
                + largest_head(max_headers, max_field_size, True) * options.pipelined
            )
        else:
            payload = largest_head(max_headers, max_field_size, False)[: options.head_bytes]
        writers = []
        for _ in range(options.connections):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(payload)
            writers.append(writer)
        await asyncio.sleep(3)
        after = process.memory_info().rss
        alive = server.returncode is None
        kept = sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in process.net_connections())
        per_connection = (after - before) / options.connections / 1024
        print(
            f"{options.limits} limits {limits}: {options.connections} connections x {len(payload):,} bytes "
            f"of heads: server RSS {before / 2**20:.1f} -> {after / 2**20:.1f} MiB "
            f"({per_connection:,.1f} KiB per connection); the server kept {kept} open; "
            f"server {'up' if alive else 'gone'}"
        )
        for writer in writers:
            writer.transport.abort()
    finally:
        server.terminate()
        await server.wait()


if __name__ == "__main__":
    asyncio.run(main())
