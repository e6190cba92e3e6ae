"""Persistent knowledge base and claim memory: rows in SQLite, vectors in two ``CompactIndex`` directories.

Layout of ``data_dir``: ``store.sqlite3`` (plus SQLite's ``-wal`` and ``-shm``), ``passages/`` and
``claims/`` (one ``CompactIndex`` each) and ``lock``.

Acknowledged means durable. Every write commits (and every vector's float copy is fsynced) before it returns.
SQLite runs in WAL mode with ``synchronous=FULL``: in WAL mode FULL fsyncs the log at every
commit, so an acknowledged write survives a power cut or kernel crash too. ``NORMAL`` would
fsync only at checkpoints: safe when the process is killed, but the last commits can vanish
on power loss, which breaks the promise. The price is one fsync per commit; writes are ingest
batches and one group of requests' claims, and the index pays one more per add: its float copy.
Its int8 copy and scales are not fsynced (``CompactIndex(fsync_derived=False)``): each open pads
and verifies them against the float copy and rebuilds the rows a power cut left behind.

Vectors first, rows second. A write appends its vectors to the index (fsynced), then commits
the rows that point at them in one transaction. A crash in between leaves index rows nobody
references ("orphans"), never a row pointing at a missing vector; orphans are found on open
and never returned by a search.

Damage is caught when the store opens. Each index is opened with the row count its SQLite rows need
(``MAX(row) + 1``), so no file is cut below them, and every row is verified (``CompactIndex.verify``):
an int8 copy that disagrees with its float copy is rebuilt from it; a passage whose float vector is
gone (file missing, short, overwritten) is hidden from search and listed by ``lost_passages`` until
``restore_passage_vectors`` writes its re-embedded vector back (``service.store.repair``); a
remembered claim whose vector is gone is forgotten (memory is a cache of verdicts, each derived
afresh from the evidence, so only that claim's sighting count is lost, and no model is needed).
Rows past what SQLite references (orphans) are cut. ``check`` says what is still wrong.

A full disk refuses a write whole with ``StorageFull`` (``full_disk``): the vectors are cut back or
left as hidden orphans, the SQLite transaction rolls back, and reads go on.

Concurrency, kept simple: one SQLite connection (``check_same_thread=False``) and one lock held
by every public method, searches included (a search is a ~15 ms scan at 100k passages), so
calls from the event loop thread and from executor threads are serialised. One process opens a
data directory at a time: ``open`` takes an exclusive ``flock`` on ``data_dir/lock``, which the
kernel releases when the process dies, so a killed process never blocks the next one.
"""

from __future__ import annotations

import fcntl
import itertools
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.store.base import KnowledgeStore
from service.store.full_disk import refused_when_full
from service.store.records import (
    MAX_PASSAGE_CHARS,
    MAX_SOURCE_CHARS,
    MAX_STORED_CLAIM_CHARS,
    MAX_STORED_EVIDENCE_IDS_CHARS,
    AddResult,
    AddStatus,
    ClaimCopy,
    ClaimMatch,
    IngestProgress,
    NewClaim,
    NewPassage,
    PassageCopy,
    StoredClaim,
    StoredPassage,
    bounded_claim_from_row,
    bounded_evidence_ids,
    claim_from_row,
    content_hash,
    key_hash,
    metadata_json,
    passage_from_row,
)
from service.store.vector_index import CompactIndex, RerankPrecision

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3
# Stay well under SQLite's limit on bound parameters in one statement.
MAX_PARAMETERS = 500

# Who added each passage through the API (a key's name or an address), for MAX_PASSAGES_PER_CLIENT;
# the knowledge base and `run.py ingest` own none. Added in schema version 2.
OWNERS_SCHEMA = (
    "CREATE TABLE passage_owners (id TEXT PRIMARY KEY, owner TEXT NOT NULL)",
    "CREATE INDEX passage_owners_by_owner ON passage_owners (owner)",
)
# Each claim's memory key (a 64-bit hash of the caller's key, see ``NewClaim.key``) by its index row, so that
# recall looks up the few claims of the same key instead of scanning them all (a key goes with its claim); and
# the order eviction reads (least recently seen first) as an index, not a sort of the whole table. Added in
# schema version 3 (each statement may run again): claims from before have no key until ``set_claim_keys``
# gives them one, and are not recalled by key until then.
MEMORY_KEYS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS claim_keys (row INTEGER PRIMARY KEY, key_hash INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS claim_keys_by_key ON claim_keys (key_hash)",
    "CREATE TRIGGER IF NOT EXISTS claim_keys_go_with_their_claim AFTER DELETE ON claims"
    " BEGIN DELETE FROM claim_keys WHERE row = old.row; END",
    "CREATE INDEX IF NOT EXISTS claims_by_last_seen ON claims (last_seen)",
)
# What brings a store of each older version to the next one.
MIGRATIONS = {1: OWNERS_SCHEMA, 2: MEMORY_KEYS_SCHEMA}

