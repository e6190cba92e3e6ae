"""HTTP handlers: parse, delegate to the pipeline, shape the answer. Nothing else."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from service.health import health_report
from service.keys import EMBEDDER, MEMORY_GUARD, METRICS, SETTINGS, STARTUP
from service.openapi import openapi_document
from service.pipeline import ClaimResult
from service.schemas import parse_verify_request, read_json_object

routes = web.RouteTableDef()


@routes.post("/verify")
async def verify(request: web.Request) -> web.Response:
    app = request.app
    settings = app[SETTINGS]
    guard = app[MEMORY_GUARD]
    started = time.perf_counter()
    query = parse_verify_request(await read_json_object(request), settings.default_top_k, settings.max_top_k)
    guard.admit()
    try:
        results = await app[STARTUP].require_pipeline().verify(query.raw_text, query.top_k)
    finally:
        guard.count_request()
    return web.json_response(
        {
            "claims": [claim_json(result) for result in results],
            "model": app[EMBEDDER].spec.name,
            "took_ms": round(1000 * (time.perf_counter() - started), 1),
        }
    )


@routes.get("/health")
async def health(request: web.Request) -> web.Response:
    app = request.app
    status, body = health_report(app[STARTUP], app[MEMORY_GUARD], app[SETTINGS].model_rss_budget_mb)
    return web.json_response(body, status=status)


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


def claim_json(result: ClaimResult) -> dict[str, Any]:
    finding, memory = result.finding, result.recall.memory
    return {
        "claim": finding.claim,
        "verdict": finding.verdict,
        "score": round(finding.score, 4),
        "evidence": [
            {
                "id": item.passage.id,
                "text": item.passage.text,
                "source": item.passage.source,
                "similarity": round(item.similarity, 4),
            }
            for item in result.evidence
        ],
        "memory": {
            "seen_before": result.recall.seen_before,
            "similarity": round(result.recall.similarity, 4),
            "times_seen": memory.times_seen,
            "first_seen": memory.first_seen,
            "last_seen": memory.last_seen,
            "first_verdict": memory.verdict,
        },
    }
