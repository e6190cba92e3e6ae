"""GET /health: the guide's fields, memory per process, and honest status while the child restarts."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_aiohttp import AiohttpClient

from service.model.cpu import model_threads
from service.model.embedder import State
from service.settings import Settings
from service.web.app import create_app
from service.web.keys import STARTUP
from tests.conftest import Client, embedder_of, start_client, wait_until


async def test_health_reports_memory_per_process(client: Client) -> None:
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "healthy"
    web, model = body["processes"]["web"], body["processes"]["model"]
    assert web["pid"] == os.getpid()
    assert model["pid"] == embedder_of(client).pid != web["pid"]
    for process in (web, model):  # RSS and USS are read a moment apart, while the child trims its heap
        assert process["uss_mb"] > 0 and process["rss_mb"] > 0
    assert abs(body["memory_mb"] - (web["rss_mb"] + model["rss_mb"])) < 0.2
    assert body["memory_percent"] == round(100 * body["memory_mb"] / body["memory_limit_mb"], 1)
    assert body["memory_limit_source"] in {"cgroup", "MEMORY_LIMIT_MB", "machine"}
    assert body["container_usage_mb"] is None or body["container_usage_mb"] > 0
    assert model["state"] == "ready"
    assert model["budget_mb"] == Settings().model_rss_budget_mb
    assert model["threads"] == model_threads(0) >= 1  # from the CPU quota, as MODEL_THREADS is unset
    assert model["restarts"] == 0 and model["restart_reasons"] == {}
    assert model["uptime_s"] > 0 and web["uptime_s"] >= model["uptime_s"]


async def test_health_is_degraded_while_the_child_restarts(client: Client) -> None:
    embedder = embedder_of(client)
    old_pid = embedder.pid
    assert old_pid is not None
    os.kill(old_pid, signal.SIGKILL)
    await wait_until(lambda: embedder.state is State.RESTARTING, what="the restart to begin")
    response = await client.get("/health")
    assert response.status == 200
    assert (await response.json())["status"] == "degraded"
    await wait_until(lambda: embedder.state is State.READY, what="the new child")
    body = await (await client.get("/health")).json()
    assert body["status"] == "healthy"
    model = body["processes"]["model"]
    assert model["pid"] != old_pid
    assert model["restarts"] == 1
    assert model["restart_reasons"] == {"died": 1}
    assert model["last_restart_reason"] == "died: killed by SIGKILL"
    assert model["last_restart_seconds"] > 0


async def test_health_answers_at_once_while_the_model_loads(aiohttp_client: AiohttpClient, settings: Settings) -> None:
    client = await aiohttp_client(create_app(settings))
    response = await client.get("/health")
    assert response.status == 200
    assert (await response.json())["status"] == "starting"
    response = await client.post("/verify", json={"raw_text": "The Moon orbits the Earth."})
    assert response.status == 503
    assert response.headers["Retry-After"]
    assert "starting" in (await response.json())["error"]["message"]
    await wait_until(lambda: client.app[STARTUP].done, what="start-up")
    assert (await (await client.get("/health")).json())["status"] == "healthy"


async def test_failed_start_up_is_unhealthy_with_its_reason(
    aiohttp_client: AiohttpClient, settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "kb.jsonl"
    client = await aiohttp_client(create_app(replace(settings, knowledge_base=missing)))
    await wait_until(lambda: client.app[STARTUP].done, what="start-up")
    response = await client.get("/health")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unhealthy"
    assert "start-up failed" in body["error"] and "kb.jsonl" in body["error"]
    response = await client.post("/verify", json={"raw_text": "The Moon orbits the Earth."})
    assert response.status == 503
    assert "kb.jsonl" in (await response.json())["error"]["message"]


async def test_a_damaged_store_file_fails_start_up_loudly(
    aiohttp_client: AiohttpClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    database = settings.data_dir / "store" / "store.sqlite3"
    database.parent.mkdir(parents=True)
    database.write_bytes(b"this is not an SQLite database " * 200)
    client = await aiohttp_client(create_app(settings))
    await wait_until(lambda: client.app[STARTUP].done, what="start-up")
    response = await client.get("/health")
    assert response.status == 503
    body = await response.json()
    assert body["status"] == "unhealthy" and "DatabaseError" in body["error"]
    assert any("start-up failed" in record.getMessage() for record in caplog.records if record.levelname == "ERROR")


async def test_a_stopped_child_makes_health_degraded_until_it_answers(
    aiohttp_client: AiohttpClient, settings: Settings
) -> None:
    client = await start_client(aiohttp_client, replace(settings, batch_overdue_s=0.2))
    embedder = embedder_of(client)
    pid = embedder.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)  # hung: alive, silent
    try:
        request = asyncio.create_task(client.post("/verify", json={"raw_text": "The harbour walls have cracks."}))
        await wait_until(lambda: (embedder.batch_age_s or 0) > 0.2, what="an overdue batch")
        body = await (await client.get("/health")).json()
        assert body["status"] == "degraded" and body["processes"]["model"]["batch_in_flight_s"] >= 0.2
    finally:
        os.kill(pid, signal.SIGCONT)
    assert (await request).status == 200
    body = await (await client.get("/health")).json()
    assert body["status"] == "healthy" and body["processes"]["model"]["batch_in_flight_s"] is None
