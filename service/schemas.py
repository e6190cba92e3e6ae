"""What a request may contain, checked before any work is done."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service.errors import BadInput
from service.ingest import passage_from
from service.store import NewPassage

MAX_PASSAGES_PER_REQUEST = 256
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class VerifyRequest:
    raw_text: str
    top_k: int


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; 413 comes from aiohttp when it is over ``client_max_size``."""
    raw = await request.read()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInput(f"the body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    return body


def parse_verify_request(body: dict[str, Any], default_top_k: int, max_top_k: int) -> VerifyRequest:
    raw_text = body.get("raw_text")
    if raw_text is None:
        raise BadInput("'raw_text' is required")
    if not isinstance(raw_text, str):
        raise BadInput("'raw_text' must be a string")
    if not raw_text.strip():
        raise BadInput("'raw_text' is empty")
    top_k = body.get("top_k", default_top_k)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= max_top_k:
        raise BadInput(f"'top_k' must be an integer from 1 to {max_top_k}")
    return VerifyRequest(raw_text, top_k)


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
    if offset < 0 or not 1 <= limit <= max_limit:
        raise BadInput(f"'offset' must be 0 or more and 'limit' from 1 to {max_limit}")
    return offset, limit
