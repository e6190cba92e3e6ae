"""Body admission against the real app and model child: bodies are bounded before a byte is read.

Raw sockets (asyncio streams) send headers without their body, or part of a body and then
nothing, which no HTTP client library does on purpose. One app for the module, with small
bounds: ``MAX_BODY_BYTES`` and ``MAX_BODY_BYTES_IN_FLIGHT`` both 64 KiB, so one stalled upload
fills the bound. ``BODY_READ_TIMEOUT_S`` keeps its default (10 s): a stalled upload must still hold
the bound when the next request arrives, even on a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from service.settings import Settings
from service.web.keys import BODY_ADMISSION
from tests.conftest import Client, running_app, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

MAX_BODY = 64 * 1024
# How long to wait for an answer that comes at once or after BODY_READ_TIMEOUT_S: generous, for a loaded machine.
ANSWER_TIMEOUT_S = 60.0


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def shared(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        max_body_bytes=MAX_BODY,
        max_body_bytes_in_flight=MAX_BODY,
    )
    async with running_app(settings) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module")
async def client(shared: Client) -> AsyncIterator[Client]:
    """The shared client, once no body of an earlier test is still admitted; checked again afterwards."""
    await wait_for_bound_released(shared)
    yield shared
    await wait_for_bound_released(shared)


async def wait_for_bound_released(client: Client) -> None:
    admission = client.app[BODY_ADMISSION]
    await wait_until(lambda: admission.in_flight_bytes == 0, timeout_s=ANSWER_TIMEOUT_S, what="the bound released")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def error_code(self) -> str:
        code: str = json.loads(self.body)["error"]["code"]
        return code


class RawUpload:
    """One connection that sends a request's headers and as much of its body as the test says, no more."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def start(cls, client: Client, headers: dict[str, str], body_part: bytes = b"") -> RawUpload:
        reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
        lines = ["POST /verify HTTP/1.1", f"Host: {client.server.host}", *(f"{k}: {v}" for k, v in headers.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body_part)
        await writer.drain()
        return cls(reader, writer)

    async def answer(self) -> Answer:
        """The server's answer, read by its Content-Length (aiohttp may keep the connection open a while)."""
        async with asyncio.timeout(ANSWER_TIMEOUT_S):
            head = await self.reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode().strip().split("\r\n")
            headers = dict(line.split(": ", 1) for line in header_lines)
            body = await self.reader.readexactly(int(headers["Content-Length"]))
        return Answer(int(status_line.split()[1]), headers, body)

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def json_headers(content_length: int | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if content_length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        headers["Content-Length"] = str(content_length)
    return headers


async def test_over_the_in_flight_bound_gets_503_before_its_body_is_sent(client: Client) -> None:
    admission = client.app[BODY_ADMISSION]
    stalled = await RawUpload.start(client, json_headers(MAX_BODY), b'{"raw_text": "The Moon')
    try:
        await wait_until(lambda: admission.in_flight_bytes == MAX_BODY, timeout_s=ANSWER_TIMEOUT_S, what="admission")
        body = b'{"raw_text": "Rain is wet."}'
        refused = await RawUpload.start(client, {**json_headers(len(body)), "X-Request-ID": "busy-1"})
        answer = await refused.answer()  # the body was never sent
        assert answer.status == 503
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.error_code() == "busy"
        assert answer.headers["Connection"] == "close"
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.headers["X-Request-ID"] == "busy-1"
        # Requests without a body are not held up by the bound.
        assert (await client.get("/health")).status == 200
    finally:
        await stalled.close()


async def test_a_chunked_body_reserves_max_body_bytes(client: Client) -> None:
    admission = client.app[BODY_ADMISSION]
    stalled = await RawUpload.start(client, json_headers(None), b'5\r\n{"raw\r\n')
    try:
        await wait_until(lambda: admission.in_flight_bytes == MAX_BODY, timeout_s=ANSWER_TIMEOUT_S, what="admission")
        response = await client.post("/verify", json={"raw_text": "Rain is wet."})
        assert response.status == 503
        assert (await response.json())["error"]["code"] == "busy"
    finally:
        await stalled.close()


async def test_a_stalled_upload_gets_408_and_releases_the_bound(client: Client) -> None:
    admission = client.app[BODY_ADMISSION]
    stalled = await RawUpload.start(
        client, {**json_headers(MAX_BODY), "X-Request-ID": "stalled-1"}, b'{"raw_text": "' + b"word " * 1000
    )
    try:
        answer = await stalled.answer()
    finally:
        await stalled.close()
    assert answer.status == 408
    assert answer.error_code() == "body_timeout"
    assert answer.headers["X-Request-ID"] == "stalled-1"
    assert admission.in_flight_bytes == 0
    response = await client.post("/verify", json={"raw_text": "The Moon orbits the Earth."})
    assert response.status == 200
    assert len((await response.json())["claims"]) == 1


async def test_a_declared_length_over_max_body_bytes_gets_413_before_reading(client: Client) -> None:
    refused = await RawUpload.start(client, {**json_headers(MAX_BODY + 1), "X-Request-ID": "big-1"})
    try:
        answer = await refused.answer()  # the body was never sent
    finally:
        await refused.close()
    assert answer.status == 413
    assert answer.error_code() == "request_entity_too_large"
    assert answer.headers["X-Request-ID"] == "big-1"
    assert client.app[BODY_ADMISSION].in_flight_bytes == 0


async def test_a_client_that_goes_away_mid_body_releases_the_bound(client: Client) -> None:
    admission = client.app[BODY_ADMISSION]
    leaving = await RawUpload.start(client, json_headers(MAX_BODY), b'{"raw_text": "The Sun')
    await wait_until(lambda: admission.in_flight_bytes == MAX_BODY, timeout_s=ANSWER_TIMEOUT_S, what="admission")
    await leaving.close()
    await wait_for_bound_released(client)
    response = await client.post("/verify", json={"raw_text": "The Sun is a star."})
    assert response.status == 200
