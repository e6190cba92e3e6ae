"""The client: one method per route of the service, with retries of 503, request ids and timeouts.

::

    async with Client("http://localhost:8000", api_key=None, timeout=120) as client:
        result = await client.verify("Water boils at 90 degrees Celsius at sea level.")
        for claim in result.claims:
            print(claim.verdict, claim.score, claim.claim, claim.reason.explanation)

What every call does for you:

- **503 is retried** after the ``Retry-After`` the service sent (the service is starting, its queue is
  full, its model child is being replaced...), up to ``max_attempts`` attempts and as long as the next
  one can start within ``retry_budget_s`` of the first; after that the last :class:`Unavailable` is raised.
- **A 4xx is never retried**: it is raised at once as its own exception type (see ``client.errors``);
  a 429 :class:`RateLimited` carries ``retry_after_s`` for the caller to decide.
- **X-Request-ID**: each call sends the ``request_id`` given, or a new one, the same on every attempt, so
  the service's logs tie the attempts together; the id the service answered with is in ``request_id``
  of the result, or of the exception.
- **Timeouts**: ``timeout`` bounds each attempt (connecting, sending and reading the answer);
  ``connect_timeout`` the connection alone. Past either, :class:`NoAnswer`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from client.errors import ClientError, NoAnswer, Unavailable, UnexpectedAnswer, error_from_answer
from client.results import EvidenceAdded, Health, MemoryPage, NewPassage, Passage, RememberedClaim, Verification

log = logging.getLogger(__name__)
REQUEST_ID_HEADER = "X-Request-ID"
# When a 503 carries no Retry-After (a proxy's, say): wait this long before the next attempt.
DEFAULT_RETRY_AFTER_S = 1.0
Result = TypeVar("Result")


@dataclass(frozen=True)
class Answer:
    """A successful answer: its status, its JSON body (None when it has none) and its request id."""

    status: int
    body: Any
    request_id: str


class Client:
    """An async client of the claim-verification service; use it with ``async with``.

    ``url`` is the service's base URL (``http://localhost:8000``); ``api_key`` is sent as
    ``Authorization: Bearer`` and is needed for ``add_evidence`` and the deletes (from another machine,
    or whenever the service has ``API_KEYS``). One client can make many calls at once.
    """

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        timeout: float = 120.0,
        *,
        connect_timeout: float = 10.0,
        max_attempts: int = 5,
        retry_budget_s: float = 60.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self.max_attempts = max_attempts
        self.retry_budget_s = retry_budget_s
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else None
        self._session = aiohttp.ClientSession(headers=headers, timeout=self.timeout)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the connections (``async with`` does it on leaving)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def verify(self, text: str, top_k: int | None = None, *, request_id: str | None = None) -> Verification:
        """Split ``text`` into claims and verify each; ``top_k`` evidence passages per claim (the service's
        default, 5, when None). Raises :class:`BadInput` for an empty text, :class:`TooManyClaims` past the
        service's bounds."""
        body: dict[str, Any] = {"raw_text": text}
        if top_k is not None:
            body["top_k"] = top_k
        answer = await self._call("POST", "/verify", request_id, json_body=body)
        return self._parse(answer, Verification.from_json)

    async def add_evidence(self, passages: Iterable[NewPassage], *, request_id: str | None = None) -> EvidenceAdded:
        """Embed and store passages (at most 256 a call); each result says added, duplicate, restored or
        id_conflict. A call whose every passage conflicts is answered 409 by the service, and returned
        here like any other: nothing failed, nothing was stored."""
        body = {"passages": [passage.to_json() for passage in passages]}
        answer = await self._call("POST", "/evidence", request_id, json_body=body, accept=(200, 201, 409))
        return self._parse(answer, EvidenceAdded.from_json)

    async def get_evidence(self, passage_id: str, *, request_id: str | None = None) -> Passage:
        """One stored passage; :class:`NotFound` when there is none with that id."""
        answer = await self._call("GET", f"/evidence/{quoted(passage_id)}", request_id)
        return self._parse(answer, Passage.from_json)

    async def delete_evidence(self, passage_id: str, *, request_id: str | None = None) -> str:
        """Delete a passage (:class:`NotFound` when there is none); returns the call's request id."""
        answer = await self._call("DELETE", f"/evidence/{quoted(passage_id)}", request_id, accept=(204,))
        return answer.request_id

    async def memory(self, offset: int = 0, limit: int = 50, *, request_id: str | None = None) -> MemoryPage:
        """One page of the claims verified so far, newest first (``limit`` up to 500)."""
        params = {"offset": str(offset), "limit": str(limit)}
        answer = await self._call("GET", "/memory", request_id, params=params)
        return self._parse(answer, MemoryPage.from_json)

    async def iter_memory(self, page_size: int = 100) -> AsyncIterator[RememberedClaim]:
        """Every remembered claim, newest first, a page at a time. Claims verified meanwhile push older
        ones down a page, so one may be seen twice; none is skipped."""
        offset = 0
        while True:
            page = await self.memory(offset, page_size)
            for item in page.items:
                yield item
            offset += len(page.items)
            if not page.items or offset >= page.total:
                return

    async def forget_claim(self, claim_id: int, *, request_id: str | None = None) -> str:
        """Forget one remembered claim for good (:class:`NotFound` when there is none); returns the request id."""
        answer = await self._call("DELETE", f"/memory/{claim_id}", request_id, accept=(204,))
        return answer.request_id

    async def health(self, *, request_id: str | None = None) -> Health:
        """The service's status and memory. An unhealthy service answers 503 with its health, which is
        returned, not raised or retried: ``status`` and ``error`` say what is wrong."""
        answer = await self._call("GET", "/health", request_id, accept=(200, 503))
        return self._parse(answer, Health.from_json)

    async def wait_ready(self, timeout_s: float = 120.0, poll_s: float = 0.2) -> Health:
        """Wait while the service says it is starting, and return its health once it verifies texts
        (healthy, or degraded while its model child restarts): for a program that has just started it.
        Raises :class:`NoAnswer` when it does not answer, or still starts after ``timeout_s``, and
        :class:`UnexpectedAnswer` when it says it is unhealthy (``error`` says why)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            health = await self.health()
            if health.ready:
                return health
            if health.status != "starting":
                raise UnexpectedAnswer(f"the service is {health.status}: {health.error}", health.request_id, 503)
            if loop.time() >= deadline:
                raise NoAnswer(f"the service is still starting after {timeout_s:g}s", health.request_id)
            await asyncio.sleep(poll_s)

    async def _call(
        self,
        method: str,
        path: str,
        request_id: str | None,
        *,
        json_body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        accept: tuple[int, ...] = (200,),
    ) -> Answer:
        """Send one request, retrying 503 as the module's docstring says; raise any other error answer."""
        if self._session is None:
            raise RuntimeError("use the client inside 'async with Client(url) as client:'")
        request_id = request_id or uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry_budget_s
        for attempt in range(1, self.max_attempts + 1):
            answer_or_error = await self._attempt(method, path, request_id, json_body, params, accept)
            if isinstance(answer_or_error, Answer):
                return answer_or_error
            error = answer_or_error
            if not isinstance(error, Unavailable) or attempt == self.max_attempts:
                raise error
            wait_s = DEFAULT_RETRY_AFTER_S if error.retry_after_s is None else error.retry_after_s
            if loop.time() + wait_s > deadline:
                raise error
            log.info(
                "%s %s answered %s %s; attempt %d of %d in %gs",
                method,
                path,
                error.status,
                error.code,
                attempt + 1,
                self.max_attempts,
                wait_s,
                extra={"service_error": error},
            )
            await asyncio.sleep(wait_s)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(
        self,
        method: str,
        path: str,
        request_id: str,
        json_body: dict[str, Any] | None,
        params: dict[str, str] | None,
        accept: tuple[int, ...],
    ) -> Answer | ClientError:
        """One request: its answer, or the error it answered with (raised only when there was no answer)."""
        assert self._session is not None
        headers = {REQUEST_ID_HEADER: request_id}
        try:
            async with self._session.request(
                method, self.url + path, json=json_body, params=params, headers=headers
            ) as response:
                body = await response.read()
                answered_id = response.headers.get(REQUEST_ID_HEADER, request_id)
                if response.status not in accept:
                    return error_from_answer(response.status, body, answered_id, response.headers.get("Retry-After"))
                status = response.status
        except TimeoutError:
            raise NoAnswer(f"{method} {path}: no answer within {self.timeout.total:g}s", request_id) from None
        except aiohttp.ClientError as error:
            raise NoAnswer(f"{method} {path}: {error or type(error).__name__}", request_id) from error
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            raise UnexpectedAnswer(f"{method} {path}: the answer is not JSON", answered_id, status) from None
        return Answer(status, parsed, answered_id)

    @staticmethod
    def _parse(answer: Answer, reader: Callable[[Any, str], Result]) -> Result:
        """``reader(body, request_id)``, with a body of another shape raised as :class:`UnexpectedAnswer`."""
        try:
            return reader(answer.body, answer.request_id)
        except (KeyError, TypeError, ValueError) as error:
            raise UnexpectedAnswer(f"the answer lacks or misreads {error}", answer.request_id, answer.status) from None


def quoted(segment: str) -> str:
    """A path segment with every reserved character escaped: an id may hold ``/`` or ``?``."""
    return quote(segment, safe="")
