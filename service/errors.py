"""The service's errors, and the one table that maps each to an HTTP status.

Handlers and the model client raise these; the error middleware turns them into
``{"error": {"code", "message"}}`` with the status (and ``Retry-After``) below.
"""

from __future__ import annotations

from dataclasses import dataclass


class ServiceError(Exception):
    """Base of every error the service answers deliberately."""

    # Retry-After in seconds when only the raiser knows it (when a client's next token is due); else the table's.
    retry_after_s: int | None = None


class BadInput(ServiceError):
    """The request body is not what /verify accepts."""


class BodyTooLarge(ServiceError):
    """The declared Content-Length is over MAX_BODY_BYTES: refused before a byte of the body is read."""


class BodyTimeout(ServiceError):
    """The body did not arrive within BODY_READ_TIMEOUT_S: a stalled upload must not hold memory or a slot."""


class Busy(ServiceError):
    """Admitting this body would put more than MAX_BODY_BYTES_IN_FLIGHT of bodies in memory at once."""


class ConnectionsFull(ServiceError):
    """MAX_CONNECTIONS are being answered and this connection waited in line for KEEPALIVE_TIMEOUT_S: refused
    after its request head is read (its body is not), rather than closed unanswered."""


class UnsupportedMediaType(ServiceError):
    """A body that is not declared JSON: refused, so that no web page can post one as a form or plain text
    (a cross-site "simple request", sent by a browser without asking first)."""


class Unauthenticated(ServiceError):
    """The route needs an API key and the request carries none, or a wrong one."""


class Forbidden(ServiceError):
    """The route needs an API key, none is configured, and the client is not on this machine (loopback)."""


class QuotaExceeded(ServiceError):
    """The client already owns MAX_PASSAGES_PER_CLIENT passages: it must delete some before adding more."""


class RateLimited(ServiceError):
    """The client has used up its RATE_LIMIT_PER_MIN; ``retry_after_s`` says when its next request is due."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class TooManyClaims(ServiceError):
    """The text splits into more claims than one request may carry."""


class MemoryLimitExceeded(ServiceError):
    """The processes together use more than the memory limit, even after a garbage collection."""


class ModelError(ServiceError):
    """The embedding model could not answer."""


class ModelUnavailable(ModelError):
    """The model child is not running: it failed to load, or the service is shutting down."""


class ModelCrashed(ModelError):
    """The model child died (or failed) twice while embedding this request."""


class ModelTimeout(ModelError):
    """The embeddings did not come back within the request timeout."""


class ModelOverloaded(ModelError):
    """The queue in front of the model is full."""


class StoreUnavailable(ServiceError):
    """The database holding the store (DATABASE_URL) cannot be reached: nothing was done; the pool reconnects
    by itself once it is back, so the same request then succeeds."""


class MalformedRequest(ServiceError):
    """aiohttp's HTTP parser could not read the request (its line, headers or chunked body): answered before any
    handler runs, and the connection closed, since what follows on it cannot be trusted to be a request."""


class RequestTargetTooLong(MalformedRequest):
    """The request target (path and query) is longer than the server reads."""


class RequestHeadTooLarge(MalformedRequest):
    """A header is longer, or the headers more numerous, than the server reads."""


class TextRejected(ServiceError):
    """The model fails on this request's texts alone (a batch that failed was split to find them): not retryable."""


class StorageFull(ServiceError):
    """The disk under DATA_DIR is full: the write was refused whole (rows and vectors stay aligned), reads go on,
    and the same write succeeds once space returns."""


@dataclass(frozen=True)
class HttpMapping:
    status: int
    code: str
    retry_after_s: int | None = None
    # The body was not (fully) read, so the connection cannot carry another request: answer with
    # "Connection: close" (aiohttp still reads and drops what the client goes on sending, for a while,
    # so that the client gets the answer rather than a reset).
    close_connection: bool = False
    # The challenge of a 401 (RFC 9110: a 401 must say how to authenticate).
    www_authenticate: str | None = None


HTTP_STATUS: dict[type[ServiceError], HttpMapping] = {
    BadInput: HttpMapping(400, "bad_input"),
    BodyTimeout: HttpMapping(408, "body_timeout", close_connection=True),
    BodyTooLarge: HttpMapping(413, "request_entity_too_large", close_connection=True),
    UnsupportedMediaType: HttpMapping(415, "unsupported_media_type"),
    Unauthenticated: HttpMapping(401, "unauthorized", www_authenticate="Bearer"),
    Forbidden: HttpMapping(403, "forbidden"),
    QuotaExceeded: HttpMapping(403, "quota_exceeded"),
    RateLimited: HttpMapping(429, "rate_limited"),
    Busy: HttpMapping(503, "busy", retry_after_s=1, close_connection=True),
    # The same answer to the client (the server cannot take more now), later: those answering hold their places
    # for the time a request takes, seconds to a minute.
    ConnectionsFull: HttpMapping(503, "busy", retry_after_s=5, close_connection=True),
    TooManyClaims: HttpMapping(422, "too_many_claims"),
    MemoryLimitExceeded: HttpMapping(503, "memory_limit_exceeded", retry_after_s=5),
    StoreUnavailable: HttpMapping(503, "store_unavailable", retry_after_s=5),
    ModelUnavailable: HttpMapping(503, "model_unavailable", retry_after_s=10),
    ModelCrashed: HttpMapping(503, "model_crashed", retry_after_s=2),
    ModelTimeout: HttpMapping(504, "model_timeout"),
    ModelOverloaded: HttpMapping(503, "model_overloaded", retry_after_s=1),
    TextRejected: HttpMapping(422, "text_rejected"),
    StorageFull: HttpMapping(507, "insufficient_storage"),
    MalformedRequest: HttpMapping(400, "malformed_request", close_connection=True),
    RequestTargetTooLong: HttpMapping(414, "uri_too_long", close_connection=True),
    RequestHeadTooLarge: HttpMapping(431, "request_header_fields_too_large", close_connection=True),
}


def http_mapping(error: ServiceError) -> HttpMapping:
    """The mapping of the most specific class of ``error`` that the table names."""
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return HttpMapping(500, "internal_error")
