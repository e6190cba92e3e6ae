"""CORS for browser clients on other origins, by aiohttp-cors (aio-libs): CORS_ORIGINS may call every route.

With no origin configured nothing is added: browsers keep pages of other origins from reading answers,
and a preflight (OPTIONS) gets 405. With origins, a preflight from one of them is answered with what it
may send; one from any other origin gets 403 and no CORS header. Credentials (cookies) are not allowed:
clients authenticate with an ``Authorization`` header, which a page must be allowed to send explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp_cors
from aiohttp import web

# What a page may send, and read back, beyond the headers browsers allow anyway.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "X-Request-ID")
EXPOSED_HEADERS = ("X-Request-ID", "Retry-After", "WWW-Authenticate")
PREFLIGHT_MAX_AGE_S = 600


def allow_origins(app: web.Application, origins: Sequence[str]) -> None:
    """Let pages of ``origins`` (``*``: any) call every route of ``app``; call it after the routes are added."""
    if not origins:
        return
    options = {"allow_headers": ALLOWED_HEADERS, "expose_headers": EXPOSED_HEADERS, "max_age": PREFLIGHT_MAX_AGE_S}
    cors = aiohttp_cors.setup(app, defaults={origin: options for origin in origins})
    for route in list(app.router.routes()):
        cors.add(route)
