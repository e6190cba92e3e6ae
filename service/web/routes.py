"""HTTP handlers: parse, delegate to the pipeline, shape the answer. Nothing else."""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from service.errors import QuotaExceeded
from service.memory.history import MODEL_RSS, TIME, WEB_RSS, MemoryHistory
from service.memory.monitor import MemoryLimit
from service.pipeline import ClaimResult
from service.security import audit
from service.store.records import AddResult, StoredClaim, StoredPassage
from service.verdict import Judgement
from service.verdict.compare import Span
from service.web.health import health_report, store_outage
from service.web.keys import CLIENT, EMBEDDER, HISTORY, MEMORY_GUARD, METRICS, SETTINGS, STARTUP
from service.web.openapi import openapi_document
from service.web.pages import asset, page
from service.web.schemas import (
    MAX_PAGE_SIZE,
    MAX_PASSAGES_PER_REQUEST,
    dumps_utf8,
    parse_claim_id,
    parse_evidence_request,
    parse_page,
    parse_verify_request,
    read_json_object,
)

routes = web.RouteTableDef()


@routes.post("/verify")
async def verify(request: web.Request) -> web.Response:
    app = request.app
    settings = app[SETTINGS]
    guard = app[MEMORY_GUARD]
    started = time.perf_counter()
    query = parse_verify_request(await read_json_object(request), settings.default_top_k, settings.max_top_k)
    with guard.serving():
        results = await app[STARTUP].require_pipeline().verify(query.raw_text, query.top_k, request[CLIENT].identity)
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
    settings = app[SETTINGS]
    startup = app[STARTUP]
    outage = await store_outage(startup)
    status, body = health_report(
        startup, app[MEMORY_GUARD], settings.model_rss_budget_mb, settings.batch_overdue_s, outage
    )
    return web.json_response(body, status=status)


@routes.get("/health/history")
async def health_history(request: web.Request) -> web.Response:
    """Memory over the last HISTORY_POINTS samples, and the restarts: what /status draws."""
    app = request.app
    return web.json_response(history_json(app[HISTORY], app[SETTINGS].model_rss_budget_mb, app[MEMORY_GUARD].limit))


@routes.get("/")
async def check_page(request: web.Request) -> web.FileResponse:
    return page("index.html")


@routes.get("/status")
async def status_page(request: web.Request) -> web.FileResponse:
    return page("status.html")


@routes.get("/static/{path:.+}")
async def static_asset(request: web.Request) -> web.FileResponse:
    return asset(request.match_info["path"])


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


@routes.post("/evidence")
async def add_evidence(request: web.Request) -> web.Response:
    """Embed and store passages; each is reported as added, duplicate, restored or id_conflict."""
    app = request.app
    passages = parse_evidence_request(await read_json_object(request), MAX_PASSAGES_PER_REQUEST)
    store = app[STARTUP].require_store()
    owner = request[CLIENT].identity
    owned = await asyncio.to_thread(store.passages_owned, owner)
    quota = app[SETTINGS].max_passages_per_client
    if owned + len(passages) > quota:
        raise QuotaExceeded(
            f"{owner} has added {owned} passages of the {quota} a client may keep; delete some to add {len(passages)}"
        )
    vectors = await app[EMBEDDER].embed([passage.text for passage in passages], owner)
    results = await asyncio.to_thread(store.add_passages, passages, vectors, owner)
    audit.passages_added(request[CLIENT], results)
    body = [{"id": r.id, "status": r.status, "existing_id": r.existing_id} for r in results]
    return web.json_response({"results": body}, status=evidence_status(results))


def evidence_status(results: list[AddResult]) -> int:
    """201 when a passage was created (or restored), 409 when every one conflicts with another's id,
    200 when all were there already."""
    if any(result.status in ("added", "restored") for result in results):
        return 201
    return 409 if all(result.status == "id_conflict" for result in results) else 200


@routes.get("/evidence/{id}")
async def get_evidence(request: web.Request) -> web.Response:
    store = request.app[STARTUP].require_store()
    passage = await asyncio.to_thread(store.get_passage, request.match_info["id"])
    if passage is None:
        raise web.HTTPNotFound(text=f"no evidence passage with id {request.match_info['id']!r}")
    return web.json_response(passage_json(passage))


