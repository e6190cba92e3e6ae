"""The Python client against the real service (a real server, its real model child), as a program uses it.

Nothing in the client is mocked: each 503 comes from the service itself (a body bound filled by a stalled
upload, a memory limit it cannot meet), and the model child is really killed. What the client sent is read
back from the service's own metrics and answers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from prometheus_client.parser import text_string_to_metric_families

from client import (
    BadInput,
    Busy,
    Client,
    MemoryLimitExceeded,
    NewPassage,
    NoAnswer,
    NotFound,
    QuotaExceeded,
    RateLimited,
    ServiceError,
    TooManyClaims,
    Unauthorized,
    Verification,
)
from client.errors import ERRORS_BY_CODE
from service.errors import HTTP_STATUS
from service.settings import ApiKey, Settings
from service.web.keys import BODY_ADMISSION
from tests.conftest import Client as TestClient
from tests.conftest import embedder_of, pid_exists, running_app, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")

WRITER = ApiKey("writer", "writer-secret-0123456789")
QUOTA_HOLDER = ApiKey("quota-holder", "quota-secret-0123456789")
QUOTA = 3
BODY_BOUND = 64 * 1024
TWO_CLAIMS = "Water boils at 90 degrees Celsius at sea level. The Great Wall of China is visible from space."


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def service(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestClient]:
    """The service with API keys, a small passage quota and a body bound that one stalled upload fills."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        api_keys=(WRITER, QUOTA_HOLDER),
        max_passages_per_client=QUOTA,
        max_body_bytes=BODY_BOUND,
        max_body_bytes_in_flight=BODY_BOUND,
    )
    async with running_app(settings) as test_client:
        yield test_client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def strained(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestClient]:
    """A service over its memory limit (every /verify is 503 memory_limit_exceeded, Retry-After 5), with a
    rate limit of 2 requests a minute per key: each test uses its own key, so its own bucket."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("strained"),
        memory_limit_mb=1,
        rate_limit_per_min=2,
        api_keys=tuple(ApiKey(name, f"{name}-secret-0123456789") for name in ("budget", "attempts", "limited")),
    )
    async with running_app(settings) as test_client:
        yield test_client


def url_of(test_client: TestClient) -> str:
    return str(test_client.make_url("")).rstrip("/")


async def counted(test_client: TestClient, route: str, status: int) -> float:
    """How many requests to ``route`` the service answered with ``status``, from its /metrics."""
    text = await (await test_client.get("/metrics")).text()
    for family in text_string_to_metric_families(text):
        if family.name == "http_requests":
            return sum(
                sample.value
                for sample in family.samples
                if sample.name == "http_requests_total"
                and sample.labels["route"] == route
                and sample.labels["status"] == str(status)
            )
    return 0.0


@pytest.fixture
def retries(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The log capture, with the client's retry records (INFO) in it."""
    caplog.set_level(logging.INFO, logger="client.api")
    return caplog


