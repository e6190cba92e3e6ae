"""Helpers for starting a server process, shared by the benchmarks and the process tests."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp

# Runs a command under a real memory cgroup; it lives beside the project, not in it.
MEMCAP = Path(__file__).parent.parent.parent / "shared" / "tools" / "memcap"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_until_healthy(url: str, exited: Callable[[], bool], timeout_s: float) -> bool:
    """Poll ``url``/health until it says healthy (True) or the server has exited (False).

    Raises TimeoutError when neither happens within ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if exited():
                return False
            try:
                async with session.get(f"{url}/health") as response:
                    if (await response.json()).get("status") == "healthy":
                        return True
            except aiohttp.ClientError:
                pass  # not listening yet
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} did not become healthy within {timeout_s:g}s")
