"""Who may change what the service believes: keys for writes, the audit trail, JSON only, memory deletion,
rate limits per client, CORS and request ids; three shared apps on real servers, and the parts alone.

The test client connects from 127.0.0.1; a client elsewhere is simulated the way a proxy would present
one: TRUSTED_PROXIES=127.0.0.1 and an X-Forwarded-For header.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from service.errors import RateLimited
from service.security.access import Access, Client
from service.security.rate_limit import RateLimiter
from service.settings import Settings, parse_api_keys
from service.web.app import create_app
from service.web.keys import RATE_LIMITER, SETTINGS, STARTUP
from tests.conftest import Client as TestAppClient
from tests.conftest import running_app, wait_until

# The async tests share their module's loop (and so its three apps); the others need none.
on_shared_loop = pytest.mark.asyncio(loop_scope="module")

KEY = "ci-key-" + "k" * 40
SECOND_KEY = "Zm9yLXRoZS1zZWNvbmQta2V5LXJvdGF0aW9uLXRlc3Q="  # base64 with padding, as Render generates
WRONG_KEY = "ci-key-" + "x" * 40
ELSEWHERE = {"X-Forwarded-For": "203.0.113.9"}
ORIGIN = "https://app.example"
RATE = 3  # per minute: a token every 20 s, and the limiter's clock is stopped
CLIENTS = 5
PASSAGE = {"id": "sec-1", "text": "The Forth Bridge in Scotland was opened in 1890.", "source": "https://example.org"}


def settings_from(data_dir: Path, **environ: str) -> Settings:
    """Settings as an operator sets them: from environment variables."""
    return Settings.from_env({"DATA_DIR": str(data_dir), "TRUSTED_PROXIES": "127.0.0.1", **environ})


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def audit_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "service.audit"]


async def error_of(response: Any, status: int) -> dict[str, str]:
    assert response.status == status, await response.text()
    error: dict[str, str] = (await response.json())["error"]
    return error


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def open_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestAppClient]:
    """No keys configured (as with `make run`), and one origin allowed for browsers."""
    async with running_app(settings_from(tmp_path_factory.mktemp("data"), CORS_ORIGINS=ORIGIN)) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def keyed_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestAppClient]:
    """Two keys, one named, one not (key-2), and /verify closed to anonymous clients."""
    settings = settings_from(
        tmp_path_factory.mktemp("data"), API_KEYS=f"ci={KEY}, {SECOND_KEY}", VERIFY_REQUIRES_KEY="true"
    )
    async with running_app(settings) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def limited_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestAppClient]:
    """RATE requests a minute per client, CLIENTS clients remembered, on a limiter whose clock never moves."""
    settings = settings_from(
        tmp_path_factory.mktemp("data"),
        API_KEYS=f"ci={KEY}",
        RATE_LIMIT_PER_MIN=str(RATE),
        RATE_LIMIT_CLIENTS=str(CLIENTS),
    )
    app = create_app(settings)
    app[RATE_LIMITER] = RateLimiter(RATE, CLIENTS, clock=lambda: 1_000.0)
    async with TestClient(TestServer(app)) as client:
        await wait_until(lambda: client.app[STARTUP].done, timeout_s=120, what="start-up")
        yield client


# Keys for writes, and the audit trail


@on_shared_loop
async def test_without_keys_loopback_may_write_and_each_write_is_audited(
    open_app: TestAppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.audit")
    response = await open_app.post("/evidence", json={"passages": [PASSAGE, {**PASSAGE, "id": "sec-2"}]})
    assert response.status == 201
    assert (await open_app.delete("/evidence/sec-1")).status == 204
    assert audit_lines(caplog) == [
        "127.0.0.1: passage 'sec-1' added",
        "127.0.0.1: passage 'sec-2' duplicate (as 'sec-1')",
        "127.0.0.1: passage 'sec-1' deleted",
    ]


@on_shared_loop
async def test_without_keys_a_client_elsewhere_may_read_and_verify_but_not_write(
    open_app: TestAppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.audit")
    for method, path in (("POST", "/evidence"), ("DELETE", "/evidence/kb-0001"), ("DELETE", "/memory")):
        response = await open_app.request(method, path, json={"passages": [PASSAGE]}, headers=ELSEWHERE)
        error = await error_of(response, 403)
        assert error["code"] == "forbidden"
        assert "API_KEYS" in error["message"] and "Authorization: Bearer KEY" in error["message"]
    assert audit_lines(caplog) == [
        "203.0.113.9: POST '/evidence' refused with 403",
        "203.0.113.9: DELETE '/evidence/kb-0001' refused with 403",
        "203.0.113.9: DELETE '/memory' refused with 403",
    ]
    assert (await open_app.get("/evidence/kb-0001", headers=ELSEWHERE)).status == 200
    assert (await open_app.get("/memory", headers=ELSEWHERE)).status == 200
    response = await open_app.post("/verify", json={"raw_text": "Rain is wet."}, headers=ELSEWHERE)
    assert response.status == 200


@on_shared_loop
async def test_with_keys_a_write_needs_the_right_key(
    keyed_app: TestAppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.audit")
    body = {"passages": [PASSAGE]}
    refusals = [{}, bearer(WRONG_KEY), bearer(""), {"Authorization": f"Basic {KEY}"}, bearer(KEY[:-1])]
    for headers in refusals:
        response = await keyed_app.post("/evidence", json=body, headers=headers)
        assert (await error_of(response, 401))["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert (await keyed_app.post("/evidence", json=body, headers=bearer(KEY))).status == 201
    assert (await keyed_app.delete("/evidence/sec-1", headers=bearer(SECOND_KEY))).status == 204
    assert (await keyed_app.delete("/evidence/sec-1", headers=bearer(KEY))).status == 404
    assert audit_lines(caplog) == [
        *["127.0.0.1: POST '/evidence' refused with 401"] * len(refusals),
        "key ci at 127.0.0.1: passage 'sec-1' added",
        "key key-2 at 127.0.0.1: passage 'sec-1' deleted",
    ]


@on_shared_loop
async def test_a_key_is_never_shown(keyed_app: TestAppClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answers = [
        await keyed_app.post("/evidence", json={"passages": [PASSAGE]}, headers=bearer(WRONG_KEY)),
        await keyed_app.delete("/memory/12345", headers=bearer(KEY)),
        await keyed_app.get("/health", headers=bearer(KEY)),
        await keyed_app.get("/metrics", headers=bearer(KEY)),
        await keyed_app.post("/verify", data="not json", headers={**bearer(KEY), "Content-Type": "text/plain"}),
    ]
    assert [answer.status for answer in answers] == [401, 404, 200, 200, 415]
    shown = [await answer.text() for answer in answers] + [caplog.text, repr(keyed_app.app[SETTINGS])]
    for text in shown:
        for key in (KEY, SECOND_KEY, WRONG_KEY):
            assert key not in text
    assert "memory 12345" not in caplog.text  # not found: nothing was deleted, nothing audited


@on_shared_loop
async def test_verify_requires_key_closes_verify_only(keyed_app: TestAppClient) -> None:
    response = await keyed_app.post("/verify", json={"raw_text": "Rain is wet."})
    assert (await error_of(response, 401))["code"] == "unauthorized"
    assert (await keyed_app.post("/verify", json={"raw_text": "Rain is wet."}, headers=bearer(KEY))).status == 200
    for path in ("/health", "/metrics", "/openapi.json", "/memory", "/evidence/kb-0001"):
        assert (await keyed_app.get(path)).status == 200, path


# JSON means JSON


@on_shared_loop
@pytest.mark.parametrize("path", ["/verify", "/evidence"])
@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"raw_text": "Rain is wet."}', "text/plain"),
        ("raw_text=Rain+is+wet.", "application/x-www-form-urlencoded"),
        (b'{"raw_text": "Rain is wet."}', None),  # application/octet-stream
    ],
)
async def test_a_body_not_declared_json_gets_415(
    open_app: TestAppClient, path: str, data: str | bytes, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    error = await error_of(await open_app.post(path, data=data, headers=headers), 415)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


@on_shared_loop
async def test_json_with_a_charset_is_json(open_app: TestAppClient) -> None:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    response = await open_app.post("/verify", data='{"raw_text": "Rain is wet."}', headers=headers)
    assert response.status == 200


# Memory entries can be removed


@on_shared_loop
async def test_a_deleted_memory_is_never_recalled(keyed_app: TestAppClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="service.audit")
    claim = {"raw_text": "The Forth Bridge crosses the Firth of Forth near Edinburgh."}

    async def memory_of_claim() -> dict[str, Any]:
        response = await keyed_app.post("/verify", json=claim, headers=bearer(KEY))
        assert response.status == 200
        memory: dict[str, Any] = (await response.json())["claims"][0]["memory"]
        return memory

    first = await memory_of_claim()
    assert not first["seen_before"]
    assert (await memory_of_claim())["seen_before"]
    response = await keyed_app.delete(f"/memory/{first['id']}")
    assert (await error_of(response, 401))["code"] == "unauthorized"
    assert (await keyed_app.delete(f"/memory/{first['id']}", headers=bearer(KEY))).status == 204
    assert (await keyed_app.delete(f"/memory/{first['id']}", headers=bearer(KEY))).status == 404
    for bad_id in ("abc", "-1", "99999999999999999999999"):
        assert (await keyed_app.delete(f"/memory/{bad_id}", headers=bearer(KEY))).status == 404
    again = await memory_of_claim()
    assert not again["seen_before"]

    remembered = (await (await keyed_app.get("/memory")).json())["total"]  # other tests' claims too
    assert (await keyed_app.delete("/memory", headers=bearer(KEY))).status == 204
    page = await (await keyed_app.get("/memory")).json()
    assert page["total"] == 0 and page["items"] == []
    assert not (await memory_of_claim())["seen_before"]
    assert audit_lines(caplog) == [
        f"127.0.0.1: DELETE '/memory/{first['id']}' refused with 401",
        f"key ci at 127.0.0.1: memory {first['id']} deleted",
        f"key ci at 127.0.0.1: memory cleared (claims deleted: {remembered})",
    ]


# Limits per client


@on_shared_loop
async def test_past_the_rate_429_with_retry_after(limited_app: TestAppClient) -> None:
    client = {"X-Forwarded-For": "198.51.100.1"}
    statuses = [(await limited_app.get("/openapi.json", headers=client)).status for _ in range(RATE + 1)]
    assert statuses == [200] * RATE + [429]
    response = await limited_app.get("/evidence/kb-0001", headers=client)
    assert (await error_of(response, 429))["code"] == "rate_limited"
    assert response.headers["Retry-After"] == str(60 // RATE)
    # The health check and the metrics scraper are never limited.
    for _ in range(3 * RATE):
        assert (await limited_app.get("/health", headers=client)).status == 200
        assert (await limited_app.get("/metrics", headers=client)).status == 200
    # A key holder at that address is its own client; another address is another client.
    assert (await limited_app.get("/openapi.json", headers={**client, **bearer(KEY)})).status == 200
    assert (await limited_app.get("/openapi.json", headers={"X-Forwarded-For": "198.51.100.2"})).status == 200


@on_shared_loop
async def test_guessing_keys_is_rate_limited_by_address(limited_app: TestAppClient) -> None:
    client = {"X-Forwarded-For": "198.51.100.3"}
    statuses = [
        (await limited_app.post("/evidence", json={}, headers={**client, **bearer(f"{WRONG_KEY}{n}")})).status
        for n in range(RATE + 1)
    ]
    assert statuses == [401] * RATE + [429]


@on_shared_loop
async def test_the_table_of_clients_stays_bounded(limited_app: TestAppClient) -> None:
    limiter = limited_app.app[RATE_LIMITER]
    for n in range(40):
        response = await limited_app.get("/openapi.json", headers={"X-Forwarded-For": f"192.0.2.{n}"})
        assert response.status == 200
        assert len(limiter) <= CLIENTS
    assert len(limiter) == CLIENTS


def test_a_bucket_refills_at_the_rate_and_the_least_recently_seen_is_forgotten() -> None:
    now = [0.0]
    limiter = RateLimiter(6, 2, clock=lambda: now[0])  # a token every 10 s
    for _ in range(6):
        limiter.take("a")
    with pytest.raises(RateLimited) as refused:
        limiter.take("a")
    assert refused.value.retry_after_s == 10
    now[0] += 4
    with pytest.raises(RateLimited) as refused:
        limiter.take("a")
    assert refused.value.retry_after_s == 6
    now[0] += 6
    limiter.take("a")
    limiter.take("b")
    limiter.take("c")  # forgets "a", the least recently seen
    assert len(limiter) == 2
    for _ in range(6):
        limiter.take("a")  # a full bucket again
    unlimited = RateLimiter(0, 2)
    for n in range(100):
        unlimited.take(str(n))
    assert len(unlimited) == 0


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "address"),
    [
        ("203.0.113.9", ["198.51.100.1"], "203.0.113.9"),  # an untrusted peer's header is ignored
        ("10.0.0.5", [], "10.0.0.5"),
        ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["127.0.0.1, 198.51.100.1, 10.0.0.7"], "198.51.100.1"),  # right-most untrusted
        ("10.0.0.5", ["127.0.0.1", "198.51.100.1"], "198.51.100.1"),  # several headers are one list
        ("10.0.0.5", ["10.0.0.9, 10.0.0.8"], "10.0.0.9"),  # all trusted: the left-most
        ("10.0.0.5", ["198.51.100.1, not-an-address"], "10.0.0.5"),
        ("10.0.0.5", ["[2001:db8::1]"], "2001:db8::1"),
        ("::ffff:10.0.0.5", ["::ffff:198.51.100.1"], "198.51.100.1"),
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_the_client_address_behind_trusted_proxies(peer: str | None, forwarded_for: list[str], address: str) -> None:
    access = Access((), (ipaddress.ip_network("10.0.0.0/8"),), verify_requires_key=False)
    assert access.client_address(peer, forwarded_for) == address


def test_a_client_is_its_key_name_else_its_address() -> None:
    assert Client("203.0.113.9").identity == "203.0.113.9"
    assert Client("203.0.113.9", "ci").identity == "key:ci"
    assert str(Client("203.0.113.9", "ci")) == "key ci at 203.0.113.9"


def test_api_keys_are_named_and_checked_without_being_shown() -> None:
    keys = parse_api_keys(f"ci={KEY}, {SECOND_KEY},ops={SECOND_KEY[::-1]}")
    assert [(key.name, key.secret) for key in keys] == [("ci", KEY), ("key-2", SECOND_KEY), ("ops", SECOND_KEY[::-1])]
    settings = Settings(api_keys=keys)
    assert KEY not in repr(settings) and "ApiKey(name='ci')" in repr(settings)
    for bad in (f"ci={KEY},ci={SECOND_KEY}", f"{KEY},{KEY}", "short-key", f"a b={KEY}x"):
        with pytest.raises(ValueError, match="API_KEYS") as refused:
            Settings.from_env({"API_KEYS": bad})
        assert KEY not in str(refused.value) and "short-key" not in str(refused.value)


# CORS and request ids


@on_shared_loop
@pytest.mark.parametrize("path", ["/verify", "/evidence"])
async def test_a_preflight_from_an_allowed_origin_is_answered(open_app: TestAppClient, path: str) -> None:
    headers = {
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization",
    }
    response = await open_app.options(path, headers=headers)
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")} == {
        "content-type",
        "authorization",
    }
    assert response.headers["Access-Control-Allow-Methods"] == "POST"


@on_shared_loop
@pytest.mark.parametrize("path", ["/verify", "/evidence"])
async def test_a_preflight_from_another_origin_gets_no_cors_headers(open_app: TestAppClient, path: str) -> None:
    headers = {"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"}
    response = await open_app.options(path, headers=headers)
    assert response.status == 403
    assert not [name for name in response.headers if name.lower().startswith("access-control-")]


@on_shared_loop
async def test_an_allowed_origin_may_read_the_answer_and_its_request_id(open_app: TestAppClient) -> None:
    response = await open_app.post("/verify", json={"raw_text": "Rain is wet."}, headers={"Origin": ORIGIN})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"].split(",")
    other = await open_app.post("/verify", json={"raw_text": "Rain is wet."}, headers={"Origin": "https://x.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


@on_shared_loop
async def test_without_cors_origins_there_is_no_cors(keyed_app: TestAppClient) -> None:
    headers = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    response = await keyed_app.options("/verify", headers=headers)
    assert response.status == 405
    assert "Access-Control-Allow-Origin" not in response.headers
    response = await keyed_app.get("/health", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers


@on_shared_loop
@pytest.mark.parametrize(
    ("given", "kept"),
    [("a" * 64, True), ("trace-42/b:c=d", True), ("a" * 65, False), ("has space", False), ("", False)],
)
async def test_a_request_id_is_kept_only_when_short_and_printable(
    open_app: TestAppClient, given: str, kept: bool
) -> None:
    response = await open_app.get("/health", headers={"X-Request-ID": given})
    answered = response.headers["X-Request-ID"]
    assert (answered == given) is kept
    if not kept:
        assert len(answered) == 32 and answered.isalnum()


# Quotas


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def quota_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestAppClient]:
    """Each client may keep two passages of its own."""
    async with running_app(settings_from(tmp_path_factory.mktemp("data"), MAX_PASSAGES_PER_CLIENT="2")) as client:
        yield client


@on_shared_loop
async def test_a_client_keeps_at_most_its_quota_of_passages(quota_app: TestAppClient) -> None:
    def passage(n: int) -> dict[str, str]:
        return {"id": f"quota-{n}", "text": f"The quota test bridge number {n} spans a river.", "source": "s"}

    added = await quota_app.post("/evidence", json={"passages": [passage(1), passage(2)]})
    assert added.status == 201
    error = await error_of(await quota_app.post("/evidence", json={"passages": [passage(3)]}), 403)
    assert error["code"] == "quota_exceeded" and "2 passages of the 2" in error["message"]
    assert (await quota_app.delete("/evidence/quota-1")).status == 204
    assert (await quota_app.post("/evidence", json={"passages": [passage(3)]})).status == 201
