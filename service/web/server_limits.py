"""What aiohttp's HTTP server allows each connection before a handler runs, set here instead of left to defaults.

Everything below happens in aiohttp's protocol, before any middleware: no request id, rate limit or JSON
error applies. Read from aiohttp 3.14.5's ``web_protocol.py`` and ``_http_parser.pyx``:

- A request target (path and query) over ``MAX_LINE_SIZE``, a header (name and value together) over
  ``MAX_FIELD_SIZE`` or more than ``MAX_HEADERS`` headers gets ``400 Bad Request`` as plain text, logged by
  ``aiohttp.server`` as an error with its traceback, and the connection is closed.
- The request head (request line and headers) is parsed as it arrives and kept until it is complete, as
  the raw bytes and as decoded strings: about twice its size. With aiohttp's defaults (128 headers of up to
  8,190 bytes) one head could hold 2 MiB, and 300 connections that each sent 1 MB of headers and then
  nothing took a bare aiohttp server from 36 to 644 MiB (``bench/stalled_heads.py``). Up to 32 further
  requests pipelined behind one being handled are parsed and held too. Here a head is at most 64 headers
  of 4 KiB: about 0.5 MiB of memory (191 MiB for the same 300 connections).
- ``KEEPALIVE_TIMEOUT_S`` is, in aiohttp >= 3.14.4, also the only bound on how long a client may take to
  send a request head: the timer starts when the connection opens and again when each response has been
  sent, is not reset by the bytes that arrive, and closes the connection (no answer) if no complete head has
  come by then. A slowloris connection dribbling its headers is therefore closed after it too. Before
  3.14.4 a connection that never finished its first head was never closed, hence the version floor in
  setup.cfg. aiohttp keeps no separate header timeout, so this one value is both the idle keep-alive and
  the header deadline.
- Bodies are bounded by the service itself (``MAX_BODY_BYTES``, ``MAX_BODY_BYTES_IN_FLIGHT``,
  ``BODY_READ_TIMEOUT_S``: see :mod:`service.web.admission`).
"""

from __future__ import annotations

from typing import TypedDict

# Idle keep-alive, and the time a client has to send a complete request head (see above). It must stay
# longer than the idle timeout of a proxy in front (Render's), or the proxy may send a request on a
# connection the server is closing and answer 502. 75 s is what web.run_app passes by default (and nginx's
# default); aiohttp's own handler default is 3,630 s, which a TestServer or a bare AppRunner gets.
KEEPALIVE_TIMEOUT_S = 75.0
# The request target, path and query (aiohttp's C parser counts only it). aiohttp's default; paths here are short.
MAX_LINE_SIZE = 8190
# Headers per request (aiohttp's default: 128). A browser's fetch sends about 20 and a proxy and a CDN in
# front add their own (forwarded address, protocol, request ids): 64 leaves room for them.
MAX_HEADERS = 64
# One header's name and value together (aiohttp's default: 8,190). The longest this API needs is a Bearer
# key or a forwarded address chain; a browser's cookies for a parent domain are the likeliest to pass it.
MAX_FIELD_SIZE = 4096


class ServerLimits(TypedDict):
    """The keyword arguments of web.run_app (or AppRunner, or TestServer.start_server) set here."""

    keepalive_timeout: float
    max_line_size: int
    max_headers: int
    max_field_size: int


def server_limits() -> ServerLimits:
    """The limits to pass to the server, read when called so that a test can lower a constant.

    aiohttp does not fail on an unknown keyword: it logs a warning for each connection and serves it with
    its defaults. A renamed option would go unnoticed here, so tests/test_hostile_clients.py checks what the
    server does instead.
    """
    return ServerLimits(
        keepalive_timeout=KEEPALIVE_TIMEOUT_S,
        max_line_size=MAX_LINE_SIZE,
        max_headers=MAX_HEADERS,
        max_field_size=MAX_FIELD_SIZE,
    )