SCHEMA = (
    """CREATE TABLE passages (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,
        source TEXT NOT NULL,
        metadata TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        row INTEGER NOT NULL UNIQUE,
        deleted INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL
    )""",
    """CREATE TABLE claims (
        id INTEGER PRIMARY KEY,
        claim TEXT NOT NULL,
        verdict TEXT NOT NULL,
        score REAL NOT NULL,
        evidence_ids TEXT NOT NULL,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL,
        times_seen INTEGER NOT NULL,
        row INTEGER NOT NULL UNIQUE
    )""",
    *MEMORY_KEYS_SCHEMA,
    *OWNERS_SCHEMA,
    """CREATE TABLE ingest_progress (
        source_file TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        lines_done INTEGER NOT NULL,
        updated_at REAL NOT NULL
    )""",
)

PASSAGE_COLUMNS = "id, text, source, metadata, content_hash, row, deleted, added_at"
# Passages as read back: text and source cut at their bounds even in rows stored before the bounds.
PASSAGE_READ_COLUMNS = (
    f"id, substr(text, 1, {MAX_PASSAGE_CHARS}), substr(source, 1, {MAX_SOURCE_CHARS}),"
    " metadata, content_hash, row, deleted, added_at"
)
CLAIM_COLUMNS = "id, claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, row"
# Vectors of one memory key's claims read at a time by recall: 4,096 x 384 float32 is 6 MiB.
RECALL_CHUNK_ROWS = 4096


class StoreLockedError(RuntimeError):
    """Another process (or another ``Store`` in this one) has the data directory open."""


