"""The app factory: routes, middleware, and everything that starts and stops, as cleanup contexts.

The model child, the knowledge base and the pipeline come up in the background
(:mod:`service.startup`) while the server already answers; the watchdog runs
from the start. Shutdown stops the watchdog, then the child, so no request is
left waiting on it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from service.memory.guard import MemoryGuard
from service.memory.heap import cap_malloc_arenas, fix_mmap_threshold
from service.memory.history import MemoryHistory
from service.memory.monitor import detect_limit
from service.model.embedder import Embedder
from service.model.watchdog import Watchdog
from service.security.access import Access
from service.security.rate_limit import RateLimiter
from service.settings import Settings
from service.startup import Startup
from service.verdict import forget_readings
from service.web.admission import BodyAdmission
from service.web.cors import allow_origins
from service.web.keys import (
    ACCESS,
    BODY_ADMISSION,
    EMBEDDER,
    HISTORY,
    MEMORY_GUARD,
    METRICS,
    RATE_LIMITER,
    SETTINGS,
    STARTUP,
    WATCHDOG,
)
from service.web.metrics import Metrics
from service.web.middleware import MIDDLEWARES
from service.web.routes import routes

# Two malloc arenas: the event loop's and one shared by the worker threads (store reads and writes).
WEB_MALLOC_ARENAS = 2
# Request bodies and answers of 128 KiB or more get their own mmap, returned to the OS when freed, so
# a burst of long requests does not leave the heap at its high-water mark (see service.memory.heap).
WEB_MMAP_THRESHOLD_BYTES = 128 * 1024


def create_app(settings: Settings) -> web.Application:
    cap_malloc_arenas(WEB_MALLOC_ARENAS)
    fix_mmap_threshold(WEB_MMAP_THRESHOLD_BYTES)
    app = web.Application(client_max_size=settings.max_body_bytes, middlewares=MIDDLEWARES)
    embedder = Embedder(settings)
    guard = MemoryGuard(
        detect_limit(settings.memory_limit_mb),
        model_pid=lambda: embedder.pid,
        gc_every_n_requests=settings.gc_every_n_requests,
        log_every_n_requests=settings.log_memory_every_n_requests,
        idle_caches=(forget_readings,),
    )
    app[SETTINGS] = settings
    app[ACCESS] = Access(settings.api_keys, settings.trusted_proxies, settings.verify_requires_key)
    app[RATE_LIMITER] = RateLimiter(settings.rate_limit_per_min, settings.rate_limit_clients)
    app[BODY_ADMISSION] = BodyAdmission(settings.max_body_bytes, settings.max_body_bytes_in_flight)
    app[EMBEDDER] = embedder
    app[MEMORY_GUARD] = guard
    app[STARTUP] = Startup(settings, embedder, guard)
    app[METRICS] = Metrics(embedder, guard, app[STARTUP])
    app[HISTORY] = MemoryHistory(settings.history_points, settings.history_interval_s)
    app[WATCHDOG] = Watchdog(
        embedder,
        settings.model_rss_budget_mb,
        settings.watchdog_interval_ms,
        settings.model_ping_timeout_s,
        app[HISTORY],
    )
    app.add_routes(routes)
    allow_origins(app, settings.cors_origins)
    app.cleanup_ctx.extend([worker_thread, model_child, watchdog])
    return app


async def worker_thread(app: web.Application) -> AsyncIterator[None]:
    """One thread for asyncio.to_thread: the store's lock lets only one of them work at a time anyway,
    and each further thread kept its own stack and numpy buffers after a burst."""
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
    asyncio.get_running_loop().set_default_executor(executor)
    yield
    executor.shutdown(wait=True)


async def model_child(app: web.Application) -> AsyncIterator[None]:
    guard = app[MEMORY_GUARD]
    guard.log_limit()
    starting = asyncio.create_task(app[STARTUP].run(), name="startup")
    yield
    await stop(starting)
    guard.log("shutdown")
    await app[EMBEDDER].stop()
    app[STARTUP].close()


async def watchdog(app: web.Application) -> AsyncIterator[None]:
    running = asyncio.create_task(app[WATCHDOG].run(), name="watchdog")
    yield
    await stop(running)


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
