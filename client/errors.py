"""What a call can raise: one exception type per error code the service answers with.

Every error the service answers is JSON, ``{"error": {"code", "message"}}``; :func:`error_from_answer`
turns it into the class named by its code, so a program can catch exactly what it can act on::

    try:
        result = await client.verify(text)
    except TooManyClaims:
        ...  # split the text and try again
    except Unavailable as error:
        ...  # still 503 after the client's retries; error.retry_after_s says when to come back

The classes mirror the service's own hierarchy (``service/errors.py``); this package does not import
the service, so that a program needs only aiohttp to call it. A test keeps the two tables in step.
"""

from __future__ import annotations

import json


class ClientError(Exception):
    """Base of everything this client raises."""

    def __init__(self, message: str, request_id: str) -> None:
        super().__init__(message)
        self.message = message
        # The X-Request-ID of the failed call: the service's log lines about it carry the same id.
        self.request_id = request_id


class NoAnswer(ClientError):
    """The service could not be reached, or sent no complete answer within the client's timeout."""


class UnexpectedAnswer(ClientError):
    """The service answered with something this client does not understand (a proxy's page, another API)."""

    def __init__(self, message: str, request_id: str, status: int) -> None:
        super().__init__(message, request_id)
        self.status = status


class ServiceError(ClientError):
    """The service refused or failed the request and said why; the subclass says which error it was."""

    code = ""

    def __init__(
        self, message: str, request_id: str, status: int, code: str, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, request_id)
        self.status = status
        self.code = code
        # Seconds the service asked the client to wait (Retry-After), where it said.
        self.retry_after_s = retry_after_s

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message} (request id {self.request_id})"


class BadInput(ServiceError):
    """400: the request is not what the route accepts (an empty text, a bad top_k, bad paging)."""

    code = "bad_input"


class Unauthorized(ServiceError):
    """401: the route needs an API key and the client gave none, or a wrong one."""

    code = "unauthorized"


class Forbidden(ServiceError):
    """403: the route needs a key, the service has none configured, and this client is not on its machine."""

    code = "forbidden"


class QuotaExceeded(ServiceError):
    """403: this client already keeps as many passages as the service allows it; delete some first."""

    code = "quota_exceeded"


class NotFound(ServiceError):
    """404: no such passage, remembered claim or route."""

    code = "not_found"


class MethodNotAllowed(ServiceError):
    """405: the route exists but not with this method."""

    code = "method_not_allowed"


class BodyTimeout(ServiceError):
    """408: the request body did not reach the service in time."""

    code = "body_timeout"


class BodyTooLarge(ServiceError):
    """413: the request body is over the service's MAX_BODY_BYTES."""

    code = "request_entity_too_large"


class UnsupportedMediaType(ServiceError):
    """415: the body was not sent as JSON (this client always sends JSON)."""

    code = "unsupported_media_type"


class TooManyClaims(ServiceError):
    """422: the text has more claims (or claims x top_k) than one request may carry; split it."""

    code = "too_many_claims"


class TextRejected(ServiceError):
    """422: the model fails on this text even alone; retrying cannot help."""

    code = "text_rejected"


class RateLimited(ServiceError):
    """429: over the service's rate limit; ``retry_after_s`` says when the next request is due. Not retried."""

    code = "rate_limited"


class InternalError(ServiceError):
    """500: the service failed unexpectedly; its log has the details under this request id."""

    code = "internal_error"


class MalformedRequest(ServiceError):
    """The HTTP request itself could not be parsed (the client library's fault, not the text's)."""

    code = "malformed_request"


class RequestTargetTooLong(ServiceError):
    code = "uri_too_long"


class RequestHeadTooLarge(ServiceError):
    code = "request_header_fields_too_large"


class InsufficientStorage(ServiceError):
    """The service's disk is full: the write was refused whole; reads go on, and it succeeds once space returns."""

    code = "insufficient_storage"


class Unavailable(ServiceError):
    """503: the service cannot serve now but may shortly; the client retries these after ``Retry-After``."""


class Busy(Unavailable):
    """503: the request bodies in flight already fill the service's bound, or its connections are all being
    answered and this one waited its turn too long."""

    code = "busy"


class MemoryLimitExceeded(Unavailable):
    """503: the service's processes are over their memory limit."""

    code = "memory_limit_exceeded"


class StoreUnavailable(Unavailable):
    """The service's database cannot be reached for now; retried after Retry-After."""

    code = "store_unavailable"


class ModelError(ServiceError):
    """The embedding model could not answer."""


class ModelUnavailable(ModelError, Unavailable):
    """503: the model is not running yet (the service is starting) or cannot load."""

    code = "model_unavailable"


class ModelCrashed(ModelError, Unavailable):
    """503: the model child died twice while embedding this request."""

    code = "model_crashed"


class ModelOverloaded(ModelError, Unavailable):
    """503: the queue in front of the model is full."""

    code = "model_overloaded"


class ModelTimeout(ModelError):
    """504: no embeddings within the service's REQUEST_TIMEOUT_S."""

    code = "model_timeout"


ERRORS_BY_CODE: dict[str, type[ServiceError]] = {
    cls.code: cls
    for cls in (
        BadInput,
        Unauthorized,
        Forbidden,
        QuotaExceeded,
        NotFound,
        MethodNotAllowed,
        BodyTimeout,
        BodyTooLarge,
        UnsupportedMediaType,
        TooManyClaims,
        TextRejected,
        RateLimited,
        InternalError,
        MalformedRequest,
        RequestTargetTooLong,
        RequestHeadTooLarge,
        InsufficientStorage,
        Busy,
        MemoryLimitExceeded,
        StoreUnavailable,
        ModelUnavailable,
        ModelCrashed,
        ModelOverloaded,
        ModelTimeout,
    )
}


def error_from_answer(status: int, body: bytes, request_id: str, retry_after: str | None) -> ClientError:
    """The exception for an error answer: the class of its code; a code this client does not know yet
    still raises a :class:`ServiceError` (an :class:`Unavailable` for 503, so it is retried)."""
    try:
        error = json.loads(body)["error"]
        code, message = str(error["code"]), str(error["message"])
    except (ValueError, TypeError, KeyError):
        return UnexpectedAnswer(f"HTTP {status} without a JSON error: {body[:200]!r}", request_id, status)
    fallback = Unavailable if status == 503 else ServiceError
    cls = ERRORS_BY_CODE.get(code, fallback)
    return cls(message, request_id, status, code, seconds(retry_after))


def seconds(retry_after: str | None) -> float | None:
    """A Retry-After header in seconds; None when absent or not a number (the service always sends seconds)."""
    try:
        value = float(retry_after) if retry_after is not None else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None
