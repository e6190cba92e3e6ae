"""The middleware chain, outermost first: request ids, metrics, JSON errors, access, body admission.

Every error leaves as JSON: ``{"error": {"code": ..., "message": ...}}``.
Service errors get the status from :data:`service.errors.HTTP_STATUS`; aiohttp's
own (404, 405, 413) keep theirs; anything unexpected is logged and answered
500, as JSON still. Access (who, within their rate, with the key the route needs) comes before
body admission, so that a refused request reserves nothing. Body admission is innermost so that its
refusals (413, 503 busy) leave as JSON with the request id, and its reservation lasts exactly as long
as the handler.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from service.errors import Forbidden, ServiceError, Unauthenticated, http_mapping
from service.logs import REQUEST_ID
from service.security import audit
from service.security.access import route_path
from service.security.rate_limit import UNLIMITED_ROUTES
from service.web.keys import ACCESS, BODY_ADMISSION, CLIENT, METRICS, RATE_LIMITER

log = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept when short and printable ASCII without spaces: it goes into every log line.
ACCEPTABLE_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,64}")


def error_response(status: int, code: str, message: str, retry_after_s: int | None = None) -> web.Response:
    response = web.json_response({"error": {"code": code, "message": message}}, status=status)
    if retry_after_s is not None:
        response.headers["Retry-After"] = str(retry_after_s)
    return response


def service_error_response(error: ServiceError) -> web.Response:
    """The answer to ``error``: the status, Retry-After, challenge and close that service.errors's table gives it.

    Also used by service.web.server_limits for the HTTP parser's refusals, which no middleware sees.
    """
    mapping = http_mapping(error)
    retry_after_s = mapping.retry_after_s if error.retry_after_s is None else error.retry_after_s
    response = error_response(mapping.status, mapping.code, str(error), retry_after_s)
    if mapping.www_authenticate is not None:
        response.headers["WWW-Authenticate"] = mapping.www_authenticate
    if mapping.close_connection:
        response.force_close()
    return response


def new_request_id() -> str:
    """32 random hex digits, as ``uuid4().hex`` gave, at a fifth of its CPU (no UUID object per request)."""
    return secrets.token_hex(16)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        code = re.sub(r"[^a-z]+", "_", error.reason.lower()).strip("_")
        message = error.text if error.text and error.text != f"{error.status}: {error.reason}" else error.reason
        response = error_response(error.status, code, message)
        if "Allow" in error.headers:
            response.headers["Allow"] = error.headers["Allow"]
        return response
    except ServiceError as error:
        return service_error_response(error)
    except Exception:
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "an unexpected error occurred; it has been logged")


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag logs with the caller's X-Request-ID (or a new one) and echo it in the response."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if ACCEPTABLE_REQUEST_ID.fullmatch(given) else new_request_id()
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    finally:
        REQUEST_ID.reset(token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


@web.middleware
async def metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    route = route_path(request) or "unmatched"
    try:
        response = await handler(request)
    except (asyncio.CancelledError, ConnectionResetError):
        # The client went away (aiohttp cancels the handler): its queued texts leave the model's queue
        # and nothing is stored. Not a server error: logged at INFO and counted apart.
        if request.transport is None or request.transport.is_closing():
            log.info("Client went away during %s %s; its work is dropped", request.method, request.path)
            request.app[METRICS].disconnects.labels(route).inc()
        raise
    request.app[METRICS].observe(route, request.method, response.status, time.perf_counter() - started)
    return response


@web.middleware
async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Name the client, hold it to its rate, then to the key its route needs.

    The rate comes first so that guessing keys is limited too (a wrong key counts against the address).
    """
    client = request.app[ACCESS].identify(request)
    request[CLIENT] = client
    if route_path(request) not in UNLIMITED_ROUTES:
        request.app[RATE_LIMITER].take(client.identity)
    try:
        request.app[ACCESS].authorize(request, client)
    except (Unauthenticated, Forbidden) as refusal:
        audit.refused(client, request.method, request.path, http_mapping(refusal).status)
        raise
    return await handler(request)


@web.middleware
async def body_admission(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reserve the body's declared size before a byte of it is read; release it when the handler is done."""
    admission = request.app[BODY_ADMISSION]
    size = admission.size_to_reserve(request.content_length, request.body_exists)
    with admission.reserve(size):
        return await handler(request)


MIDDLEWARES = (request_ids, metrics, json_errors, access, body_admission)
