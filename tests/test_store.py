"""Both stores, each test on both backends where it is about the interface (real files, real PostgreSQL):
passages, duplicates, tombstones, claim memory, ingest progress, reopening; and the embedded store's own
crash safety on files (orphans, kill -9, a failed commit)."""

from __future__ import annotations

import concurrent.futures
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
import pytest

from service.settings import Settings
from service.store.base import KnowledgeStore
from service.store.embedded import Store, StoreLockedError
from service.store.postgres import PostgresStore
from service.store.records import (
    MAX_PASSAGE_CHARS,
    MAX_SOURCE_CHARS,
    AddResult,
    ClaimCopy,
    NewClaim,
    NewPassage,
    content_hash,
    key_hash,
)
from service.store.selection import redacted
from service.store.vector_index import CompactIndex
from tests.postgres import PASSWORD

DIM = 32
REPO = Path(__file__).resolve().parent.parent


def unit_vectors(rng: np.random.Generator, count: int, dim: int = DIM) -> npt.NDArray[np.float32]:
    vectors = rng.standard_normal((count, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


Opener = Callable[[], KnowledgeStore]


@pytest.fixture(params=["embedded", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock) -> Opener:
    """Opens this test's store (again, to test reopening), on each backend in turn: neither may drift."""
    if request.param == "embedded":
        return lambda: Store.open(tmp_path / "data", DIM, clock=clock)
    url: str = request.getfixturevalue("database_url")
    return lambda: PostgresStore.open(url, DIM, clock=clock)


@pytest.fixture
def store(open_store: Opener) -> Iterator[KnowledgeStore]:
    with open_store() as opened:
        yield opened


@pytest.fixture
def embedded_store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(tmp_path / "data", DIM, clock=clock) as opened:
        yield opened


def passages(count: int, prefix: str = "p") -> list[NewPassage]:
    return [
        NewPassage(f"{prefix}{i}", f"passage number {i} of {prefix}", f"https://example.org/{prefix}/{i}")
        for i in range(count)
    ]


def test_layout_on_disk(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data", DIM):
        pass
    names = {path.name for path in (tmp_path / "data").iterdir()}
    assert {"store.sqlite3", "passages", "claims", "lock"} <= names


def test_add_get_delete(store: KnowledgeStore, clock: Clock) -> None:
    rng = np.random.default_rng(1)
    item = NewPassage("kb-1", "Water boils at 100 °C at sea level.", "https://example.org/boil", {"topic": "physics"})
    results = store.add_passages([item, *passages(2)], unit_vectors(rng, 3))
    assert [r.status for r in results] == ["added"] * 3
    assert [r.row for r in results] == [0, 1, 2]
    stored = store.get_passage("kb-1")
    assert stored is not None
    assert (stored.id, stored.text, stored.source, stored.metadata) == (
        item.id,
        item.text,
        item.source,
        {"topic": "physics"},
    )
    assert (stored.row, stored.deleted, stored.added_at) == (0, False, clock.now)
    assert stored.content_hash == content_hash(item.text, item.source)
    assert store.passage_count() == 3
    assert store.get_passage("nope") is None

    assert store.delete_passage("kb-1") is True
    assert store.delete_passage("kb-1") is False
    assert store.delete_passage("nope") is False
    assert store.get_passage("kb-1") is None
    tombstone = store.get_passage("kb-1", include_deleted=True)
    assert tombstone is not None and tombstone.deleted
    assert store.passage_count() == 2


def test_duplicates_are_stored_once(store: KnowledgeStore) -> None:
    rng = np.random.default_rng(2)
    first = NewPassage("a", "The Great Wall is not visible from space.", "src")
    store.add_passages([first], unit_vectors(rng, 1))
    batch = [
        NewPassage("a", first.text, "src"),  # the very same passage again: idempotent re-ingest
        NewPassage("b", "  The Great  Wall is not visible\nfrom space. ", "src"),  # same text, other whitespace
        NewPassage("c", "A new passage.", "src"),
        NewPassage("d", "A new passage.", "src"),  # duplicate of one earlier in the same batch
        NewPassage("c", "Other text under a taken id.", "src"),
        NewPassage("e", first.text, "another source"),  # same text, other source: another passage
    ]
    results = store.add_passages(batch, unit_vectors(rng, len(batch)))
    assert results == [
        AddResult("a", "duplicate", "a", 0),
        AddResult("b", "duplicate", "a", 0),
        AddResult("c", "added", None, 1),
        AddResult("d", "duplicate", "c", 1),
        AddResult("c", "id_conflict"),
        AddResult("e", "added", None, 2),
    ]
    assert store.passage_count() == 3
    assert store.get_passage("b") is None


def test_adding_deleted_content_restores_it(store: KnowledgeStore) -> None:
    rng = np.random.default_rng(3)
    vectors = unit_vectors(rng, 2)
    store.add_passages(passages(2), vectors)
    store.delete_passage("p0")
    assert [p.id for p, _ in store.search_passages(vectors[:1], 1)[0]] == ["p1"]
    results = store.add_passages([NewPassage("again", "passage number 0 of p", "https://example.org/p/0")], vectors[:1])
    assert results == [AddResult("again", "restored", "p0", 0)]
    assert store.get_passage("p0") is not None
    assert [p.id for p, _ in store.search_passages(vectors[:1], 1)[0]] == ["p0"]


def test_no_vector_is_written_for_a_duplicate_a_restore_or_invalid_input(embedded_store: Store) -> None:
    rng = np.random.default_rng(3)
    vectors = unit_vectors(rng, 2)
    embedded_store.add_passages(passages(2), vectors)
    embedded_store.delete_passage("p0")
    embedded_store.add_passages(passages(2), vectors)  # p0 restored, p1 a duplicate
    with pytest.raises(ValueError, match="normalised"):
        embedded_store.add_passages(passages(1, "q"), 3 * vectors[:1])
    assert len(embedded_store.passage_index) == 2


def test_search_skips_deleted(store: KnowledgeStore) -> None:
    rng = np.random.default_rng(4)
    vectors = unit_vectors(rng, 200)
    store.add_passages(passages(200), vectors)
    hits = store.search_passages(vectors[[10, 20]], 3)
    assert [hits[0][0][0].id, hits[1][0][0].id] == ["p10", "p20"]
    assert hits[0][0][1] == pytest.approx(1.0, abs=1e-3)
    assert all(a[1] >= b[1] for line in hits for a, b in itertools.pairwise(line))
    store.delete_passage("p10")
    hits = store.search_passages(vectors[[10, 20]], 3)
    assert "p10" not in {p.id for line in hits for p, _ in line}
    assert len(hits[0]) == 3
    assert hits[1][0][0].id == "p20"
    for i in set(range(200)) - {5, 6}:
        store.delete_passage(f"p{i}")
    hits = store.search_passages(vectors[:1], 10)
    assert sorted(p.id for p, _ in hits[0]) == ["p5", "p6"]


def test_passages_stored_before_the_bounds_are_read_cut_to_them(store: KnowledgeStore) -> None:
    """An older version stored passages of any length; what is read back, and shown, is bounded."""
    rng = np.random.default_rng(5)
    vectors = unit_vectors(rng, 1)
    store.add_passages([NewPassage("long", "word " * 10_000, "s" * 5_000, {})], vectors)
    fetched = store.get_passage("long")
    assert fetched is not None
    assert (len(fetched.text), len(fetched.source)) == (MAX_PASSAGE_CHARS, MAX_SOURCE_CHARS)
    [[(found, _)]] = store.search_passages(vectors, 1)
    assert (len(found.text), len(found.source)) == (MAX_PASSAGE_CHARS, MAX_SOURCE_CHARS)


def test_claim_memory(store: KnowledgeStore, clock: Clock) -> None:
    rng = np.random.default_rng(5)
    vectors = unit_vectors(rng, 5)
    claims = [NewClaim(f"claim {i}", "supported", 0.5 + i / 10, (f"kb-{i}", "kb-x")) for i in range(4)]
    stored = store.remember_claims(claims, vectors[:4])
    assert [c.claim for c in stored] == ["claim 0", "claim 1", "claim 2", "claim 3"]
    assert stored[2].evidence_ids == ("kb-2", "kb-x")
    assert (stored[2].first_seen, stored[2].last_seen, stored[2].times_seen) == (clock.now, clock.now, 1)
    clock.now += 10
    fifth = store.remember_claim(NewClaim("claim 4", "refuted", 0.9), vectors[4])
    assert fifth.first_seen == clock.now and fifth.evidence_ids == ()

    near = vectors[[1, 4]] + 0.01 * unit_vectors(rng, 2)
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    far = unit_vectors(rng, 1)
    matches = store.recall_claims(np.vstack([near, far]), threshold=0.95)
    assert matches[0] is not None and matches[0].claim.claim == "claim 1"
    assert matches[0].similarity > 0.95
    assert matches[1] is not None and matches[1].claim.id == fifth.id
    assert matches[2] is None

    clock.now += 5
    touched = store.touch_claim(stored[1].id)
    assert touched is not None
    assert (touched.times_seen, touched.first_seen, touched.last_seen) == (2, stored[1].first_seen, clock.now)
    assert store.get_claim(stored[1].id) == touched
    assert store.touch_claim(12345) is None

    page, total = store.list_claims(offset=0, limit=2)
    assert total == 5
    assert [c.claim for c in page] == ["claim 4", "claim 3"]
    page, total = store.list_claims(offset=4, limit=2)
    assert [c.claim for c in page] == ["claim 0"]
    assert store.list_claims(offset=10, limit=2) == ([], 5)


def test_recall_on_empty_memory(store: KnowledgeStore) -> None:
    assert store.recall_claims(unit_vectors(np.random.default_rng(6), 2), 0.9) == [None, None]


def test_deleted_claims_are_never_recalled_again_even_after_reopening(open_store: Opener) -> None:
    vectors = unit_vectors(np.random.default_rng(8), 4)
    with open_store() as store:
        stored = store.remember_claims([NewClaim(f"claim {i}", "supported", 0.9) for i in range(3)], vectors[:3])
        assert store.delete_claim(stored[1].id) is True
        assert store.delete_claim(stored[1].id) is False
        assert [m and m.claim.id for m in store.recall_claims(vectors[:3], 0.95)] == [stored[0].id, None, stored[2].id]
    with open_store() as store:
        assert store.recall_claims(vectors[1:2], 0.95) == [None]
        assert store.get_claim(stored[1].id) is None
        assert store.clear_claims() == 2
        assert store.list_claims() == ([], 0)
        assert store.recall_claims(vectors[:3], 0.95) == [None, None, None]
        fresh = store.remember_claim(NewClaim("claim 3", "refuted", 0.8), vectors[3])
        [match] = store.recall_claims(vectors[3:], 0.95)
        assert match is not None and match.claim == fresh
    with open_store() as store:
        assert [m and m.claim.claim for m in store.recall_claims(vectors, 0.95)] == [None, None, None, "claim 3"]


def test_the_memory_keeps_the_claims_seen_most_recently(store: KnowledgeStore, clock: Clock) -> None:
    vectors = unit_vectors(np.random.default_rng(9), 4)
    first = store.remember_claims([NewClaim(f"claim {i}", "supported", 0.9) for i in range(3)], vectors[:3], 3)
    clock.now += 1
    store.touch_claim(first[0].id)  # claim 0 is seen again: claim 1 is now the least recent
    clock.now += 1
    store.remember_claims([NewClaim("claim 3", "refuted", 0.8)], vectors[3:], keep_at_most=3)
    assert {claim.claim for claim in store.list_claims()[0]} == {"claim 0", "claim 2", "claim 3"}
    assert [m and m.claim.claim for m in store.recall_claims(vectors, 0.95)] == ["claim 0", None, "claim 2", "claim 3"]


def test_passages_are_counted_by_the_client_that_added_them(store: KnowledgeStore) -> None:
    vectors = unit_vectors(np.random.default_rng(10), 4)
    store.add_passages(passages(2, "a"), vectors[:2], owner="key:ci")
    store.add_passages(passages(1, "b"), vectors[2:3], owner="203.0.113.9")
    store.add_passages(passages(1, "c"), vectors[3:])  # the knowledge base: nobody's
    assert (store.passages_owned("key:ci"), store.passages_owned("203.0.113.9")) == (2, 1)
    assert store.delete_passage("a0")
    assert store.passages_owned("key:ci") == 1
    [restored] = store.add_passages(passages(1, "a"), vectors[:1], owner="203.0.113.9")
    assert restored.status == "restored" and store.passages_owned("203.0.113.9") == 2


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    vectors = unit_vectors(np.random.default_rng(11), 1)
    with Store.open(tmp_path / "data", DIM) as store:
        store.add_passages(passages(1), vectors)
    with sqlite3.connect(tmp_path / "data" / "store.sqlite3") as db:  # as version 1 left it
        db.execute("DROP TABLE passage_owners")
        db.execute("PRAGMA user_version = 1")
    with Store.open(tmp_path / "data", DIM) as store:
        assert store.get_passage("p0") is not None
        store.add_passages(passages(1, "q"), vectors, owner="key:ci")
        assert store.passages_owned("key:ci") == 1


def test_progress_round_trip(store: KnowledgeStore, clock: Clock) -> None:
    assert store.get_progress("kb.jsonl") is None
    store.set_progress("kb.jsonl", "ab" * 32, 100)
    clock.now += 1
    store.set_progress("kb.jsonl", "ab" * 32, 250)
    progress = store.get_progress("kb.jsonl")
    assert progress is not None
    assert (progress.sha256, progress.lines_done, progress.updated_at) == ("ab" * 32, 250, clock.now)
    with pytest.raises(ValueError):
        store.set_progress("kb.jsonl", "ab" * 32, -1)


def every_page(
    read: Callable[[Any, int], list[Any]], position: Callable[[Any], Any], size: int, start: Any = -1
) -> list[Any]:
    """Everything ``read`` gives, page after page of ``size``, each starting past the last one's position."""
    found: list[Any] = []
    while page := read(position(found[-1]) if found else start, size):
        assert len(page) <= size
        found += page
    return found


def test_export_reads_live_passages_and_claims_in_pages_with_their_vectors(store: KnowledgeStore) -> None:
    vectors = unit_vectors(np.random.default_rng(12), 9)
    store.add_passages(passages(4, "a"), vectors[:4])
    store.add_passages([NewPassage("m", "with metadata", "s", {"topic": "t", "n": [1, 2]})], vectors[4:5], "key:ci")
    store.delete_passage("a1")
    copies = every_page(store.export_passages, lambda copy: copy.row, size=2)
    assert [copy.passage.id for copy in copies] == ["a0", "a2", "a3", "m"]
    assert copies[-1].passage == NewPassage("m", "with metadata", "s", {"topic": "t", "n": [1, 2]})
    assert [copy.owner for copy in copies] == [None, None, None, "key:ci"]
    np.testing.assert_array_equal(np.stack([copy.vector for copy in copies]), vectors[[0, 2, 3, 4]])

    stored = store.write_claims(
        [NewClaim(f"claim {i}", "refuted", 0.25 * i, (f"a{i}",), key=f"k{i}") for i in range(3)], vectors[5:8]
    )[0]
    store.touch_claim(stored[1].id)
    store.delete_claim(stored[0].id)
    claims = every_page(store.export_claims, lambda claim: claim.id, size=1)
    assert [(c.claim, c.verdict, c.score, c.evidence_ids) for c in claims] == [
        ("claim 1", "refuted", 0.25, ("a1",)),
        ("claim 2", "refuted", 0.5, ("a2",)),
    ]
    assert [(c.times_seen, c.key_hash) for c in claims] == [(2, key_hash("k1")), (1, key_hash("k2"))]
    np.testing.assert_array_equal(np.stack([c.vector for c in claims]), vectors[6:8])


def test_imported_claims_keep_their_counts_and_are_stored_once(store: KnowledgeStore, clock: Clock) -> None:
    vectors = unit_vectors(np.random.default_rng(13), 3)

    def copy(i: int, key: int | None) -> ClaimCopy:
        return ClaimCopy(99, f"claim {i}", "supported", 0.5, ("p1", "p2"), 10.0 + i, 20.0 + i, 3 + i, key, vectors[i])

    claims = [copy(0, key_hash("k0")), copy(1, None), copy(0, key_hash("k0")), copy(2, key_hash("k2"))]
    assert store.import_claims(claims) == [True, True, False, True]
    assert store.import_claims(claims) == [False] * 4
    assert store.import_claims([]) == []
    assert store.claim_count() == 3 and store.list_claims()[1] == 3
    assert store.claims_without_key(10) == [(store.export_claims(-1, 10)[1].id, "claim 1")]  # keyed at start-up
    [zero, _, two] = store.recall_claims(vectors, 0.99, ["k0", "k1", "k2"])
    assert zero is not None and two is not None
    assert (zero.claim.claim, zero.claim.first_seen, zero.claim.last_seen, zero.claim.times_seen) == (
        "claim 0",
        10.0,
        20.0,
        3,
    )
    assert (two.claim.times_seen, two.claim.evidence_ids) == (5, ("p1", "p2"))
    clock.now = 50.0
    touched = store.touch_claim(zero.claim.id)
    assert touched is not None and (touched.first_seen, touched.last_seen, touched.times_seen) == (10.0, 50.0, 4)


def test_export_reads_ingest_progress_in_pages_by_file(store: KnowledgeStore) -> None:
    for name, lines in (("b.jsonl", 5), ("a.csv", 7), ("c.txt", 2**63 - 1)):
        store.set_progress(name, name * 2, lines)
    files = every_page(store.export_progress, lambda progress: progress.source_file, size=2, start="")
    assert [(p.source_file, p.sha256, p.lines_done) for p in files] == [
        ("a.csv", "a.csva.csv", 7),
        ("b.jsonl", "b.jsonlb.jsonl", 5),
        ("c.txt", "c.txtc.txt", 2**63 - 1),
    ]


def test_reopen_keeps_everything(open_store: Opener) -> None:
    rng = np.random.default_rng(7)
    vectors = unit_vectors(rng, 50)
    with open_store() as store:
        store.add_passages(passages(50), vectors)
        store.delete_passage("p3")
        claim = store.remember_claim(NewClaim("c", "supported", 0.7, ("p1",)), vectors[0])
        store.touch_claim(claim.id)
        store.set_progress("kb.jsonl", "cd" * 32, 50)
        before = store.search_passages(vectors[:5], 4)
    with open_store() as store:
        assert store.passage_count() == 49
        assert store.get_passage("p3") is None
        assert store.search_passages(vectors[:5], 4) == before
        assert "p3" not in {p.id for line in before for p, _ in line}
        recalled = store.recall_claims(vectors[:1], 0.99)[0]
        assert recalled is not None and recalled.claim.times_seen == 2
        progress = store.get_progress("kb.jsonl")
        assert progress is not None and progress.lines_done == 50
        assert store.check() == []


def test_one_store_per_directory(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data", DIM)
    with pytest.raises(StoreLockedError):
        Store.open(tmp_path / "data", DIM)
    store.close()
    store.close()
    Store.open(tmp_path / "data", DIM).close()


def test_invalid_input_writes_nothing(store: KnowledgeStore) -> None:
    rng = np.random.default_rng(8)
    with pytest.raises(ValueError, match="shape"):
        store.add_passages(passages(2), unit_vectors(rng, 3))
    with pytest.raises(ValueError, match="JSON"):
        store.add_passages([NewPassage("x", "text", "", {"bad": object()})], unit_vectors(rng, 1))
    with pytest.raises(ValueError, match="empty"):
        store.add_passages([NewPassage("x", "   ", "")], unit_vectors(rng, 1))
    with pytest.raises(ValueError, match="normalised"):
        store.add_passages(passages(1), 3 * unit_vectors(rng, 1))
    assert store.passage_count() == 0


def test_orphan_vectors_are_never_returned(tmp_path: Path) -> None:
    """A crash between the vector append and the commit leaves index rows no passage points at."""
    rng = np.random.default_rng(9)
    vectors = unit_vectors(rng, 6)
    with Store.open(tmp_path / "data", DIM) as store:
        store.add_passages(passages(3), vectors[:3])
    with CompactIndex(tmp_path / "data" / "passages", DIM, rerank="float32") as index:
        index.add(vectors[3:5])  # rows 3 and 4: appended, never committed
    with Store.open(tmp_path / "data", DIM) as store:
        assert store.check() == []
        assert len(store.passage_index) == 3  # rows nothing points at are cut when the store opens
        hits = store.search_passages(vectors[3:5], 5)
        assert all(p.row not in (3, 4) for line in hits for p, _ in line)
        assert [len(line) for line in hits] == [3, 3]
        assert store.add_passages([NewPassage("new", "new text")], vectors[5:]) == [AddResult("new", "added", None, 3)]
        assert store.search_passages(vectors[5:], 1)[0][0][0].id == "new"


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import numpy as np

    from service.store.embedded import Store
    from service.store.records import NewPassage

    store = Store.open(Path(sys.argv[1]), int(sys.argv[2]))
    batch = 0
    while True:
        vectors = np.random.default_rng(batch).standard_normal((8, int(sys.argv[2])), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        items = [NewPassage(f"b{batch}-{i}", f"text of passage {i} in batch {batch}", "child") for i in range(8)]
        store.add_passages(items, vectors)
        for item in items:
            print(item.id, flush=True)
        batch += 1
    """
)


def expected_vector(passage_id: str) -> npt.NDArray[np.float32]:
    batch, position = (int(part) for part in passage_id[1:].split("-"))
    vectors = np.random.default_rng(batch).standard_normal((8, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vector: npt.NDArray[np.float32] = vectors[position]
    return vector


def test_kill_9_loses_no_acknowledged_passage(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(data_dir), str(DIM)], stdout=subprocess.PIPE, cwd=REPO, env=env, text=True
    )
    assert child.stdout is not None
    acknowledged: list[str] = []
    try:
        for line in child.stdout:
            acknowledged.append(line.strip())
            if len(acknowledged) >= 203:  # mid-batch: the child is likely between two writes
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    acknowledged += [line.strip() for line in child.stdout.read().splitlines(keepends=True) if line.endswith("\n")]
    assert child.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 203

    with Store.open(data_dir, DIM) as store:
        assert store.check() == []
        missing = [i for i in acknowledged if store.get_passage(i) is None]
        assert missing == []
        count = store.passage_count()
        assert len(acknowledged) <= count <= len(store.passage_index)
        for passage_id in acknowledged:
            passage = store.get_passage(passage_id)
            assert passage is not None
            np.testing.assert_allclose(
                store.passage_index.reconstruct([passage.row])[0], expected_vector(passage_id), atol=1e-3
            )
        sample = acknowledged[:: max(1, len(acknowledged) // 20)]
        hits = store.search_passages(np.stack([expected_vector(i) for i in sample]), 1)
        assert [line[0][0].id for line in hits] == sample
        # Still writable after the crash.
        rng = np.random.default_rng(10)
        assert (
            store.add_passages([NewPassage("after", "written after the crash")], unit_vectors(rng, 1))[0].status
            == "added"
        )


def test_failed_commit_leaves_only_unreachable_vectors(embedded_store: Store) -> None:
    """Vectors are written before the rows: when the commit fails, they exist but no search returns them."""
    store = embedded_store
    rng = np.random.default_rng(11)
    vectors = unit_vectors(rng, 3)
    store.add_passages(passages(1), vectors[:1])
    store._db.execute("CREATE TEMP TRIGGER refuse BEFORE INSERT ON passages BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        store.add_passages([NewPassage("lost", "never committed")], vectors[1:2])
    assert len(store.passage_index) == 2
    assert store.get_passage("lost") is None
    assert [p.id for p, _ in store.search_passages(vectors[1:2], 5)[0]] == ["p0"]
    store._db.execute("DROP TRIGGER refuse")
    assert store.add_passages([NewPassage("kept", "committed")], vectors[2:]) == [AddResult("kept", "added", None, 2)]
    assert store.check() == []


def test_instances_starting_together_create_the_schema_once(database_url: str) -> None:
    """Four stores opening one empty database at once: the advisory lock lets one create the schema."""
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: PostgresStore.open(database_url, DIM), range(4)))
    try:
        stores[0].add_passages(passages(1), unit_vectors(np.random.default_rng(12), 1))
        assert [store.passage_count() for store in stores] == [1, 1, 1, 1]
        assert all(store.check() == [] for store in stores)
    finally:
        for store in stores:
            store.close()


def test_a_batch_of_passages_is_stored_whole_or_not_at_all(database_url: str) -> None:
    """A batch goes in as one COPY in one transaction: a row the database refuses leaves none of the batch."""
    rng = np.random.default_rng(13)
    batch = [*passages(3), NewPassage("bad", "a row the database refuses", "src")]
    with PostgresStore.open(database_url, DIM) as store, psycopg.connect(database_url, autocommit=True) as db:
        db.execute("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'refused row'; END $$")
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON passages FOR EACH ROW WHEN (NEW.id = 'bad')"
            " EXECUTE FUNCTION refuse()"
        )
        with pytest.raises(psycopg.Error, match="refused row"):
            store.add_passages(batch, unit_vectors(rng, len(batch)))
        assert store.passage_count() == 0
        assert store.get_passage("p0") is None
        vectors = unit_vectors(rng, 3)
        assert [result.status for result in store.add_passages(batch[:3], vectors)] == ["added"] * 3
        assert [passage.id for passage, _ in store.search_passages(vectors, 1)[0]] == ["p0"]


def test_a_database_for_other_vectors_is_refused(database_url: str) -> None:
    PostgresStore.open(database_url, DIM).close()
    with pytest.raises(ValueError, match=f"vectors of {DIM} dimensions, the model makes {DIM + 1}") as refused:
        PostgresStore.open(database_url, DIM + 1)
    assert PASSWORD not in str(refused.value)


def test_a_database_url_is_checked_and_its_password_never_shown() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL must start with") as refused:
        Settings.from_env({"DATABASE_URL": "mysql://user:pw-123@db.example/claims"})
    assert "pw-123" not in str(refused.value)
    assert "pw-123" not in repr(Settings.from_env({"DATABASE_URL": "postgresql://user:pw-123@db.example/claims"}))
    assert redacted("postgresql://user:pw-123@db.example:5432/claims?sslmode=require") == (
        "postgresql://user:***@db.example:5432/claims?sslmode=require"
    )
    assert redacted("postgresql://db.example/claims") == "postgresql://db.example/claims"
