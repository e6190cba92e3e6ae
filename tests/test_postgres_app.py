"""The real app on a real PostgreSQL (DATABASE_URL): evidence, verdicts and memory from the database,
the backend in /health with its password hidden, and two instances sharing one database."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

from service.settings import Settings
from service.store import postgres
from tests.conftest import Client, running_app
from tests.postgres import PASSWORD, admin_url
from tests.test_claim_memory import FIXED_CLAIMS, RECORDED, answers

NEW = {"id": "team-1", "text": "The Tay Bridge in Dundee is 3,264 metres long.", "source": "https://example.org/tay"}
CLAIM = "The Tay Bridge is 3,264 metres long."


async def verify(client: Client, text: str) -> dict[str, Any]:
    response = await client.post("/verify", json={"raw_text": text})
    assert response.status == 200
    body: dict[str, Any] = (await response.json())["claims"][0]
    return body


async def test_evidence_and_verdicts_come_from_postgresql(
    settings: Settings, database_url: str, data_dir: Path
) -> None:
    async with running_app(replace(settings, database_url=database_url)) as client:
        response = await client.post("/evidence", json={"passages": [NEW]})
        assert response.status == 201
        found = await verify(client, CLAIM)
        assert found["verdict"] == "supported" and found["evidence"][0]["id"] == "team-1"
        health = await client.get("/health")
        text = await health.text()
        store = json.loads(text)["store"]
    assert health.status == 200
    assert store["backend"] == "postgresql"
    assert store["location"] == database_url.replace(PASSWORD, "***")
    assert PASSWORD not in text
    assert not (data_dir / "store").exists()  # nothing went to the embedded store


async def test_answers_to_fixed_claims_are_the_recorded_ones_on_postgresql(
    settings: Settings, database_url: str
) -> None:
    """The same answers, byte for byte, as the embedded store gave (tests/test_claim_memory.py)."""
    recorded = json.loads(RECORDED.read_text())
    async with running_app(replace(settings, database_url=database_url)) as client:
        got = await answers(client)
    for sent, expected, answer in zip((*FIXED_CLAIMS, "GET /memory"), recorded, got, strict=True):
        assert answer == expected, sent


async def test_two_instances_share_evidence_and_memory(settings: Settings, database_url: str, tmp_path: Path) -> None:
    """Instance B sees what A added and remembers what A verified: one truth in the database."""
    shared = replace(settings, database_url=database_url)
    async with (
        running_app(replace(shared, data_dir=tmp_path / "a")) as a,
        running_app(replace(shared, data_dir=tmp_path / "b")) as b,
    ):
        assert (await a.post("/evidence", json={"passages": [NEW]})).status == 201
        first = await verify(a, CLAIM)
        assert first["memory"]["seen_before"] is False
        on_b = await verify(b, CLAIM)
        assert on_b["evidence"][0]["id"] == "team-1"
        assert on_b["memory"]["seen_before"] is True and on_b["from_memory"] is True
        assert on_b["memory"]["times_seen"] == 2
        assert (await b.delete("/evidence/team-1")).status == 204
        assert (await a.get("/evidence/team-1")).status == 404


async def test_a_database_that_goes_away_answers_503_then_recovers_without_a_restart(
    settings: Settings, database_url: str, postgres_socket: str
) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    async with running_app(replace(settings, database_url=database_url)) as client:
        assert (await client.get("/evidence/kb-0001")).status == 200
        with psycopg.connect(admin_url(postgres_socket), autocommit=True) as admin:
            # As a restart looks from here: every open connection dropped, new ones refused for a while.
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            for path in ("/evidence/kb-0001", "/memory"):
                response = await client.get(path)
                assert response.status == 503, path
                assert (await response.json())["error"]["code"] == "store_unavailable"
                assert response.headers["Retry-After"] == "5" and PASSWORD not in await response.text()
            response = await client.post("/verify", json={"raw_text": CLAIM})
            assert response.status == 503
            admin.execute(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
        # Answered 503 at once until the store's next probe (at most PROBE_INTERVAL_S after the last failure)
        # finds the database back; then 200, with no restart.
        deadline = time.monotonic() + 30
        while (response := await client.get("/evidence/kb-0001")).status != 200:
            assert response.status == 503 and time.monotonic() < deadline
            await asyncio.sleep(0.05)
        assert (await verify(client, CLAIM))["verdict"]


async def test_nul_characters_are_bad_input_in_evidence_and_spaces_in_a_text_to_verify(
    settings: Settings, database_url: str
) -> None:
    """PostgreSQL's text cannot hold NUL (a DataError: a 500 before); PDFs pasted into /verify carry them."""
    async with running_app(replace(settings, database_url=database_url)) as client:
        for field in ("text", "source", "id"):
            passage = {**NEW, field: NEW[field][:5] + "\x00" + NEW[field][5:]}
            response = await client.post("/evidence", json={"passages": [passage]})
            assert response.status == 400, await response.text()
            assert f"'{field}' contains a NUL character at position 5" in (await response.json())["error"]["message"]
        text = "The Eiffel Tower\x00is in Paris."
        response = await client.post("/verify", json={"raw_text": text})
        assert response.status == 200, await response.text()
        (claim,) = (await response.json())["claims"]
        assert claim["claim"] == "The Eiffel Tower is in Paris." and claim["verdict"] == "supported"


async def test_a_statement_stuck_behind_a_lock_answers_503_and_the_next_one_succeeds(
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres, "STATEMENT_TIMEOUT_S", 1)  # read as each pooled connection is configured
    async with running_app(replace(settings, database_url=database_url)) as client:
        with psycopg.connect(database_url) as holder, holder.transaction():
            holder.execute("LOCK TABLE passages IN ACCESS EXCLUSIVE MODE")  # as a migration or a VACUUM FULL would
            async with asyncio.timeout(60):  # without a statement timeout this call would wait for the lock
                response = await client.get("/evidence/kb-0001")
            assert response.status == 503, await response.text()
            assert (await response.json())["error"]["code"] == "store_unavailable"
            assert response.headers["Retry-After"] == "5"
        # A cancelled statement is not an outage: the very next call goes through.
        assert (await client.get("/evidence/kb-0001")).status == 200


async def test_an_unreachable_database_at_start_up_is_reported_without_its_password(settings: Settings) -> None:
    url = f"postgresql://postgres:{PASSWORD}@/claims?host=/nonexistent-socket-dir&connect_timeout=2"
    async with running_app(replace(settings, database_url=url)) as client:
        health = await client.get("/health")
        body = await health.text()
        assert health.status == 503 and json.loads(body)["status"] == "unhealthy"
        assert "start-up failed" in json.loads(body)["error"] and PASSWORD not in body
        response = await client.post("/verify", json={"raw_text": CLAIM})
        assert response.status == 503 and PASSWORD not in await response.text()
