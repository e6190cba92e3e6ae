"""Every object shared through the app, declared once as a typed ``web.AppKey`` (or ``web.RequestKey``)."""

from __future__ import annotations

from aiohttp import web

from service.memory.guard import MemoryGuard
from service.memory.history import MemoryHistory
from service.model.embedder import Embedder
from service.model.watchdog import Watchdog
from service.security.access import Access, Client
from service.security.rate_limit import RateLimiter
from service.settings import Settings
from service.startup import Startup
from service.web.admission import BodyAdmission
from service.web.metrics import Metrics

SETTINGS = web.AppKey("settings", Settings)
EMBEDDER = web.AppKey("embedder", Embedder)
WATCHDOG = web.AppKey("watchdog", Watchdog)
HISTORY = web.AppKey("history", MemoryHistory)
MEMORY_GUARD = web.AppKey("memory_guard", MemoryGuard)
METRICS = web.AppKey("metrics", Metrics)
STARTUP = web.AppKey("startup", Startup)
BODY_ADMISSION = web.AppKey("body_admission", BodyAdmission)
ACCESS = web.AppKey("access", Access)
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)
# Who sent the request being served (set by the access middleware), for the audit trail.
CLIENT = web.RequestKey("client", Client)