@routes.delete("/evidence/{id}")
async def delete_evidence(request: web.Request) -> web.Response:
    store = request.app[STARTUP].require_store()
    if not await asyncio.to_thread(store.delete_passage, request.match_info["id"]):
        raise web.HTTPNotFound(text=f"no evidence passage with id {request.match_info['id']!r}")
    audit.passage_deleted(request[CLIENT], request.match_info["id"])
    return web.Response(status=204)


@routes.get("/memory")
async def list_memory(request: web.Request) -> web.Response:
    """What the memory agent has learned, newest first, a page at a time, bounded in bytes (see list_claims).

    UTF-8 rather than ASCII escapes keeps that bound: an escaped emoji would take 12 bytes.
    """
    offset, limit = parse_page(request.query, MAX_PAGE_SIZE)
    store = request.app[STARTUP].require_store()
    claims, total = await asyncio.to_thread(store.list_claims, offset, limit)
    return web.json_response(
        {"items": [memory_json(claim) for claim in claims], "total": total, "offset": offset, "limit": limit},
        dumps=dumps_utf8,
    )


@routes.delete("/memory/{id}")
async def delete_memory(request: web.Request) -> web.Response:
    """Forget one remembered claim: it is never recalled again."""
    store = request.app[STARTUP].require_store()
    claim_id = parse_claim_id(request.match_info["id"])
    if claim_id is None or not await asyncio.to_thread(store.delete_claim, claim_id):
        raise web.HTTPNotFound(text=f"no memory with id {request.match_info['id']!r}")
    audit.memory_deleted(request[CLIENT], claim_id)
    return web.Response(status=204)


@routes.delete("/memory")
async def clear_memory(request: web.Request) -> web.Response:
    """Forget every remembered claim."""
    count = await asyncio.to_thread(request.app[STARTUP].require_store().clear_claims)
    audit.memory_cleared(request[CLIENT], count)
    return web.Response(status=204)


def passage_json(passage: StoredPassage) -> dict[str, Any]:
    return {
        "id": passage.id,
        "text": passage.text,
        "source": passage.source,
        "metadata": dict(passage.metadata),
        "added_at": passage.added_at,
    }


def memory_json(claim: StoredClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "claim": claim.claim,
        "verdict": claim.verdict,
        "score": round(claim.score, 4),
        "evidence_ids": list(claim.evidence_ids),
        "times_seen": claim.times_seen,
        "first_seen": claim.first_seen,
        "last_seen": claim.last_seen,
    }


def claim_json(result: ClaimResult) -> dict[str, Any]:
    return {
        "claim": result.claim.text,
        "span": {"start": result.claim.start, "end": result.claim.end},
        "verdict": result.verdict,
        "score": round(result.score, 4),
        "from_memory": result.recall.from_memory,
        "truncated": result.truncated,
        "reason": reason_json(result.reason),
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
            **memory_json(result.recall.memory),
            "similarity": round(result.recall.similarity, 4),
            "seen_before": result.recall.seen_before,
        },
    }


def reason_json(reason: Judgement) -> dict[str, Any]:
    """Why the verdict: the passage it rests on and, for a refutation, the spans that conflict
    (offsets into the claim and into that passage, for highlighting)."""
    return {
        "explanation": reason.explanation,
        "passage_id": reason.passage_id,
        "conflicts": [
            {
                "kind": conflict.kind,
                "claim": span_json(conflict.claim),
                "evidence": span_json(conflict.evidence),
            }
            for conflict in reason.conflicts
        ],
    }


def history_json(history: MemoryHistory, budget_mb: float, limit: MemoryLimit) -> dict[str, Any]:
    """Samples as columns (times, web RSS, model RSS), as a chart takes them; null where there was no child."""
    samples = history.samples()
    return {
        "interval_s": history.interval_s,
        "points": history.points,
        "model_budget_mb": budget_mb,
        "memory_limit_mb": round(limit.mb, 1),
        "memory_limit_source": limit.source,
        "samples": {
            "time": [round(value, 1) for value in samples[:, TIME].tolist()],
            "web_rss_mb": megabytes(samples[:, WEB_RSS].tolist()),
            "model_rss_mb": megabytes(samples[:, MODEL_RSS].tolist()),
        },
        "restarts": [{"time": round(mark.at, 1), "reason": mark.reason} for mark in history.restarts()],
    }


def megabytes(values: list[float]) -> list[float | None]:
    return [None if math.isnan(value) else round(value, 1) for value in values]


def span_json(span: Span | None) -> dict[str, Any] | None:
    return None if span is None else {"start": span.start, "end": span.end, "text": span.text}
