"""Helpers for starting a server process, shared by the benchmarks and the process tests."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).parent.parent
# Runs a command under a real memory cgroup; it lives beside the project, not in it.
MEMCAP = ROOT.parent / "shared" / "tools" / "memcap"
LIMIT_MB = 512  # Render's free plan


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


@dataclass
class Server:
    """A server process running under ``memcap``, and where memcap writes its figures when it ends."""

    design: str
    process: asyncio.subprocess.Process
    url: str
    report: Path

    async def health(self, session: aiohttp.ClientSession) -> dict[str, Any]:
        async with session.get(f"{self.url}/health") as response:
            body: dict[str, Any] = await response.json()
            return body


async def start(design: str, scratch: Path, data_dir: Path | None = None, root: Path = ROOT, **env: str) -> Server:
    """``design`` served under memcap on a free port (its DATA_DIR fresh in ``scratch`` unless given).

    ``root`` is the checkout whose ``run.py`` serves "service": another one (a worktree of an older
    commit) gives a before/after comparison in one run.
    """
    port = free_port()
    data_dir = data_dir or scratch / f"{design}-{port}"
    report = scratch / f"{design}-{port}.memcap.json"
    if design == "service":
        command = [sys.executable, str(root / "run.py")]
    else:
        command = [sys.executable, "-m", "bench.baselines", "--design", design, "--port", str(port)]
        command += ["--data-dir", str(data_dir)]
    environment = dict(os.environ, PORT=str(port), HOST="127.0.0.1", DATA_DIR=str(data_dir), LOG_LEVEL="ERROR", **env)
    environment["PYTHONPATH"] = str(root)
    process = await asyncio.create_subprocess_exec(
        str(MEMCAP), str(LIMIT_MB), "--report", str(report), "--", *command,
        cwd=root, env=environment, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    server = Server(design, process, f"http://127.0.0.1:{port}", report)
    if not await wait_until_healthy(server.url, lambda: process.returncode is not None, timeout_s=180):
        raise RuntimeError(f"{design} exited before it was healthy")
    return server


async def stop(server: Server) -> dict[str, Any]:
    """SIGTERM to the server inside memcap, so memcap ends normally and writes its report (peak, OOM kills)."""
    if server.process.returncode is None:
        for child in psutil.Process(server.process.pid).children():
            child.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.process.wait(), timeout=60)
    report: dict[str, Any] = json.loads(server.report.read_text()) if server.report.exists() else {}
    return report
