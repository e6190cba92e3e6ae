"""What a connection may cost and do around the handlers: aiohttp's HTTP server, subclassed where it lets us.

Everything here happens in aiohttp's protocol, before or after the middleware. Read from aiohttp 3.14.5's
``web_protocol.py``, ``web_server.py`` and ``_http_parser.pyx``:

- A request target (path and query) over ``MAX_LINE_SIZE``, a header (name and value together) over
  ``MAX_FIELD_SIZE``, more than ``MAX_HEADERS`` headers or any other request the parser cannot read ends
  in ``RequestHandler.handle_error``, which aiohttp answers as plain text and logs at ERROR with a traceback.
  :class:`Connection` answers instead with the service's JSON error (414, 431 or 400, a new request id),
  and :class:`RefusalLog` writes one line per reason per ``REFUSAL_LOG_INTERVAL_S``, however many come.
- A request head is kept, as raw bytes and decoded strings (about twice its size), until it is complete:
  at most 64 headers of 4 KiB here, about 0.5 MiB. aiohttp also parses and holds up to 32 complete heads
  pipelined behind a request being answered (16 MiB a connection); :class:`Connection` stops reading once
  ``QUEUED_REQUESTS`` wait (the heads already read with it are still parsed), so a connection holds at most
  about ``settings.CONNECTION_COST_MIB`` (0.87 to 0.95 MiB measured).
- Nothing in aiohttp caps the connections. :class:`Server` reads at most ``MAX_CONNECTIONS`` at once; the
  others wait in line, unread, and are let in as places free up or as connections that are not being
  answered (sending a head they do not finish, or silent for ``IDLE_GRACE_S`` with nothing in the kernel's
  buffer, and, if it has been answered before, only once the first in line has waited ``IDLE_GRACE_S``: a client
  reusing its connections as it opens more must not lose the requests it is sending) are closed for them.
  While some wait and none of those read can be closed for them, each answer is sent with ``Connection: close``:
  its place goes to the next in line at once, and its client does not send another request on a connection
  the server may close for one waiting (a slowloris's connections are closed first: a normal client keeps its).
- ``KEEPALIVE_TIMEOUT_S`` is, since aiohttp 3.14.4, also the only bound on the time to send a request head:
  the timer starts when the connection opens and when each answer has been sent, is not reset by
  arriving bytes, and closes the connection (no answer) if no complete head has come by then. A connection
  still in line then has not been read at all (its request may have been sent long ago): it is let in to have
  its head read instead, at most ``REFUSING_AT_ONCE`` at a time, and answered ``503 busy`` with Retry-After,
  its body left unread (aiohttp reads and drops what comes for a while, so that the close does not reset the
  answer away). Without this, requests that waited behind ``MAX_CONNECTIONS`` long ones were dropped unanswered
  (``make bench``'s long texts: 12 of 120).
- aiohttp has no write timeout: a client that does not read its answer keeps the handler, the answer and
  the connection. :class:`Connection` closes it once its send buffer has stayed full ``WRITE_TIMEOUT_S``,
  and sets the kernel's send buffer to ``SEND_BUFFER_BYTES``.
- Bodies are bounded by the service itself (``MAX_BODY_BYTES``, ``MAX_BODY_BYTES_IN_FLIGHT``,
  ``BODY_READ_TIMEOUT_S``: see :mod:`service.web.admission`).

``web.run_app`` cannot be given a server class, so run.py serves with :class:`AppRunner` and a ``TCPSite``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import logging
import socket
import struct
import termios
import time
from typing import Any, cast

from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMessage,
    BadHttpMethod,
    BadStatusLine,
    HttpProcessingError,
    InvalidHeader,
    InvalidURLError,
    LineTooLong,
)
from aiohttp.web_protocol import RequestHandler
from prometheus_client import Counter

from service.errors import (
    ConnectionsFull,
    MalformedRequest,
    RequestHeadTooLarge,
    RequestTargetTooLong,
    ServiceError,
    http_mapping,
)
from service.logs import REQUEST_ID
from service.settings import Settings
from service.web.app import WEB_MMAP_THRESHOLD_BYTES
from service.web.middleware import REQUEST_ID_HEADER, new_request_id, service_error_response

log = logging.getLogger(__name__)

# The request target, path and query (aiohttp's C parser counts only it). aiohttp's default; paths here are short.
MAX_LINE_SIZE = 8190
# Headers per request (aiohttp's default: 128). A browser's fetch sends about 20 and a proxy and a CDN in
# front add their own (forwarded address, protocol, request ids): 64 leaves room for them.
MAX_HEADERS = 64
# One header's name and value together (aiohttp's default: 8,190). The longest this API needs is a Bearer
# key or a forwarded address chain; a browser's cookies for a parent domain are the likeliest to pass it.
# It must differ from MAX_LINE_SIZE: aiohttp reports both overruns as LineTooLong, told apart by the limit.
MAX_FIELD_SIZE = 4096
# Complete request heads held behind the one being answered before the connection is no longer read
# (aiohttp's own: 32). One keeps pipelining working, in order, at the cost of one more head.
QUEUED_REQUESTS = 1
# The kernel's send buffer for each connection. Left to itself Linux grows it up to 4 MiB (tcp_wmem) for a
# client that does not read, memory the container's cgroup is charged for. 128 KiB (the kernel doubles it)
# still carries 5 MB/s at a 50 ms round trip, more than any answer here needs.
SEND_BUFFER_BYTES = 128 * 1024
# What one read of a connection may return. asyncio's selector transport asks recv() for 256 KiB, and each read
# allocated that much: past the web process's mmap threshold, a mapping made and unmapped per request (17 us of
# CPU per read against 4 us, measured on this box). Under the threshold, the read buffer comes from the heap.
READ_BYTES = WEB_MMAP_THRESHOLD_BYTES // 2
# Connections that may wait for a free place, per MAX_CONNECTIONS (a few KiB each in this process).
WAITING_PER_CONNECTION = 4
# How long a silent connection, since it was let in or last answered, is kept from being closed for another:
# one just let in has its request to be read (a turn of the event loop, far less than this), and a client
# between two requests sends the next one at once.
IDLE_GRACE_S = 1.0
# Connections let in from the line past KEEPALIVE_TIMEOUT_S only to be answered 503, at once, beyond MAX_CONNECTIONS:
# each may hold a request head (up to CONNECTION_COST_MIB) for the moment it takes to answer.
REFUSING_AT_ONCE = 4
# How long such a connection has to complete its head: a client in line has usually sent it long before.
REFUSAL_HEAD_S = 5.0
# At most one log line per reason this often, with the count of those left out since the last one.
REFUSAL_LOG_INTERVAL_S = 10.0


class RefusalLog:
    """One log line per reason per interval, each counted in ``http_refusals_total``: a flood of bad requests
    from a hostile client must not flood the log (aiohttp writes a traceback for each)."""

    def __init__(self, counter: Counter, interval_s: float = REFUSAL_LOG_INTERVAL_S) -> None:
        self.counter = counter
        self.interval_s = interval_s
        self._last_logged: dict[str, float] = {}
        self._left_out: collections.Counter[str] = collections.Counter()

    def refused(self, reason: str, message: str, *args: object) -> None:
        """Count a refusal of kind ``reason`` (a fixed word, never client data) and log it unless one was lately."""
        self.counter.labels(reason).inc()
        now = time.monotonic()
        last = self._last_logged.get(reason)
        if last is not None and now - last < self.interval_s:
            self._left_out[reason] += 1
            return
        self._last_logged[reason] = now
        left_out = self._left_out.pop(reason, 0)
        suffix = f" ({left_out} more since the last such line, not logged)" if left_out else ""
        log.warning(message + suffix, *args)


class Connection(RequestHandler):
    """aiohttp's protocol for one connection, with a pipelining bound, a write timeout and JSON parse errors."""

    def __init__(self, manager: Server, *, write_timeout_s: float, refusals: RefusalLog, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        # aiohttp reads these two on every request and has no argument for them (MAX_MSG_QUEUE_SIZE is a
        # module constant): stop reading once QUEUED_REQUESTS heads wait, resume when none does.
        self._max_msg_queue_size = QUEUED_REQUESTS
        self._msg_queue_resume_size = 0
        self.server = manager
        self.write_timeout_s = write_timeout_s
        self.refusals = refusals
        self._write_deadline: asyncio.TimerHandle | None = None
        # In Server's line for a free place: not read until admitted (see Server.connection_made).
        self.waiting = False
        self.waiting_since = self._loop.time()
        # Let in from the line after KEEPALIVE_TIMEOUT_S only to be answered 503 (see refuse).
        self.refusing = False
        # Whether it has had an answer: such a client is closed for another after those that never finished a head.
        self.answered = False
        # Since it was let in, last answered or last finished a head: when, and whether bytes have come since.
        self._turn_started = self._loop.time()
        self._heard = False

    @property
    def answering(self) -> bool:
        """Whether a request is being handled or its answer written (aiohttp's own flag; no public one)."""
        return self._request_in_progress

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        if hasattr(transport, "max_size"):  # asyncio's selector transport: see READ_BYTES
            cast(Any, transport).max_size = READ_BYTES
        super().connection_made(transport)

    def wait(self) -> None:
        """Stop reading until :meth:`admit`: what the client sends stays in the kernel's buffer meanwhile."""
        self.waiting = True
        self.waiting_since = self._loop.time()
        if self.transport is not None:
            self.transport.pause_reading()

    def admit(self) -> None:
        self.waiting = False
        self._start_turn()
        if self.transport is not None:
            self.transport.resume_reading()

    def refuse(self) -> None:
        """Read this connection, which waited in line too long, only to answer its request 503 busy; aiohttp
        closes it, unanswered, if its head is not complete within REFUSAL_HEAD_S."""
        self.waiting = False
        self.refusing = True
        self._request_handler = self._connections_full
        if self._keepalive_handle is not None:
            self._keepalive_handle.cancel()
        self._next_keepalive_close_time = self._loop.time() + REFUSAL_HEAD_S
        self._keepalive_handle = self._loop.call_at(self._next_keepalive_close_time, self._process_keepalive)
        if self.transport is not None:
            self.transport.resume_reading()

    def _process_keepalive(self) -> None:
        """aiohttp's deadline for a request head: a connection still in line (unread, its request perhaps sent
        long ago) is handed to the server to be answered 503 rather than closed without an answer."""
        if not self.waiting:
            super()._process_keepalive()
            return
        self._keepalive_handle = None
        self.server.line_timed_out(self)

    async def _connections_full(self, request: web.BaseRequest) -> web.StreamResponse:
        """The answer of a refusing connection: 503 busy, its body unread, the connection closed after it."""
        request_id = new_request_id()
        REQUEST_ID.set(request_id)  # this request's own task: tags the log line below only
        self.refusals.refused(
            "connection_line_timeout",
            "MAX_CONNECTIONS answering: a request that waited in line %.0f s was answered 503",
            self._keepalive_timeout,
        )
        error = ConnectionsFull(
            f"the server is answering as many connections as it may; this one waited {self._keepalive_timeout:.0f} s"
            " in line for a place"
        )
        response = service_error_response(error)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response

    def _start_turn(self) -> None:
        self._turn_started = self._loop.time()
        self._heard = False

    def closable(self) -> bool:
        """Whether this connection may be closed for a waiting one: open, read, no request being answered or
        queued, and either sending a head it has not finished (a slowloris's) or silent for IDLE_GRACE_S
        since it was let in or last answered, with nothing its client sent waiting in the kernel's buffer for the
        event loop to read (aiohttp's own state: it has no public word for either)."""
        if self.transport is None or self.waiting or self.refusing or self._request_in_progress or self._messages:
            return False
        if self._heard:
            return True
        return self._loop.time() - self._turn_started >= IDLE_GRACE_S and not self._unread_bytes()

    def _unread_bytes(self) -> int:
        """Bytes received by the kernel and not yet read: the next request of a client reusing its connection."""
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        if sock is None:
            return 0
        count: int = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
        return count

    def data_received(self, data: bytes) -> None:
        queued = len(self._messages)
        super().data_received(data)
        if len(self._messages) > queued:
            self._start_turn()  # a complete head: protected until its answer starts (a turn of the loop or two)
        elif data:
            self._heard = True  # bytes of a head not yet complete
            if self.server.line:  # a slowloris's byte makes its connection closable for one waiting
                self._loop.call_soon(self.server.admit_waiting)

    async def finish_response(
        self, request: web.BaseRequest, resp: web.StreamResponse, start_time: float | None
    ) -> tuple[web.StreamResponse, bool]:
        """Answer, then let a waiting connection in: this one is idle from the next turn of the loop, or closed
        if one waits that no idle connection can make room for (its place handed over without the race of
        closing a connection its client may be reusing)."""
        if not resp.prepared and self.server.place_wanted():
            resp.force_close()
        try:
            return await super().finish_response(request, resp, start_time)
        finally:
            self.answered = True
            self._start_turn()
            self._loop.call_soon(self.server.admit_waiting)

    def pause_writing(self) -> None:
        """The send buffer is full (the client is not reading): it has WRITE_TIMEOUT_S to drain it."""
        super().pause_writing()
        self._write_deadline = self._loop.call_later(self.write_timeout_s, self._unread_answer)

    def resume_writing(self) -> None:
        self._cancel_write_deadline()
        super().resume_writing()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._cancel_write_deadline()
        super().connection_lost(exc)

    def _cancel_write_deadline(self) -> None:
        if self._write_deadline is not None:
            self._write_deadline.cancel()
            self._write_deadline = None

    def _unread_answer(self) -> None:
        """Drop the connection and what it buffered; the handler is cancelled with it (handler_cancellation)."""
        self._write_deadline = None
        self.refusals.refused(
            "write_timeout", "Closed a connection whose client left its answer unread for %.0f s", self.write_timeout_s
        )
        if self.transport is not None:
            self.transport.abort()

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The parser's refusals as the service's JSON errors; anything else as aiohttp answers it."""
        if not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        error = parse_error(exc, self.max_field_size)
        request_id = new_request_id()
        REQUEST_ID.set(request_id)  # this request's own task: tags the log line below only
        self.refusals.refused(
            http_mapping(error).code,
            "Refused a request from %s that the parser could not read: %s",
            request.remote,
            error,
        )
        response = service_error_response(error)
        response.headers[REQUEST_ID_HEADER] = request_id
        response.force_close()
        return response


def parse_error(exc: HttpProcessingError, max_field_size: int) -> ServiceError:
    """What the client did wrong, in words that never quote the client's bytes (aiohttp's messages do)."""
    if isinstance(exc, LineTooLong):
        if exc.args[1] == max_field_size:
            return RequestHeadTooLarge(f"a header (name and value) is longer than {max_field_size} bytes")
        return RequestTargetTooLong(f"the request target (path and query) is longer than {MAX_LINE_SIZE} bytes")
    if isinstance(exc, BadHttpMethod):
        return MalformedRequest("the request does not start with an HTTP method (TLS or HTTP/2 to an HTTP/1.1 port?)")
    if isinstance(exc, BadStatusLine):
        return MalformedRequest("the request line is not 'METHOD target HTTP/1.x'")
    if isinstance(exc, InvalidURLError):
        return MalformedRequest("the request target has characters a URL cannot have")
    if isinstance(exc, InvalidHeader):
        return MalformedRequest("a header is malformed")
    if type(exc) is BadHttpMessage:
        # llhttp's reason ("Invalid character in chunk size", "Too many headers received", ...), then ":\n"
        # and the offending bytes; aiohttp's own reasons here are fixed sentences.
        reason = exc.message.split(":\n", 1)[0].rstrip(".")[:100]
        if reason.startswith("Too many headers"):
            return RequestHeadTooLarge(f"the request has more than {MAX_HEADERS} headers")
        return MalformedRequest(f"the request is not valid HTTP/1.1: {reason}")
    return MalformedRequest("the request is not valid HTTP/1.1")


class Server(web.Server):
    """aiohttp's server, making :class:`Connection` protocols and reading at most MAX_CONNECTIONS of them.

    Every new connection joins a line and is let in, in turn, when fewer than MAX_CONNECTIONS are being read
    or when the oldest that is not being answered (idle, or still sending its head) can be closed for it.
    A connection in the line costs a few KiB; one that waits KEEPALIVE_TIMEOUT_S joins a second line, to be
    let in and answered 503, REFUSING_AT_ONCE at a time. Past WAITING_PER_CONNECTION x MAX_CONNECTIONS in the
    two lines, a new connection is closed at once.
    """

    def __init__(self, app_server: web.Server, settings: Settings, refusals: Counter) -> None:
        super().__init__(
            app_server.request_handler,
            request_factory=app_server.request_factory,
            handler_cancellation=app_server.handler_cancellation,
        )
        self.settings = settings
        self.refusals = RefusalLog(refusals)
        self.line: collections.deque[Connection] = collections.deque()
        # Connections that waited in line KEEPALIVE_TIMEOUT_S, to be answered 503 (Connection.refuse).
        self.refusal_line: collections.deque[Connection] = collections.deque()
        self._look_again: asyncio.TimerHandle | None = None

    def __call__(self) -> Connection:
        return Connection(
            self,
            loop=asyncio.get_running_loop(),
            write_timeout_s=self.settings.write_timeout_s,
            refusals=self.refusals,
            keepalive_timeout=self.settings.keepalive_timeout_s,
            max_line_size=MAX_LINE_SIZE,
            max_headers=MAX_HEADERS,
            max_field_size=MAX_FIELD_SIZE,
            access_log=None,
        )

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        super().connection_made(handler, transport)
        assert isinstance(handler, Connection)
        handler.wait()
        self.line.append(handler)
        self.admit_waiting()
        if not handler.waiting:
            return
        if len(self.line) + len(self.refusal_line) > WAITING_PER_CONNECTION * self.settings.max_connections:
            self.line.pop()
            self.refusals.refused("connection_refused", "MAX_CONNECTIONS reached and the line full: refused one")
            handler.force_close()
        else:
            self.refusals.refused("connection_waiting", "MAX_CONNECTIONS reached: a new connection waits in line")

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        # From the next turn of the loop: aiohttp closes the transport after telling the server.
        asyncio.get_running_loop().call_soon(self.admit_waiting)

    def line_timed_out(self, connection: Connection) -> None:
        """``connection`` waited in line KEEPALIVE_TIMEOUT_S: it is to be answered 503 as soon as it may be read."""
        with contextlib.suppress(ValueError):
            self.line.remove(connection)
        self.refusal_line.append(connection)
        self.admit_waiting()

    def admit_waiting(self) -> None:
        """Let connections in from the line, oldest first, while there is room or an idle one to close for it;
        and from the refusal line, to be answered 503, while fewer than REFUSING_AT_ONCE are."""
        refusing = sum(c.refusing and c.transport is not None for c in self.connections if isinstance(c, Connection))
        while self.refusal_line and refusing < REFUSING_AT_ONCE:
            connection = self.refusal_line.popleft()
            if connection.transport is not None:
                connection.refuse()
                refusing += 1
        while self.line:
            if self.line[0].transport is None:  # closed while it waited
                self.line.popleft()
                continue
            if self._reading() >= self.settings.max_connections and not self._close_an_idle_one():
                self._look_again_later()
                return
            self.line.popleft().admit()

    def _look_again_later(self) -> None:
        """Look at the line again in IDLE_GRACE_S, when a connection idle for less now may be closed for the first
        in it: if every connection read stays idle, nothing else would (before, it waited KEEPALIVE_TIMEOUT_S)."""
        if self._look_again is None:
            self._look_again = asyncio.get_running_loop().call_later(IDLE_GRACE_S, self._look_again_now)

    def _look_again_now(self) -> None:
        self._look_again = None
        self.admit_waiting()

    def _reading(self) -> int:
        return sum(
            c.transport is not None and not c.waiting and not c.refusing
            for c in self.connections
            if isinstance(c, Connection)
        )

    def _close_an_idle_one(self) -> bool:
        """Close the oldest connection that is read but not answering: one that has never finished a request
        head (a slowloris's) first, else one idle between requests."""
        idle = self._closable()
        if not idle:
            return False
        self.refusals.refused("connection_evicted", "MAX_CONNECTIONS reached: closed the oldest idle one")
        min(idle, key=lambda c: c.answered).force_close()  # min: the first, the oldest, of equals
        return True

    def _closable(self) -> list[Connection]:
        """Those that may be closed for the first in line. A client's idle keep-alive connection (one answered)
        only once that one has waited IDLE_GRACE_S: a client that sends a burst reuses its idle connections as
        it opens new ones, and one closed before its request arrives loses that request unanswered (aiohttp's
        client does not retry a POST); by then those requests are being answered, and hand their places over."""
        patient = bool(self.line) and asyncio.get_running_loop().time() - self.line[0].waiting_since >= IDLE_GRACE_S
        return [
            c for c in self.connections if isinstance(c, Connection) and c.closable() and (patient or not c.answered)
        ]

    def place_wanted(self) -> bool:
        """Whether a connection waits in line with none to be closed for it: only one being answered can free
        a place, by closing after its answer."""
        return bool(self.line) and not self._closable()


class AppRunner(web.AppRunner):
    """``web.AppRunner`` serving through :class:`Server`, with the limits in ``settings``.

    ``refusals`` counts what the server refuses by reason (the app's ``http_refusals_total``).
    """

    def __init__(self, app: web.Application, settings: Settings, refusals: Counter, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.settings = settings
        self.refusals = refusals

    async def _make_server(self) -> web.Server:
        app_server = await super()._make_server()  # the app's start-up and handler, as aiohttp makes them
        return Server(app_server, self.settings, self.refusals)
