"""Bad input gets a JSON error and the right 4xx, never a 500 (one shared app for all cases)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from service.settings import Settings
from tests.conftest import Client, running_app

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_BODY = 4096
MAX_CLAIMS = 5
MAX_EVIDENCE = 60  # claims x top_k


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        max_body_bytes=MAX_BODY,
        max_claims=MAX_CLAIMS,
        max_evidence_per_request=MAX_EVIDENCE,
    )
    async with running_app(settings) as client:
        yield client


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "bad_input"),
        (b"\xff\xfe\x00garbage", 400, "bad_input"),
        (b"", 400, "bad_input"),
        (b"[1, 2]", 400, "bad_input"),
        (b'"just a string"', 400, "bad_input"),
        (b"{}", 400, "bad_input"),
        (b'{"raw_text": null}', 400, "bad_input"),
        (b'{"raw_text": ""}', 400, "bad_input"),
        (b'{"raw_text": "   \\n\\t "}', 400, "bad_input"),
        (b'{"raw_text": 42}', 400, "bad_input"),
        (b'{"raw_text": ["The sky is blue."]}', 400, "bad_input"),
        (b'{"raw_text": "The sky is blue.", "top_k": 0}', 400, "bad_input"),
        (b'{"raw_text": "The sky is blue.", "top_k": -3}', 400, "bad_input"),
        (b'{"raw_text": "The sky is blue.", "top_k": 51}', 400, "bad_input"),
        (b'{"raw_text": "The sky is blue.", "top_k": "5"}', 400, "bad_input"),
        (b'{"raw_text": "The sky is blue.", "top_k": 2.5}', 400, "bad_input"),
        (b'{"raw_text": "The sky is blue.", "top_k": true}', 400, "bad_input"),
        (b'{"raw_text": "The sky \\ud800 is blue today."}', 400, "bad_input"),
        (b'{"raw_text": "' + b"The sky is blue. " * 6 + b'"}', 422, "too_many_claims"),
        (b'{"raw_text": "The sky is blue. The sea is wide.", "top_k": 31}', 422, "too_many_claims"),
        (b'{"raw_text": "' + b"x" * MAX_BODY + b'"}', 413, "request_entity_too_large"),
        (b'{"raw_text": ' + b"[" * 1500 + b"]" * 1500 + b"}", 400, "bad_input"),  # deeper than Python recurses
    ],
)
async def test_bad_body(shared: Client, body: bytes, status: int, code: str) -> None:
    response = await shared.post("/verify", data=body, headers={"Content-Type": "application/json"})
    assert response.status == status
    assert response.content_type == "application/json"
    error = (await response.json())["error"]
    assert error["code"] == code
    assert error["message"]


async def test_a_body_that_does_not_inflate_is_bad_input(shared: Client) -> None:
    headers = {"Content-Type": "application/json", "Content-Encoding": "deflate"}
    response = await shared.post("/verify", data=b"this is not deflate data at all", headers=headers)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_input"


async def test_unknown_route_and_method(shared: Client) -> None:
    response = await shared.get("/nowhere")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"
    response = await shared.get("/verify")
    assert response.status == 405
    assert response.headers["Allow"] == "POST"
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_service_still_answers_after_bad_input(shared: Client) -> None:
    response = await shared.post("/verify", json={"raw_text": "The sky is blue on a clear day."})
    assert response.status == 200
    assert len((await response.json())["claims"]) == 1


async def test_evidence_within_the_top_k_and_claims_bound_is_answered(shared: Client) -> None:
    response = await shared.post("/verify", json={"raw_text": "The sky is blue. The sea is wide.", "top_k": 30})
    assert response.status == 200
    assert all(len(claim["evidence"]) == 30 for claim in (await response.json())["claims"])


@pytest.mark.parametrize(
    ("passage", "field"),
    [
        ({"text": "word " * 500}, "'text' has 2,499 characters; at most 2,000: split long documents"),
        ({"text": "A short passage.", "source": "s" * 501}, "'source' has 501 characters"),
        ({"text": "A short passage.", "id": "i" * 201}, "'id' has 201 characters"),
        ({"text": "A short passage.", "notes": "n" * 2000}, "'metadata' has 2,013 characters"),
    ],
)
async def test_a_passage_over_its_bounds_is_refused_naming_the_field(
    shared: Client, passage: dict[str, str], field: str
) -> None:
    response = await shared.post("/evidence", json={"passages": [passage]})
    assert response.status == 400
    assert field in (await response.json())["error"]["message"]


async def test_a_poison_text_among_concurrent_requests_fails_alone(shared: Client) -> None:
    bodies = [{"raw_text": f"The harbour wall number {i} is made of stone."} for i in range(30)]
    bodies[11] = {"raw_text": "The harbour \ud800 wall is made of stone."}
    responses = await asyncio.gather(*(shared.post("/verify", json=body) for body in bodies))
    statuses = [response.status for response in responses]
    assert statuses[11] == 400
    assert statuses[:11] + statuses[12:] == [200] * 29
    assert "lone surrogate" in (await responses[11].json())["error"]["message"]
