"""An async Python client of the claim-verification service; it needs only aiohttp.

::

    from client import Client

    async with Client("http://localhost:8000") as service:
        result = await service.verify("The Great Wall of China is visible from space.")
        print(result.claims[0].verdict)

``client.api`` has the client (retries, request ids, timeouts), ``client.results`` the typed answers,
``client.errors`` one exception per error code; ``client.check`` is ``python run.py check``.
"""

from client.api import Client
from client.errors import (
    BadInput,
    BodyTimeout,
    BodyTooLarge,
    Busy,
    ClientError,
    Forbidden,
    InsufficientStorage,
    InternalError,
    MalformedRequest,
    MemoryLimitExceeded,
    MethodNotAllowed,
    ModelCrashed,
    ModelError,
    ModelOverloaded,
    ModelTimeout,
    ModelUnavailable,
    NoAnswer,
    NotFound,
    QuotaExceeded,
    RateLimited,
    RequestHeadTooLarge,
    RequestTargetTooLong,
    ServiceError,
    TextRejected,
    TooManyClaims,
    Unauthorized,
    Unavailable,
    UnexpectedAnswer,
    UnsupportedMediaType,
)
from client.results import (
    AddedPassage,
    Claim,
    Conflict,
    Evidence,
    EvidenceAdded,
    Health,
    MemoryPage,
    NewPassage,
    Passage,
    Reason,
    RememberedClaim,
    Span,
    TextSpan,
    Verification,
)

__all__ = [
    "AddedPassage",
    "BadInput",
    "BodyTimeout",
    "BodyTooLarge",
    "Busy",
    "Claim",
    "Client",
    "ClientError",
    "Conflict",
    "Evidence",
    "EvidenceAdded",
    "Forbidden",
    "Health",
    "InsufficientStorage",
    "InternalError",
    "MalformedRequest",
    "MemoryLimitExceeded",
    "MemoryPage",
    "MethodNotAllowed",
    "ModelCrashed",
    "ModelError",
    "ModelOverloaded",
    "ModelTimeout",
    "ModelUnavailable",
    "NewPassage",
    "NoAnswer",
    "NotFound",
    "Passage",
    "QuotaExceeded",
    "RateLimited",
    "Reason",
    "RememberedClaim",
    "RequestHeadTooLarge",
    "RequestTargetTooLong",
    "ServiceError",
    "Span",
    "TextRejected",
    "TextSpan",
    "TooManyClaims",
    "Unauthorized",
    "Unavailable",
    "UnexpectedAnswer",
    "UnsupportedMediaType",
    "Verification",
]
