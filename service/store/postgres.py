"""The knowledge base and claim memory in PostgreSQL with pgvector, shared by every instance on one database.

Selected by ``DATABASE_URL``. Rows and vectors live in the same table (a ``vector`` column, cosine distance,
an HNSW index for passages), so the web process holds no part of the corpus: its RSS does not grow with it.

Acknowledged means committed: every write is one transaction, and PostgreSQL's commit is durable.

Several instances at once. The schema is created (and later migrated) at start-up under an advisory lock,
so two instances starting together do not both create it; its version is kept in ``store_meta``. Writes
that read before they write (adding passages, where a content seen by two instances at once must become
one passage; the claim memory's group commit, whose bound counts the claims) take a transaction-level
advisory lock, so they are serialised across instances as the embedded store's lock serialises them in one
process. Reads take no lock.

check and repair. A database keeps its own rows and vectors together, and mends itself after a crash
(write-ahead log), so there are no orphan or lost vectors to find: ``check`` asks only that the schema is
the one this code knows and that the extension is there; ``lost_passages`` is always empty.

Connections: a pool of at most ``POOL_MAX`` (a libpq connection costs the web process well under 1 MiB;
the worker thread uses one at a time, ingest another); every call takes one for one transaction.

Outages (the database down, restarting, refusing connections). A call that fails to reach it raises
``StoreUnavailable`` (503 with Retry-After) and puts the store in an outage: later calls fail at once
instead of each waiting ``POOL_TIMEOUT_S`` for a connection (the web process's store calls run one after
another in one thread, so waits would add up behind each other into a hang), except one call per
``PROBE_INTERVAL_S``, which first opens a connection of its own. Once that succeeds the pool drops the
connections the server closed, and calls go through it again. The pool's own reconnection gives up after
``RECONNECT_TIMEOUT_S`` and then reconnects when a call asks, so the end of a long outage is not noticed late,
as the pool's doubling delays between attempts would notice it.

Stuck statements (a lock held elsewhere, a database that stops answering): the server cancels a statement
after ``STATEMENT_TIMEOUT_S`` and TCP gives up on a silent network after ``NETWORK_TIMEOUT_S``, so a call
ends in ``StoreUnavailable`` rather than holding the store's thread, and every request behind it, for ever.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool, PoolTimeout

from service.errors import StorageFull, StoreUnavailable
from service.store.base import KnowledgeStore
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
from service.store.selection import redacted
from service.store.vector_index import as_matrix, require_unit

SCHEMA_VERSION = 1
POOL_MAX = 4
# How long a call waits for a free connection (or for the database to answer a new one) before failing: the
# one worker thread uses one connection at a time, so a wait is for a new connection (a connect takes well
# under a second, and the pool retries a dropped one after 1 s), and is paid once when an outage begins.
POOL_TIMEOUT_S = 5.0
# During an outage: at most one attempt to reach the database per interval; its connect gives up after
# libpq's shortest timeout (a stopped server refuses at once; an unreachable host answers nothing).
PROBE_INTERVAL_S = 1.0
PROBE_CONNECT_TIMEOUT_S = 2
RECONNECT_TIMEOUT_S = 5.0
# Advisory lock keys (any 64-bit numbers, the same in every instance): schema, passage writes, memory writes.
SCHEMA_LOCK, PASSAGES_LOCK, CLAIMS_LOCK = 0x636C61696D0001, 0x636C61696D0002, 0x636C61696D0003
# HNSW candidates per query: pgvector's default is 40; more raises recall at some cost in time.
HNSW_EF_SEARCH = 100
# The longest a statement may run, lock waits included, before the server cancels it (503, not a hang): store
# calls run one after another in one thread, so one stuck statement would hold up every request behind it.
# Far above any statement's need (an import batch's COPY into the HNSW index takes about a second).
STATEMENT_TIMEOUT_S = 15
# A database behind a network that drops packets never answers: TCP then gives up on a connection after this
# long with data unacknowledged or keepalives unanswered (libpq applies it to TCP connections only).
NETWORK_TIMEOUT_S = 20
CONNECTION_OPTIONS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": NETWORK_TIMEOUT_S // 2,
    "keepalives_interval": NETWORK_TIMEOUT_S // 10,
    "keepalives_count": 5,
    "tcp_user_timeout": NETWORK_TIMEOUT_S * 1000,
}


def schema(dim: int) -> tuple[str, ...]:
    """The statements that create version ``SCHEMA_VERSION`` for vectors of ``dim`` dimensions."""
    return (
        "CREATE EXTENSION IF NOT EXISTS vector",
        "CREATE TABLE store_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        f"""CREATE TABLE passages (
            id TEXT PRIMARY KEY,
            text TEXT NOT NULL,
            source TEXT NOT NULL,
            metadata TEXT NOT NULL,
            content_hash TEXT NOT NULL UNIQUE,
            seq BIGINT GENERATED ALWAYS AS IDENTITY (MINVALUE 0 START WITH 0) UNIQUE,  -- the row; from 0 as on disk
            deleted BOOLEAN NOT NULL DEFAULT FALSE,
            added_at DOUBLE PRECISION NOT NULL,
            owner TEXT,
            embedding vector({dim}) NOT NULL
        )""",
        "CREATE INDEX passages_by_owner ON passages (owner) WHERE owner IS NOT NULL",
        "CREATE INDEX passages_by_embedding ON passages USING hnsw (embedding vector_cosine_ops)",
        f"""CREATE TABLE claims (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            claim TEXT NOT NULL,
            verdict TEXT NOT NULL,
            score DOUBLE PRECISION NOT NULL,
            evidence_ids TEXT NOT NULL,
            first_seen DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL,
            times_seen BIGINT NOT NULL,
            key_hash BIGINT,
            embedding vector({dim}) NOT NULL
        )""",
        "CREATE INDEX claims_by_key ON claims (key_hash)",
        "CREATE INDEX claims_by_last_seen ON claims (last_seen, id)",
        """CREATE TABLE ingest_progress (
            source_file TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            lines_done BIGINT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        )""",
    )


# Columns in the order ``passage_from_row`` and ``claim_from_row`` read them (``seq`` and ``id`` as the row).
PASSAGE_READ_COLUMNS = (
    f"id, left(text, {MAX_PASSAGE_CHARS}), left(source, {MAX_SOURCE_CHARS}),"
    " metadata, content_hash, seq, deleted, added_at"
)
CLAIM_COLUMNS = "id, claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, id"
# What a new passage's row is written with, and the PostgreSQL types COPY's binary format sends them as.
PASSAGE_COPY_COLUMNS = "id, text, source, metadata, content_hash, added_at, owner, embedding"
PASSAGE_COPY_TYPES = ("text", "text", "text", "text", "text", "float8", "text", "vector")


class PostgresStore(KnowledgeStore):
    """The store in one PostgreSQL database; build it with ``PostgresStore.open``."""

    def __init__(self, pool: ConnectionPool, url: str, dim: int, clock: Callable[[], float]) -> None:
        self._pool = pool
        self._url = url
        self._dim = dim
        self._clock = clock
        # As this instance's last count or claim write left it (other instances' writes show at the next one).
        self._claims_total = 0
        # Why the database could not be reached, while it cannot (None when the last call reached it), and when
        # the next probe is due (time.monotonic). Calls come from one thread at a time, as the interface says.
        self._outage: str | None = None
        self._next_probe = 0.0

    @classmethod
    def open(cls, url: str, dim: int, *, clock: Callable[[], float] = time.time) -> PostgresStore:
        """Connect to ``url``, creating the schema for ``dim``-dimensional vectors when the database has none."""
        _prepare(url, dim)
        pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_MAX,
            timeout=POOL_TIMEOUT_S,
            configure=_configure,
            check=ConnectionPool.check_connection,  # a connection the server dropped (a restart) is replaced
            reconnect_timeout=RECONNECT_TIMEOUT_S,
            kwargs=CONNECTION_OPTIONS,
            name="store",
            open=False,
        )
        try:
            pool.open(wait=True, timeout=POOL_TIMEOUT_S)
            store = cls(pool, url, dim, clock)
            with store._transaction() as db:
                store._claims_total = _one_int(db, "SELECT COUNT(*) FROM claims")
        except BaseException:
            pool.close()
            raise
        return store

    @property
    def location(self) -> str:
        return redacted(self._url)

    @property
    def dim(self) -> int:
        return self._dim

    def close(self) -> None:
        self._pool.close()

    # Passages

    def add_passages(
        self, items: Sequence[NewPassage], vectors: npt.ArrayLike, owner: str | None = None
    ) -> list[AddResult]:
        matrix = self._unit_rows(vectors, len(items))
        hashes = [content_hash(item.text, item.source) for item in items]
        metadata = [metadata_json(item) for item in items]
        now = self._clock()
        with self._transaction(PASSAGES_LOCK) as db:
            # content hash -> (id holding it, deleted), kept up to date as the batch is planned
            known: dict[str, tuple[str, bool]] = {
                str(digest): (str(id_), bool(deleted))
                for id_, digest, deleted in db.execute(
                    "SELECT id, content_hash, deleted FROM passages WHERE content_hash = ANY(%s)", (hashes,)
                )
            }
            ids = [item.id for item in items]
            taken = {str(id_) for (id_,) in db.execute("SELECT id FROM passages WHERE id = ANY(%s)", (ids,))}
            plan: list[tuple[AddStatus, str | None]] = []  # status, the id holding the content
            restore: list[str] = []
            new_rows: list[tuple[object, ...]] = []
            for position, (item, digest) in enumerate(zip(items, hashes, strict=True)):
                if digest in known:
                    existing_id, deleted = known[digest]
                    if deleted:
                        restore.append(existing_id)
                        known[digest] = (existing_id, False)
                    plan.append(("restored" if deleted else "duplicate", existing_id))
                elif item.id in taken:
                    plan.append(("id_conflict", None))
                else:
                    new_rows.append(
                        (item.id, item.text, item.source, metadata[position], digest, now, owner, matrix[position])
                    )
                    known[digest] = (item.id, False)
                    taken.add(item.id)
                    plan.append(("added", item.id))
            _copy_passages(db, new_rows)
            if restore:
                db.execute(
                    "UPDATE passages SET deleted = FALSE, owner = COALESCE(%s, owner) WHERE id = ANY(%s)",
                    (owner, restore),
                )
            holders = [holder for _, holder in plan if holder is not None]
            rows = {
                str(id_): int(seq)
                for id_, seq in db.execute("SELECT id, seq FROM passages WHERE id = ANY(%s)", (holders,))
            }
        return [
            AddResult(item.id, status)
            if holder is None
            else AddResult(item.id, status, None if status == "added" else holder, rows[holder])
            for item, (status, holder) in zip(items, plan, strict=True)
        ]

    def passages_owned(self, owner: str) -> int:
        with self._transaction() as db:
            return _one_int(db, "SELECT COUNT(*) FROM passages WHERE owner = %s AND NOT deleted", (owner,))

    def get_passage(self, passage_id: str, *, include_deleted: bool = False) -> StoredPassage | None:
        with self._transaction() as db:
            found = db.execute(f"SELECT {PASSAGE_READ_COLUMNS} FROM passages WHERE id = %s", (passage_id,)).fetchone()
        passage = None if found is None else passage_from_row(found)
        return passage if passage is None or include_deleted or not passage.deleted else None

    def delete_passage(self, passage_id: str) -> bool:
        with self._transaction() as db:
            found = db.execute(
                "UPDATE passages SET deleted = TRUE WHERE id = %s AND NOT deleted RETURNING id", (passage_id,)
            ).fetchall()
        return bool(found)

    def search_passages(self, queries: npt.ArrayLike, k: int) -> list[list[tuple[StoredPassage, float]]]:
        """As the interface says, by the HNSW index: approximate, as pgvector's HNSW is (recall, not exactness)."""
        matrix = as_matrix(queries, self._dim, "queries")
        if k < 1:
            raise ValueError("k must be at least 1")
        if not np.isfinite(matrix).all():
            raise ValueError("queries must be finite")
        if len(matrix) == 0:
            return []
        found: list[list[tuple[StoredPassage, float]]] = [[] for _ in matrix]
        with self._transaction() as db:
            for number, *passage, distance in db.execute(
                f"SELECT q.number, p.* FROM unnest(%s::vector[]) WITH ORDINALITY AS q(query, number)"
                f" CROSS JOIN LATERAL (SELECT {PASSAGE_READ_COLUMNS}, embedding <=> q.query AS distance"
                " FROM passages WHERE NOT deleted ORDER BY embedding <=> q.query LIMIT %s) AS p"
                " ORDER BY q.number, p.distance, p.seq",
                (list(matrix), k),
            ):
                found[int(number) - 1].append((passage_from_row(tuple(passage)), 1.0 - float(distance)))
        return found

    def passage_count(self) -> int:
        with self._transaction() as db:
            return _one_int(db, "SELECT COUNT(*) FROM passages WHERE NOT deleted")

    # Claim memory

    def write_claims(
        self,
        claims: Sequence[NewClaim],
        vectors: npt.ArrayLike,
        touch_ids: Sequence[int] = (),
        revisions: Sequence[NewClaim | None] = (),
        keep_at_most: int | None = None,
    ) -> tuple[list[StoredClaim], list[StoredClaim | None]]:
        matrix = self._unit_rows(vectors, len(claims))
        if not claims and not touch_ids:
            return [], []
        with self._transaction(CLAIMS_LOCK) as db:
            now = self._clock()
            stored = [self._insert_claim(db, claim, vector, now) for claim, vector in zip(claims, matrix, strict=True)]
            touched = [
                self._touch(db, claim_id, revision, now)
                for claim_id, revision in itertools.zip_longest(touch_ids, revisions[: len(touch_ids)])
            ]
            total = _one_int(db, "SELECT COUNT(*) FROM claims")
            if keep_at_most is not None and total > keep_at_most:
                db.execute(
                    "DELETE FROM claims WHERE id IN (SELECT id FROM claims ORDER BY last_seen, id LIMIT %s)",
                    (total - keep_at_most,),
                )
                total = keep_at_most
        self._claims_total = total
        return stored, touched

    @staticmethod
    def _insert_claim(db: psycopg.Connection[Any], claim: NewClaim, vector: Any, now: float) -> StoredClaim:
        found = db.execute(
            "INSERT INTO claims (claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen, key_hash,"
            f" embedding) VALUES (%s, %s, %s, %s, %s, %s, 1, %s, %s) RETURNING {CLAIM_COLUMNS}",
            (
                claim.claim[:MAX_STORED_CLAIM_CHARS],
                claim.verdict,
                float(claim.score),
                bounded_evidence_ids(claim.evidence_ids),
                now,
                now,
                key_hash(claim.key),
                vector,
            ),
        ).fetchone()
        assert found is not None
        return claim_from_row(found)

    @staticmethod
    def _touch(
        db: psycopg.Connection[Any], claim_id: int | None, revision: NewClaim | None, now: float
    ) -> StoredClaim | None:
        """times_seen + 1 and last_seen = now, with the revision's verdict when one is given."""
        if revision is None:
            found = db.execute(
                "UPDATE claims SET times_seen = times_seen + 1, last_seen = %s"
                f" WHERE id = %s RETURNING {CLAIM_COLUMNS}",
                (now, claim_id),
            ).fetchone()
        else:
            found = db.execute(
                "UPDATE claims SET times_seen = times_seen + 1, last_seen = %s, verdict = %s, score = %s,"
                f" evidence_ids = %s WHERE id = %s RETURNING {CLAIM_COLUMNS}",
                (now, revision.verdict, float(revision.score), bounded_evidence_ids(revision.evidence_ids), claim_id),
            ).fetchone()
        return None if found is None else claim_from_row(found)

    def claim_count(self) -> int:
        return self._claims_total

    def recall_claims(
        self, vectors: npt.ArrayLike, threshold: float, keys: Sequence[str] | None = None
    ) -> list[ClaimMatch | None]:
        """As the interface says; exact (one key's claims are few, and read by the key's index)."""
        matrix = as_matrix(vectors, self._dim, "vectors")
        if keys is not None and len(keys) != len(matrix):
            raise ValueError(f"vectors must have shape ({len(keys)}, {self._dim}), not {matrix.shape}")
        hashes = [key_hash(key) for key in keys] if keys is not None else [None] * len(matrix)
        matches: list[ClaimMatch | None] = [None] * len(matrix)
        if len(matrix) == 0:
            return matches
        with self._transaction() as db:
            for number, *claim, distance in db.execute(
                "SELECT q.number, c.* FROM unnest(%s::vector[], %s::bigint[]) WITH ORDINALITY AS q(query, key, number)"
                f" CROSS JOIN LATERAL (SELECT {CLAIM_COLUMNS}, embedding <=> q.query AS distance FROM claims"
                " WHERE q.key IS NULL OR key_hash = q.key ORDER BY embedding <=> q.query, id LIMIT 1) AS c",
                (list(matrix), hashes),
            ):
                similarity = 1.0 - float(distance)
                if similarity >= threshold:
                    matches[int(number) - 1] = ClaimMatch(claim_from_row(tuple(claim)), similarity)
        return matches

    def claims_without_key(self, limit: int) -> list[tuple[int, str]]:
        with self._transaction() as db:
            found = db.execute("SELECT id, claim FROM claims WHERE key_hash IS NULL LIMIT %s", (limit,))
            return [(int(id_), str(claim)) for id_, claim in found]

    def set_claim_keys(self, keys: Sequence[tuple[int, str]]) -> None:
        with self._transaction() as db, db.cursor() as cursor:
            cursor.executemany(
                "UPDATE claims SET key_hash = %s WHERE id = %s", [(key_hash(key), id_) for id_, key in keys]
            )

    def delete_claim(self, claim_id: int) -> bool:
        with self._transaction(CLAIMS_LOCK) as db:
            deleted = db.execute("DELETE FROM claims WHERE id = %s", (claim_id,)).rowcount
            self._claims_total = _one_int(db, "SELECT COUNT(*) FROM claims")
        return deleted > 0

    def clear_claims(self) -> int:
        with self._transaction(CLAIMS_LOCK) as db:
            deleted = db.execute("DELETE FROM claims").rowcount
        self._claims_total = 0
        return deleted

    def get_claim(self, claim_id: int) -> StoredClaim | None:
        with self._transaction() as db:
            found = db.execute(f"SELECT {CLAIM_COLUMNS} FROM claims WHERE id = %s", (claim_id,)).fetchone()
        return None if found is None else claim_from_row(found)

    def list_claims(self, offset: int = 0, limit: int = 50) -> tuple[list[StoredClaim], int]:
        """As the embedded store's: newest first by id, text and evidence ids cut at their bounds as read."""
        if offset < 0 or limit < 0:
            raise ValueError("offset and limit must not be negative")
        with self._transaction() as db:
            page = db.execute(
                "SELECT id, left(claim, %s), verdict, score, left(evidence_ids, %s), first_seen, last_seen,"
                " times_seen, id FROM claims ORDER BY id DESC LIMIT %s OFFSET %s",
                (MAX_STORED_CLAIM_CHARS, MAX_STORED_EVIDENCE_IDS_CHARS, limit, offset),
            ).fetchall()
            total = _one_int(db, "SELECT COUNT(*) FROM claims")
        return [bounded_claim_from_row(found) for found in page], total

    # Moving to another store

    def export_passages(self, after_row: int, limit: int) -> list[PassageCopy]:
        with self._transaction() as db:
            found = db.execute(
                f"SELECT {PASSAGE_READ_COLUMNS}, owner, embedding FROM passages"
                " WHERE seq > %s AND NOT deleted ORDER BY seq LIMIT %s",
                (after_row, limit),
            ).fetchall()
        copies = []
        for *columns, owner, vector in found:
            passage = passage_from_row(tuple(columns))
            new = NewPassage(passage.id, passage.text, passage.source, passage.metadata)
            copies.append(
                PassageCopy(passage.row, new, owner, passage.added_at, np.asarray(vector.to_numpy(), dtype=np.float32))
            )
        return copies

    def export_claims(self, after_id: int, limit: int) -> list[ClaimCopy]:
        with self._transaction() as db:
            found = db.execute(
                "SELECT id, left(claim, %s), verdict, score, left(evidence_ids, %s), first_seen, last_seen,"
                " times_seen, id, key_hash, embedding FROM claims WHERE id > %s ORDER BY id LIMIT %s",
                (MAX_STORED_CLAIM_CHARS, MAX_STORED_EVIDENCE_IDS_CHARS, after_id, limit),
            ).fetchall()
        return [
            ClaimCopy.of(
                bounded_claim_from_row(tuple(columns)),
                None if key is None else int(key),
                np.asarray(vector.to_numpy(), dtype=np.float32),
            )
            for *columns, key, vector in found
        ]

    def export_progress(self, after: str, limit: int) -> list[IngestProgress]:
        with self._transaction() as db:
            found = db.execute(
                "SELECT source_file, sha256, lines_done, updated_at FROM ingest_progress"
                " WHERE source_file > %s ORDER BY source_file LIMIT %s",
                (after, limit),
            ).fetchall()
        return [IngestProgress(str(name), str(sha), int(lines), float(at)) for name, sha, lines, at in found]

    def import_claims(self, claims: Sequence[ClaimCopy]) -> list[bool]:
        """As the interface says, under the memory's advisory lock (two imports at once store a claim once)."""
        if not claims:
            return []
        matrix = self._unit_rows([claim.vector for claim in claims], len(claims))
        new: list[bool] = []
        with self._transaction(CLAIMS_LOCK) as db:
            for claim, vector in zip(claims, matrix, strict=True):
                text = claim.claim[:MAX_STORED_CLAIM_CHARS]
                # Two forms, so that a key is looked up by its index (= never matches NULL).
                same_key = "key_hash IS NULL" if claim.key_hash is None else "key_hash = %(key)s"
                known = db.execute(
                    f"SELECT 1 FROM claims WHERE {same_key} AND claim = %(claim)s LIMIT 1",
                    {"key": claim.key_hash, "claim": text},
                ).fetchone()
                new.append(known is None)
                if known is None:
                    db.execute(
                        "INSERT INTO claims (claim, verdict, score, evidence_ids, first_seen, last_seen, times_seen,"
                        " key_hash, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                        (*claim.stored_columns(), claim.key_hash, vector),
                    )
            self._claims_total = _one_int(db, "SELECT COUNT(*) FROM claims")
        return new

    # Ingest progress

    def get_progress(self, source_file: str) -> IngestProgress | None:
        with self._transaction() as db:
            found = db.execute(
                "SELECT source_file, sha256, lines_done, updated_at FROM ingest_progress WHERE source_file = %s",
                (source_file,),
            ).fetchone()
        return None if found is None else IngestProgress(str(found[0]), str(found[1]), int(found[2]), float(found[3]))

    def set_progress(self, source_file: str, sha256: str, lines_done: int) -> None:
        if lines_done < 0:
            raise ValueError("lines_done must not be negative")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO ingest_progress (source_file, sha256, lines_done, updated_at) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT (source_file) DO UPDATE SET sha256 = excluded.sha256,"
                " lines_done = excluded.lines_done, updated_at = excluded.updated_at",
                (source_file, sha256, lines_done, self._clock()),
            )

    # Consistency

    def check(self, *, verify_vectors: bool = True) -> list[str]:
        """The schema version and the vector extension (see the module docstring for why no more)."""
        with self._transaction() as db:
            version = _one_int(db, "SELECT value FROM store_meta WHERE name = 'schema_version'")
            extension = db.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
        problems = [] if version == SCHEMA_VERSION else [f"schema version {version}, this code knows {SCHEMA_VERSION}"]
        return problems + ([] if extension else ["the vector extension is not installed"])

    def lost_passages(self) -> list[tuple[int, str]]:
        return []

    def restore_passage_vectors(self, rows: Sequence[int], vectors: npt.ArrayLike) -> None:
        if rows:
            raise ValueError("only rows listed by lost_passages can be restored")

    # Internals

    def _unit_rows(self, vectors: npt.ArrayLike, count: int) -> npt.NDArray[np.float32]:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape != (count, self._dim):
            raise ValueError(f"vectors must have shape ({count}, {self._dim}), not {matrix.shape}")
        require_unit(matrix)
        return matrix

    def ping(self) -> None:
        with self._transaction() as db:
            db.execute("SELECT 1")

    @contextmanager
    def _transaction(self, lock: int | None = None) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in one transaction, committed on leaving (rolled back on an error), holding
        the advisory ``lock`` until then when one is given."""
        if self._outage is not None:
            self._probe(self._outage)
        try:
            with self._pool.connection() as db, db.transaction():
                if lock is not None:
                    db.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
                yield db
        except psycopg.errors.DiskFull as error:
            raise StorageFull("the database's disk is full: nothing was stored") from error
        except (psycopg.OperationalError, PoolTimeout) as error:
            # Unreachable, restarting, or a transaction it gave up: all worth a retry. The message names the
            # failure's kind, never the URL (its password stays out of answers and logs).
            reason = f"the database is unavailable ({type(error).__name__})"
            if _connection_lost(error):
                self._outage = reason
                self._next_probe = time.monotonic() + PROBE_INTERVAL_S
            raise StoreUnavailable(reason) from error
        self._outage = None

    def _probe(self, outage: str) -> None:
        """During an outage: raise ``StoreUnavailable`` at once, unless a probe is due and reaches the database;
        then the pool replaces the connections the server closed (see the module docstring)."""
        now = time.monotonic()
        if now < self._next_probe:
            raise StoreUnavailable(outage)
        self._next_probe = now + PROBE_INTERVAL_S
        try:
            psycopg.connect(self._url, connect_timeout=PROBE_CONNECT_TIMEOUT_S, **CONNECTION_OPTIONS).close()
        except psycopg.OperationalError as error:
            raise StoreUnavailable(outage) from error
        self._pool.check()


def _connection_lost(error: Exception) -> bool:
    """Whether ``error`` says the database is out of reach (no connection, or the server ending them), not that
    it gave up one transaction (a deadlock, a statement timeout): only the first begins an outage."""
    if not isinstance(error, psycopg.Error) or error.sqlstate is None:  # a pool timeout; a connection that broke
        return True
    return error.sqlstate.startswith(("08", "57P"))  # connection exceptions; shutdown, crash, starting up


def _copy_passages(db: psycopg.Connection[Any], rows: Sequence[tuple[object, ...]]) -> None:
    """Insert new passages' rows (``PASSAGE_COPY_COLUMNS``, in order) in one COPY, vectors in pgvector's binary
    form: one statement for the batch instead of a round trip per row, in the caller's transaction."""
    if not rows:
        return
    with (
        db.cursor() as cursor,
        cursor.copy(f"COPY passages ({PASSAGE_COPY_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(PASSAGE_COPY_TYPES)
        for row in rows:
            copy.write_row(row)


def _configure(db: psycopg.Connection[Any]) -> None:
    """Each pooled connection: numpy arrays as pgvector values, the HNSW search width, the statement timeout."""
    register_vector(db)
    db.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
    db.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")
    db.execute("SET hnsw.iterative_scan = strict_order")  # deleted passages never leave a search short
    db.commit()


def _prepare(url: str, dim: int) -> None:
    """Create the schema, or check the one there, under the schema advisory lock (see the module docstring)."""
    with psycopg.connect(url, connect_timeout=int(POOL_TIMEOUT_S), **CONNECTION_OPTIONS) as db, db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        exists = db.execute("SELECT to_regclass('store_meta') IS NOT NULL").fetchone()
        if not (exists and exists[0]):
            for statement in schema(dim):
                db.execute(statement)
            db.execute(
                "INSERT INTO store_meta (name, value) VALUES ('schema_version', %s), ('dim', %s)",
                (SCHEMA_VERSION, dim),
            )
        version = _one_int(db, "SELECT value FROM store_meta WHERE name = 'schema_version'")
        stored_dim = _one_int(db, "SELECT value FROM store_meta WHERE name = 'dim'")
    if version != SCHEMA_VERSION:
        raise RuntimeError(f"{redacted(url)}: schema version {version}, this code knows {SCHEMA_VERSION}")
    if stored_dim != dim:
        raise ValueError(f"{redacted(url)}: holds vectors of {stored_dim} dimensions, the model makes {dim}")


def _one_int(db: psycopg.Connection[Any], sql: str, params: Sequence[Any] = ()) -> int:
    found = db.execute(sql, params).fetchone()
    return 0 if found is None else int(found[0])
