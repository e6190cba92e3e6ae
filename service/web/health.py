"""The /health report: the guide's four fields, then memory per process and the model child's story.

``status`` is ``starting`` until the model and the knowledge base are ready,
then ``healthy``; ``degraded`` while the model child restarts, or while its batch
is overdue (a hung or stopped child: it is restarted at MODEL_CALL_TIMEOUT_S) (still
200: requests queue and will be served), or while the store's database cannot be
reached (still 200: restarting this instance would not bring the database back, and
requests succeed again as soon as it is); ``unhealthy`` (503) only when the web
process itself is over the limit, start-up failed or the model cannot load.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import psutil

from service.errors import StoreUnavailable
from service.memory.guard import MemoryGuard
from service.memory.monitor import MIB, MemoryLimit, ProcessMemory
from service.model.embedder import State
from service.startup import Startup
from service.store.selection import backend, location


async def store_outage(startup: Startup) -> str | None:
    """Why the store cannot be reached now, or None: asked each time, so that /health shows a database outage
    as soon as it begins and stops showing it as soon as it ends, whether or not requests come."""
    if startup.store is None:
        return None
    try:
        await asyncio.to_thread(startup.store.ping)
    except StoreUnavailable as error:
        return str(error)
    return None


def health_report(
    startup: Startup, guard: MemoryGuard, budget_mb: float, batch_overdue_s: float, outage: str | None
) -> tuple[int, dict[str, Any]]:
    embedder = startup.embedder
    batch_age_s = embedder.batch_age_s
    overdue = batch_age_s is not None and batch_age_s > batch_overdue_s
    processes = guard.processes(with_uss=True)
    web, model = processes["web"], processes["model"]
    total = guard.total_rss_mb(processes)
    limit = guard.limit
    error = startup.error or embedder.failure
    if (web is not None and web.rss_mb > limit.mb) or error or embedder.state is State.STOPPED:
        status, code = "unhealthy", 503
    elif not startup.done:
        status, code = "starting", 200
    elif embedder.state is State.READY and not overdue and outage is None:
        status, code = "healthy", 200
    else:
        status, code = "degraded", 200
    child = embedder.child
    stats = embedder.stats
    body: dict[str, Any] = {
        "status": status,
        "memory_mb": round(total, 1),
        "memory_percent": round(100 * total / limit.mb, 1),
        "memory_limit_mb": round(limit.mb, 1),
        "memory_limit_source": limit.source,
        "container_usage_mb": container_usage_mb(limit),
        "container_oom_kills": limit.cgroup.oom_kills() if limit.cgroup is not None else None,
        "requests": guard.requests,
        "store": {
            "backend": backend(startup.settings),
            "location": location(startup.settings),
            "available": None if startup.store is None else outage is None,
            "error": outage,
        },
        "claim_memory": {
            "claims": startup.store.claim_count() if startup.store is not None else None,
            "max_claims": startup.settings.max_remembered_claims,
        },
        "processes": {
            "web": {
                **memory_fields(web),
                "uptime_s": round(time.time() - psutil.Process().create_time(), 1),
            },
            "model": {
                **memory_fields(model),
                "state": embedder.state.value,
                "batch_in_flight_s": None if batch_age_s is None else round(batch_age_s, 1),
                "model": embedder.spec.name,
                "threads": embedder.spec.threads,
                "budget_mb": budget_mb,
                "call_budget_mb": embedder.spec.call_budget_mb,
                "peak_rss_mb": round(child.peak_rss_mb, 1) if child is not None and child.peak_rss_mb else None,
                "last_batch_peak_mb": round(stats.last_batch_peak_mb, 1) if stats.last_batch_peak_mb else None,
                "oom_score_adj": oom_score_adj(child.pid) if child is not None else None,
                "uptime_s": round(child.uptime_s(), 1) if child is not None else None,
                "batches_served": child.batches_served if child is not None else 0,
                "restarts": sum(stats.restarts.values()),
                "restart_reasons": dict(stats.restarts),
                "last_restart_reason": stats.last_restart_reason or None,
                "last_restart_seconds": round(stats.last_restart_seconds, 2) if stats.last_restart_seconds else None,
                "queue_texts": embedder.queue_depth(),
                "model_calls": stats.model_calls,
                "onnx_calls": stats.onnx_calls,
            },
        },
    }
    if error:
        body["error"] = error
    return code, body


def memory_fields(memory: ProcessMemory | None) -> dict[str, Any]:
    if memory is None:
        return {"pid": None, "rss_mb": None, "uss_mb": None}
    uss = round(memory.uss_mb, 1) if memory.uss_mb is not None else None
    return {"pid": memory.pid, "rss_mb": round(memory.rss_mb, 1), "uss_mb": uss}


def container_usage_mb(limit: MemoryLimit) -> float | None:
    """What the cgroup charges (RSS of every process, page cache, kernel memory): what the OOM killer sees."""
    usage = limit.cgroup.usage_bytes() if limit.cgroup is not None else None
    return round(usage / MIB, 1) if usage is not None else None


def oom_score_adj(pid: int) -> int | None:
    """How eagerly the kernel's OOM killer picks ``pid`` (1000: first); the model child raises its own."""
    try:
        return int(Path(f"/proc/{pid}/oom_score_adj").read_text())
    except (OSError, ValueError):
        return None
