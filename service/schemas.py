"""What a /verify request may contain, checked before any work is done."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from service.errors import BadInput


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
