"""Memory bounded for every input: long unpunctuated texts become bounded claims, the model's calls stay
under their budget, and when the kernel must kill, it kills the model child, not the web process."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from pathlib import Path

import aiohttp
import psutil
import pytest

from bench.long_texts import unpunctuated
from bench.servers import MEMCAP
from tests.conftest import Client, embedder_of
from tests.test_processes import start_server


async def test_an_unpunctuated_text_comes_back_as_claims_covering_all_of_it(client: Client) -> None:
    text = unpunctuated(2000, seed=0)
    response = await client.post("/verify", json={"raw_text": text, "top_k": 1})
    assert response.status == 200
    claims = (await response.json())["claims"]
    assert len(claims) >= 8
    covered = 0
    for claim in claims:
        span = text[claim["span"]["start"] : claim["span"]["end"]]
        assert claim["claim"] == " ".join(span.split())
        assert not claim["truncated"]
        covered += len(span)
    assert claims[0]["span"]["start"] == 0 and claims[-1]["span"]["end"] == len(text)
    assert covered + len(claims) - 1 == len(text)  # the pieces and the single spaces between them


async def test_the_child_volunteers_for_the_oom_killer_and_reports_its_peaks(client: Client) -> None:
    response = await client.post("/verify", json={"raw_text": unpunctuated(300, seed=0)})
    assert response.status == 200
    model = (await (await client.get("/health")).json())["processes"]["model"]
    assert model["oom_score_adj"] == 1000
    assert model["last_batch_peak_mb"] >= model["rss_mb"] * 0.9  # a high-water mark is at least the rest
    assert model["peak_rss_mb"] >= model["last_batch_peak_mb"]
    assert model["onnx_calls"] > model["model_calls"]  # more than one call per batch: planned under the budget
    web_pid = (await (await client.get("/health")).json())["processes"]["web"]["pid"]
    assert Path(f"/proc/{web_pid}/oom_score_adj").read_text().strip() == "0"
    metrics = await (await client.get("/metrics")).text()
    assert re.search(r"^model_peak_rss_bytes \d", metrics, re.MULTILINE)


async def test_a_batch_of_long_texts_is_embedded_in_calls_under_the_budget(client: Client) -> None:
    embedder = embedder_of(client)
    calls_before = embedder.stats.onnx_calls
    digits = " ".join(str(number) for number in range(10_000, 10_254))  # about 5 tokens a number: cut at 256
    embedding = await embedder.embed_texts([digits] * 4 + ["A short sentence about the sea."])
    assert embedding.vectors.shape == (5, 384)
    assert embedding.truncated.tolist() == [True] * 4 + [False]
    assert embedder.stats.onnx_calls - calls_before >= 3  # at most two texts of 256 tokens fit the default budget


@pytest.mark.skipif(not MEMCAP.exists() or os.geteuid() != 0, reason="needs ../shared/tools/memcap and root")
async def test_concurrent_long_texts_under_memcap_all_answer_without_an_oom_kill(tmp_path: Path) -> None:
    report = tmp_path / "memcap.json"
    server = await start_server(tmp_path, str(MEMCAP), "512", "--report", str(report), "--")
    try:
        async with aiohttp.ClientSession() as session:

            async def verify(seed: int) -> int:
                body = {"raw_text": unpunctuated(2000, seed)}
                async with session.post(f"{server.url}/verify", json=body) as response:
                    return response.status

            statuses = await asyncio.gather(*(verify(seed) for seed in range(8)))
            health = await server.health()
    finally:
        for process in psutil.Process(server.process.pid).children():
            process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=60)
    assert statuses == [200] * 8
    assert health["processes"]["model"]["restarts"] == 0
    figures = json.loads(report.read_text())
    assert figures["oom_kills"] == 0
    assert figures["peak_bytes"] < 450 * 1024 * 1024


@pytest.mark.skipif(not MEMCAP.exists() or os.geteuid() != 0, reason="needs ../shared/tools/memcap and root")
@pytest.mark.parametrize("call_budget_mb", ["64", "100000"])
async def test_the_call_budget_keeps_long_passages_under_a_tight_cap_and_an_oom_kill_takes_the_child(
    tmp_path: Path, call_budget_mb: str
) -> None:
    """Eight passages of 256 tokens: in calls under the default budget they fit in 340 MiB; in one call
    (budget off) the child passes the cap, and the kernel kills it, never the web process."""
    report = tmp_path / "memcap.json"
    server = await start_server(
        tmp_path, str(MEMCAP), "340", "--report", str(report), "--", MODEL_CALL_BUDGET_MB=call_budget_mb
    )
    passages = [{"text": f"{unpunctuated(300, seed)} {seed}", "source": "test"} for seed in range(8)]
    try:
        web_pid = (await server.health())["processes"]["web"]["pid"]
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{server.url}/evidence", json={"passages": passages}) as response:
                status = response.status
            async with session.post(f"{server.url}/verify", json={"raw_text": "The Moon orbits the Earth."}) as after:
                assert after.status == 200
        health = await server.health()
    finally:
        for process in psutil.Process(server.process.pid).children():
            process.send_signal(signal.SIGTERM)
        server.process.communicate(timeout=60)
    assert health["processes"]["web"]["pid"] == web_pid
    if call_budget_mb == "64":
        assert status == 201
        assert health["container_oom_kills"] == 0 and health["processes"]["model"]["restarts"] == 0
    else:
        assert status == 503
        assert health["container_oom_kills"] >= 1
        assert health["processes"]["model"]["restart_reasons"]["died"] >= 1
    assert json.loads(report.read_text())["oom_kills"] == health["container_oom_kills"]
