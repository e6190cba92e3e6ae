"""The app factory: routes, middleware, and everything that starts and stops, as cleanup contexts.

Start-up order: the model child (and its READY handshake), then the knowledge
base embedded through it and the pipeline with its agents, then the watchdog.
Shutdown runs the same contexts in reverse, so the child is stopped last and
no request is left waiting on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from service.agents import MemoryUpdateAgent, RetrievalAgent
from service.embedder import Embedder
from service.keys import EMBEDDER, MEMORY_GUARD, PIPELINE, SETTINGS, WATCHDOG
from service.memory import detect_limit
from service.memory_guard import MemoryGuard
from service.middleware import json_errors
from service.pipeline import VerificationPipeline, build_knowledge_base
from service.routes import routes
from service.settings import Settings
from service.watchdog import Watchdog

log = logging.getLogger(__name__)


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=[json_errors])
    app[SETTINGS] = settings
    app.add_routes(routes)
    app.cleanup_ctx.extend([model_child, verification_pipeline, watchdog])
    return app


async def model_child(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    embedder = Embedder(settings)
    guard = MemoryGuard(
        detect_limit(settings.memory_limit_mb),
        model_pid=lambda: embedder.pid,
        gc_every_n_requests=settings.gc_every_n_requests,
        log_every_n_requests=settings.log_memory_every_n_requests,
    )
    app[EMBEDDER] = embedder
    app[MEMORY_GUARD] = guard
    log.info("Memory limit %.0fMB (from %s)", guard.limit.mb, guard.limit.source)
    try:
        await embedder.start()
    except BaseException:
        await embedder.stop()
        raise
    guard.log("startup")
    yield
    guard.log("shutdown")
    await embedder.stop()


async def verification_pipeline(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    embedder = app[EMBEDDER]
    knowledge = await build_knowledge_base(settings.knowledge_base, embedder)
    log.info("Knowledge base: %d passages from %s", len(knowledge), settings.knowledge_base)
    app[PIPELINE] = VerificationPipeline(
        embedder,
        RetrievalAgent(knowledge),
        MemoryUpdateAgent(embedder.dim, settings.memory_capacity, settings.memory_match_threshold),
        support_threshold=settings.support_threshold,
        max_claims=settings.max_claims,
    )
    yield


async def watchdog(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    dog = Watchdog(app[EMBEDDER], settings.model_rss_budget_mb, settings.watchdog_interval_ms)
    app[WATCHDOG] = dog
    task = asyncio.create_task(dog.run(), name="watchdog")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