def retry_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The retries the client logged during the test: one record per attempt it waited for."""
    return [record for record in caplog.records if record.name == "client.api" and hasattr(record, "service_error")]


async def test_verify_answers_typed_claims_with_spans_and_evidence(service: TestClient) -> None:
    async with Client(url_of(service)) as client:
        result = await client.verify(TWO_CLAIMS, top_k=2)
    assert isinstance(result, Verification)
    assert [claim.claim for claim in result.claims] == [
        "Water boils at 90 degrees Celsius at sea level.",
        "The Great Wall of China is visible from space.",
    ]
    for claim in result.claims:
        assert TWO_CLAIMS[claim.span.start : claim.span.end] == claim.claim
        assert len(claim.evidence) == 2
        assert claim.verdict == "refuted"
        assert claim.reason.passage_id in [item.id for item in claim.evidence]
        assert claim.memory.claim == claim.claim
    water = result.claims[0]
    assert water.reason.conflicts[0].kind == "number"
    assert water.reason.conflicts[0].claim is not None and water.reason.conflicts[0].claim.text == "90 degrees Celsius"
    assert result.model and result.took_ms > 0 and result.request_id


async def test_request_id_sent_given_or_new_and_the_answered_one_exposed(service: TestClient) -> None:
    async with Client(url_of(service)) as client:
        given = await client.verify("The Eiffel Tower is in Paris.", request_id="check-42")
        first, second = await client.health(), await client.health()
        with pytest.raises(BadInput) as refused:
            await client.verify(" ", request_id="bad-text-7")
        replaced = await client.health(request_id="has a space")  # the service keeps no such id
    assert given.request_id == "check-42"
    assert first.request_id and second.request_id and first.request_id != second.request_id
    assert refused.value.request_id == "bad-text-7"
    assert replaced.request_id and replaced.request_id != "has a space"


async def test_evidence_is_added_read_used_and_deleted(service: TestClient) -> None:
    passage = NewPassage(
        "The Zorblat bridge over the river Quim is 412 metres long and opened in 1931.",
        source="https://example.org/zorblat",
        id="zorblat-bridge",
        metadata={"topic": "bridges"},
    )
    async with Client(url_of(service), api_key=WRITER.secret) as client:
        added = await client.add_evidence([passage])
        again = await client.add_evidence([passage])
        conflict = await client.add_evidence([NewPassage("Another text entirely.", id="zorblat-bridge")])
        stored = await client.get_evidence("zorblat-bridge")
        checked = await client.verify("The Zorblat bridge over the river Quim is 950 metres long.")
        deleted_id = await client.delete_evidence("zorblat-bridge", request_id="delete-1")
        with pytest.raises(NotFound) as gone:
            await client.get_evidence("zorblat-bridge")
        with pytest.raises(NotFound):
            await client.delete_evidence("zorblat-bridge")
    assert [(result.id, result.status) for result in added.results] == [("zorblat-bridge", "added")]
    assert [result.status for result in again.results] == ["duplicate"]
    assert [result.status for result in conflict.results] == ["id_conflict"]  # a 409, returned not raised
    assert (stored.text, stored.source, stored.metadata) == (passage.text, passage.source, {"topic": "bridges"})
    assert checked.claims[0].verdict == "refuted" and checked.claims[0].reason.passage_id == "zorblat-bridge"
    assert deleted_id == "delete-1"
    assert gone.value.status == 404 and gone.value.code == "not_found"


async def test_memory_pages_through_every_claim_and_forgets_one(service: TestClient) -> None:
    async with Client(url_of(service), api_key=WRITER.secret) as client:
        await client.verify("Mount Everest is in Nepal. The Nile flows north. Venus is hotter than Mercury.")
        first = await client.memory(offset=0, limit=2)
        walked = [item async for item in client.iter_memory(page_size=2)]
        await client.forget_claim(first.items[0].id)
        after = await client.memory(limit=500)
        with pytest.raises(NotFound):
            await client.forget_claim(first.items[0].id)
        with pytest.raises(BadInput):
            await client.memory(limit=501)
    assert len(first.items) == 2 and first.total >= 3 and (first.offset, first.limit) == (0, 2)
    assert len({item.id for item in walked}) == len(walked) == first.total
    assert after.total == first.total - 1 and first.items[0].id not in [item.id for item in after.items]
    assert first.items[0].similarity is None and first.items[0].times_seen >= 1


async def test_health_reports_both_processes(service: TestClient) -> None:
    async with Client(url_of(service)) as client:
        health = await client.health()
    assert health.status == "healthy" and health.ready
    assert health.processes["model"]["pid"] == embedder_of(service).pid
    assert health.memory_limit_mb > 0 and health.error is None


async def test_writes_need_the_right_key(service: TestClient) -> None:
    passage = NewPassage("A passage nobody may add.")
    async with Client(url_of(service)) as anonymous, Client(url_of(service), api_key="wrong") as wrong:
        for client in (anonymous, wrong):
            with pytest.raises(Unauthorized) as refused:
                await client.add_evidence([passage])
            assert (refused.value.status, refused.value.code) == (401, "unauthorized")
            with pytest.raises(Unauthorized):
                await client.delete_evidence("kb-0001")


async def test_quota_exceeded_is_its_own_type(service: TestClient) -> None:
    passages = [NewPassage(f"Quota passage number {number} about lighthouses.") for number in range(QUOTA + 1)]
    async with Client(url_of(service), api_key=QUOTA_HOLDER.secret) as client:
        with pytest.raises(QuotaExceeded) as refused:
            await client.add_evidence(passages)
    assert (refused.value.status, refused.value.code) == (403, "quota_exceeded")


async def test_4xx_is_raised_at_once_never_retried(service: TestClient, retries: pytest.LogCaptureFixture) -> None:
    bad_before = await counted(service, "/verify", 400)
    many_before = await counted(service, "/verify", 422)
    twenty_one_claims = " ".join(f"Claim {number} says the tower has {number} floors." for number in range(21))
    async with Client(url_of(service), max_attempts=5) as client:
        with pytest.raises(BadInput):
            await client.verify("   ")
        with pytest.raises(BadInput):
            await client.verify("Fine text.", top_k=0)
        with pytest.raises(TooManyClaims) as too_many:
            await client.verify(twenty_one_claims, top_k=50)  # 21 x 50 passages is over 1,000
    assert too_many.value.status == 422
    assert await counted(service, "/verify", 400) == bad_before + 2
    assert await counted(service, "/verify", 422) == many_before + 1
    assert retry_records(retries) == []


async def test_503_is_retried_after_retry_after_with_the_same_request_id(
    service: TestClient, retries: pytest.LogCaptureFixture
) -> None:
    """A stalled upload fills the body bound, so the service answers the client 503 busy (Retry-After 1);
    the stalled upload is closed as the client logs its retry, and the next attempt is served."""
    admission = service.app[BODY_ADMISSION]
    _reader, writer = await asyncio.open_connection(service.server.host, service.server.port)
    head = f"POST /verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {BODY_BOUND}\r\n"
    writer.write(head.encode() + b"\r\n")
    await writer.drain()
    await wait_until(lambda: admission.in_flight_bytes == BODY_BOUND, what="the stalled upload admitted")
    busy_before = await counted(service, "/verify", 503)

    class CloseStalledUpload(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            writer.close()

    closer = CloseStalledUpload()
    logging.getLogger("client.api").addHandler(closer)
    try:
        async with Client(url_of(service)) as client:
            result = await client.verify(TWO_CLAIMS)
    finally:
        logging.getLogger("client.api").removeHandler(closer)
    assert [claim.verdict for claim in result.claims] == ["refuted", "refuted"]
    [retry] = retry_records(retries)
    error = retry.service_error  # type: ignore[attr-defined]
    assert isinstance(error, Busy) and (error.status, error.retry_after_s) == (503, 1)
    # The service echoes the id it was sent (else it makes a new one): the same id on both attempts.
    assert error.request_id == result.request_id
    assert await counted(service, "/verify", 503) == busy_before + 1


async def test_every_call_answers_across_a_kill_9_of_the_model_child(service: TestClient) -> None:
    embedder = embedder_of(service)
    old_pid = embedder.pid
    assert old_pid is not None
    calls_before = embedder.stats.model_calls
    texts = [f"Bridge {number} is {number} km long. The tower has {number} floors." for number in range(60)]
    async with Client(url_of(service)) as client:
        calls = [asyncio.create_task(client.verify(text)) for text in texts]
        await wait_until(lambda: embedder.stats.model_calls > calls_before, what="a first batch served")
        await wait_until(lambda: embedder.in_flight_batch is not None, what="a batch in flight")
        os.kill(old_pid, signal.SIGKILL)
        results = await asyncio.gather(*calls)
        after = await client.verify(TWO_CLAIMS)
    assert [len(result.claims) for result in results] == [2] * len(texts)
    assert all(claim.verdict for result in results for claim in result.claims)
    assert len(after.claims) == 2
    assert embedder.pid != old_pid and not pid_exists(old_pid)


async def test_no_answer_within_the_timeout_and_no_server_raise_no_answer() -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # reads until the client gives up; answers nothing

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Client(f"http://127.0.0.1:{port}", timeout=0.5) as client:
            with pytest.raises(NoAnswer) as silent:
                await client.verify("A text.", request_id="silent-1")
    finally:
        server.close()
        await server.wait_closed()
    async with Client(f"http://127.0.0.1:{port}") as client:  # nothing listens there any more
        with pytest.raises(NoAnswer):
            await client.health()
    assert silent.value.request_id == "silent-1" and "0.5s" in str(silent.value)


async def test_503_retries_stop_after_max_attempts(strained: TestClient, retries: pytest.LogCaptureFixture) -> None:
    before = await counted(strained, "/verify", 503)
    async with Client(url_of(strained), api_key="attempts-secret-0123456789", max_attempts=2) as client:
        with pytest.raises(MemoryLimitExceeded) as refused:
            await client.verify(TWO_CLAIMS)
    assert (refused.value.status, refused.value.retry_after_s) == (503, 5)
    assert await counted(strained, "/verify", 503) == before + 2
    assert len(retry_records(retries)) == 1


async def test_503_is_not_retried_when_retry_after_is_past_the_budget(
    strained: TestClient, retries: pytest.LogCaptureFixture
) -> None:
    before = await counted(strained, "/verify", 503)
    async with Client(url_of(strained), api_key="budget-secret-0123456789", retry_budget_s=1) as client:
        with pytest.raises(MemoryLimitExceeded):
            await client.verify(TWO_CLAIMS)
    assert await counted(strained, "/verify", 503) == before + 1
    assert retry_records(retries) == []


async def test_429_is_raised_with_its_retry_after_not_retried(
    strained: TestClient, retries: pytest.LogCaptureFixture
) -> None:
    before = await counted(strained, "/memory", 429)
    async with Client(url_of(strained), api_key="limited-secret-0123456789") as client:
        await client.memory()
        await client.memory()  # the bucket holds 2
        with pytest.raises(RateLimited) as limited:
            await client.memory()
    assert limited.value.status == 429 and limited.value.retry_after_s is not None and limited.value.retry_after_s >= 1
    assert await counted(strained, "/memory", 429) == before + 1
    assert retry_records(retries) == []


async def test_every_error_code_of_the_service_has_its_exception_type() -> None:
    """The client mirrors service/errors.py without importing it: a code added there must be added here."""
    for error_class, mapping in HTTP_STATUS.items():
        client_class = ERRORS_BY_CODE.get(mapping.code)
        assert client_class is not None, f"no client exception for {mapping.code} ({error_class.__name__})"
        assert issubclass(client_class, ServiceError)
    assert {"not_found", "method_not_allowed", "internal_error"} <= ERRORS_BY_CODE.keys()


async def test_the_client_imports_without_the_service() -> None:
    """A program needs only aiohttp: importing the client (and its check command) loads nothing of service/."""
    probe = (
        "import sys, client, client.check; "
        "loaded = [name for name in sys.modules if name.split('.')[0] in ('service', 'model_proc', 'numpy')]; "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", probe, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
