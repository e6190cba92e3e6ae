"""What a request may contain, checked before any work is done."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service.errors import BadInput, BodyTimeout, UnsupportedMediaType
from service.ingest.loader import passage_from
from service.store.records import NewPassage
from service.web.keys import SETTINGS

MAX_PASSAGES_PER_REQUEST = 256
MAX_PAGE_SIZE = 500
# SQLite's largest integer: a claim id past it cannot exist (and would not bind).
MAX_CLAIM_ID = 2**63 - 1


@dataclass(frozen=True)
class VerifyRequest:
    raw_text: str
    top_k: int


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object: the one place bodies are read, so the read timeout applies to all.

    The whole body must arrive within ``BODY_READ_TIMEOUT_S`` (408 otherwise): a stalled upload would
    otherwise hold its admission reservation and what it sent so far forever. A declared length over
    ``MAX_BODY_BYTES`` was refused before reading; a chunked body over it gets 413 from aiohttp
    (``client_max_size``). A body not declared ``application/json`` (charset or not) is refused unread
    (415): a browser sends a form or plain text across sites without asking first, JSON it does not.
    """
    if request.content_type != "application/json":
        raise UnsupportedMediaType(
            f"the body must be JSON sent with 'Content-Type: application/json', not {request.content_type[:100]!r}"
        )
    timeout_s = request.app[SETTINGS].body_read_timeout_s
    try:
        # A body that came whole with the head (as a short claim does) needs no timer.
        async with asyncio.timeout(None if request.content.is_eof() else timeout_s):
            raw = await request.read()
    except TimeoutError:
        raise BodyTimeout(f"the request body did not arrive within {timeout_s:g}s") from None
    except web.RequestPayloadError as error:  # a body that does not inflate, a broken chunked encoding
        raise BadInput(f"the body cannot be read: {str(error)[:200]}") from None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInput(f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise BadInput("the body's JSON is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def dumps_utf8(value: Any) -> str:
    """JSON with characters as UTF-8, not ASCII escapes: at most 6 bytes per character (an escaped control
    character) where ``\\uXXXX`` pairs would take 12, so a page bounded in characters is bounded in bytes."""
    return json.dumps(value, ensure_ascii=False)


def parse_verify_request(body: dict[str, Any], default_top_k: int, max_top_k: int) -> VerifyRequest:
    raw_text = body.get("raw_text")
    if raw_text is None:
        raise BadInput("'raw_text' is required")
    if not isinstance(raw_text, str):
        raise BadInput("'raw_text' must be a string")
    if not raw_text.strip():
        raise BadInput("'raw_text' is empty")
    require_unicode("raw_text", raw_text)
    top_k = body.get("top_k", default_top_k)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= max_top_k:
        raise BadInput(f"'top_k' must be an integer from 1 to {max_top_k}")
    # Text copied out of a PDF can carry NUL characters, which PostgreSQL's text cannot store (a claim is
    # remembered as said): read as the spaces they stand for, one for one, so every claim's span still holds.
    return VerifyRequest(raw_text.replace("\x00", " "), top_k)


def require_unicode(name: str, text: str) -> None:
    """Refuse a lone surrogate (JSON can carry one, UTF-8 and the tokenizer cannot) before it is queued."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise BadInput(
            f"'{name}' is not valid Unicode: a lone surrogate {text[error.start]!r} at position {error.start}"
        ) from None


def parse_evidence_request(body: dict[str, Any], max_passages: int) -> list[NewPassage]:
    """``{"passages": [{"text", "source"?, "id"?, ...metadata}]}``, as the JSONL ingest reads them."""
    items = body.get("passages")
    if not isinstance(items, list) or not items:
        raise BadInput("'passages' must be a non-empty list")
    if len(items) > max_passages:
        raise BadInput(f"at most {max_passages} passages per request")
    passages = []
    for number, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadInput(f"passages[{number}] must be an object")
        try:
            passages.append(passage_from(item))
        except ValueError as error:
            raise BadInput(f"passages[{number}]: {error}") from None
    return passages


def parse_page(query: Mapping[str, str], max_limit: int) -> tuple[int, int]:
    try:
        offset, limit = int(query.get("offset", "0")), int(query.get("limit", "50"))
    except ValueError:
        raise BadInput("'offset' and 'limit' must be integers") from None
    if not 0 <= offset <= MAX_CLAIM_ID or not 1 <= limit <= max_limit:
        raise BadInput(f"'offset' must be from 0 to {MAX_CLAIM_ID} and 'limit' from 1 to {max_limit}")
    return offset, limit


def parse_claim_id(raw: str) -> int | None:
    """The claim id in a ``/memory/{id}`` path, or None when the text cannot name one."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_CLAIM_ID)):
        return None
    claim_id = int(raw)
    return claim_id if claim_id <= MAX_CLAIM_ID else None