class Store(KnowledgeStore):
    """The knowledge base and the claim memory of one data directory; build it with ``Store.open``."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        passage_index: CompactIndex,
        claim_index: CompactIndex,
        lock_fd: int,
        clock: Callable[[], float],
        data_dir: Path,
    ) -> None:
        self._db = connection
        self._data_dir = data_dir
        self.passage_index = passage_index
        self.claim_index = claim_index
        self._lock_fd = lock_fd
        self._clock = clock
        self._lock = threading.RLock()
        self._closed = False
        # Index rows a search must skip: tombstoned passages and orphans. Replaced, never mutated.
        self._hidden_passage_rows = frozenset(self._column("SELECT row FROM passages WHERE deleted = 1"))
        self._hidden_passage_rows |= self._orphans("passages", len(passage_index))
        # Passage rows whose vector was found lost at open, until restore_passage_vectors writes it back.
        self._lost_passage_rows: frozenset[int] = frozenset()
        # Remembered claims, counted once here and then kept by every write: /health reads it without the lock.
        self._claims_total = next(self._column("SELECT COUNT(*) FROM claims"))

    @classmethod
    @refused_when_full  # mending a damaged index writes (see the module docstring)
    def open(
        cls,
        data_dir: Path,
        dim: int,
        *,
        rerank: RerankPrecision = "float32",
        clock: Callable[[], float] = time.time,
    ) -> Store:
        """Open (creating if needed) the store in ``data_dir`` for vectors of ``dim`` dimensions.

        The float32 re-rank copy makes results identical to an exact float32 search (float16
        swaps near-ties in a few percent of queries); it costs disk, not RSS, since it is mapped.
        """
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(data_dir / "lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(lock_fd)
            raise StoreLockedError(f"{data_dir} is open in another process or Store") from None
        opened: list[CompactIndex] = []
        connection: sqlite3.Connection | None = None
        try:
            connection = _connect(data_dir / "store.sqlite3")
            for table in ("passages", "claims"):
                rows = _referenced_rows(connection, table)
                opened.append(CompactIndex(data_dir / table, dim, rerank=rerank, rows=rows, fsync_derived=False))
            store = cls(connection, opened[0], opened[1], lock_fd, clock, data_dir)
        except BaseException:
            for index in opened:
                index.close()
            if connection is not None:
                connection.close()
            os.close(lock_fd)
            raise
        try:
            store._repair_vectors()
        except BaseException:
            store.close()
            raise
        return store

    @property
    def location(self) -> str:
        return str(self._data_dir)

    @property
    def dim(self) -> int:
        return self.passage_index.dim

    def close(self) -> None:
        """Close the database and the indexes and release the directory. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.close()
            self.passage_index.close()
            self.claim_index.close()
            os.close(self._lock_fd)  # releases the flock

    # Passages

    @refused_when_full
    def add_passages(
        self, items: Sequence[NewPassage], vectors: npt.ArrayLike, owner: str | None = None
    ) -> list[AddResult]:
        """Store each passage whose content is new; say per item what happened, in order.

        The passages added or restored count as ``owner``'s (see ``passages_owned``).
        ``vectors[i]`` is the unit vector of ``items[i]``. Nothing is written when an item or the
        vectors are invalid. The vectors of new passages go to the index first (fsynced), then all
        rows are committed in one transaction.
        """
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape != (len(items), self.passage_index.dim):
            raise ValueError(f"vectors must have shape ({len(items)}, {self.passage_index.dim}), not {matrix.shape}")
        hashes = [content_hash(item.text, item.source) for item in items]
        metadata = [metadata_json(item) for item in items]
        with self._lock:
            self._require_open()
            # content hash -> (id holding it, position in this batch when new here, else its row, deleted)
            known: dict[str, tuple[str, int | None, int, bool]] = {
                digest: (str(id_), None, int(row), bool(deleted))
                for id_, digest, row, deleted in self._select_in(
                    "SELECT id, content_hash, row, deleted FROM passages", "content_hash", hashes
                )
            }
            taken_ids = {found[0] for found in self._select_in("SELECT id FROM passages", "id", [i.id for i in items])}
            plan: list[tuple[AddStatus, str | None, int | None, int]] = []  # status, existing id, new position, row
            new_positions: list[int] = []
            restore: list[str] = []
            for position, (item, digest) in enumerate(zip(items, hashes, strict=True)):
                if digest in known:
                    existing_id, new_position, row, deleted = known[digest]
                    if deleted:
                        restore.append(existing_id)
                        known[digest] = (existing_id, None, row, False)
                    plan.append(("restored" if deleted else "duplicate", existing_id, new_position, row))
                elif item.id in taken_ids:
                    plan.append(("id_conflict", None, None, -1))
                else:
                    plan.append(("added", None, len(new_positions), -1))
                    known[digest] = (item.id, len(new_positions), -1, False)
                    new_positions.append(position)
                    taken_ids.add(item.id)
            rows = self.passage_index.add(matrix[new_positions]) if new_positions else range(0)
            now = self._clock()
            try:
                with self._transaction():
                    self._db.executemany(
                        f"INSERT INTO passages ({PASSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                        [
                            (items[p].id, items[p].text, items[p].source, metadata[p], hashes[p], row, now)
                            for p, row in zip(new_positions, rows, strict=True)
                        ],
                    )
                    self._db.executemany("UPDATE passages SET deleted = 0 WHERE id = ?", [(i,) for i in restore])
                    if owner is not None:
                        self._db.executemany(
                            "INSERT OR REPLACE INTO passage_owners (id, owner) VALUES (?, ?)",
                            [(items[p].id, owner) for p in new_positions] + [(i, owner) for i in restore],
                        )
            except BaseException:
                self._hidden_passage_rows |= frozenset(rows)
                raise
            results = [
                AddResult(item.id, status, existing_id, None if status == "id_conflict" else row)
                if new_position is None
                else AddResult(item.id, status, existing_id, rows[new_position])
                for item, (status, existing_id, new_position, row) in zip(items, plan, strict=True)
            ]
            self._hidden_passage_rows -= {result.row for result in results if result.status == "restored"}
            return results

    def passages_owned(self, owner: str) -> int:
        """How many live passages ``owner`` added through the API."""
        with self._lock:
            self._require_open()
            found = self._db.execute(
                "SELECT COUNT(*) FROM passage_owners o JOIN passages p ON p.id = o.id"
                " WHERE o.owner = ? AND NOT p.deleted",
                (owner,),
            ).fetchone()
        return int(found[0])

    def get_passage(self, passage_id: str, *, include_deleted: bool = False) -> StoredPassage | None:
        """The passage ``passage_id``; a deleted one only when ``include_deleted``."""
        with self._lock:
            self._require_open()
            found = self._db.execute(
                f"SELECT {PASSAGE_READ_COLUMNS} FROM passages WHERE id = ?", (passage_id,)
            ).fetchone()
        passage = None if found is None else passage_from_row(found)
        return passage if passage is None or include_deleted or not passage.deleted else None

    @refused_when_full
    def delete_passage(self, passage_id: str) -> bool:
        """Tombstone the passage (deleted=1, its vector stays); False when there is no live passage of that id."""
        with self._lock:
            self._require_open()
            with self._transaction():
                found = self._db.execute(
                    "UPDATE passages SET deleted = 1 WHERE id = ? AND deleted = 0 RETURNING row", (passage_id,)
                ).fetchall()
            if not found:
                return False
            self._hidden_passage_rows |= {int(found[0][0])}
            return True

    def search_passages(self, queries: npt.ArrayLike, k: int) -> list[list[tuple[StoredPassage, float]]]:
        """For each query, up to ``k`` live passages, most similar first, with their cosine similarity."""
        with self._lock:
            self._require_open()
            rows, scores = self.passage_index.search(queries, k, exclude=self._hidden_passage_rows)
            by_row = {
                passage.row: passage
                for passage in map(
                    passage_from_row,
                    self._select_in(
                        f"SELECT {PASSAGE_READ_COLUMNS} FROM passages", "row", np.unique(rows).tolist(), "deleted = 0"
                    ),
                )
            }
        return [
            [
                (by_row[row], float(score))
                for row, score in zip(line_rows.tolist(), line_scores, strict=True)
                if row in by_row
            ]
            for line_rows, line_scores in zip(rows, scores, strict=True)
        ]

    def passage_count(self) -> int:
        """Live (not deleted) passages."""
        with self._lock:
            self._require_open()
            return int(self._db.execute("SELECT COUNT(*) FROM passages WHERE deleted = 0").fetchone()[0])

    # Claim memory

    @refused_when_full
    def write_claims(
        self,
        claims: Sequence[NewClaim],
        vectors: npt.ArrayLike,
        touch_ids: Sequence[int] = (),
        revisions: Sequence[NewClaim | None] = (),
        keep_at_most: int | None = None,
    ) -> tuple[list[StoredClaim], list[StoredClaim | None]]:
        """Store new claims and count a sighting of known ones, in one index append and one commit.

        One call is a whole group of requests' memory (see ``service.agents``): the fsyncs of a commit are
        paid once for all of them. ``claims[i]`` has the unit vector ``vectors[i]``; ``touch_ids`` are counted
        as ``touch_claims`` does, with their ``revisions``. With ``keep_at_most``, the claims seen least
        recently beyond that many are forgotten in the same transaction, so that the memory (and the disk
        under its rows) stays bounded however many distinct claims callers send. Returns the claims stored
        and the claims touched (None for an unknown id), in order.
        """
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape != (len(claims), self.claim_index.dim):
            raise ValueError(f"vectors must have shape ({len(claims)}, {self.claim_index.dim}), not {matrix.shape}")
        if not claims and not touch_ids:
            return [], []
        with self._lock:
            self._require_open()
            rows = self.claim_index.add(matrix) if claims else range(0)
            total = self._claims_total
            # On an error the appended vectors are orphans: no claim row or key points at them, so none is recalled.
            with self._transaction():
                now = self._clock()
                stored = [self._insert_claim(claim, row, now) for claim, row in zip(claims, rows, strict=True)]
                touched = self._touch(touch_ids, revisions, now)
                forgotten = self._forget_least_recent(total + len(stored), keep_at_most)
            self._claims_total = total + len(stored) - forgotten
            return stored, touched

    def _insert_claim(self, claim: NewClaim, row: int, now: float) -> StoredClaim:
        found = self._db.execute(
            "INSERT INTO claims (claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, row)"
            f" VALUES (?, ?, ?, ?, ?, ?, 1, ?) RETURNING {CLAIM_COLUMNS}",
            (
                claim.claim[:MAX_STORED_CLAIM_CHARS],
                claim.verdict,
                float(claim.score),
                bounded_evidence_ids(claim.evidence_ids),
                now,
                now,
                row,
            ),
        ).fetchall()
        self._db.execute("INSERT INTO claim_keys (row, key_hash) VALUES (?, ?)", (row, key_hash(claim.key)))
        return claim_from_row(found[0])

    def _touch(
        self, claim_ids: Sequence[int], revisions: Sequence[NewClaim | None], now: float
    ) -> list[StoredClaim | None]:
        """times_seen + 1 and last_seen = now for each id, with its revision's verdict when one is given."""
        touched: list[StoredClaim | None] = []
        for claim_id, revision in itertools.zip_longest(claim_ids, revisions[: len(claim_ids)]):
            if revision is None:
                found = self._db.execute(
                    "UPDATE claims SET times_seen = times_seen + 1, last_seen = ?"
                    f" WHERE id = ? RETURNING {CLAIM_COLUMNS}",
                    (now, claim_id),
                ).fetchall()
            else:
                found = self._db.execute(
                    "UPDATE claims SET times_seen = times_seen + 1, last_seen = ?, verdict = ?, score = ?,"
                    f" evidence_ids = ? WHERE id = ? RETURNING {CLAIM_COLUMNS}",
                    (
                        now,
                        revision.verdict,
                        float(revision.score),
                        bounded_evidence_ids(revision.evidence_ids),
                        claim_id,
                    ),
                ).fetchall()
            touched.append(claim_from_row(found[0]) if found else None)
        return touched

    def _forget_least_recent(self, total: int, keep: int | None) -> int:
        """Delete the claims seen least recently beyond the ``keep`` most recent of ``total`` (as ``delete_claim``
        does), inside the caller's transaction; how many. Reads the last_seen index, never the whole table."""
        if keep is None or total <= keep:
            return 0
        return self._db.execute(
            "DELETE FROM claims WHERE id IN (SELECT id FROM claims ORDER BY last_seen, id LIMIT ?)", (total - keep,)
        ).rowcount

    def claim_count(self) -> int:
        """How many claims are remembered, as the last write left them: read without waiting for a write in
        progress (for /health and /metrics), never by counting the table again."""
        return self._claims_total

    def recall_claims(
        self, vectors: npt.ArrayLike, threshold: float, keys: Sequence[str] | None = None
    ) -> list[ClaimMatch | None]:
        """For each vector, the closest remembered claim when its cosine is at least ``threshold``, else None.

        With ``keys``, only the claims stored with the same key as ``keys[i]`` are candidates: they are found by
        the key's index, and only their vectors are read, so recall costs what one key's claims cost, not what
        the whole memory does; equal similarities go to the lower index row. Without, the closest vector of
        the whole index is taken (a reference for tests): when it is a forgotten claim's, the answer is None.
        Recalling changes nothing; ``write_claims`` counts sightings.
        """
        if keys is not None:
            return self._recall_by_key(np.asarray(vectors, dtype=np.float32), threshold, keys)
        with self._lock:
            self._require_open()
            rows, scores = self.claim_index.search(vectors, 1)
            by_row = self._claims_at(np.unique(rows).tolist())
        matches: list[ClaimMatch | None] = []
        for line_rows, line_scores in zip(rows.tolist(), scores.tolist(), strict=True):
            best = by_row.get(line_rows[0]) if line_rows else None
            matches.append(ClaimMatch(best, line_scores[0]) if best and line_scores[0] >= threshold else None)
        return matches

    def _recall_by_key(
        self, vectors: npt.NDArray[np.float32], threshold: float, keys: Sequence[str]
    ) -> list[ClaimMatch | None]:
        if vectors.shape != (len(keys), self.claim_index.dim):
            raise ValueError(f"vectors must have shape ({len(keys)}, {self.claim_index.dim}), not {vectors.shape}")
        hashes = [key_hash(key) for key in keys]
        with self._lock:
            self._require_open()
            candidates: dict[int, list[int]] = {digest: [] for digest in hashes}
            for digest, row in self._select_in("SELECT key_hash, row FROM claim_keys", "key_hash", list(candidates)):
                candidates[int(digest)].append(int(row))
            best = [
                _closest(self.claim_index, vector, candidates[digest])
                for vector, digest in zip(vectors, hashes, strict=True)
            ]
            by_row = self._claims_at([row for row, score in best if score >= threshold])
        return [ClaimMatch(by_row[row], score) if score >= threshold and row in by_row else None for row, score in best]

    def _claims_at(self, rows: Sequence[int]) -> dict[int, StoredClaim]:
        """The claims at these index rows, by row."""
        found = self._select_in(f"SELECT {CLAIM_COLUMNS} FROM claims", "row", rows)
        return {claim.row: claim for claim in map(claim_from_row, found)}

    def claims_without_key(self, limit: int) -> list[tuple[int, str]]:
        """Up to ``limit`` claims stored before memory keys (schema version 3): (id, claim text) each."""
        with self._lock:
            self._require_open()
            found = self._db.execute(
                "SELECT id, claim FROM claims WHERE row NOT IN (SELECT row FROM claim_keys) LIMIT ?", (limit,)
            )
            return [(int(id_), str(claim)) for id_, claim in found]

    def set_claim_keys(self, keys: Sequence[tuple[int, str]]) -> None:
        """Give claims stored before memory keys their key, (id, key) each, in one commit."""
        with self._lock:
            self._require_open()
            with self._transaction():
                self._db.executemany(
                    "INSERT OR REPLACE INTO claim_keys (row, key_hash) SELECT row, ? FROM claims WHERE id = ?",
                    [(key_hash(key), id_) for id_, key in keys],
                )

    @refused_when_full
    def delete_claim(self, claim_id: int) -> bool:
        """Forget one remembered claim; False when there is none of that id.

        Its row and its key go; its vector stays in the index, pointed at by no claim, so the claim is never
        recalled again (the web process keeps no list of such rows: its RSS does not grow with them).
        """
        with self._lock:
            self._require_open()
            with self._transaction():
                found = self._db.execute("DELETE FROM claims WHERE id = ?", (claim_id,)).rowcount
            self._claims_total -= found
            return found > 0

    @refused_when_full
    def clear_claims(self) -> int:
        """Forget every remembered claim, as ``delete_claim`` does each; how many there were."""
        with self._lock:
            self._require_open()
            with self._transaction():
                deleted = self._db.execute("DELETE FROM claims").rowcount
            self._claims_total = 0
            return int(deleted)

    def get_claim(self, claim_id: int) -> StoredClaim | None:
        with self._lock:
            self._require_open()
            found = self._db.execute(f"SELECT {CLAIM_COLUMNS} FROM claims WHERE id = ?", (claim_id,)).fetchone()
        return None if found is None else claim_from_row(found)

    def list_claims(self, offset: int = 0, limit: int = 50) -> tuple[list[StoredClaim], int]:
        """One page of remembered claims, newest first (by id, so pages do not shift when claims are touched),
        and how many there are in all.

        Bounded in bytes: at most ``MAX_STORED_CLAIM_CHARS`` of a claim's text and ``MAX_STORED_EVIDENCE_IDS_CHARS``
        of its evidence-id list are read, even from rows written before those bounds (SQL ``substr``; a cut id
        list keeps its whole ids). In JSON a character takes at most 6 bytes (an escaped control character; the
        ids are stored escaped already), so a row is at most 1,000 x 6 + 2,000 + about 250 bytes of numbers and
        verdict, about 8.3 kB, and a page of ``schemas.MAX_PAGE_SIZE`` (500) rows at most about 4.1 MB
        (about 0.6 MB for 500 claims of 1,000 ASCII characters with 5 evidence ids).
        """
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must not be negative")
        with self._lock:
            self._require_open()
            page = self._db.execute(
                "SELECT id, substr(claim, 1, ?), verdict, score, substr(evidence_ids, 1, ?), first_seen, last_seen,"
                " times_seen, row FROM claims ORDER BY id DESC LIMIT ? OFFSET ?",
                (MAX_STORED_CLAIM_CHARS, MAX_STORED_EVIDENCE_IDS_CHARS, limit, offset),
            ).fetchall()
            total = int(self._db.execute("SELECT COUNT(*) FROM claims").fetchone()[0])
        return [bounded_claim_from_row(found) for found in page], total

    # Moving to another store

    def export_passages(self, after_row: int, limit: int) -> list[PassageCopy]:
        """One page of live passages by row, each with its owner and its float32 vector from the re-rank copy."""
        with self._lock:
            self._require_open()
            found = self._db.execute(
                f"SELECT {PASSAGE_READ_COLUMNS}, (SELECT owner FROM passage_owners o WHERE o.id = passages.id)"
                " FROM passages WHERE row > ? AND deleted = 0 ORDER BY row LIMIT ?",
                (after_row, limit),
            ).fetchall()
            kept = [(passage_from_row(row[:-1]), row[-1]) for row in found]
            kept = [(passage, owner) for passage, owner in kept if passage.row not in self._lost_passage_rows]
            vectors = self.passage_index.reconstruct([passage.row for passage, _ in kept])
        return [
            PassageCopy(
                passage.row,
                NewPassage(passage.id, passage.text, passage.source, passage.metadata),
                None if owner is None else str(owner),
                passage.added_at,
                vector,
            )
            for (passage, owner), vector in zip(kept, vectors, strict=True)
        ]

    def export_claims(self, after_id: int, limit: int) -> list[ClaimCopy]:
        """One page of remembered claims by id, cut at their bounds as ``list_claims`` reads them, with their
        key hashes and vectors."""
        with self._lock:
            self._require_open()
            found = self._db.execute(
                "SELECT id, substr(claim, 1, ?), verdict, score, substr(evidence_ids, 1, ?), first_seen, last_seen,"
                " times_seen, claims.row, key_hash FROM claims LEFT JOIN claim_keys ON claim_keys.row = claims.row"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (MAX_STORED_CLAIM_CHARS, MAX_STORED_EVIDENCE_IDS_CHARS, after_id, limit),
            ).fetchall()
            claims = [(bounded_claim_from_row(row[:-1]), row[-1]) for row in found]
            vectors = self.claim_index.reconstruct([claim.row for claim, _ in claims])
        return [
            ClaimCopy.of(claim, None if key is None else int(key), vector)
            for (claim, key), vector in zip(claims, vectors, strict=True)
        ]

    def export_progress(self, after: str, limit: int) -> list[IngestProgress]:
        with self._lock:
            self._require_open()
            found = self._db.execute(
                "SELECT source_file, sha256, lines_done, updated_at FROM ingest_progress"
                " WHERE source_file > ? ORDER BY source_file LIMIT ?",
                (after, limit),
            ).fetchall()
        return [IngestProgress(str(name), str(sha), int(lines), float(at)) for name, sha, lines, at in found]

    @refused_when_full
    def import_claims(self, claims: Sequence[ClaimCopy]) -> list[bool]:
        """Remember the claims not yet remembered (same key hash and text): their vectors appended first, then
        their rows and keys in one commit, as ``write_claims`` does; whether each was new."""
        if not claims:
            return []
        matrix = np.asarray([claim.vector for claim in claims], dtype=np.float32).reshape(len(claims), -1)
        if matrix.shape != (len(claims), self.claim_index.dim):
            raise ValueError(f"vectors must have shape ({len(claims)}, {self.claim_index.dim}), not {matrix.shape}")
        with self._lock:
            self._require_open()
            seen: set[tuple[int | None, str]] = set()
            new: list[bool] = []
            for claim in claims:
                identity = (claim.key_hash, claim.claim[:MAX_STORED_CLAIM_CHARS])
                known = identity in seen or self._remembers(*identity)
                seen.add(identity)
                new.append(not known)
            added = [claim for claim, is_new in zip(claims, new, strict=True) if is_new]
            rows = self.claim_index.add(matrix[np.flatnonzero(new)]) if added else range(0)
            with self._transaction():  # on an error the appended vectors are orphans, as in write_claims
                for claim, row in zip(added, rows, strict=True):
                    self._db.execute(
                        "INSERT INTO claims (claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen,"
                        " row) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (*claim.stored_columns(), row),
                    )
                    if claim.key_hash is not None:
                        self._db.execute("INSERT INTO claim_keys (row, key_hash) VALUES (?, ?)", (row, claim.key_hash))
            self._claims_total += len(added)
        return new

    def _remembers(self, key: int | None, claim: str) -> bool:
        """Whether a claim of this key hash (by its index; None: one stored before keys) and text is remembered."""
        values: tuple[object, ...]
        if key is None:
            sql, values = "SELECT 1 FROM claims WHERE row NOT IN (SELECT row FROM claim_keys) AND claim = ?", (claim,)
        else:
            sql = "SELECT 1 FROM claim_keys JOIN claims ON claims.row = claim_keys.row WHERE key_hash = ? AND claim = ?"
            values = (key, claim)
        return self._db.execute(f"{sql} LIMIT 1", values).fetchone() is not None

    # Ingest progress

    def get_progress(self, source_file: str) -> IngestProgress | None:
        with self._lock:
            self._require_open()
            found = self._db.execute(
                "SELECT source_file, sha256, lines_done, updated_at FROM ingest_progress WHERE source_file = ?",
                (source_file,),
            ).fetchone()
        return None if found is None else IngestProgress(str(found[0]), str(found[1]), int(found[2]), float(found[3]))

    @refused_when_full
    def set_progress(self, source_file: str, sha256: str, lines_done: int) -> None:
        """Record that the first ``lines_done`` lines of ``source_file`` (whose content hashes to ``sha256``) are in."""
        if lines_done < 0:
            raise ValueError("lines_done must not be negative")
        with self._lock:
            self._require_open()
            with self._transaction():
                self._db.execute(
                    "INSERT INTO ingest_progress (source_file, sha256, lines_done, updated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (source_file) DO UPDATE SET sha256 = excluded.sha256,"
                    " lines_done = excluded.lines_done, updated_at = excluded.updated_at",
                    (source_file, sha256, lines_done, self._clock()),
                )

    # Consistency

    def check(self, *, verify_vectors: bool = True) -> list[str]:
        """Problems found (empty when consistent): SQLite's own check, rows pointing past their index, and
        referenced vectors that are not sound (``CompactIndex.verify``, a read of every row: ~0.5 s per 100k)."""
        with self._lock:
            self._require_open()
            problems = [f"sqlite: {line}" for (line,) in self._db.execute("PRAGMA quick_check") if line != "ok"]
            for table, index in (("passages", self.passage_index), ("claims", self.claim_index)):
                missing = self._db.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE row < 0 OR row >= ?", (len(index),)
                ).fetchone()[0]
                if missing:
                    problems.append(f"{table}: {missing} rows point past the {len(index)} vectors of their index")
                if verify_vectors:
                    problems += self._vector_problems(table, index)
            if not verify_vectors and self._lost_passage_rows:
                problems.append(f"passages: {len(self._lost_passage_rows)} vectors lost; re-embed them")
        return problems

    def _vector_problems(self, table: str, index: CompactIndex) -> list[str]:
        health = index.verify()
        problems = []
        lost = self._referenced(table, health.lost)
        if lost:
            problems.append(f"{table}: {len(lost)} vectors lost (not finite unit vectors); re-embed them")
        stale = self._referenced(table, health.stale)
        if stale:
            problems.append(f"{table}: {len(stale)} int8 rows disagree with their float vectors")
        return problems

    def lost_passages(self) -> list[tuple[int, str]]:
        """The index row and text of each passage whose vector was found lost at open: to re-embed."""
        with self._lock:
            self._require_open()
            found = self._select_in("SELECT row, text FROM passages", "row", sorted(self._lost_passage_rows))
        return [(int(row), str(text)) for row, text in found]

    @refused_when_full
    def restore_passage_vectors(self, rows: Sequence[int], vectors: npt.ArrayLike) -> None:
        """Write re-embedded unit vectors back over lost passage rows; live ones become searchable again."""
        with self._lock:
            self._require_open()
            if not set(rows) <= self._lost_passage_rows:
                raise ValueError("only rows listed by lost_passages can be restored")
            self.passage_index.replace(rows, vectors)
            self._lost_passage_rows -= set(rows)
            live = self._column_in("SELECT row FROM passages", "row", list(rows), "deleted = 0")
            self._hidden_passage_rows -= live

    def _repair_vectors(self) -> None:
        """Verify both indexes as they open; mend what needs no model (see the module docstring)."""
        for table, index in (("passages", self.passage_index), ("claims", self.claim_index)):
            health = index.verify()
            if len(health.stale):
                index.requantise(health.stale)
                log.warning("%s: rebuilt the int8 copy of %d rows from their float vectors", table, len(health.stale))
            lost = self._referenced(table, health.lost)
            if not lost:
                continue
            if table == "passages":
                self._lost_passage_rows = frozenset(lost)
                self._hidden_passage_rows |= self._lost_passage_rows
                log.warning("passages: %d vectors lost; hidden until re-embedded from their text", len(lost))
            else:
                with self._transaction():
                    self._db.executemany("DELETE FROM claims WHERE row = ?", [(row,) for row in lost])
                self._claims_total -= len(lost)
                log.warning("claim memory: %d claims had lost vectors and were forgotten", len(lost))

    def _referenced(self, table: str, rows: npt.NDArray[np.int64]) -> list[int]:
        """Those of ``rows`` that a row of ``table`` points at (a damaged orphan matters to nobody)."""
        return sorted(self._column_in(f"SELECT row FROM {table}", "row", rows.tolist()))

    def _column_in(self, sql: str, column: str, values: Sequence[Any], where: str = "1") -> frozenset[int]:
        return frozenset(int(found[0]) for found in self._select_in(sql, column, values, where))

    # Internals

    def _require_open(self) -> None:
        if self._closed:
            raise ValueError("store is closed")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _column(self, sql: str) -> Iterator[int]:
        return (int(found[0]) for found in self._db.execute(sql))

    def _orphans(self, table: str, index_rows: int) -> frozenset[int]:
        """Index rows no row of ``table`` points at (a crash between the vector append and the commit)."""
        referenced = np.fromiter(self._column(f"SELECT row FROM {table} ORDER BY row"), dtype=np.int64)
        if len(referenced) == index_rows and (index_rows == 0 or referenced[-1] == index_rows - 1):
            return frozenset()
        return frozenset(np.setdiff1d(np.arange(index_rows), referenced, assume_unique=True).tolist())

    def _select_in(self, sql: str, column: str, values: Sequence[Any], where: str = "1") -> Iterable[tuple[Any, ...]]:
        """``sql WHERE column IN values AND where``, in slices that stay under the bound-parameter limit."""
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(values), MAX_PARAMETERS):
            part = values[start : start + MAX_PARAMETERS]
            marks = ", ".join("?" * len(part))
            found += self._db.execute(f"{sql} WHERE {column} IN ({marks}) AND {where}", part).fetchall()
        return found


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on any error (the connection is in autocommit mode)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self._rollback()
            return
        try:
            self._db.execute("COMMIT")
        except BaseException:
            self._rollback()  # e.g. disk full: leave no transaction open for the next write
            raise

    def _rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: no implicit transactions; _Transaction opens and ends every write.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise RuntimeError(f"{path}: SQLite refused WAL mode (got {mode})")
        connection.execute("PRAGMA synchronous = FULL")
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version == 0:
            with _Transaction(connection):
                for statement in SCHEMA:
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            version = SCHEMA_VERSION
        while version in MIGRATIONS:
            with _Transaction(connection):
                for statement in MIGRATIONS[version]:
                    connection.execute(statement)
                version += 1
                connection.execute(f"PRAGMA user_version = {version}")
        if version != SCHEMA_VERSION:
            raise RuntimeError(f"{path}: schema version {version}, this code knows {SCHEMA_VERSION}")
    except BaseException:
        connection.close()
        raise
    return connection


def _referenced_rows(connection: sqlite3.Connection, table: str) -> int:
    """How many index rows ``table`` needs: one past the highest it points at."""
    return int(connection.execute(f"SELECT COALESCE(MAX(row) + 1, 0) FROM {table}").fetchone()[0])


def _closest(index: CompactIndex, vector: npt.NDArray[np.float32], rows: list[int]) -> tuple[int, float]:
    """The row of ``rows`` whose vector is most similar to ``vector`` (the lower row on a tie) and its cosine;
    (-1, -inf) when there is none. Read ``RECALL_CHUNK_ROWS`` at a time, so a crowded key costs time, not RAM."""
    best_row, best_score = -1, -np.inf
    ordered = sorted(rows)
    for start in range(0, len(ordered), RECALL_CHUNK_ROWS):
        chunk = ordered[start : start + RECALL_CHUNK_ROWS]
        scores = index.reconstruct(chunk) @ vector
        at = int(np.argmax(scores))
        if scores[at] > best_score:
            best_row, best_score = chunk[at], float(scores[at])
    return best_row, best_score
