"""The real server as users run it: `python run.py`, signals, and the model child's life around it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bench.servers import MEMCAP, free_port, wait_until_healthy
from tests.conftest import pid_exists, wait_until

ROOT = Path(__file__).parent.parent


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str

    async def health(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as session, session.get(f"{self.url}/health") as response:
            body: dict[str, Any] = await response.json()
            return body


async def launch(command: list[str], cwd: Path, env: dict[str, str], port: int) -> Server:
    """Start a server process and return once its /health says healthy (or fail with its stderr)."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    server = Server(process, f"http://127.0.0.1:{port}")
    try:
        healthy = await wait_until_healthy(server.url, lambda: process.poll() is not None, timeout_s=120)
    except TimeoutError:
        process.kill()
        raise
    if not healthy:
        raise AssertionError(f"server exited early:\n{process.stderr.read() if process.stderr else ''}")
    return server


async def start_server(tmp_path: Path, *wrapper: str, **env: str) -> Server:
    """`python run.py` on a free port (inside ``wrapper`` if given), once /health says healthy."""
    port = free_port()
    environment = dict(os.environ, PORT=str(port), HOST="127.0.0.1", DATA_DIR=str(tmp_path / "data"), **env)
    return await launch([*wrapper, sys.executable, "run.py"], ROOT, environment, port)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Server]:
    server = await start_server(tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_server_and_child_cleanly(server: Server, signum: int) -> None:
    child_pid = (await server.health())["processes"]["model"]["pid"]
    assert pid_exists(child_pid)
    async with aiohttp.ClientSession() as session:
        response = await session.post(f"{server.url}/verify", json={"raw_text": "The Moon orbits the Earth."})
        assert response.status == 200
    server.process.send_signal(signum)
    _, stderr = server.process.communicate(timeout=30)
    assert server.process.returncode == 0, stderr
    assert not pid_exists(child_pid)
    assert "Memory [startup]: RSS=" in stderr and "Memory [shutdown]: RSS=" in stderr


async def test_sigterm_lets_requests_in_flight_finish(server: Server) -> None:
    long_claims = " ".join(f"{'The inspectors walked the length of the old canal towpath ' * 4}{i}." for i in range(64))
    async with aiohttp.ClientSession() as session:
        request = asyncio.create_task(session.post(f"{server.url}/verify", json={"raw_text": long_claims}))
        for _ in range(200):
            if (await server.health())["processes"]["model"]["queue_texts"] or request.done():
                break
            await asyncio.sleep(0.02)
        server.process.send_signal(signal.SIGTERM)
        response = await request
        assert response.status == 200
        assert len((await response.json())["claims"]) == 64
    assert server.process.wait(timeout=30) == 0


async def test_web_process_maps_no_model_library(server: Server) -> None:
    health = await server.health()
    web_maps = Path(f"/proc/{health['processes']['web']['pid']}/maps").read_text()
    child_maps = Path(f"/proc/{health['processes']['model']['pid']}/maps").read_text()
    assert "onnxruntime" in child_maps
    assert "onnxruntime" not in web_maps and "tokenizers" not in web_maps


async def test_child_exits_when_web_process_is_killed(server: Server) -> None:
    child_pid = (await server.health())["processes"]["model"]["pid"]
    server.process.kill()
    server.process.wait()
    await wait_until(lambda: not pid_exists(child_pid), timeout_s=10, what="the orphaned child to exit")


async def test_json_logs_carry_the_request_id(tmp_path: Path) -> None:
    server = await start_server(tmp_path, LOG_FORMAT="json", GC_EVERY_N_REQUESTS="1")
    try:
        async with aiohttp.ClientSession() as session:
            response = await session.post(
                f"{server.url}/verify", json={"raw_text": "Rain is wet."}, headers={"X-Request-ID": "trace-7"}
            )
            assert response.headers["X-Request-ID"] == "trace-7"
        server.process.send_signal(signal.SIGTERM)
        _, stderr = server.process.communicate(timeout=30)
    finally:
        if server.process.poll() is None:
            server.process.kill()
    records = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    cleanup = [r for r in records if r["message"].startswith("Periodic cleanup at request #1:")]
    assert len(cleanup) == 1 and cleanup[0]["request_id"] == "trace-7"
    assert {r["process"] for r in records} == {"web", "model"}
    assert all({"time", "level", "logger", "pid"} <= set(r) for r in records)


@pytest.mark.skipif(not MEMCAP.exists() or os.geteuid() != 0, reason="needs ../shared/tools/memcap and root")
async def test_health_reads_the_container_limit_under_memcap(tmp_path: Path) -> None:
    server = await start_server(tmp_path, str(MEMCAP), "512", "--")
    try:
        body = await server.health()
        assert (body["memory_limit_mb"], body["memory_limit_source"]) == (512, "cgroup")
        rss_sum = body["processes"]["web"]["rss_mb"] + body["processes"]["model"]["rss_mb"]
        assert 100 < body["container_usage_mb"] < 512
        assert body["memory_mb"] == pytest.approx(rss_sum, abs=0.2)
    finally:
        server.process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=30)
