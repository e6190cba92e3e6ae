"""Every /memory page is bounded in bytes: the store keeps and reads a bounded prefix of each claim.

Rows written by older versions (before the bounds) are made here with a second SQLite connection,
as an old server would have left them: 200,000-character claims full of characters that JSON
makes longest, and evidence-id lists far over their bound.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import numpy.typing as npt

from service.settings import Settings
from service.store.embedded import Store
from service.store.records import MAX_STORED_CLAIM_CHARS, MAX_STORED_EVIDENCE_IDS_CHARS, NewClaim
from service.web.schemas import MAX_PAGE_SIZE
from tests.conftest import Client

DIM = 8
# The bound list_claims documents for one row of a /memory page: claim characters at 6 bytes at most,
# the id list as stored, and the numbers, verdict and keys around them.
ROW_BYTES = MAX_STORED_CLAIM_CHARS * 6 + MAX_STORED_EVIDENCE_IDS_CHARS + 300
# Characters JSON spells longest: a control character (6 bytes escaped), an emoji (4 bytes in UTF-8).
WIDE_TEXT = "\x01\U0001f600" * 100_000
LONG_IDS = [f"passage-{n}-" + "x" * 40 for n in range(2_000)]


def unit(count: int) -> npt.NDArray[np.float32]:
    return np.full((count, DIM), 1 / np.sqrt(DIM), dtype=np.float32)


def add_legacy_claims(sqlite_file: Path, count: int) -> None:
    """Rows as a version without the bounds stored them."""
    with sqlite3.connect(sqlite_file) as db:
        db.executemany(
            "INSERT INTO claims (claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, row)"
            " VALUES (?, 'supported', 0.9, ?, 1.0, 1.0, 1, ?)",
            [(WIDE_TEXT, json.dumps(LONG_IDS), 1_000_000 + n) for n in range(count)],
        )


def assert_whole_leading_ids(ids: tuple[str, ...] | list[str]) -> None:
    assert 0 < len(ids) < len(LONG_IDS)
    assert list(ids) == LONG_IDS[: len(ids)]
    assert len(json.dumps(list(ids))) <= MAX_STORED_EVIDENCE_IDS_CHARS


def test_the_store_keeps_a_bounded_prefix_of_each_claim(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store", DIM) as store:
        stored = store.remember_claims([NewClaim(WIDE_TEXT, "supported", 0.9, tuple(LONG_IDS))], unit(1))[0]
        short = store.remember_claims([NewClaim("Rain is wet.", "supported", 0.9, ("kb-1", "kb-2"))], unit(1))[0]
        assert stored.claim == WIDE_TEXT[:MAX_STORED_CLAIM_CHARS]
        assert_whole_leading_ids(stored.evidence_ids)
        assert (short.claim, short.evidence_ids) == ("Rain is wet.", ("kb-1", "kb-2"))
        assert store.get_claim(stored.id) == stored


def test_list_claims_reads_a_bounded_prefix_of_rows_written_before_the_bound(tmp_path: Path) -> None:
    with Store.open(tmp_path / "store", DIM) as store:
        add_legacy_claims(tmp_path / "store" / "store.sqlite3", 3)
        claims, total = store.list_claims(0, 10)
    assert total == 3
    for claim in claims:
        assert claim.claim == WIDE_TEXT[:MAX_STORED_CLAIM_CHARS]
        assert_whole_leading_ids(claim.evidence_ids)


def test_the_largest_page_is_a_few_mib() -> None:
    assert MAX_PAGE_SIZE * ROW_BYTES < 4.5 * 1024 * 1024


async def test_a_memory_page_is_bounded_in_bytes(client: Client, settings: Settings) -> None:
    long_claim = " ".join(["The old stone bridge over the river was repaired by the town council"] * 40) + "."
    response = await client.post("/verify", json={"raw_text": long_claim})
    assert response.status == 200
    legacy_rows = 40
    add_legacy_claims(settings.data_dir / "store" / "store.sqlite3", legacy_rows)
    response = await client.get("/memory", params={"limit": str(MAX_PAGE_SIZE)})
    assert response.status == 200
    raw = await response.read()
    page = json.loads(raw)
    assert page["total"] == len(page["items"]) > legacy_rows
    assert len(raw) <= len(page["items"]) * ROW_BYTES
    assert all(len(item["claim"]) <= MAX_STORED_CLAIM_CHARS for item in page["items"])
    for item in page["items"][:legacy_rows]:
        assert item["claim"] == WIDE_TEXT[:MAX_STORED_CLAIM_CHARS]
        assert_whole_leading_ids(item["evidence_ids"])
